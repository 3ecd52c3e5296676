"""绩效 indicator rows: the 预算执行率 score against 分值 × 执行率, and indicators filed under the
category their name belongs to."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from shared.models import Category, Finding, ParsedDocument, ScoreTable, Severity, SourceRef

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..findings import make_finding
from ..tolerance import half_unit, interval, percent_consistent, places_of, ratio_interval
from .performance_text import (
    ev,
    fmt_score,
    nfkc,
    project_tables,
)

# --------------------------------------------------------------------------- execution score


@rule(
    "P606",
    "execution_score_vs_rate",
    Category.PERFORMANCE,
    Severity.WARNING,
    "预算执行率得分高于分值×执行率",
    "绩效自评表“预算执行率”指标的得分通常为 分值 × 执行率（执行率超过 100% 按 100% 计，即不超过分值）。"
    "得分高于 分值 × 执行率（计入得分与执行率的显示精度；表列执行率与执行数 ÷ 预算数不符时取两者中较高者）时提示。"
    "得分低于该值不提示：各地可另定扣分办法。",
    "执行率得分偏高会虚增总分，掩盖预算执行不到位。",
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
    for t, item in rows:
        assert t.execution_rate and item.weight is not None and item.score is not None
        r = t.execution_rate
        rate_hi = interval(r.value, r.places)[1]
        if t.budget and t.executed:
            computed = ratio_interval(
                interval(t.executed.value, t.executed.places), interval(t.budget.value, t.budget.places)
            )
            if computed and not percent_consistent(r, computed):  # P604's finding: either rate may hold
                rate_hi = max(rate_hi, computed[1])
        ctx.tick()
        allowed = item.weight * min(rate_hi, Decimal(100)) / 100
        score_lo = item.score - half_unit(places_of(item.score))
        if score_lo <= allowed or item.score > item.weight:  # over the weight: P601's finding
            continue
        expected = item.weight * min(r.value, Decimal(100)) / 100
        f = make_finding(
            rule,
            ctx,
            f"《{t.title}》预算执行率 {r.raw}%，分值 {fmt_score(item.weight)}，得分 {fmt_score(item.score)}，"
            f"高于 分值 × 执行率 = {expected:.2f}。",
            [ev(t.execution_source or item.source)],
            [fmt_score(item.score)],
            f"≤ {expected:.2f}",
            f"{fmt_score(item.weight)} × min({r.raw}%, 100%)",
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
        t = nfkc(ref.quote).strip()
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


def _table_lines(doc: ParsedDocument, t: ScoreTable) -> list[SourceRef]:
    begin, end = t.source.prov, (t.total_source or t.source).prov
    # compare the cheap fields first: model equality over every passage is slow
    idx = [i for i, p in enumerate(doc.passages) if p.prov.line == begin.line and p.prov == begin]
    idx_end = [i for i, p in enumerate(doc.passages) if p.prov.line == end.line and p.prov == end]
    if not idx or not idx_end or idx_end[-1] <= idx[0]:
        return []
    return doc.passages[idx[0] : idx_end[-1] + 1]


@rule(
    "P607",
    "indicator_category",
    Category.PERFORMANCE,
    Severity.WARNING,
    "绩效指标归类不当",
    "绩效自评表中，名称明确属于某一类的指标应列在该类下：满意度指标不应列在产出指标（数量、质量、时效、成本）下；"
    "“…及时率/及时性”属时效指标，不应列在数量、质量、成本指标下；“成本控制/平均成本/…费用”属成本指标，"
    "不应列在效益指标下。名称含义不唯一的不提示。",
    "指标归类错误说明绩效目标设置不规范，分类汇总的得分失去意义。",
    "质量指标下列“舆情及时处置率”。",
)
def indicator_category(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    # a table read from text lines is walked line by line; one read from a grid (PDF, Word, Excel
    # files) through its rows, which are its items' quotes
    regions = [
        (t, lines)
        for t in project_tables(doc)
        if (lines := _table_lines(doc, t) or [i.source for i in t.items if i.source.quote])
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
