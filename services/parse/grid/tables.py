"""A table region of a laid-out document → a parsed :class:`Table`, by the reader for its kind."""

from __future__ import annotations

from shared.document import Grid, Line, Prov
from shared.knowledge.tables import CODED_TABLES, SUMMARY_TABLES, TableKind
from shared.models import Table

from ..lines.coded import parse_coded_table
from ..lines.economic import parse_economic_table
from ..lines.labelled import parse_state_assets, parse_three_public
from ..lines.locate import Region
from ..lines.summary import parse_summary_table
from .align import grid_from_lines
from .coded import read_coded, read_summary
from .labelled import read_assets, read_economic, read_three_public, read_three_public_counts
from .layout import read_layout
from .ocr_rows import unsure_decimals
from .regions import GridRegion


def read_region(region: GridRegion) -> Table:
    if not region.grids and region.meta:
        # no rules: a grid from the alignment of the lines' words (PDF), else read as text
        aligned = grid_from_lines(region.meta, region.meta[0].page, region.meta[0].line)
        if aligned is None:
            return _read_lines(region)
        region.grids = [aligned]
        region.aligned = True
    if not region.grids:
        return _read_lines(region)
    unit = region.unit
    scale = 4 if unit == "元" else 0
    layout = read_layout(region.kind, region.grids, region.skip_rows)
    notes: list[str] = []
    income_columns: list[str] = []
    unread: list[int] = []
    ocr = any(g.ocr for g in region.grids)
    kind = region.kind
    if kind in SUMMARY_TABLES:
        columns, income_columns, rows, notes = read_summary(layout, scale)
    elif kind == TableKind.GENERAL_BUDGET_BASIC:
        columns, rows, notes = read_economic(layout, scale, ocr)
    elif kind == TableKind.THREE_PUBLIC:
        columns, rows, notes = read_three_public(layout, scale)
        for extra in region.extra:  # the counts (批次, 人次, 辆) in a table of their own
            rows += read_three_public_counts(read_layout(kind, [extra]), "决算数", rows)
    elif kind == TableKind.STATE_ASSETS:
        columns, rows, notes = read_assets(layout)
    else:
        assert kind in CODED_TABLES
        columns, rows, notes, unread = read_coded(layout, scale, ocr)
    if ocr:
        unsure_decimals(rows)
    if scale:
        notes.append(f"{region.title}以“元”为单位，已换算为万元比较")
    if region.aligned:
        notes.append(f"“{region.title}”没有表格线，按文字对齐划分栏目")
    has_values = any(c.state == "number" and c.value for r in rows for c in r.cells.values())
    title_prov = (
        region.title_line.prov if region.title_line else Prov(page=region.page, bbox=region.grids[0].bbox)
    )
    return Table(
        kind=kind,
        title=region.title,
        number_label=region.number_label,
        prov=title_prov,
        pages=layout.pages,
        columns=columns,
        income_columns=income_columns,
        rows=rows,
        is_empty=not has_values,
        has_empty_note=region.has_empty_note,
        unit=unit,
        from_grid=True,
        parse_notes=notes,
        unread_rows=unread,
    )


def _read_lines(region: GridRegion) -> Table:
    """A titled table printed without rules (no grid): read its lines as plain text is read."""
    assert region.title_line is not None
    lines = Region(
        kind=region.kind, title_line=region.title_line, body=list(region.meta), notes=list(region.notes)
    )
    kind = region.kind
    if kind in SUMMARY_TABLES:
        table = parse_summary_table(lines)
    elif kind == TableKind.GENERAL_BUDGET_BASIC:
        table = parse_economic_table(lines)
    elif kind == TableKind.THREE_PUBLIC:
        table = parse_three_public(lines)
    elif kind == TableKind.STATE_ASSETS:
        table = parse_state_assets(lines)
    else:
        table = parse_coded_table(lines)
    table.unit = region.unit
    table.parse_notes.append(f"“{region.title}”没有表格线，按文字行读取，空栏的归属由勾稽关系推断")
    if table.unit == "元":
        to_wan(table)
    return table


def to_wan(table: Table) -> None:
    """A table read in 元, in 万元 (its amounts, never its counts), with the finer precision kept."""
    from shared.knowledge.tables import THREE_PUBLIC_COUNTS

    counts = {k.value for k in THREE_PUBLIC_COUNTS}
    for row in table.rows:
        if row.group in counts or table.kind == TableKind.STATE_ASSETS:
            continue
        for cell in row.cells.values():
            if cell.state == "number" and cell.value is not None:
                cell.value = cell.value.scaleb(-4)
                cell.places = (cell.places or 0) + 4
    table.parse_notes.append(f"{table.title}以“元”为单位，已换算为万元比较")


def grid_lines(grid: Grid) -> list[Line]:
    """A grid outside any standard table (a 绩效 score table, the list of units) read as lines
    of text, one per row, for the narrative and score-table readers."""
    from shared.normalize import normalize_for_matching

    out: list[Line] = []
    by_row: dict[int, list] = {}
    for c in grid.cells:
        by_row.setdefault(c.row, []).append(c)
    for r, text in enumerate(grid.row_texts()):
        if not text.strip():
            continue
        cells = by_row.get(r, [])
        box = None
        for c in cells:
            if c.bbox is not None:
                box = c.bbox if box is None else box.union(c.bbox)
        out.append(
            Line(page=grid.page, line=grid.seq, text=text, norm=normalize_for_matching(text), bbox=box)
        )
    return out
