"""The demo catalog: Baoding (保定) departments, data partners and their datasets.

An empty catalog explains nothing. ``make run`` (``catalog demo``) loads these records so that a
fresh instance looks like the product it is meant to be: the city's open-data list, published by
about twenty municipal departments, next to the AI training and benchmark datasets of verified
data partners (enterprises, universities, research institutes, third-party bodies).

Everything is invented: organization names, credit codes, e-mail addresses and URLs (all under
the reserved ``.example`` domain). Titles are composed from tables of subjects and their natural
variants (by year, by district), so the catalog is large enough to exercise search, facets and
paging while each record still reads like a real one.

:func:`demo_records` is deterministic for a given seed. Organization dicts carry one key that is
not part of ``OrganizationSchema``: ``partner_status`` (None for departments, ``"verified"`` or
``"applied"`` for partners). The loader pops it and sets it through the partner service.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter, namedtuple
from datetime import date, datetime, time, timedelta

from schemas import vocab
from schemas.validators import credit_code_check_char

PORTAL = "https://data.baoding.example"
CITY = "130600"
_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_LAST_DAY = date(2026, 10, 31)

# fmt: off
FREQ = {"R": "UPDATE_CONT", "D": "DAILY", "W": "WEEKLY", "M": "MONTHLY", "Q": "QUARTERLY",
        "H": "ANNUAL_2", "Y": "ANNUAL", "I": "IRREG"}
FREQ_EN = {"UPDATE_CONT": "in real time", "DAILY": "daily", "WEEKLY": "weekly",
           "MONTHLY": "monthly", "QUARTERLY": "quarterly", "ANNUAL_2": "every six months",
           "ANNUAL": "annually", "IRREG": "as needed"}
# Theme -> two-letter domain code of open-list resource codes ("13060001-JT-0001").
DOMAIN_CODE = {"transport": "JT", "health": "YL", "education": "JY", "culture_tourism": "WL",
               "environment": "ST", "urban": "CJ", "economy": "JJ", "society": "MS",
               "agriculture": "NC", "public_safety": "GA", "gov_services": "ZW", "energy": "NY",
               "manufacturing": "ZZ", "finance": "JR", "science": "KJ"}
MEDIA_TYPES = {
    "CSV": "text/csv", "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "JSON": "application/json", "XML": "application/xml", "API": "application/json",
    "PDF": "application/pdf", "ZIP": "application/zip", "SHP": "application/zip",
    "GeoJSON": "application/geo+json", "Parquet": "application/vnd.apache.parquet",
    "JPEG": "image/jpeg", "PNG": "image/png", "MP4": "video/mp4", "WAV": "audio/wav",
    "TXT": "text/plain", "JSONL": "application/x-ndjson", "PCD": "application/octet-stream",
    "HTML": "text/html",
}

# (name, code suffix, title, title_en, themes, contact office)
DEPARTMENTS = [
    ("bd-jtj", "01", "保定市交通运输局", "Baoding Municipal Transport Bureau", "transport", "科技信息科"),
    ("bd-jjzd", "02", "保定市公安局交通警察支队", "Traffic Police Detachment of Baoding Public Security Bureau", "transport,public_safety", "科技通信科"),
    ("bd-wjw", "03", "保定市卫生健康委员会", "Baoding Municipal Health Commission", "health", "规划信息科"),
    ("bd-ybj", "04", "保定市医疗保障局", "Baoding Healthcare Security Administration", "health", "信息中心"),
    ("bd-jyj", "05", "保定市教育局", "Baoding Municipal Education Bureau", "education", "信息化办公室"),
    ("bd-wglj", "06", "保定市文化广电和旅游局", "Baoding Municipal Bureau of Culture, Radio, Television and Tourism", "culture_tourism", "产业发展科"),
    ("bd-sthjj", "07", "保定市生态环境局", "Baoding Municipal Ecology and Environment Bureau", "environment", "监测科"),
    ("bd-zrzyj", "08", "保定市自然资源和规划局", "Baoding Municipal Bureau of Natural Resources and Planning", "urban,environment", "信息中心"),
    ("bd-zjj", "09", "保定市住房和城乡建设局", "Baoding Municipal Housing and Urban-Rural Development Bureau", "urban", "信息中心"),
    ("bd-scjgj", "10", "保定市市场监督管理局", "Baoding Administration for Market Regulation", "economy", "信息科"),
    ("bd-rsj", "11", "保定市人力资源和社会保障局", "Baoding Municipal Human Resources and Social Security Bureau", "society", "信息中心"),
    ("bd-mzj", "12", "保定市民政局", "Baoding Municipal Civil Affairs Bureau", "society", "办公室"),
    ("bd-nyncj", "13", "保定市农业农村局", "Baoding Municipal Agriculture and Rural Affairs Bureau", "agriculture", "信息中心"),
    ("bd-qxj", "14", "保定市气象局", "Baoding Meteorological Bureau", "environment", "气象台"),
    ("bd-tjj", "15", "保定市统计局", "Baoding Municipal Statistics Bureau", "economy", "数据管理中心"),
    ("bd-slj", "16", "保定市水利局", "Baoding Municipal Water Resources Bureau", "environment,agriculture", "水文科"),
    ("bd-xzspj", "17", "保定市政务服务管理局（行政审批局）", "Baoding Government Services Administration (Administrative Approval Bureau)", "gov_services", "审批协调科"),
    ("bd-sjj", "18", "保定市数据和政务服务局", "Baoding Municipal Data and Government Services Bureau", "gov_services,science", "数据资源科"),
    ("bd-gxj", "19", "保定市工业和信息化局", "Baoding Municipal Bureau of Industry and Information Technology", "manufacturing,energy", "信息科"),
    ("bd-swj", "20", "保定市商务局", "Baoding Municipal Commerce Bureau", "economy", "市场运行科"),
    ("bd-yjglj", "21", "保定市应急管理局", "Baoding Municipal Emergency Management Bureau", "public_safety", "信息中心"),
    ("bd-fgw", "22", "保定市发展和改革委员会", "Baoding Municipal Development and Reform Commission", "economy,energy", "信用科"),
    ("bd-kjj", "23", "保定市科学技术局", "Baoding Municipal Science and Technology Bureau", "science", "规划科"),
]

# (name, org_type, credit prefix, region, title, title_en, domain, themes, partner_status, contact,
#  description, description_en)
PARTNERS = [
    ("dianmou-ai", "enterprise", "91", "130602", "保定电眸智能科技有限公司", "Baoding Dianmou Intelligent Technology Co., Ltd.", "dianmou.example", "energy,manufacturing", "verified", "刘振宇",
     "专注输变电设备智能巡检的人工智能企业，为无人机和巡检机器人图像提供缺陷识别算法。", "An AI company focused on the inspection of power transmission and substation equipment, building defect recognition models for drone and robot imagery."),
    ("zhixing-auto", "enterprise", "91", "130609", "保定智行无人驾驶科技有限公司", "Baoding Zhixing Autonomous Driving Technology Co., Ltd.", "zhixing-auto.example", "transport", "verified", "王浩然",
     "在保定城区和徐水区开展自动驾驶道路测试，积累了激光雷达、摄像头等多传感器道路场景数据。", "Runs autonomous-driving road tests in urban Baoding and Xushui District and collects multi-sensor (LiDAR, camera) road-scene data."),
    ("shengyun-speech", "enterprise", "91", "130606", "保定声韵语音技术有限公司", "Baoding Shengyun Speech Technology Co., Ltd.", "shengyun.example", "gov_services,culture_tourism,science", "verified", "陈思雨",
     "语音识别与语音合成技术企业，建有普通话及冀中方言语音语料库。", "A speech recognition and synthesis company with Mandarin and central-Hebei dialect speech corpora."),
    ("yingshi-med", "enterprise", "91", "130602", "保定影识医疗科技有限公司", "Baoding Yingshi Medical Technology Co., Ltd.", "yingshi-med.example", "health", "verified", "赵雅静",
     "医学影像人工智能企业，与本地医院合作开展CT、眼底和病理影像的脱敏与标注。", "A medical imaging AI company that de-identifies and annotates CT, fundus and pathology images together with local hospitals."),
    ("shubiao-data", "enterprise", "91", "130606", "保定数标信息技术有限公司", "Baoding Shubiao Information Technology Co., Ltd.", "shubiao.example", "finance,gov_services,economy,transport", "verified", "孙丽",
     "入驻保定数据标注基地的数据标注服务企业，拥有千人规模标注团队，覆盖图像、文本和语音标注。", "A data-annotation company in Baoding's national data-annotation base, with about a thousand annotators labelling images, text and speech."),
    ("jingjian-vision", "enterprise", "91", "130607", "保定精检工业视觉有限公司", "Baoding Jingjian Industrial Vision Co., Ltd.", "jingjian.example", "manufacturing,energy", "verified", "周建国",
     "为汽车零部件、光伏和纺织企业提供工业视觉质检解决方案。", "Provides machine-vision quality inspection for automotive-parts, photovoltaic and textile manufacturers."),
    ("hetong-agri", "enterprise", "91", "130608", "保定禾瞳农业科技有限公司", "Baoding Hetong Agricultural Technology Co., Ltd.", "hetong-agri.example", "agriculture", "applied", "吴天明",
     "利用无人机多光谱影像开展农作物长势监测，已提交数据合作伙伴申请。", "Monitors crop growth with drone multispectral imagery; has applied to become a data partner."),
    ("zhili-tech", "university", "12", "130606", "保定直隶理工大学", "Zhili University of Technology, Baoding", "zlut.example", "transport,urban,gov_services", "verified", "郑伟",
     "以工科为主的大学，智能交通实验室和自然语言处理团队持续建设开放数据集。", "An engineering university whose intelligent-transport lab and NLP group build and share open datasets."),
    ("taihang-agri", "university", "12", "130602", "保定太行农业大学", "Taihang Agricultural University, Baoding", "tagu.example", "agriculture,health", "verified", "杨帆",
     "农业类高校，长期开展小麦、玉米病虫害识别和中药材鉴别研究。", "An agricultural university working on wheat and maize pest recognition and the identification of Chinese herbal medicines."),
    ("jingnan-ai", "research_institute", "12", "130602", "保定京南人工智能研究院", "Jingnan Institute of Artificial Intelligence, Baoding", "jingnan-ai.example", "gov_services,health,culture_tourism", "verified", "许博文",
     "新型研发机构，面向政务、医疗和文旅场景开展大模型评测与语料建设。", "A research institute building corpora and evaluating large language models for government services, health care and tourism."),
    ("dianqi-institute", "research_institute", "12", "130606", "保定电气装备研究院", "Baoding Electrical Equipment Research Institute", "bdeeri.example", "energy,manufacturing", "verified", "高明",
     "依托保定输变电装备产业集群，开展变压器状态监测、电网负荷和新能源功率预测研究。", "Builds on Baoding's power-equipment industry to study transformer condition monitoring and load and renewable power forecasting."),
    ("shugang-exchange", "third_party", "91", "130602", "保定数港数据交易中心有限公司", "Baoding Shugang Data Exchange Centre", "shugang.example", "finance,economy", "verified", "马晓东",
     "市级数据交易服务机构，提供数据产品登记、合规评估和数据沙箱服务。", "The city's data-exchange service: registration of data products, compliance assessment and a data sandbox."),
    ("hengzhun-testing", "third_party", "12", "130606", "保定衡准标准化与检测研究院", "Baoding Hengzhun Institute of Standardization and Testing", "hengzhun.example", "science,manufacturing,gov_services", "verified", "韩雪",
     "第三方标准化与检测机构，开展数据标注质量评估和人工智能系统评测。", "An independent standards and testing body assessing annotation quality and evaluating AI systems."),
    ("bd-ai-association", "third_party", "51", "130600", "保定市人工智能产业促进会", "Baoding Artificial Intelligence Industry Association", "bdaia.example", "science", "applied", "田磊",
     "由本地人工智能企业和高校发起的社会团体，已提交数据合作伙伴申请。", "An association of local AI companies and universities; its partner application is under review."),
]

# Open-list subjects per department: (subject, subject_en, keywords, themes ("" = the department's),
# frequency, magnitude of the row count, flags). Flags: y = one record per year, d = city-wide plus
# district records, c = conditional, n = not open (personal data), s = not open (security),
# a = API, g = geodata, p = published as PDF.
OPEN_LIST = {
    "bd-jtj": [
        ("公交线路信息", "Bus routes", "公交,线路,票价", "", "M", 3, "a"),
        ("公交站点信息", "Bus stops", "公交,站点,经纬度", "", "M", 4, "g"),
        ("公共自行车站点", "Public bicycle stations", "公共自行车,站点,租赁", "", "M", 3, "g"),
        ("公交车辆实时位置", "Real-time bus positions", "公交,实时,车辆定位", "", "R", 6, "ac"),
        ("城市公共交通客运量统计", "Urban public transport ridership", "公共交通,客运量", "", "M", 3, "y"),
        ("公路里程统计", "Highway mileage", "公路,里程,路网", "", "Y", 2, "y"),
        ("出租汽车经营企业名录", "Taxi operators", "出租汽车,网约车,企业", "", "Q", 2, ""),
        ("道路运输经营许可信息", "Road transport operating permits", "道路运输,经营许可", "", "M", 4, ""),
        ("机动车维修企业名录", "Motor vehicle repair businesses", "机动车维修,企业", "", "Q", 3, "d"),
        ("驾驶员培训机构名录", "Driver training schools", "驾校,驾驶培训", "", "Q", 2, ""),
        ("交通运输行政处罚信息", "Transport administrative penalties", "交通运输,行政处罚", "", "M", 3, ""),
        ("公共停车场泊位信息", "Public car park spaces", "停车场,泊位", "", "D", 3, "dag"),
        ("道路客运班线信息", "Intercity coach services", "客运,班线,汽车站", "", "M", 3, ""),
    ],
    "bd-jjzd": [
        ("道路交通事故统计", "Road traffic accidents", "交通事故,道路安全", "", "Q", 3, "y"),
        ("机动车保有量统计", "Registered motor vehicles", "机动车,保有量", "", "Y", 2, "y"),
        ("交通信号灯点位信息", "Traffic signal locations", "信号灯,路口", "", "I", 3, "g"),
        ("交通技术监控设备点位", "Traffic enforcement camera locations", "电子警察,监控设备", "", "I", 3, "cg"),
        ("实时路况信息", "Real-time traffic conditions", "路况,拥堵指数", "", "R", 6, "a"),
        ("交通管制信息", "Traffic control notices", "交通管制,临时管制", "", "D", 3, ""),
        ("交通违法处理网点信息", "Traffic violation handling offices", "违法处理,服务网点", "", "I", 2, ""),
        ("机动车驾驶人信息", "Licensed driver records", "驾驶人,驾驶证", "", "M", 6, "n"),
    ],
    "bd-wjw": [
        ("医疗机构名录", "Medical institutions", "医疗机构,医院,诊所", "", "Q", 3, "d"),
        ("二级以上医院门诊量统计", "Outpatient visits at secondary and tertiary hospitals", "医院,门诊量", "", "M", 3, "y"),
        ("医疗卫生资源统计", "Health care resources", "卫生资源,床位,卫生技术人员", "", "Y", 2, "y"),
        ("医师执业注册信息", "Physician practice registrations", "医师,执业注册", "", "M", 4, "c"),
        ("护士执业注册信息", "Nurse practice registrations", "护士,执业注册", "", "M", 4, "c"),
        ("预防接种门诊名录", "Vaccination clinics", "预防接种,疫苗,门诊", "", "Q", 2, "d"),
        ("法定传染病疫情统计", "Notifiable infectious diseases", "传染病,疫情", "", "M", 3, "yc"),
        ("急救站点分布", "Emergency medical stations", "急救,120", "", "I", 2, "g"),
        ("家庭医生签约服务团队信息", "Family doctor teams", "家庭医生,签约服务", "", "Q", 3, ""),
        ("母婴保健技术服务机构名录", "Maternal and infant health service providers", "母婴保健,助产", "", "Y", 2, ""),
        ("居民电子健康档案", "Residents' electronic health records", "健康档案,居民健康", "", "D", 6, "n"),
    ],
    "bd-ybj": [
        ("医保定点医疗机构名录", "Medical institutions designated for medical insurance", "医保,定点医疗机构", "", "M", 3, "d"),
        ("医保定点零售药店名录", "Retail pharmacies designated for medical insurance", "医保,定点药店", "", "M", 3, "d"),
        ("医疗服务价格信息", "Medical service prices", "医疗服务,价格", "", "Q", 4, ""),
        ("基本医疗保险参保人数统计", "Basic medical insurance enrolment", "医疗保险,参保", "", "Q", 2, "y"),
        ("国家集中带量采购药品目录", "Drugs under national volume-based procurement", "集采,药品", "", "I", 3, ""),
        ("门诊慢特病认定机构名录", "Institutions certifying chronic and special outpatient conditions", "慢特病,门诊", "", "I", 2, ""),
        ("参保人员医疗费用结算明细", "Medical expense settlements of insured persons", "医保结算,医疗费用", "", "D", 7, "n"),
    ],
    "bd-jyj": [
        ("中小学校名录", "Primary and secondary schools", "中小学,学校", "", "Y", 3, "d"),
        ("幼儿园名录", "Kindergartens", "幼儿园,学前教育", "", "Y", 3, "d"),
        ("义务教育学校招生划片范围", "Compulsory-education school catchment areas", "招生,学区,划片", "", "Y", 3, "yg"),
        ("各级各类学校基本情况统计", "Schools at all levels", "学校,在校生,专任教师", "", "Y", 2, "y"),
        ("校外培训机构白名单", "Approved off-campus training providers", "校外培训,白名单", "", "Q", 2, ""),
        ("教师资格认定信息", "Teacher qualification certifications", "教师资格,认定", "", "H", 4, "c"),
        ("中等职业学校专业设置", "Secondary vocational school programmes", "职业教育,专业", "", "Y", 2, ""),
        ("学生资助资金发放统计", "Student financial aid disbursement", "学生资助,助学金", "", "H", 3, ""),
        ("学生体质健康监测统计", "Student physical fitness monitoring", "体质健康,学生", "education,health", "Y", 3, "yc"),
        ("中小学生学籍信息", "Student enrolment records", "学籍,学生", "", "M", 6, "n"),
    ],
    "bd-wglj": [
        ("A级旅游景区名录", "A-grade tourist attractions", "景区,旅游,A级", "", "Q", 2, "g"),
        ("星级饭店名录", "Star-rated hotels", "饭店,酒店,住宿", "", "Q", 2, ""),
        ("旅行社名录", "Travel agencies", "旅行社,旅游服务", "", "Q", 2, ""),
        ("公共图书馆和文化馆名录", "Public libraries and cultural centres", "图书馆,文化馆", "", "Y", 2, ""),
        ("文物保护单位名录", "Protected heritage sites", "文物保护单位,古建筑", "", "I", 3, "g"),
        ("非物质文化遗产代表性项目名录", "Representative intangible cultural heritage items", "非遗,传统技艺", "", "I", 2, ""),
        ("节假日重点景区客流统计", "Holiday visitor numbers at major attractions", "客流,节假日,景区", "", "I", 3, "y"),
        ("文化演出活动信息", "Cultural performances and events", "演出,文化活动", "", "W", 3, ""),
        ("乡村旅游重点村名录", "Key rural tourism villages", "乡村旅游,民宿", "culture_tourism,agriculture", "Y", 2, ""),
        ("互联网上网服务营业场所名录", "Internet cafés", "网吧,上网服务", "", "Q", 3, "d"),
    ],
    "bd-sthjj": [
        ("空气质量日报", "Daily air quality report", "空气质量,AQI,PM2.5", "", "D", 4, "a"),
        ("空气质量自动监测站实时数据", "Real-time data of automatic air quality stations", "空气质量,监测站,实时", "", "R", 6, "a"),
        ("地表水水质月报", "Monthly surface water quality report", "水质,河流,断面", "", "M", 3, ""),
        ("声环境质量监测统计", "Noise monitoring", "噪声,声环境", "", "Q", 2, "y"),
        ("重点排污单位名录", "Key pollutant-discharging entities", "排污单位,重点监管", "", "Y", 2, ""),
        ("排污许可证信息", "Pollutant discharge permits", "排污许可", "", "M", 3, ""),
        ("建设项目环境影响评价审批信息", "Environmental impact assessment approvals", "环评,审批", "", "M", 3, ""),
        ("生态环境行政处罚信息", "Environmental administrative penalties", "环境执法,行政处罚", "", "M", 3, ""),
        ("机动车排放检验机构名录", "Vehicle emissions testing stations", "尾气检测,机动车", "environment,transport", "Q", 2, ""),
    ],
    "bd-zrzyj": [
        ("国有建设用地供应信息", "Supply of state-owned construction land", "土地供应,出让", "urban", "M", 3, ""),
        ("建设工程规划许可信息", "Construction project planning permits", "规划许可,建设工程", "urban", "M", 3, ""),
        ("地质灾害隐患点分布", "Geological hazard sites", "地质灾害,隐患点", "public_safety,environment", "Y", 2, "g"),
        ("标准地名信息", "Standard place names", "地名,地名普查", "urban", "I", 4, "g"),
        ("不动产登记服务网点", "Real estate registration service offices", "不动产登记,服务网点", "urban", "I", 2, ""),
        ("森林资源统计", "Forest resources", "森林,林地,覆盖率", "environment", "Y", 2, "y"),
        ("测绘资质单位名录", "Qualified surveying and mapping units", "测绘,资质", "urban", "Y", 2, ""),
        ("土地利用现状数据", "Current land use", "土地利用,国土调查", "urban", "Y", 5, "gc"),
    ],
    "bd-zjj": [
        ("房地产开发企业资质信息", "Real estate developer qualifications", "房地产,开发企业", "", "Q", 3, ""),
        ("商品房预售许可信息", "Pre-sale permits for commercial housing", "商品房,预售许可", "", "M", 3, ""),
        ("建筑工程施工许可信息", "Construction permits", "施工许可,建筑工程", "", "M", 3, ""),
        ("建筑业企业资质信息", "Construction enterprise qualifications", "建筑业,资质", "", "M", 3, ""),
        ("保障性住房项目信息", "Affordable housing projects", "保障性住房,公租房", "urban,society", "Q", 2, ""),
        ("城镇老旧小区改造项目", "Old residential community renovation projects", "老旧小区,改造", "", "Y", 2, "y"),
        ("物业服务企业名录", "Property management companies", "物业服务,企业", "", "Q", 3, "d"),
        ("城镇燃气经营企业名录", "Urban gas suppliers", "燃气,经营许可", "urban,energy", "Y", 2, ""),
    ],
    "bd-scjgj": [
        ("企业登记信息", "Business registrations", "企业,登记,市场主体", "", "D", 5, "a"),
        ("个体工商户登记信息", "Individual business registrations", "个体工商户,登记", "", "D", 5, "c"),
        ("市场监管行政处罚信息", "Market regulation administrative penalties", "行政处罚,市场监管", "", "M", 3, ""),
        ("食品生产许可信息", "Food production licences", "食品,生产许可", "", "M", 3, ""),
        ("食品经营许可信息", "Food business licences", "食品,经营许可,餐饮", "", "M", 4, "d"),
        ("食品安全监督抽检结果", "Food safety sampling results", "食品安全,抽检", "economy,health", "M", 3, ""),
        ("药品零售企业名录", "Licensed retail pharmacies", "药店,药品经营", "economy,health", "Q", 3, ""),
        ("特种设备使用登记信息", "Special equipment registrations", "特种设备,电梯,锅炉", "economy,public_safety", "M", 4, "c"),
        ("市场主体发展统计", "Market entities", "市场主体,新设企业", "", "Q", 2, "y"),
        ("计量检定机构名录", "Metrological verification bodies", "计量,检定", "", "Y", 2, ""),
    ],
    "bd-rsj": [
        ("人力资源服务机构名录", "Human resources service agencies", "人力资源,中介服务", "", "Q", 2, ""),
        ("职业技能培训机构名录", "Vocational skills training institutions", "职业培训,技能", "society,education", "Q", 2, ""),
        ("社会保险经办服务网点", "Social insurance service offices", "社保,服务网点", "", "I", 2, "g"),
        ("招聘岗位信息", "Job vacancies", "招聘,就业,岗位", "", "D", 4, "a"),
        ("城镇新增就业统计", "New urban employment", "就业,城镇新增就业", "", "Q", 2, "y"),
        ("职业技能等级认定评价机构名录", "Skill-level assessment bodies", "技能等级,认定", "", "Y", 2, ""),
        ("最低工资标准", "Minimum wage standards", "最低工资,工资标准", "", "I", 1, ""),
        ("个人社会保险缴费记录", "Individual social insurance contributions", "社保缴费,个人", "", "M", 7, "n"),
    ],
    "bd-mzj": [
        ("养老机构名录", "Elderly care institutions", "养老机构,养老服务", "", "Q", 2, "d"),
        ("社区居家养老服务中心名录", "Community home-based elderly care centres", "居家养老,社区", "", "Q", 2, "d"),
        ("社会组织登记信息", "Registered social organisations", "社会组织,社团,民办非企业", "", "M", 3, ""),
        ("婚姻登记机关信息", "Marriage registration offices", "婚姻登记", "", "I", 2, ""),
        ("最低生活保障统计", "Minimum living allowance", "低保,社会救助", "", "Q", 2, "yc"),
        ("殡葬服务机构名录", "Funeral service providers", "殡葬,公墓", "", "Y", 2, ""),
        ("村（社区）名录", "Villages and urban communities", "行政区划,村,社区", "", "Y", 4, ""),
        ("慈善组织名录", "Charitable organisations", "慈善,公益", "", "Q", 2, ""),
    ],
    "bd-nyncj": [
        ("农民专业合作社名录", "Farmers' cooperatives", "合作社,新型经营主体", "", "Q", 3, "d"),
        ("家庭农场名录", "Family farms", "家庭农场", "", "Q", 3, ""),
        ("主要农作物播种面积统计", "Sown area of major crops", "播种面积,小麦,玉米", "", "Y", 2, "y"),
        ("农产品批发市场价格监测", "Wholesale prices of agricultural products", "农产品,价格,批发市场", "", "W", 4, "a"),
        ("农药经营许可信息", "Pesticide dealer licences", "农药,经营许可", "", "M", 3, ""),
        ("动物诊疗机构名录", "Animal clinics", "动物诊疗,兽医", "", "Q", 2, ""),
        ("高标准农田建设项目", "High-standard farmland projects", "高标准农田,农田建设", "", "Y", 2, "g"),
        ("农机购置补贴信息", "Farm machinery purchase subsidies", "农机,补贴", "", "Q", 4, "y"),
    ],
    "bd-qxj": [
        ("气象观测站点信息", "Weather stations", "气象站,观测", "", "I", 2, "g"),
        ("逐小时气象观测数据", "Hourly weather observations", "气温,降水,风速", "", "R", 6, "a"),
        ("城镇天气预报", "Town-level weather forecasts", "天气预报", "", "D", 3, "a"),
        ("气象灾害预警信号", "Severe weather warnings", "预警信号,暴雨,寒潮", "environment,public_safety", "R", 3, "a"),
        ("气候公报", "Climate bulletin", "气候,公报", "", "Y", 1, "yp"),
        ("农业气象月报", "Monthly agrometeorological report", "农业气象,墒情", "environment,agriculture", "M", 2, "p"),
    ],
    "bd-tjj": [
        ("国民经济和社会发展统计公报", "Statistical communiqué on economic and social development", "统计公报,经济社会", "", "Y", 2, "yp"),
        ("统计年鉴", "Statistical yearbook", "统计年鉴", "", "Y", 3, "yp"),
        ("地区生产总值统计", "Gross regional product", "GDP,地区生产总值", "", "Q", 2, "y"),
        ("常住人口统计", "Resident population", "人口,常住人口", "economy,society", "Y", 2, "y"),
        ("居民消费价格指数", "Consumer price index", "CPI,物价", "", "M", 2, ""),
        ("规模以上工业增加值统计", "Value added of industry above designated size", "工业增加值,规上工业", "economy,manufacturing", "M", 2, ""),
        ("城乡居民人均可支配收入", "Per capita disposable income of urban and rural residents", "居民收入,可支配收入", "economy,society", "Q", 2, ""),
        ("社会消费品零售总额", "Total retail sales of consumer goods", "消费,零售", "", "M", 2, ""),
    ],
    "bd-slj": [
        ("水库基本信息", "Reservoirs", "水库,库容", "", "I", 2, "g"),
        ("河道水位实时监测", "Real-time river water levels", "水位,河道,水文", "environment,public_safety", "R", 5, "a"),
        ("取水许可信息", "Water withdrawal permits", "取水许可,水资源", "", "M", 3, ""),
        ("水资源公报", "Water resources bulletin", "水资源,公报", "", "Y", 1, "yp"),
        ("河湖长名录", "River and lake chiefs", "河长制,湖长", "", "I", 3, ""),
        ("农村供水工程信息", "Rural water supply projects", "农村供水,饮水安全", "agriculture", "Y", 3, ""),
        ("生产建设项目水土保持方案审批信息", "Soil and water conservation plan approvals", "水土保持,审批", "", "M", 2, ""),
    ],
    "bd-xzspj": [
        ("行政许可信息", "Administrative licensing decisions", "行政许可,双公示", "", "D", 5, "a"),
        ("政务服务事项清单", "Government service items", "政务服务,办事指南", "", "M", 3, ""),
        ("政务服务中心窗口信息", "Government service centre windows", "政务大厅,窗口", "", "I", 2, ""),
        ("“一件事一次办”事项目录", "Integrated one-stop service items", "一件事一次办,集成服务", "", "I", 2, ""),
        ("政务服务“好差评”统计", "Government service ratings", "好差评,满意度", "", "M", 3, "y"),
        ("企业投资项目审批信息", "Enterprise investment project approvals", "投资项目,审批", "gov_services,economy", "M", 3, ""),
        ("中介服务事项清单", "Intermediary service items", "中介服务,清单", "", "I", 2, ""),
    ],
    "bd-sjj": [
        ("公共数据资源目录", "Public data resource catalogue", "数据资源,目录", "", "M", 3, ""),
        ("12345政务服务便民热线诉求统计", "12345 hotline requests", "12345,热线,诉求", "", "M", 3, "y"),
        ("电子证照目录", "Types of electronic licences and certificates", "电子证照", "", "M", 3, ""),
        ("公共数据开放申请受理情况", "Open data access requests", "数据开放,申请", "", "M", 2, ""),
        ("政务云资源使用统计", "Government cloud resource usage", "政务云,算力", "gov_services,science", "Q", 2, "c"),
        ("数据标注基地入驻企业名录", "Companies in the data-annotation base", "数据标注,产业基地", "science,economy", "Q", 2, ""),
        ("数据要素市场主体名录", "Data-market enterprises", "数据要素,数据商", "economy,science", "Q", 2, ""),
    ],
    "bd-gxj": [
        ("专精特新中小企业名录", "Specialised and innovative SMEs", "专精特新,中小企业", "", "Y", 3, ""),
        ("规模以上工业企业名录", "Industrial enterprises above designated size", "规上工业,企业", "", "Y", 3, "c"),
        ("5G基站建设统计", "5G base station deployment", "5G,基站,通信", "science", "Q", 2, "y"),
        ("省级以上工业园区信息", "Provincial and national industrial parks", "工业园区,开发区", "", "I", 2, "g"),
        ("绿色工厂名单", "Green factories", "绿色制造,绿色工厂", "manufacturing,energy", "Y", 2, ""),
        ("重点用能工业企业能耗统计", "Energy use of key industrial consumers", "能耗,节能", "energy,manufacturing", "Y", 3, "yc"),
    ],
    "bd-swj": [
        ("进出口贸易统计", "Import and export trade", "进出口,外贸", "", "M", 2, "y"),
        ("外商投资企业统计", "Foreign-invested enterprises", "外资,外商投资", "", "Q", 2, ""),
        ("商业网点信息", "Commercial outlets", "商业网点,商圈", "", "Y", 3, "d"),
        ("老字号企业名录", "Time-honoured brands", "老字号,传统品牌", "economy,culture_tourism", "I", 2, ""),
        ("成品油零售经营企业名录", "Licensed fuel retailers", "加油站,成品油", "economy,energy", "Q", 2, "g"),
        ("单用途预付卡备案企业名录", "Registered issuers of single-purpose prepaid cards", "预付卡,备案", "", "Q", 2, ""),
        ("报废机动车回收拆解企业名录", "Licensed end-of-life vehicle recyclers", "报废汽车,回收", "economy,environment", "Y", 1, ""),
    ],
    "bd-yjglj": [
        ("应急避难场所", "Emergency shelters", "避难场所,应急", "", "Y", 2, "dg"),
        ("危险化学品经营许可信息", "Hazardous chemicals trading permits", "危险化学品,许可", "", "M", 3, ""),
        ("安全生产行政处罚信息", "Work safety administrative penalties", "安全生产,处罚", "", "M", 3, ""),
        ("应急救援队伍信息", "Emergency rescue teams", "救援队伍,应急", "", "I", 2, ""),
        ("自然灾害灾情统计", "Natural disaster losses", "灾情,自然灾害", "", "I", 2, "y"),
        ("重大危险源企业名录", "Enterprises with major hazard installations", "重大危险源", "", "Y", 2, "s"),
    ],
    "bd-fgw": [
        ("重点建设项目名单", "Key construction projects", "重点项目,投资", "", "Y", 2, "y"),
        ("电动汽车充电设施分布", "EV charging facilities", "充电桩,新能源汽车", "energy,transport", "M", 3, "ag"),
        ("政府定价目录", "Government pricing catalogue", "定价目录,价格", "", "I", 2, ""),
        ("粮油价格监测", "Grain and cooking oil prices", "粮油,价格监测", "economy,agriculture", "W", 3, ""),
        ("能源消费统计", "Energy consumption", "能源消费,能耗", "energy", "Y", 2, "y"),
        ("信用承诺履约信息", "Credit commitment fulfilment records", "社会信用,信用承诺", "", "M", 4, "c"),
    ],
    "bd-kjj": [
        ("高新技术企业名录", "High-tech enterprises", "高新技术企业,认定", "", "Y", 3, ""),
        ("科技型中小企业名录", "Technology-based SMEs", "科技型中小企业", "", "Y", 3, ""),
        ("科技计划项目立项信息", "Funded science and technology projects", "科技计划,项目", "", "Y", 2, "y"),
        ("技术合同登记统计", "Registered technology contracts", "技术合同,技术交易", "", "Q", 2, ""),
        ("众创空间和科技企业孵化器名录", "Maker spaces and incubators", "众创空间,孵化器", "", "Y", 2, ""),
    ],
}

# Partner AI datasets: (org, name, kind t/b, magnitude of the sample count, access u/c/n, license,
#  tasks, modalities, annotation type, annotation method, themes, formats, metrics, region
#  ("" = the city, "-" = none), title, note, title_en, note_en).
AI_DATASETS = [
    ("dianmou-ai", "insulator-defect-images", "t", 4, "c", "CC-BY-NC-4.0", "object_detection", "image", "bounding_box", "manual", "energy", "JPEG,JSON", "", "",
     "输电线路绝缘子缺陷检测图像数据集", "无人机巡检拍摄的110kV至500kV输电线路绝缘子图像，标注自爆、破损和闪络痕迹等缺陷",
     "Transmission-line insulator defect detection images", "UAV patrol photos of 110-500 kV insulator strings, with self-blast, breakage and flashover marks boxed for object detection"),
    ("dianmou-ai", "substation-meter-reading", "t", 4, "c", "proprietary", "object_detection,ocr", "image", "keypoint", "semi_automatic", "energy", "JPEG,JSON", "", "",
     "变电站指针式仪表读数识别数据集", "巡检机器人采集的SF6压力表、油温表等指针式仪表图像，标注表盘区域、指针关键点与读数",
     "Substation analogue meter reading dataset", "Inspection-robot images of SF6 pressure and oil temperature gauges, with dial boxes, needle keypoints and readings"),
    ("dianmou-ai", "transmission-foreign-object-bench", "b", 3, "u", "CC-BY-4.0", "object_detection", "image", "bounding_box", "manual", "energy,public_safety", "JPEG,JSON", "mAP@0.5,mAP@0.5:0.95", "",
     "输电通道异物入侵检测基准", "覆盖风筝、鸟巢、塑料薄膜和施工机械等异物类别，提供固定测试集与评测脚本",
     "Transmission corridor foreign-object intrusion benchmark", "Kites, bird nests, plastic film and construction machinery near power lines; an object detection benchmark with a fixed test split"),
    ("dianmou-ai", "substation-infrared-defects", "t", 3, "c", "CC-BY-NC-4.0", "image_segmentation,anomaly_detection", "image", "segmentation_mask", "manual", "energy", "PNG,JSON", "", "",
     "变电设备红外热像缺陷数据集", "红外热像仪拍摄的隔离开关、套管和接头图像，逐像素标注过热区域",
     "Substation equipment infrared thermography defects", "Thermal images of disconnectors, bushings and joints with hot spots segmented pixel by pixel"),
    ("dianmou-ai", "power-site-safety-gear", "t", 4, "u", "CC-BY-4.0", "object_detection", "image,video", "bounding_box", "crowdsourced", "energy,public_safety", "JPEG,MP4,JSON", "", "",
     "电力作业现场安全帽与安全带佩戴检测数据集", "来自施工监控视频抽帧，标注人员、安全帽、安全带及未佩戴状态",
     "Hard-hat and safety-harness detection at power work sites", "Frames from work-site surveillance video with workers, hard hats and harnesses boxed for object detection"),
    ("zhixing-auto", "baoding-driving-lidar", "t", 4, "c", "CC-BY-NC-4.0", "object_detection", "point_cloud,image", "cuboid_3d", "semi_automatic", "transport", "PCD,JPEG,JSON", "", "",
     "保定城区自动驾驶道路场景点云数据集", "测试车在竞秀区、莲池区城市道路采集的128线激光雷达点云与环视图像，标注车辆、行人、非机动车三维框",
     "Baoding urban road scenes: LiDAR point clouds for autonomous driving", "128-beam LiDAR sweeps and surround-view images from urban Baoding roads, with 3D boxes for vehicles, pedestrians and cyclists"),
    ("zhixing-auto", "driving-3d-detection-bench", "b", 3, "u", "CC-BY-NC-4.0", "object_detection", "point_cloud", "cuboid_3d", "manual", "transport", "PCD,JSON", "mAP,NDS", "",
     "自动驾驶三维目标检测基准", "包含雨雾、夜间和早晚高峰等困难场景，测试集标注不公开，通过在线评测提交结果",
     "3D object detection benchmark for autonomous driving", "Rain, fog, night and rush-hour scenes for 3D object detection; test labels are hidden and results are scored online"),
    ("zhixing-auto", "traffic-light-images", "t", 4, "u", "CC-BY-4.0", "object_detection,image_classification", "image", "bounding_box", "manual", "transport", "JPEG,JSON", "", "",
     "交通信号灯识别图像数据集", "车载前视摄像头采集的路口图像，标注信号灯位置、颜色和箭头方向",
     "Traffic light recognition images", "Front-camera images of intersections with traffic lights boxed and their colour and arrow labelled"),
    ("zhixing-auto", "intersection-trajectories", "t", 4, "u", "CC-BY-4.0", "trajectory_prediction", "time_series,video", "bounding_box", "semi_automatic", "transport", "CSV,MP4", "", "130602",
     "路口行人与非机动车轨迹数据集", "路侧高位摄像头拍摄的信号控制路口视频及跟踪得到的轨迹序列",
     "Pedestrian and cyclist trajectories at intersections", "Roadside camera video of signalised intersections with the tracked trajectories of road users"),
    ("zhixing-auto", "trajectory-prediction-bench", "b", 3, "c", "CC-BY-NC-4.0", "trajectory_prediction", "time_series", "none", "automatic", "transport", "CSV,JSON", "minADE,minFDE,MR", "",
     "城市路口轨迹预测基准", "以3秒历史轨迹预测未来5秒，场景涵盖无保护左转和行人过街",
     "Urban intersection trajectory prediction benchmark", "Predict 5 s of future motion from 3 s of history, including unprotected left turns and pedestrian crossings"),
    ("zhixing-auto", "parking-slot-detection", "t", 4, "u", "Apache-2.0", "object_detection", "image", "keypoint", "manual", "transport", "JPEG,JSON", "", "",
     "自动泊车车位检测数据集", "鱼眼环视拼接图像，标注车位角点和入口方向",
     "Parking-slot detection for automated parking", "Stitched fisheye surround-view images with parking-slot corners and entry direction labelled"),
    ("shengyun-speech", "mandarin-read-speech", "t", 5, "u", "CC-BY-4.0", "speech_recognition", "audio,text", "transcription", "manual", "science", "WAV,TXT", "", "-",
     "普通话朗读语音语料库", "800名发音人在安静环境下朗读新闻和日常用语，16kHz采样并逐句转写",
     "Mandarin read-speech corpus", "800 speakers reading news and everyday sentences in quiet rooms, 16 kHz, transcribed sentence by sentence"),
    ("shengyun-speech", "baoding-dialect-speech", "t", 4, "c", "CC-BY-NC-4.0", "speech_recognition", "audio,text", "transcription", "manual", "culture_tourism,society", "WAV,TXT", "", "",
     "保定方言语音语料库", "采集自莲池区、清苑区、满城区等地的方言发音人，含自由对话与朗读两部分",
     "Baoding dialect speech corpus", "Dialect speakers from Lianchi, Qingyuan, Mancheng and other districts, with free conversation and read speech"),
    ("shengyun-speech", "hotline-asr-bench", "b", 3, "c", "proprietary", "speech_recognition", "audio", "transcription", "manual", "gov_services", "WAV,JSONL", "CER", "",
     "12345热线电话语音识别基准", "脱敏后的8kHz热线通话录音，覆盖普通话和带口音普通话",
     "12345 hotline telephone speech recognition benchmark", "De-identified 8 kHz hotline calls in standard and accented Mandarin"),
    ("shengyun-speech", "mandarin-tts-female", "t", 4, "u", "CC-BY-NC-4.0", "speech_synthesis", "audio,text", "transcription", "manual", "science", "WAV,TXT", "", "-",
     "中文女声语音合成语料", "专业录音棚录制的单一女声语料，附拼音与韵律标注",
     "Mandarin female-voice speech synthesis corpus", "Studio recordings of a single female voice with pinyin and prosody labels"),
    ("shengyun-speech", "central-hebei-dialect-asr-bench", "b", 3, "u", "CC-BY-4.0", "speech_recognition", "audio", "transcription", "manual", "culture_tourism", "WAV,JSONL", "CER,WER", "",
     "冀中方言语音识别评测集", "覆盖保定、定州和安国等地口音，用于评估方言语音识别模型",
     "Central Hebei dialect speech recognition test set", "Accents of Baoding, Dingzhou and Anguo, for evaluating dialect speech recognition"),
    ("shengyun-speech", "in-car-voice-commands", "t", 4, "u", "CC-BY-4.0", "speech_recognition,text_classification", "audio,text", "transcription", "crowdsourced", "transport", "WAV,JSONL", "", "-",
     "车载语音指令数据集", "行驶噪声下录制的导航、空调和多媒体控制指令，附意图标签",
     "In-car voice command dataset", "Navigation, climate and media commands recorded with road noise, with intent labels"),
    ("yingshi-med", "lung-nodule-ct", "t", 3, "c", "proprietary", "object_detection,image_segmentation", "image", "segmentation_mask", "manual", "health", "ZIP,JSON", "", "",
     "肺结节CT影像标注数据集", "合作医院低剂量胸部CT序列（DICOM），由两名放射科医师勾画结节并交叉复核",
     "Annotated chest CT dataset for pulmonary nodules", "Low-dose chest CT series (DICOM) from partner hospitals, nodules outlined by two radiologists; for medical imaging object detection and segmentation"),
    ("yingshi-med", "fundus-dr-grading", "t", 4, "c", "proprietary", "image_classification", "image", "class_label", "manual", "health", "JPEG,CSV", "", "",
     "眼底彩照糖尿病视网膜病变分级数据集", "社区筛查采集的眼底图像，按国际五级标准分级",
     "Colour fundus photographs graded for diabetic retinopathy", "Fundus photographs from community screening graded on the international five-level scale; a medical imaging classification set"),
    ("yingshi-med", "fundus-lesion-bench", "b", 3, "u", "CC-BY-NC-4.0", "object_detection", "image", "bounding_box", "manual", "health", "JPEG,JSON", "mAP@0.5,AUC", "",
     "眼底图像病变检测基准", "标注微动脉瘤、出血和硬性渗出等病灶",
     "Fundus lesion detection benchmark", "Microaneurysms, haemorrhages and hard exudates boxed in fundus images: a medical imaging object detection benchmark"),
    ("yingshi-med", "chest-xray-multilabel", "t", 4, "n", "proprietary", "image_classification", "image", "class_label", "semi_automatic", "health", "PNG,CSV", "", "",
     "胸部X光片多病种分类数据集", "从放射报告中抽取14类征象标签并经医师抽检",
     "Chest X-ray multi-label dataset", "Fourteen findings extracted from radiology reports and spot-checked by physicians; medical imaging data kept inside the hospital"),
    ("yingshi-med", "breast-pathology-segmentation", "t", 3, "c", "proprietary", "image_segmentation", "image", "polygon", "manual", "health", "PNG,JSON", "", "",
     "乳腺病理切片区域分割数据集", "全切片图像切块后由病理医师勾画肿瘤、间质和淋巴细胞区域",
     "Breast pathology slide segmentation", "Whole-slide image tiles with tumour, stroma and lymphocyte regions drawn by pathologists (medical imaging)"),
    ("yingshi-med", "thyroid-ultrasound-bench", "b", 3, "c", "CC-BY-NC-4.0", "image_segmentation", "image", "segmentation_mask", "manual", "health", "PNG", "Dice,IoU", "",
     "甲状腺超声结节分割基准", "多品牌超声设备采集，测试集按设备型号分层",
     "Thyroid ultrasound nodule segmentation benchmark", "Images from several ultrasound vendors, test split stratified by device; a medical imaging segmentation benchmark"),
    ("shubiao-data", "vat-invoice-ocr", "t", 4, "c", "CC-BY-NC-4.0", "ocr", "image,text", "bounding_box", "manual", "finance", "JPEG,JSON", "", "-",
     "增值税发票文字识别数据集", "扫描和拍照的增值税发票（已去除真实纳税人信息），标注文字行位置、内容与关键字段",
     "VAT invoice OCR dataset", "Scanned and photographed VAT invoices with real taxpayer data removed; text lines, contents and key fields labelled"),
    ("shubiao-data", "gov-service-qa", "t", 4, "u", "CC-BY-4.0", "question_answering", "text", "qa_pair", "manual", "gov_services", "JSONL", "", "",
     "政务服务问答语料", "依据保定市政务服务事项办事指南整理的群众常见问题与标准答复",
     "Government-service question-answer corpus", "Common citizen questions with answers written from the city's service guides"),
    ("shubiao-data", "chinese-news-ner", "t", 4, "u", "CC-BY-4.0", "ner", "text", "entity_span", "manual", "science", "JSONL", "", "-",
     "中文新闻命名实体识别语料", "地方新闻稿件标注人名、地名、机构名和时间等实体",
     "Chinese news named entity recognition corpus", "Local news articles with persons, places, organisations and dates labelled"),
    ("shubiao-data", "retail-shelf-products", "t", 5, "c", "CC-BY-NC-4.0", "object_detection", "image", "bounding_box", "crowdsourced", "economy", "JPEG,JSON", "", "",
     "商超货架商品检测数据集", "连锁超市货架照片，标注商品位置和品类",
     "Supermarket shelf product detection", "Shelf photos from chain supermarkets with products boxed and classified, for object detection"),
    ("shubiao-data", "document-layout-bench", "b", 3, "u", "CC-BY-4.0", "object_detection", "image", "bounding_box", "manual", "gov_services", "PNG,JSON", "mAP@0.5:0.95", "-",
     "中文文档版面分析基准", "公文、报表和说明书页面，标注标题、段落、表格、印章等版面元素",
     "Chinese document layout analysis benchmark", "Pages of official documents, reports and manuals with titles, paragraphs, tables and seals boxed"),
    ("shubiao-data", "street-scene-segmentation", "t", 4, "c", "CC-BY-NC-4.0", "image_segmentation", "image", "segmentation_mask", "manual", "transport,urban", "PNG", "", "",
     "城市街景语义分割数据集", "保定主城区街景图像，按道路、人行道、建筑、植被等19类逐像素标注",
     "Urban street-scene semantic segmentation", "Street views of central Baoding labelled pixel by pixel in 19 classes such as road, sidewalk, building and vegetation"),
    ("shubiao-data", "ecommerce-review-sentiment", "t", 5, "u", "CC-BY-4.0", "text_classification", "text", "class_label", "crowdsourced", "economy", "JSONL", "", "-",
     "电商评论情感分类语料", "本地特色商品网店评论，标注正面、负面、中性情感",
     "E-commerce review sentiment corpus", "Reviews of local products sold online labelled positive, negative or neutral"),
    ("shubiao-data", "handwritten-form-ocr", "t", 4, "c", "CC-BY-NC-4.0", "ocr", "image", "bounding_box", "manual", "gov_services", "JPEG,JSON", "", "-",
     "手写体表单识别数据集", "模拟填写的政务申请表单，标注手写字段位置和文字内容",
     "Handwritten form OCR dataset", "Mock government application forms filled in by hand, with field boxes and transcriptions"),
    ("jingjian-vision", "steel-strip-surface-defects", "t", 4, "u", "CC-BY-4.0", "object_detection", "image", "bounding_box", "manual", "manufacturing", "PNG,JSON", "", "",
     "带钢表面缺陷检测数据集", "产线线阵相机采集，标注划伤、辊印、氧化皮等六类缺陷",
     "Steel strip surface defect detection", "Line-scan camera images with six defect types such as scratches, roll marks and scale, boxed for object detection"),
    ("jingjian-vision", "pcb-solder-defects", "t", 4, "c", "CC-BY-NC-4.0", "object_detection", "image", "bounding_box", "manual", "manufacturing", "JPEG,JSON", "", "",
     "PCB板焊点缺陷检测数据集", "自动光学检测设备图像，标注虚焊、连锡、漏焊等缺陷",
     "PCB solder joint defect detection", "AOI images with cold joints, bridges and missing solder boxed"),
    ("jingjian-vision", "auto-parts-defect-bench", "b", 3, "u", "CC-BY-4.0", "object_detection", "image", "bounding_box", "manual", "manufacturing", "JPEG,JSON", "mAP@0.5,Recall", "",
     "汽车零部件外观缺陷检测基准", "铸件、冲压件和塑料件的外观缺陷，测试集包含少样本类别",
     "Automotive parts visual defect detection benchmark", "Surface defects on castings, stampings and plastic parts; the test split includes few-shot classes"),
    ("jingjian-vision", "pv-cell-el-defects", "t", 4, "u", "CC-BY-4.0", "object_detection,image_classification", "image", "bounding_box", "semi_automatic", "manufacturing,energy", "PNG,JSON", "", "",
     "光伏电池片EL缺陷数据集", "组件EL检测图像，标注隐裂、断栅、黑片等缺陷",
     "Photovoltaic cell electroluminescence defects", "Electroluminescence images of PV cells with micro-cracks, broken fingers and dark cells boxed"),
    ("jingjian-vision", "gaoyang-fabric-defects", "t", 4, "u", "CC-BY-4.0", "object_detection", "image", "bounding_box", "manual", "manufacturing", "JPEG,JSON", "", "130628",
     "纺织面料瑕疵检测数据集", "高阳县纺织企业验布机图像，标注断经、纬缩、破洞、油污等瑕疵",
     "Fabric defect detection images", "Cloth-inspection images from textile mills in Gaoyang County with broken ends, weft kinks, holes and stains boxed"),
    ("jingjian-vision", "bearing-vibration-anomalies", "t", 4, "u", "Apache-2.0", "anomaly_detection", "time_series", "class_label", "automatic", "manufacturing", "CSV,Parquet", "", "",
     "电机轴承振动异常检测数据集", "加速度传感器采集的电机轴承振动信号，含内圈、外圈和滚动体故障",
     "Motor bearing vibration anomaly detection", "Accelerometer signals of motor bearings with inner-race, outer-race and rolling-element faults"),
    ("zhili-tech", "baoding-traffic-flow-bench", "b", 4, "u", "CC-BY-4.0", "time_series_forecasting", "time_series,geospatial", "none", "automatic", "transport", "CSV,Parquet", "MAE,RMSE,MAPE", "",
     "保定市路网交通流量预测基准", "主城区300余个检测器5分钟粒度流量数据及路网拓扑",
     "Baoding road network traffic flow forecasting benchmark", "Five-minute flows from over 300 detectors in central Baoding with the road-network graph"),
    ("zhili-tech", "gov-document-summaries", "t", 4, "u", "CC-BY-4.0", "summarization", "text", "parallel_text", "manual", "gov_services", "JSONL", "", "",
     "政府公文摘要语料", "公开政策文件与人工撰写的摘要对",
     "Government document summarisation corpus", "Public policy documents paired with summaries written by annotators"),
    ("zhili-tech", "gov-zh-en-translation-bench", "b", 3, "u", "CC-BY-4.0", "translation", "text", "parallel_text", "manual", "gov_services", "JSONL", "BLEU,chrF", "-",
     "政务文本中英翻译评测集", "政府工作报告和办事指南句对，由专业译员翻译并审校",
     "Chinese-English government text translation test set", "Sentences from government work reports and service guides translated and reviewed by professional translators"),
    ("zhili-tech", "building-facade-damage", "t", 3, "u", "CC-BY-NC-4.0", "object_detection", "image", "bounding_box", "manual", "urban", "JPEG,JSON", "", "",
     "建筑外立面损伤检测图像", "无人机拍摄的老旧小区外立面，标注裂缝、空鼓和脱落",
     "Building facade damage detection images", "Drone photos of old residential facades with cracks, hollowing and spalling boxed for object detection"),
    ("zhili-tech", "bus-ridership-forecast-bench", "b", 4, "c", "CC-BY-4.0", "time_series_forecasting", "time_series,tabular", "none", "automatic", "transport", "CSV", "MAE,RMSE", "",
     "公交客流预测基准", "基于公交刷卡数据汇总的站点小时客流",
     "Bus passenger flow forecasting benchmark", "Hourly boardings per stop aggregated from bus card transactions"),
    ("taihang-agri", "wheat-pest-disease-images", "t", 4, "u", "CC-BY-4.0", "object_detection,image_classification", "image", "bounding_box", "manual", "agriculture", "JPEG,JSON", "", "",
     "小麦病虫害图像数据集", "试验田和农户田块拍摄，标注条锈病、白粉病、蚜虫等病虫害",
     "Wheat pest and disease images", "Field photos with stripe rust, powdery mildew and aphids boxed"),
    ("taihang-agri", "maize-leaf-disease-segmentation", "t", 3, "u", "CC-BY-4.0", "image_segmentation", "image", "polygon", "manual", "agriculture", "JPEG,JSON", "", "",
     "玉米叶部病害分割数据集", "大斑病、小斑病和灰斑病叶片图像，多边形勾画病斑",
     "Maize leaf disease segmentation", "Leaves with northern and southern leaf blight and grey leaf spot, lesions outlined as polygons"),
    ("taihang-agri", "agri-pest-detection-bench", "b", 3, "u", "CC-BY-4.0", "object_detection", "image", "bounding_box", "manual", "agriculture", "JPEG,JSON", "mAP@0.5,F1", "",
     "农业害虫检测基准", "诱虫灯图像中的24类常见害虫，小目标占比高",
     "Agricultural pest detection benchmark", "24 common pests in light-trap images, many of them small objects"),
    ("taihang-agri", "county-crop-yield", "t", 3, "u", "CC-BY-4.0", "tabular_regression,time_series_forecasting", "tabular,geospatial", "none", "automatic", "agriculture", "CSV", "", "",
     "县域主要农作物产量预测数据", "各县（市、区）多年小麦、玉米单产与气象、土壤指标",
     "County-level crop yield forecasting data", "Wheat and maize yields by county over many years with weather and soil indicators"),
    ("taihang-agri", "anguo-herbal-slices", "t", 4, "u", "CC-BY-NC-4.0", "image_classification", "image", "class_label", "manual", "agriculture,health", "JPEG,CSV", "", "130683",
     "安国中药材饮片图像分类数据集", "在安国药市拍摄的300种中药饮片图像",
     "Chinese herbal medicine slice classification images", "Photos of 300 kinds of herbal slices taken at the Anguo herb market"),
    ("taihang-agri", "pig-behaviour-video", "t", 3, "c", "CC-BY-NC-4.0", "object_detection", "video", "bounding_box", "semi_automatic", "agriculture", "MP4,JSON", "", "",
     "生猪养殖行为视频数据集", "规模猪场监控视频，标注个体位置及采食、躺卧、打斗行为",
     "Pig behaviour video dataset", "Barn surveillance video with each pig boxed and feeding, lying and fighting labelled"),
    ("jingnan-ai", "gov-llm-qa-bench", "b", 3, "u", "CC-BY-4.0", "question_answering,text_generation", "text", "qa_pair", "manual", "gov_services", "JSONL", "Accuracy,F1,ROUGE-L", "",
     "政务大模型问答评测基准", "覆盖社保、户籍、企业开办等高频事项，由业务人员审核标准答案",
     "Government-service LLM question answering benchmark", "Frequent questions on social insurance, household registration and company set-up, answers checked by civil servants"),
    ("jingnan-ai", "policy-document-ner", "t", 4, "u", "CC-BY-4.0", "ner", "text", "entity_span", "manual", "gov_services,economy", "JSONL", "", "",
     "政策文件实体识别语料", "惠企政策文件中的政策主体、支持对象、金额和期限等实体",
     "Policy document named entity corpus", "Issuers, beneficiaries, amounts and deadlines labelled in business-support policies"),
    ("jingnan-ai", "doctor-patient-dialogues", "t", 4, "c", "proprietary", "text_generation,question_answering", "text", "qa_pair", "manual", "health", "JSONL", "", "",
     "医患对话文本语料", "互联网医院问诊记录经脱敏处理后的多轮对话",
     "Doctor-patient dialogue corpus", "De-identified multi-turn consultations from an online hospital"),
    ("jingnan-ai", "emr-ner-bench", "b", 3, "c", "CC-BY-NC-4.0", "ner", "text", "entity_span", "manual", "health", "JSONL", "F1", "",
     "中文电子病历实体识别基准", "标注疾病、症状、检查、药物和手术等实体",
     "Chinese electronic medical record NER benchmark", "Diseases, symptoms, tests, drugs and procedures labelled in medical records"),
    ("jingnan-ai", "baoding-tourism-image-text", "t", 4, "u", "CC-BY-4.0", "text_generation,image_classification", "multimodal,image,text", "class_label", "semi_automatic", "culture_tourism", "JPEG,JSONL", "", "",
     "保定文旅图文多模态数据集", "直隶总督署、古莲花池、白洋淀等景点图片及中文描述",
     "Baoding culture and tourism image-text dataset", "Photos of the Zhili Governor's Office, the Ancient Lotus Pond, Baiyangdian and other sights with Chinese captions"),
    ("jingnan-ai", "hotline-ticket-classification-bench", "b", 4, "c", "proprietary", "text_classification", "text", "class_label", "manual", "gov_services", "JSONL", "Macro-F1,Accuracy", "",
     "12345诉求工单分类基准", "脱敏工单文本按承办部门和诉求类型两级分类",
     "12345 hotline ticket classification benchmark", "De-identified tickets classified by responsible department and request type"),
    ("dianqi-institute", "transformer-dga", "t", 4, "u", "CC-BY-4.0", "anomaly_detection,tabular_classification", "time_series,tabular", "class_label", "manual", "energy", "CSV", "", "",
     "变压器油中溶解气体监测数据集", "在线监测装置记录的氢气、乙炔等七种气体浓度及故障诊断结论",
     "Transformer dissolved gas analysis dataset", "Seven dissolved gases such as hydrogen and acetylene from online monitors, with fault diagnoses"),
    ("dianqi-institute", "baoding-grid-load", "t", 5, "c", "CC-BY-NC-4.0", "time_series_forecasting", "time_series", "none", "automatic", "energy", "CSV,Parquet", "", "",
     "保定电网负荷预测数据集", "分区15分钟负荷曲线及同期气温、节假日信息",
     "Baoding grid load forecasting dataset", "Fifteen-minute load curves by area with temperature and holiday data"),
    ("dianqi-institute", "partial-discharge-bench", "b", 3, "u", "CC-BY-4.0", "image_classification", "image,time_series", "class_label", "manual", "energy", "PNG,CSV", "Accuracy,Macro-F1", "-",
     "局部放电图谱识别基准", "实验室模拟的尖端、气隙、沿面和悬浮放电PRPD图谱",
     "Partial discharge pattern recognition benchmark", "PRPD patterns of corona, void, surface and floating discharges produced in the lab"),
    ("dianqi-institute", "distributed-pv-power", "t", 5, "u", "CC-BY-4.0", "time_series_forecasting", "time_series", "none", "automatic", "energy", "CSV", "", "",
     "分布式光伏发电功率预测数据集", "屋顶光伏电站功率与辐照度、云量等气象数据",
     "Distributed photovoltaic power forecasting dataset", "Output of rooftop PV plants with irradiance, cloud cover and other weather data"),
    ("shugang-exchange", "sme-credit-features", "t", 4, "c", "proprietary", "tabular_classification", "tabular", "class_label", "automatic", "finance", "CSV,Parquet", "", "",
     "中小企业信用评估脱敏特征数据集", "融合纳税、社保、水电等公共数据形成的企业经营特征，仅在数据沙箱中提供",
     "De-identified SME credit assessment features", "Business features derived from tax, social insurance and utility data; available only in the data sandbox"),
    ("shugang-exchange", "business-district-footfall", "t", 4, "c", "proprietary", "time_series_forecasting", "time_series,tabular", "none", "automatic", "economy,finance", "Parquet", "", "",
     "商圈客流与消费时序数据", "重点商圈按小时汇总的客流与消费金额指数",
     "Business district footfall and spending time series", "Hourly footfall and spending indices for major business districts"),
    ("shugang-exchange", "micro-loan-default-bench", "b", 3, "n", "proprietary", "tabular_classification", "tabular", "class_label", "automatic", "finance", "CSV", "AUC,KS", "",
     "小微企业贷款违约预测基准", "合作银行提供的脱敏贷款样本",
     "Micro-enterprise loan default prediction benchmark", "De-identified loan records from partner banks"),
    ("hengzhun-testing", "e-license-ocr-bench", "b", 3, "c", "CC-BY-4.0", "ocr", "image", "bounding_box", "manual", "gov_services", "JPEG,JSON", "CER,F1", "-",
     "电子证照文字识别评测集", "营业执照、许可证等样式的合成证照图像，含倾斜、反光和遮挡",
     "Electronic licence OCR test set", "Synthetic licence and permit images with skew, glare and occlusion"),
    ("hengzhun-testing", "industrial-defect-test-suite", "b", 3, "u", "CC-BY-4.0", "object_detection", "image", "bounding_box", "manual", "manufacturing", "PNG,JSON", "mAP@0.5,F1", "-",
     "工业视觉缺陷检测通用评测集", "金属、纺织、电子三大类产品的缺陷图像，用于第三方评测",
     "General industrial visual defect detection test suite", "Defect images of metal, textile and electronic products for independent object detection testing"),
    ("hengzhun-testing", "noisy-asr-robustness-bench", "b", 3, "u", "CC-BY-4.0", "speech_recognition", "audio", "transcription", "manual", "science", "WAV,JSONL", "CER", "-",
     "噪声环境语音识别鲁棒性评测集", "在街道、车内和大厅等噪声条件下重新录制的标准语句",
     "Speech recognition robustness test set under noise", "Standard sentences re-recorded in street, car and hall noise"),
]

UNIT = {"image": ("张图像", "images"), "video": ("段视频", "video clips"),
        "audio": ("条语音", "utterances"), "text": ("条文本", "texts"),
        "point_cloud": ("帧点云", "point-cloud frames"), "time_series": ("条时序记录", "records"),
        "tabular": ("条记录", "records"), "multimodal": ("组图文样本", "image-text pairs"),
        "geospatial": ("条记录", "records")}
SAMPLE_BYTES = {"image": 350_000, "video": 40_000_000, "audio": 250_000, "text": 1_500,
                "point_cloud": 2_500_000, "time_series": 2_000, "tabular": 400,
                "multimodal": 400_000, "geospatial": 1_000}
SPLIT_ZH = {"train": "训练集", "validation": "验证集", "test": "测试集"}
OPEN_CONDITIONS = [
    "申请人须为依法登记的法人或其他组织，提交数据使用申请并签署数据安全承诺书。",
    "仅通过接口方式提供，需申请接口密钥并遵守调用频次限制。",
    "需说明数据用途和使用期限，经数据提供部门审核同意后开放。",
    "部分字段已脱敏，需在平台数据沙箱中分析使用，结果经审核后导出。",
]
PARTNER_CONDITIONS = [
    "需通过保定数港数据交易中心提交使用申请并签署数据使用协议，仅限科研用途。",
    "仅限在保定市公共数据开放平台数据沙箱内使用，结果数据经审核后导出。",
    "需签署保密协议并说明具体用途，商业使用需另行取得授权。",
]
# What the main fields of an open-list record are, by words in its subject; the first match wins.
FIELDS = [
    (("处罚",), "处罚决定书文号、行政相对人名称、违法行为类型、处罚依据、处罚结果、处罚机关、决定日期",
     "decision number, party, violation, legal basis, penalty, authority, date"),
    (("统计", "公报", "年鉴", "指数", "总额", "收入", "情况"), "统计期、区县、指标名称、指标值、计量单位",
     "period, district, indicator, value, unit"),
    (("价格", "标准"), "品名或项目、规格、计量单位、价格或标准、执行日期",
     "item, specification, unit, price or rate, effective date"),
    (("驾驶人", "档案", "学籍", "缴费", "结算"), "个人身份信息、业务类型、业务日期、金额或状态、经办机构",
     "personal identifiers, transaction type, date, amount or status, handling office"),
    (("许可", "审批", "资质", "注册", "登记", "认定", "备案"),
     "决定文书号、行政相对人名称、统一社会信用代码、事项名称、决定日期、有效期至、决定机关",
     "decision number, party, credit code, matter, decision date, valid until, authority"),
    (("实时", "日报", "月报", "监测", "预报", "观测", "路况", "预警"),
     "监测点位、监测时间、监测项目、监测值、单位", "station, time, parameter, value, unit"),
    (("岗位",), "岗位名称、招聘单位、工作地点、薪资范围、学历要求、发布日期",
     "job title, employer, workplace, salary range, education required, posting date"),
    (("线路", "班线"), "线路名称、起点站、终点站、途经站点、首末班时间、票价",
     "route, first stop, last stop, stops served, first and last service, fare"),
    (("管制",), "管制路段、管制类型、起止时间、绕行建议", "road section, type of control, period, detour"),
    (("事项",), "事项名称、事项编码、实施主体、办理时限、办理地点、申请材料",
     "item, item code, responsible body, time limit, where to apply, documents required"),
    (("目录",), "序号、名称、编码、类别、主管部门、备注", "number, name, code, category, competent body, notes"),
    ((), "名称、地址、所属区县、联系电话、经度、纬度", "name, address, district, telephone, longitude, latitude"),
]
NOT_OPEN = {"s": "涉及国家安全和公共安全，依法不予开放。", "n": "涉及个人隐私，依法不予开放。",
            "": "涉及商业秘密，暂不开放，仅公开目录信息。"}
# fmt: on

DISTRICTS = [code for code in vocab.BAODING_REGIONS if code != CITY]
TABLE_FORMATS = ["CSV", "XLSX", "JSON", "XML"]
SHOWCASE = ("transport", "health", "education", "culture_tourism", "environment")
TABLE_MODES = ("download",) * 7 + ("online_view",) * 2 + ("api",)
MEDICAL_CONDITIONS = "数据已脱敏，仅向通过伦理审查的科研项目提供，需在数据沙箱内使用。"
Subject = namedtuple("Subject", "zh en keywords themes freq mag flags")
AiRow = namedtuple(
    "AiRow",
    "org name kind mag access license tasks modalities annotation method themes formats metrics "
    "region title note title_en note_en",
)


def _lc(text: str) -> str:
    """Lower-case the first letter unless the word is an acronym (OCR stays OCR)."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def _credit_code(rng: random.Random, prefix: str, region: str) -> str:
    """A unified social credit code (GB 32100) with a valid check character."""
    if prefix in ("11", "12"):  # government bodies, public institutions
        body = ("00" if prefix == "11" else "40") + str(rng.randint(1_000_000, 9_999_999))
    else:  # enterprises (91), social organisations (51)
        body = ("MA0" if prefix == "91" else "MJ0") + "".join(rng.choices(_CODE_CHARS, k=6))
    first17 = prefix + region + body
    return first17 + credit_code_check_char(first17)


