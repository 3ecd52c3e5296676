"""The narrative agreeing with itself across sections and annexes: restated quantities (staff,
绩效 self-evaluation totals, amounts and counts stated in two sections), carry-over continuity,
the previous year's balance, and item descriptions copied from another item (issue 8, item 2)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from shared.knowledge.subjects import COUNT_SUBJECTS, ITEM_PREFIX, Subject, Topic, subject_zh
from shared.knowledge.tables import TableKind
from shared.models import Category, Claim, Evidence, Finding, ParsedDocument, Severity
from shared.normalize import fold_text

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..derived import derived
from ..facts import summary_fact
from ..findings import SUSPECT_UNKNOWN, claim_evidence, dec_places, make_finding
from ..joined import JoinedPassages, join_passages
from ..tolerance import fmt, half_unit, interval, percent_consistent, same_value, sum_consistent
from .narrative_arith import DOWN, UP, prev_interval
from .narrative_items import domain_of, usage_names_other_domain

# --------------------------------------------------------------------------- the text, joined

_SPACE = re.compile(r"\s+")
_SENTENCE_END = "。；;！!？?"


def squash(text: str) -> str:
    """NFKC (Kangxi radicals → CJK), no whitespace: how a statement reads across line breaks."""
    return _SPACE.sub("", fold_text(text))


class JoinedText(JoinedPassages):
    """The parser's passages (every line outside table cells) squashed and joined, so a statement
    wrapped over lines (“在职人\\n员 18人”) reads as written; positions map back to passages."""

    def sentence(self, start: int, end: int, limit: int = 90) -> str:
        lo = max(self.text.rfind(ch, 0, start) for ch in _SENTENCE_END) + 1
        ends = [i for ch in _SENTENCE_END if (i := self.text.find(ch, end)) != -1]
        hi = min(ends) + 1 if ends else len(self.text)
        return self.text[max(lo, start - limit // 2) : min(hi, end + limit // 2)]

    def sentence_prefix(self, start: int) -> str:
        lo = max(self.text.rfind(ch, 0, start) for ch in "。；;") + 1
        return self.text[lo:start]

    def evidence(self, start: int, end: int) -> Evidence:
        return Evidence(quote=self.sentence(start, end), prov=self.prov_at(start))

    def after_claim(self, claim: Claim) -> int | None:
        """Position just after ``claim``'s quote, searched from the line it was read on."""
        needle = squash(claim.source.quote)
        if not needle:
            return None
        begin = 0
        line = claim.source.prov.line
        if line is not None:
            i = next((i for i, p in enumerate(self.refs) if p.prov.line == line), None)
            if i is not None:
                begin = max(self.starts[i] - len(needle), 0)
        at = self.text.find(needle, begin)
        if at == -1:
            at = self.text.find(needle)
        return None if at == -1 else at + len(needle)


def joined_text(doc: ParsedDocument) -> JoinedText:
    """The document's passages squashed and joined, built once per document."""
    return derived(doc, "joined_text", _join)


def _join(doc: ParsedDocument) -> JoinedText:
    j = join_passages(doc, squash, keep_empty=True)
    return JoinedText(j.text, j.starts, j.refs)


# --------------------------------------------------------------------------- A413 restated


@dataclass
class Statement:
    """One statement of a quantity found in the text: its key (what and in which scope), value."""

    key: str
    label: str
    value: Decimal
    places: int
    unit: str
    evidence: Evidence


_N = r"(\d+(?:\.\d+)?)"
# (key, label, pattern): staff counts of the department as a whole, and the 绩效自评 totals.
TEXT_QUANTITIES: list[tuple[str, str, re.Pattern[str]]] = [
    ("staff_quota", "编制数", re.compile(r"(?:编制数|编制人数|编制总数)(?:为|是|共)?[:：]?(\d+)[人名]")),
    ("staff_actual", "实有人数", re.compile(r"实有人数(?:为|是|共)?[:：]?(\d+)[人名]")),
    ("staff_in_service", "在职人员", re.compile(r"在职(?:人员|人数)(?:为|共)?[:：]?(\d+)[人名]")),
    ("staff_retired", "退休人员", re.compile(r"(?<![离由])退休人员(?:为)?[:：]?(\d+)[人名]")),
    ("staff_retired_all", "离退休人员", re.compile(r"离退休人员(?:为)?[:：]?(\d+)[人名]")),
    ("staff_lixiu", "离休人员", re.compile(r"离休人员(?:为)?[:：]?(\d+)[人名]")),
    ("self_eval_funds", "绩效自评涉及资金", re.compile(r"绩效自评[^。]{0,60}?共涉及资金" + _N + r"万元")),
    ("self_eval_level1", "绩效自评一级项目数", re.compile(r"绩效自评[^。]{0,30}?一级项目(\d+)个")),
    ("self_eval_level2", "绩效自评二级项目数", re.compile(r"绩效自评[^。]{0,40}?二级项目(\d+)个")),
]
# A clause about a part of the department (a subordinate unit, 本级 alone) or another time.
_OTHER_UNIT = re.compile(r"下属|所属|本级|中心|分别|各单位")
_OTHER_TIME = re.compile(r"上年|年初|上一年")
_YEAR = re.compile(r"(20\d\d)年")


