"""绩效 indicator rows: the 预算执行率 score against 分值 × 执行率 (below it only under the document's
own rule), indicators filed under the category their name belongs to, and each 一级指标's 分值 against the
indicators under it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from shared.models import Category, Finding, ParsedDocument, ScoreTable, Severity, SourceRef
from shared.normalize import fold_text

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..findings import make_finding
from ..tolerance import fmt, interval, percent_consistent, places_of, ratio_interval
from .performance_text import (
    doc_text,
    ev,
    fmt_score,
    project_tables,
    table_lines,
)

# --------------------------------------------------------------------------- execution score


# the document's own rule that the 执行率 score is proportional: “得分=执行率×分值”, “按预算执行率×
# 该指标分值计分”, “分值*执行率”
_PROPORTIONAL_RULE_RE = re.compile(
    r"(?:得分|计分|计算)[^。；;]{0,16}?(?:(?:预算|资金)?执行率\s*[×xX*＊]\s*(?:该指标)?(?:分值|权重)"
    r"|(?:分值|权重)\s*[×xX*＊]\s*(?:预算|资金)?执行率)"
    r"|(?:(?:预算|资金)?执行率\s*[×xX*＊]\s*(?:该指标)?(?:分值|权重)|(?:分值|权重)\s*[×xX*＊]\s*(?:预算|资金)?执行率)"
    r"[^。；;]{0,8}?(?:得分|计分|计算)"
)


def proportional_rule(doc: ParsedDocument) -> SourceRef | None:
    """Where the document states that the 执行率 score is 分值 × 执行率 (None when it does not)."""
    text = doc_text(doc)
    m = _PROPORTIONAL_RULE_RE.search(text.text)
    return text.quote(m.start(), m.end()) if m else None


@rule(
    "P606",
    "execution_score_vs_rate",
    Category.PERFORMANCE,
    Severity.WARNING,
    "预算执行率得分与分值×执行率不符",
    "绩效自评表“预算执行率”指标的得分通常为 分值 × 执行率（执行率超过 100% 按 100% 计，即不超过分值）。"
    "得分高于 分值 × 执行率（计入得分与执行率的显示精度；表列执行率与执行数 ÷ 预算数不符时取两者中较高者）时提示。"
    "得分低于该值只在文件自己写明按 分值 × 执行率 计分时提示（取两者中较低者）：否则各地可另定扣分办法。",
    "执行率得分偏高会虚增总分，掩盖预算执行不到位；低于文件自定的计分办法则评分自相矛盾。",
    "全年预算数 9 万元，执行数 7.36 万元，执行率 81.78%，分值 10，得分 10（至多 8.18）。",
)
def execution_score_vs_rate(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    rows = []
    for t in doc.score_tables:
        item = next((i for i in t.items if i.name == "资金执行率"), None)
        if t.execution_rate and item and item.weight is not None and item.score is not None:
            rows.append((t, item))
    if not rows:
        raise NotApplicable("绩效自评表中未找到执行率及其分值、得分")
    stated_rule = proportional_rule(doc)
    for t, item in rows:
        assert t.execution_rate and item.weight is not None and item.score is not None
        r = t.execution_rate
        rate_lo, rate_hi = interval(r.value, r.places)
        if t.budget and t.executed:
            computed = ratio_interval(
                interval(t.executed.value, t.executed.places), interval(t.budget.value, t.budget.places)
            )
            if computed and not percent_consistent(r, computed):  # P604's finding: either rate may hold
                rate_lo, rate_hi = min(rate_lo, computed[0]), max(rate_hi, computed[1])
        ctx.tick()
        allowed = item.weight * min(rate_hi, Decimal(100)) / 100
        floor = item.weight * min(rate_lo, Decimal(100)) / 100
        score_lo, score_hi = interval(item.score, places_of(item.score))
        if item.score > item.weight:  # over the weight: P601's finding
            continue
        expected = item.weight * min(r.value, Decimal(100)) / 100
        evidence = [ev(t.execution_source or item.source)]
        if score_lo > allowed:
            message = f"高于 分值 × 执行率 = {fmt(expected)}。"
            bound, severity = f"≤ {fmt(expected)}", None
        elif stated_rule is not None and score_hi <= floor:
            message = f"低于文件所述计分办法（分值 × 执行率）得出的 {fmt(expected)}。"
            bound, severity = f"{fmt(expected)}", None
            evidence.append(ev(stated_rule))
        else:
            continue
        f = make_finding(
            rule,
            ctx,
            f"《{t.title}》预算执行率 {r.raw}%，分值 {fmt_score(item.weight)}，得分 {fmt_score(item.score)}，"
            + message,
            evidence,
            [fmt_score(item.score)],
            bound,
            f"{fmt_score(item.weight)} × min({r.raw}%, 100%)",
            severity=severity,
            suspect=f"执行率得分 {fmt_score(item.score)}",
        )
        if f:
            yield f


# --------------------------------------------------------------------------- indicator filing

_CATEGORY_RE = re.compile(r"数量|质量|时效|成本|经济效益|社会效益|生态效益|可持续影响|满意度")
_OUTPUT = {"数量", "质量", "时效", "成本"}
_BENEFIT = {"经济效益", "社会效益", "生态效益", "可持续影响"}
_INDICATOR_RE = re.compile(r"指标\s*[:：]?\s*\d{1,2}\s*[:：]")
_TRAILER_RE = re.compile(r"(?:指标|指|标|[-—\s（）()%])+$")
_TARGET_RE = re.compile(r"[=≧≦≥≤<>＝].*$")
_PLAIN_RE = re.compile(r"^\d+(?:\.\d+)?$")
# (pattern in the name, categories it must not be filed under, the category it belongs to)
_MISFILED: list[tuple[re.Pattern[str], set[str], str]] = [
    (re.compile(r"满意"), _OUTPUT, "满意度指标"),
    (re.compile(r"及时(?:率|性)"), {"数量", "质量", "成本"}, "时效指标"),
    (re.compile(r"成本控制|平均成本|单位成本|费用(?:控制)?(?:[（(]%[）)])?$"), _BENEFIT, "成本指标"),
    # social stability is no economic or ecological effect (seed 003: “维护社会大局稳定程度” under 经济效益)
    (re.compile(r"社会(?:大局|治安)?(?:和谐)?稳定"), {"经济效益", "生态效益"}, "社会效益指标"),
]


@dataclass
class _Indicator:
    category: str
    name: str
    source: SourceRef


def _indicators(lines: list[SourceRef]) -> list[_Indicator]:
    """The “指标 N：” rows of one score table with the 二级指标 heading they sit under: a heading is
    the run of short text lines between a row's numbers and the next row, and counts only when
    that run ends with a category word (“质量”, “经济 效益 指标”, “满意度 指标”)."""
    out: list[_Indicator] = []
    category = ""
    since = ""  # text since the last line with plain numbers: where a heading sits
    name: list[str] | None = None
    start: SourceRef | None = None
    for ref in lines:
        t = fold_text(ref.quote).strip()
        if m := _INDICATOR_RE.search(t):
            tail = _TRAILER_RE.sub("", re.sub(r"\s+", "", since + t[: m.start()]))
            cats = list(_CATEGORY_RE.finditer(tail))
            if cats and cats[-1].end() == len(tail):
                category = cats[-1].group(0)
            since, name, start = "", [], ref
            t = t[m.end() :]
        tokens = t.split()
        numbered = [k for k, x in enumerate(tokens) if _PLAIN_RE.match(x)]
        if name is not None:
            words = tokens[: numbered[0]] if numbered else tokens
            name.append(_TARGET_RE.sub("", "".join(words)))
            if len(numbered) >= 2 or (numbered and re.search(r"\d\s*$", t)):
                if category and start is not None:
                    out.append(_Indicator(category, "".join(name), start))
                name = None
        since = "".join(tokens[numbered[-1] + 1 :]) if numbered else since + t
    return out


@rule(
    "P607",
    "indicator_category",
    Category.PERFORMANCE,
    Severity.WARNING,
    "绩效指标归类不当",
    "绩效自评表中，名称明确属于某一类的指标应列在该类下：满意度指标不应列在产出指标（数量、质量、时效、成本）下；"
    "“…及时率/及时性”属时效指标，不应列在数量、质量、成本指标下；“成本控制/平均成本/…费用”属成本指标，"
    "不应列在效益指标下；“维护社会（大局）稳定”属社会效益指标，不应列在经济效益、生态效益指标下。名称含义不唯一的不提示。",
    "指标归类错误说明绩效目标设置不规范，分类汇总的得分失去意义。",
    "质量指标下列“舆情及时处置率”。",
)
def indicator_category(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    # a table read from text lines is walked line by line; one read from a grid (PDF, Word, Excel
    # files) through its rows, which are its items' quotes
    regions = [
        (t, lines)
        for t in project_tables(doc)
        if (lines := table_lines(doc, t) or [i.source for i in t.items if i.source.quote])
    ]
    if not regions:
        raise NotApplicable("未找到可逐行读取的绩效自评表")
    for t, lines in regions:
        for ind in _indicators(lines):
            ctx.tick()
            hit = next(
                (
                    (m, right)
                    for pattern, wrong, right in _MISFILED
                    if ind.category in wrong and (m := pattern.search(ind.name))
                ),
                None,
            )
            if hit is None:
                continue
            m, right = hit
            f = make_finding(
                rule,
                ctx,
                f"《{t.title}》指标“{ind.name}”列在{ind.category}指标下，按名称应属{right}。",
                [ev(ind.source)],
                [f"{ind.category}指标"],
                right,
                f"指标名称含“{m.group(0)}”，属{right}",
                suspect=f"“{ind.name}”的归类",
            )
            if f:
                yield f


# --------------------------------------------------------------------------- 一级 weights

_LEVELED_HEADER_RE = re.compile(r"三级指标.*分值.*得分")
# a 一级指标 of the 财政部 framework on a line of its own, with its 分值 or without (“决策” / “决策 40”)
_FIRST_LEVEL_RE = re.compile(r"^(?P<name>决策|过程|产出|效益)(?:指标)?(?P<w>\d+(?:\.\d+)?)?$")
_LONE_NUMBER_RE = re.compile(r"^\d+(?:\.\d+)?$")
_SATISFACTION_RE = re.compile(r"^满意度(?:指标)?(?:\d+(?:\.\d+)?)?$")


@dataclass
class _FirstLevel:
    name: str
    start: tuple[int, int]  # (page, line) of its name
    weight: Decimal | None = None
    source: SourceRef | None = None
    parts: list[Decimal] = field(default_factory=list)  # 分值 of the 三级指标 under it
    # where a 满意度 heading sits under it: 满意度 is a 二级 of 效益 in one framework and an 一级 of
    # its own in another, so the 分值 before it are another reading of this level's sum
    satisfaction_at: tuple[int, int] | None = None
    before_satisfaction: Decimal = Decimal(0)

    @property
    def below(self) -> Decimal:
        return sum(self.parts, Decimal(0))


def first_levels(lines: list[SourceRef], t: ScoreTable) -> list[_FirstLevel]:
    """The 一级指标 of a 一级/二级/三级 table read from text lines, each with its stated 分值 (on its
    line or alone on the next) and the 分值 of the table's indicators between it and the next."""
    header = next(
        (k for k, ln in enumerate(lines) if _LEVELED_HEADER_RE.search(fold_text(ln.quote).replace(" ", ""))),
        None,
    )
    if header is None:
        return []
    levels: list[_FirstLevel] = []
    just_named = False  # the previous non-empty line was a 一级指标's name alone
    for ln in lines[header + 1 :]:
        compact = re.sub(r"\s+", "", fold_text(ln.quote))
        if not compact:
            continue
        if m := _FIRST_LEVEL_RE.match(compact):
            w = m.group("w")
            at = (ln.prov.page or 0, ln.prov.line or 0)
            levels.append(_FirstLevel(m.group("name"), at, Decimal(w) if w else None, ln if w else None))
            just_named = w is None
            continue
        if levels and levels[-1].satisfaction_at is None and _SATISFACTION_RE.match(compact):
            levels[-1].satisfaction_at = (ln.prov.page or 0, ln.prov.line or 0)
        if just_named and _LONE_NUMBER_RE.match(compact):
            levels[-1].weight, levels[-1].source = Decimal(compact), ln
        just_named = False
    for it in t.items:
        at = (it.source.prov.page or 0, it.source.prov.line or 0)
        owner = next((lv for lv in reversed(levels) if lv.start < at), None)
        if owner is not None and it.weight is not None:
            owner.parts.append(it.weight)
            if owner.satisfaction_at is not None and at < owner.satisfaction_at:
                owner.before_satisfaction += it.weight
    return levels


