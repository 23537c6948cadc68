"""The texts of the catalog's e-mails, in Chinese then English.

An e-mail goes to someone whose page language we may not know (an invited person has no
account yet), so each carries both languages, Chinese first as on the pages. Links are made
by the caller (the web knows the site's address); the services decide who is told what.
"""

from __future__ import annotations

from catalog.services.mail import Message

_SEP = "\n\n---\n\n"


def _msg(
    to: list[str] | tuple[str, ...], subject_zh: str, subject_en: str, zh: str, en: str
) -> Message:
    return Message(tuple(to), f"{subject_zh} / {subject_en}", zh.strip() + _SEP + en.strip() + "\n")


def password_reset(site: str, to: str, link: str, hours: int) -> Message:
    return _msg(
        [to],
        f"{site}：重置密码",
        "Reset your password",
        f"""
您（或他人）请求重置在{site}的账号密码。请在 {hours} 小时内打开以下链接设置新密码：

{link}

如果不是您本人操作，请忽略本邮件，您的密码不会改变。""",
        f"""
Someone (probably you) asked to reset the password of your account. Open this link within
{hours} hours to choose a new password:

{link}

If it was not you, ignore this message: your password stays as it is.""",
    )


def partner_applied(to: list[str], org_title: str, link: str) -> Message:
    return _msg(
        to,
        f"新的数据合伙人申请：{org_title}",
        f"New data-partner application: {org_title}",
        f"{org_title} 提交了数据合伙人申请，请审核：\n\n{link}",
        f"{org_title} applied to become a data partner. Review the application:\n\n{link}",
    )


def partner_decision(
    to: list[str], org_title: str, status: str, note: str | None, link: str
) -> Message:
    zh_word = {"verified": "已通过认证", "rejected": "未通过认证", "suspended": "已被暂停"}[status]
    en_word = {"verified": "verified", "rejected": "not verified", "suspended": "suspended"}[status]
    reason_zh = f"\n\n说明：{note}" if note else ""
    reason_en = f"\n\nNote: {note}" if note else ""
    return _msg(
        to,
        f"数据合伙人申请结果：{org_title}{zh_word}",
        f"Data-partner application: {org_title} {en_word}",
        f"数据局已审核 {org_title} 的数据合伙人申请：{zh_word}。{reason_zh}\n\n详情：{link}",
        f"The data bureau reviewed the data-partner application of {org_title}: "
        f"{en_word}.{reason_en}\n\nDetails: {link}",
    )


def dataset_decision(
    to: list[str], title: str, status: str, note: str | None, link: str
) -> Message:
    zh_word = {
        "published": "已发布",
        "changes_requested": "需要修改",
        "rejected": "未通过审核",
    }[status]
    en_word = {
        "published": "published",
        "changes_requested": "changes requested",
        "rejected": "rejected",
    }[status]
    reason_zh = f"\n\n审核意见：{note}" if note else ""
    reason_en = f"\n\nReviewer's note: {note}" if note else ""
    return _msg(
        to,
        f"数据集审核结果：{title}（{zh_word}）",
        f"Dataset review: {title} ({en_word})",
        f"您提交的数据集“{title}”审核结果：{zh_word}。{reason_zh}\n\n{link}",
        f'Your dataset "{title}" was reviewed: {en_word}.{reason_en}\n\n{link}',
    )


def invitation(to: str, org_title: str, inviter: str, role: str, link: str, days: int) -> Message:
    role_zh = "管理员" if role == "admin" else "成员"
    return _msg(
        [to],
        f"邀请您加入 {org_title}",
        f"Invitation to join {org_title}",
        f"{inviter} 邀请您以{role_zh}身份加入 {org_title}。请在 {days} 天内打开以下链接，"
        f"用本邮箱注册或登录后接受邀请：\n\n{link}",
        f"{inviter} invited you to join {org_title} as {role}. Within {days} days, open this "
        f"link, register or sign in with this e-mail address and accept:\n\n{link}",
    )


def member_added(to: str, org_title: str, inviter: str, role: str, link: str) -> Message:
    role_zh = "管理员" if role == "admin" else "成员"
    return _msg(
        [to],
        f"您已加入 {org_title}",
        f"You were added to {org_title}",
        f"{inviter} 已将您以{role_zh}身份加入 {org_title}。\n\n{link}",
        f"{inviter} added you to {org_title} as {role}.\n\n{link}",
    )


_ACCESS_WORDS = {
    "needs_info": ("需要补充材料", "more information needed"),
    "approved": ("已批准", "approved"),
    "rejected": ("未获批准", "rejected"),
    "expired": ("已到期", "expired"),
    "revoked": ("已被撤销", "revoked"),
    "submitted": ("已重新提交", "submitted again"),
    "withdrawn": ("已撤回", "withdrawn"),
}


def access_decision(to: list[str], title: str, state: str, note: str | None, link: str) -> Message:
    """The requester is told of each change of their access request."""
    zh_word, en_word = _ACCESS_WORDS.get(state, (state, state))
    reason_zh = f"\n\n说明：{note}" if note else ""
    reason_en = f"\n\nNote: {note}" if note else ""
    return _msg(
        to,
        f"数据申请：{title}（{zh_word}）",
        f"Access request: {title} ({en_word})",
        f"您对数据集“{title}”的使用申请状态：{zh_word}。{reason_zh}\n\n{link}",
        f'Your request for access to "{title}" is now: {en_word}.{reason_en}\n\n{link}',
    )


