"""ExtractedDocument → ParsedDocument: metadata, sections, tables, narrative claims, scores."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

from shared.document import ExtractedDocument, Grid, Line
from shared.errors import NotFinalAccountsError
from shared.knowledge.tables import INCOME_SOURCES, TableKind, match_title
from shared.models import ParsedDocument, Section, SourceRef, Table

from .contents import table_of_contents
from .doctype import check_not_final_accounts
from .grid.regions import UNIT_RE, locate_regions
from .grid.tables import grid_lines, read_region, to_wan
from .lines.coded import parse_coded_table
from .lines.economic import parse_economic_table
from .lines.labelled import parse_state_assets, parse_three_public
from .lines.locate import Region, locate_tables
from .lines.summary import parse_summary_table
from .narrative import ClaimExtractor, extract_section_scores
from .scores import parse_score_tables

PART_RE = re.compile(r"^\s*第([一二三四五六七八九十])部分\s*(.*)$")
YEAR_RE = re.compile(r"(20\d{2})\s*年\s*度")
DEPT_RE = re.compile(r"(?:部\s*门|编制单位)\s*[：:．.·]\s*(\S+?(?:\s\S+?)?)\s+20\d{2}")
HEADING2_RE = re.compile(r"^\s*[一二三四五六七八九十]{1,2}、")
HEADING3_RE = re.compile(r"^\s*[（(][一二三四五六七八九十]{1,2}[）)]")
MARKERS = ("决算", "收入支出", "财政拨款", "三公", "部门概况", "基本支出")


def parse_document(doc: ExtractedDocument) -> ParsedDocument:
    lines = doc.lines()
    flat = "".join(ln.norm for ln in lines) + "".join(c.text for g in doc.grids() for c in g.cells)
    if sum(1 for m in MARKERS if m in flat) < 2:
        raise NotFinalAccountsError()
    toc_lines = table_of_contents(lines)
    toc = {id(ln) for ln in toc_lines}
    body_lines = [ln for ln in lines if id(ln) not in toc]
    if doc.kind.has_layout:
        blocks = [b for b in doc.blocks() if id(b) not in toc]
        tables, narrative_lines, table_years = _layout_tables(blocks)
    else:
        tables, narrative_lines, table_years = _text_tables(body_lines)
    check_not_final_accounts(body_lines, tables)
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
        sections=_sections(body_lines),
        tables=tables,
        tables_listed=list(dict.fromkeys(k for ln in toc_lines if (k := match_title(ln.norm.strip())))),
        claims=claims,
        score_tables=score_tables,
        years_mentioned=years + table_years,
        page_labels=doc.page_labels(),
        passages=[SourceRef(quote=ln.text.strip(), prov=ln.prov) for ln in body_lines if ln.text.strip()],
        page_count=len(doc.pages),
        parse_notes=doc.warnings + notes,
    )


def _text_tables(lines: list[Line]) -> tuple[list[Table], list[Line], list[tuple[int, SourceRef]]]:
    """Tables of a text source, read line by line; the lines outside them."""
    regions = locate_tables(lines)
    tables = [_parse_region(r) for r in regions if r.kind != TableKind.INCOME]
    income = next((r for r in regions if r.kind == TableKind.INCOME), None)
    if income is not None:
        # 收入决算表's 合计 row has the sources stated by 收入支出决算总表: parse it with that hint
        tables.insert(regions.index(income), parse_coded_table(income, root_hint=_income_hint(tables)))
    for region, table in zip(regions, tables):
        if _region_unit(region) == "元":
            table.unit = "元"
            to_wan(table)
    in_tables = {id(ln) for r in regions for ln in r.lines + [r.title_line] + r.notes}
    narrative = [ln for ln in lines if id(ln) not in in_tables]
    return tables, narrative, _table_years([[r.title_line, *r.lines[:8]] for r in regions])


def _layout_tables(blocks: list[Line | Grid]) -> tuple[list[Table], list[Line], list[tuple[int, SourceRef]]]:
    """Tables of a laid-out source (PDF, Word, Excel), read cell by cell from their grids; the
    lines outside them, with the rows of other grids (score tables) as lines."""
    regions, outside = locate_regions(blocks)
    tables = [read_region(r) for r in regions]
    narrative: list[Line] = []
    for b in outside:
        if isinstance(b, Line):
            narrative.append(b)
        else:
            narrative.extend(grid_lines(b))
    heads = [[x for x in [r.title_line, *r.meta] if x is not None] for r in regions]
    return tables, narrative, _table_years(heads)


def _region_unit(region: Region) -> str | None:
    for ln in [region.title_line, *region.lines[:6]]:
        m = UNIT_RE.search(ln.norm)
        if m:
            return m.group(1).replace(" ", "")
    return None


def _parse_region(region: Region) -> Table:
    kind = region.kind
    if kind in (TableKind.INCOME_EXPENDITURE_SUMMARY, TableKind.FISCAL_SUMMARY):
        return parse_summary_table(region)
    if kind == TableKind.GENERAL_BUDGET_BASIC:
        return parse_economic_table(region)
    if kind == TableKind.THREE_PUBLIC:
        return parse_three_public(region)
    if kind == TableKind.STATE_ASSETS:
        return parse_state_assets(region)
    return parse_coded_table(region)


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


def _table_years(heads: list[list[Line]]) -> list[tuple[int, SourceRef]]:
    """The year printed in each table's heading lines (编制单位：… 2023年度)."""
    out = []
    for head in heads:
        for ln in head:
            if ("部门" in ln.norm or "编制单位" in ln.norm) and (m := YEAR_RE.search(ln.norm)):
                out.append((int(m.group(1)), SourceRef(prov=ln.prov, quote=ln.text.strip())))
                break
    return out


def _unit(lines: list[Line]) -> str:
    units = Counter(
        m.group(1) for ln in lines if (m := re.search(r"金额单位\s*[：:．.]\s*(万\s*元|元)", ln.norm))
    )
    return units.most_common(1)[0][0].replace(" ", "") if units else "万元"


def _sections(lines: list[Line]) -> list[Section]:
    out = []
    for ln in lines:
        m = PART_RE.match(ln.norm)
        if m:
            out.append(Section(title=ln.norm.strip(), level=1, prov=ln.prov))
        elif HEADING2_RE.match(ln.norm) and len(ln.norm.strip()) < 30:
            out.append(Section(title=ln.norm.strip(), level=2, prov=ln.prov))
        elif HEADING3_RE.match(ln.norm) and len(ln.norm.strip()) < 30:
            out.append(Section(title=ln.norm.strip(), level=3, prov=ln.prov))
    return out


def _has_table_part(lines: list[Line]) -> bool:
    return any(PART_RE.match(ln.norm) and "决算表" in ln.norm for ln in lines)
