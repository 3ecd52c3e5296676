"""Table grids from a page's ruling lines, and text from positioned characters.

Pure geometry over plain tuples, so it can be tested without a PDF: the PDF extractor hands in
the page's ruling segments and characters (top-left origin, points), and gets back grids with
their cells' text and the characters no grid took.

How a grid is found (the way pdfplumber and Camelot's lattice mode do it):
1. Ruling segments are merged where they continue each other, then grouped into connected
   components (a horizontal and a vertical rule that cross or touch belong together).
2. A component with at least two horizontal and two vertical rules (or two horizontal rules
   closed by verticals at both ends) is a table. Its distinct x positions of vertical rules and
   y positions of horizontal rules cut it into elementary cells.
3. Two neighbouring elementary cells are one merged cell where no rule separates them.
4. Every character goes to the cell that contains its centre; a cell's text is its characters
   in reading order, wrapped lines joined without a break.
"""

from __future__ import annotations

import bisect
import itertools
import unicodedata
from dataclasses import dataclass, field

# Tolerances in points: rules closer than SNAP are the same rule; rules whose ends are within
# JOIN of each other continue each other; a rule covers a cell side when it reaches within JOIN.
SNAP = 1.5
JOIN = 2.5
MIN_RULE = 4.0  # shorter strokes are decoration (dots at crossings), not rules


@dataclass(frozen=True)
class HRule:
    y: float
    x0: float
    x1: float


@dataclass(frozen=True)
class VRule:
    x: float
    y0: float
    y1: float


@dataclass
class Char:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    conf: float = 1.0  # recognition confidence (OCR); 1.0 for a text layer

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def h(self) -> float:
        return max(self.y1 - self.y0, 1.0)


@dataclass
class CellBox:
    row: int
    col: int
    row_span: int
    col_span: int
    x0: float
    y0: float
    x1: float
    y1: float
    chars: list[Char] = field(default_factory=list)


@dataclass
class FoundGrid:
    x0: float
    y0: float
    x1: float
    y1: float
    n_rows: int
    n_cols: int
    cells: list[CellBox]
    col_edges: list[float]
    row_edges: list[float]
    owner: dict[tuple[int, int], CellBox] = field(default_factory=dict)  # elementary position → cell


# ------------------------------------------------------------------ rules


