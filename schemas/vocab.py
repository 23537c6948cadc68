"""Controlled vocabularies: codes stored in the catalog, labels in Chinese and English.

Each vocabulary maps a stable code to ``(zh, en)`` labels and, where one exists, to the EU
vocabulary URI that DCAT-AP exports use. Regions are the exception: they are configuration
(GB/T 2260 codes of the running city), see :func:`load_regions`.
"""

from __future__ import annotations

import json
from pathlib import Path

Vocab = dict[str, tuple[str, str]]

KINDS: Vocab = {
    "open_data": ("公共数据", "Open data"),
    "training": ("训练数据集", "Training dataset"),
    "benchmark": ("基准测试数据集", "Benchmark dataset"),
}

STATUSES: Vocab = {
    "draft": ("草稿", "Draft"),
    "submitted": ("待审核", "Submitted"),
    "changes_requested": ("待修改", "Changes requested"),
    "published": ("已发布", "Published"),
    "rejected": ("已退回", "Rejected"),
    "withdrawn": ("已撤回", "Withdrawn"),
}

OPENNESS: Vocab = {
    "unconditional": ("无条件开放", "Unconditionally open"),
    "conditional": ("有条件开放", "Conditionally open"),
    "not_open": ("不予开放", "Not open"),
}
OPENNESS_EU = {
    "unconditional": "http://publications.europa.eu/resource/authority/access-right/PUBLIC",
    "conditional": "http://publications.europa.eu/resource/authority/access-right/RESTRICTED",
    "not_open": "http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC",
}
# Spellings found on Chinese portals, typos included, mapped to our codes.
OPENNESS_ALIASES = {
    "无条件开放": "unconditional",
    "无条件开发": "unconditional",
    "完全开放": "unconditional",
    "有条件开放": "conditional",
    "依申请开放": "conditional",
    "有条件开发": "conditional",
    "不予开放": "not_open",
    "不开放": "not_open",
    # local regulations name the same three classes their own way: 普遍开放 (open to all,
    # e.g. Fujian), 安全开放 (inside a controlled environment) and 受限开放 / 禁止开放
    # (Zhejiang and others)
    "普遍开放": "unconditional",
    "无条件": "unconditional",
    "安全开放": "conditional",
    "受限开放": "conditional",
    "限制开放": "conditional",
    "有条件": "conditional",
    "申请开放": "conditional",
    "依申请": "conditional",
    "禁止开放": "not_open",
    "非开放": "not_open",
    "暂不开放": "not_open",
    "不予开发": "not_open",
    "public": "unconditional",
    "restricted": "conditional",
    "non-public": "not_open",
    "non_public": "not_open",
}

FREQUENCIES: Vocab = {
    "UPDATE_CONT": ("实时", "Real time"),
    "DAILY": ("每日", "Daily"),
    "WEEKLY": ("每周", "Weekly"),
    "MONTHLY": ("每月", "Monthly"),
    "QUARTERLY": ("每季度", "Quarterly"),
    "ANNUAL_2": ("每半年", "Semi-annual"),
    "ANNUAL": ("每年", "Annual"),
    "IRREG": ("不定期", "Irregular"),
}
FREQUENCY_EU_BASE = "http://publications.europa.eu/resource/authority/frequency/"
FREQUENCY_ALIASES = {zh: code for code, (zh, _en) in FREQUENCIES.items()} | {
    "每天": "DAILY",
    "每星期": "WEEKLY",
    "每年度": "ANNUAL",
    "半年": "ANNUAL_2",
    "季度": "QUARTERLY",
    "实时更新": "UPDATE_CONT",
}

# Policy measure 6 names the "Model+" scenarios; the rest are the usual open-data themes.
THEMES: Vocab = {
    "gov_services": ("政务服务", "Government services"),
    "health": ("医疗", "Health"),
    "education": ("教育", "Education"),
    "culture_tourism": ("文旅", "Culture and tourism"),
    "manufacturing": ("制造", "Manufacturing"),
    "finance": ("金融", "Finance"),
    "transport": ("交通", "Transport"),
    "agriculture": ("农业农村", "Agriculture"),
    "economy": ("经济建设", "Economy"),
    "energy": ("能源", "Energy"),
    "environment": ("生态环境", "Environment"),
    "public_safety": ("公共安全", "Public safety"),
    "urban": ("城建住房", "Urban development and housing"),
    "society": ("社会民生", "Society and welfare"),
    "science": ("科技创新", "Science and technology"),
}
THEME_EU = {
    "gov_services": "GOVE",
    "health": "HEAL",
    "education": "EDUC",
    "culture_tourism": "EDUC",
    "manufacturing": "ECON",
    "finance": "ECON",
    "transport": "TRAN",
    "agriculture": "AGRI",
    "economy": "ECON",
    "energy": "ENER",
    "environment": "ENVI",
    "public_safety": "JUST",
    "urban": "REGI",
    "society": "SOCI",
    "science": "TECH",
}