def _organizations(rng: random.Random) -> list[dict]:
    orgs = []
    for name, _code, title, title_en, themes, office in DEPARTMENTS:
        abbr, codes = name.removeprefix("bd-"), themes.split(",")
        labels = "、".join(vocab.THEMES[t][0] for t in codes)
        labels_en = " and ".join(_lc(vocab.THEMES[t][1]) for t in codes)
        orgs.append({
            "name": name, "title": title, "title_en": title_en, "org_type": "government",
            "credit_code": _credit_code(rng, "11", CITY),
            "description": f"{title}在保定市公共数据开放平台发布{labels}领域的公共数据资源，"
            "负责本部门开放数据的更新与答疑。",
            "description_en": f"The {title_en} publishes open data on {labels_en} through the "
            "Baoding public data platform and answers questions about it.",
            "homepage": f"https://{abbr}.baoding.example/", "contact_name": office,
            "contact_email": f"data-{abbr}@baoding.example", "region": CITY,
            "fields_of_data": codes, "partner_status": None,
        })  # fmt: skip
    for name, org_type, prefix, region, title, title_en, domain, themes, *more in PARTNERS:
        status, contact, about, about_en = more
        orgs.append({
            "name": name, "title": title, "title_en": title_en, "org_type": org_type,
            "credit_code": _credit_code(rng, prefix, region), "description": about,
            "description_en": about_en, "homepage": f"https://www.{domain}/",
            "contact_name": contact, "contact_email": f"data@{domain}", "region": region,
            "fields_of_data": themes.split(","), "partner_status": status,
        })  # fmt: skip
    for org in orgs:
        org["contact_phone"] = f"0312-{rng.randint(2_000_000, 5_999_999)}"
    return orgs


