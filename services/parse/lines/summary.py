"""The two-sided summary tables: 收入支出决算总表 (01) and 财政拨款收入支出决算总表 (04).

Each printed line holds an income half (label, 行次, amount) and an expenditure half (label,
行次, amounts). 行次 are plain integers and never amounts. In 04 the expenditure half has four
columns (小计 and one per fund); when empty cells are missing, the remaining amounts go to the
funds that have money available on the income side.
"""

from __future__ import annotations

from decimal import Decimal

from shared.document import Line
from shared.knowledge.classification import category_code
from shared.knowledge.tables import FISCAL_EXPENDITURE_COLUMNS, FUNDS, TableKind
from shared.models import Cell, Row, Table

from ..numbers import Atom, Num, atomize, is_numeric_atom, read_numbers
from .coded import build_cell, clean_name
from .locate import Region

FISCAL_EXP_COLUMNS = FISCAL_EXPENDITURE_COLUMNS
SKIP_LABEL_PREFIXES = ("栏次", "项目", "行次", "收入", "支出", "部门", "编制单位", "单位")


def _groups(atoms: list[Atom]) -> list[tuple[list[Atom], list[Atom]]]:
    groups: list[tuple[list[Atom], list[Atom]]] = []
    for a in atoms:
        numeric = is_numeric_atom(a)
        if not groups or (not numeric and groups[-1][1]):
            groups.append(([], []))
        if numeric:
            groups[-1][1].append(a)
        else:
            groups[-1][0].append(a)
    return groups


def _is_header(label: str) -> bool:
    key = label.replace(" ", "")
    return key.startswith(SKIP_LABEL_PREFIXES) and not key.startswith(("收入合计", "支出合计"))


class _Half:
    def __init__(self, label: str, nums: list[Num], line: Line):
        self.label, self.nums, self.line = label, nums, line


def split_line(line: Line, offset: int | None) -> tuple[_Half | None, _Half | None]:
    ocr = line.ocr
    atoms = atomize(line.norm, ocr)
    if not any(is_numeric_atom(a) for a in atoms):
        return None, None
    groups = _groups(atoms)
    left_label = clean_name(" ".join(a.raw for a in groups[0][0]))
    left_nums = read_numbers(groups[0][1], ocr, lead_ints=1)
    right_label = clean_name(" ".join(a.raw for g in groups[1:] for a in g[0]))
    right_nums = read_numbers([a for g in groups[1:] for a in g[1]], ocr, lead_ints=1)
    # Left half: 行次 and at most one amount; a further integer is the right half's 行次.
    left = left_nums[:1]
    rest = left_nums[1:]
    if rest and not rest[0].is_int:
        left.append(rest.pop(0))
    if rest:
        right_nums = rest + right_nums
    if not right_label and not right_nums and left and offset and left[0].is_int and left[0].value > offset:
        return None, _Half(left_label, left, line)  # a lone expenditure row (e.g. "59 …")
    lh = _Half(left_label, left, line) if left or left_label else None
    rh = _Half(right_label, right_nums, line) if right_nums or right_label else None
    return lh, rh


def _row(half: _Half, side: str, columns: list[str]) -> Row | None:
    nums = list(half.nums)
    row_no = None
    if nums and nums[0].is_int:
        row_no = int(nums.pop(0).value)
    label = half.label
    if _is_header(label) or (not label and (row_no is None or not nums)):
        return None
    cells: dict[str, Cell] = {}
    for j, col in enumerate(columns):
        cells[col] = build_cell(nums[j] if j < len(nums) else None, half.line)
    row = Row(name=label, side=side, row_no=row_no, cells=cells, prov=half.line.prov)
    row.__dict__["_nums"] = nums
    if side == "expenditure" and label and "合计" not in label and "总计" not in label and "结" not in label:
        code = category_code(label)
        if code:
            row.code, row.level = code, "类"
    return row


def _offset(lines: list[Line]) -> int | None:
    for ln in lines:
        lh, rh = split_line(ln, None)
        if (
            lh
            and rh
            and lh.label
            and rh.label
            and lh.nums
            and rh.nums
            and lh.nums[0].is_int
            and rh.nums[0].is_int
        ):
            return int(rh.nums[0].value - lh.nums[0].value)
    return None


def parse_summary_table(region: Region) -> Table:
    fiscal = region.kind == TableKind.FISCAL_SUMMARY
    income_cols = ["决算数"]
    exp_cols = FISCAL_EXP_COLUMNS if fiscal else ["决算数"]
    offset = _offset(region.lines)
    rows: list[Row] = []
    for ln in region.lines:
        lh, rh = split_line(ln, offset)
        if lh and (r := _row(lh, "income", income_cols)):
            rows.append(r)
        if rh and (r := _row(rh, "expenditure", exp_cols)):
            rows.append(r)
    notes: list[str] = []
    if fiscal:
        _assign_funds(rows, notes)
    for r in rows:
        r.__dict__.pop("_nums", None)
    return region.to_table(exp_cols, rows, notes, income_columns=income_cols)


def _assign_funds(rows: list[Row], notes: list[str]) -> None:
    """Place an expenditure row's amounts (小计 first) into fund columns with money available."""
    available = [Decimal(0)] * 3
    for r in rows:
        if r.side != "income":
            continue
        v = r.num("决算数") or Decimal(0)
        for f, fund in enumerate(FUNDS):
            if fund[:6] in r.name.replace(" ", "") or fund[:4] in r.name.replace(" ", ""):
                available[f] += v
                break
    funded = [f for f in range(3) if available[f] > 0] or [0]
    for r in rows:
        nums: list[Num] = r.__dict__.get("_nums", [])
        if r.side != "expenditure" or len(nums) >= 4 or len(nums) < 2:
            continue
        k = len(nums) - 1
        targets = (funded + [f for f in range(3) if f not in funded])[:k]
        targets.sort()
        ambiguous = len(funded) > k
        line = Line(page=r.page or 0, line=r.line or 0, text="", norm="", bbox=r.prov.bbox)
        r.cells = {"小计": build_cell(nums[0], line)}
        for f, fund in enumerate(FUNDS):
            num = nums[1 + targets.index(f)] if f in targets else None
            cell = build_cell(num, line)
            if ambiguous and num is not None:
                cell.confidence, cell.note = 0.7, "空栏未印出，资金来源栏无法唯一确定"
            r.cells[fund] = cell
        if ambiguous:
            notes.append(f"第{r.line}行（{r.name}）资金来源栏不唯一")
