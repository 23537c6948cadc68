"""Remote vocabularies mapped onto ours (``schemas.vocab``).

Each function returns our code, or None (or, for lists, the codes and the values it
could not map) so the caller keeps unmapped values in ``extras`` instead of losing them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from harvesters.normalize import text
from schemas import vocab

EU = "http://publications.europa.eu/resource/authority/"

_OPENNESS = {k.lower(): v for k, v in vocab.OPENNESS_ALIASES.items()} | {
    code: code for code in vocab.OPENNESS
}
_OPENNESS |= {
    "public": "unconditional",
    "open": "unconditional",
    "restricted public": "conditional",
    "restricted": "conditional",
    "non-public": "not_open",
    "nonpublic": "not_open",
    "not public": "not_open",
    "无条件": "unconditional",
    "有条件": "conditional",
    "条件开放": "conditional",
    "申请开放": "conditional",
    "不开放": "not_open",
    "非开放": "not_open",
    "禁止开放": "not_open",
}
_EU_ACCESS = {"PUBLIC": "unconditional", "RESTRICTED": "conditional", "NON_PUBLIC": "not_open"}


def openness(value: object) -> str | None:
    """无条件开放 / public / ...access-right/PUBLIC -> ``unconditional``, and so on."""
    s = text(value)
    if s is None:
        return None
    if "/access-right/" in s:
        return _EU_ACCESS.get(s.rsplit("/", 1)[-1].upper())
    return _OPENNESS.get(s.strip().lower())


_FREQ_WORDS = {
    "continuous": "UPDATE_CONT",
    "realtime": "UPDATE_CONT",
    "real-time": "UPDATE_CONT",
    "real time": "UPDATE_CONT",
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "semiannual": "ANNUAL_2",
    "semi-annual": "ANNUAL_2",
    "semiannually": "ANNUAL_2",
    "biannually": "ANNUAL_2",
    "annual": "ANNUAL",
    "annually": "ANNUAL",
    "yearly": "ANNUAL",
    "irregular": "IRREG",
    "as needed": "IRREG",
    "never": "IRREG",
    "每月一次": "MONTHLY",
    "按月": "MONTHLY",
    "月": "MONTHLY",
    "月度": "MONTHLY",
    "每月更新": "MONTHLY",
    "按日": "DAILY",
    "日": "DAILY",
    "每日更新": "DAILY",
    "按周": "WEEKLY",
    "周": "WEEKLY",
    "按季度": "QUARTERLY",
    "每季": "QUARTERLY",
    "按年": "ANNUAL",
    "年": "ANNUAL",
    "年度": "ANNUAL",
    "每年一次": "ANNUAL",
    "半年度": "ANNUAL_2",
    "每半年一次": "ANNUAL_2",
    "实时": "UPDATE_CONT",
    "不定时": "IRREG",
    "不定期更新": "IRREG",
    "静态": "IRREG",
    "一次性": "IRREG",
}
_ISO_FREQ = {
    "R/PT1S": "UPDATE_CONT",
    "R/PT1M": "UPDATE_CONT",
    "R/PT1H": "UPDATE_CONT",
    "R/P1D": "DAILY",
    "R/P1W": "WEEKLY",
    "R/P1M": "MONTHLY",
    "R/P3M": "QUARTERLY",
    "R/P6M": "ANNUAL_2",
    "R/P1Y": "ANNUAL",
}
_EU_FREQ = {
    "CONT": "UPDATE_CONT",
    "UPDATE_CONT": "UPDATE_CONT",
    "DAILY": "DAILY",
    "WEEKLY": "WEEKLY",
    "MONTHLY": "MONTHLY",
    "QUARTERLY": "QUARTERLY",
    "ANNUAL_2": "ANNUAL_2",
    "ANNUAL": "ANNUAL",
    "IRREG": "IRREG",
}


def frequency(value: object) -> str | None:
    """每月 / monthly / R/P1M / ...frequency/MONTHLY / 每 3 月 -> our code."""
    s = text(value)
    if s is None:
        return None
    if s in vocab.FREQUENCIES:
        return s
    if "/frequency/" in s:
        return _EU_FREQ.get(s.rsplit("/", 1)[-1].upper())
    if s.upper() in _ISO_FREQ:
        return _ISO_FREQ[s.upper()]
    found = vocab.FREQUENCY_ALIASES.get(s) or _FREQ_WORDS.get(s.lower())
    if found:
        return found
    every = interval(s)
    return _EXACT_INTERVALS.get(every) if every else None


# "every N units" as clerks write it: 每 3 月, 每2日, 每三个月, 每隔两周, 每半年, 每1季度更新
_NUMERALS: dict[str, float] = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
}
_NUMERALS |= {"九": 9, "十": 10, "十二": 12, "半": 0.5}
_UNITS = {"分钟": "minute", "分": "minute", "小时": "hour", "时": "hour", "日": "day"}
_UNITS |= {"天": "day", "周": "week", "星期": "week", "月": "month", "季": "quarter"}
_UNITS |= {"季度": "quarter", "年": "year"}
_INTERVAL = re.compile(
    r"^(?:每隔|每)\s*(\d+|十二|[一二两三四五六七八九十半])?\s*个?\s*"
    r"(分钟|分|小时|时|日|天|周|星期|月|季度|季|年)\s*(?:一次|1次|更新|更新一次)?$"
)
# the intervals that are one of our frequencies; any other (每2日, 每两月) is kept with a warning
_EXACT_INTERVALS = {
    (1, "day"): "DAILY",
    (7, "day"): "WEEKLY",
    (1, "week"): "WEEKLY",
    (1, "month"): "MONTHLY",
    (3, "month"): "QUARTERLY",
    (6, "month"): "ANNUAL_2",
    (12, "month"): "ANNUAL",
    (1, "quarter"): "QUARTERLY",
    (2, "quarter"): "ANNUAL_2",
    (4, "quarter"): "ANNUAL",
    (0.5, "year"): "ANNUAL_2",
    (1, "year"): "ANNUAL",
}


def interval(value: object) -> tuple[float, str] | None:
    """每 3 月 -> (3, "month"); None when the text is no "every N units"."""
    s = text(value)
    m = _INTERVAL.match(s) if s else None
    if m is None:
        return None
    n, unit = m.group(1), _UNITS[m.group(2)]
    count: float = 1 if n is None else (int(n) if n.isdigit() else _NUMERALS[n])
    if count == 0:
        return None
    return (int(count) if count == int(count) else count, unit)


# CKAN's default licence ids and common URLs, onto the codes of ``vocab.LICENSES``
_LICENSES = {k.lower(): k for k in vocab.LICENSES} | {
    "cc-zero": "CC0-1.0",
    "cc0": "CC0-1.0",
    "odc-odbl": "ODbL-1.0",
    "odbl": "ODbL-1.0",
    "apache 2.0": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
}
_LICENSE_URL = re.compile(
    r"creativecommons\.org/(licenses|publicdomain)/([a-z-]+)/(\d\.\d)", re.IGNORECASE
)


def license_code(value: object) -> str | None:
    """A licence as one of our codes when we know it, else as given (at most 100 chars)."""
    s = text(value)
    if s is None or s.lower() in ("other", "unknown", "notspecified", "not specified"):
        return None
    low = s.lower().rstrip("/")
    if low in _LICENSES:
        return _LICENSES[low]
    m = _LICENSE_URL.search(s)
    if m:
        kind, ver = m.group(2).lower(), m.group(3)
        code = "CC0-1.0" if kind == "zero" else f"CC-{kind.upper()}-{ver}"
        return _LICENSES.get(code.lower(), code)
    if "choosealicense.com/licenses/" in low:
        tail = low.split("choosealicense.com/licenses/", 1)[1].strip("/")
        return None if tail in ("undefined", "other", "") else license_code(tail)
    return s if len(s) <= 100 else None


_LANGS = {
    "zh": "zh",
    "zho": "zh",
    "chi": "zh",
    "chinese": "zh",
    "中文": "zh",
    "汉语": "zh",
    "en": "en",
    "eng": "en",
    "english": "en",
    "英文": "en",
    "ja": "ja",
    "jpn": "ja",
    "japanese": "ja",
    "ko": "ko",
    "kor": "ko",
    "korean": "ko",
    "multi": "multi",
    "multilingual": "multi",
    "mul": "multi",
}


def languages(values: Iterable[object]) -> tuple[list[str], list[str]]:
    """``en-US`` / ``eng`` / ``English`` / ...language/ENG -> ``en``; returns (ours, unmapped)."""
    ours: list[str] = []
    rest: list[str] = []
    for v in values:
        s = text(v)
        if s is None:
            continue
        key = s.rsplit("/", 1)[-1] if "/language/" in s else s
        key = re.split(r"[-_]", key.strip().lower())[0]
        code = _LANGS.get(key)
        if code and code not in ours:
            ours.append(code)
        elif not code and s not in rest:
            rest.append(s)
    return ours, rest


_EU_THEME = {
    "AGRI": "agriculture",
    "ECON": "economy",
    "EDUC": "education",
    "ENER": "energy",
    "ENVI": "environment",
    "GOVE": "gov_services",
    "HEAL": "health",
    "JUST": "public_safety",
    "REGI": "urban",
    "SOCI": "society",
    "TECH": "science",
    "TRAN": "transport",
}
_THEME_WORDS = {
    "transportation": "transport",
    "交通运输": "transport",
    "交通出行": "transport",
    "医疗卫生": "health",
    "卫生健康": "health",
    "卫生": "health",
    "医疗健康": "health",
    "教育科研": "education",
    "教育文化": "education",
    "文化旅游": "culture_tourism",
    "文化休闲": "culture_tourism",
    "旅游": "culture_tourism",
    "tourism": "culture_tourism",
    "农业": "agriculture",
    "农林牧渔": "agriculture",
    "环境": "environment",
    "环境保护": "environment",
    "资源环境": "environment",
    "environmental": "environment",
    "安全": "public_safety",
    "公共安全": "public_safety",
    "safety": "public_safety",
    "城乡建设": "urban",
    "城市建设": "urban",
    "住房": "urban",
    "housing": "urban",
    "社会保障": "society",
    "民生服务": "society",
    "社保就业": "society",
    "经济": "economy",
    "财税金融": "finance",
    "金融": "finance",
    "科技": "science",
    "science & research": "science",
    "能源": "energy",
    "工业": "manufacturing",
    "工业制造": "manufacturing",
    "政府机构": "gov_services",
    "机构团体": "gov_services",
    "government": "gov_services",
    # the domains (所属领域) Chinese open-data portals and open lists use most
    "经贸工商": "economy",
    "商贸流通": "economy",
    "市场监管": "economy",
    "信用服务": "economy",
    "统计": "economy",
    "税务": "finance",
    "财政": "finance",
    "交通": "transport",
    "道路交通": "transport",
    "教育": "education",
    "教育科技": "education",
    "文化体育": "culture_tourism",
    "体育": "culture_tourism",
    "文化": "culture_tourism",
    "旅游住宿": "culture_tourism",
    "文旅": "culture_tourism",
    "餐饮美食": "culture_tourism",
    "医疗": "health",
    "健康": "health",
    "食品药品": "health",
    "劳动就业": "society",
    "社会救助": "society",
    "生活服务": "society",
    "民政": "society",
    "人口": "society",
    "社会民生": "society",
    "安全生产": "public_safety",
    "应急管理": "public_safety",
    "法律服务": "public_safety",
    "司法": "public_safety",
    "地理空间": "urban",
    "城乡规划": "urban",
    "自然资源": "environment",
    "气象": "environment",
    "气象服务": "environment",
    "水利": "environment",
    "资源能源": "energy",
    "电力": "energy",
    "农林牧渔业": "agriculture",
    "农村": "agriculture",
    "科学技术": "science",
    "工业和信息化": "manufacturing",
    "制造业": "manufacturing",
    "政务": "gov_services",
    "政府服务": "gov_services",
}
_THEMES = (
    {code: code for code in vocab.THEMES}
    | {zh: code for code, (zh, _en) in vocab.THEMES.items()}
    | {en.lower(): code for code, (_zh, en) in vocab.THEMES.items()}
    | _THEME_WORDS
)


def themes(values: Iterable[object], mapping: dict | None = None) -> tuple[list[str], list[str]]:
    """Remote themes/groups/categories onto our theme codes; a source's ``themes``
    mapping comes first. Returns (ours, unmapped)."""
    mapping = mapping or {}
    ours: list[str] = []
    rest: list[str] = []
    for v in values:
        s = text(v)
        if s is None:
            continue
        code = mapping.get(s)
        if code is None and "/data-theme/" in s:
            code = _EU_THEME.get(s.rsplit("/", 1)[-1].upper())
        if code is None:
            code = _THEMES.get(s) or _THEMES.get(s.lower()) or _EU_THEME.get(s.upper())
        if code in vocab.THEMES:
            if code not in ours:
                ours.append(code)
        elif s not in rest:
            rest.append(s)
    return ours, rest


_MEDIA_FORMATS = {
    "text/csv": "CSV",
    "application/csv": "CSV",
    "application/json": "JSON",
    "application/ld+json": "JSON",
    "application/geo+json": "GeoJSON",
    "application/vnd.geo+json": "GeoJSON",
    "application/xml": "XML",
    "text/xml": "XML",
    "application/pdf": "PDF",
    "application/zip": "ZIP",
    "application/x-zip-compressed": "ZIP",
    "application/vnd.ms-excel": "XLS",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/x-parquet": "Parquet",
    "application/vnd.apache.parquet": "Parquet",
    "application/parquet": "Parquet",
    "application/jsonlines": "JSONL",
    "application/x-ndjson": "JSONL",
    "application/jsonl": "JSONL",
    "text/plain": "TXT",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "video/mp4": "MP4",
    "audio/wav": "WAV",
    "audio/x-wav": "WAV",
    "text/html": "HTML",
}
_FORMAT_NAMES = {f.lower(): f for f in vocab.FORMATS} | {
    "excel": "XLSX",
    "xls": "XLS",
    "geojson": "GeoJSON",
    "parquet": "Parquet",
    "shapefile": "SHP",
    "esri rest": "API",
    "rest": "API",
    "接口": "API",
    "html": "HTML",
    "jpg": "JPEG",
}


def data_format(value: object) -> str | None:
    """A format name as the catalog shows it (``csv``, ``text/csv`` -> ``CSV``)."""
    s = text(value)
    if s is None:
        return None
    low = s.lower().strip(". ")
    if low in _MEDIA_FORMATS:
        return _MEDIA_FORMATS[low]
    if "/" in low:  # another media type: its subtype
        sub = low.rsplit("/", 1)[-1].split("+")[-1]
        return _FORMAT_NAMES.get(sub, sub.upper()[:50])
    return _FORMAT_NAMES.get(low, s[:50])


def media_type(value: object) -> str | None:
    s = text(value)
    return s if s and re.match(r"^[\w.+-]+/[\w.+-]+$", s) and len(s) <= 100 else None


# Hugging Face / Croissant task categories onto ours
_TASKS = {
    "object-detection": "object_detection",
    "image-classification": "image_classification",
    "image-segmentation": "image_segmentation",
    "optical-character-recognition": "ocr",
    "token-classification": "ner",
    "named-entity-recognition": "ner",
    "text-classification": "text_classification",
    "sentiment-classification": "text_classification",
    "question-answering": "question_answering",
    "table-question-answering": "question_answering",
    "visual-question-answering": "question_answering",
    "summarization": "summarization",
    "translation": "translation",
    "text-generation": "text_generation",
    "text2text-generation": "text_generation",
    "conversational": "text_generation",
    "automatic-speech-recognition": "speech_recognition",
    "speech-recognition": "speech_recognition",
    "text-to-speech": "speech_synthesis",
    "time-series-forecasting": "time_series_forecasting",
    "tabular-classification": "tabular_classification",
    "tabular-regression": "tabular_regression",
    "recommendation": "recommendation",
}
_TASK_MODALITY = {
    "object_detection": "image",
    "image_classification": "image",
    "image_segmentation": "image",
    "ocr": "image",
    "ner": "text",
    "text_classification": "text",
    "question_answering": "text",
    "summarization": "text",
    "translation": "text",
    "text_generation": "text",
    "speech_recognition": "audio",
    "speech_synthesis": "audio",
    "time_series_forecasting": "time_series",
    "tabular_classification": "tabular",
    "tabular_regression": "tabular",
}
_MODALITIES = {code: code for code in vocab.MODALITIES} | {
    "images": "image",
    "timeseries": "time_series",
    "time-series": "time_series",
    "3d": "point_cloud",
    "geospatial": "geospatial",
}


def tasks(values: Iterable[object]) -> tuple[list[str], list[str]]:
    ours: list[str] = []
    rest: list[str] = []
    for v in values:
        s = text(v)
        if s is None:
            continue
        code = _TASKS.get(s.lower()) or (s if s in vocab.TASKS else None)
        if code and code not in ours:
            ours.append(code)
        elif not code and s not in rest:
            rest.append(s)
    return ours, rest


def modalities(values: Iterable[object]) -> list[str]:
    """Modalities named outright (Image, Text, Time-series) or implied by media types."""
    out: list[str] = []
    for v in values:
        s = (text(v) or "").lower()
        code = _MODALITIES.get(s)
        if code is None and "/" in s:
            top = s.split("/", 1)[0]
            code = {"image": "image", "audio": "audio", "video": "video"}.get(top)
        if code and code not in out:
            out.append(code)
    return out


def modalities_of_tasks(task_codes: Iterable[str]) -> list[str]:
    out: list[str] = []
    for t in task_codes:
        m = _TASK_MODALITY.get(t)
        if m and m not in out:
            out.append(m)
    return out


_ANNOTATION = {
    "crowdsourced": "crowdsourced",
    "expert-generated": "manual",
    "manual": "manual",
    "machine-generated": "automatic",
    "automatic": "automatic",
    "semi-automatic": "semi_automatic",
}


def annotation_method(values: Iterable[object]) -> str | None:
    """HF ``annotations_creators`` -> our method (the first one we know)."""
    for v in values:
        code = _ANNOTATION.get((text(v) or "").lower())
        if code:
            return code
    return None
