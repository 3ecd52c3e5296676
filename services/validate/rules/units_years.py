"""Units, years and missing numbers."""

from __future__ import annotations

import re
from collections.abc import Iterable

from shared.knowledge.subjects import MAIN_TOPICS, SUBJECT_ZH, subject_zh
from shared.models import Category, Evidence, Finding, ParsedDocument, Severity, SourceRef

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..findings import claim_evidence, make_finding
from .form import all_lines


@rule(
    "U501",
    "amount_unit",
    Category.UNITS_YEARS,
    Severity.ERROR,
    "金额单位错误",
    "说明中收支、结转结余等金额按万元表述；写成“元”的金额（如“年末结转和结余 139.61 元”）与上下文单位不符。",
    "单位错误使金额相差一万倍。",
    "年末结转和结余139.61元（应为万元）。",
)
def amount_unit(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    amounts = [c for c in doc.claims if c.kind == "amount" and c.topic in MAIN_TOPICS]
    if not amounts:
        raise NotApplicable("说明中未找到金额表述")
    wan = sum(1 for c in amounts if c.values["amount"].unit == "万元")
    for c in amounts:
        q = c.values["amount"]
        ctx.tick()
        if q.unit != "元" or c.subject not in SUBJECT_ZH or wan < 3:
            continue
        f = make_finding(
            rule,
            ctx,
            f"{subject_zh(c.subject)}写作 {q.raw} 元，本文其他金额均以万元表述，应为 {q.raw} 万元。",
            [claim_evidence(c)],
            [f"{q.raw}元"],
            f"{q.raw}万元",
            "与同段其他金额的单位（万元）及收支平衡关系比对",
        )
        if f:
            yield f


@rule(
    "U502",
    "year_consistency",
    Category.UNITS_YEARS,
    Severity.WARNING,
    "年度表述不一致",
    "报表表头和“XXXX年度部门决算”式的标题，年度应为决算年度；说明中“较 XXXX 年”“与 XXXX 年度相比”的比较年度应为决算年度的上一年。",
    "年度写错会让读者对比错误的期间。",
    "2021 年度决算中写“较 2019 年增加…”；2023 年度决算的标题写“2022年度部门决算情况说明”。",
)
def year_consistency(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    if doc.year is None:
        raise NotApplicable("未能确定决算年度")
    mentions = [
        (
            year,
            ref,
            "表头" if "年度" in ref.quote and ("部" in ref.quote or "编制单位" in ref.quote) else "比较年度",
        )
        for year, ref in doc.years_mentioned
    ] + _years_in_text(doc)
    if not mentions:
        raise NotApplicable("文中没有可比对的年度")
    for year, ref, what in mentions:
        ctx.tick()
        expected = doc.year - 1 if what == "比较年度" else doc.year
        if year == expected:
            continue
        f = make_finding(
            rule,
            ctx,
            f"{what}写作 {year} 年，决算年度为 {doc.year} 年，应为 {expected} 年。",
            [Evidence(quote=ref.quote, prov=ref.prov)],
            [str(year)],
            str(expected),
            "决算年度取全文出现最多的“XXXX年度”",
        )
        if f:
            yield f


# “较2019年”, “与 2023 年度相比”, “比上年（2022年）” (not a date: “2023年12月”)
_COMPARED_YEAR = re.compile(r"(?:较|比|与|同比|对比)\s*(?:上年\s*[（(]\s*)?(20\d{2})\s*年(?!\s*\d)")
# a title “2023年度部门决算” / “第三部分 2023年度部门决算情况说明” (a short line)
_TITLE_YEAR = re.compile(r"(20\d{2})\s*年\s*度\s*(?:部门|单位)?决算")


def _years_in_text(doc: ParsedDocument) -> list[tuple[int, SourceRef, str]]:
    """Comparison years and title years the claim extractor did not record (one per line)."""
    known = {(ref.prov.page, ref.prov.line) for _, ref in doc.years_mentioned}
    out: list[tuple[int, SourceRef, str]] = []
    for ln in all_lines(doc):
        if (ln.ref.prov.page, ln.ref.prov.line) in known:
            continue
        m = _COMPARED_YEAR.search(ln.text)
        if m is not None:
            out.append((int(m.group(1)), SourceRef(quote=ln.ref.quote, prov=ln.ref.prov), "比较年度"))
            continue
        t = _TITLE_YEAR.search(ln.text) if len(ln.text) <= 40 else None
        if t is not None:
            out.append((int(t.group(1)), SourceRef(quote=ln.ref.quote, prov=ln.ref.prov), "标题"))
    return out


@rule(
    "U503",
    "missing_number",
    Category.UNITS_YEARS,
    Severity.WARNING,
    "数值或百分号缺失",
    "说明中“占 %”缺少数值，或增减幅度缺少“%”。",
    "缺失的数字让表述无法理解，也常是模板未填完的痕迹。",
    "事业收入 0 万元，占 %；商品和服务支出较上年减少 43.32 万元，下降 39.44，…",
)
def missing_number(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    relevant = [c for c in doc.claims if c.kind in ("share", "change")]
    if not relevant:
        raise NotApplicable("说明中未找到占比或增减幅度表述")
    for c in relevant:
        ctx.tick()
        if c.kind == "share" and "percent" not in c.values and "part" in c.values:
            msg, stated = f"{subject_zh(c.subject)}的占比缺少数值（“占 %”）。", "占 %"
        elif c.kind == "change" and "percent" in c.values and c.values["percent"].unit != "%":
            msg, stated = (
                f"{subject_zh(c.subject)}的增减幅度 {c.values['percent'].raw} 缺少“%”。",
                c.values["percent"].raw,
            )
        else:
            continue
        f = make_finding(rule, ctx, msg, [claim_evidence(c)], [stated], None, "表述不完整")
        if f:
            yield f


__all__ = ["Evidence"]
