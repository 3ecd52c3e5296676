"""Grid readers for the tables keyed by 功能分类科目编码 and for the two-sided summary tables.

Coded tables (收入决算表, 支出决算表, 一般公共预算财政拨款支出决算表, 政府性基金 / 国有资本经营
tables): a row's code comes from its code cells (类 | 款 | 项 joined, or one code cell), its name
from the 科目名称 cell, and each amount from the column its header names. Nothing is guessed:
an empty cell is empty.

Summary tables (收入支出决算总表, 财政拨款收入支出决算总表): the columns under 收入 and under 支出
are two tables side by side; each row yields an income row and an expenditure row.
"""

from __future__ import annotations

from shared.document import Prov
from shared.knowledge.classification import category_code, function_level
from shared.knowledge.tables import FISCAL_EXPENDITURE_COLUMNS, SUMMARY_COLUMN, TableKind
from shared.models import Cell, Row

from .layout import (
    CODE_ROLES,
    TOTAL_LABELS,
    BodyRow,
    Column,
    LogicalTable,
    clean_label,
    read_cell,
    row_code,
    squash,
)
from .ocr_rows import settle_codes


def _amount_columns(table: LogicalTable, side: str | None = None) -> list[Column]:
    out: list[Column] = []
    names: set[str] = set()
    for c in table.columns:
        if c.role == "amount" and c.name and (side is None or c.side == side) and c.name not in names:
            names.add(c.name)
            out.append(c)
    return out


def _row_prov(row: BodyRow, cols: list[int]) -> Prov:
    cells = row.distinct(cols)
    box = None
    for c in cells:
        if c.bbox is not None:
            box = c.bbox if box is None else box.union(c.bbox)
    return Prov(page=row.page, bbox=box)


def read_coded(
    table: LogicalTable, scale: int = 0, ocr: bool = False
) -> tuple[list[str], list[Row], list[str], list[int]]:
    """(columns, rows, notes, unread rows) of a coded table. ``ocr``: the grid was read from a
    scan; its codes are checked against the table's structure (:mod:`.ocr_rows`), and the
    positions of rows of figures whose code could not be read are returned."""
    amounts = _amount_columns(table)
    names = [c for c in table.columns if c.role == "name"]
    code_cols = [c.index for c in table.columns if c.role in CODE_ROLES]
    notes: list[str] = []
    rows: list[Row] = []
    unread: list[bool] = []
    all_cols = list(range(len(table.columns)))
    for br in table.body:
        code, code_label = row_code(br, table.columns)
        name = clean_label(" ".join(br.text(c.index) for c in names if br.text(c.index))) if names else ""
        if not name and code_label:
            name = code_label  # a merged 合计 cell, or the name printed in the code's cell
        cells = {c.name: read_cell(br.cells[c.index], br.page, scale) for c in amounts if c.name}
        missing = False
        if not code and squash(name) not in TOTAL_LABELS:
            if not any(cell.state == "number" for cell in cells.values()):
                continue
            if not ocr:
                notes.append(f"第{br.page}页表格有一行数字没有科目编码（{name or '无名称'}），未采用")
                continue
            missing = True
        if not code:
            name = squash(name)
        rows.append(
            Row(
                code=code,
                name=name,
                level=function_level(code) if code else None,
                cells=cells,
                prov=_row_prov(br, all_cols),
                confidence=min((c.confidence for c in br.distinct(code_cols)), default=1.0) if ocr else 1.0,
            )
        )
        unread.append(missing)
    gaps: list[int] = []
    if ocr:
        rows, gaps, settled = settle_codes(rows, unread)
        notes += settled
        for r in rows:
            r.level = function_level(r.code) if r.code else None
    return [c.name for c in amounts if c.name], rows, notes, gaps


