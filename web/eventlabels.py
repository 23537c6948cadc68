"""Readable names of audit event codes (``access.submitted``...), in Chinese and English.

Pages show :func:`event_label`; the codes stay in CSV exports and the API. A code missing
here is shown as itself, and ``tests/test_web_translations.py`` fails on it.
"""

from __future__ import annotations

from web.i18n import locale

# code -> (zh, en)
EVENT_LABELS: dict[str, tuple[str, str]] = {
    "access.submitted": ("提交申请", "Request submitted"),
    "access.needs_info": ("要求补充材料", "More information asked for"),
    "access.approved": ("批准", "Approved"),
    "access.rejected": ("驳回", "Rejected"),
    "access.withdrawn": ("申请人撤回", "Withdrawn by the requester"),
    "access.revoked": ("撤销授权", "Access revoked"),
    "access.expired": ("授权到期", "Access expired"),
    "access.reminded": ("发送逾期提醒", "Overdue reminder sent"),
    "access.download": ("下载受限资源", "Restricted download"),
    "access.download_refused": ("拒绝下载", "Download refused"),
    "dataset.create": ("创建数据集", "Dataset created"),
    "dataset.update": ("修改数据集", "Dataset edited"),
    "dataset.harvest": ("采集更新", "Updated by harvest"),
    "dataset.release_field": ("字段交还采集", "Field handed back to the harvest"),
    "dataset.draft": ("退回草稿", "Back to draft"),
    "dataset.submitted": ("提交审核", "Submitted for review"),
    "dataset.published": ("发布", "Published"),
    "dataset.rejected": ("驳回", "Rejected"),
    "dataset.changes_requested": ("要求修改", "Changes requested"),
    "dataset.withdrawn": ("撤下", "Withdrawn"),
    "dataset.content_hashed": ("记录文件哈希值", "File hash recorded"),
    "dataset.content_changed": ("文件内容已变化", "File content changed"),
    "dataset.openness": ("数据局确定开放属性", "Openness set by the bureau"),
    "dataset.organization": ("更换所属机构", "Moved to another organization"),
    "dataset.domain_theme": ("按领域映射添加主题", "Theme given by a domain mapping"),
    "registration.submitted": ("提交产权登记", "Registration submitted"),
    "registration.verified": ("核验通过", "Registration verified"),
    "registration.returned": ("退回产权登记", "Registration returned"),
    "nomination.submitted": ("提交申报", "Nomination submitted"),
    "nomination.scored": ("评分", "Scored"),
    "nomination.shortlisted": ("列入推荐名单", "Shortlisted"),
    "nomination.unlisted": ("移出推荐名单", "Taken off the shortlist"),
    "nomination.outcome": ("记录评选结果", "Outcome recorded"),
    "dataset.revision_proposed": ("提交修改待审核", "Change proposed for review"),
    "dataset.revision_approved": ("批准修改", "Change approved"),
    "dataset.revision_returned": ("退回修改", "Change returned"),
    "dataset.revision_withdrawn": ("撤回待审修改", "Proposed change withdrawn"),
    "dataset.renamed": ("更改网址名", "Address changed"),
    "organization.renamed": ("更改机构网址名", "Organization address changed"),
}


def event_label(code: str | None) -> str:
    """The event's name in the page's language (the code itself when it has none)."""
    if not code:
        return ""
    pair = EVENT_LABELS.get(code)
    if pair is None:
        return code
    return pair[1] if locale() == "en" else pair[0]
