"""Named quantities looked up in the parsed tables, so rules speak in domain terms
(“01表 本年收入合计”) rather than row indices. Each fact keeps its table, row, column and cell."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from shared.knowledge.tables import TABLE_TITLES, THREE_PUBLIC_COUNTS, TableKind
from shared.models import Cell, ParsedDocument, Row, Table

from .findings import cell_evidence

COUNT_GROUPS = {k.value for k in THREE_PUBLIC_COUNTS}
_LABEL_END = re.compile(r"[.。·,，:：;；]+$")


@dataclass
class Fact:
    table: Table
    row: Row
    column: str
    cell: Cell

    @property
    def value(self) -> Decimal:
        return self.cell.value if self.cell.state == "number" and self.cell.value is not None else Decimal(0)

    @property
    def confidence(self) -> float:
        """How sure the figure is: its reading, and the reading of the row it sits in."""
        return min(self.cell.confidence, self.row.confidence)

    @property
    def places(self) -> int:
        """Displayed decimals; an empty cell is an exact zero, and a count is exact too."""
        if (
            self.cell.state != "number"
            or self.table.kind in (TableKind.STATE_ASSETS,)
            or self.row.group in COUNT_GROUPS
        ):
            return 12
        if self.cell.places is not None:
            return self.cell.places
        raw = re.sub(r"\.?\s+", ".", (self.cell.raw or "").strip()).replace(",", "")
        return len(raw.split(".", 1)[1]) if "." in raw else 0

    @property
    def is_aggregate(self) -> bool:
        """A figure that adds up other rounded figures (a 类 or 款 row, a total row, a summary
        table's line): another table may round the same quantity one unit differently."""
        if self.table.kind in (TableKind.INCOME_EXPENDITURE_SUMMARY, TableKind.FISCAL_SUMMARY):
            return True
        return self.row.code is None or self.row.level in ("类", "款") or len(self.row.code or "") == 3

    @property
    def label(self) -> str:
        """“一般公共预算财政拨款支出决算表 2010601 行政运行（本年支出合计）” (the printed number,
        公开05表, where the table has one)."""
        table = self.table.number_label or TABLE_TITLES[self.table.kind]
        summary = self.table.kind in (TableKind.INCOME_EXPENDITURE_SUMMARY, TableKind.FISCAL_SUMMARY)
        row = self.row.name if summary or not self.row.code else f"{self.row.code} {self.row.name}"
        return f"{table} {row}（{self.column}）"

    def evidence(self):
        return cell_evidence(self.table, self.row, self.column)


def fact(table: Table | None, row: Row | None, column: str | None) -> Fact | None:
    if table is None or row is None or column is None or column not in row.cells:
        return None
    return Fact(table, row, column, row.cells[column])


def summary_fact(
    doc: ParsedDocument, kind: TableKind, side: str, *names: str, column: str | None = None
) -> Fact | None:
    t = doc.table(kind)
    if t is None:
        return None
    for r in t.rows:
        label = _LABEL_END.sub("", r.name.replace(" ", ""))  # "…财政拨款." on a scan: a speck
        if r.side == side and any(n == label or label.endswith(n) for n in names):
            col = column or (
                "决算数" if side == "income" or kind == TableKind.INCOME_EXPENDITURE_SUMMARY else "小计"
            )
            return fact(t, r, col)
    return None


def total_row(table: Table | None) -> Row | None:
    if table is None:
        return None
    return next(
        (r for r in table.rows if r.code is None and r.name.replace(" ", "") in ("合计", "总计")), None
    )


def coded_fact(doc: ParsedDocument, kind: TableKind, code: str | None, column: str) -> Fact | None:
    t = doc.table(kind)
    if t is None:
        return None
    row = total_row(t) if code is None else t.rows_by_code().get(code)
    return fact(t, row, column)


def group_fact(doc: ParsedDocument, kind: TableKind, key: str, column: str | None) -> Fact | None:
    t = doc.table(kind)
    if t is None:
        return None
    row = next((r for r in t.rows if r.group == key), None)
    return fact(t, row, column)


def economic_fact(doc: ParsedDocument, code_or_total: str) -> Fact | None:
    t = doc.table(TableKind.GENERAL_BUDGET_BASIC)
    if t is None:
        return None
    row = next(
        (r for r in t.rows if r.code == code_or_total or (r.code is None and r.name == code_or_total)), None
    )
    return fact(t, row, "金额")


def three_public_actual_column(doc: ParsedDocument) -> str | None:
    """The 三公 table's 决算数 column; None when its header names no actual column (a budget
    column is never taken for it)."""
    t = doc.table(TableKind.THREE_PUBLIC)
    return "决算数" if t is not None and "决算数" in t.columns else None
