"""A seeded synthetic corpus of search documents, Chinese and English mixed.

Documents have the shape of ``catalog.search.documents.dataset_document`` and are made one
at a time (:func:`documents` is a generator), so a corpus of any size costs no memory.
The vocabulary is that of a city data portal (Baoding): titles are composed from subject and
aspect tables, the vocabulary codes come from ``schemas.vocab``, 300 publishers, a few
training and benchmark datasets for the "Model+" scenarios. The same seed gives the same
corpus and the same queries.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from schemas.vocab import (
    BAODING_REGIONS,
    FORMATS,
    KINDS,
    LICENSES,
    MODALITIES,
    OPENNESS,
    TASKS,
    THEMES,
)

# subject: zh, en, theme, department key; the order is the popularity order (Zipf-like).
SUBJECTS: list[tuple[str, str, str, str]] = [
    ("交通", "traffic", "transport", "transport"),
    ("公交", "bus", "transport", "transport"),
    ("医疗", "medical", "health", "health"),
    ("医院", "hospital", "health", "health"),
    ("教育", "education", "education", "education"),
    ("学校", "school", "education", "education"),
    ("企业", "enterprise", "economy", "market"),
    ("旅游", "tourism", "culture_tourism", "culture"),
    ("景区", "scenic area", "culture_tourism", "culture"),
    ("空气质量", "air quality", "environment", "ecology"),
    ("停车场", "parking lot", "transport", "urban"),
    ("道路", "road", "transport", "transport"),
    ("养老机构", "elderly care home", "society", "civil"),
    ("社会保险", "social insurance", "society", "hrss"),
    ("住房公积金", "housing provident fund", "urban", "fund"),
    ("人口", "population", "society", "stats"),
    ("气象", "weather", "environment", "weather"),
    ("水质", "water quality", "environment", "ecology"),
    ("农产品", "agricultural product", "agriculture", "agri"),
    ("电力", "electricity", "energy", "energy"),
    ("充电桩", "charging pile", "energy", "energy"),
    ("新能源汽车", "new energy vehicle", "manufacturing", "industry"),
    ("食品安全", "food safety", "public_safety", "market"),
    ("药品", "drug", "health", "health"),
    ("消防", "fire safety", "public_safety", "fire"),
    ("垃圾分类", "waste sorting", "urban", "urban"),
    ("图书馆", "library", "culture_tourism", "culture"),
    ("博物馆", "museum", "culture_tourism", "culture"),
    ("酒店", "hotel", "culture_tourism", "culture"),
    ("招聘", "job vacancy", "society", "hrss"),
    ("专利", "patent", "science", "science"),
    ("税务", "tax", "finance", "tax"),
    ("不动产", "real estate", "urban", "land"),
    ("行政许可", "administrative licensing", "gov_services", "approval"),
    ("政务服务", "government service", "gov_services", "approval"),
    ("小微企业", "small business", "finance", "market"),
    ("贷款", "loan", "finance", "finance"),
    ("工业园区", "industrial park", "manufacturing", "industry"),
    ("高新技术企业", "high-tech enterprise", "science", "science"),
    ("耕地", "farmland", "agriculture", "land"),
    ("河流", "river", "environment", "water"),
    ("供水", "water supply", "urban", "water"),
    ("燃气", "gas supply", "energy", "urban"),
    ("交通事故", "traffic accident", "public_safety", "police"),
    ("治安", "public security", "public_safety", "police"),
    ("体育场馆", "sports venue", "society", "sports"),
    ("幼儿园", "kindergarten", "education", "education"),
    ("社区卫生服务中心", "community health center", "health", "health"),
    ("出租车", "taxi", "transport", "transport"),
    ("共享单车", "shared bicycle", "transport", "transport"),
]

ASPECTS: list[tuple[str, str]] = [
    ("基本信息", "basic information"),
    ("名录", "directory"),
    ("统计数据", "statistics"),
    ("监测数据", "monitoring data"),
    ("实时数据", "real-time data"),
    ("分布", "distribution"),
    ("年度报告", "annual report"),
    ("客流量", "passenger flow"),
    ("许可信息", "permit information"),
    ("备案信息", "registration records"),
    ("检查结果", "inspection results"),
    ("投诉举报", "complaints"),
    ("满意度调查", "satisfaction survey"),
    ("价格信息", "prices"),
    ("运行情况", "operations"),
    ("位置信息", "locations"),
    ("服务评价", "service ratings"),
    ("信用信息", "credit information"),
    ("处罚信息", "penalty records"),
    ("财政补贴", "subsidies"),
]

# columns a description lists
FIELDS: list[tuple[str, str]] = [
    ("名称", "name"),
    ("地址", "address"),
    ("经度", "longitude"),
    ("纬度", "latitude"),
    ("联系电话", "phone"),
    ("统一社会信用代码", "credit code"),
    ("日期", "date"),
    ("数量", "count"),
    ("金额", "amount"),
    ("类别", "category"),
    ("状态", "status"),
    ("床位数", "beds"),
    ("票价", "fare"),
    ("线路", "route"),
    ("站点", "stop"),
    ("学生人数", "students"),
    ("面积", "area"),
    ("评分", "rating"),
    ("监测值", "reading"),
    ("审批部门", "approving body"),
    ("有效期", "validity"),
    ("行业", "industry"),
]

# department key: zh, en
DEPARTMENTS: dict[str, tuple[str, str]] = {
    "transport": ("交通运输局", "Transport Bureau"),
    "health": ("卫生健康委员会", "Health Commission"),
    "education": ("教育局", "Education Bureau"),
    "market": ("市场监督管理局", "Market Regulation Administration"),
    "culture": ("文化广电和旅游局", "Culture, Radio, TV and Tourism Bureau"),
    "ecology": ("生态环境局", "Ecology and Environment Bureau"),
    "urban": ("城市管理综合行政执法局", "Urban Management Bureau"),
    "civil": ("民政局", "Civil Affairs Bureau"),
    "hrss": ("人力资源和社会保障局", "Human Resources and Social Security Bureau"),
    "fund": ("住房公积金管理中心", "Housing Provident Fund Centre"),
    "stats": ("统计局", "Statistics Bureau"),
    "weather": ("气象局", "Meteorological Bureau"),
    "agri": ("农业农村局", "Agriculture and Rural Affairs Bureau"),
    "energy": ("发展和改革委员会", "Development and Reform Commission"),
    "industry": ("工业和信息化局", "Industry and Information Technology Bureau"),
    "fire": ("消防救援支队", "Fire and Rescue Detachment"),
    "science": ("科学技术局", "Science and Technology Bureau"),
    "tax": ("税务局", "Tax Bureau"),
    "land": ("自然资源和规划局", "Natural Resources and Planning Bureau"),
    "approval": ("行政审批局", "Administrative Approval Bureau"),
    "finance": ("地方金融监督管理局", "Local Financial Regulatory Bureau"),
    "water": ("水利局", "Water Resources Bureau"),
    "police": ("公安局", "Public Security Bureau"),
    "sports": ("体育局", "Sports Bureau"),
    "data": ("数据和政务服务局", "Data and Government Services Bureau"),
}

# publishers of training and benchmark datasets besides the bureaus
OTHER_PUBLISHERS: list[tuple[str, str, str]] = [
    ("hbu", "河北大学", "Hebei University"),
    ("bdu", "保定学院", "Baoding University"),
    ("hebau", "河北农业大学", "Hebei Agricultural University"),
    ("ncepu-bd", "华北电力大学（保定）", "North China Electric Power University (Baoding)"),
    ("gwm", "长城汽车股份有限公司", "Great Wall Motor"),
    ("yingli", "英利能源发展有限公司", "Yingli Energy"),
    ("tianwei", "天威集团", "Tianwei Group"),
    ("bd-ai-lab", "保定人工智能创新中心", "Baoding AI Innovation Centre"),
    ("bd-bigdata", "保定市大数据有限公司", "Baoding Big Data Co."),
    ("xiongan-data", "雄安数字城市研究院", "Xiong'an Digital City Institute"),
]

# what a training or benchmark dataset is about: zh, en, modality, task
AI_SUBJECTS: list[tuple[str, str, str, str]] = [
    ("道路车辆", "road vehicle", "image", "object_detection"),
    ("交通标志", "traffic sign", "image", "image_classification"),
    ("行人", "pedestrian", "video", "object_detection"),
    ("农作物病害", "crop disease", "image", "image_classification"),
    ("遥感影像", "remote sensing", "geospatial", "image_segmentation"),
    ("政务问答", "government Q&A", "text", "question_answering"),
    ("政策文件", "policy document", "text", "text_classification"),
    ("医疗病历", "medical record", "text", "ner"),
    ("票据", "invoice", "image", "ocr"),
    ("方言语音", "dialect speech", "audio", "speech_recognition"),
    ("电力负荷", "power load", "time_series", "time_series_forecasting"),
    ("空气质量", "air quality", "time_series", "time_series_forecasting"),
    ("工业缺陷", "industrial defect", "image", "anomaly_detection"),
    ("自动驾驶点云", "autonomous driving lidar", "point_cloud", "object_detection"),
    ("车辆轨迹", "vehicle trajectory", "time_series", "trajectory_prediction"),
    ("中英平行语料", "Chinese-English parallel corpus", "text", "translation"),
]

_MODALITY_FORMATS = {
    "image": ["JPEG", "PNG", "JSON"],
    "video": ["MP4", "JSON"],
    "audio": ["WAV", "JSONL"],
    "text": ["JSONL", "TXT", "Parquet"],
    "time_series": ["CSV", "Parquet"],
    "point_cloud": ["PCD", "JSON"],
    "geospatial": ["GeoJSON", "SHP", "PNG"],
}
_OPEN_FORMATS = ["CSV", "XLSX", "JSON", "XML", "API", "PDF", "ZIP", "SHP", "GeoJSON"]
_OPEN_FORMAT_WEIGHTS = [30, 25, 15, 8, 10, 6, 3, 2, 2]
_FREQ = [
    ("每日", "daily"),
    ("每月", "monthly"),
    ("每季度", "quarterly"),
    ("每年", "annually"),
    ("实时", "in real time"),
    ("不定期", "irregularly"),
]
_LICENSE_WEIGHTS = {
    "gov-open-1.0": 40,
    "CC-BY-4.0": 25,
    "CC0-1.0": 8,
    "CC-BY-SA-4.0": 4,
    "CC-BY-NC-4.0": 6,
    "ODbL-1.0": 3,
    "Apache-2.0": 2,
    "MIT": 2,
    "proprietary": 10,
}
_START = int(datetime(2015, 1, 1).timestamp())
_END = int(datetime(2025, 6, 30).timestamp())

for _code in (s[2] for s in SUBJECTS):
    assert _code in THEMES, _code
for _code in _LICENSE_WEIGHTS:
    assert _code in LICENSES, _code
for _a in AI_SUBJECTS:
    assert _a[2] in MODALITIES and _a[3] in TASKS, _a
assert set(_OPEN_FORMATS) <= set(FORMATS)
assert {f for fs in _MODALITY_FORMATS.values() for f in fs} <= set(FORMATS)
assert {"open_data", "training", "benchmark"} <= set(KINDS)
assert {"unconditional", "conditional", "not_open"} <= set(OPENNESS)


@dataclass(frozen=True)
class Publisher:
    name: str
    title: str
    title_en: str
    region: str
    dept: str


def publishers(seed: int = 1, n: int = 300) -> list[Publisher]:
    """``n`` publishers: bureaus of the city and its counties, plus universities and firms."""
    rng = random.Random(f"publishers-{seed}")
    regions = list(BAODING_REGIONS.items())
    out = [
        Publisher(f"bd-{key}-{regions[0][0]}", f"保定市{zh}", f"Baoding {en}", regions[0][0], key)
        for key, (zh, en) in DEPARTMENTS.items()
    ]
    out += [Publisher(key, zh, en, regions[0][0], "data") for key, zh, en in OTHER_PUBLISHERS]
    combos = [(code, labels, key) for code, labels in regions[1:] for key in DEPARTMENTS]
    rng.shuffle(combos)
    for code, (rzh, ren), key in combos[: n - len(out)]:
        zh, en = DEPARTMENTS[key]
        out.append(Publisher(f"bd-{key}-{code}", f"{rzh}{zh}", f"{ren} {en}", code, key))
    return out[:n]


def _zipf_weights(n: int, s: float = 0.9) -> list[float]:
    return [1.0 / (i + 1) ** s for i in range(n)]


class _Corpus:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.publishers = publishers(seed)
        self.by_dept: dict[str, list[Publisher]] = {}
        for p in self.publishers:
            self.by_dept.setdefault(p.dept, []).append(p)
        self.ai_publishers = [p for p in self.publishers if p.dept == "data"]
        self.subject_weights = _zipf_weights(len(SUBJECTS))
        self.publisher_weights = {k: _zipf_weights(len(v), 0.6) for k, v in self.by_dept.items()}
        self.licenses = list(_LICENSE_WEIGHTS)
        self.license_weights = list(_LICENSE_WEIGHTS.values())
        self.themes = list(THEMES)

    def _publisher(self, dept: str) -> Publisher:
        if dept not in self.by_dept:
            dept = "data"
        return self.rng.choices(self.by_dept[dept], self.publisher_weights[dept])[0]

    def document(self, i: int) -> dict:
        rng = self.rng
        r = rng.random()
        kind = "open_data" if r < 0.85 else ("training" if r < 0.96 else "benchmark")
        year = rng.randint(2015, 2025)
        issued = rng.randint(_START, _END)
        modified = rng.randint(issued, _END)
        fields = rng.sample(FIELDS, rng.randint(3, 6))
        fzh = "、".join(f[0] for f in fields)
        fen = ", ".join(f[1] for f in fields)
        freq_zh, freq_en = rng.choice(_FREQ)
        if kind == "open_data":
            szh, sen, theme, dept = rng.choices(SUBJECTS, self.subject_weights)[0]
            azh, aen = rng.choice(ASPECTS)
            pub = self._publisher(dept)
            region = pub.region if rng.random() < 0.7 else rng.choice(list(BAODING_REGIONS))
            rzh, ren = BAODING_REGIONS[region]
            t = rng.random()
            if t < 0.4:
                title = f"{rzh}{szh}{azh}"
            elif t < 0.75:
                title = f"{year}年{rzh}{szh}{azh}"
            else:
                title = f"{rzh}{szh}{azh}（{year}年）"
            title_en = f"{ren} {sen} {aen} ({year})" if rng.random() < 0.85 else ""
            description = (
                f"本数据集为{rzh}{szh}{azh}，由{pub.title}{freq_zh}更新，包含{fzh}等字段。"
            )
            if rng.random() < 0.6:
                description += f"数据来源于{pub.title}业务系统，经脱敏处理后开放，可用于{szh}相关分析与应用开发。"
            if rng.random() < 0.3:
                description += f"{year}年共收录记录{rng.randint(100, 500000)}条。"
            description_en = (
                f"{aen.capitalize()} of {sen} in {ren}, published by {pub.title_en} and updated "
                f"{freq_en}. Columns: {fen}."
                if rng.random() < 0.7
                else ""
            )
            keywords = [szh, azh, THEMES[theme][0], rzh]
            if rng.random() < 0.5:
                keywords.append(sen)
            themes = [theme]
            if rng.random() < 0.1:
                themes.append(rng.choice(self.themes))
            fmts = rng.choices(_OPEN_FORMATS, _OPEN_FORMAT_WEIGHTS, k=rng.randint(1, 3))
            modality: list[str] = []
            task: list[str] = []
            slug = f"{sen}-{aen}"
        else:
            szh, sen, mod, tsk = rng.choice(AI_SUBJECTS)
            pub = (
                rng.choice(self.ai_publishers)
                if rng.random() < 0.6
                else self._publisher(rng.choice(list(DEPARTMENTS)))
            )
            region = pub.region
            rzh, ren = BAODING_REGIONS[region]
            kzh = "训练数据集" if kind == "training" else "基准测试集"
            title = f"{szh}{MODALITIES[mod][0]}{TASKS[tsk][0]}{kzh}"
            if rng.random() < 0.3:
                title = f"{rzh}{title}"
            title_en = f"{sen.capitalize()} {TASKS[tsk][1].lower()} {KINDS[kind][1].lower()}"
            n_items = rng.randint(1, 500) * 1000
            description = (
                f"面向{TASKS[tsk][0]}任务的{szh}{MODALITIES[mod][0]}数据，共{n_items}条样本，"
                f"由{pub.title}采集并人工标注，{freq_zh}更新。"
            )
            description_en = (
                f"{n_items} {MODALITIES[mod][1].lower()} samples of {sen} for "
                f"{TASKS[tsk][1].lower()}, collected and annotated by {pub.title_en}."
            )
            keywords = [szh, TASKS[tsk][0], MODALITIES[mod][0], "人工智能", "AI"]
            themes = [rng.choice(["science", "manufacturing", "transport", "gov_services"])]
            fmts = rng.sample(_MODALITY_FORMATS.get(mod, ["JSONL"]), 1) + ["ZIP"]
            modality = [mod]
            task = [tsk]
            slug = f"{sen}-{tsk}"
        r = rng.random()
        openness = "unconditional" if r < 0.6 else ("conditional" if r < 0.9 else "not_open")
        return {
            "id": f"{rng.getrandbits(128):032x}",
            "name": f"{slug.lower().replace(' ', '-')}-{i}",
            "title": title,
            "title_en": title_en,
            "description": description,
            "description_en": description_en,
            "keywords": list(dict.fromkeys(keywords)),
            "publisher": pub.name,
            "publisher_title": pub.title,
            "publisher_title_en": pub.title_en,
            "theme": themes,
            "openness": openness,
            "kind": kind,
            "format": sorted({f.upper() for f in fmts}),
            "license": rng.choices(self.licenses, self.license_weights)[0],
            "region": [region],
            "modality": modality,
            "task": task,
            "modified": modified,
            "issued": issued,
            "quality": rng.randint(20, 100),
            "featured": rng.random() < 0.005,
        }


def documents(n: int, seed: int = 42) -> Iterator[dict]:
    """``n`` search documents, one at a time; the same seed gives the same documents."""
    corpus = _Corpus(seed)
    for i in range(n):
        yield corpus.document(i)


# -- queries ------------------------------------------------------------------------------
_ZH_EXTRA = [
    "保定",
    "床位",
    "票价",
    "线路",
    "人工智能",
    "数据集",
    "目标检测",
    "语音识别",
    "遥感",
    "交通标志",
    "病害",
    "客流",
    "监测",
    "实时",
    "统计",
    "名录",
]
_EN_EXTRA = [
    "baoding",
    "dataset",
    "detection",
    "speech",
    "lidar",
    "AI",
    "EV",
    "annual",
    "monthly",
    "daily",
    "beds",
    "fare",
    "route",
    "statistics",
    "remote",
    "sensing",
]


def _words(rng: random.Random, lang: str, k: int) -> list[str]:
    """``k`` query words the way people combine them: topic, aspect, place, or a stray pair."""
    subject = rng.choice(SUBJECTS)
    aspect = rng.choice(ASPECTS)
    ai = rng.choice(AI_SUBJECTS)
    region = rng.choice(list(BAODING_REGIONS.values()))
    if lang == "zh":
        pools = {
            1: [[subject[0]], [aspect[0]], [region[0]], [rng.choice(_ZH_EXTRA)], [ai[0]]],
            2: [
                [region[0], subject[0]],
                [subject[0], aspect[0]],
                [ai[0], TASKS[ai[3]][0]],
                [rng.choice(_ZH_EXTRA), subject[0]],
            ],
            3: [[region[0], subject[0], aspect[0]], [ai[0], MODALITIES[ai[2]][0], "数据集"]],
        }
    elif lang == "mixed":
        asp = aspect[1].split()
        ren = region[1].split()[0]
        pools = {
            2: [
                [subject[0], asp[-1]],
                [ren, subject[0]],
                [region[0], subject[1].split()[-1]],
                [ai[0], "dataset"],
                [subject[0], rng.choice(_EN_EXTRA)],
            ],
            3: [
                [region[0], subject[0]] + asp[-1:],
                [ren, subject[0], aspect[0]],
                [ai[0], TASKS[ai[3]][0], "AI"],
            ],
        }
    else:
        sub = subject[1].split()
        asp = aspect[1].split()
        pools = {
            1: [sub[-1:], asp[-1:], [region[1].split()[0]], [rng.choice(_EN_EXTRA)]],
            2: [
                sub + asp,
                [region[1].split()[0]] + sub,
                sub + [rng.choice(_EN_EXTRA)],
                ai[1].split(),
            ],
            3: [[region[1].split()[0]] + sub + asp, sub + asp, ai[1].split() + ["dataset"]],
        }
    if k > 1 and rng.random() < 0.15:  # words that need not meet in any dataset
        words = rng.sample(_ZH_EXTRA, k // 2) + rng.sample(_EN_EXTRA, k - k // 2)
        if lang != "mixed":
            words = rng.sample(_ZH_EXTRA if lang == "zh" else _EN_EXTRA, k)
    else:
        words = rng.choice(pools[k])
    return words[:k]


# filters a search page offers# filters a search page offers, with values that exist in the corpus
_FILTERS = {
    "theme": [s[2] for s in SUBJECTS[:20]],
    "openness": ["unconditional", "conditional"],
    "kind": ["open_data", "training"],
    "format": ["CSV", "XLSX", "JSON", "API"],
    "license": ["gov-open-1.0", "CC-BY-4.0"],
    "region": ["130600", "130602", "130681"],
}


@dataclass(frozen=True)
class BenchQuery:
    kind: str  # zh / en / mixed, "+filter" when filtered, or "browse"
    text: str
    filters: dict[str, list[str]]


def _pick_filter(rng: random.Random) -> dict[str, list[str]]:
    facet = rng.choice(list(_FILTERS))
    return {facet: [rng.choice(_FILTERS[facet])]}


def queries(n: int, seed: int = 7) -> list[BenchQuery]:
    """``n`` user searches of 1-3 terms: Chinese, English or mixed, a quarter filtered."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        k = rng.choices([1, 2, 3], [50, 35, 15])[0]
        r = rng.random()
        if r < 0.45:
            lang, words = "zh", _words(rng, "zh", k)
        elif r < 0.8:
            lang, words = "en", _words(rng, "en", k)
        else:  # a Chinese topic with an English word, or the other way round
            lang = "mixed"
            k = max(k, 2)
            words = _words(rng, "mixed", k)
        filters = _pick_filter(rng) if rng.random() < 0.25 else {}
        out.append(BenchQuery(lang + ("+filter" if filters else ""), " ".join(words), filters))
    return out


def browse_queries(n: int, seed: int = 11) -> list[BenchQuery]:
    """Search pages with no text: one or two filters, newest first."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        filters = _pick_filter(rng)
        if rng.random() < 0.4:
            filters |= _pick_filter(rng)
        out.append(BenchQuery("browse", "", filters))
    return out
