"""Grid readers for the basic-expenditure table (经济分类, in side-by-side column groups), the
三公 table (rows of items, or — in the Shanghai layout — one row under a three-level header of
item × 预算数/决算数 columns) and the 国有资产占用情况表."""

from __future__ import annotations

import re

from shared.document import Prov
from shared.knowledge.classification import ECONOMIC_NAMES, personnel_group
from shared.knowledge.tables import (
    ASSET_LABELS,
    ECONOMIC_COLUMN,
    PERSONNEL_TOTAL,
    PUBLIC_TOTAL,
    THREE_PUBLIC_COUNTS,
    THREE_PUBLIC_LABELS,
    ThreePublicItem,
    header_column,
)
from shared.models import Cell, Row

from .layout import AMOUNT_RE, BodyRow, Column, LogicalTable, clean_label, number_text, read_cell, squash
from .ocr_rows import economic_code

ECON_CODE_RE = re.compile(r"^3\d{2}(\d{2})?$")
_THREE_PUBLIC_RES = [(k, re.compile(p)) for k, p in THREE_PUBLIC_LABELS]
_ASSET_RES = [(k, re.compile(p)) for k, p in ASSET_LABELS]


def _prov(br: BodyRow, cols: list[int]) -> Prov:
    box = None
    for c in br.distinct(cols):
        if c.bbox is not None:
            box = c.bbox if box is None else box.union(c.bbox)
    return Prov(page=br.page, bbox=box)


# ------------------------------------------------------------------ 基本支出表


def _groups(columns: list[Column]) -> list[tuple[list[Column], Column | None, Column]]:
    """Column groups (code columns, name column, amount column), left to right: a group ends at
    each amount column."""
    groups: list[tuple[list[Column], Column | None, Column]] = []
    codes: list[Column] = []
    name: Column | None = None
    for c in columns:
        if c.role in ("code", "code_class", "code_kuan", "code_item"):
            codes.append(c)
        elif c.role == "name":
            name = c
        elif c.role == "amount":
            groups.append((codes, name, c))
            codes, name = [], None
    return groups


def _econ_code(br: BodyRow, codes: list[Column]) -> tuple[str | None, str]:
    digits, label = "", ""
    for c in codes:
        t = number_text(br.text(c.index))
        if re.fullmatch(r"\d{2,5}", t):
            digits += t
        elif t:
            label = squash(br.text(c.index))
            break
        else:
            break
    return (digits if ECON_CODE_RE.match(digits) else None), label


def _total_label(key: str) -> str | None:
    if "人员经费" in key and "合计" in key:
        return PERSONNEL_TOTAL
    if re.search(r"公用(经费|支出)合计", key):
        return PUBLIC_TOTAL
    return None


