"""Excel (.xlsx) → ExtractedDocument.

Each visible worksheet is a page (numbered 1, 2, … over the visible sheets, in tab order; hidden
sheets are skipped with a warning). Values are the cached results openpyxl reads with
``data_only=True``: the numbers people saw when the file was last saved. The workbook is loaded in
full (not read-only: merged ranges are needed), which is why :func:`.office.check_office_zip`
bounds the file first, and a pre-scan of the sheet parts refuses merged ranges and hyperlinks
covering more cells than a sheet may hold (openpyxl makes an object for every cell they cover).
The pre-scan also counts formulas saved without their value, for a warning.

Where the tables are. A 决算 sheet holds one table or several stacked ones, with a title, a unit
("单位：万元") and notes ("注：…") in single cells around them. A row's kind is decided

- by cell borders when the sheet's tables are drawn with them (borders cover most rows that have
  two or more values): a row is a table row when a cell of it has a vertical border (left or
  right) — or, on a sheet drawn with horizontal rules only, a horizontal border and two or more
  values. A border between two rows may be stored as the bottom of the upper row: the unit row
  above a table then has a bottom border only, and stays a line. Bordered rows with a single cell
  (a header merged over all columns, a section row) or none stay in their table, and so do rows
  with two or more values that lost their borders between bordered rows;
- otherwise by content: a row with two or more values is a table row, a single-value row between
  table rows stays in the table, and a blank row ends it.

Caps (:class:`.office.OfficeLimits`, from the ingest limits): stored cells per sheet and per
workbook are counted on the sheet parts' bytes before openpyxl reads them; table rows and grid
positions of the whole workbook are counted before each grid's cells are made.

Consecutive table rows form a :class:`Grid`; every other row with values is a :class:`Line` (its
cells' texts joined by a space). A merged range is one cell at its top-left position with its
spans, as :meth:`Grid.matrix` expects: the value is stored there only, and repeating it in every
covered position would double it in any sum over the row. Every position of a grid has a cell
(empty cells have text "").

Boxes are sheet coordinates, 1-based like Excel's own: a cell at column C, row 5 spanning two
columns is BBox(x0=3, y0=5, x1=5, y1=6).

Numbers are shown as formatted: the decimals, thousands separators and percent sign of the cell's
number format (rounded half away from zero, as Excel does), "General" as the shortest text
(at most 6 decimals). Literal text in a format ('0.00"万元"') and parentheses for negatives are not
reproduced: a number stays a plain, signed number. A zero shown by a format's third section
(accounting formats show "-") is shown as that section shows it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import re
import warnings
import zipfile
import zlib
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import openpyxl
from lxml import etree
from openpyxl.utils.cell import range_boundaries

from shared.document import BBox, DocumentKind, ExtractedDocument, Grid, GridCell, Line, Page
from shared.normalize import normalize_for_matching

from .office import OfficeLimits, check_office_zip, damaged_error, join_pieces, too_large_error

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')


def extract_xlsx(name: str, data: bytes, limits: OfficeLimits | None = None) -> ExtractedDocument:
    """Read a .xlsx/.xlsm file. Raises BadInputError (Chinese message) for a damaged or oversized file."""
    limits = limits or OfficeLimits()
    members = check_office_zip(data, limits, "Excel")
    n_sheets = sum(1 for m in members if m.startswith("xl/worksheets/") and m.endswith(".xml"))
    if n_sheets > limits.max_sheets:
        raise too_large_error(
            "Excel", f"{n_sheets} sheets", f"工作表 {n_sheets} 个，上限 {limits.max_sheets} 个"
        )
    uncached = _prescan(data, limits)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops
            wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # a third-party parser over untrusted bytes: any failure = unreadable
        raise damaged_error("Excel", f"{type(exc).__name__}: {exc}") from exc
    try:
        sheets = wb.worksheets
        if len(sheets) > limits.max_sheets:
            raise too_large_error(
                "Excel", f"{len(sheets)} sheets", f"工作表 {len(sheets)} 个，上限 {limits.max_sheets} 个"
            )
        visible = [ws for ws in sheets if ws.sheet_state == "visible"]
        notes: list[str] = []
        hidden = [ws.title for ws in sheets if ws.sheet_state != "visible"]
        if hidden:
            notes.append(f"已跳过隐藏的工作表：{'、'.join(hidden)}。")
        pages: list[Page] = []
        seq = 0
        budget = _Budget(limits)
        for number, ws in enumerate(visible, 1):
            stored = len(ws._cells)  # the stored cells, not the range formatting may inflate
            if stored > limits.max_cells_per_sheet:
                raise too_large_error(
                    "Excel",
                    f"sheet {ws.title!r} has {stored} cells",
                    f"工作表“{ws.title}”的单元格超过 {limits.max_cells_per_sheet} 个",
                )
            page, seq = _read_sheet(ws, number, seq, budget)
            pages.append(page)
    finally:
        wb.close()
    titles = {ws.title for ws in visible}
    for title, count in uncached.items():
        if title in titles:
            notes.append(
                f"工作表“{title}”中有 {count} 个公式单元格没有保存计算结果，读作空白："
                "请在 Excel 中打开文件、重新计算并保存后上传。"
            )
    return ExtractedDocument(
        source_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        kind=DocumentKind.XLSX,
        pages=pages,
        warnings=notes,
    )


# --- one sheet ------------------------------------------------------------------------------------

Pos = tuple[int, int]


class _Budget:
    """Table rows and grid positions left for the rest of the workbook."""

    def __init__(self, limits: OfficeLimits):
        self.limits = limits
        self.rows = 0
        self.cells = 0

    def take(self, title: str, rows: int, cells: int) -> None:
        self.rows += rows
        self.cells += cells
        if self.rows > self.limits.max_table_rows:
            raise too_large_error(
                "Excel",
                f"> {self.limits.max_table_rows} table rows (sheet {title!r})",
                f"表格行数超过 {self.limits.max_table_rows:,} 行",
            )
        if self.cells > self.limits.max_table_cells:
            raise too_large_error(
                "Excel",
                f"> {self.limits.max_table_cells} table cells (sheet {title!r})",
                f"表格单元格超过 {self.limits.max_table_cells:,} 个",
            )


def _read_sheet(ws: Any, number: int, seq: int, budget: _Budget | None = None) -> tuple[Page, int]:
    stored: dict[Pos, Any] = ws._cells  # private, but iterating the used range would create cells
    spans: dict[Pos, Pos] = {}  # top-left → (rows, cols)
    owner: dict[Pos, Pos] = {}  # every merged position → its top-left
    for rng in ws.merged_cells.ranges:
        spans[(rng.min_row, rng.min_col)] = (rng.max_row - rng.min_row + 1, rng.max_col - rng.min_col + 1)
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                owner[(r, c)] = (rng.min_row, rng.min_col)
    texts = {pos: t for pos, cell in stored.items() if (t := display_text(cell))}
    page = Page(number=number, name=ws.title)
    if not texts:
        return page, seq
    ends = [(r + spans.get((r, c), (1, 1))[0] - 1, c + spans.get((r, c), (1, 1))[1] - 1) for r, c in texts]
    r0, r1 = min(r for r, _ in texts), max(r for r, _ in ends)
    c0, c1 = min(c for _, c in texts), max(c for _, c in ends)
    row_vals: dict[int, list[Pos]] = {}  # row → text cells covering it
    for (r, c), (re_, _) in zip(texts, ends, strict=True):
        for rr in range(r, re_ + 1):
            row_vals.setdefault(rr, []).append((r, c))
    strong, weak, edges = _bordered_rows(stored, r0, r1, c0, c1)
    table, bordered = _table_rows(r0, r1, row_vals, strong, weak)
    if not bordered:
        edges = {}  # decorative borders do not widen a table
    for (r, c), (re_, _) in zip(texts, ends, strict=True):  # a merge hanging from a table row stays in it
        if r in table:
            table.update(range(r, re_ + 1))
    blocks: list[tuple[int, Line | Grid]] = []
    r = r0
    while r <= r1:
        if r in table:
            end = r
            while end + 1 in table:
                end += 1
            left, right = _columns(r, end, texts, spans, edges)
            if budget is not None:  # before the grid's cells are made: every position gets one
                budget.take(ws.title, end - r + 1, (end - r + 1) * (right - left + 1))
            blocks.append((r, _grid(number, r, end, left, right, texts, spans, owner)))
            r = end + 1
            continue
        starts = sorted((pos for pos in row_vals.get(r, []) if pos[0] == r), key=lambda p: p[1])
        if starts:
            blocks.append((r, _line(number, starts, texts, spans)))
        r += 1
    for _, block in blocks:
        seq += 1
        if isinstance(block, Line):
            block.line = seq
            page.lines.append(block)
        else:
            block.seq = seq
            page.grids.append(block)
    return page, seq


def _bordered_rows(
    stored: dict[Pos, Any], r0: int, r1: int, c0: int, c1: int
) -> tuple[set[int], set[int], dict[int, tuple[int, int]]]:
    """Rows of the used range with a vertically (strong) or only horizontally (weak) bordered
    cell, and for each such row the columns its bordered cells reach."""
    strong: set[int] = set()
    weak: set[int] = set()
    edges: dict[int, tuple[int, int]] = {}
    for (r, c), cell in stored.items():
        if not (r0 <= r <= r1 and c0 <= c <= c1) or not cell.has_style:
            continue
        b = cell.border
        if _side(b.left) or _side(b.right):
            strong.add(r)
        elif _side(b.top) or _side(b.bottom):
            weak.add(r)
        else:
            continue
        lo, hi = edges.get(r, (c, c))
        edges[r] = (min(lo, c), max(hi, c))
    return strong, weak, edges


def _side(side: Any) -> bool:
    return side is not None and bool(side.style)


def _table_rows(
    r0: int, r1: int, row_vals: dict[int, list[Pos]], strong: set[int], weak: set[int]
) -> tuple[set[int], bool]:
    """The rows that belong to tables, and whether borders decided them (see the module doc)."""
    multi = {r for r, v in row_vals.items() if len(v) >= 2}
    filled = {r for r, v in row_vals.items() if v}
    # Tables drawn with a full grid have vertical borders; a row with only a horizontal border
    # next to them is a neighbour whose bottom edge is the table's top (the unit row). Tables
    # drawn with horizontal rules only are recognised by their multi-value rows.
    by_border = set(strong) if strong else weak & multi
    bordered = bool(by_border) and 2 * len(multi & by_border) >= len(multi)
    table = by_border if bordered else set(multi)
    # rows with values between table rows stay in the table; with borders, a single value needs a
    # border (an unbordered one is the title of the next table)
    joins = (weak & filled) | multi if bordered else filled
    r = r0
    while r <= r1:
        if r in table:
            end = r + 1
            while end <= r1 and end in joins and end not in table:
                end += 1
            if end <= r1 and end in table and end > r + 1:
                table.update(range(r + 1, end))
            r = end
        else:
            r += 1
    return table, bordered


def _box(pos: Pos, spans: dict[Pos, Pos], rows: int | None = None, cols: int | None = None) -> BBox:
    rs, cs = spans.get(pos, (1, 1))
    return BBox(x0=pos[1], y0=pos[0], x1=pos[1] + (cols or cs), y1=pos[0] + (rows or rs))


def _line(number: int, starts: list[Pos], texts: dict[Pos, str], spans: dict[Pos, Pos]) -> Line:
    text = " ".join(texts[p] for p in starts)
    box = BBox.enclosing([_box(p, spans) for p in starts])
    return Line(page=number, line=0, text=text, norm=normalize_for_matching(text), bbox=box)


def _columns(
    top: int, bottom: int, texts: dict[Pos, str], spans: dict[Pos, Pos], edges: dict[int, tuple[int, int]]
) -> tuple[int, int]:
    """The first and last column of the table on rows top..bottom."""
    reach = [p for p in texts if top <= p[0] <= bottom]
    bordered = [edges[r] for r in range(top, bottom + 1) if r in edges]
    left = min([c for _, c in reach] + [lo for lo, _ in bordered])
    right = max([c + spans.get((r, c), (1, 1))[1] - 1 for r, c in reach] + [hi for _, hi in bordered])
    return left, right


def _grid(
    number: int,
    top: int,
    bottom: int,
    left: int,
    right: int,
    texts: dict[Pos, str],
    spans: dict[Pos, Pos],
    owner: dict[Pos, Pos],
) -> Grid:
    cells: list[GridCell] = []
    for r in range(top, bottom + 1):
        for c in range(left, right + 1):
            head = owner.get((r, c), (r, c))
            if head != (r, c) and top <= head[0] and left <= head[1]:
                continue  # covered by a merged cell already placed at its top-left
            rs, cs = spans.get((r, c), (1, 1)) if head == (r, c) else (1, 1)
            rs, cs = min(rs, bottom - r + 1), min(cs, right - c + 1)
            text = texts.get((r, c), "") if head == (r, c) else ""
            cells.append(
                GridCell(
                    row=r - top,
                    col=c - left,
                    row_span=rs,
                    col_span=cs,
                    text=text,
                    bbox=_box((r, c), spans, rs, cs),
                )
            )
    box = BBox(x0=left, y0=top, x1=right + 1, y1=bottom + 1)
    return Grid(page=number, seq=0, n_rows=bottom - top + 1, n_cols=right - left + 1, cells=cells, bbox=box)


# --- values -----------------------------------------------------------------------------------------


def display_text(cell: Any) -> str:
    """A cell's value as the sheet shows it (see the module doc); "" for an empty cell."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return format_number(value, cell.number_format or "General")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, str):
        return join_pieces(value.splitlines())
    return str(value).strip()