def _dates(rng: random.Random, earliest: date, within: int = 9999) -> tuple[str, str]:
    """An ISO issue date ``within`` days from ``earliest`` and a later modification time."""
    latest = min(earliest + timedelta(days=within), _LAST_DAY - timedelta(days=30))
    issued = earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
    changed = issued + timedelta(days=rng.randint(0, (_LAST_DAY - issued).days))
    at = time(rng.randint(8, 18), rng.choice((0, 15, 30, 45)))
    return issued.isoformat(), datetime.combine(changed, at).isoformat()


def _variants(rng: random.Random, subject: Subject):
    """(title, title_en, spatial, year) of each record one open-list subject yields."""
    city = f"保定市{subject.zh}"
    if "y" in subject.flags:
        first = rng.randint(2021, 2023)
        for year in range(first, first + rng.randint(2, 3)):
            yield f"{year}年{city}", f"{subject.en}, Baoding, {year}", [CITY], year
        return
    yield city, f"{subject.en}, Baoding", [CITY], None
    if "d" in subject.flags:
        for code in sorted(rng.sample(DISTRICTS, 2)):
            zh, en = vocab.BAODING_REGIONS[code]
            yield f"{zh}{subject.zh}", f"{subject.en}, {en}, Baoding", [CITY, code], None


