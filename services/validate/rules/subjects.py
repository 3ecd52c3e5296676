"""科目 codes and names against the official 政府收支分类科目 of the document's year, and against
the document's own tables (issue 8, item 1)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable

from shared.knowledge.classification import FUNCTION_NAMES, function_level, outdated_names
from shared.models import Category, Evidence, Finding, ParsedDocument, Prov, Severity, SourceRef
from shared.normalize import fold_text

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..findings import make_finding
from .form import ProseLine, all_lines


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
    "名称应与本文件报表中同一编码的科目名称一致；名词解释中不带编码的“××（类）××（款）××（项）”，"
    "由报表确定其编码后同样比对；款名与本文件“其他…支出（项 ××99）”所示的现行款名不一致时也报告。",
    "编码、级次与名称对不上，读者无法确定说的是哪个科目，也常是复制往年或其他科目的文字未改全。",
    "名词解释写“行政单位医疗（款 2101101）”（7 位编码是项级科目）；或写“事业单位医疗（项 2101101）”，而支出决算表中 2101101 为“行政单位医疗”。",
)
def subject_code_name_mismatch(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    mentions = [(ln, m) for ln in all_lines(doc) for m in _NAMED_CODE.finditer(ln.text)]
    glossary = _glossary_chain(doc)
    if not mentions and not glossary:
        raise NotApplicable("文中没有带编码的科目标注")
    table_names: dict[str, str] = {}
    for t in doc.tables:
        for r in t.rows:
            if r.code and function_level(r.code) and r.code not in table_names:
                table_names[r.code] = re.sub(r"^[^\u4e00-\u9fff]*[一二三四五六七八九十]*、|\s", "", r.name)
    # names compared letter for letter, except in a scan (OCR misreads a character)
    differ = _differ_ocr if doc.kind.is_ocr else _differ
    yield from _other_item_names(rule, ctx, mentions, table_names, differ)
    if table_names:
        yield from _chain_against_tables(rule, ctx, glossary, table_names, differ)
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


def _differ(a: str, b: str) -> bool:
    a, b = _fold(a), _fold(b)
    return not _same_prefix(a, b)


def _differ_ocr(a: str, b: str) -> bool:
    return not _same_name(_fold(a), _fold(b))


def _other_item_names(
    rule: Rule,
    ctx: CheckContext,
    mentions: list[tuple[ProseLine, re.Match[str]]],
    table_names: dict[str, str],
    differ: Callable[[str, str], bool],
) -> Iterable[Finding]:
    """“港澳台侨事务（款 20125）” beside “其他港澳台事务支出（项 2012599）”: the document's own “其他…”
    项 of the 款 names the 款 as the current edition does, and the 款 itself carries another name
    (an old one). Only a 款 the tables do not print (with a table the table's name is compared)."""
    named = {m.group(3): (_clean_name(m.group(1)), ln, m) for ln, m in mentions}
    for code, (name, ln, m) in named.items():
        current = FUNCTION_NAMES.get(code)
        other = named.get(code + "99")
        if len(code) != 5 or current is None or other is None or code in table_names:
            continue
        ctx.tick()
        if not differ(name, current) or other[0].removesuffix("支出") != "其他" + current.removesuffix(
            "支出"
        ):
            continue
        f = make_finding(
            rule,
            ctx,
            f"“{m.group(0)}”的款名与同一文件中“{other[0]}（项 {code}99）”所属的款“{current}”不一致；"
            f"现行政府收支分类科目中 {code} 名为“{current}”。",
            [
                Evidence(quote=ln.ref.quote[:120], prov=ln.ref.prov),
                Evidence(quote=other[1].ref.quote[:120], prov=other[1].ref.prov),
            ],
            [name],
            current,
            f"同一款下“其他…支出”项的名称与现行科目表中 {code} 的名称比对",
        )
        if f:
            yield f


# “社会保障和就业支出（类）行政事业单位离退休（款）机关事业单位基本养老保险缴费支出（项）”
_CHAIN_PART = re.compile(r"([^\s：:，,。；;、（）()]{2,40}?)[（(]([类款项])[）)]")


def _glossary_chain(doc: ParsedDocument) -> list[tuple[str, str, ProseLine]]:
    """The (name, level, line) of every “名称（类/款/项）” of 第X部分 名词解释, in order, the part's
    lines joined (an entry wraps) and “（室）” of “政府办公厅（室）” folded into the name."""
    inside = False
    text, owners = "", []
    for ln in all_lines(doc):
        t = ln.text
        if t.startswith("第") and "部分" in t[:5]:
            inside = "名词解释" in t
            continue
        if inside:
            t = re.sub(r"[（(]室[）)]", "室", t)
            text += t
            owners += [ln] * len(t)
    return [(m.group(1), m.group(2), owners[m.start(2)]) for m in _CHAIN_PART.finditer(text)]


def _chain_against_tables(
    rule: Rule,
    ctx: CheckContext,
    chain: list[tuple[str, str, ProseLine]],
    table_names: dict[str, str],
    differ: Callable[[str, str], bool],
) -> Iterable[Finding]:
    """Each 名词解释 chain's 款 and 项 names against the tables' names for the same code, the code
    proven by the tables: a 项 found in the tables fixes its 款 (“机关事业单位基本养老保险缴费支出（项）”
    is 2080505, so the 款 before it is 20805 “行政事业单位养老支出”); a “其他…（项）” under a 款 the
    tables print is that 款's 99 row."""
    by_name: dict[tuple[str, int], list[str]] = {}
    for code, name in table_names.items():
        by_name.setdefault((_fold(name), len(code)), []).append(code)

    def find(name: str, digits: int) -> str | None:
        hits = {
            c for (n, d), cs in by_name.items() if d == digits and _same_prefix(_fold(name), n) for c in cs
        }
        return hits.pop() if len(hits) == 1 else None

    pending: tuple[str, ProseLine] | None = None  # a 款 name not found in the tables
    current: str | None = None  # the 款 code of the chain
    for name, level, ln in chain:
        name = _strip_ordinal(name)
        if level == "类":
            pending, current = None, None
            continue
        if level == "款":
            current = find(name, 5)
            pending = None if current else (name, ln)
            continue
        ctx.tick()
        item = find(name, 7)
        if item is not None:
            section = table_names.get(item[:5])
            if pending is not None and section is not None and differ(pending[0], section):
                yield from _chain_finding(
                    rule, ctx, pending[0], "款", item[:5], section, pending[1], f"{name}（项）"
                )
            pending, current = None, item[:5]
            continue
        other = table_names.get(current + "99") if current else None
        if current and other and name.startswith("其他") and differ(name, other):
            yield from _chain_finding(rule, ctx, name, "项", current + "99", other, ln, None)


def _chain_finding(
    rule: Rule,
    ctx: CheckContext,
    name: str,
    level: str,
    code: str,
    table: str,
    ln: ProseLine,
    via: str | None,
) -> Iterable[Finding]:
    how = f"（其下的“{via}”在报表中为 {code[:5]}xx）" if via else f"（同一款 {code[:5]} 下报表的“其他”项）"
    f = make_finding(
        rule,
        ctx,
        f"名词解释中“{name}（{level}）”与报表中同一科目 {code} 的名称“{table}”不一致{how}。",
        [Evidence(quote=ln.ref.quote[:120], prov=ln.ref.prov)],
        [name],
        table,
        f"由报表确定名词解释所说科目的编码 {code}，与报表中该编码的科目名称比对",
    )
    if f:
        yield f


def _fold(name: str) -> str:
    """Without spaces, “（室）” and Kangxi radicals (⾏ → 行)."""
    return re.sub(r"[（(]?室[）)]?|\s", "", fold_text(name)).replace("室", "")


def _same_prefix(a: str, b: str) -> bool:
    """A wrapped table cell is cut (“机关事业单位基本养老保险缴费” for “…缴费支出”)."""
    return a == b or (min(len(a), len(b)) >= 6 and (a.startswith(b) or b.startswith(a)))


def _strip_ordinal(name: str) -> str:
    return re.sub(r"^[（(]?[一二三四五六七八九十]+[）)、]", "", name)