def access_to_review(to: list[str], title: str, what: str, link: str) -> Message:
    """Reviewers are told of a new request or of an answer to their question."""
    if what == "answered":
        zh, en = "申请人已补充材料", "The requester answered your question"
    else:
        zh, en = "收到新的数据申请", "New access request"
    return _msg(
        to,
        f"{zh}：{title}",
        f"{en}: {title}",
        f"{zh}（数据集“{title}”），请审核：\n\n{link}",
        f'{en} (dataset "{title}"). Please review:\n\n{link}',
    )


def access_overdue(to: list[str], title: str, due: object, link: str) -> Message:
    return _msg(
        to,
        f"数据申请已超期：{title}",
        f"Overdue access request: {title}",
        f"数据集“{title}”的使用申请应于 {due} 前处理，现已超期，请尽快审核：\n\n{link}",
        f'The access request for "{title}" was due on {due} and is overdue. Please review:\n\n{link}',
    )


def _review_at(link: str | None) -> tuple[str, str]:
    """Where a curator reviews, in both languages: the link when the caller has one."""
    if link:
        return f"请审核：\n\n{link}", f"Please review it:\n\n{link}"
    return "请在目录的审核页面处理。", "Please review it in the review queue."


def waiting_for_review(to: list[str], title: str, link: str | None) -> Message:
    """Curators are told at once of a partner's change to a published dataset."""
    where_zh, where_en = _review_at(link)
    return _msg(
        to,
        f"待审核的修改：{title}",
        f"A change waits for review: {title}",
        f"数据合伙人修改了已发布的数据集“{title}”。修改在审核通过前不会公开。{where_zh}",
        f'A data partner changed the published dataset "{title}". The change is not public '
        f"until it is approved. {where_en}",
    )


def submitted_for_review(to: list[str], title: str, link: str | None) -> Message:
    """Curators are told at once of a dataset submitted for review."""
    where_zh, where_en = _review_at(link)
    return _msg(
        to,
        f"待审核的数据集：{title}",
        f"A dataset waits for review: {title}",
        f"数据集“{title}”已提交审核。{where_zh}",
        f'The dataset "{title}" was submitted for review. {where_en}',
    )


def revision_decision(
    to: list[str], title: str, decision: str, note: str | None, link: str
) -> Message:
    """The partner who proposed a change is told whether it was published or returned."""
    zh_word, en_word = {
        "approved": ("已通过审核并发布", "approved and published"),
        "returned": ("被退回", "returned"),
    }[decision]
    reason_zh = f"\n\n审核意见：{note}" if note else ""
    reason_en = f"\n\nReviewer's note: {note}" if note else ""
    return _msg(
        to,
        f"数据集修改审核结果：{title}（{zh_word}）",
        f"Change to a dataset: {title} ({en_word})",
        f"您对数据集“{title}”的修改{zh_word}。{reason_zh}\n\n{link}",
        f'Your change to the dataset "{title}" was {en_word}.{reason_en}\n\n{link}',
    )


def review_digest(
    to: list[str], submitted: list[str], revised: list[str], link: str | None
) -> Message:
    """The curators' daily list of what waits for them."""

    def lines(titles: list[str]) -> str:
        return "\n".join(f"- {t}" for t in titles) or "-"

    where = f"\n\n{link}" if link else ""
    return _msg(
        to,
        f"待审核：{len(submitted)} 个数据集，{len(revised)} 项修改",
        f"Waiting for review: {len(submitted)} datasets, {len(revised)} changes",
        f"提交审核的数据集：\n{lines(submitted)}\n\n已发布数据集的待审修改：\n{lines(revised)}{where}",
        f"Datasets submitted for review:\n{lines(submitted)}\n\n"
        f"Changes to published datasets:\n{lines(revised)}{where}",
    )


# -- issue 14, item 4: registration confirmed by e-mail ---------------------------------------
def registration_confirm(site: str, to: str, link: str, hours: int) -> Message:
    return _msg(
        [to],
        f"{site}：确认注册",
        "Confirm your registration",
        f"""
您（或他人）使用本邮箱在{site}注册账号。请在 {hours} 小时内打开以下链接完成注册：

{link}

如果不是您本人操作，请忽略本邮件，不会创建任何账号。""",
        f"""
Someone (probably you) registered an account at {site} with this address. Open this link
within {hours} hours to finish:

{link}

If it was not you, ignore this message: no account will be made.""",
    )


def registration_exists(site: str, to: str, sign_in: str, reset: str) -> Message:
    """To the owner of an account someone tried to register again: the page said the same
    as for a new address, so only the owner learns that the account exists."""
    return _msg(
        [to],
        f"{site}：有人尝试用您的邮箱注册",
        "Someone tried to register with your address",
        f"""
有人（可能是您）尝试用本邮箱在{site}注册新账号，但该邮箱已有账号，因此没有创建新账号。

如果是您本人，请直接登录：
{sign_in}

忘记密码可在此重置：
{reset}

如果不是您本人操作，请忽略本邮件，您的账号不受影响。""",
        f"""
Someone (probably you) tried to register a new account at {site} with this address. It
already has an account, so no new one was made.

If it was you, sign in:
{sign_in}

If you forgot your password, reset it here:
{reset}

If it was not you, ignore this message: your account is unchanged.""",
    )