def _sections(fmt: str) -> list[str]:
    """The ;-separated sections of a number format (semicolons inside quotes kept)."""
    out, cur, quoted = [], "", False
    for ch in fmt:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    return [*out, cur]


def format_number(value: float, fmt: str) -> str:
    """``value`` formatted by the Excel number format ``fmt``."""
    sections = _sections(fmt)
    section = sections[0]
    if value == 0 and len(sections) >= 3:
        section = sections[2]
        literal = "".join(
            m[1:-1] if m.startswith('"') else m[1:] if m.startswith("\\") else ""
            for m in _QUOTED.findall(section)
        ).strip()
        if literal and not re.search(r"[0#]", _QUOTED.sub("", section)):  # zero shown as text ("-")
            return literal
    bare = _QUOTED.sub("", section)
    if (
        bare.strip().lower() in ("general", "", "@")
        or re.search(r"[eE][+-]", bare)
        or "/" in bare
        or not re.search(r"[0#?]", bare)
    ):
        return general_number(value)
    point = re.search(r"\.([0#?]*)", bare)
    places = len(point.group(1)) if point else 0
    try:
        number = Decimal(repr(float(value))) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        return general_number(value)
    percent = "%" in bare
    if percent:
        number *= 100
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if number == 0:
        number = abs(number)
    text = f"{number:,.{places}f}" if re.search(r"[0#?],[0#?]", bare) else f"{number:.{places}f}"
    return text + ("%" if percent else "")


