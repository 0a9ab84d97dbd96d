"""A realistic manifest of historical documents for the import benchmark (issue #3 §8).

    python bench/corpus.py --count 100000 --out /tmp/manifest.csv [--seed 1] [--bom]

Writes a CSV manifest in the format of ``gongkai import-documents``: Chinese titles and bodies
(~3 KB of UTF-8 each) built from government vocabulary, document numbers of the form
津生X发〔YYYY〕N号 written with varied brackets, 第 and leading zeros, 20 units like the demo's,
signed dates from 2010 to today, the kinds, categories, topics, attributes and validity periods
the rules require (normative documents carry a valid-until date within 5 years, or 2 for
暂行/试行), about 30% with an index number of their own, and about 10% that repeal or revise
an earlier document (named by document number, or by index number when it has one; rows are
shuffled, so some name a later row). The same seed gives the same file.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import random
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# (code, Chinese name, English name, kind, issuer abbreviation in document numbers, weight)
UNITS: list[tuple[str, str, str, str, str, int]] = [
    ("WB", "管委会办公室", "Office of the Administrative Committee", "department", "津生管办发", 8),
    ("JJJ", "经济局", "Economic Development Bureau", "department", "津生经发", 8),
    ("CZJ", "财政局", "Finance Bureau", "department", "津生财发", 7),
    (
        "RSJ",
        "人力资源和社会保障局",
        "Human Resources and Social Security Bureau",
        "department",
        "津生人社发",
        7,
    ),
    ("JSJ", "建设局", "Construction Bureau", "department", "津生建发", 7),
    ("SWJ", "商务局", "Commerce Bureau", "department", "津生商发", 5),
    ("SHJ", "社会局", "Social Affairs Bureau", "department", "津生社发", 6),
    ("SCJ", "市场监督管理局", "Market Regulation Bureau", "department", "津生市场监发", 6),
    ("ZWFWB", "政务服务办公室", "Government Services Office", "department", "津生政服发", 5),
    ("YJJ", "应急管理局", "Emergency Management Bureau", "department", "津生应急发", 5),
    ("JTJ", "教育体育局", "Education and Sports Bureau", "department", "津生教体发", 6),
    ("STHJJ", "生态环境局", "Ecology and Environment Bureau", "department", "津生环发", 6),
    ("ZCJ", "智慧城市局", "Smart City Bureau", "department", "津生智城发", 4),
    ("CGJ", "城市管理局", "City Management Bureau", "department", "津生城管发", 5),
    ("HCSQ", "和畅社区居委会", "Hechang Community Committee", "community", "津生和畅社发", 1),
    ("JJSQ", "季景社区居委会", "Jijing Community Committee", "community", "津生季景社发", 1),
    ("MLSQ", "美林社区居委会", "Meilin Community Committee", "community", "津生美林社发", 1),
    ("DYZX", "生态城第一中学", "Eco-City No. 1 Middle School", "provider", "津生一中发", 1),
    ("STCYY", "生态城医院", "Eco-City Hospital", "provider", "津生医发", 2),
    ("SWGS", "生态城水务公司", "Eco-City Water Company", "provider", "津生水务发", 2),
]

HEADER = [
    "单位代码", "联合发文单位", "标题", "文号", "索引号", "类型", "公开类别", "主题", "重点领域",
    "成文日期", "发布日期", "施行日期", "有效期至", "公开属性", "不公开理由", "理由说明", "摘要",
    "正文", "状态", "废止", "修订",
]  # fmt: skip

SUBJECTS = [
    "促进就业创业", "企业研发投入补贴", "人才引进和住房保障", "绿色建筑发展", "垃圾分类管理",
    "既有建筑节能改造", "中小学招生入学", "养老服务设施建设", "医疗保障救助", "公共租赁住房管理",
    "安全生产责任", "建设工程质量监督", "文化创意产业扶持", "跨境电子商务发展", "智慧城市建设",
    "政府采购管理", "财政专项资金管理", "行政事业性收费", "城市道路养护", "园林绿化管理",
    "水环境综合治理", "大气污染防治", "突发事件应急处置", "食品安全监督抽检", "社区网格化服务",
    "残疾人就业保障", "退役军人服务保障", "科技型中小企业培育", "节能环保产业发展",
    "新能源汽车推广应用",
    "地下管线管理", "物业服务管理", "消防安全检查", "房屋征收补偿", "集体土地征收",
]  # fmt: skip
DOC_TYPES = {
    "normative": ["管理办法", "实施办法", "暂行办法", "实施细则", "管理规定", "试行办法"],
    "policy": ["若干措施", "实施意见", "工作方案", "指导意见", "扶持政策"],
    "notice": ["工作安排", "有关事项", "申报工作", "检查结果", "专项行动"],
    "plan": ["三年行动计划", "发展规划", "专项规划", "年度工作计划"],
    "statistics": ["统计公报", "统计数据", "运行情况分析"],
    "budget": ["部门预算", "部门决算", "预算执行情况"],
    "emergency_plan": ["应急预案", "专项应急预案"],
    "other": ["工作总结", "情况通报"],
}
KINDS = [  # (kind, weight, category, topic choices)
    ("normative", 20, "01", ["general", "economy", "construction", "labour", "environment"]),
    ("policy", 25, "11", ["labour", "economy", "science", "civil"]),
    ("notice", 25, "05", ["general", "market", "commerce", "transport"]),
    ("plan", 10, "03", ["economy", "construction", "environment"]),
    ("statistics", 5, "04", ["economy", "finance"]),
    ("budget", 5, "07", ["finance"]),
    ("emergency_plan", 5, "12", ["public_security"]),
    ("other", 5, "15", ["general", "other"]),
]
KEY_AREAS = ["就业", "招生录取", "医疗医保", "环保", "征地", "房屋征收"]
GROUNDS = [
    ("依申请公开", "属于四类过程性信息", "该文件为内部研究讨论材料，属于过程性信息。"),
    ("依申请公开", "属于三类内部事务信息", "该文件涉及机关内部人事和后勤管理事项。"),
    (
        "不予公开",
        "涉及第三方商业秘密或个人隐私",
        "文件载有企业经营数据和个人信息，公开会损害其合法权益。",
    ),
]  # fmt: skip
OPENINGS = [
    "为深入贯彻落实党中央、国务院决策部署，进一步{s}，推动生态城高质量发展，",
    "为规范{s}工作，保障相关主体合法权益，提高行政管理效能，",
    "根据《中华人民共和国政府信息公开条例》和天津市有关规定，为做好{s}工作，",
    "为加快推进{s}，持续优化营商环境，增强人民群众获得感、幸福感、安全感，",
]
CLAUSES = [
    "各单位要提高思想认识，加强组织领导，明确责任分工，确保各项任务落到实处。",
    "本办法所称{s}，是指在生态城行政区域内依法开展的相关活动及其监督管理。",
    "申请人应当如实提交申请材料，并对申请材料的真实性、准确性和完整性负责。",
    "主管部门应当自受理申请之日起二十个工作日内完成审核，并将审核结果书面告知申请人。",
    "对符合条件的企业，按照实际发生费用的百分之三十给予补贴，单个企业年度补贴总额不超过五十万元。",
    "财政部门负责专项资金的预算安排和拨付，审计部门依法对资金使用情况进行审计监督。",
    "各社区居委会应当建立工作台账，定期报送工作进展情况，及时反映工作中遇到的问题。",
    "对违反本办法规定的，由主管部门责令限期改正；情节严重的，依法追究相关责任。",
    "加强政策宣传解读，通过门户网站、政务新媒体等渠道及时发布政策信息，回应社会关切。",
    "建立健全部门协调联动机制，统筹推进项目建设、资金保障、督促检查等各项工作。",
    "鼓励社会资本参与{s}，引导金融机构加大信贷支持力度，拓宽多元化投融资渠道。",
    "严格落实安全生产责任制，定期开展隐患排查治理，坚决防范和遏制重特大事故发生。",
    "强化监督考核，将{s}工作纳入年度绩效考核，对工作成效显著的单位予以通报表扬。",
    "坚持以人民为中心的发展思想，聚焦群众急难愁盼问题，切实保障和改善民生。",
    "有关单位应当依法保护申请人的商业秘密和个人隐私，不得泄露或者向他人提供。",
    "依托政务服务平台推行网上办理，实现申请、受理、审核、公示全流程线上运行。",
]
CLOSINGS = [
    "本办法由生态城{u}负责解释。",
    "本通知自印发之日起施行，有效期五年。",
    "各单位在执行中遇到的问题，请及时向{u}反映。",
]
CHAPTERS = ["第一章 总则", "第二章 职责分工", "第三章 申请与审核", "第四章 监督管理", "第五章 附则"]
NUMERALS = "一二三四五六七八九十"
BRACKETS = [
    ("〔", "〕", 70),
    ("[", "]", 8),
    ("（", "）", 8),
    ("【", "】", 6),
    ("﹝", "﹞", 4),
    ("(", ")", 4),
]
KIND_LABELS = {
    "normative": "行政规范性文件",
    "policy": "其他政策文件",
    "notice": "通知公告",
    "plan": "规划计划",
    "statistics": "统计信息",
    "budget": "预决算",
    "emergency_plan": "应急预案",
    "other": "其他",
}

FIRST_DAY = datetime.date(2010, 1, 1)
_UNIT_WEIGHTS = [u[5] for u in UNITS]
_KIND_WEIGHTS = [k[1] for k in KINDS]


@dataclass
class Doc:
    unit: str
    abbr: str
    year: int
    serial: int
    kind: str
    signed: datetime.date
    title: str
    number: str = ""
    index: str = ""
    row: dict[str, str] | None = None
    subject: str = ""


def _numeral(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    if n < 20:
        return "十" + NUMERALS[n - 11]
    return NUMERALS[n // 10 - 1] + "十" + (NUMERALS[n % 10 - 1] if n % 10 else "")


def _body(rng: random.Random, subject: str, unit_name: str, target_bytes: int = 3000) -> str:
    """Paragraphs of government prose, about ``target_bytes`` of UTF-8."""
    parts = [rng.choice(OPENINGS).format(s=subject) + "结合生态城实际，制定本办法。"]
    size = len(parts[0].encode())
    article = 1
    chapter = 0
    while size < target_bytes:
        if article % 5 == 1 and chapter < len(CHAPTERS):
            parts.append(CHAPTERS[chapter])
            chapter += 1
        clause = rng.choice(CLAUSES).format(s=subject)
        text = f"第{_numeral(article)}条 {clause}"
        parts.append(text)
        size += len(text.encode()) + 1
        article += 1
    parts.append(rng.choice(CLOSINGS).format(u=unit_name))
    return "\n".join(parts)


def _number(rng: random.Random, abbr: str, year: int, serial: int) -> str:
    opening, closing = rng.choices(
        [(o, c) for o, c, _w in BRACKETS], weights=[w for _o, _c, w in BRACKETS]
    )[0]
    di = "第" if rng.random() < 0.1 else ""
    digits = f"{serial:03d}" if rng.random() < 0.05 else str(serial)
    return f"{abbr}{opening}{year}{closing}{di}{digits}号"


def _date_between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max((end - start).days, 0)))


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _draw(
    rng: random.Random,
    today: datetime.date,
    serials: dict[tuple[str, int], int],
    index_serials: dict[tuple[str, int], int],
) -> Doc:
    """One document and its manifest row (the random draws of one row of :func:`generate`)."""
    code, name, _en, _kind, abbr, _w = rng.choices(UNITS, weights=_UNIT_WEIGHTS)[0]
    kind, _kw, category, topics = rng.choices(KINDS, weights=_KIND_WEIGHTS)[0]
    signed = _date_between(rng, FIRST_DAY, today - datetime.timedelta(days=20))
    year = signed.year
    serials[(code, year)] = serials.get((code, year), 0) + 1
    serial = serials[(code, year)]
    subject = rng.choice(SUBJECTS)
    doc_type = rng.choice(DOC_TYPES[kind])
    if kind in {"normative", "policy", "plan", "emergency_plan"}:
        title = f"关于印发《生态城{subject}{doc_type}》的通知"
    else:
        title = f"关于{subject}{doc_type}的通知"
        if rng.random() < 0.3:
            title = f"生态城{year}年{subject}{doc_type}"
    doc = Doc(code, abbr, year, serial, kind, signed, title, subject=subject)
    doc.number = _number(rng, abbr, year, serial)
    if rng.random() < 0.3:
        index_serials[(code, year)] = index_serials.get((code, year), 0) + 1
        org = 111200000 + UNITS.index(next(u for u in UNITS if u[0] == code)) * 1013
        doc.index = f"{org:09d}/{year}-{index_serials[(code, year)]:05d}"
    row = dict.fromkeys(HEADER, "")
    row.update(
        {
            "单位代码": code,
            "标题": title,
            "文号": doc.number,
            "索引号": doc.index,
            "类型": KIND_LABELS[kind],
            "公开类别": category,
            "主题": rng.choice(topics),
            "成文日期": signed.isoformat(),
        }
    )
    if rng.random() < 0.05:
        others = [u[0] for u in UNITS if u[0] != code]
        row["联合发文单位"] = "、".join(rng.sample(others, rng.randint(1, 2)))
    if rng.random() < 0.12:
        row["重点领域"] = "、".join(rng.sample(KEY_AREAS, rng.randint(1, 2)))
    if kind == "normative":
        effective = signed + datetime.timedelta(days=rng.randint(0, 30))
        years = 2 if ("暂行" in title or "试行" in title) else rng.choice([3, 5, 5])
        row["施行日期"] = effective.isoformat()
        until = _add_years(effective, years) - datetime.timedelta(days=1)
        row["有效期至"] = until.isoformat()
    draw = rng.random()
    if draw < 0.92:
        row["公开属性"] = "主动公开"
        row["状态"] = "已发布"
        published = min(signed + datetime.timedelta(days=rng.randint(1, 15)), today)
        row["发布日期"] = published.isoformat()
    else:
        attribute, ground, explanation = rng.choice(GROUNDS)
        row["公开属性"] = attribute
        row["不公开理由"] = ground
        row["理由说明"] = explanation
        row["状态"] = "草稿"
    body = _body(rng, subject, name)
    row["正文"] = body
    row["摘要"] = body.split("\n", 1)[0][:120]
    doc.row = row
    return doc


def generate(count: int, seed: int = 1, today: datetime.date | None = None) -> Iterator[dict]:
    """``count`` manifest rows (dicts keyed by the Chinese headings), deterministic per seed."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    today = today or datetime.date.today()  # noqa: DTZ011 - a local calendar date
    serials: dict[tuple[str, int], int] = {}
    index_serials: dict[tuple[str, int], int] = {}
    docs: list[Doc] = []
    for _n in range(count):
        docs.append(_draw(rng, today, serials, index_serials))
    # About 10%: a later document of the same unit repeals or revises an earlier one.
    by_unit: dict[str, list[Doc]] = {}
    for doc in sorted(docs, key=lambda d: d.signed):
        by_unit.setdefault(doc.unit, []).append(doc)
    targeted: set[int] = set()
    for unit_docs in by_unit.values():
        for position, doc in enumerate(unit_docs):
            if position < 5 or rng.random() >= 0.10:
                continue
            for _try in range(3):
                target = unit_docs[rng.randrange(0, position)]
                if id(target) not in targeted and target.signed < doc.signed:
                    break
            else:
                continue
            targeted.add(id(target))
            ref = target.index if target.index and rng.random() < 0.5 else target.number
            column = "废止" if rng.random() < 0.5 else "修订"
            assert doc.row is not None  # noqa: S101
            doc.row[column] = ref
    rng.shuffle(docs)
    for doc in docs:
        assert doc.row is not None  # noqa: S101
        yield doc.row