# What a data request (数据需求, issue 16) is for: the policy's "Model+" scenarios (measure 6),
# the first seven themes, with the same codes and labels.
MODEL_PLUS = (
    "gov_services",
    "health",
    "education",
    "culture_tourism",
    "manufacturing",
    "finance",
    "transport",
)
SCENARIOS: Vocab = {code: THEMES[code] for code in MODEL_PLUS}

DATA_REQUEST_STATES: Vocab = {
    "open": ("待响应", "Open"),
    "matched": ("已匹配", "Matched"),
    "fulfilled": ("已满足", "Fulfilled"),
    "declined": ("未能满足", "Declined"),
}

URGENCIES: Vocab = {
    "low": ("不急", "Not urgent"),
    "normal": ("一般", "Normal"),
    "high": ("紧急", "Urgent"),
}

MODALITIES: Vocab = {
    "image": ("图像", "Image"),
    "text": ("文本", "Text"),
    "audio": ("音频", "Audio"),
    "video": ("视频", "Video"),
    "tabular": ("表格", "Tabular"),
    "time_series": ("时间序列", "Time series"),
    "point_cloud": ("点云", "Point cloud"),
    "geospatial": ("地理空间", "Geospatial"),
    "multimodal": ("多模态", "Multimodal"),
}

TASKS: Vocab = {
    "object_detection": ("目标检测", "Object detection"),
    "image_classification": ("图像分类", "Image classification"),
    "image_segmentation": ("图像分割", "Image segmentation"),
    "ocr": ("文字识别", "OCR"),
    "ner": ("命名实体识别", "Named entity recognition"),
    "text_classification": ("文本分类", "Text classification"),
    "question_answering": ("问答", "Question answering"),
    "summarization": ("文本摘要", "Summarization"),
    "translation": ("机器翻译", "Translation"),
    "text_generation": ("文本生成", "Text generation"),
    "speech_recognition": ("语音识别", "Speech recognition"),
    "speech_synthesis": ("语音合成", "Speech synthesis"),
    "time_series_forecasting": ("时序预测", "Time-series forecasting"),
    "anomaly_detection": ("异常检测", "Anomaly detection"),
    "tabular_classification": ("表格分类", "Tabular classification"),
    "tabular_regression": ("表格回归", "Tabular regression"),
    "recommendation": ("推荐", "Recommendation"),
    "trajectory_prediction": ("轨迹预测", "Trajectory prediction"),
}

ANNOTATION_TYPES: Vocab = {
    "bounding_box": ("矩形框", "Bounding box"),
    "polygon": ("多边形", "Polygon"),
    "segmentation_mask": ("语义分割掩码", "Segmentation mask"),
    "keypoint": ("关键点", "Keypoints"),
    "class_label": ("分类标签", "Class label"),
    "entity_span": ("实体标注", "Entity spans"),
    "transcription": ("语音转写", "Transcription"),
    "parallel_text": ("平行语料对齐", "Parallel text"),
    "qa_pair": ("问答对", "Question-answer pairs"),
    "cuboid_3d": ("三维框", "3D cuboid"),
    "none": ("无标注", "Not annotated"),
}

ANNOTATION_METHODS: Vocab = {
    "manual": ("人工标注", "Manual"),
    "semi_automatic": ("半自动标注", "Semi-automatic"),
    "automatic": ("自动标注", "Automatic"),
    "crowdsourced": ("众包标注", "Crowdsourced"),
}

ORG_TYPES: Vocab = {
    "government": ("政府部门", "Government department"),
    "enterprise": ("企业", "Enterprise"),
    "university": ("高校", "University"),
    "research_institute": ("科研院所", "Research institute"),
    "third_party": ("第三方机构", "Third-party body"),
}