def text_statements(doc: ParsedDocument, joined: JoinedText) -> list[Statement]:
    out: list[Statement] = []
    for key, label, pattern in TEXT_QUANTITIES:
        for m in pattern.finditer(joined.text):
            # the sentence's subject (下属单位…), the clause's time (2022年末, 上年)
            sentence = joined.sentence_prefix(m.start())
            prefix = re.split(r"[，,：:]", sentence)[-1]
            if key.startswith("staff") and (_OTHER_UNIT.search(sentence) or _OTHER_TIME.search(prefix)):
                continue
            years = _YEAR.findall(prefix)
            year = years[-1] if years else str(doc.year or "")
            scope = year
            if key.startswith("staff_retired"):
                tail = joined.text[m.end() : m.end() + 3]
                before = joined.text[max(m.start() - 12, 0) : m.start()]
                scope += "|excl" if tail.startswith(("（不含", "(不含")) else ""
                scope += "|pension" if "养老金的" in before or "养老保险基金" in before else ""
            raw = m.group(1)
            places = len(raw.split(".")[1]) if "." in raw else 0
            unit = "万元" if key == "self_eval_funds" else "个" if "level" in key else "人"
            out.append(
                Statement(
                    f"{key}@{scope}", label, Decimal(raw), places, unit, joined.evidence(m.start(), m.end())
                )
            )
    return out


# Amounts and counts the main sections and the overview restate with one scope wherever they appear
# (the 基本支出 section is about 财政拨款 while 支出 counts all funds: not listed here).
CROSS_TOPIC_SUBJECTS = frozenset({
    Subject.TP_TOTAL, Subject.TP_ABROAD, Subject.TP_VEHICLE, Subject.TP_VEHICLE_PURCHASE,
    Subject.TP_VEHICLE_OPERATION, Subject.TP_RECEPTION, Subject.OPERATING_FUNDS, Subject.PROC_TOTAL,
    Subject.FISCAL_GRAND_TOTAL, Subject.INCOME_EXPENDITURE_TOTAL, *COUNT_SUBJECTS,
}) - {Subject.VEHICLES_TOTAL}  # fmt: skip
CROSS_TOPICS = frozenset({
    Topic.INCOME, Topic.EXPENDITURE, Topic.FISCAL, Topic.THREE_PUBLIC, Topic.OPERATING_FUNDS,
    Topic.PROCUREMENT, Topic.ASSETS, Topic.OVERVIEW, Topic.FISCAL_OVERVIEW,
})  # fmt: skip


# 编制 sub-counts listed after a 编制数 (“编制数为19人，其中行政编制9人、全额补助事业编制10人”):
# 全额补助 and 全额拨款 are one kind; 机关工勤编制 is 工勤编制.
_QUOTA_TOTAL = re.compile(r"(?:编制数|编制人数|编制总数)(?:为|是|共)?[:：]?\d+[人名][,，;；]?其中[:：]?")
_QUOTA_PART = re.compile(r"([\u4e00-\u9fff]{0,10}?编制)(?:为|共)?(\d+)[人名]")
_QUOTA_PART_KIND = {"补助": "", "拨款": "", "机关": ""}


def quota_part_statements(doc: ParsedDocument, joined: JoinedText) -> list[Statement]:
    """Each 编制 sub-count of the department's own 编制数 (not of 实有人数, not of a subordinate unit)."""
    out: list[Statement] = []
    for total in _QUOTA_TOTAL.finditer(joined.text):
        sentence = joined.sentence_prefix(total.start())
        if _OTHER_UNIT.search(sentence) or _OTHER_TIME.search(sentence[-12:]):
            continue
        years = _YEAR.findall(sentence)
        year = years[-1] if years else str(doc.year or "")
        stop = re.search(r"[;；。]|实有", joined.text[total.end() : total.end() + 80])
        end = total.end() + (stop.start() if stop else 80)
        for m in _QUOTA_PART.finditer(joined.text, total.end(), end):
            name = re.sub(r"^[其中和及、，,]+", "", m.group(1))
            for word, repl in _QUOTA_PART_KIND.items():
                name = name.replace(word, repl)
            out.append(
                Statement(
                    f"quota_part:{name}@{year}",
                    f"编制数中的{name}",
                    Decimal(m.group(2)),
                    0,
                    "人",
                    joined.evidence(m.start(), m.end()),
                )
            )
    return out