def read_economic(
    table: LogicalTable, scale: int = 0, ocr: bool = False
) -> tuple[list[str], list[Row], list[str]]:
    """(columns, rows, notes) of the basic-expenditure table. ``ocr``: a scan's grid, whose codes
    are checked against the names printed beside them (:func:`.ocr_rows.economic_code`)."""
    rows: dict[str, Row] = {}
    totals: list[Row] = []
    notes: list[str] = []
    groups = _groups(table.columns)
    if not groups:
        return [ECONOMIC_COLUMN], [], ["基本支出表的表头未能识别出“决算数”栏"]
    for br in table.body:
        pending: str | None = None  # a total's label whose figure is in a later group of the row
        for codes, name_col, amount in groups:
            code, label = _econ_code(br, codes)
            name = clean_label(br.text(name_col.index)) if name_col is not None else ""
            amount_cell = br.cells[amount.index]
            own = [br.cells[c.index] for c in [*codes, *([name_col] if name_col else [])]]
            if amount_cell is not None and any(amount_cell is c for c in own):
                pending = _total_label(squash(label or name)) or pending
                continue  # a label merged across this group's amount cell: its figure is further right
            cell = read_cell(amount_cell, br.page, scale)
            cols = [c.index for c in codes] + ([name_col.index] if name_col else []) + [amount.index]
            key = squash(label or name)
            total = _total_label(key)
            if total is None and cell.state == "text":
                pending = (
                    _total_label(squash(cell.text or "")) or pending
                )  # the label printed over the amount
                continue
            if total is None and not key and pending and cell.state == "number":
                total, pending = pending, None
            if total:
                if cell.state == "number" or not any(t.name == total for t in totals):
                    totals = [
                        t for t in totals if t.name != total or t.cells[ECONOMIC_COLUMN].state == "number"
                    ]
                    totals.append(
                        Row(name=total, group=total[:4], cells={ECONOMIC_COLUMN: cell}, prov=_prov(br, cols))
                    )
                continue
            confidence = 1.0
            if ocr and (code is not None or (cell.state == "number" and cell.value)):
                code, confidence, note = economic_code(code, name, br.distinct([c.index for c in codes]))
                if note:
                    notes.append(note)
            if code is None:
                if cell.state == "number" and cell.value:
                    notes.append(
                        f"第{br.page}页基本支出表有数字没有经济分类编码（{name or '无名称'}），未采用"
                    )
                continue
            if code in rows:
                continue
            rows[code] = Row(
                code=code,
                name=ECONOMIC_NAMES.get(code) or name,
                group=personnel_group(code),
                cells={ECONOMIC_COLUMN: cell},
                prov=_prov(br, cols),
                confidence=confidence,
            )
    return [ECONOMIC_COLUMN], [*rows.values(), *totals], notes


# ------------------------------------------------------------------ 三公 table


def _item_of(text: str) -> ThreePublicItem | None:
    key = squash(text)
    if key in ("合计", "小计合计"):
        return ThreePublicItem.TOTAL
    return next((k for k, rx in _THREE_PUBLIC_RES if rx.search(key)), None)


def _measure(path: list[str]) -> str | None:
    for label in reversed(path):
        name = header_column(label, None)  # type: ignore[arg-type]
        if name in ("预算数", "年初预算数", "全年预算数", "决算数"):
            return name
    return None


def read_three_public(table: LogicalTable, scale: int = 0) -> tuple[list[str], list[Row], list[str]]:
    """``scale``: amounts of a table in 元 (counts are never scaled)."""
    label_col = next((c for c in table.columns if c.role in ("name", "unknown")), None)
    vertical = label_col is not None and any(_item_of(br.text(label_col.index)) for br in table.body)
    if vertical:
        return _three_public_rows(table, label_col, scale)  # type: ignore[arg-type]
    return _three_public_columns(table, scale)


def _three_public_rows(
    table: LogicalTable, label_col: Column, scale: int
) -> tuple[list[str], list[Row], list[str]]:
    """Items as rows: label | (行次) | 年初预算数 | (全年预算数) | 决算数."""
    measures = [(m, c) for c in table.columns if c.role == "amount" and (m := _measure(c.path))]
    columns = list(dict.fromkeys(m for m, _ in measures))
    rows: list[Row] = []
    seen: set[ThreePublicItem] = set()
    for br in table.body:
        item = _item_of(br.text(label_col.index))
        if item is None or item in seen:
            continue
        seen.add(item)
        cells: dict[str, Cell] = {}
        for m, c in measures:
            if m not in cells:
                count = item in THREE_PUBLIC_COUNTS
                cells[m] = _count_cell(read_cell(br.cells[c.index], br.page, 0 if count else scale), item)
        rows.append(
            Row(
                name=clean_label(br.text(label_col.index)),
                group=item.value,
                cells=cells,
                prov=_prov(br, [label_col.index]),
            )
        )
    return columns, rows, []


def read_three_public_counts(table: LogicalTable, column: str, have: list[Row]) -> list[Row]:
    """A “相关统计数” sub-table (label | number): its count rows, under the main table's actual
    column, for the items the main table does not already have."""
    label_col = next((c for c in table.columns if c.role in ("name", "unknown")), None)
    if label_col is None:
        return []
    value_col = next((c for c in table.columns if c.index != label_col.index), None)
    if value_col is None:
        return []
    seen = {r.group for r in have}
    out: list[Row] = []
    for br in table.body:
        item = _item_of(br.text(label_col.index))
        if item is None or item not in THREE_PUBLIC_COUNTS or item.value in seen:
            continue
        seen.add(item.value)
        cell = _count_cell(read_cell(br.cells[value_col.index], br.page), item)
        out.append(
            Row(
                name=clean_label(br.text(label_col.index)),
                group=item.value,
                cells={column: cell},
                prov=_prov(br, [label_col.index, value_col.index]),
            )
        )
    return out