# --- The streaming corpus of the search benchmark (issue #4 §3) ------------------------------

# Rare words planted into a few bodies by :func:`generate_stream`: names of places, projects
# and programmes that the vocabulary above never produces (see ``search_queries.py``).
MARKERS = [
    "甘露溪公园", "静湖片区", "南堤滨海步道", "蓟运河故道", "中新友好图书馆", "动漫园创意中心",
    "国家海洋博物馆", "北部片区污水处理厂", "清净湖湿地", "光伏建筑一体化", "零碳示范楼",
    "氢燃料电池公交", "碳普惠积分", "地源热泵系统", "储能电站", "中水回用管网", "雨水花园",
    "装配式建筑构件", "无障碍坡道", "智能垃圾箱", "共享单车停放点", "社区食堂", "托育服务中心",
    "嵌入式养老机构", "家庭医生签约", "长期护理保险", "灵活就业人员", "高校毕业生见习基地",
    "首台套重大技术装备", "专精特新企业", "瞪羚企业", "知识产权质押融资", "跨境人民币结算",
    "保税维修", "数字人民币试点", "区块链电子发票", "无人驾驶测试道路", "低空经济",
    "自动驾驶巴士", "不动产登记", "电梯加装", "老旧小区改造", "燃气管道更新", "防汛物资储备库",
    "应急避难场所", "野生鸟类保护", "盐碱地改良", "土壤污染状况调查", "噪声污染防治",
    "油烟净化设施", "建筑垃圾消纳场", "餐厨垃圾处理厂", "危险废物经营许可", "夜间经济",
    "首店经济", "冷链物流", "邻里中心", "口袋公园", "绿道慢行系统", "潮汐车道",
]  # fmt: skip
PLANTED = [
    "{m}相关工作参照本办法执行。",
    "涉及{m}的事项，由主管部门另行通知。",
    "对{m}建设项目，优先纳入年度重点工作予以支持。",
]
# How many earlier documents of each unit a streamed row may repeal or revise.
HISTORY = 2000


