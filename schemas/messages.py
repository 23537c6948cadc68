"""Validation messages in Chinese and English.

Schemas raise English messages (marshmallow's own and ours); :func:`localize_errors`
turns a marshmallow error dict into the user's language in one place, so every surface
(pages, JSON API, CLI) shows the same wording.
"""

from __future__ import annotations

import re

_EXACT = {
    "Missing data for required field.": "此项为必填项。",
    "Field may not be null.": "此项不能为空。",
    "Unknown field.": "无法识别的字段。",
    "Not a valid string.": "不是有效的文本。",
    "Not a valid integer.": "不是有效的整数。",
    "Not a valid number.": "不是有效的数字。",
    "Special numeric values (nan or infinity) are not permitted.": "不允许 NaN 或无穷大等特殊数值。",
    "Not a valid boolean.": "不是有效的布尔值。",
    "Not a valid date.": "不是有效的日期（格式 YYYY-MM-DD）。",
    "Not a valid datetime.": "不是有效的日期时间（ISO 8601）。",
    "Not a valid list.": "应为列表。",
    "Not a valid mapping type.": "应为键值对象。",
    "Not a valid URL.": "不是有效的网址。",
    "Not a valid email address.": "不是有效的电子邮件地址。",
    "Invalid input type.": "输入类型无效。",
    "Invalid value.": "取值无效。",
    "Shorter than minimum length 1.": "不能为空。",
    "Invalid unified social credit code: check character does not match.": "统一社会信用代码校验位不正确。",
    "Invalid unified social credit code: must be 18 characters of digits and capital letters (no I, O, S, V, Z).": "统一社会信用代码应为 18 位数字或大写字母（不含 I、O、S、V、Z）。",
    "End date is before start date.": "结束日期早于开始日期。",
    "A distribution needs an access URL or a download URL.": "资源须提供访问地址或下载地址。",
    "A SHA-256 hash is 64 hexadecimal characters (0-9, a-f).": "SHA-256 哈希值应为 64 位十六进制字符（0-9、a-f）。",
    "The SHA-256 differs from the sha256 checksum given.": "SHA-256 与所填 sha256 校验值不一致。",
    "Name may contain only lowercase letters, digits, '-' and '_'.": "标识名只能包含小写字母、数字、“-”和“_”。",
    "Sample counts must be whole numbers of 0 or more.": "样本数须为不小于 0 的整数。",
    "Must be between 0 and 1.": "须介于 0 与 1 之间。",
    "Unknown organization.": "未知的机构。",
    "Give an http or https address of a public web server.": "请填写公网服务器的 http 或 https 地址。",
    "Only the bureau's curators trust a source.": "只有数据局审核员可以将采集源设为受信任。",
    "Give a name of 1 to 100 characters.": "请填写 1 至 100 个字符的名称。",
    "Give the source's URL or path (at most 2000 characters).": "请填写采集源的网址或路径（不超过 2000 个字符）。",
    "Configuration must be a JSON object.": "选项须为 JSON 对象。",
    "A harvest source with this name exists.": "已存在同名的采集源。",
    "Use hourly, daily, weekly, monthly, or a number with m, h or d.": "请填写 hourly、daily、weekly、monthly，或数字加 m、h、d。",
    "A dataset with this name already exists.": "已存在同名（标识名）的数据集。",
    "An organization with this name or credit code exists.": "已存在同名或同一信用代码的机构。",
    "An account with this e-mail exists.": "该电子邮件已注册。",
    "Passwords do not match.": "两次输入的密码不一致。",
    "The current password is wrong.": "当前密码不正确。",
    "A password must not be only digits.": "密码不能全是数字。",
    "A password must not be one character repeated.": "密码不能由同一个字符重复组成。",
    "A password must not be your e-mail address or name.": "密码不能与电子邮件地址或姓名相同。",
    "This password is too common. Choose another.": "此密码过于常见，请换一个。",
    "This link is invalid or has expired.": "该链接无效或已过期。",
    "Give a reason.": "请填写理由。",
    "Accept the conditions of use.": "请接受本数据集的使用条件。",
    "Give the data-security commitment.": "请作出数据安全承诺。",
    "Choose among the dataset's restricted resources.": "请从本数据集的受限资源中选择。",
    "The end must not be in the past.": "截止日期不能早于今天。",
    "The start must not be after the end.": "开始日期不能晚于截止日期。",
    "This person is already a member.": "此人已是本机构成员。",
    "This invitation was sent to another e-mail address.": "该邀请发给了另一个电子邮件地址。",
    "This resource code is already on the list.": "该资源代码已在清单中。",
    "The working list is empty.": "工作清单为空。",
    "Unknown dataset.": "未知的数据集。",
    "The file is empty.": "文件为空。",
    "Files need their distributions.": "上传的文件须对应资源条目。",
    "Not a valid file.": "不是有效的文件。",
    "Only the data bureau may set this field.": "此项只能由数据局设置。",
    "Only the data bureau may change this on a dataset of the open list.": "本数据集已列入开放清单，此项只能由数据局修改。",
    "Only the data bureau may release a field a curator holds.": "此字段由数据局审核员锁定，只能由数据局释放。",
    "Link a dataset or a partner's promise.": "请关联数据集或合作伙伴的承诺。",
    "Link the dataset that fulfils the request.": "请关联满足该需求的数据集。",
    # the open list filled from datasets (issue 12, item 8)
    "This item has no dataset.": "该条目未关联数据集。",
    "The dataset's openness is not known yet: choose one.": "该数据集的开放属性尚未确定，请选择一项。",
    "Not an openness value.": "不是有效的开放属性。",
    "Choose a department, theme, sheet or search.": "请选择部门、主题、清单表格或输入检索词。",
    "Upload the sheet as XLSX or CSV.": "请以 XLSX 或 CSV 格式上传清单表格。",
    "Choose at least one dataset.": "请至少选择一个数据集。",
    "Choose a theme.": "请选择主题。",
    "Choose another organization to merge into.": "请选择另一个机构作为合并目标。",
    "Choose the datasets of the new organization.": "请选择迁移到新机构的数据集。",
    "Choose among this organization's datasets.": "请从本机构的数据集中选择。",
    "Give the domain value (at most 100 characters).": "请填写领域值（不超过 100 个字符）。",
    "The validity ends before the registration date.": "有效期截止日早于登记日期。",
    "Attach the registration certificate or other evidence.": "请上传登记证书或其他证明材料。",
    "Each indicator is named once.": "指标名称不能重复。",
    "The indicator weights must add up to 1.": "各指标权重之和须为 1。",
    "Attach the programme's materials.": "请上传申报材料。",
    "Choose one of your organization's published datasets.": "请选择本机构已发布的数据集。",
    "This dataset is already nominated in this round.": "该数据集已在本轮申报。",
    "Scores are numbers from 0 to 100.": "评分须为 0 到 100 之间的数字。",
    # issue 18: benchmark integrity and Croissant fields
    "Two fields have the same name.": "有两个字段同名。",
    "Two record sets have the same name.": "有两个记录集同名。",
    "A dataset cannot be derived from itself.": "数据集不能声明来源于自身。",
    "A published benchmark's version and files are pinned: publish a new version instead.": "已发布基准测试集的版本号与文件已固定，如需修改请发布新版本。",
    "Only benchmark datasets have versions to pin.": "只有基准测试数据集才有可固定的版本。",
    "Give the new version a version string different from the current one.": "请为新版本填写与当前版本不同的版本号。",
    "Not a Croissant file: no JSON-LD object of type Dataset.": "不是 Croissant 文件：没有类型为 Dataset 的 JSON-LD 对象。",
    "Not a valid JSON file.": "不是有效的 JSON 文件。",
    "The score is not a number.": "得分不是数字。",
    "Results are entered on published benchmarks only.": "只能为已发布的基准测试集登记评测结果。",
}
_PATTERNS = [
    (re.compile(r"^Must be one of: (.*)\.$"), "须为以下之一：{0}。"),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), "长度不能超过 {0}。"),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), "长度不能少于 {0}。"),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), "长度须在 {0} 到 {1} 之间。"),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), "须大于或等于 {0}。"),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), "须小于或等于 {0}。"),
    (
        re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
        "须介于 {0} 与 {1} 之间。",
    ),
    (re.compile(r"^Unknown code '(.*)' in (\w+)\.$"), "“{0}”不是{1}的有效代码。"),
    (
        re.compile(r"^Line (\d+): write an indicator as 'name = weight'\.$"),
        "第 {0} 行：指标应写作“名称 = 权重”。",
    ),
    (
        re.compile(r"^Files of type (\S+) cannot be uploaded\. Allowed: (.*)\.$"),
        "不能上传 {0} 类型的文件。允许的类型：{1}。",
    ),
    (re.compile(r"^The file is larger than the limit of (.*)\.$"), "文件超过了 {0} 的大小限制。"),
    (
        re.compile(
            r"^(\d+) items disagree with their datasets' openness or await an openness "
            r"decision \((.*)\): resolve them first\.$"
        ),
        "有 {0} 个条目的开放属性与其数据集不一致或尚待确定（{1}），请先处理。",
    ),
    (re.compile(r"^Unknown Responsible-AI properties: (.*)\.$"), "未知的负责任 AI 属性：{0}。"),
    (re.compile(r"^No dataset named '(.*)'\.$"), "没有名为“{0}”的数据集。"),
]
_VOCAB_ZH = {
    "themes": "主题",
    "theme": "主题",
    "regions": "行政区划",
    "region": "行政区划",
    "tasks": "任务类别",
    "modalities": "模态",
    "languages": "语种",
}


def translate(message: str, locale: str) -> str:
    if not locale.startswith("zh"):
        return message
    if message in _EXACT:
        return _EXACT[message]
    for pattern, template in _PATTERNS:
        m = pattern.match(message)
        if m:
            groups = [_VOCAB_ZH.get(g, g) for g in m.groups()]
            return template.format(*groups)
    return message


def localize_errors(errors: object, locale: str = "zh") -> object:
    """Translate every message inside a (nested) marshmallow error structure."""
    if isinstance(errors, dict):
        return {k: localize_errors(v, locale) for k, v in errors.items()}
    if isinstance(errors, list):
        return [localize_errors(v, locale) for v in errors]
    if isinstance(errors, str):
        return translate(errors, locale)
    return errors
