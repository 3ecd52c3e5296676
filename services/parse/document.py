"""ExtractedDocument → ParsedDocument: metadata, sections, tables, narrative claims, scores."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

from shared.errors import NotFinalAccountsError
from shared.models import (
    DocumentKind,
    ExtractedDocument,
    Line,
    ParsedDocument,
    Section,
    SourceRef,
    Table,
    TableKind,
)

from .locate import Region, locate_tables
from .narrative import ClaimExtractor, extract_section_scores
from .scores import parse_score_tables
from .tables_coded import parse_coded_table
from .tables_economic import parse_economic_table
from .tables_simple import parse_state_assets, parse_three_public
from .tables_summary import parse_summary_table

PART_RE = re.compile(r"^\s*第([一二三四五六七八九十])部分\s*(.*)$")
YEAR_RE = re.compile(r"(20\d{2})\s*年\s*度")
DEPT_RE = re.compile(r"(?:部\s*门|编制单位)\s*[：:．.·]\s*(\S+?(?:\s\S+?)?)\s+20\d{2}")
HEADING2_RE = re.compile(r"^\s*[一二三四五六七八九十]{1,2}、")
MARKERS = ("决算", "收入支出", "财政拨款", "三公", "部门概况", "基本支出")


def parse_document(doc: ExtractedDocument) -> ParsedDocument:
    lines = doc.lines()
    flat = "".join(ln.norm for ln in lines)
    if sum(1 for m in MARKERS if m in flat) < 2:
        raise NotFinalAccountsError()
    ocr = doc.kind == DocumentKind.OCR_TEXT
    regions = locate_tables(lines, ocr)
    tables = [_parse_region(r, ocr) for r in regions if r.kind != TableKind.INCOME]
    income = next((r for r in regions if r.kind == TableKind.INCOME), None)
    if income is not None:
        # 收入决算表's 合计 row has the sources stated by 收入支出决算总表: parse it with that hint
        tables.insert(regions.index(income), parse_coded_table(income, ocr, root_hint=_income_hint(tables)))
    in_tables = {ln.line for r in regions for ln in r.lines + [r.title_line] + r.notes}
    narrative_lines = [ln for ln in lines if ln.line not in in_tables]
    extractor = ClaimExtractor()
    claims = extractor.run(narrative_lines) + extract_section_scores(narrative_lines)
    score_tables = parse_score_tables(narrative_lines)
    if not tables and not score_tables and not any(c.topic for c in claims):
        raise NotFinalAccountsError()  # no standard table, 绩效 score table or 决算情况说明 statement
    year = _year(lines)
    years = [(y, ref) for y, ref in extractor.years]
    notes = [n for t in tables for n in t.parse_notes]
    if not tables and _has_table_part(lines):
        notes.append("文本中有“决算表”部分标题但未能读取任何表格（表格可能为图片），表格相关检查未执行")
    return ParsedDocument(
        source_name=doc.source_name,
        sha256=doc.sha256,
        kind=doc.kind,
        department=_department(lines),
        year=year,
        unit=_unit(lines),
        sections=_sections(lines),
        tables=tables,
        claims=claims,
        score_tables=score_tables,
        years_mentioned=years + _table_years(regions),
        parse_notes=notes,
    )


def _parse_region(region: Region, ocr: bool) -> Table:
    kind = region.kind
    if kind in (TableKind.INCOME_EXPENDITURE_SUMMARY, TableKind.FISCAL_SUMMARY):
        return parse_summary_table(region, ocr)
    if kind == TableKind.GENERAL_BUDGET_BASIC:
        return parse_economic_table(region, ocr)
    if kind == TableKind.THREE_PUBLIC:
        return parse_three_public(region, ocr)
    if kind == TableKind.STATE_ASSETS:
        return parse_state_assets(region, ocr)
    return parse_coded_table(region, ocr)


INCOME_SOURCES = [
    ("本年收入合计", ("本年收入合计",)),
    ("财政拨款收入", ("一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款")),
    ("上级补助收入", ("上级补助收入",)),
    ("事业收入", ("事业收入",)),
    ("经营收入", ("经营收入",)),
    ("附属单位上缴收入", ("附属单位上缴收入",)),
    ("其他收入", ("其他收入",)),
]


def _income_hint(tables: list[Table]) -> list[Decimal | None] | None:
    """The income sources of 收入支出决算总表, in 收入决算表 column order, to decide which columns
    the 收入决算表's numbers belong to when empty cells were not printed."""
    summary = next((t for t in tables if t.kind == TableKind.INCOME_EXPENDITURE_SUMMARY), None)
    if summary is None:
        return None
    hint: list[Decimal | None] = []
    for _, names in INCOME_SOURCES:
        total = Decimal(0)
        found = False
        for r in summary.rows:
            if r.side == "income" and any(n in r.name.replace(" ", "") for n in names):
                v = r.num("决算数")
                if v is not None:
                    total += v
                    found = True
                if names == ("本年收入合计",):
                    break
        hint.append(total if found else Decimal(0))
    return hint


def _department(lines: list[Line]) -> str | None:
    for i, ln in enumerate(lines[:80]):
        m = PART_RE.match(ln.norm)
        if m and m.group(1) == "一":
            name = m.group(2).strip()
            if not name.endswith("概况") and i + 1 < len(lines):
                name += next((x.norm.strip() for x in lines[i + 1 : i + 4] if x.norm.strip()), "")
            name = re.sub(r"(部门)?概况$", "", name).strip()
            if name and "决算" not in name:
                return name
    found = Counter(m.group(1) for ln in lines if (m := DEPT_RE.search(ln.norm)))
    if found:
        return found.most_common(1)[0][0]
    return next((ln.norm.strip() for ln in lines if ln.norm.strip()), None)


def _year(lines: list[Line]) -> int | None:
    counts = Counter(int(m.group(1)) for ln in lines for m in YEAR_RE.finditer(ln.norm))
    return counts.most_common(1)[0][0] if counts else None


def _table_years(regions: list[Region]) -> list[tuple[int, SourceRef]]:
    out = []
    for r in regions:
        for ln in r.lines[:8] + [r.title_line]:
            if ("部门" in ln.norm or "编制单位" in ln.norm) and (m := YEAR_RE.search(ln.norm)):
                out.append((int(m.group(1)), SourceRef(page=ln.page, line=ln.line, quote=ln.text.strip())))
                break
    return out


def _unit(lines: list[Line]) -> str:
    units = Counter(m.group(1) for ln in lines if (m := re.search(r"金额单位\s*[：:．.]\s*(万\s*元|元)", ln.norm)))
    return units.most_common(1)[0][0].replace(" ", "") if units else "万元"


def _sections(lines: list[Line]) -> list[Section]:
    out = []
    for ln in lines:
        m = PART_RE.match(ln.norm)
        if m:
            out.append(Section(title=ln.norm.strip(), level=1, page=ln.page, line=ln.line))
        elif HEADING2_RE.match(ln.norm) and len(ln.norm.strip()) < 30:
            out.append(Section(title=ln.norm.strip(), level=2, page=ln.page, line=ln.line))
    return out


def _has_table_part(lines: list[Line]) -> bool:
    return any(PART_RE.match(ln.norm) and "决算表" in ln.norm for ln in lines)
