"""Turns :class:`TableData` and the score table into text rows; the cell and name formats are
supplied by the style (born-digital PDF or OCR)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from corpus.model import FinalAccounts, Performance, WholeEvaluation, fmt_grouped, fmt_plain
from corpus.prose import pct_text, score_text
from corpus.tables import Blank, Cell, Count, Dash, Money, Part, TableData

CellFormat = Callable[[Cell, tuple[str, str, int]], str | None]  # (cell, (table, row key, part)) → text
NameFormat = Callable[[str], str]


def _part_text(part: Part, cells: list[str | None], name: NameFormat) -> str:
    label = name(part.label) if part.code else part.label
    bits = [part.code, label, str(part.row_no) if part.row_no is not None else None, *cells]
    return " ".join(b for b in bits if b)


def table_rows(t: TableData, cell: CellFormat, name: NameFormat, name_width: int | None = None) -> list[str]:
    """One text line per table row; a row's parts (column groups) are joined side by side.

    With ``name_width``, a one-part coded row whose name is longer is split as a PDF extraction
    of a wrapped cell shows it: “code name-start”, “name-rest”, “amounts” on separate lines."""
    out = []
    for row in t.rows:
        texts = []
        for pi, part in enumerate(row.parts):
            cells = [cell(c, (t.kind, row.key, pi)) for c in part.cells]
            if name_width and part.code and len(row.parts) == 1 and len(part.label) > name_width:
                head = f"{part.code} {name(part.label[:name_width])}"
                texts.append(
                    "\n\n".join([head, name(part.label[name_width:]), " ".join(c for c in cells if c)])
                )
                continue
            texts.append(_part_text(part, cells, name))
        line = " ".join(x for x in texts if x)
        if line:
            out.append(line)
    return out


def pdf_cell(c: Cell, where: tuple[str, str, int]) -> str | None:
    """Born-digital PDF: thousands separators, zero/empty cells simply missing."""
    if isinstance(c, Money):
        return fmt_grouped(c.fen) if c.fen else None
    if isinstance(c, Count):
        return str(c.n) if c.n or c.show_zero else None
    if isinstance(c, Dash):
        return "——"
    assert isinstance(c, Blank)
    return None


def score_rows(a: FinalAccounts, pf: Performance, total_label: str) -> list[list[str]]:
    """The 项目支出绩效自评表 as rows of cells (a renderer joins them with spaces or tabs)."""
    rate = pct_text(pf.execution_rate)
    amounts = [fmt_plain(pf.budget_initial), fmt_plain(pf.budget_full), fmt_plain(pf.executed)]
    rows: list[list[str]] = [
        ["项目名称", pf.project],
        ["主管部门", a.dept.name, "实施单位", a.dept.name],
        ["项目资金（万元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["年度资金总额", *amounts, score_text(pf.exec_weight), rate, score_text(pf.exec_score)]
        if pf.exec_scored
        else ["年度资金总额", score_text(pf.exec_weight)],  # P611: the row's 分值 alone
        ["其中：当年财政拨款", *amounts, "—", rate, "—"],
        ["其他资金", "—", "—"],
        ["年度总体目标", f"完成“{pf.project}”年度工作任务，保障各项业务工作正常开展。"],
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
    ]
    seen: set[str] = set()
    counter: dict[str, int] = {}
    for ln in pf.lines:
        counter[ln.level2] = counter.get(ln.level2, 0) + 1
        lead = [] if ln.level1 in seen else [ln.level1]
        lead += [ln.level2] if counter[ln.level2] == 1 else []
        seen.add(ln.level1)
        rows.append([*lead, f"指标{counter[ln.level2]}：{ln.name}", ln.target, ln.actual,
                     score_text(ln.weight), score_text(ln.score)])  # fmt: skip
    rows.append([total_label, score_text(pf.total_weight), score_text(pf.stated_total)])
    return rows


def score_title(a: FinalAccounts) -> list[str]:
    return ["项目支出绩效自评表", f"（{a.year}年度）"]


def whole_rows(w: WholeEvaluation, total_label: str) -> list[list[str]]:
    """The 部门整体支出绩效 评分表 (一级/二级/三级指标, each with its 分值; 三级 with its 得分), as
    rows of cells; the 一级 分值 as printed (``level_weights``), the 二级 ones summed."""
    rows: list[list[str]] = [
        ["部门整体支出绩效评分表"],
        ["项目名称", "部门整体支出绩效"],
        ["一级指标", "分值", "二级指标", "分值", "三级指标", "分值", "得分"],
    ]
    seen: set[str] = set()
    for ln in w.lines:
        if ln.level1 not in seen:
            rows.append([ln.level1, score_text(w.level_weights[ln.level1])])
        if ln.level1 + ln.level2 not in seen:
            level2 = sum(
                (x.weight for x in w.lines if (x.level1, x.level2) == (ln.level1, ln.level2)), Decimal(0)
            )
            rows.append([ln.level2, score_text(level2)])
        seen |= {ln.level1, ln.level1 + ln.level2}
        rows.append([ln.name, score_text(ln.weight), score_text(ln.score)])
    total = score_text(w.total_weight)
    rows.append([total_label, total, total, total, score_text(w.score_sum)])
    return rows