def _merged_reading(levels: list[_FirstLevel], k: int) -> str | None:
    """“40 = 决策 20 + 过程 20” when levels[k]'s 分值 equals its own and the following unweighted
    一级指标's sums (a merged cell spanning them, or values moved up a row)."""
    lv, acc, names = levels[k], levels[k].below, [levels[k]]
    for nxt in levels[k + 1 :]:
        if nxt.weight is not None:
            break
        acc += nxt.below
        names.append(nxt)
        if acc == lv.weight:
            return f"{fmt_score(acc)} = " + " + ".join(f"{n.name} {fmt_score(n.below)}" for n in names)
    return None


@rule(
    "P609",
    "first_level_weight",
    Category.PERFORMANCE,
    Severity.ERROR,
    "一级指标分值与下级指标分值之和不符",
    "一级/二级/三级指标绩效评分表中，每个一级指标（决策、过程、产出、效益）的分值应等于其下各指标分值之和。"
    "只在各指标分值之和等于表列总分值（确认指标读取完整）时下结论；所列分值恰等于相邻几个一级指标之和"
    "（合并单元格跨项填列或数值错位）时为警告。",
    "一级分值是各方面的权重，与下级指标不符使评分结构无从核对。",
    "一级指标“决策”分值 40，其下二级指标 项目立项 6、绩效目标 6、资金投入 8，合计 20。",
)
def first_level_weight(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    regions = [
        (t, levels)
        for t in doc.score_tables
        if t.total_weight is not None and (levels := first_levels(table_lines(doc, t), t))
    ]
    if not regions:
        raise NotApplicable("未找到逐行列出一级指标分值的绩效评分表")
    for t, levels in regions:
        weights = sum((i.weight or Decimal(0) for i in t.items), Decimal(0))
        below = sum((lv.below for lv in levels), Decimal(0))
        if weights != t.total_weight or below != weights or not any(lv.weight is not None for lv in levels):
            ctx.skip(f"《{t.title}》一级指标下的分值未读全，不核对一级指标分值")
            continue
        ctx.tick(sum(1 for lv in levels if lv.weight is not None))
        bad = [
            (k, lv)
            for k, lv in enumerate(levels)
            if lv.weight is not None
            and lv.weight != lv.below
            and not (lv.satisfaction_at is not None and lv.weight == lv.before_satisfaction)
        ]
        if not bad:
            continue
        merged = [_merged_reading(levels, k) for k, _ in bad]
        parts = "；".join(
            f"“{lv.name}”分值 {fmt_score(lv.weight or Decimal(0))}，其下指标分值合计 {fmt_score(lv.below)}"
            f"（{'+'.join(fmt_score(p) for p in lv.parts)}）"
            for _, lv in bad
        )
        unweighted = [lv.name for lv in levels if lv.weight is None]
        note = f"“{'”“'.join(unweighted)}”未列分值。" if unweighted else ""
        if all(merged):
            note += "、".join(m for m in merged if m) + "：所列一级分值疑为合并单元格跨两项填列或数值错位。"
            suspect = "一级指标分值栏的填列（各指标分值之和与总分值一致）"
        else:
            suspect = "、".join(
                f"“{lv.name}”的一级分值 {fmt_score(lv.weight or Decimal(0))}" for _, lv in bad
            ) + (f"（各指标分值之和 {fmt_score(weights)} 与总分值一致）")
        evidence = [ev(lv.source) for _, lv in bad if lv.source] + [ev(t.total_source or t.source)]
        f = make_finding(
            rule,
            ctx,
            f"《{t.title}》一级指标分值与其下指标分值之和不符：{parts}。{note}",
            evidence,
            [fmt_score(lv.weight or Decimal(0)) for _, lv in bad],
            "、".join(f"{lv.name} {fmt_score(lv.below)}" for lv in levels),
            "一级指标分值 = 其下各指标分值之和；各一级之和 = 总分值 " + fmt_score(weights),
            severity=Severity.WARNING if all(merged) else None,
            suspect=suspect,
        )
        if f:
            yield f
