"""What a table read by OCR can and cannot say about its rows: misread, truncated or unread
科目编码, and figures whose decimals went missing.

A born-digital table's codes are what it prints. A scan's codes are what the recogniser made of
them: a speck drops a digit ("20805" → "208"), a faint code is not read at all, a point is lost
("29.42" → "2942"). Such a misread must never become an error finding. The structure of the
功能分类 codes says where a code is wrong and often what it must be:

- codes run in tree order: a 款 (5 digits) comes under its 类 (its first 3 digits), a 项
  (7 digits) under its 款; a code appears once in a table;
- a row whose code was not read, followed by a 项 whose 款 is missing, is that 款; followed by a
  款 whose 类 is missing, is that 类 (the code is inferred: the row's confidence is lowered, so
  findings resting on it are marked unsure);
- a 类 code that repeats, or whose name is not that 类's name, followed by 项 rows of a 款 that is
  missing, is that 款 cut short (inferred likewise); otherwise the row's place is unsure;
- a row under a parent that is not in the table is unsure of its place;
- a row of figures whose code cannot be inferred is left out, and its position is kept
  (``Table.unread_rows``): a sum over a span holding it is incomplete, not wrong.

Figures: in a column where every other figure shows the same number of decimals, a figure
showing another number ("2942" among "29.42", "17.70") lost its point or its decimals: too
unsure to conclude anything from.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter

from shared.document import GridCell
from shared.knowledge.classification import ECONOMIC_NAMES, category_code
from shared.models import Cell, Row

INFERRED = 0.8  # a code inferred from its neighbours: findings resting on it are marked unsure
MISPLACED = 0.5  # a row whose code contradicts the table's structure: too unsure to use
LOST_DECIMALS = 0.5  # a figure with another number of decimals than its column


def settle_codes(rows: list[Row], unread: list[bool]) -> tuple[list[Row], list[int], list[str]]:
    """``rows`` of a coded table in printed order (``unread[i]``: row i holds figures but its code
    was not read) → (the rows kept, the positions of the rows left out, notes)."""
    present = {r.code for r in rows if r.code}
    kept: list[Row] = []
    gaps: list[int] = []
    notes: list[str] = []
    seen: set[str] = set()
    for i, row in enumerate(rows):
        nxt = next((r.code for r in rows[i + 1 :] if r.code), None)
        if unread[i]:
            code = _missing_parent(nxt, present)
            if code is None:
                gaps.append(len(kept))
                notes.append(
                    f"扫描件中“{row.name or '无名称'}”一行的科目编码未能识别，该行未采用，相关层级合计不作结论"
                )
                continue
            row.code, row.confidence = code, min(row.confidence, INFERRED)
            present.add(code)
            notes.append(f"扫描件中“{row.name}”一行的科目编码未能识别，按上下行推定为 {code}")
        elif row.code and len(row.code) == 3 and ((repeated := row.code in seen) or not _names_class(row)):
            cut = _missing_parent(nxt, present)
            if cut is not None and cut.startswith(row.code) and len(cut) == 5:
                notes.append(f"扫描件中“{row.name}”的科目编码读作 {row.code}，按下级科目推定为 {cut}")
                row.code, row.confidence = cut, min(row.confidence, INFERRED)
                present.add(cut)
            elif repeated:
                row.confidence = min(row.confidence, MISPLACED)
        elif row.code and row.code in seen:
            row.confidence = min(row.confidence, MISPLACED)
        if row.code:
            seen.add(row.code)
        kept.append(row)
    for row in kept:
        code = row.code
        if code and len(code) > 3 and code[: len(code) - 2] not in present:
            row.confidence = min(row.confidence, INFERRED)
    return kept, gaps, notes


def _missing_parent(nxt: str | None, present: set[str]) -> str | None:
    """The code of a row printed just above ``nxt``, when the table lacks ``nxt``'s parent: the
    parent is that row."""
    if nxt is None or len(nxt) not in (5, 7):
        return None
    parent = nxt[: len(nxt) - 2]
    if parent in present:
        return None
    if len(parent) == 5 and parent[:3] not in present:
        return None  # both 类 and 款 missing: which one this row is cannot be told
    return parent


def _names_class(row: Row) -> bool:
    """Does the row's name name the 类 its 3-digit code stands for?"""
    return category_code(row.name) == row.code


def economic_code(
    code: str | None, name: str, code_cells: list[GridCell]
) -> tuple[str | None, float, str | None]:
    """A scan's 经济分类 code checked against the name printed beside it: (the code, how sure
    its place is, a note). The 经济分类 names are fixed, so a name names its code: a code whose
    name is another code's is that code (inferred), a code not read is the one its name names."""
    conf = min((c.confidence for c in code_cells), default=1.0)
    named = _economic_by_name(name)
    if named is None or named == code:
        if code is not None and named is None and name:
            conf = min(conf, INFERRED)  # its name is not one we know: the code is taken as read
        return code, conf, None
    what = f"读作 {code}" if code else "未能识别"
    return named, min(conf, INFERRED), f"扫描件中“{name}”的经济分类编码{what}，按科目名称推定为 {named}"


def _economic_by_name(name: str) -> str | None:
    key = _squash(name)
    if not key:
        return None
    hits = [c for c, n in ECONOMIC_NAMES.items() if _squash(n) == key]
    if not hits:
        close = difflib.get_close_matches(
            key, [_squash(n) for n in ECONOMIC_NAMES.values()], n=1, cutoff=0.85
        )
        hits = [c for c, n in ECONOMIC_NAMES.items() if close and _squash(n) == close[0]]
    return hits[0] if len(hits) == 1 else None


def _squash(text: str) -> str:
    return re.sub(r"[\s（）()、·.]", "", text)


def unsure_decimals(rows: list[Row]) -> None:
    """A figure showing another number of decimals than every other figure of its column."""
    columns: dict[str, list[Cell]] = {}
    for r in rows:
        for name, cell in r.cells.items():
            if cell.state == "number" and cell.value is not None and cell.raw:
                columns.setdefault(name, []).append(cell)
    for cells in columns.values():
        places = Counter(_shown_places(c) for c in cells)
        if len(places) < 2:
            continue
        usual, n = places.most_common(1)[0]
        if n < 3 or n < 0.8 * len(cells):
            continue
        for c in cells:
            if _shown_places(c) != usual:
                c.confidence = min(c.confidence, LOST_DECIMALS)


def _shown_places(cell: Cell) -> int:
    raw = (cell.raw or "").replace(" ", "")
    return len(raw.split(".", 1)[1]) if "." in raw else 0