def read_summary(table: LogicalTable, scale: int = 0) -> tuple[list[str], list[str], list[Row], list[str]]:
    """(expenditure columns, income columns, rows, notes) of a two-sided summary table."""
    fiscal = table.kind == TableKind.FISCAL_SUMMARY
    _inherit_sides(table.columns)
    sides: dict[str, tuple[Column | None, Column | None, list[tuple[str, Column]]]] = {}
    for side in ("income", "expenditure"):
        cols = [c for c in table.columns if c.side == side]
        label_col = next((c for c in cols if c.role == "name"), None) or next(
            (c for c in cols if c.role == "unknown"), None
        )
        row_no_col = next((c for c in cols if c.role == "row_no"), None)
        amounts = [c for c in cols if c.role == "amount"]
        named: list[tuple[str, Column]] = []
        if side == "expenditure" and fiscal:
            for c in amounts:
                name = (
                    c.name
                    if c.name in FISCAL_EXPENDITURE_COLUMNS
                    else "小计"
                    if c.name in (None, "本年支出合计", "决算数")
                    else None
                )
                if name and all(n != name for n, _ in named):
                    named.append((name, c))
        elif amounts:
            named.append((SUMMARY_COLUMN, amounts[0]))
        sides[side] = (label_col, row_no_col, named)
    notes: list[str] = []
    if not sides["income"][0] or not sides["expenditure"][0]:
        notes.append("总表的收入、支出两栏未能从表头分开，按列位置读取")
        _split_by_position(table, sides, fiscal)
    rows: list[Row] = []
    for br in table.body:
        for side in ("income", "expenditure"):
            label_col, row_no_col, named = sides[side]
            if label_col is None:
                continue
            label = clean_label(br.text(label_col.index))
            if not label or _is_header_label(label):
                continue
            cells = {name: read_cell(br.cells[c.index], br.page, scale) for name, c in named}
            row_no = None
            if row_no_col is not None and (t := squash(br.text(row_no_col.index))).isdigit():
                row_no = int(t)
            indices = [label_col.index] + [c.index for _, c in named]
            row = Row(name=label, side=side, row_no=row_no, cells=cells, prov=_row_prov(br, indices))
            key = squash(label)
            if side == "expenditure" and not any(w in key for w in ("合计", "总计", "结")):
                code = category_code(label)
                if code:
                    row.code, row.level = code, "类"
            rows.append(row)
    exp_cols = [n for n, _ in sides["expenditure"][2]] or (
        [*FISCAL_EXPENDITURE_COLUMNS] if fiscal else [SUMMARY_COLUMN]
    )
    inc_cols = [n for n, _ in sides["income"][2]] or [SUMMARY_COLUMN]
    return exp_cols, inc_cols, rows, notes


def _inherit_sides(columns: list[Column]) -> None:
    """A column whose header does not say 收入 or 支出 (a 收入 label centred over its label
    column only, in a table without rules) belongs to the side of the column before it."""
    side = None
    for c in columns:
        if c.side is not None:
            side = c.side
        elif side is not None:
            c.side = side


def _split_by_position(table: LogicalTable, sides: dict, fiscal: bool) -> None:
    """No 收入 / 支出 header: the first label column and the amounts after it are income, the
    second label column and its amounts expenditure."""
    labels = [c for c in table.columns if c.role in ("name", "unknown")]
    if len(labels) < 2:
        return
    left, right = labels[0], labels[1]
    inc = [c for c in table.columns if c.role == "amount" and left.index < c.index < right.index]
    exp = [c for c in table.columns if c.role == "amount" and c.index > right.index]
    sides["income"] = (left, None, [(SUMMARY_COLUMN, inc[0])] if inc else [])
    if fiscal:
        names = list(FISCAL_EXPENDITURE_COLUMNS)
        sides["expenditure"] = (right, None, list(zip(names, exp)))
    else:
        sides["expenditure"] = (right, None, [(SUMMARY_COLUMN, exp[0])] if exp else [])


def _is_header_label(label: str) -> bool:
    key = squash(label)
    return key in ("项目", "收入", "支出", "栏次", "行次") or key.startswith(("栏次", "行次"))


def empty_cell(page: int) -> Cell:
    return Cell(state="empty", prov=Prov(page=page))