PARTNER_STATUSES: Vocab = {
    "applied": ("申请中", "Applied"),
    "verified": ("已认证", "Verified"),
    "rejected": ("未通过", "Not verified"),
    "suspended": ("已暂停", "Suspended"),
}

MEMBER_ROLES: Vocab = {
    "member": ("成员", "Member"),
    "admin": ("管理员", "Admin"),
}

JOB_STATES: Vocab = {
    "queued": ("排队中", "Queued"),
    "running": ("运行中", "Running"),
    "done": ("已完成", "Done"),
    "done_with_errors": ("完成但有错误", "Done with errors"),
    "failed": ("失败", "Failed"),
    "cancelled": ("已取消", "Cancelled"),
}

OPEN_MODES: Vocab = {
    "download": ("文件下载", "File download"),
    "api": ("接口调用", "API"),
    "sandbox": ("数据沙箱", "Data sandbox"),
    "online_view": ("在线浏览", "Online view"),
}

LICENSES: Vocab = {
    "CC-BY-4.0": ("知识共享 署名 4.0", "Creative Commons Attribution 4.0"),
    "CC0-1.0": ("CC0 公有领域贡献", "CC0 1.0 Public Domain Dedication"),
    "CC-BY-SA-4.0": ("知识共享 署名-相同方式共享 4.0", "CC BY-SA 4.0"),
    "CC-BY-NC-4.0": ("知识共享 署名-非商业性使用 4.0", "CC BY-NC 4.0"),
    "ODbL-1.0": ("开放数据库许可 1.0", "Open Database License 1.0"),
    "Apache-2.0": ("Apache 许可证 2.0", "Apache License 2.0"),
    "MIT": ("MIT 许可证", "MIT License"),
    "gov-open-1.0": ("政府数据开放使用协议", "Government open data terms of use"),
    "proprietary": ("协议授权", "By agreement"),
}

# Licence families (issue 16): may a firm train a commercial model on the data? Codes of
# LICENSES and common SPDX ids of harvested records; anything else is "unknown".
LICENSE_FAMILIES: Vocab = {
    "commercial": ("允许商用", "Commercial use allowed"),
    "non_commercial": ("仅限非商业使用", "Non-commercial only"),
    "by_agreement": ("协议授权", "By agreement"),
    "unknown": ("许可未知", "Licence unknown"),
}
_COMMERCIAL_LICENSES = {
    "cc-by-4.0",
    "cc0-1.0",
    "cc-by-sa-4.0",
    "odbl-1.0",
    "apache-2.0",
    "mit",
    "gov-open-1.0",
    "cc-by-3.0",
    "cc-by-sa-3.0",
    "cc-by-2.0",
    "odc-by-1.0",
    "pddl-1.0",
    "bsd-3-clause",
    "bsd-2-clause",
    "unlicense",
    "openrail",
    "other-open",
}


def license_family(code: str | None) -> str:
    """The family of a licence code: Creative Commons NC variants are non-commercial,
    ``proprietary`` is by agreement, well-known open licences allow commercial use."""
    key = (code or "").strip().lower()
    if not key:
        return "unknown"
    if key in _COMMERCIAL_LICENSES:
        return "commercial"
    if key == "proprietary" or key.startswith("other-agreement"):
        return "by_agreement"
    if key.startswith("cc-by-nc") or "-nc-" in key or key.endswith("-nc"):
        return "non_commercial"
    return "unknown"


# Annotation accuracy bands (cumulative: "95" holds every dataset of 95 % or better)
ACCURACY_BANDS: Vocab = {
    "99": ("99% 及以上", "99% or higher"),
    "95": ("95% 及以上", "95% or higher"),
    "90": ("90% 及以上", "90% or higher"),
}
# Sample-count ranges (the size categories of dataset cards), smallest first
SAMPLE_SIZES: Vocab = {
    "lt1k": ("少于 1 千", "Under 1K"),
    "1k-10k": ("1 千 - 1 万", "1K - 10K"),
    "10k-100k": ("1 万 - 10 万", "10K - 100K"),
    "100k-1m": ("10 万 - 100 万", "100K - 1M"),
    "1m-10m": ("100 万 - 1000 万", "1M - 10M"),
    "gt10m": ("1000 万以上", "Over 10M"),
}
# Splits: SPLITS below (the has-split facet files train, validation and test)
# Update recency (cumulative: "30d" holds everything changed in the last 30 days)
RECENCY: Vocab = {
    "7d": ("近 7 天", "Past 7 days"),
    "30d": ("近 30 天", "Past 30 days"),
    "90d": ("近 90 天", "Past 90 days"),
    "365d": ("近一年", "Past year"),
}