def _merge_intervals(items: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(items):
        if out and a <= out[-1][1] + JOIN:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _cluster(values: list[float], tol: float = SNAP) -> list[list[float]]:
    groups: list[list[float]] = []
    for v in sorted(values):
        if groups and v - groups[-1][-1] <= tol:
            groups[-1].append(v)
        else:
            groups.append([v])
    return groups


def merge_rules(hs: list[HRule], vs: list[VRule]) -> tuple[list[HRule], list[VRule]]:
    """Snap rules at (almost) the same position together and join the pieces of a broken rule."""
    out_h: list[HRule] = []
    by_y = _cluster([h.y for h in hs])
    for ys in by_y:
        lo, hi = ys[0], ys[-1]
        y = sum(ys) / len(ys)
        spans = [(h.x0, h.x1) for h in hs if lo <= h.y <= hi]
        out_h += [HRule(y, a, b) for a, b in _merge_intervals(spans) if b - a >= MIN_RULE]
    out_v: list[VRule] = []
    for xs in _cluster([v.x for v in vs]):
        lo, hi = xs[0], xs[-1]
        x = sum(xs) / len(xs)
        spans = [(v.y0, v.y1) for v in vs if lo <= v.x <= hi]
        out_v += [VRule(x, a, b) for a, b in _merge_intervals(spans) if b - a >= MIN_RULE]
    return out_h, out_v


def _touch(h: HRule, v: VRule) -> bool:
    return h.x0 - JOIN <= v.x <= h.x1 + JOIN and v.y0 - JOIN <= h.y <= v.y1 + JOIN


def _components(hs: list[HRule], vs: list[VRule]) -> list[tuple[list[HRule], list[VRule]]]:
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    vs_sorted = sorted(range(len(vs)), key=lambda j: vs[j].x)
    xs = [vs[j].x for j in vs_sorted]
    for i, h in enumerate(hs):
        lo = bisect.bisect_left(xs, h.x0 - JOIN)
        hi = bisect.bisect_right(xs, h.x1 + JOIN)
        for k in range(lo, hi):
            j = vs_sorted[k]
            if _touch(h, vs[j]):
                a, b = find(i), find(len(hs) + j)
                if a != b:
                    parent[a] = b
    groups: dict[int, tuple[list[HRule], list[VRule]]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[1].append(v)
    return list(groups.values())


def _covers_v(vs: list[VRule], x: float, y0: float, y1: float) -> bool:
    """Is there a vertical rule at ``x`` along the whole of y0..y1 (the middle part at least)?"""
    mid0, mid1 = y0 + (y1 - y0) * 0.25, y1 - (y1 - y0) * 0.25
    return any(abs(v.x - x) <= SNAP + 0.5 and v.y0 - JOIN <= mid0 and v.y1 + JOIN >= mid1 for v in vs)


def _covers_h(hs: list[HRule], y: float, x0: float, x1: float) -> bool:
    mid0, mid1 = x0 + (x1 - x0) * 0.25, x1 - (x1 - x0) * 0.25
    return any(abs(h.y - y) <= SNAP + 0.5 and h.x0 - JOIN <= mid0 and h.x1 + JOIN >= mid1 for h in hs)


class GridTooLarge(ValueError):
    """The rules of a page cut it into more elementary cells than allowed (``cells`` of them)."""

    def __init__(self, cells: int):
        super().__init__(f"{cells} grid cells")
        self.cells = cells


def _grid_of(hs: list[HRule], vs: list[VRule], max_cells: int | None = None) -> FoundGrid | None:
    left = min([h.x0 for h in hs] + [v.x for v in vs])
    right = max([h.x1 for h in hs] + [v.x for v in vs])
    top = min([v.y0 for v in vs] + [h.y for h in hs])
    bottom = max([v.y1 for v in vs] + [h.y for h in hs])
    xs = [sum(g) / len(g) for g in _cluster([v.x for v in vs] + [left, right], SNAP + 0.5)]
    ys = [sum(g) / len(g) for g in _cluster([h.y for h in hs] + [top, bottom], SNAP + 0.5)]
    # a rule that only reaches part-way still makes a column (merged cells are found below)
    if len(xs) < 2 or len(ys) < 3 and len(xs) < 3 or len(ys) < 2:
        return None
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    if n_rows * n_cols < 2:
        return None
    if max_cells is not None and n_rows * n_cols > max_cells:
        raise GridTooLarge(n_rows * n_cols)  # before the per-cell work below
    # the table's outline: where a side has no rule of its own, the outermost rules stand in
    outline_v = [VRule(left, top, bottom), VRule(right, top, bottom)]
    outline_h = [HRule(top, left, right), HRule(bottom, left, right)]
    has_v = vs + outline_v
    has_h = hs + outline_h
    parent = list(range(n_rows * n_cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(n_rows):
        for c in range(n_cols):
            here = r * n_cols + c
            if c + 1 < n_cols and not _covers_v(has_v, xs[c + 1], ys[r], ys[r + 1]):
                parent[find(here)] = find(here + 1)
            if r + 1 < n_rows and not _covers_h(has_h, ys[r + 1], xs[c], xs[c + 1]):
                parent[find(here)] = find(here + n_cols)
    members: dict[int, list[tuple[int, int]]] = {}
    for r in range(n_rows):
        for c in range(n_cols):
            members.setdefault(find(r * n_cols + c), []).append((r, c))
    cells: list[CellBox] = []
    owner: dict[tuple[int, int], CellBox] = {}
    taken: set[tuple[int, int]] = set()
    for pos in sorted(members.values(), key=lambda m: min(m)):
        r0 = min(r for r, _ in pos)
        r1 = max(r for r, _ in pos)
        c0 = min(c for _, c in pos)
        c1 = max(c for _, c in pos)
        if any((r, c) in taken for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)):
            continue  # a non-rectangular merge (rules missing at odd places): keep the first cover
        cell = CellBox(r0, c0, r1 - r0 + 1, c1 - c0 + 1, xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1])
        cells.append(cell)
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                taken.add((r, c))
                owner[(r, c)] = cell
    return FoundGrid(left, top, right, bottom, n_rows, n_cols, cells, xs, ys, owner)


def find_grids(hs: list[HRule], vs: list[VRule], max_cells: int | None = None) -> list[FoundGrid]:
    """The ruled tables of a page, top to bottom. Raises :class:`GridTooLarge` when they would
    have more than ``max_cells`` elementary cells together (checked before any cell is made)."""
    hs, vs = merge_rules(hs, vs)
    grids: list[FoundGrid] = []
    used = 0
    for ch, cv in _components(hs, vs):
        if len(ch) < 2 or not cv:
            continue
        try:
            g = _grid_of(ch, cv, None if max_cells is None else max_cells - used)
        except GridTooLarge as exc:
            raise GridTooLarge(used + exc.cells) from None
        if g is not None:
            used += g.n_rows * g.n_cols
            grids.append(g)
    grids.sort(key=lambda g: (g.y0, g.x0))
    return grids


# ------------------------------------------------------------------ characters


def is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _needs_space(prev: Char, cur: Char, cjk_gap: float, ocr: bool = False) -> bool:
    """A visible gap between two characters on one line is a word break for Latin text and
    numbers. CJK text runs without gaps, or letter-spaced with even gaps ("因 公 出 国" in a
    header): between two CJK characters only a gap clearly wider than the line's usual one
    (``cjk_gap``, the median) breaks — the space between two columns of an unruled table.
    ``ocr``: the boxes are the recogniser's, drawn round the ink and split evenly inside a word,
    so the gaps beside Chinese text are noisier: only a gap of most of a character breaks there."""
    gap = cur.x0 - prev.x1
    h = max(prev.h, cur.h)
    if ocr and cur.text in "%％" and prev.text.isdigit():
        return False  # "2.10 %": a percent sign belongs to its number
    wide_punct = cjk_punct(prev.text) or cjk_punct(cur.text)
    if (is_wide(prev.text) and is_wide(cur.text)) or wide_punct:
        limit = max(0.8 * h if ocr else 0.35 * h, 2.5 * cjk_gap)  # cjk_gap is 0 on a line too short to tell
        if wide_punct:
            # full-width punctuation is inked on one half of its square ("（", "。", "；"): where
            # boxes are ink (OCR), the gap beside it is up to half a character wider
            limit += 0.5 * h
        return gap > limit
    return gap > 0.25 * h


def cjk_punct(ch: str) -> bool:
    """Punctuation of Chinese text: full-width, or the curly quotes and dashes it shares with
    Western text (“”‘’—…, of ambiguous width)."""
    return unicodedata.category(ch).startswith("P") and (is_wide(ch) or ch in "“”‘’—…·")


def _cjk_gap(chars: list[Char]) -> float:
    """The usual gap between two CJK characters of the line (letter spacing); 0 when the line has
    too few of them to tell letter spacing from columns (“类 款 项” over three narrow columns)."""
    gaps = sorted(
        max(b.x0 - a.x1, 0.0) for a, b in itertools.pairwise(chars) if is_wide(a.text) and is_wide(b.text)
    )
    return gaps[len(gaps) // 2] if len(gaps) >= 4 else 0.0


def group_lines(chars: list[Char]) -> list[list[Char]]:
    """Characters grouped into lines (by vertical overlap) and each line sorted left to right."""
    lines: list[list[Char]] = []
    bounds: list[tuple[float, float]] = []
    for ch in sorted(chars, key=lambda c: (c.cy, c.x0)):
        placed = False
        for i in range(len(lines) - 1, max(len(lines) - 4, -1), -1):
            top, bottom = bounds[i]
            overlap = min(bottom, ch.y1) - max(top, ch.y0)
            if overlap > 0.5 * min(ch.h, bottom - top) and abs(ch.cy - (top + bottom) / 2) < 0.6 * max(
                ch.h, bottom - top
            ):
                lines[i].append(ch)
                bounds[i] = (min(top, ch.y0), max(bottom, ch.y1))
                placed = True
                break
        if not placed:
            lines.append([ch])
            bounds.append((ch.y0, ch.y1))
    for ln in lines:
        ln.sort(key=lambda c: c.x0)
    order = sorted(range(len(lines)), key=lambda i: bounds[i][0])
    return [lines[i] for i in order]


def line_text(chars: list[Char], ocr: bool = False) -> tuple[str, list[tuple[int, int, int, int]]]:
    """The text of one line, and its tokens as (start, end, first char, last char) indices: a
    token is a run without a word-breaking gap (``ocr``: boxes from a recogniser)."""
    out: list[str] = []
    tokens: list[tuple[int, int, int, int]] = []
    start_pos, start_i = 0, 0
    cjk_gap = _cjk_gap(chars)
    for i, ch in enumerate(chars):
        if i and _needs_space(chars[i - 1], ch, cjk_gap, ocr) and not (ocr and _beside_point(chars, i)):
            tokens.append((start_pos, len("".join(out)), start_i, i - 1))
            out.append(" ")
            start_pos, start_i = len("".join(out)), i
        out.append(ch.text)
    if chars:
        tokens.append((start_pos, len("".join(out)), start_i, len(chars) - 1))
    return "".join(out), tokens


def _beside_point(chars: list[Char], i: int) -> bool:
    """Is the gap before ``chars[i]`` one beside a decimal point with digits on both sides
    ("10210. 34", "10210 .34")? The recogniser's boxes leave one there; the number is one."""
    a, b = chars[i - 1].text, chars[i].text
    if a in ".．" and b.isdigit():
        return i >= 2 and chars[i - 2].text.isdigit()
    return a.isdigit() and b in ".．" and i + 1 < len(chars) and chars[i + 1].text.isdigit()


def cell_text(chars: list[Char], ocr: bool = False) -> str:
    """A cell's text: its lines in order; a name wrapped over lines is one name again."""
    parts = [line_text(ln, ocr)[0] for ln in group_lines(chars)]
    out = ""
    for p in parts:
        if out and (not is_wide(out[-1]) and not is_wide(p[0])):
            out += " "  # two numbers or Latin words on separate lines stay apart
        out += p
    return out


def assign_chars(grids: list[FoundGrid], chars: list[Char]) -> list[Char]:
    """Put each character into the cell containing its centre; return the characters outside
    every grid."""
    rest: list[Char] = []
    for ch in chars:
        cx, cy = ch.cx, ch.cy
        home = None
        for g in grids:
            if g.x0 <= cx <= g.x1 and g.y0 <= cy <= g.y1:
                c = min(max(bisect.bisect_right(g.col_edges, cx) - 1, 0), g.n_cols - 1)
                r = min(max(bisect.bisect_right(g.row_edges, cy) - 1, 0), g.n_rows - 1)
                home = g.owner.get((r, c))
                if home is not None:
                    break
        if home is None:
            rest.append(ch)
        else:
            home.chars.append(ch)
    return rest