def _three_public_columns(table: LogicalTable, scale: int) -> tuple[list[str], list[Row], list[str]]:
    """The Shanghai layout: one data row; each column is (item, measure) by its header path."""
    placed: dict[ThreePublicItem, dict[str, int]] = {}
    for c in table.columns:
        measure = _measure(c.path)
        item = next((i for label in reversed(c.path[:-1] or c.path) if (i := _item_of(label))), None)
        if measure is None or item is None:
            continue
        placed.setdefault(item, {}).setdefault(measure, c.index)
    data = next(
        (
            br
            for br in table.body
            if any(AMOUNT_RE.match(number_text(br.text(i))) for i in range(len(br.cells)))
        ),
        None,
    )
    if data is None:
        data = table.body[0] if table.body else None
    columns = list(dict.fromkeys(m for cols in placed.values() for m in cols))
    order = {m: i for i, m in enumerate(("年初预算数", "全年预算数", "预算数", "决算数"))}
    columns.sort(key=lambda m: order.get(m, 9))
    rows: list[Row] = []
    for item, cols in placed.items():
        cells = {
            m: (read_cell(data.cells[i], data.page, scale) if data is not None else Cell(state="empty"))
            for m, i in cols.items()
        }
        prov = _prov(data, list(cols.values())) if data is not None else Prov()
        rows.append(Row(name=_item_zh(item), group=item.value, cells=cells, prov=prov))
    notes = [] if data is not None or not placed else ["“三公”经费表没有数据行"]
    return columns, rows, notes


_ITEM_ZH = {
    ThreePublicItem.TOTAL: "“三公”经费合计",
    ThreePublicItem.ABROAD: "因公出国（境）费",
    ThreePublicItem.VEHICLE: "公务用车购置及运行维护费",
    ThreePublicItem.VEHICLE_PURCHASE: "公务用车购置费",
    ThreePublicItem.VEHICLE_OPERATION: "公务用车运行维护费",
    ThreePublicItem.RECEPTION: "公务接待费",
}


def _item_zh(item: ThreePublicItem) -> str:
    return _ITEM_ZH.get(item, item.value)


def _count_cell(cell: Cell, item: ThreePublicItem) -> Cell:
    """Counts (批次, 人次, 辆) are whole numbers: "1.50" in a count row is not a count."""
    if (
        item in THREE_PUBLIC_COUNTS
        and cell.state == "number"
        and cell.value is not None
        and cell.value != cell.value.to_integral()
    ):
        return Cell(state="text", text=cell.raw, raw=cell.raw, prov=cell.prov, confidence=0.0)
    return cell


# ------------------------------------------------------------------ 国有资产占用情况表


def read_assets(table: LogicalTable) -> tuple[list[str], list[Row], list[str]]:
    label_col = next((c for c in table.columns if c.role in ("name", "unknown")), None)
    value_col = next((c for c in table.columns if c.role == "amount"), None)
    if label_col is None or value_col is None:
        return ["决算数"], [], ["国有资产占用情况表的表头未能识别"]
    rows: list[Row] = []
    seen: set[str] = set()
    for br in table.body:
        key = squash(br.text(label_col.index))
        item = next((k for k, rx in _ASSET_RES if rx.search(key)), None)
        if item is None or item in seen:
            continue
        seen.add(item)
        cell = read_cell(br.cells[value_col.index], br.page)
        rows.append(
            Row(
                name=clean_label(br.text(label_col.index)),
                group=item.value,
                cells={"决算数": cell},
                prov=_prov(br, [label_col.index, value_col.index]),
            )
        )
    return ["决算数"], rows, []