LANGUAGES: Vocab = {
    "zh": ("中文", "Chinese"),
    "en": ("英文", "English"),
    "ja": ("日文", "Japanese"),
    "ko": ("韩文", "Korean"),
    "multi": ("多语种", "Multilingual"),
}

FORMATS = (
    "CSV",
    "XLSX",
    "JSON",
    "XML",
    "API",
    "PDF",
    "ZIP",
    "SHP",
    "GeoJSON",
    "Parquet",
    "JPEG",
    "PNG",
    "MP4",
    "WAV",
    "TXT",
    "JSONL",
    "PCD",
)

# GB/T 2260 codes of Baoding (保定市) and its districts, counties and county-level cities.
BAODING_REGIONS: Vocab = {
    "130600": ("保定市", "Baoding"),
    "130602": ("竞秀区", "Jingxiu District"),
    "130606": ("莲池区", "Lianchi District"),
    "130607": ("满城区", "Mancheng District"),
    "130608": ("清苑区", "Qingyuan District"),
    "130609": ("徐水区", "Xushui District"),
    "130623": ("涞水县", "Laishui County"),
    "130624": ("阜平县", "Fuping County"),
    "130626": ("定兴县", "Dingxing County"),
    "130627": ("唐县", "Tang County"),
    "130628": ("高阳县", "Gaoyang County"),
    "130629": ("容城县", "Rongcheng County"),
    "130630": ("涞源县", "Laiyuan County"),
    "130631": ("望都县", "Wangdu County"),
    "130632": ("安新县", "Anxin County"),
    "130633": ("易县", "Yi County"),
    "130634": ("曲阳县", "Quyang County"),
    "130635": ("蠡县", "Li County"),
    "130636": ("顺平县", "Shunping County"),
    "130637": ("博野县", "Boye County"),
    "130638": ("雄县", "Xiong County"),
    "130681": ("涿州市", "Zhuozhou"),
    "130682": ("定州市", "Dingzhou"),
    "130683": ("安国市", "Anguo"),
    "130684": ("高碑店市", "Gaobeidian"),
}

_regions: Vocab = dict(BAODING_REGIONS)


# -- issue 18: data property-rights registration (数据产权登记) and selection (择优申报) ------
REGISTRATION_TYPES: Vocab = {
    "initial": ("首次登记", "Initial registration"),
    "change": ("变更登记", "Change registration"),
    "transfer": ("转移登记", "Transfer registration"),
    "renewal": ("续展登记", "Renewal registration"),
    "cancellation": ("注销登记", "Cancellation"),
}
# the three rights of the "data twenty measures" (数据二十条) a registration confers
DATA_RIGHTS: Vocab = {
    "resource_holding": ("数据资源持有权", "Right to hold the data resource"),
    "processing_use": ("数据加工使用权", "Right to process and use the data"),
    "product_operation": ("数据产品经营权", "Right to operate the data product"),
}
REGISTRATION_STATES: Vocab = {
    "submitted": ("待核验", "Awaiting verification"),
    "verified": ("已核验", "Verified"),
    "returned": ("已退回", "Returned"),
}
# the search facet a verified, not cancelled registration puts a dataset in
REGISTRATION_FACET: Vocab = {"registered": ("已登记", "Registered")}
PROGRAMME_LEVELS: Vocab = {
    "national": ("国家级", "National"),
    "provincial": ("省级", "Provincial"),
    "city": ("市级", "City"),
}
# the stages a nominated dataset reaches, lowest first (市级入选 -> 省级推荐 -> 国家级入选)
NOMINATION_OUTCOMES: Vocab = {
    "city_selected": ("市级入选", "Selected by the city"),
    "provincial_recommended": ("省级推荐", "Recommended to the province"),
    "national_selected": ("国家级入选", "Selected nationally"),
    "not_selected": ("未入选", "Not selected"),
}


