"""Real Excel workbooks (openpyxl), as departments export the 决算 tables from their reporting
software.

Sheet “决算说明” comes first: the cover line and every narrative paragraph, one per row in
column A, no borders (the table block and the score table are not repeated there). Then one
sheet per public table, named “01收入支出决算总表” … (公开 number + title, ≤ 31 characters): the
title in row 1 merged across the table width (no borders), “单位：万元” in row 2 (last column,
right-aligned), then the table with a thin border on every cell and merged header cells (the
layout of :mod:`corpus.file_layout`, the same as the PDF's), then its “注：…” rows without
borders. The 三公 sheet holds two tables: the amounts, then (after an empty row and its own
title row) “三公”经费相关统计数. The last sheet “项目支出绩效自评表” holds the score table.

Amounts are numeric cells (exact decimals) with number_format ``#,##0.00``; counts are integers
with ``0``; scores are numbers; zero amounts and empty cells are ``None``. The workbook's dates
are fixed and the zip is re-packed, so the same draft always gives the same bytes.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from corpus.defects import Draft
from corpus.file_layout import GCell, Grid, Score, alignment, score_grid, stable_zip, table_grids
from corpus.tables import Blank, Count, Dash, Money

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_ALIGN = {
    (a, h): Alignment(horizontal=a, vertical="center", wrap_text=h or a != "right")
    for a in ("left", "center", "right")
    for h in (True, False)
}
_WIDTH = 0.9  # Excel character width per unit of the layout's relative column widths


def cell_value(v: object) -> tuple[object, str]:
    """(Python value, number_format) of a grid value."""
    if isinstance(v, Money):
        return (Decimal(v.fen) / 100 if v.fen else None), "#,##0.00"
    if isinstance(v, Count):
        return v.n, "0"
    if isinstance(v, Score):
        return (int(v.value) if v.value == v.value.to_integral_value() else v.value), "General"
    if isinstance(v, Dash):
        return "——", "General"
    if isinstance(v, Blank):
        return None, "General"
    assert isinstance(v, str)
    return (v or None), "General"


def _put(ws: Worksheet, row: int, col: int, cell: GCell, header: bool) -> None:
    value, fmt = cell_value(cell.value)
    target = ws.cell(row=row, column=col, value=value)
    target.number_format = fmt
    target.border = _BORDER
    target.alignment = _ALIGN[(alignment(cell, header), header)]
    if cell.rowspan > 1 or cell.colspan > 1:
        ws.merge_cells(start_row=row, start_column=col, end_row=row + cell.rowspan - 1,
                       end_column=col + cell.colspan - 1)  # fmt: skip


def _caption(ws: Worksheet, row: int, text: str, ncols: int, font: Font, align: str) -> None:
    target = ws.cell(row=row, column=1, value=text)
    target.font = font
    target.alignment = Alignment(horizontal=align, vertical="center")
    if ncols > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)


def write_grid(ws: Worksheet, g: Grid, top: int) -> int:
    """Write ``g`` from row ``top``; returns the next free row."""
    row = top
    _caption(ws, row, g.title, g.ncols, _BOLD if g.attached else _TITLE, "center")
    row += 1
    if g.subtitle:
        _caption(ws, row, g.subtitle, g.ncols, Font(), "center")
        row += 1
    if g.unit:
        unit = ws.cell(row=row, column=g.ncols, value=g.unit)
        unit.alignment = Alignment(horizontal="right")
        row += 1
    for r, slots in enumerate(g.rows):
        for c, cell in enumerate(slots):
            if cell is not None:
                _put(ws, row + r, c + 1, cell, r < g.n_header)
    row += len(g.rows)
    for note in g.notes:
        ws.cell(row=row, column=1, value=note)
        row += 1
    ws.page_setup.orientation = "landscape" if g.landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    for c, w in enumerate(g.widths, start=1):
        dim = ws.column_dimensions[get_column_letter(c)]
        dim.width = max(dim.width or 0, round(w * _WIDTH, 1))
    return row


def _narrative_sheet(ws: Worksheet, d: Draft) -> None:
    a = d.accounts
    ws.column_dimensions["A"].width = 120
    ws.cell(row=1, column=1, value=f"{a.dept.name}{a.year}年度部门决算").font = _TITLE
    row = 2
    for para in d.narrative.paras:
        if para.kind in ("tables", "score_table"):
            continue
        target = ws.cell(row=row, column=1, value=para.text)
        if para.kind in ("h1", "h2", "h3"):
            target.font = _TITLE if para.kind == "h1" else _BOLD
        row += 1


def render_xlsx(d: Draft, seed: int) -> bytes:
    """The whole document as XLSX bytes (``seed`` is unused: workbooks carry no noise)."""
    a = d.accounts
    wb = Workbook()
    created = datetime.datetime(a.year + 1, 5, 20, 9, 0, 0)
    wb.properties.creator = ""
    wb.properties.title = f"{a.dept.name}{a.year}年度部门决算"
    wb.properties.created = created
    ws = wb.active
    assert ws is not None
    ws.title = "决算说明"
    _narrative_sheet(ws, d)
    printed = any(p.kind == "tables" for p in d.narrative.paras)  # a defect may leave them out (C001)
    for t in d.tables if printed else []:
        row = 1
        for g in table_grids(t, a):
            if not g.attached:
                ws = wb.create_sheet(g.sheet)
                row = 1
            row = write_grid(ws, g, row + (1 if g.attached else 0))
    if any(p.kind == "score_table" for p in d.narrative.paras):  # a defect may leave it out (C008)
        write_grid(wb.create_sheet("项目支出绩效自评表"), score_grid(a, d.performance), 1)
    buf = io.BytesIO()
    wb.save(buf)
    return stable_zip(buf.getvalue(), stamp=created.strftime("%Y-%m-%dT%H:%M:%SZ"))
