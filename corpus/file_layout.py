"""Ruled-table layouts of the public tables, shared by the PDF, DOCX and XLSX renderers.

A :class:`Grid` is a ruled table as the Shanghai 2024 部门决算 template prints it (附件2：部门决算模板
and the 普陀区 disclosures): multi-level merged headers, 科目编码 split into 类 | 款 | 项 columns
(“201 | 06 | 01”), two-sided summary tables (收入 left, 支出 right), the basic-expenditure table
as two column groups side by side (人员经费 | 公用经费), the 三公 table horizontal with one data
row, empty cells blank. Every value cell holds the very ``Money`` / ``Count`` object of the
draft's :class:`TableData`, so what a defect changed is what gets printed.

Layout decisions (documented for the checker):

- Summary tables 01/04 print no 行次 column; blank filler rows of the model are dropped.
- 基本支出 table (06): two groups 经济分类科目编码 (类 | 款) | 科目名称 | 决算数, headers repeated
  per group; the left group is 人员经费 (301, 303), the right group 公用经费 (302 then 307, 310,
  312, 399); the last row holds 人员经费合计 | 公用支出合计.
- 三公 table (07): the horizontal header (财政拨款“三公”经费 → 合计 / 因公出国（境）费 / 公务用车购置及
  运行维护费 (小计 / 公务用车购置费 / 公务用车运行维护费) / 公务接待费 → 预算数 | 决算数, or
  年初预算数 | 全年预算数 | 决算数 when the model has both budgets) and ONE data row; the counts
  (团组数, 人次, 购置数, 保有量, 接待批次 …) follow in a second small ruled table
  “三公”经费相关统计数 (项目 | 统计数), attached below it (same page / section / sheet).
- Empty tables (08/09): header, three empty ruled rows and a 合计 row, then their 注 lines.
- The 绩效自评表 is a ruled grid too (not one of the public tables: it sits in the narrative).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

from corpus.model import FinalAccounts, Performance, ScoreLine, fmt_grouped
from corpus.prose import pct_text, score_text
from corpus.tables import Blank, Count, Dash, Money, Part, TableData
from shared.knowledge.tables import COLUMNS, TableKind


@dataclass
class Score:
    """A 分值/得分 figure of the score table (printed without trailing zeros)."""

    value: Decimal


Value = str | Money | Count | Dash | Blank | Score


@dataclass
class GCell:
    value: Value
    colspan: int = 1
    rowspan: int = 1
    align: str = ""  # left | center | right; "" = by kind (numbers right, text left, header centre)


Slot = GCell | None  # None: a position covered by a span


@dataclass
class Grid:
    key: str  # t01 … t10, t07_counts, score
    title: str
    widths: list[float]  # relative column widths
    rows: list[list[Slot]]  # header rows first; every row has len(widths) slots
    n_header: int
    unit: str | None = "单位：万元"
    subtitle: str | None = None
    notes: list[str] = field(default_factory=list)
    landscape: bool = False
    attached: bool = False  # printed right below the previous grid (same page / section / sheet)
    sheet: str = ""  # XLSX sheet name (attached grids share the previous grid's sheet)

    @property
    def ncols(self) -> int:
        return len(self.widths)


# --------------------------------------------------------------------------- cell values


def is_number(v: Value) -> bool:
    return isinstance(v, Money | Count | Score)


def cell_text(v: Value) -> str:
    """How a value is printed in PDF and DOCX: 2,946.25; zero amounts blank; counts always."""
    if isinstance(v, str):
        return v
    if isinstance(v, Money):
        return fmt_grouped(v.fen) if v.fen else ""
    if isinstance(v, Count):
        return str(v.n)
    if isinstance(v, Score):
        return score_text(v.value)
    if isinstance(v, Dash):
        return "——"
    return ""


def alignment(cell: GCell, header: bool) -> str:
    if cell.align:
        return cell.align
    if header:
        return "center"
    return "right" if is_number(cell.value) else "left"


# --------------------------------------------------------------------------- building blocks


def place(ncols: int, rows: list[list[GCell]]) -> list[list[Slot]]:
    """Lay cells out row by row, left to right, skipping positions covered by earlier spans."""
    covered: set[tuple[int, int]] = set()
    out: list[list[Slot]] = []
    for r, cells in enumerate(rows):
        line: list[Slot] = [None] * ncols
        col = 0
        for cell in cells:
            while (r, col) in covered:
                col += 1
            if col + cell.colspan > ncols:
                raise ValueError(f"row {r} overflows {ncols} columns")
            line[col] = cell
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    covered.add((r + dr, col + dc))
            col += cell.colspan
        out.append(line)
    return out


def C(value: Value, colspan: int = 1, rowspan: int = 1, align: str = "") -> GCell:
    return GCell(value, colspan, rowspan, align)


def _split_code(code: str | None, levels: int) -> list[str]:
    """201 06 01 — a 功能分类 code over 类|款|项 (levels 3) or an 经济分类 code over 类|款 (2)."""
    if not code:
        return [""] * levels
    return [code[:3]] + [code[i : i + 2] for i in range(3, 1 + 2 * levels, 2)]


def _values(part: Part, n: int) -> list[GCell]:
    cells = [C(c) for c in part.cells]
    return cells + [C(Blank()) for _ in range(n - len(cells))]


def _coded_header(value_labels: list[str], merged: dict[str, list[str]] | None = None) -> list[list[GCell]]:
    """项目 → 支出功能分类科目编码 (类 款 项) | 科目名称, then value columns spanning the 3 rows
    (or, in ``merged``, a group label over sub-columns spanning 2 rows)."""
    row0: list[GCell] = [C("项目", colspan=4)]
    row1: list[GCell] = [C("支出功能分类科目编码", colspan=3), C("科目名称", rowspan=2)]
    for label in value_labels:
        subs = (merged or {}).get(label)
        if subs:
            row0.append(C(label, colspan=len(subs)))
            row1 += [C(s, rowspan=2) for s in subs]
        else:
            row0.append(C(label, rowspan=3))
    return [row0, row1, [C("类"), C("款"), C("项")]]


# --------------------------------------------------------------------------- the public tables


def _summary(t: TableData, right_labels: list[str]) -> Grid:
    n_right = len(right_labels)
    header = [[C("收入", colspan=2), C("支出", colspan=1 + n_right)],
              [C("项目"), C("决算数"), C("项目"), *[C(x) for x in right_labels]]]  # fmt: skip
    body: list[list[GCell]] = []
    for row in t.rows:
        left, right = row.parts
        if not (left.label or left.cells or right.label or right.cells):
            continue  # a filler line of the model
        line = []
        for part, n in ((left, 1), (right, n_right)):
            centre = "center" if part.label in ("本年收入合计", "本年支出合计", "总计") else ""
            line += [C(part.label, align=centre), *_values(part, n)]
        body.append(line)
    widths = [46.0, 18.0, 46.0] + [18.0] * n_right
    ncols = len(widths)
    return Grid(t.kind, t.title, widths, place(ncols, header + body), 2, landscape=n_right > 1)


def _hierarchy(t: TableData, value_labels: list[str], landscape: bool) -> Grid:
    body = []
    n = len(value_labels)
    for row in t.rows:
        part = row.parts[0]
        if part.code:
            body.append([*(C(x) for x in _split_code(part.code, 3)), C(part.label), *_values(part, n)])
        else:
            body.append([C(part.label, colspan=4, align="center"), *_values(part, n)])
    widths = [10.0, 7.0, 7.0, 44.0] + [17.0] * n
    return Grid(t.kind, t.title, widths, place(len(widths), _coded_header(value_labels) + body), 3,
                landscape=landscape)  # fmt: skip


def _basic(t: TableData) -> Grid:
    lines = t.rows[:-1]
    left = [r.parts[0] for r in lines if r.parts[0].code]
    right = [r.parts[i] for i in (1, 2) for r in lines if r.parts[i].code]  # 302, then 307 … 399

    def group_header() -> list[GCell]:
        return [C("经济分类科目编码", colspan=2), C("科目名称", rowspan=2), C("决算数", rowspan=2)]

    header = [group_header() + group_header(), [C("类"), C("款"), C("类"), C("款")]]

    def group(part: Part | None) -> list[GCell]:
        if part is None:
            return [C(Blank()) for _ in range(4)]
        return [*(C(x) for x in _split_code(part.code, 2)), C(part.label), *_values(part, 1)]

    body = [group(left[i] if i < len(left) else None) + group(right[i] if i < len(right) else None)
            for i in range(max(len(left), len(right)))]  # fmt: skip
    totals = t.rows[-1].parts
    body.append([c for p in totals for c in (C(p.label, colspan=3, align="center"), *_values(p, 1))])
    widths = [11.0, 9.0, 37.0, 19.0] * 2
    return Grid(t.kind, t.title, widths, place(8, header + body), 2)


THREE_PUBLIC_ITEMS = [("三公合计", "合计"), ("因公出国", "因公出国（境）费"), ("公务用车", "小计"),
                      ("公务用车购置", "公务用车购置费"), ("公务用车运行", "公务用车运行维护费"),
                      ("公务接待", "公务接待费")]  # fmt: skip
COUNT_KEYS = ["团组数", "出国人次", "购置数", "保有量", "接待批次", "外事批次", "接待人次", "外事人次",
              "境外批次", "境外人次"]  # fmt: skip


def _three_public(t: TableData, a: FinalAccounts) -> list[Grid]:
    full = a.three_public.show_full_year
    subs = ["年初预算数", "全年预算数", "决算数"] if full else ["预算数", "决算数"]
    k = len(subs)
    header = [
        [C("财政拨款“三公”经费", colspan=6 * k)],
        [
            C("合计", k, 2),
            C("因公出国（境）费", k, 2),
            C("公务用车购置及运行维护费", 3 * k),
            C("公务接待费", k, 2),
        ],
        [C("小计", k), C("公务用车购置费", k), C("公务用车运行维护费", k)],
        [C(s) for _ in range(6) for s in subs],
    ]
    data = [c for key, _ in THREE_PUBLIC_ITEMS for c in _values(t.row(key).parts[0], k)]
    main = Grid(t.kind, t.title, [10.0] * (6 * k), place(6 * k, [*header, data]), 4, landscape=True)
    count_rows = [[C(p.label), C(p.cells[-1])] for p in (t.row(key).parts[0] for key in COUNT_KEYS)]
    counts = Grid("t07_counts", "“三公”经费相关统计数", [60.0, 16.0],
                  place(2, [[C("项目"), C("统计数")], *count_rows]), 1,
                  unit=None, notes=t.note, landscape=True, attached=True)  # fmt: skip
    return [main, counts]


def _empty_table(t: TableData, value_labels: list[str], merged: dict[str, list[str]] | None) -> Grid:
    n = sum(len((merged or {}).get(v, [v])) for v in value_labels)
    blank = [C(Blank()) for _ in range(4 + n)]
    body = [list(blank) for _ in range(3)]
    body.append([C("合计", colspan=4, align="center")] + [C(Blank()) for _ in range(n)])
    widths = [10.0, 7.0, 7.0, 40.0] + [17.0] * n
    rows = place(len(widths), _coded_header(value_labels, merged) + body)
    return Grid(t.kind, t.title, widths, rows, 3, landscape=True)


def _assets(t: TableData) -> Grid:
    body = [[C(p.label), C(str(p.row_no) if p.row_no is not None else "", align="center"), *_values(p, 1)]
            for p in (r.parts[0] for r in t.rows)]  # fmt: skip
    rows = place(3, [[C("项目"), C("行次"), C("数量")], *body])
    return Grid(t.kind, t.title, [70.0, 12.0, 22.0], rows, 1, unit="单位：台、辆、套")


INCOME_LABELS = COLUMNS[TableKind.INCOME]  # the printed order, from the shared table knowledge
EXPENDITURE_LABELS = COLUMNS[TableKind.EXPENDITURE]
FISCAL_RIGHT = ["合计", "一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款"]


def table_grids(t: TableData, a: FinalAccounts) -> list[Grid]:
    """The grid(s) of one public table (07 has two: the amounts and the counts)."""
    if t.kind == "t01":
        grids = [_summary(t, ["决算数"])]
    elif t.kind == "t04":
        grids = [_summary(t, FISCAL_RIGHT)]
    elif t.kind == "t02":
        grids = [_hierarchy(t, INCOME_LABELS, landscape=True)]
    elif t.kind == "t03":
        grids = [_hierarchy(t, EXPENDITURE_LABELS, landscape=True)]
    elif t.kind == "t05":
        grids = [_hierarchy(t, ["合计", "基本支出", "项目支出"], landscape=False)]
    elif t.kind == "t06":
        grids = [_basic(t)]
    elif t.kind == "t07":
        grids = _three_public(t, a)
    elif t.kind == "t08":
        sub = {"本年支出": ["小计", "基本支出", "项目支出"]}
        grids = [_empty_table(t, ["年初结转和结余", "本年收入", "本年支出", "年末结转和结余"], sub)]
    elif t.kind == "t09":
        grids = [_empty_table(t, ["合计", "基本支出", "项目支出"], None)]
    else:
        grids = [_assets(t)]
    if not grids[-1].notes:
        grids[-1].notes = list(t.note)
    sheet = f"{t.number:02d}{t.title}"[:31]
    for g in grids:
        g.sheet = sheet
    return grids


# --------------------------------------------------------------------------- the score table


def _run(lines: list[ScoreLine], start: int, attr: str) -> int:
    """How many consecutive lines from ``start`` share the ``attr`` (level1/level2) of the first."""
    n = 1
    while start + n < len(lines) and getattr(lines[start + n], attr) == getattr(lines[start], attr):
        n += 1
    return n


def score_grid(a: FinalAccounts, pf: Performance) -> Grid:
    """项目支出绩效自评表 (the same content as the text styles' score rows), 7 columns."""
    rate = pct_text(pf.execution_rate)
    money = [C(Money(pf.budget_initial)), C(Money(pf.budget_full)), C(Money(pf.executed))]
    rows: list[list[GCell]] = [
        [C("项目名称"), C(pf.project, colspan=6)],
        [C("主管部门"), C(a.dept.name, colspan=2), C("实施单位"), C(a.dept.name, colspan=3)],
        [C(x, align="center") for x in ("项目资金（万元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")],
        [C("年度资金总额"), *money, C(Score(pf.exec_weight)), C(rate, align="right"), C(Score(pf.exec_score))],
        [C("其中：当年财政拨款"), *[C(c.value) for c in money], C("—", align="center"), C(rate, align="right"),
         C("—", align="center")],
        [C("其他资金"), C("—", align="center"), C("—", align="center"), *[C(Blank()) for _ in range(4)]],
        [C("年度总体目标"), C(f"完成“{pf.project}”年度工作任务，保障各项业务工作正常开展。", colspan=6)],
        [C(x, align="center") for x in ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分")],
    ]  # fmt: skip
    lines = pf.lines
    counter: dict[str, int] = {}
    for i, ln in enumerate(lines):
        counter[ln.level2] = counter.get(ln.level2, 0) + 1
        lead: list[GCell] = []
        for attr in ("level1", "level2"):
            if i == 0 or getattr(lines[i - 1], attr) != getattr(ln, attr):
                lead.append(C(getattr(ln, attr), rowspan=_run(lines, i, attr), align="center"))
        rows.append([*lead, C(f"指标{counter[ln.level2]}：{ln.name}"), C(ln.target), C(ln.actual),
                     C(Score(ln.weight)), C(Score(ln.score))])  # fmt: skip
    rows.append([C("总分", colspan=5, align="center"), C(Score(pf.total_weight)), C(Score(pf.stated_total))])
    widths = [18.0, 20.0, 36.0, 21.0, 21.0, 14.0, 12.0]
    return Grid("score", "项目支出绩效自评表", widths, place(7, rows), 0, unit=None,
                subtitle=f"（{a.year}年度）", sheet="项目支出绩效自评表")  # fmt: skip


# --------------------------------------------------------------------------- helpers


def row_text(row: list[Slot]) -> str:
    """A grid row as one line: printed cell texts joined by spaces (empty cells skipped)."""
    return " ".join(t for t in (cell_text(c.value) for c in row if c is not None) if t)


def row_code(row: list[Slot]) -> str:
    """The code a row's leading 类 | 款 | 项 cells spell (“2010601”), "" for rows without one."""
    out = ""
    for cell in row:
        if cell is None:
            continue
        text = cell_text(cell.value)
        if not text.isdigit():
            break
        out += text
    return out


def block_starts(g: Grid) -> list[bool]:
    """For each row: may a page break fall before it? (not inside a row span, not in the header)"""
    open_until = 0
    out = []
    for r, row in enumerate(g.rows):
        out.append(r >= g.n_header and r >= open_until)
        for c in row:
            if c is not None:
                open_until = max(open_until, r + c.rowspan)
    return out


def stable_zip(data: bytes, stamp: str | None = None) -> bytes:
    """Re-pack an OOXML zip with fixed member dates (and, with ``stamp``, fixed core-property
    dates), so the same document always gives the same bytes (zipfile stamps members with the
    current time, openpyxl the document's ``modified`` property)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if stamp and info.filename == "docProps/core.xml":
                text = blob.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{stamp}\g<3>", text
                )
                blob = text.encode("utf-8")
            member = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            dst.writestr(member, blob)
    return out.getvalue()