def _dist(title, title_en, fmt, url, size=None, *, link="download_url", restricted=False) -> dict:
    out = {"title": title, "title_en": title_en, "format": fmt, "media_type": MEDIA_TYPES[fmt]}
    out |= {link: url, "restricted": restricted}
    return out if size is None else out | {"byte_size": size}


def _open_data(rng: random.Random, orgs: dict[str, dict]) -> list[dict]:
    out: list[dict] = []
    seq: Counter[tuple[str, str]] = Counter()
    for dept, code, _title, _title_en, dept_themes, _office in DEPARTMENTS:
        for subject in map(Subject._make, OPEN_LIST[dept]):
            themes = (subject.themes or dept_themes).split(",")
            domain = DOMAIN_CODE[themes[0]]
            for variant in _variants(rng, subject):
                seq[code, domain] += 1
                resource_code = f"130600{code}-{domain}-{seq[code, domain]:04d}"
                record = _open_record(rng, orgs[dept], subject, resource_code, *variant)
                record["themes"], record["domain"] = themes, vocab.THEMES[themes[0]][0]
                out.append(record)
    return out


def _open_record(rng, org, subject, code, title, title_en, spatial, year) -> dict:
    flags, frequency = subject.flags, FREQ[subject.freq]
    if "n" in flags or "s" in flags:
        access = "not_open"
    elif "c" in flags:
        access = "conditional"
    else:
        access = rng.choices(list(vocab.OPENNESS), weights=(66, 25, 9))[0]
    if access == "not_open":
        mode, formats = None, ["XLSX"]
    elif "a" in flags or frequency == "UPDATE_CONT":
        mode, formats = "api", ["API", "JSON"]
    elif "p" in flags:
        mode, formats = "download", ["PDF", "XLSX"]
    else:
        modes = ("api", "sandbox", "download") if access == "conditional" else TABLE_MODES
        mode = rng.choice(modes)
        formats = ["API", "JSON"] if mode == "api" else sorted(rng.sample(TABLE_FORMATS, 2))
    if "g" in flags and mode == "download":
        formats += ["SHP", "GeoJSON"]
    rows = rng.randint(10**subject.mag, 9 * 10**subject.mag)
    area_zh, area_en = vocab.BAODING_REGIONS[spatial[-1]]
    fields, fields_en = next((zh, en) for words, zh, en in FIELDS if _matches(subject.zh, words))
    text = [
        f"{title}由{org['title']}负责采集和维护，{vocab.FREQUENCIES[frequency][0]}更新，覆盖"
        f"{'保定市全市' if spatial[-1] == CITY else area_zh}。主要字段包括{fields}。"
    ]
    text_en = [
        f"{title_en}. Collected and maintained by the {org['title_en']}, updated "
        f"{FREQ_EN[frequency]} and covering {area_en}. Main fields: {fields_en}."
    ]
    conditions, dists = None, []
    if access == "unconditional":
        text.append("数据可免费获取，使用时请注明数据来源为保定市公共数据开放平台。")
        text_en.append("Free to use; please credit the Baoding public data platform.")
        if mode == "api":
            dists = [
                _dist(f"{title}接口", "API", "API", f"{PORTAL}/api/v1/{code}", link="access_url")
            ]
        elif mode == "online_view":
            url = f"{PORTAL}/view/{code}"
            dists = [_dist(f"{title}（在线浏览）", "Online view", "HTML", url, link="access_url")]
        for fmt in formats if mode == "download" else []:
            url = f"{PORTAL}/files/{code}.{'zip' if fmt == 'SHP' else fmt.lower()}"
            dists.append(_dist(f"{title}（{fmt}）", f"{fmt} file", fmt, url, rows * 250))
    elif access == "conditional":
        conditions = rng.choice(OPEN_CONDITIONS)
        text.append(f"**开放条件**：{conditions}")
        text_en.append("Conditionally open: apply on the platform for access.")
        url, fmt = f"{PORTAL}/apply/{code}", formats[0]
        dists = [_dist(f"{title}（申请后获取）", "On approval", fmt, url, link="access_url",
                       restricted=True)]  # fmt: skip
    else:
        conditions = NOT_OPEN["s" if "s" in flags else "n" if "n" in flags else ""]
        text.append(f"该资源列入开放目录，但{conditions}")
        text_en.append("Listed in the open-data catalogue but not open; only metadata is shown.")
    if rng.random() < 0.3:
        text.append(f"字段口径详见**[数据字典]({PORTAL}/docs/{code})**。")
    issued, modified = (
        _dates(rng, date(year + 1, 1, 10), 150) if year else _dates(rng, date(2021, 1, 1))
    )
    has_en = rng.random() >= 0.08  # a few records come without English metadata
    record = {
        "name": f"{org['name'].removeprefix('bd-')}-{code[9:].lower()}", "kind": "open_data",
        "title": title, "title_en": title_en if has_en else None, "description": "".join(text),
        "description_en": " ".join(text_en) if has_en else None, "organization": org["name"],
        "contact_name": org["contact_name"], "contact_email": org["contact_email"],
        "contact_phone": org["contact_phone"], "access_rights": access,
        "access_conditions": conditions, "issued": issued, "modified": modified,
        "license": "CC-BY-4.0" if rng.random() < 0.1 else "gov-open-1.0",
        "keywords": subject.keywords.split(",") + ([f"{year}年"] if year else []),
        "frequency": frequency, "spatial": spatial, "languages": ["zh"], "resource_code": code,
        "source_department": org["title"], "open_mode": mode, "data_formats": formats,
        "data_volume": f"{rows:,} 条", "featured": False, "distributions": dists,
    }  # fmt: skip
    if year:
        record["temporal_start"], record["temporal_end"] = f"{year}-01-01", f"{year}-12-31"
    return record