def plant_plan(count: int, seed: int = 1) -> dict[int, list[int]]:
    """Row number → indexes into :data:`MARKERS` to plant there: marker ``i`` goes into
    ``1 + i % 5`` rows (1 to 5 documents), whatever ``count`` is. Deterministic per seed and
    independent of the corpus's own random draws."""
    rng = random.Random(f"gongkai-markers-{seed}")  # noqa: S311 - test data
    plan: dict[int, list[int]] = {}
    for i in range(len(MARKERS)):
        for row in rng.sample(range(count), min(count, 1 + i % 5)):
            plan.setdefault(row, []).append(i)
    return plan


def generate_stream(
    count: int, seed: int = 1, today: datetime.date | None = None, plant: bool = True
) -> Iterator[dict]:
    """Rows like :func:`generate`'s, streamed in bounded memory (for 1,000,000 documents).

    The same draws make each document, but rows come out in the order they are made (no
    shuffle) and a repeal or revision (about 10%) names an earlier *row* of the same unit
    signed before it (one of its last :data:`HISTORY` rows). With ``plant`` the rare words of
    :data:`MARKERS` are planted, one sentence each, into the bodies of a few *published*
    documents (the rows of :func:`plant_plan`, or the next published row after a draft), so
    the search benchmark has rare terms with known answers. Deterministic per seed; not the
    same file as :func:`generate` (the import benchmark's corpus is unchanged).
    """
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    today = today or datetime.date.today()  # noqa: DTZ011 - a local calendar date
    serials: dict[tuple[str, int], int] = {}
    index_serials: dict[tuple[str, int], int] = {}
    history: dict[str, deque[list]] = {}
    plan = plant_plan(count, seed) if plant else {}
    waiting: list[int] = []
    for n in range(count):
        doc = _draw(rng, today, serials, index_serials)
        row = doc.row
        assert row is not None  # noqa: S101
        past = history.setdefault(doc.unit, deque(maxlen=HISTORY))
        if len(past) >= 5 and rng.random() < 0.10:
            for _try in range(3):
                target = past[rng.randrange(0, len(past))]
                if not target[3] and target[0] < doc.signed:
                    target[3] = True
                    ref = target[2] if target[2] and rng.random() < 0.5 else target[1]
                    row["废止" if rng.random() < 0.5 else "修订"] = ref
                    break
        past.append([doc.signed, doc.number, doc.index, False])
        waiting.extend(plan.get(n, ()))
        if waiting and row["状态"] == "已发布":
            lines = row["正文"].split("\n")
            for i in waiting:
                lines.insert(-1, PLANTED[i % len(PLANTED)].format(m=MARKERS[i]))
            row["正文"] = "\n".join(lines)
            waiting = []
        yield row


def write_manifest(path: Path, count: int, seed: int = 1, bom: bool = False) -> Path:
    """Write the CSV manifest; returns ``path``."""
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER)
        writer.writeheader()
        for row in generate(count, seed):
            writer.writerow(row)
    return path


def write_stream_manifest(path: Path, count: int, seed: int = 1, bom: bool = False) -> Path:
    """Write the rows of :func:`generate_stream` (bounded memory); returns ``path``."""
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER)
        writer.writeheader()
        for row in generate_stream(count, seed):
            writer.writerow(row)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bom", action="store_true", help="write a UTF-8 byte order mark")
    parser.add_argument(
        "--stream",
        action="store_true",
        help="the search benchmark's corpus: streamed in bounded memory, rare words planted",
    )
    options = parser.parse_args(argv)
    if options.stream:
        write_stream_manifest(options.out, options.count, options.seed, options.bom)
    else:
        write_manifest(options.out, options.count, options.seed, options.bom)
    size = options.out.stat().st_size
    print(f"{options.count} rows, {size / 1024 / 1024:.1f} MiB: {options.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