def general_number(value: float) -> str:
    """The "General" display: integers without ".0", at most 6 decimals, no exponent."""
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return repr(value)
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text or len(text.partition(".")[2]) > 6:
        number = Decimal(text).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
        text = f"{number:f}".rstrip("0").rstrip(".")
        text = "0" if text in ("-0", "") else text
    return text


# --- before openpyxl: ranges that would create cells, formulas without values ------------------------

_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s/>]")  # a stored cell: openpyxl makes an object of each
_RANGE_REF = re.compile(rb'<(?:\w+:)?(?:mergeCell|hyperlink)\b[^>]*?\sref="([^"]*)"')
_MAX_ROW, _MAX_COL = 1_048_576, 16_384


def _prescan(data: bytes, limits: OfficeLimits) -> dict[str, int]:
    """Read the sheet parts once before openpyxl does.

    Refuses a sheet that stores more cells than a sheet may hold, a workbook that stores more
    than a document may, and a sheet whose merged ranges or hyperlinks cover more positions than a sheet may hold:
    openpyxl creates a cell object for every position they cover, so a few bytes
    (``<mergeCell ref="A1:XFD1048576"/>``) would ask for billions. Returns sheet title → number of
    formula cells saved without their value (written by a program that does not calculate:
    openpyxl reads them as empty).
    """
    out: dict[str, int] = {}
    total = 0
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        titles = _sheet_titles(zf)
        for name in zf.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            try:
                raw = zf.read(name)
            except (
                zipfile.BadZipFile,
                zlib.error,
                OSError,
                EOFError,
                ValueError,
                NotImplementedError,
            ) as exc:
                raise damaged_error("Excel", f"{name}: {exc}") from exc
            title = titles.get(name, name)
            area = sum(
                _area(ref.decode("ascii", "replace"))
                for m in _RANGE_REF.finditer(raw)
                for ref in m.group(1).split()
            )
            if area > limits.max_cells_per_sheet:
                raise too_large_error(
                    "Excel",
                    f"sheet {title!r}: merged ranges / hyperlinks cover {area} cells",
                    f"工作表“{title}”的合并单元格或超链接覆盖超过 {limits.max_cells_per_sheet} 个单元格",
                )
            stored = sum(1 for _ in _CELL_TAG.finditer(raw))
            total += stored
            if stored > limits.max_cells_per_sheet:
                raise too_large_error(
                    "Excel",
                    f"sheet {title!r} stores {stored} cells",
                    f"工作表“{title}”的单元格超过 {limits.max_cells_per_sheet:,} 个，约 {stored:,} 个",
                )
            if total > limits.max_table_cells:
                raise too_large_error(
                    "Excel", f"workbook stores > {total} cells", f"单元格超过 {limits.max_table_cells:,} 个"
                )
            count = _count_uncached(raw) if b"<f" in raw or b":f" in raw else 0
            if count:
                out[title] = count
    return out


