"""科目 codes and names against the official 政府收支分类科目 of the document's year, and against
the document's own tables (issue 8, item 1)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from shared.knowledge.classification import function_level, outdated_names
from shared.models import Category, Evidence, Finding, ParsedDocument, Prov, Severity, SourceRef

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..findings import make_finding
from .form import all_lines


@rule(
    "S701",
    "outdated_subject_name",
    Category.WORDING,
    Severity.WARNING,
    "使用已更名的科目名称",
    "文中（说明、名词解释或报表）使用了该年度政府收支分类科目中已经更名的科目名称，"
    "如 2019 年起“医疗卫生与计划生育支出”更名为“卫生健康支出”、“文化体育与传媒支出”更名为“文化旅游体育与传媒支出”。",
    "科目名称应与决算年度的政府收支分类科目一致；沿用旧名说明文本照抄往年材料、未按新科目更新。",
    "2020年度决算的名词解释写“医疗卫生与计划生育支出（类）行政事业单位医疗（款）”，而该类 2019 年起已为“卫生健康支出”。",
)
def outdated_subject_name(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    if doc.year is None:
        raise NotApplicable("未能确定决算年度")
    renamed = outdated_names(doc.year)
    if not renamed:
        raise NotApplicable(f"{doc.year}年度无需比对的更名科目")
    texts = [(ln.text, ln.ref) for ln in all_lines(doc)]
    texts += [(r.name.replace(" ", ""), _row_ref(r.prov, r.name)) for t in doc.tables for r in t.rows]
    taken: set[tuple[int | None, int | None]] = set()  # lines already reported for a longer name
    for old, new, code, since in renamed:
        ctx.tick()
        hits = [
            (text, ref) for text, ref in texts if old in text and (ref.prov.page, ref.prov.line) not in taken
        ]
        if not hits:
            continue
        evidence = []
        for _, ref in hits:
            if (ref.prov.page, ref.prov.line) in taken:
                continue
            taken.add((ref.prov.page, ref.prov.line))
            evidence.append(Evidence(quote=ref.quote[:120], prov=ref.prov))
        f = make_finding(
            rule,
            ctx,
            f"文中使用已更名的科目名称“{old}”（{code}）{len(evidence)}处；{since}年起该科目名称为“{new}”，"
            f"本文件为{doc.year}年度决算。",
            evidence[:5],
            [old],
            new,
            f"按{doc.year}年政府收支分类科目：{code}科目自{since}年起名为“{new}”",
        )
        if f:
            yield f


def _row_ref(prov: Prov, name: str) -> SourceRef:
    return SourceRef(quote=name, prov=prov)


# “行政单位医疗（项 2101101）”, “卫生健康支出（类 210）”: a name, its level and its code in the text
_NAMED_CODE = re.compile(r"([\u4e00-\u9fff（）()]{2,40}?)[（(]\s*([类款项])\s*(\d{3,8})\s*[）)]")
_LEVEL_DIGITS = {"类": 3, "款": 5, "项": 7}


@rule(
    "S702",
    "subject_code_name_mismatch",
    Category.WORDING,
    Severity.WARNING,
    "科目编码与级次或报表名称不符",
    "说明或名词解释中“名称（项 2101101）”式的科目标注：级次与编码位数应一致（类 3 位、款 5 位、项 7 位），"
    "名称应与本文件报表中同一编码的科目名称一致。",
    "编码、级次与名称对不上，读者无法确定说的是哪个科目，也常是复制往年或其他科目的文字未改全。",
    "名词解释写“行政单位医疗（款 2101101）”（7 位编码是项级科目）；或写“事业单位医疗（项 2101101）”，而支出决算表中 2101101 为“行政单位医疗”。",
)
def subject_code_name_mismatch(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    mentions = [(ln, m) for ln in all_lines(doc) for m in _NAMED_CODE.finditer(ln.text)]
    if not mentions:
        raise NotApplicable("文中没有带编码的科目标注")
    table_names: dict[str, str] = {}
    for t in doc.tables:
        for r in t.rows:
            if r.code and function_level(r.code) and r.code not in table_names:
                table_names[r.code] = re.sub(r"^[^\u4e00-\u9fff]*[一二三四五六七八九十]*、|\s", "", r.name)
    for ln, m in mentions:
        ctx.tick()
        name, level, code = _clean_name(m.group(1)), m.group(2), m.group(3)
        quote = Evidence(quote=ln.ref.quote[:120], prov=ln.ref.prov)
        if len(code) != _LEVEL_DIGITS[level]:
            f = make_finding(
                rule,
                ctx,
                f"“{m.group(0)}”标为{level}级，但编码 {code} 为 {len(code)} 位"
                f"（{level}级科目编码应为 {_LEVEL_DIGITS[level]} 位）。",
                [quote],
                [m.group(0)],
                f"{level}级科目编码为{_LEVEL_DIGITS[level]}位",
                "按政府收支分类科目编码规则：类3位、款5位、项7位",
            )
            if f:
                yield f
            continue
        table = table_names.get(code)
        if table is None or not name or _same_name(name, table):
            continue
        f = make_finding(
            rule,
            ctx,
            f"文中“{name}（{level} {code}）”与报表中同一编码的科目名称“{table}”不一致。",
            [quote],
            [name],
            table,
            f"与本文件报表中编码 {code} 所在行的科目名称比对",
        )
        if f:
            yield f


def _clean_name(text: str) -> str:
    """The subject name just before “（项 …）”: after the last 、：。 or “（类）…（款）” prefix."""
    text = re.split(r"[：:，。；、]|[（(][类款项][）)]", text)[-1]
    return re.sub(r"^[（(]?[一二三四五六七八九十]+[）)、]", "", text)


def _same_name(a: str, b: str) -> bool:
    """Equal up to a wrapped (cut) table cell or an OCR-misread character."""
    if a.startswith(b) or b.startswith(a):
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.8