def load_regions(path: str | None) -> Vocab:
    """Replace the region list with a city's own: a JSON object ``{code: [zh, en]}``."""
    global _regions
    if path:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        _regions = {str(k): (v[0], v[1]) for k, v in data.items()}
    else:
        _regions = dict(BAODING_REGIONS)
    return _regions


def regions() -> Vocab:
    return _regions


# issue 18: which split of an AI dataset a file holds, the data types of a Croissant field
# (the Croissant name beside each), the Responsible-AI properties a publisher may give and
# the states of a benchmark's "evaluated on" entries
SPLITS: Vocab = {
    "train": ("训练集", "Train"),
    "validation": ("验证集", "Validation"),
    "test": ("测试集", "Test"),
    "full": ("完整数据", "Full data"),
}

FIELD_TYPES: Vocab = {
    "text": ("文本", "Text"),
    "integer": ("整数", "Integer"),
    "float": ("小数", "Float"),
    "boolean": ("布尔值", "Boolean"),
    "date": ("日期", "Date"),
    "datetime": ("日期时间", "Date and time"),
    "url": ("网址", "URL"),
    "image": ("图像", "Image"),
    "audio": ("音频", "Audio"),
    "video": ("视频", "Video"),
    "bounding_box": ("矩形框", "Bounding box"),
    "label": ("标签", "Label"),
}

RAI_PROPERTIES: Vocab = {
    "dataCollection": ("数据采集方式", "Data collection"),
    "dataCollectionType": ("采集类型", "Data collection type"),
    "dataPreprocessingProtocol": ("预处理流程", "Preprocessing protocol"),
    "dataAnnotationProtocol": ("标注规范", "Annotation protocol"),
    "dataAnnotationPlatform": ("标注平台", "Annotation platform"),
    "annotatorDemographics": ("标注人员构成", "Annotator demographics"),
    "dataBiases": ("已知偏差", "Known biases"),
    "dataLimitations": ("局限性", "Limitations"),
    "personalSensitiveInformation": ("个人敏感信息", "Personal and sensitive information"),
    "dataUseCases": ("适用场景", "Intended use cases"),
    "dataSocialImpact": ("社会影响", "Social impact"),
    "dataReleaseMaintenancePlan": ("发布与维护计划", "Release and maintenance plan"),
}

RESULT_STATES: Vocab = {
    "submitted": ("待核实", "Not yet verified"),
    "verified": ("已核实", "Verified"),
    "rejected": ("未采纳", "Rejected"),
}

VOCABS: dict[str, Vocab] = {
    "kind": KINDS,
    "status": STATUSES,
    "openness": OPENNESS,
    "frequency": FREQUENCIES,
    "theme": THEMES,
    "modality": MODALITIES,
    "task": TASKS,
    "annotation_type": ANNOTATION_TYPES,
    "annotation_method": ANNOTATION_METHODS,
    "org_type": ORG_TYPES,
    "partner_status": PARTNER_STATUSES,
    "member_role": MEMBER_ROLES,
    "job_state": JOB_STATES,
    "open_mode": OPEN_MODES,
    "license": LICENSES,
    "language": LANGUAGES,
    "scenario": SCENARIOS,
    "data_request_state": DATA_REQUEST_STATES,
    "urgency": URGENCIES,
    "registration_type": REGISTRATION_TYPES,
    "data_right": DATA_RIGHTS,
    "registration_state": REGISTRATION_STATES,
    "registration": REGISTRATION_FACET,
    "programme_level": PROGRAMME_LEVELS,
    "nomination_outcome": NOMINATION_OUTCOMES,
    "split": SPLITS,
    "field_type": FIELD_TYPES,
    "rai": RAI_PROPERTIES,
    "result_state": RESULT_STATES,
    "license_family": LICENSE_FAMILIES,
    "accuracy": ACCURACY_BANDS,
    "samples": SAMPLE_SIZES,
    "updated": RECENCY,
}


def label(vocab: str, code: str | None, locale: str = "zh") -> str:
    """The label of ``code`` in ``locale``; unknown codes are shown as they are."""
    if code is None:
        return ""
    table = regions() if vocab == "region" else VOCABS.get(vocab, {})
    pair = table.get(code)
    if not pair:
        return code
    return pair[1] if locale.startswith("en") else pair[0]