def _area(ref: str) -> int:
    """How many positions a range reference ("B2:D5", "A:A", "3:3") covers."""
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
    except (ValueError, TypeError):
        return 0  # openpyxl will refuse it itself
    rows = (max_row or _MAX_ROW) - (min_row or 1) + 1
    cols = (max_col or _MAX_COL) - (min_col or 1) + 1
    return max(rows, 1) * max(cols, 1)


def _count_uncached(raw: bytes) -> int:
    count = 0
    try:
        for _, el in etree.iterparse(io.BytesIO(raw), tag=f"{{{_MAIN_NS}}}c", resolve_entities=False):
            count += _uncached(el)
            el.clear()
    except etree.LxmlError:
        pass  # a malformed part: openpyxl reports it
    return count


def _uncached(c: Any) -> bool:
    """A formula cell saved without its value: no ``<v>``, or an empty one where the result is not
    a string (a formula that yields "" is saved as ``t="str"`` with an empty value)."""
    formula = value = None
    for child in c:
        if child.tag == f"{{{_MAIN_NS}}}f":
            formula = child
        elif child.tag == f"{{{_MAIN_NS}}}v":
            value = child
    if formula is None:
        return False
    return value is None or (not value.text and c.get("t") not in ("str", "inlineStr"))


def _sheet_titles(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part name → sheet title, from the workbook and its relationships."""
    try:
        book = etree.fromstring(zf.read("xl/workbook.xml"), etree.XMLParser(resolve_entities=False))
        rels = etree.fromstring(
            zf.read("xl/_rels/workbook.xml.rels"), etree.XMLParser(resolve_entities=False)
        )
    except (KeyError, etree.LxmlError, zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError):
        return {}  # no titles: the warnings name the part instead
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    out: dict[str, str] = {}
    for sheet in book.iter(f"{{{_MAIN_NS}}}sheet"):
        target = targets.get(sheet.get(f"{{{_REL_NS}}}id"), "")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        out[path] = sheet.get("name", "")
    return out


__all__ = ["display_text", "extract_xlsx", "format_number", "general_number"]
