"""Demo data: the units named in the 2020 Eco-City openness work plan, their staff and officers.

Everything is created through the real services (``unit_create``, ``leader_save``,
``membership_grant``, ``officer_name``, ``officer_confirm``), acting as the demo
Office administrator, so the audit log and notifications look as they will in use.

:func:`load_demo` is idempotent: what exists already (a unit with the same code,
an account with the same username, a unit's officer filings) is left as it is —
nothing is duplicated and a password someone changed stays changed.

People, phone numbers and addresses are invented. Staff e-mail addresses use the
reserved ``.example`` domain so that no notification of the demo reaches anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from gongkai.accounts.models import Role, User
from gongkai.accounts.permissions import is_office
from gongkai.accounts.services import account_create_office_admin, account_save
from gongkai.units.models import Leader, Unit, UnitKind
from gongkai.units.services import (
    leader_save,
    membership_grant,
    officer_confirm,
    officer_name,
    unit_create,
)

# Public on purpose: printed by `gongkai demo` and written in the README.
DEMO_PASSWORD = "gongkai-demo-2020"  # noqa: S105
OFFICE_USERNAME = "office"
STAFF_EMAIL_DOMAIN = "eco-city.example"
VIA = "demo"

POSTCODE = "300467"
OFFICE_HOURS = "工作日 上午9:00—12:00，下午13:30—17:30"

ROLE_LABELS: dict[str, str] = {
    Role.EDITOR: "编辑 / editor",
    Role.REVIEWER: "审核人 / reviewer",
    Role.DISCLOSURE_OFFICER: "政务公开工作人员 / disclosure officer",
    Role.DISCLOSURE_HEAD: "政务公开工作机构负责人 / head of the disclosure office",
    Role.UNIT_ADMIN: "单位管理员 / unit administrator",
}
OFFICE_ADMIN_LABEL = "委办管理员 / Office administrator"


# --- Units ----------------------------------------------------------------------------
# Each entry: Unit fields, plus "leaders" as (name, position, portfolio) with the
# principal leader — the unit's first interpreter — first, and for providers the
# code of the "supervisor".

DEPARTMENTS: list[dict[str, Any]] = [
    {
        "code": "WB",
        "is_office": True,
        "name_zh": "管委会办公室",
        "short_name": "委办",
        "name_en": "Office of the Administrative Committee",
        "functions": (
            "负责管委会机关日常运转，承担文电、会务、机要、档案、督查等工作。"
            "负责综合协调管委会各部门工作，组织起草管委会重要文稿。"
            "牵头负责生态城政务公开工作，组织制定年度政务公开工作要点并督促各单位落实，"
            "统筹生态城门户网站和政务新媒体建设管理。"
            "负责政府信息公开申请的受理和协调，编制发布生态城政府信息公开工作年度报告。"
            "负责建议提案办理、信访和保密工作。"
        ),
        "functions_en": (
            "Runs the administrative committee's day-to-day business and coordinates its "
            "departments; leads government openness work, the portal and new media; "
            "receives disclosure requests and publishes the annual report."
        ),
        "internal_structure": (
            "综合科：负责文电处理、会议组织、机要保密和档案管理。\n"
            "督查科：负责重点工作督查督办和建议提案办理。\n"
            "政务公开科：负责政务公开、门户网站和政务新媒体的统筹管理，受理政府信息公开申请。\n"
            "信访科：负责来信来访的受理、交办和督办。"
        ),
        "address": "中新天津生态城和畅路333号",
        "phone": "022-66706000",
        "fax": "022-66706001",
        "email": "wb@eco-city.gov.cn",
        "leaders": [
            (
                "刘洋",
                "主任",
                "主持办公室全面工作，分管综合科、政务公开科，是本单位政策解读第一解读人。",
            ),
            ("何芳", "副主任", "协助主任工作，分管督查科、信访科，负责建议提案办理。"),
            ("高峰", "副主任", "负责机要保密、档案和后勤保障工作。"),
        ],
    },
    {
        "code": "JJJ",
        "name_zh": "经济局",
        "short_name": "经济局",
        "name_en": "Economic Development Bureau",
        "functions": (
            "负责拟订生态城经济和产业发展规划、年度计划并组织实施。"
            "负责产业政策研究和招商引资，推动文化创意、互联网、节能环保等产业集聚发展。"
            "负责科技创新、工业和信息化、统计和固定资产投资管理工作。"
            "负责企业服务，落实惠企纾困政策，协调解决企业发展中的困难和问题。"
        ),
        "functions_en": (
            "Plans the Eco-City's economy and industries, attracts investment, supports "
            "innovation, compiles statistics and serves enterprises."
        ),
        "internal_structure": (
            "综合科：负责文电、会务、政务公开和内部管理。\n"
            "产业发展科：负责产业规划、产业政策和重点项目推进。\n"
            "招商服务科：负责招商引资和企业服务，落实惠企政策。\n"
            "科技统计科：负责科技创新、统计分析和固定资产投资管理。"
        ),
        "address": "中新天津生态城中天大道2018号",
        "phone": "022-66706100",
        "fax": "022-66706101",
        "email": "jjj@eco-city.gov.cn",
        "leaders": [
            ("王建国", "局长", "主持经济局全面工作，是本单位政策解读第一解读人。"),
            ("李红梅", "副局长", "分管产业发展科、科技统计科。"),
            ("张伟", "副局长", "分管招商服务科和企业服务工作。"),
        ],
    },
    {
        "code": "CZJ",
        "name_zh": "财政局",
        "short_name": "财政局",
        "name_en": "Finance Bureau",
        "functions": (
            "负责编制生态城年度财政预算、决算草案并组织执行，管理各项财政收支。"
            "负责国有资产管理、政府采购监督管理和政府债务管理。"
            "负责预决算信息公开，推动财政资金流向和使用公开透明，确保政策资金直达基层。"
            "负责财政监督检查、会计管理和预算绩效评价工作。"
        ),
        "functions_en": (
            "Prepares and executes the budget and final accounts; manages public assets, "
            "government procurement and debt; publishes budget information."
        ),
        "internal_structure": (
            "综合科：负责文电、会务、政务公开和内部管理。\n"
            "预算科：负责预决算编制、预算执行分析和绩效评价。\n"
            "国库科：负责国库集中支付和资金调度。\n"
            "政府采购科：负责政府采购监督管理。\n"
            "资产管理科：负责行政事业单位国有资产管理。"
        ),
        "address": "中新天津生态城中天大道2018号",
        "phone": "022-66706200",
        "fax": "022-66706201",
        "email": "czj@eco-city.gov.cn",
        "leaders": [
            ("陈静", "局长", "主持财政局全面工作，是本单位政策解读第一解读人。"),
            ("杨帆", "副局长", "分管预算科、国库科。"),
            ("黄磊", "副局长", "分管政府采购科、资产管理科。"),
        ],
    },
    {
        "code": "RSJ",
        "name_zh": "人力资源和社会保障局",
        "short_name": "人社局",
        "name_en": "Human Resources and Social Security Bureau",
        "functions": (
            "负责贯彻落实就业、社会保险、劳动关系和人才工作的法律法规和政策。"
            "负责促进就业创业，组织职业技能培训，开展就业援助，稳定和扩大就业。"
            "负责社会保险参保登记和待遇政策落实。"
            "负责人才引进和服务、事业单位人事管理，调解处理劳动争议，监督检查用人单位遵守劳动保障法律法规的情况。"
        ),
        "functions_en": (
            "Employment and start-up support, vocational training, social insurance, "
            "talent services, public-institution staffing, labour disputes and inspection."
        ),
        "internal_structure": (
            "综合科：负责文电、会务、政务公开和内部管理。\n"
            "就业促进科：负责就业创业服务、职业技能培训和就业援助。\n"
            "社会保险科：负责社会保险政策落实和参保服务。\n"
            "人才服务科：负责人才引进、评价和服务。\n"
            "劳动关系科：负责劳动合同、劳动争议调解和劳动保障监察。"
        ),
        "address": "中新天津生态城中成大道1666号",
        "phone": "022-66706300",
        "fax": "022-66706301",
        "email": "rsj@eco-city.gov.cn",
        "leaders": [
            ("徐涛", "局长", "主持人社局全面工作，是本单位政策解读第一解读人。"),
            ("朱丽", "副局长", "分管就业促进科、社会保险科。"),
        ],
    },
    {
        "code": "JSJ",
        "name_zh": "建设局",
        "short_name": "建设局",
        "name_en": "Construction Bureau",
        "functions": (
            "负责生态城规划建设管理，组织编制和实施城市总体规划和控制性详细规划。"
            "负责建设工程规划许可、施工许可和工程质量安全监督。"
            "负责住房保障和房地产市场管理，承担土地征收、房屋征收相关工作，依法公开征收信息。"
            "负责绿色建筑推广、市政基础设施建设和供水行业监管。"
        ),
        "functions_en": (
            "Urban planning, building permits, construction quality and safety, housing, "
            "land acquisition and housing expropriation, green building, infrastructure "
            "and water supply."
        ),
        "internal_structure": (
            "综合科：负责文电、会务、政务公开和内部管理。\n"
            "规划管理科：负责城市规划编制和建设工程规划许可。\n"
            "建设管理科：负责施工许可、工程质量安全监督和绿色建筑推广。\n"
            "住房保障科：负责住房保障和房地产市场管理。\n"
            "征收管理科：负责土地征收和房屋征收工作。"
        ),
        "address": "中新天津生态城中新大道1号",
        "phone": "022-66706400",
        "fax": "022-66706401",
        "email": "jsj@eco-city.gov.cn",
        "leaders": [
            ("马骏", "局长", "主持建设局全面工作，是本单位政策解读第一解读人。"),
            ("胡斌", "副局长", "分管规划管理科、建设管理科。"),
            ("郭晓东", "副局长", "分管住房保障科、征收管理科。"),
        ],
    },
    {
        "code": "SWJ",
        "name_zh": "商务局",
        "short_name": "商务局",
        "name_en": "Commerce Bureau",
        "functions": (
            "负责拟订生态城商务发展规划和政策，推动现代服务业和商贸流通业发展。"
            "负责外资、外贸和对外经济合作工作，落实稳外贸、稳外资政策措施。"
            "负责中新两国合作事务的联络协调和服务。"
            "负责商业网点规划和促进消费工作。"
        ),
        "functions_en": (
            "Commerce and services, foreign trade and investment, liaison for "
            "China–Singapore cooperation, retail planning and consumption."
        ),
        "internal_structure": (
            "综合科：负责文电、会务、政务公开和内部管理。\n"
            "外资外贸科：负责利用外资、对外贸易和对外经济合作。\n"
            "商贸流通科：负责商业网点规划和促进消费。\n"
            "中新合作科：负责中新合作事务的联络协调。"
        ),
        "address": "中新天津生态城中天大道2018号",
        "phone": "022-66706500",
        "fax": "022-66706501",
        "email": "swj@eco-city.gov.cn",
        "leaders": [
            ("林晓燕", "局长", "主持商务局全面工作，是本单位政策解读第一解读人。"),
            ("罗军", "副局长", "分管外资外贸科、中新合作科。"),
        ],
    },
    {
        "code": "SHJ",
        "name_zh": "社会局",
        "short_name": "社会局",
        "name_en": "Social Affairs Bureau",
        "functions": (
            "负责卫生健康、民政、文化旅游和社区建设管理工作。"
            "负责公共卫生和疫情防控，指导医疗卫生机构管理，统筹疫情信息发布和公共卫生知识普及。"
            "负责社会救助、养老服务、优抚安置和社会组织管理。"
            "负责指导社区居委会建设，规范居务公开，推动政务公开与居务公开有效衔接。"
        ),
        "functions_en": (
            "Health and epidemic control, civil affairs, social assistance, elderly care, "
            "culture and tourism; guides community committees and their disclosure."
        ),
        "internal_structure": (
            "综合科：负责文电、会务、政务公开和内部管理。\n"
            "卫生健康科：负责公共卫生、疫情防控和医疗机构管理。\n"
            "民政科：负责社会救助、养老服务和社会组织管理。\n"
            "社区建设科：负责指导社区居委会建设和居务公开。\n"
            "文化旅游科：负责公共文化服务和旅游管理。"
        ),
        "subordinate_units": "生态城社区卫生服务中心\n生态城社会福利中心",
        "address": "中新天津生态城和风路88号",
        "phone": "022-66706600",
        "fax": "022-66706601",
        "email": "shj@eco-city.gov.cn",
        "leaders": [
            ("梁志刚", "局长", "主持社会局全面工作，是本单位政策解读第一解读人。"),
            ("宋佳", "副局长", "分管卫生健康科，负责疫情防控和疫情信息发布。"),
            ("郑浩", "副局长", "分管民政科、社区建设科、文化旅游科。"),
        ],
    },
    {
        "code": "SCJ",
        "name_zh": "市场监督管理局",
        "short_name": "市场局",
        "name_en": "Market Regulation Bureau",
        "functions": (
            "负责市场主体登记注册和信用监管。"
            "负责食品、药品、特种设备安全监督管理和产品质量监督。"
            "负责价格监督检查、反不正当竞争和消费者权益保护。"
            "负责知识产权保护和标准化、计量工作，向市场主体全面公开市场监管规则和标准。"
        ),
        "functions_en": (
            "Business registration, food, drug and special-equipment safety, product "
            "quality, prices, fair competition, consumer protection, standards and metrology."
        ),
        "internal_structure": (
            "综合科：负责文电、会务、政务公开和内部管理。\n"
            "登记注册科：负责市场主体登记注册和信用监管。\n"
            "食品药品安全科：负责食品、药品安全监督管理。\n"
            "质量监管科：负责产品质量、特种设备、标准化和计量监督。\n"
            "消费者权益保护科：负责投诉举报处理和价格监督检查。"
        ),
        "address": "中新天津生态城中成大道1666号",
        "phone": "022-66706700",
        "fax": "022-66706701",
        "email": "scj@eco-city.gov.cn",
        "leaders": [
            ("谢婷", "局长", "主持市场局全面工作，是本单位政策解读第一解读人。"),
            ("韩冰", "副局长", "分管登记注册科、食品药品安全科。"),
            ("唐亮", "副局长", "分管质量监管科、消费者权益保护科。"),
        ],
    },
    {
        "code": "ZWFWB",
        "name_zh": "政务服务办公室",
        "short_name": "政务服务办",
        "name_en": "Government Services Office",
        "functions": (
            "负责生态城政务服务中心的运行管理，推进政务服务“一网通办”。"
            "负责行政审批制度改革和审批事项的集中办理。"
            "负责政务服务事项办事指南的编制和公开，落实“一次告知”制度，让办事人动态掌握办理进度。"
            "负责12345政务服务便民热线诉求的受理、转办和督办。"
        ),
        "functions_en": (
            "Runs the government service centre and online services, centralised approvals, "
            "service guides, one-time notice, progress tracking and the 12345 hotline."
        ),
        "internal_structure": (
            "综合科：负责文电、会务、政务公开和内部管理。\n"
            "审批一科：负责企业设立、投资建设类事项的审批。\n"
            "审批二科：负责社会事务类事项的审批。\n"
            "网办服务科：负责网上政务服务、办事指南和便民热线。"
        ),
        "address": "中新天津生态城中成大道1666号 政务服务中心",
        "phone": "022-66706800",
        "fax": "022-66706801",
        "email": "zwfwb@eco-city.gov.cn",
        "leaders": [
            ("冯雪", "主任", "主持政务服务办全面工作，是本单位政策解读第一解读人。"),
            ("于洪涛", "副主任", "分管审批一科、审批二科、网办服务科。"),
        ],
    },
    {
        "code": "YJJ",
        "name_zh": "应急管理局",
        "short_name": "应急局",
        "name_en": "Emergency Management Bureau",
        "functions": (
            "负责应急管理和安全生产综合监督管理工作。"
            "组织编制生态城突发事件总体应急预案和专项预案，依法公开应急预案并指导开展演练。"
            "负责防汛抗旱、防灾减灾救灾和消防工作的统筹协调。"
            "负责危险化学品安全监督管理，组织生产安全事故调查处理。"
        ),
        "functions_en": (
            "Emergency management and work safety: emergency plans and drills, flood and "
            "disaster prevention, fire safety, hazardous chemicals, accident investigation."
        ),
        "internal_structure": (
            "综合科：负责文电、会务、政务公开和内部管理。\n"
            "应急预案管理科：负责应急预案编制、公开和演练。\n"
            "安全生产监督管理科：负责安全生产和危险化学品监督管理。\n"
            "防灾减灾科：负责防汛抗旱和防灾减灾救灾工作。"
        ),
        "address": "中新天津生态城和顺路66号",
        "phone": "022-66706900",
        "fax": "022-66706901",
        "email": "yjj@eco-city.gov.cn",
        "leaders": [
            ("董明", "局长", "主持应急局全面工作，是本单位政策解读第一解读人。"),
            ("邵雅", "副局长", "分管应急预案管理科、安全生产监督管理科、防灾减灾科。"),
        ],
    },
    {
        "code": "JTJ",
        "name_zh": "教育体育局",
        "short_name": "教体局",
        "name_en": "Education and Sports Bureau",
        "functions": (
            "负责生态城教育事业发展规划和教育资源布局。"
            "负责中小学、幼儿园招生入学工作，及时公开招生政策、划片范围和录取结果。"
            "负责教师队伍建设、教育督导和教育经费管理。"
            "负责全民健身和公共体育设施管理，督促指导辖区学校建立健全信息公开制度。"
        ),
        "functions_en": (
            "Schools and kindergartens, enrolment policy and catchment areas, teachers, "
            "inspection and funding, public sports; guides schools' disclosure."
        ),
        "internal_structure": (
            "综合科：负责文电、会务、政务公开和内部管理。\n"
            "基础教育科：负责中小学、幼儿园管理和教育资源布局。\n"
            "招生考试科：负责招生入学政策的制定和公开。\n"
            "体育科：负责全民健身和公共体育设施管理。"
        ),
        "subordinate_units": "生态城教育发展中心",
        "address": "中新天津生态城和旭路276号",
        "phone": "022-66707000",
        "fax": "022-66707001",
        "email": "jtj@eco-city.gov.cn",
        "leaders": [
            ("曹晓光", "局长", "主持教体局全面工作，是本单位政策解读第一解读人。"),
            ("彭丽娟", "副局长", "分管基础教育科、招生考试科。"),
            ("蒋海波", "副局长", "分管体育科和学校安全工作。"),
        ],
    },
    {
        "code": "STHJJ",
        "name_zh": "生态环境局",
        "short_name": "生态环境局",
        "name_en": "Ecology and Environment Bureau",
        "functions": (
            "负责生态城生态环境保护规划和生态城指标体系中环境类指标的落实。"
            "负责大气、水、土壤、噪声污染防治的监督管理。"
            "负责建设项目环境影响评价审批和排污许可管理。"
            "负责生态环境监测和环境信息发布，依法查处环境违法行为。"
        ),
        "functions_en": (
            "Environmental planning and the Eco-City indicators, pollution control, "
            "impact assessment, emission permits, monitoring, public data and enforcement."
        ),
        "internal_structure": (
            "综合科：负责文电、会务、政务公开和内部管理。\n"
            "环评审批科：负责建设项目环境影响评价审批和排污许可。\n"
            "污染防治科：负责大气、水、土壤和噪声污染防治。\n"
            "监测执法科：负责环境监测、信息发布和环境执法。"
        ),
        "address": "中新天津生态城和畅路333号",
        "phone": "022-66707100",
        "fax": "022-66707101",
        "email": "sthjj@eco-city.gov.cn",
        "leaders": [
            ("袁志强", "局长", "主持生态环境局全面工作，是本单位政策解读第一解读人。"),
            ("潘静", "副局长", "分管环评审批科、污染防治科、监测执法科。"),
        ],
    },
    {
        "code": "ZCJ",
        "name_zh": "智慧城市局",
        "short_name": "智城局",
        "name_en": "Smart City Bureau",
        "functions": (
            "负责生态城智慧城市建设规划并组织实施。"
            "负责城市大脑和政务信息化项目建设，推进政务数据共享和开放。"
            "负责门户网站、政务新媒体和在线政务服务平台的技术保障和网络安全，推进门户网站支持互联网协议第6版。"
            "负责5G、物联网等新型基础设施建设的统筹推进。"
        ),
        "functions_en": (
            "Smart-city planning, the city brain and government IT, data sharing and open "
            "data, technical operation and security of the portal and online services."
        ),
        "internal_structure": (
            "综合科：负责文电、会务、政务公开和内部管理。\n"
            "智慧城市规划科：负责智慧城市规划和项目管理。\n"
            "数据资源管理科：负责政务数据共享和开放。\n"
            "网络安全科：负责政务网站、新媒体和信息系统的安全防护。"
        ),
        "address": "中新天津生态城中新大道1号",
        "phone": "022-66707200",
        "fax": "022-66707201",
        "email": "zcj@eco-city.gov.cn",
        "leaders": [
            ("钟磊", "局长", "主持智城局全面工作，是本单位政策解读第一解读人。"),
            ("田甜", "副局长", "分管数据资源管理科、网络安全科。"),
        ],
    },
    {
        "code": "CGJ",
        "name_zh": "城市管理局",
        "short_name": "城管局",
        "name_en": "Urban Management Bureau",
        "functions": (
            "负责市容环境卫生、园林绿化和城市照明的管理维护。"
            "负责供热、供气、公共交通等市政公用事业的行业监管，督促指导公用企业依法公开信息。"
            "负责生活垃圾分类和处理。"
            "负责城市管理综合行政执法工作。"
        ),
        "functions_en": (
            "Streets, sanitation, parks and lighting; supervision of heating, gas and public "
            "transport and their disclosure; waste sorting; urban management enforcement."
        ),
        "internal_structure": (
            "综合科：负责文电、会务、政务公开和内部管理。\n"
            "市容环卫科：负责市容环境卫生和生活垃圾分类。\n"
            "公用事业科：负责供热、供气和公共交通行业监管。\n"
            "园林绿化科：负责园林绿化和城市照明。"
        ),
        "subordinate_units": "生态城城市管理综合执法大队",
        "address": "中新天津生态城和顺路66号",
        "phone": "022-66707300",
        "fax": "022-66707301",
        "email": "cgj@eco-city.gov.cn",
        "leaders": [
            ("邓伟", "局长", "主持城管局全面工作，是本单位政策解读第一解读人。"),
            ("许晴", "副局长", "分管市容环卫科、园林绿化科。"),
            ("沈浩", "副局长", "分管公用事业科和综合执法工作。"),
        ],
    },
]

_COMMUNITY_FUNCTIONS = (
    "宣传宪法、法律、法规和国家政策，维护居民的合法权益。"
    "办理本居住地区居民的公共事务和公益事业，调解民间纠纷，协助维护社会治安。"
    "协助做好公共卫生、社会救助、养老服务和疫情防控等工作。"
    "向居民公开居务信息，凡属群众关心的热点问题和居委会的重大事项都向居民公开。"
)
_COMMUNITY_FUNCTIONS_EN = (
    "Residents' self-government: community affairs and services, mediation, help with "
    "public health and social assistance, and community affairs disclosure."
)
_COMMUNITY_STRUCTURE = (
    "党群服务站：负责党员服务和居民活动组织。\n"
    "综合服务站：负责社会保障、养老服务和便民服务事项代办。\n"
    "网格管理站：负责网格巡查、矛盾调解和安全隐患排查。"
)
COMMUNITY_HOURS = "周一至周六 上午8:30—12:00，下午13:30—17:30"

COMMUNITIES: list[dict[str, Any]] = [
    {
        "code": "HCSQ",
        "name_zh": "和畅社区居委会",
        "name_en": "Hechang Community Residents' Committee",
        "address": "中新天津生态城和畅路1388号 和畅社区中心",
        "phone": "022-66707601",
        "email": "hcsq@eco-city.gov.cn",
        "leaders": [
            ("秦海燕", "党委书记、居委会主任", "主持社区全面工作。"),
            ("魏东", "居委会副主任", "负责综合服务站和网格管理站工作。"),
        ],
    },
    {
        "code": "JJSQ",
        "name_zh": "季景社区居委会",
        "name_en": "Jijing Community Residents' Committee",
        "address": "中新天津生态城和风路1588号 季景社区中心",
        "phone": "022-66707602",
        "email": "jjsq@eco-city.gov.cn",
        "leaders": [
            ("吕晓红", "党委书记、居委会主任", "主持社区全面工作。"),
            ("蔡斌", "居委会副主任", "负责综合服务站和居务公开工作。"),
        ],
    },
    {
        "code": "MLSQ",
        "name_zh": "美林社区居委会",
        "name_en": "Meilin Community Residents' Committee",
        "address": "中新天津生态城和旭路1188号 美林社区中心",
        "phone": "022-66707603",
        "email": "mlsq@eco-city.gov.cn",
        "leaders": [
            ("姚丽", "党委书记、居委会主任", "主持社区全面工作。"),
            ("卢刚", "居委会副主任", "负责网格管理站和安全隐患排查工作。"),
        ],
    },
]

PROVIDERS: list[dict[str, Any]] = [
    {
        "code": "DYZX",
        "supervisor": "JTJ",
        "name_zh": "生态城第一中学",
        "name_en": "Eco-City No. 1 Middle School",
        "functions": (
            "实施初中和高中学历教育，落实国家课程方案和课程标准。"
            "按照教体局公布的招生政策和划片范围招收学生，公开招生计划、收费项目和标准。"
            "负责学生资助、校园安全和家校沟通工作。"
        ),
        "functions_en": (
            "Junior and senior secondary education; admits pupils under the published "
            "enrolment policy and publishes its fees, aid and safety information."
        ),
        "internal_structure": (
            "校长办公室：负责行政事务、信息公开和家校沟通。\n"
            "教务处：负责教学管理和学籍管理。\n"
            "德育处：负责学生管理和学生资助。"
        ),
        "address": "中新天津生态城和韵路128号",
        "office_hours": "工作日 8:00—17:00",
        "phone": "022-66707801",
        "email": "dyzx@eco-city.gov.cn",
        "leaders": [
            ("范文博", "校长", "主持学校全面工作。"),
            ("金秀英", "副校长", "分管教务处、德育处。"),
        ],
    },
    {
        "code": "STCYY",
        "supervisor": "SHJ",
        "name_zh": "生态城医院",
        "name_en": "Eco-City Hospital",
        "functions": (
            "为辖区居民提供门诊、急诊、住院等基本医疗服务和公共卫生服务。"
            "承担传染病监测报告和疫情防控相关工作。"
            "公开医疗服务项目和价格、就诊流程和投诉渠道。"
        ),
        "functions_en": (
            "Out-patient, emergency and in-patient care and public health services; "
            "infectious disease reporting; publishes services, prices and complaint channels."
        ),
        "internal_structure": (
            "院长办公室：负责行政事务和信息公开。\n"
            "医务部：负责医疗质量和医疗安全管理。\n"
            "公共卫生科：负责传染病监测报告和健康教育。"
        ),
        "address": "中新天津生态城和睦路1号",
        "office_hours": "门诊 每日8:00—17:00；急诊 24小时",
        "phone": "022-66707802",
        "email": "stcyy@eco-city.gov.cn",
        "leaders": [
            ("贺建军", "院长", "主持医院全面工作。"),
            ("龚燕", "副院长", "分管医务部、公共卫生科。"),
        ],
    },
    {
        "code": "SWGS",
        "supervisor": "JSJ",
        "name_zh": "生态城水务公司",
        "name_en": "Eco-City Water Company",
        "functions": (
            "负责生态城供水、排水和再生水设施的建设运营。"
            "保障供水水质安全，定期公开水质检测结果、水价和收费标准。"
            "负责供水报装、抢修和客户服务。"
        ),
        "functions_en": (
            "Builds and runs water supply, drainage and reclaimed water; publishes water "
            "quality, tariffs and service information."
        ),
        "internal_structure": (
            "综合部：负责行政事务和信息公开。\n"
            "运营部：负责供排水设施运营和水质管理。\n"
            "客户服务中心：负责报装、抢修和投诉处理。"
        ),
        "address": "中新天津生态城中生大道688号",
        "office_hours": "工作日 8:30—17:00；抢修 24小时",
        "phone": "022-66707803",
        "email": "swgs@eco-city.gov.cn",
        "leaders": [
            ("严志华", "总经理", "主持公司全面工作。"),
            ("史红", "副总经理", "分管运营部、客户服务中心。"),
        ],
    },
]


# --- Staff ------------------------------------------------------------------------------
# (username, full name, unit code, role). The officers come from OFFICERS below.

STAFF: list[tuple[str, str, str, str]] = [
    ("jjj-admin", "赵立新", "JJJ", Role.UNIT_ADMIN),
    ("jjj-editor", "孙悦", "JJJ", Role.EDITOR),
    ("jjj-reviewer", "周建华", "JJJ", Role.REVIEWER),
    ("czj-admin", "方志远", "CZJ", Role.UNIT_ADMIN),
    ("czj-editor", "石磊", "CZJ", Role.EDITOR),
    ("czj-reviewer", "熊丽", "CZJ", Role.REVIEWER),
    # Approves extensions and reply letters of 建设局's disclosure requests (Art. 33); its
    # disclosure officer, jsj-officer, comes from OFFICERS below.
    ("jsj-head", "钱程", "JSJ", Role.DISCLOSURE_HEAD),
]

# Disclosure officers: unit code -> (full name, position). Confirmed by the Office,
# except the units in PENDING_OFFICERS, whose filing waits for confirmation.
# 智城局 (ZCJ) and 城管局 (CGJ) have named no one, so the Office's "units without an
# officer" view has something to show.
OFFICERS: dict[str, tuple[str, str]] = {
    "WB": ("杜鹏", "政务公开科科长"),
    "JJJ": ("吴敏", "综合科科长"),
    "CZJ": ("黎娜", "综合科科长"),
    "RSJ": ("常青", "综合科副科长"),
    "JSJ": ("武涛", "综合科科长"),
    "SWJ": ("乔雨", "综合科科员"),
    "SHJ": ("贾文", "综合科科长"),
    "SCJ": ("夏雪", "综合科副科长"),
    "ZWFWB": ("段宇", "网办服务科科长"),
    "YJJ": ("雷鸣", "综合科科员"),
    "JTJ": ("汤敏", "综合科科长"),
    "STHJJ": ("尹华", "综合科科长"),
    "HCSQ": ("白雪", "居委会委员"),
    "JJSQ": ("崔凯", "居委会委员"),
    "MLSQ": ("康宁", "居委会委员"),
    "DYZX": ("毛颖", "校长办公室主任"),
    "STCYY": ("邱实", "院长办公室主任"),
    "SWGS": ("江涛", "综合部主任"),
}
PENDING_OFFICERS = frozenset({"YJJ"})


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    unit: str


@dataclass
class DemoResult:
    """What :func:`load_demo` made, and the demo sign-ins to print."""

    logins: list[DemoLogin] = field(default_factory=list)
    units_created: int = 0
    accounts_created: int = 0


def officer_username(code: str) -> str:
    return f"{code.lower()}-officer"


def _staff_email(username: str) -> str:
    return f"{username}@{STAFF_EMAIL_DOMAIN}"


def _office_admin(result: DemoResult) -> User:
    user = User.objects.filter(username=OFFICE_USERNAME).first()
    if user is None:
        user = account_create_office_admin(
            username=OFFICE_USERNAME,
            password=DEMO_PASSWORD,
            email=_staff_email(OFFICE_USERNAME),
            full_name="刘晓晨",
            via=VIA,
        )
        result.accounts_created += 1
    elif not is_office(user):
        raise ValueError(
            f"账号 {OFFICE_USERNAME} 已存在但不是有效的委办管理员，无法载入演示数据 / "
            f"the account {OFFICE_USERNAME} exists but is not an active Office administrator: "
            "cannot load the demo data"
        )
    return user


def _account(
    username: str, full_name: str, *, password_hash: str, by: User, result: DemoResult
) -> User:
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    user = User(
        username=username,
        full_name=full_name,
        email=_staff_email(username),
        is_staff=True,
        password=password_hash,
    )
    result.accounts_created += 1
    return account_save(account=user, by=by, via=VIA)


def _unit(
    spec: dict[str, Any],
    *,
    kind: str,
    sort_order: int,
    units: dict[str, Unit],
    by: User,
    result: DemoResult,
) -> Unit:
    existing = Unit.objects.filter(code=spec["code"]).first()
    if existing is not None:
        return existing
    data = {k: v for k, v in spec.items() if k not in {"leaders", "supervisor"}}
    data.setdefault("postcode", POSTCODE)
    data.setdefault("office_hours", OFFICE_HOURS)
    if "supervisor" in spec:
        data["supervising_unit"] = units[spec["supervisor"]]
    unit = unit_create(by=by, data={**data, "kind": kind, "sort_order": sort_order}, via=VIA)
    for order, (name, title, portfolio) in enumerate(spec["leaders"], start=1):
        leader_save(
            leader=Leader(
                unit=unit, name=name, title=title, portfolio=portfolio, sort_order=order * 10
            ),
            by=by,
            via=VIA,
        )
    result.units_created += 1
    return unit


def _units(by: User, result: DemoResult) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    groups = [
        (UnitKind.DEPARTMENT, DEPARTMENTS),
        (
            UnitKind.COMMUNITY,
            [
                {
                    **c,
                    "short_name": c["name_zh"].removesuffix("居委会"),
                    "functions": _COMMUNITY_FUNCTIONS,
                    "functions_en": _COMMUNITY_FUNCTIONS_EN,
                    "internal_structure": _COMMUNITY_STRUCTURE,
                    "office_hours": COMMUNITY_HOURS,
                }
                for c in COMMUNITIES
            ],
        ),
        (UnitKind.PROVIDER, PROVIDERS),
    ]
    for kind, specs in groups:
        for order, spec in enumerate(specs, start=1):
            units[spec["code"]] = _unit(
                spec, kind=kind, sort_order=order * 10, units=units, by=by, result=result
            )
    return units


def load_demo() -> DemoResult:
    """Create the demo units, staff and officer filings that are missing; return the sign-ins."""
    result = DemoResult()
    with transaction.atomic():
        office = _office_admin(result)
        units = _units(office, result)
        result.logins.append(
            DemoLogin(OFFICE_USERNAME, DEMO_PASSWORD, OFFICE_ADMIN_LABEL, units["WB"].name_zh)
        )
        # One hash for every demo account: the password is public, and hashing is slow.
        password_hash = make_password(DEMO_PASSWORD)
        admins: dict[str, User] = {}
        for username, full_name, code, role in STAFF:
            user = _account(
                username, full_name, password_hash=password_hash, by=office, result=result
            )
            membership_grant(user=user, unit=units[code], role=role, by=office, via=VIA)
            if role == Role.UNIT_ADMIN:
                admins[code] = user
            result.logins.append(
                DemoLogin(username, DEMO_PASSWORD, ROLE_LABELS[role], units[code].name_zh)
            )
        for code, (full_name, position) in OFFICERS.items():
            unit = units[code]
            officer = _account(
                officer_username(code),
                full_name,
                password_hash=password_hash,
                by=office,
                result=result,
            )
            if not unit.officer_filings.exists():
                # The unit names its officer (its own administrator where it has one) ...
                filing = officer_name(
                    unit=unit,
                    officer=officer,
                    position=position,
                    phone=unit.phone,
                    by=admins.get(code, office),
                    via=VIA,
                )
                # ... and the Office confirms the filing.
                if code not in PENDING_OFFICERS:
                    officer_confirm(filing=filing, by=office, via=VIA)
            result.logins.append(
                DemoLogin(
                    officer.username,
                    DEMO_PASSWORD,
                    ROLE_LABELS[Role.DISCLOSURE_OFFICER],
                    unit.name_zh,
                )
            )
    return result
