"""A table's grids read as one logical table: header rows, named columns, body rows.

The header is the rows above the first row that holds data (an amount or a 科目编码). Each
column's *path* is its header labels top to bottom (a merged header cell names every column
under it); the path says what the column is: a part of the 科目编码 (类 / 款 / 项), the whole
code, the row label (科目名称 / 项目), the 行次, or an amount column, named from
:data:`shared.knowledge.tables.HEADER_COLUMNS`. Two-sided tables have 收入 and 支出 at the top
of their paths.

A table printed over several pages continues in the grids that follow its title; a repeated
header on the next page is recognised and skipped, and columns are matched by position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from shared.document import Grid, GridCell, Prov
from shared.knowledge.tables import TableKind, header_column
from shared.models import Cell
from shared.normalize import normalize_for_matching

AMOUNT_RE = re.compile(r"^[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
DASH_RE = re.compile(r"^[—\-－–─]{1,4}$|^/$")
CODE_RE = re.compile(r"^\d{3}(?:\d{2}){0,2}$")
CODE_AND_NAME_RE = re.compile(r"^\s*(\d{3})\s*(\d{2})?\s*(\d{2})?\s*([\u4e00-\u9fff].*)$")
CODE_PART_WORDS = {"类": "code_class", "款": "code_kuan", "项": "code_item"}
CODE_ROLES = ("code", "code_class", "code_kuan", "code_item")  # columns holding a 科目编码 or a part of one
TOTAL_LABELS = ("合计", "总计")
# A table's heading lines that are not its header: 单位, 编制单位, 部门, 公开NN表, 表N
TABLE_META_RE = re.compile(r"单位\s*[：:]|编制单位|公开\s*\d{1,2}\s*表|^\s*部门\s*[：:]|^\s*表\s*\d")


def squash(text: str) -> str:
    """Matching form of a cell's text: folded (Kangxi radicals, full-width digits) and without
    any blank (letter-spaced headers, names wrapped inside a cell)."""
    return re.sub(r"\s+", "", normalize_for_matching(text))


def number_text(text: str) -> str:
    """The text of an amount cell as it should parse: blanks and a stray full-width comma out."""
    return re.sub(r"\s+", "", normalize_for_matching(text)).replace("，", ",").replace("−", "-")


def is_amount(text: str) -> bool:
    return bool(AMOUNT_RE.match(number_text(text))) if text else False


def places_of(text: str) -> int:
    t = number_text(text)
    return len(t.split(".", 1)[1]) if "." in t else 0


def read_cell(gc: GridCell | None, page: int, scale: int = 0) -> Cell:
    """A grid cell as a parsed cell: a number, a dash or other text, or empty. ``scale`` is the
    power of ten the amount is divided by (4 for a table in 元, reported in 万元)."""
    prov = Prov(page=page, bbox=gc.bbox if gc else None)
    if gc is None or not gc.text.strip():  # a scan's cell with ink no reading made out: unsure
        return Cell(state="empty", prov=prov, confidence=gc.confidence if gc else 1.0)
    raw = gc.text.strip()
    t = number_text(raw)
    if AMOUNT_RE.match(t):
        try:
            value = Decimal(t.replace(",", ""))
        except InvalidOperation:
            return Cell(state="text", text=raw, raw=raw, prov=prov, confidence=gc.confidence)
        places = places_of(t)
        if scale:
            value = value.scaleb(-scale)
            places += scale
        return Cell(state="number", value=value, raw=raw, places=places, prov=prov, confidence=gc.confidence)
    if DASH_RE.match(t):
        return Cell(state="text", text="——", raw=raw, prov=prov)
    return Cell(state="text", text=raw, raw=raw, prov=prov, confidence=gc.confidence)


@dataclass
class Column:
    index: int
    path: list[str]
    role: str = "unknown"  # code | code_class | code_kuan | code_item | name | row_no | amount | unknown
    name: str | None = None  # the canonical column of an amount column
    side: str | None = None  # income | expenditure (two-sided summary tables)

    @property
    def label(self) -> str:
        return "".join(self.path)


@dataclass
class BodyRow:
    cells: list[GridCell | None]  # one per logical column (a merged cell repeats)
    page: int

    def text(self, col: int) -> str:
        c = self.cells[col] if col < len(self.cells) else None
        return c.text if c is not None else ""

    def distinct(self, cols: list[int]) -> list[GridCell]:
        out: list[GridCell] = []
        for i in cols:
            c = self.cells[i] if i < len(self.cells) else None
            if c is not None and all(c is not o for o in out):
                out.append(c)
        return out


@dataclass
class LogicalTable:
    kind: TableKind
    columns: list[Column]
    body: list[BodyRow]
    header_rows: int
    pages: list[int] = field(default_factory=list)

    def by_role(self, role: str) -> list[Column]:
        return [c for c in self.columns if c.role == role]


def _row_has_data(row: list[GridCell | None]) -> bool:
    seen: list[GridCell] = []
    for c in row:
        if c is None or any(c is s for s in seen):
            continue
        seen.append(c)
        t = number_text(c.text)
        if t and (AMOUNT_RE.match(t) and ("." in t or CODE_RE.match(t) or len(t) <= 6)):
            return True
    return False


def _is_column_numbers(row: list[GridCell | None]) -> bool:
    """The 栏次 row under a header (“栏次 | 1 | 2 | 3 …”): part of the header, not data."""
    texts = [squash(c.text) for c in row if c is not None and c.text.strip()]
    if (
        texts
        and texts[0] in ("栏次", "行次")
        and all(t.isdigit() or t in ("栏次", "行次", "——", "-") for t in texts[1:])
    ):
        return True
    numbers = [t for t in texts if t.isdigit()]
    return (
        len(numbers) >= 3
        and len(numbers) == len(texts)
        and [int(t) for t in numbers] == list(range(int(numbers[0]), int(numbers[0]) + len(numbers)))
    )


def _header_depth(matrix: list[list[GridCell | None]]) -> int:
    """Rows before the first data row. In a table without data, every row up to the first empty
    row (or the 合计 row) is header."""
    for r, row in enumerate(matrix):
        if _row_has_data(row) and not _is_column_numbers(row):
            return r
    for r, row in enumerate(matrix):
        texts = [squash(c.text) for c in row if c is not None]
        if r and (not any(texts) or texts[0] in TOTAL_LABELS):
            return r
    return len(matrix)


def _column_paths(matrix: list[list[GridCell | None]], depth: int, n_cols: int) -> list[list[str]]:
    paths: list[list[str]] = [[] for _ in range(n_cols)]
    for r in range(depth):
        if _is_column_numbers(matrix[r]):
            continue  # 栏次 1 2 3 … numbers the columns, it does not name them
        for c in range(n_cols):
            cell = matrix[r][c] if c < len(matrix[r]) else None
            t = squash(cell.text) if cell is not None else ""
            if t and (not paths[c] or paths[c][-1] != t):
                paths[c].append(t)
    return paths


def _role(path: list[str], kind: TableKind) -> tuple[str, str | None]:
    """What a column is, from its header labels (``path``, top to bottom; a label wrapped over
    lines is several pieces of it)."""
    if not path:
        return "unknown", None
    last = path[-1]
    labels = path[1:] if path[0] == "项目" and len(path) > 1 else path  # 项目 spanning the label columns
    joined = "".join(labels)
    amount = header_column(joined, kind)
    if re.search(r"[行栏]\s*次$", joined) or last in ("行次", "栏次"):
        return "row_no", None
    if last in CODE_PART_WORDS and amount is None:
        return CODE_PART_WORDS[last], None
    if re.search(r"编码|代码", last) or (
        re.search(r"编码|代码", joined) and not re.search(r"名称|项目$", last)
    ):
        return "code", None
    if "名称" in last or re.fullmatch(r"(收入|支出)?项目([（(].*[）)])?", last):
        return "name", None
    if amount:
        return "amount", amount
    if last in ("收入", "支出"):
        return "name", None  # a side's label column headed only 收入 / 支出
    return "unknown", None


def _apply_first_row_words(matrix: list[list[GridCell | None]], depth: int, paths: list[list[str]]) -> None:
    """A layout that prints 类 | 款 | 项 in the same row as the 合计 line: those cells are header
    words, not data."""
    if depth >= len(matrix):
        return
    row = matrix[depth]
    for c, cell in enumerate(row):
        if cell is not None and squash(cell.text) in CODE_PART_WORDS and cell.col_span == 1:
            paths[c].append(squash(cell.text))
            row[c] = None


def _is_repeated_header(row: list[GridCell | None], header: list[list[GridCell | None]]) -> bool:
    texts = [squash(c.text) for c in row if c is not None and c.text.strip()]
    if not texts:
        return False
    head = {squash(c.text) for hr in header for c in hr if c is not None and c.text.strip()}
    return all(t in head for t in texts) and not _row_has_data(row)


def _align(grid: Grid, first: Grid) -> list[int] | None:
    """Map a continuation grid's columns onto the first grid's by their x positions (None: use
    the column index)."""
    if (
        grid.n_cols == first.n_cols
        or len(grid.col_edges) != grid.n_cols + 1
        or len(first.col_edges) != first.n_cols + 1
    ):
        return None
    mapping = []
    for c in range(grid.n_cols):
        mid = (grid.col_edges[c] + grid.col_edges[c + 1]) / 2
        target = next(
            (k for k in range(first.n_cols) if first.col_edges[k] <= mid <= first.col_edges[k + 1]), None
        )
        if target is None:
            return None
        mapping.append(target)
    return mapping


def read_layout(kind: TableKind, grids: list[Grid], skip_rows: int = 0) -> LogicalTable:
    """The logical table of a region's grids (the first grid carries the header).
    ``skip_rows`` top rows of the first grid are not part of the table (a title inside it)."""
    first = grids[0]
    matrix = first.matrix()[skip_rows:]
    depth = _header_depth(matrix)
    paths = _column_paths(matrix, depth, first.n_cols)
    _apply_first_row_words(matrix, depth, paths)
    columns = []
    for i, path in enumerate(paths):
        role, name = _role(path, kind)
        side = (
            "income"
            if path and path[0].startswith("收入")
            else "expenditure"
            if path and path[0].startswith("支出")
            else None
        )
        columns.append(Column(i, path, role, name, side))
    if not any(c.role in ("code", "code_class") for c in columns):
        _codes_by_content(columns, matrix[depth:])
    header = matrix[:depth]
    body = [BodyRow(row, first.page) for row in matrix[depth:]]
    pages = [first.page]
    for g in grids[1:]:
        mapping = _align(g, first)
        rows = g.matrix()
        for k, row in enumerate(rows):
            if k < depth and _is_repeated_header(row, header):
                continue
            if mapping is not None:
                wide: list[GridCell | None] = [None] * first.n_cols
                for c, cell in enumerate(row):
                    wide[mapping[c]] = wide[mapping[c]] or cell
                row = wide
            elif len(row) < first.n_cols:
                row = row + [None] * (first.n_cols - len(row))
            body.append(BodyRow(row[: first.n_cols], g.page))
        if g.page not in pages:
            pages.append(g.page)
    return LogicalTable(kind, columns, body, depth, pages)


def _codes_by_content(columns: list[Column], body: list[list[GridCell | None]]) -> None:
    """No header names a code column: a column of 3-, 5- and 7-digit numbers is one."""
    for col in columns:
        if col.role not in ("unknown", "name"):
            continue
        texts = [
            number_text(gc.text) for r in body if col.index < len(r) and (gc := r[col.index]) is not None
        ]
        texts = [t for t in texts if t]
        if len(texts) >= 2 and sum(1 for t in texts if CODE_RE.match(t)) >= 0.8 * len(texts):
            col.role = "code"
            return


def row_code(row: BodyRow, columns: list[Column]) -> tuple[str | None, str]:
    """The 科目编码 of a row (parts joined: 201 | 06 | 01 → 2010601) and the text of the code
    cells when they hold a label instead (a merged 合计 cell)."""
    parts = [c for c in columns if c.role in CODE_ROLES[1:]]
    whole = [c for c in columns if c.role == "code"]
    label = ""
    if parts:
        digits = ""
        for c in parts:
            t = number_text(row.text(c.index))
            if re.fullmatch(r"\d{2,3}", t):
                digits += t
            elif t:
                label = label or squash(row.text(c.index))
                break
            else:
                break
        code = digits if CODE_RE.match(digits) else None
        return code, label
    for c in whole:
        t = number_text(row.text(c.index))
        if CODE_RE.match(t):
            return t, ""
        joined = CODE_AND_NAME_RE.match(normalize_for_matching(row.text(c.index)))
        if joined:  # “201 06 01 行政运行” in one cell: the code, and the name for the name column
            return "".join(g for g in joined.group(1, 2, 3) if g), joined.group(4).strip()
        if t:
            return None, squash(row.text(c.index))
    return None, ""


def clean_label(text: str) -> str:
    """A row label without blanks between CJK characters (names wrapped in their cell)."""
    t = normalize_for_matching(text).strip()
    return re.sub(r"(?<=[\u4e00-\u9fff（）、])\s+|\s+(?=[\u4e00-\u9fff（）])", "", t)