def claim_statements(doc: ParsedDocument) -> list[Statement]:
    out = []
    for c in doc.claims:
        if (
            c.kind not in ("amount", "count")
            or c.subject not in CROSS_TOPIC_SUBJECTS
            or c.topic not in CROSS_TOPICS
        ):
            continue
        q = c.values.get("amount" if c.kind == "amount" else "count")
        if q is None:
            continue
        unit = q.unit or ("万元" if c.kind == "amount" else "")
        out.append(
            Statement(
                f"{c.subject}@{c.topic}", subject_zh(c.subject), q.value, q.places, unit, claim_evidence(c)
            )
        )
    return out


def _majority(values: list[Statement]) -> Decimal | None:
    counts: dict[Decimal, int] = {}
    for s in values:
        counts[s.value] = counts.get(s.value, 0) + 1
    best = max(counts.values())
    winners = [v for v, n in counts.items() if n == best]
    return winners[0] if len(winners) == 1 and best >= 2 else None


@rule(
    "A413",
    "restated_across_sections",
    Category.NARRATIVE_ARITHMETIC,
    Severity.WARNING,
    "同一数据在不同部分表述不一致",
    "同一个量在文件不同部分（部门概况、决算情况说明各节、绩效说明及附件）被陈述两次以上时，数值必须相同："
    "编制数、年末实有人数、在职人员、离退休人员（口径相同者，如都“不含由养老保险基金发放养老金的离退休人员”），"
    "绩效自评“共涉及资金”及一级、二级项目个数，“三公”经费、机关运行经费、政府采购总额、接待批次人次、车辆数等。"
    "只比较主语、口径（年度、全部资金或财政拨款、本级或下属单位）和单位都相同的表述；同一节内的重复由 A406 检查。",
    "同一数据前后两个数，读者无法知道哪个是真的，也说明至少一处是从别处（如预算或上年文本）抄来未改。",
    "部门概况：“年末实有人数 13 人”；项目绩效自评报告：“单位共1个。实有人数：17人。”",
)
def restated_across_sections(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    joined = joined_text(doc)
    statements = text_statements(doc, joined) + quota_part_statements(doc, joined)
    cross = claim_statements(doc)
    extra = [
        *_vehicles_against_held(rule, doc, ctx, joined),
        *_department_evaluations(rule, doc, ctx, joined),
    ]
    yield from extra
    by_subject: dict[str, list[Statement]] = {}
    for s in cross:
        by_subject.setdefault(s.key.split("@")[0], []).append(s)
    groups: dict[str, list[Statement]] = {}
    for s in statements:
        groups.setdefault(s.key, []).append(s)
    for subject, items in by_subject.items():
        # one statement per section: differences inside a section are A406's
        firsts: dict[str, Statement] = {}
        for s in items:
            firsts.setdefault(s.key, s)
        if len(firsts) >= 2:
            groups[subject] = list(firsts.values())
    if not any(len(v) >= 2 for v in groups.values()) and not ctx.checks:
        raise NotApplicable("文件中没有在两处陈述的同一数据（人员、绩效自评资金、“三公”经费等）")
    for items in groups.values():
        if len(items) < 2:
            continue
        ctx.tick(len(items) - 1)
        units = {s.unit for s in items}
        if len(units) > 1:
            continue
        first = items[0]
        differing = [s for s in items[1:] if not same_value(first.value, first.places, s.value, s.places)]
        if not differing:
            continue
        majority = _majority(items)
        odd = [s for s in items if majority is not None and s.value != majority]
        if majority is not None and odd:
            suspect = (
                f"{len(items) - len(odd)} 处写作 {majority}{first.unit}，"
                + "、".join(f"“{s.evidence.quote[:30]}”" for s in odd)
                + " 中的数字可能有误"
            )
        else:
            suspect = SUSPECT_UNKNOWN
        shown = items[:6]
        unit = first.unit
        values = "，".join(f"第{i + 1}处写作 {s.value}{unit}" for i, s in enumerate(shown))
        f = make_finding(
            rule,
            ctx,
            f"{first.label}在文件中陈述了 {len(items)} 次，数值不一致：{values}。",
            [s.evidence for s in shown],
            [f"{s.value}{unit}" for s in shown],
            f"{majority}{unit}" if majority is not None else None,
            "按主语、口径（年度、范围）和单位相同的表述逐一比对，同一数据应只有一个数值",
            suspect=suspect,
        )
        if f:
            yield f


_GENERAL_CARS = re.compile(r"一般公务用车(?:为|共)?(\d+)辆")
_CAR_EVENT = re.compile(r"购置|更新|新增|报废|处置|购买|租用|租赁|调入|调出")


def _vehicles_against_held(
    rule: Rule, doc: ParsedDocument, ctx: CheckContext, joined: JoinedText
) -> Iterable[Finding]:
    """The 国有资产 (or an annex's 资产情况) count of 一般公务用车 is part of the 公务用车 the
    “三公” section says are held at year end: it cannot be larger."""
    held = next(
        (
            c
            for c in doc.claims
            if c.kind == "count" and c.subject == Subject.VEHICLES_HELD and c.topic == Topic.THREE_PUBLIC
        ),
        None,
    )
    if held is None or "count" not in held.values:
        return
    n_held = held.values["count"].value
    for m in _GENERAL_CARS.finditer(joined.text):
        sentence = joined.sentence_prefix(m.start())
        if (
            _CAR_EVENT.search(joined.text[max(m.start() - 6, 0) : m.start()])
            or _OTHER_UNIT.search(sentence)
            or _OTHER_TIME.search(sentence)
        ):
            continue
        ctx.tick()
        n = Decimal(m.group(1))
        if n <= n_held:
            continue
        f = make_finding(
            rule,
            ctx,
            f"“三公”经费说明称年末公务用车保有量 {held.values['count'].raw} 辆，另一处却写一般公务用车 {n} 辆；"
            f"一般公务用车是公务用车的一部分，年末数不能多于公务用车保有量。",
            [claim_evidence(held), joined.evidence(m.start(), m.end())],
            [f"{held.values['count'].raw}辆", f"{n}辆"],
            f"一般公务用车 ≤ {held.values['count'].raw}辆",
            f"一般公务用车 {n} 辆 > 公务用车保有量 {held.values['count'].raw} 辆（同为年末数）",
            suspect=SUSPECT_UNKNOWN,
        )
        if f:
            yield f
        return


# “组织对“A”“B”3个项目开展了部门评价，涉及一般公共预算支出 X 万元”
_DEPT_EVAL = re.compile(
    r"组织对((?:“[^”]{2,40}”[、,]?)+)(等)?(?:(\d+)个)?项目开展了?部[门⻔]评价[^。]{0,6}?"
    r"涉及[^。\d]{0,14}?(\d+(?:\.\d+)?)万元"
)


@dataclass
class _Evaluation:
    names: list[str]
    open_list: bool  # “…等N个项目”: the names are examples
    count: int
    amount: Decimal
    amount_raw: str
    evidence: Evidence

    def describe(self) -> str:
        names = "".join(f"“{n}”" for n in self.names)
        return f"{names}{'等' if self.open_list else ''}{self.count}个项目、涉及{self.amount_raw}万元"


def _department_evaluations(
    rule: Rule, doc: ParsedDocument, ctx: CheckContext, joined: JoinedText
) -> Iterable[Finding]:
    """What 部门评价 covered (projects, how many, how much), stated in 九(一) and again in an annex."""
    found: list[_Evaluation] = []
    for m in _DEPT_EVAL.finditer(joined.text):
        names = re.findall(r"“([^”]+)”", m.group(1))
        count = int(m.group(3)) if m.group(3) else len(names)
        raw = m.group(4)
        found.append(
            _Evaluation(
                names, bool(m.group(2)), count, Decimal(raw), raw, joined.evidence(m.start(), m.end())
            )
        )
    if len(found) < 2:
        return
    first = found[0]
    for other in found[1:]:
        ctx.tick()
        differs = []
        if other.count != first.count:
            differs.append(f"项目个数 {first.count} 与 {other.count}")
        elif not (first.open_list or other.open_list) and set(first.names) != set(other.names):
            differs.append("项目名称")
        if not same_value(first.amount, dec_places(first.amount), other.amount, dec_places(other.amount)):
            differs.append(f"涉及金额 {first.amount_raw} 与 {other.amount_raw} 万元")
        if not differs:
            continue
        self_eval = [
            s
            for s in text_statements(doc, joined)
            if s.key.startswith("self_eval_funds") and s.value in (first.amount, other.amount)
        ]
        suspect = (
            f"{self_eval[0].value} 万元是绩效自评的涉及资金，写作部门评价的涉及金额可能是套用了自评数"
            if self_eval
            else SUSPECT_UNKNOWN
        )
        f = make_finding(
            rule,
            ctx,
            f"部门评价的范围在文件中陈述了两次，{'、'.join(differs)}不一致：第1处为{first.describe()}；"
            f"第2处为{other.describe()}。",
            [first.evidence, other.evidence],
            [first.describe(), other.describe()],
            None,
            "逐一比对两处所述部门评价的项目名称、个数和涉及金额，同一年度的部门评价只有一个范围",
            suspect=suspect,
        )
        if f:
            yield f
        return


# --------------------------------------------------------------------------- A414 carry-over


def _first(doc: ParsedDocument, kind: str, subject: str, topic: str | None = None) -> Claim | None:
    return next(
        (
            c
            for c in doc.claims
            if c.kind == kind and c.subject == subject and (topic is None or c.topic == topic)
        ),
        None,
    )


def _change(doc: ParsedDocument, subject: str) -> Claim | None:
    """The first year-on-year statement about ``subject`` that fixes last year's value."""
    return next(
        (
            c
            for c in doc.claims
            if c.kind == "change"
            and c.subject == subject
            and "current" in c.values
            and (c.direction in ("持平",) or (c.direction or "") in UP + DOWN)
            and c.topic != Topic.PERFORMANCE
        ),
        None,
    )


def unit_slip(c: Claim) -> bool:
    """“年末结转和结余139.61元，较上年增加20.98万元”: read in 元 the figure would be smaller than
    its own increase (last year negative), so it can only be 万元 written with the wrong unit (U501)."""
    cur, chg = c.values["current"], c.values.get("change")
    return (
        chg is not None
        and cur.unit == "元"
        and (chg.unit or "万元") == "万元"
        and (c.direction or "") in UP
        and cur.value / 10000 < chg.value
    )


def previous_interval(c: Claim) -> tuple[Decimal, Decimal] | None:
    """Last year's value implied by a change claim (“较上年增加 X”, “减少 X”, “持平”); a current
    figure with a 元 slip (:func:`unit_slip`) is read in 万元."""
    cur = c.values["current"]
    if c.direction == "持平":
        return interval(cur.value, cur.places)
    chg = c.values.get("change")
    if chg is None or ((chg.unit or "万元") != (cur.unit or "万元") and not unit_slip(c)):
        return None
    return prev_interval(cur, chg, (c.direction or "") in UP)


def _how(c: Claim) -> str:
    cur = c.values["current"]
    if c.direction == "持平":
        return f"{subject_zh(c.subject)}本年 {cur.raw} 万元、与上年持平 → 上年 {cur.raw}"
    chg = c.values["change"]
    up = (c.direction or "") in UP
    prev = cur.value - chg.value if up else cur.value + chg.value
    return f"{subject_zh(c.subject)}本年 {cur.raw} {'−' if up else '+'} {c.direction} {chg.raw} = 上年 {fmt(prev)}"


def _mid(iv: tuple[Decimal, Decimal]) -> Decimal:
    return (iv[0] + iv[1]) / 2


_EXPLAINED = re.compile(
    r"(收回|上缴|清理|归集)[^。，；,;]{0,10}结转|结转[^。，；,;]{0,10}(收回|上缴|调整|清理|归集)|调整(年初|上年)[^。，；,;]{0,6}结转"
)


@rule(
    "A414",
    "carryover_continuity",
    Category.NARRATIVE_ARITHMETIC,
    Severity.WARNING,
    "上年年末与本年年初结转和结余不衔接",
    "由“年末结转和结余 X 万元，较上年增加（减少）Y 万元”推得的上年年末结转和结余（X ∓ Y），应等于本年“年初结转和结余”；"
    "按各数显示精度的区间判断。文中说明了结转结余被收回、上缴或调整的，不报。",
    "上年年末的钱就是本年年初的钱；两者对不上，说明年末数的增减额或年初数写错，或有未说明的调整。",
    "年初结转和结余 245.14 万元；年末结转和结余 232.13 万元，较上年减少 13.04 万元（上年年末应为 245.17 万元）。",
)
def carryover_continuity(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    end = _change(doc, Subject.CARRYOVER_END)
    begin = _first(doc, "amount", Subject.CARRYOVER_BEGIN, Topic.INCOME) or _first(
        doc, "amount", Subject.CARRYOVER_BEGIN
    )
    if end is None or begin is None:
        raise NotApplicable("说明中没有年末结转和结余的较上年增减，或没有年初结转和结余")
    opening = begin.values["amount"]
    prev = previous_interval(end)
    slipped = unit_slip(end)
    if prev is None or ((opening.unit or "万元") != (end.values["current"].unit or "万元") and not slipped):
        ctx.skip("年初、年末结转和结余的金额单位不一致，未比对")
        return
    note, slip_confidence = _slip_note(doc, end) if slipped else (None, 1.0)
    ctx.tick()
    lo, hi = interval(opening.value, opening.places)
    if lo <= prev[1] and prev[0] <= hi:
        return
    if _EXPLAINED.search(joined_text(doc).text):
        ctx.skip("说明写明结转结余有收回、上缴或调整，上年年末与本年年初不必相等")
        return
    expected = _mid(prev)
    table = summary_fact(doc, TableKind.INCOME_EXPENDITURE_SUMMARY, "income", "年初结转和结余")
    evidence = [claim_evidence(begin), claim_evidence(end)]
    suspect = SUSPECT_UNKNOWN
    confidence = slip_confidence
    if table is not None and table.cell.state == "number":
        evidence.append(table.evidence())
        confidence = min(confidence, table.confidence)
        if same_value(table.value, table.places, opening.value, opening.places):
            suspect = "年初结转和结余与收入支出决算总表一致，年末结转和结余的较上年增减额可能有误（或上年末余额作了未说明的调整）"
    f = make_finding(
        rule,
        ctx,
        f"本年年初结转和结余 {opening.raw} 万元，而按“年末结转和结余{end.values['current'].raw}万元，较上年"
        f"{end.direction}{end.values['change'].raw if end.direction != '持平' else ''}万元”推算，上年年末结转和结余为 {fmt(expected)} 万元，"
        f"相差 {fmt(expected - opening.value)} 万元；上年年末结转和结余即本年年初结转和结余，应相等，如有调整应在说明中写明。",
        evidence,
        [f"{opening.raw}万元"],
        f"{fmt(expected)}万元",
        _how(end) + "（上年年末结转和结余）",
        confidence,
        suspect=suspect,
        note=note,
    )
    if f:
        yield f


def _slip_note(doc: ParsedDocument, end: Claim) -> tuple[str, float]:
    """How sure the 元 slip is 万元: certain when 支出总计 = 本年支出合计 + 年末结转和结余 in 万元."""
    cur = end.values["current"]
    note = f"年末结转和结余写作“{cur.raw}元”，按其较上年增加额只能是万元（单位笔误另由 U501 报告），此处按 {cur.raw} 万元计算。"
    total = _first(doc, "amount", Subject.EXPENDITURE_TOTAL)
    spent = _first(doc, "amount", Subject.EXPENDITURE_CURRENT) or _change(doc, Subject.EXPENDITURE_CURRENT)
    if total is not None and spent is not None:
        t = total.values["amount"]
        e = spent.values.get("amount") or spent.values["current"]
        if (t.unit or "万元") == "万元" and sum_consistent(
            t.value, t.places, [(e.value, e.places), (cur.value, cur.places)]
        ):
            return note + f"支出总计 {t.raw} = 本年支出合计 {e.raw} + {cur.raw}，证实为万元。", 1.0
    return note, 0.8


# --------------------------------------------------------------------------- A415 last year balanced

INCOME_SIDE = (Subject.CARRYOVER_BEGIN, Subject.INCOME_CURRENT, Subject.NONFISCAL_BALANCE_USED)
EXPENDITURE_SIDE = (Subject.EXPENDITURE_CURRENT, Subject.BALANCE_DISTRIBUTION, Subject.CARRYOVER_END)


# Parts of a side the narrative often leaves unstated when they are 0 (使用非财政拨款结余, 结余分配)
OPTIONAL_PARTS = (Subject.NONFISCAL_BALANCE_USED, Subject.BALANCE_DISTRIBUTION)
# An unstated part is taken as 0 last year too (a WARNING, saying so) when this year's totals show it
# is 0 this year; False would skip such documents.
ASSUME_UNSTATED_ZERO = True


def _side(
    doc: ParsedDocument, total: str, parts: tuple[str, ...]
) -> tuple[tuple[Decimal, Decimal], list[Claim], list[str]] | None:
    """Last year's total of one side: from its total's own change, or from every part's change.
    An optional part stated nowhere is left out and returned as assumed 0 (the third item)."""
    whole = _change(doc, total)
    if whole is not None and (iv := previous_interval(whole)) is not None:
        return iv, [whole], []
    lo = hi = Decimal(0)
    used = []
    assumed = []
    for p in parts:
        c = _change(doc, p)
        if c is None and p in OPTIONAL_PARTS and not any(x.subject == p for x in doc.claims):
            assumed.append(p)
            continue
        if c is None or (iv := previous_interval(c)) is None:
            return None
        lo, hi = lo + iv[0], hi + iv[1]
        used.append(c)
    return (lo, hi), used, assumed


def _this_year_without(doc: ParsedDocument, total: str, parts: tuple[str, ...]) -> bool:
    """This year's stated total equals the sum of the stated parts: the unstated ones are 0."""
    t = _first(doc, "amount", total)
    qs = []
    for p in parts:
        c = _first(doc, "amount", p) or _change(doc, p)
        if c is None:
            continue
        qs.append(c.values.get("amount") or c.values["current"])
    if t is None or not qs:
        return False
    tq = t.values["amount"]
    return sum_consistent(tq.value, tq.places, [(q.value, q.places) for q in qs])


def _rate_slips(doc: ParsedDocument, claims: list[Claim]) -> list[str]:
    """The changes among ``claims`` whose own rate disagrees with them (A401): the likely culprits."""
    out = []
    for c in claims:
        pct, chg = c.values.get("percent"), c.values.get("change")
        iv = previous_interval(c)
        if pct is None or chg is None or iv is None or iv[0] <= 0:
            continue
        allowed = (
            (chg.value - half_unit(chg.places)) / iv[1] * 100,
            (chg.value + half_unit(chg.places)) / iv[0] * 100,
        )
        if not percent_consistent(pct, allowed, slack_units=1):
            prev = _mid(iv)
            out.append(
                f"{subject_zh(c.subject)}的增减额 {chg.raw} 与其幅度 {pct.raw}% 不符（按增减额应为 "
                f"{fmt(chg.value / prev * 100)}%）"
            )
    return out


@rule(
    "A415",
    "previous_year_balance",
    Category.NARRATIVE_ARITHMETIC,
    Severity.ERROR,
    "由增减额推得的上年收入总计与支出总计不相等",
    "由说明中各项“较上年增加（减少）X 万元”（或“与上年持平”）推得上年的年初结转和结余、本年收入合计、使用非财政拨款结余，"
    "以及本年支出合计、结余分配、年末结转和结余；上年收入总计应等于上年支出总计。只在两边的每一项都能推得时检查。",
    "上年的收支也必须平衡；推不平，说明至少一个增减额写错。",
    "年初结转和结余较上年减少 19.11 万元、本年收入增加 35.38 万元……推得上年收入总计 395.40 万元，支出总计 449.20 万元。",
)
def previous_year_balance(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    income = _side(doc, Subject.INCOME_TOTAL, INCOME_SIDE)
    spending = _side(doc, Subject.EXPENDITURE_TOTAL, EXPENDITURE_SIDE)
    if income is None or spending is None:
        raise NotApplicable("说明未写明收入、支出两边每一项的较上年增减，上年收支总计无法推得")
    (i_lo, i_hi), i_claims, i_assumed = income
    (e_lo, e_hi), e_claims, e_assumed = spending
    assumed = i_assumed + e_assumed
    if assumed and not ASSUME_UNSTATED_ZERO:
        ctx.skip("说明未提及使用非财政拨款结余或结余分配，上年收支总计无法完整推得")
        return
    # an unstated part is taken as 0 only when this year's totals show it is 0 this year
    if i_assumed and not _this_year_without(doc, Subject.INCOME_TOTAL, INCOME_SIDE):
        ctx.skip("说明未写明使用非财政拨款结余，且本年收入总计不等于所列各项之和，上年收入总计无法推得")
        return
    if e_assumed and not _this_year_without(doc, Subject.EXPENDITURE_TOTAL, EXPENDITURE_SIDE):
        ctx.skip("说明未写明结余分配，且本年支出总计不等于所列各项之和，上年支出总计无法推得")
        return
    ctx.tick()
    if i_lo <= e_hi and e_lo <= i_hi:
        return
    i_mid, e_mid = (i_lo + i_hi) / 2, (e_lo + e_hi) / 2
    claims = [*i_claims, *e_claims]
    slips = _rate_slips(doc, claims)
    suspect = "；".join(slips) + "：可能是写错的一项" if slips else SUSPECT_UNKNOWN
    assumption = ""
    if assumed:
        names = "、".join(subject_zh(a) for a in assumed)
        assumption = f"（说明未提及{names}，本年收支总计表明本年为 0，此处假定上年也为 0）"
    notes = [c for c in claims if unit_slip(c)]
    f = make_finding(
        rule,
        ctx,
        f"按说明中各项较上年的增减推算{assumption}，上年收入总计为 {fmt(i_mid)} 万元，上年支出总计为 {fmt(e_mid)} 万元，"
        f"相差 {fmt(i_mid - e_mid)} 万元；上年收入总计应等于支出总计，说明至少一个增减额有误。",
        [claim_evidence(c) for c in claims][:6],
        [f"{fmt(i_mid)}万元", f"{fmt(e_mid)}万元"],
        "上年收入总计 = 上年支出总计",
        "收入方："
        + "；".join(_how(c) for c in i_claims)
        + "。支出方："
        + "；".join(_how(c) for c in e_claims)
        + (f"。{'、'.join(subject_zh(a) for a in assumed)}按 0 计" if assumed else ""),
        severity=Severity.WARNING if assumed else None,
        suspect=suspect,
        note=_slip_note(doc, notes[0])[0] if notes else None,
    )
    if f:
        yield f


# --------------------------------------------------------------------------- N307 copied usage

# Words that describe any item (人员支出、公用支出…): a description made only of them is shared legitimately.
_GENERIC = re.compile(
    r"行政单位|事业单位|机关|人员|经费|支出|公用|基本|项目|日常|运转|运行|开支|费用|主要|用于|等|的|及|和|与|、|，|。|；|:|："
)


def _norm(text: str) -> str:
    return re.sub(r"[\s。；;，,、:：（）()“”\"']", "", fold_text(text))


def _parts(subject: str) -> tuple[str, str, str]:
    lei, kuan, xiang = subject[len(ITEM_PREFIX) :].split("|")
    return lei, kuan, xiang


@rule(
    "N307",
    "item_usage_copied",
    Category.NARRATIVE_TABLE,
    Severity.WARNING,
    "分项用途说明照抄另一项",
    "逐项说明中两个不同性质科目的用途（“主要用于：…”）文字相同或几乎相同（如信息化建设（项）与财政委托业务支出（项）都写"
    "“委托中介机构开展各类审计及绩效评价工作”）：至少一项的用途是从另一项复制而未修改。只由“人员支出、公用支出”之类通用词"
    "组成的用途、同名或同一性质的科目不报；用途说的是另一类支出（N306 已报）的不重复报告。",
    "用途照抄，读者无法知道这笔钱实际用在哪里，也说明说明文字未逐项核对。",
    "2、信息化建设（项）主要用于：委托中介机构开展各类审计及绩效评价工作。3、财政委托业务支出（项）主要用于：委托中介机构开展各类审计及绩效评价工作。",
)
def item_usage_copied(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    items = [c for c in doc.claims if c.kind == "usage" and c.subject.startswith(ITEM_PREFIX) and c.detail]
    if len(items) < 2:
        raise NotApplicable("说明中逐项的用途说明少于两项")
    reported: set[int] = set()
    for j, later in enumerate(items):
        if usage_names_other_domain(later) is not None:
            continue  # N306 reports it
        b = _norm(later.detail or "")
        ctx.tick()
        if len(_GENERIC.sub("", b)) < 4:
            continue
        for i in range(j):
            earlier = items[i]
            a = _norm(earlier.detail or "")
            if a != b and difflib.SequenceMatcher(None, a, b).ratio() < 0.9:
                continue
            (_, kuan_a, xiang_a), (_, kuan_b, xiang_b) = _parts(earlier.subject), _parts(later.subject)
            dom_a, dom_b = domain_of(xiang_a) or domain_of(kuan_a), domain_of(xiang_b) or domain_of(kuan_b)
            if xiang_a == xiang_b or (dom_a is not None and dom_a == dom_b):
                continue
            if kuan_a == kuan_b and not (dom_a and dom_b):
                continue  # two items of one 款 may share a purpose
            if j in reported:
                break
            reported.add(j)
            fits_a = dom_a is not None and domain_of(later.detail or "") == dom_a
            suspect = (
                f"用途文字属于“{xiang_a}（项）”，“{xiang_b}（项）”的用途可能是从前一项复制"
                if fits_a
                else SUSPECT_UNKNOWN
            )
            f = make_finding(
                rule,
                ctx,
                f"“{xiang_a}（项）”与“{xiang_b}（项）”是不同性质的科目，用途却写得{'完全相同' if a == b else '几乎相同'}："
                f"“{earlier.detail}” / “{later.detail}”，至少一项的用途疑为从另一项复制。",
                [claim_evidence(earlier), claim_evidence(later)],
                [earlier.detail or "", later.detail or ""],
                f"{xiang_b}（项）自己的用途",
                f"逐项比对用途文字（去掉标点后相同或相似度 ≥ 90%），科目：{kuan_a}—{xiang_a} 与 {kuan_b}—{xiang_b}",
                suspect=suspect,
            )
            if f:
                yield f
            break


__all__ = ["JoinedText", "joined_text", "previous_interval", "squash"]