def _matches(subject: str, words: tuple[str, ...]) -> bool:
    return not words or any(word in subject for word in words)


def _ai_data(rng: random.Random, orgs: dict[str, dict]) -> list[dict]:
    return [_ai_record(rng, orgs[row.org], row) for row in map(AiRow._make, AI_DATASETS)]


def _ai_record(rng: random.Random, org: dict, row: AiRow) -> dict:
    tasks, mods = row.tasks.split(","), row.modalities.split(",")
    metrics = row.metrics.split(",") if row.metrics else []
    total = rng.randint(10**row.mag, 4 * 10**row.mag)
    if row.kind == "t":
        counts = {"train": total - total // 5, "validation": total // 10}
        counts["test"] = total - sum(counts.values())
    else:
        counts = {"validation": total // 5, "test": total - total // 5}
    access = {"u": "unconditional", "c": "conditional", "n": "not_open"}[row.access]
    annotated = row.annotation != "none"
    accuracy = round(rng.uniform(0.9, 0.995), 3) if annotated else None
    version = rng.choice(("1.0", "1.1", "1.2", "2.0", "2.1", "3.0"))
    issued, modified = _dates(rng, date(2023, 1, 1))
    unit, unit_en = UNIT[mods[0]]
    splits = "、".join(f"{SPLIT_ZH[k]}{v:,}" for k, v in counts.items())
    splits_en = ", ".join(f"{k} {v:,}" for k, v in counts.items())
    text = [f"{row.note}。共{total:,}{unit}，其中{splits}。"]
    text_en = [f"{row.note_en}. {total:,} {unit_en} ({splits_en})."]
    if annotated:
        method, kind = vocab.ANNOTATION_METHODS[row.method], vocab.ANNOTATION_TYPES[row.annotation]
        text.append(f"采用{method[0]}方式进行{kind[0]}标注，抽检准确率{accuracy:.1%}。")
        text_en.append(f"{kind[1]} annotation ({_lc(method[1])}), accuracy {accuracy:.1%}.")
    text.append(f"\n\n**适用任务**：{'、'.join(vocab.TASKS[t][0] for t in tasks)}。")
    text_en.append(f"Intended for {', '.join(_lc(vocab.TASKS[t][1]) for t in tasks)}.")
    if metrics:
        text.append(f"**评测指标**：{'、'.join(metrics)}。")
        text_en.append(f"Metrics: {', '.join(metrics)}.")
    conditions = None
    if access == "conditional":
        medical = "health" in row.themes
        conditions = MEDICAL_CONDITIONS if medical else rng.choice(PARTNER_CONDITIONS)
        text.append(f"\n\n**获取方式**：{conditions}")
    elif access == "not_open":
        conditions = "原始数据不出域，仅登记目录信息，可洽谈联合建模。"
        text.append(f"\n\n{conditions}")
    landing, year = f"{org['homepage']}datasets/{row.name}", issued[:4]
    if org["org_type"] in ("university", "research_institute"):
        key = f"{row.org.split('-')[0]}{year}{row.name.split('-')[0]}"
        citation = (
            f"@dataset{{{key},\n  title = {{{row.title_en}}},\n  author = {{{org['title_en']}}},"
            f"\n  year = {{{year}}},\n  version = {{{version}}},\n  url = {{{landing}}}\n}}"
        )
    else:
        citation = (
            f"{org['title_en'].rstrip('.')}. {row.title_en} (version {version}). {year}. {landing}"
        )
    languages = ["zh"] if {"text", "audio", "multimodal"} & set(mods) else []
    languages += ["en"] if "translation" in tasks else []
    until = date.fromisoformat(issued) - timedelta(days=30)
    since = until - timedelta(days=rng.randint(180, 900))
    size = total * SAMPLE_BYTES[mods[0]]
    return {
        "name": row.name, "kind": "training" if row.kind == "t" else "benchmark",
        "title": row.title, "title_en": row.title_en, "description": "".join(text),
        "description_en": " ".join(text_en), "organization": org["name"],
        "contact_name": org["contact_name"], "contact_email": org["contact_email"],
        "contact_phone": org["contact_phone"],
        "keywords": [vocab.TASKS[t][0] for t in tasks] + [vocab.MODALITIES[m][0] for m in mods],
        "themes": row.themes.split(","), "access_rights": access, "access_conditions": conditions,
        "license": row.license, "issued": issued, "modified": modified, "frequency": "IRREG",
        "temporal_start": since.isoformat(), "temporal_end": until.isoformat(),
        "spatial": [] if row.region == "-" else [row.region or CITY], "languages": languages,
        "version": version, "landing_page": landing, "documentation": f"{landing}/docs",
        "data_formats": row.formats.split(","), "task_categories": tasks, "modalities": mods,
        "annotation_type": row.annotation, "annotation_method": row.method if annotated else None,
        "annotation_accuracy": accuracy, "sample_counts": counts, "metrics": metrics,
        "citation": citation, "featured": False,
        "distributions": (dists := _ai_distributions(landing, row.name, version, size, access)),
        "record_sets": _record_sets(row, dists), "rai": _rai(row, tasks, access),
    }  # fmt: skip


def _hashed(dist: dict) -> dict:
    """Demo files do not exist: their content hash is a stand-in, the sha256 of the link, so
    that the Croissant export lists them as a real catalog's hashed files would be."""
    return dist | {"sha256": hashlib.sha256(dist["download_url"].encode()).hexdigest()}


def _ai_distributions(base: str, name: str, version: str, size: int, access: str) -> list[dict]:
    if access == "not_open":
        return []
    docs = _hashed(_dist("数据说明文档", "Datasheet", "PDF", f"{base}/datasheet.pdf", 850_000))
    if access == "unconditional":
        full = _dist("完整数据包", "Full archive", "ZIP", f"{base}/{name}-v{version}.zip", size)
        return [_hashed(full) | {"split": "full"}, docs]
    url = f"{base}/{name}-sample.zip"
    sample = _hashed(_dist("样例数据", "Sample", "ZIP", url, max(size // 100, 100_000)))
    full = _dist("完整数据（需申请）", "Full data (on approval)", "ZIP", f"{base}/apply", size,
                 link="access_url", restricted=True)  # fmt: skip
    return [sample, full | {"split": "full"}, docs]


# the fields of a demo dataset's records: one per modality, then those of its annotation
_MODALITY_FIELD = {
    "image": ("image", "image", "The image file"),
    "video": ("clip", "video", "The video clip"),
    "audio": ("audio", "audio", "The recording"),
    "text": ("text", "text", "The text"),
    "point_cloud": ("frame", "url", "Path of the point-cloud frame"),
    "time_series": ("value", "float", "The measured value"),
    "tabular": ("features", "text", "The record's feature values"),
    "multimodal": ("image", "image", "The image of the pair"),
    "geospatial": ("geometry", "text", "The geometry (WKT)"),
}
_ANNOTATION_FIELDS = {
    "bounding_box": [("boxes", "bounding_box", "Boxes of the objects"), ("label", "label", "Class of each box")],
    "polygon": [("polygons", "text", "Polygons of the objects"), ("label", "label", "Class of each polygon")],
    "segmentation_mask": [("mask", "image", "Segmentation mask")],
    "keypoint": [("keypoints", "text", "Keypoint coordinates")],
    "class_label": [("label", "label", "The class")],
    "entity_span": [("entities", "text", "Entity spans with their types")],
    "transcription": [("transcript", "text", "The transcription")],
    "parallel_text": [("target", "text", "The translation")],
    "qa_pair": [("question", "text", "The question"), ("answer", "text", "The checked answer")],
    "cuboid_3d": [("boxes_3d", "text", "3D boxes of the objects"), ("label", "label", "Class of each box")],
}  # fmt: skip


def _record_sets(row: AiRow, dists: list[dict]) -> list[dict]:
    files = [d for d in dists if d.get("download_url") and d["format"] == "ZIP"]
    if not files:
        return []
    first = _MODALITY_FIELD[row.modalities.split(",")[0]]
    fields = [
        {"name": "sample_id", "data_type": "text", "description": "Identifier of the sample"},
        {"name": "split", "data_type": "text", "description": "train, validation or test"},
    ]
    for name, kind, text in [first, *_ANNOTATION_FIELDS.get(row.annotation, [])]:
        if name not in {f["name"] for f in fields}:
            fields.append({"name": name, "data_type": kind, "description": text})
    return [{"name": "samples", "description": "One record per sample",
             "file": files[0]["download_url"], "fields": fields}]  # fmt: skip


def _rai(row: AiRow, tasks: list[str], access: str) -> dict:
    rai = {"dataCollection": row.note_en + ".",
           "dataUseCases": f"Intended for {', '.join(_lc(vocab.TASKS[t][1]) for t in tasks)}."}  # fmt: skip
    if access != "unconditional":
        rai["personalSensitiveInformation"] = (
            "Personal information is removed or masked; the full data is used only under the"
            " conditions of access."
        )
    return rai


def demo_records(seed: int = 7) -> tuple[list[dict], list[dict]]:
    """``(organizations, datasets)`` of the demo catalog, the same for the same ``seed``."""
    rng = random.Random(seed)
    organizations = _organizations(rng)
    by_name = {o["name"]: o for o in organizations}
    open_data, ai_data = _open_data(rng, by_name), _ai_data(rng, by_name)
    showcase = [  # city-wide, current, open records of the themes people look for first
        d for d in open_data if d["access_rights"] == "unconditional" and d["title_en"]
        and d["spatial"] == [CITY] and "temporal_start" not in d and d["themes"][0] in SHOWCASE
    ]  # fmt: skip
    for record in rng.sample(showcase, 6) + rng.sample(ai_data, 4):
        record["featured"] = True
    return organizations, open_data + ai_data
