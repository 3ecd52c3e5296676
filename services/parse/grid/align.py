"""A grid for a table printed without vertical rules (unruled, a 三线表, or cells shaded instead
of ruled), from the alignment of its words (PDF lines with token boxes).

Two sources say where the columns are, and both are used:
- the data rows: an x position that almost no data row covers is a gap between two columns (the
  approach of Camelot's "stream" mode) — these *bands* are where the figures are;
- the header: its labels, a label wrapped over two lines being one label (“本年收入合” / “计”),
  and a label over several others (“支出功能分类”, “收入”) a parent, not a column.
Bands and header labels are matched in left-to-right order (a monotone alignment), so a column
whose cells are all empty still gets its label, and a right-aligned figure under a left-aligned
label still gets the right one. Words then go to the column under their centre; the header lines
become the grid's header rows, so the grid readers name the columns as for a ruled table.

Rows are the lines; a line holding only a name's continuation joins the row above, and a line of
numbers without a label joins the label line next to it (a row's amounts printed a little above
or below its label).
"""

from __future__ import annotations

import re

from shared.document import BBox, Grid, GridCell, Line, Token
from shared.knowledge.tables import header_column

from .layout import TABLE_META_RE

NUMBER_RE = re.compile(r"^[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$")
AMOUNT_RE = re.compile(r"^[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+$")
ROW_START_RE = re.compile(r"^([一二三四五六七八九十]{1,3}、|\d{3}|合计|总计|本年|年初|年末|使用|结余)")
GAP_SHARE = 0.12  # an x covered by at most this share of data rows separates two columns
MIN_GAP = 1.0  # points
MATCH_REACH = 60.0  # points: a label and a band this far apart are not the same column

Span = tuple[float, float]


def _boxed(line: Line) -> list[Token]:
    return [t for t in line.tokens if t.bbox is not None and t.text.strip()]


def _box(t: Token) -> BBox:
    assert t.bbox is not None
    return t.bbox


def _is_data(line: Line) -> bool:
    return any(AMOUNT_RE.match(t.text.replace(" ", "")) for t in _boxed(line))


def _bands(rows: list[list[Token]]) -> list[Span]:
    """Column bands: maximal x intervals covered by more than GAP_SHARE of the rows, or by any
    amount (a sparse column, such as the income side of a summary table, is still a column)."""
    x0 = min(_box(t).x0 for r in rows for t in r)
    x1 = max(_box(t).x1 for r in rows for t in r)
    width = int(x1 - x0) + 2
    cover = [0] * width
    figure = [False] * width
    for r in rows:
        seen = [False] * width
        for t in r:
            amount = bool(AMOUNT_RE.match(t.text))
            for i in range(int(_box(t).x0 - x0), min(int(_box(t).x1 - x0) + 1, width)):
                seen[i] = True
                figure[i] = figure[i] or amount
        for i, s in enumerate(seen):
            cover[i] += s
    limit = GAP_SHARE * len(rows)
    cover = [c if c > limit or not f else int(limit) + 1 for c, f in zip(cover, figure)]
    bands: list[Span] = []
    start: int | None = None
    for i, c in enumerate([*cover, 0]):
        if c > limit and start is None:
            start = i
        elif c <= limit and start is not None:
            bands.append((x0 + start, x0 + i))
            start = None
    merged: list[Span] = []
    for b in bands:
        if merged and b[0] - merged[-1][1] < MIN_GAP:
            merged[-1] = (merged[-1][0], b[1])
        else:
            merged.append(b)
    return merged


def _split_mixed(bands: list[Span], rows: list[list[Token]]) -> list[Span]:
    """A band holding right-aligned figures and, just after them, left-aligned labels (two
    columns printed with no gap to speak of: an amount, then the other side's 项目) is two."""
    out: list[Span] = []
    for band in bands:
        toks = [t for r in rows for t in r if band[0] <= _box(t).cx <= band[1]]
        figures = [t for t in toks if AMOUNT_RE.match(t.text)]
        words = [t for t in toks if not NUMBER_RE.match(t.text)]
        if figures and words:
            right = max(_box(t).x1 for t in figures)
            left = min(_box(t).x0 for t in words)
            if right <= left + 0.5 and min(_box(t).x0 for t in figures) < left:
                out += [(band[0], right), (left, band[1])]
                continue
        out.append(band)
    return out


def _numeric(band: Span, rows: list[list[Token]]) -> bool:
    """Are most words in this band figures?"""
    toks = [t for r in rows for t in r if band[0] <= _box(t).cx <= band[1]]
    return sum(1 for t in toks if NUMBER_RE.match(t.text)) * 2 > len(toks)


def _overlap(a: Span, b: Span) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def _distance(a: Span, b: Span) -> float:
    return 0.0 if _overlap(a, b) > 0 else min(abs(a[0] - b[1]), abs(b[0] - a[1]))


def _header_leaves(header: list[list[Token]]) -> list[tuple[Span, list[Token]]]:
    """The header's column labels: tokens stacked over one another are one (wrapped) label, placed
    where its lowest piece is; a token spanning two or more labels of another line is a parent
    and names no column itself."""
    spans = [[(_box(t).x0, _box(t).x1) for t in line] for line in header]
    leaves: list[tuple[Span, list[Token]]] = []
    for li, line in enumerate(header):
        for ti, tok in enumerate(line):
            span = spans[li][ti]
            covered = max(
                (
                    sum(1 for s in other if _overlap(span, s) >= 0.7 * (s[1] - s[0]))
                    for k, other in enumerate(spans)
                    if k != li
                ),
                default=0,
            )
            if covered >= 2:
                continue  # a parent label
            home = next(
                (
                    i
                    for i, (lspan, toks) in enumerate(leaves)
                    if _overlap(lspan, span) >= 0.5 * min(lspan[1] - lspan[0], span[1] - span[0])
                    and all(t not in line for t in toks)
                ),
                None,
            )
            if home is None:
                leaves.append((span, [tok]))
            else:
                leaves[home] = (span, [*leaves[home][1], tok])  # the lower piece places the label
    leaves.sort(key=lambda leaf: leaf[0][0])
    return leaves


LABEL_WORDS_RE = re.compile(r"编码|代码|名称|项目|^[类款项]$")


def _kind_of_label(label: str) -> str | None:
    """What a header label heads: "amount" (a known amount column), "label" (codes and names),
    or None (a parent or a word the vocabulary does not know)."""
    key = re.sub(r"\s+", "", label)
    if header_column(key, None) is not None:  # type: ignore[arg-type]
        return "amount"
    return "label" if LABEL_WORDS_RE.search(key) else None


def _gain(band: Span, numeric: bool, leaf: Span, kind: str | None) -> float:
    """How well a label fits a band: near is better, and a label of the band's kind (an amount
    label over figures, a name label over words) better still."""
    gain = 1.0 - _distance(band, leaf) / MATCH_REACH
    if gain <= 0:
        return 0.0
    if kind == ("amount" if numeric else "label"):
        gain += 0.5
    elif kind is not None:
        gain -= 0.5
    return max(gain, 0.0)


def _columns(
    bands: list[Span], numeric: list[bool], leaves: list[Span], labels: list[str]
) -> tuple[list[Span], dict[int, int]]:
    """Bands and header labels matched in order (each at most once, best fit first). Columns are
    the bands, and the labels that stand over no figure but name an amount column (a column left
    empty); a label over a band that is already named joins it. Returns the columns and, for
    each label, its column."""
    n, m = len(bands), len(leaves)
    kinds = [_kind_of_label(lb) for lb in labels]
    gains = [[_gain(bands[i], numeric[i], leaves[j], kinds[j]) for j in range(m)] for i in range(n)]
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            gain = gains[i - 1][j - 1]
            best = max(score[i - 1][j], score[i][j - 1])
            if gain > 0:
                best = max(best, score[i - 1][j - 1] + gain)
            score[i][j] = best
    pairs: dict[int, int] = {}  # leaf → band
    i, j = n, m
    while i > 0 and j > 0:
        gain = gains[i - 1][j - 1]
        if gain > 0 and abs(score[i][j] - (score[i - 1][j - 1] + gain)) < 1e-9:
            pairs[j - 1] = i - 1
            i, j = i - 1, j - 1
        elif score[i][j] == score[i - 1][j]:
            i -= 1
        else:
            j -= 1
    cols: list[tuple[Span, list[int]]] = [
        (band, [lf for lf, b in pairs.items() if b == k]) for k, band in enumerate(bands)
    ]
    for lf in range(m):
        if lf in pairs:
            continue
        span = leaves[lf]
        host = next(
            (k for k, band in enumerate(bands) if _overlap(span, band) >= 0.6 * (span[1] - span[0])), None
        )
        if host is not None:
            cols[host][1].append(lf)
        elif kinds[lf] == "amount":
            cols.append((span, [lf]))
    cols.sort(key=lambda c: c[0][0])
    owner = {lf: k for k, (_, lfs) in enumerate(cols) for lf in lfs}
    return [c[0] for c in cols], owner


def _merge_split_rows(lines: list[Line]) -> list[list[Token]]:
    """Rows of tokens. A label-only line that does not start a row of its own (an ordinal, a code,
    合计 …) is part of a neighbouring row's name — the one it sits closer to (a long name wraps
    around its row's figures, half above, half below); a numbers-only line joins the label line
    next to it (amounts printed a little above or below their label)."""
    rows: list[list[Token]] = []
    kinds: list[str] = []
    held: list[Token] = []  # the upper half of the next row's name
    usable = [ln for ln in lines if _boxed(ln)]
    for k, ln in enumerate(usable):
        toks = _boxed(ln)
        has_num = any(NUMBER_RE.match(t.text) for t in toks)
        has_text = any(not NUMBER_RE.match(t.text) for t in toks)
        kind = "both" if has_num and has_text else "num" if has_num else "text"
        starts_row = bool(ROW_START_RE.match(ln.norm.strip()))
        if kind == "text" and not starts_row and rows and kinds[-1] in ("both", "num"):
            if k + 1 < len(usable) and _closer_to_next(usable[k - 1], ln, usable[k + 1]):
                held += toks
                continue
            rows[-1] += toks
            kinds[-1] = "both"
            continue
        if rows and kind == "num" and kinds[-1] == "text" and len(rows) > 1:
            rows[-1] += toks
            kinds[-1] = "both"
            continue
        rows.append(held + list(toks))
        kinds.append(kind)
        held = []
    if held:
        rows.append(held)
        kinds.append("text")
    return rows


def _closer_to_next(prev: Line, line: Line, nxt: Line) -> bool:
    if prev.bbox is None or line.bbox is None or nxt.bbox is None:
        return False
    above = line.bbox.y0 - prev.bbox.y1
    below = nxt.bbox.y0 - line.bbox.y1
    starts = bool(ROW_START_RE.match(nxt.norm.strip())) or any(NUMBER_RE.match(t.text) for t in _boxed(nxt))
    return starts and below + 1.0 < above


def grid_from_lines(lines: list[Line], page: int, seq: int) -> Grid | None:
    """The grid of an unruled table's lines (title and unit lines excluded by the caller), or None
    when the lines carry no boxes (plain text) or no column structure shows."""
    end = next((i for i, ln in enumerate(lines) if re.match(r"^\s*(注|说明)", ln.norm)), len(lines))
    body = [ln for ln in lines[:end] if not TABLE_META_RE.search(ln.norm)]
    if not body or not all(ln.tokens and ln.tokens[0].bbox is not None for ln in body if ln.text.strip()):
        return None
    first = next((i for i, ln in enumerate(body) if _is_data(ln)), None)
    if first is None:
        return None
    header = [_boxed(ln) for ln in body[:first] if _boxed(ln)]
    data = _merge_split_rows(body[first:])
    if len(data) < 2:
        return None
    bands = _split_mixed(_bands(data), data)
    leaves = _header_leaves(header)
    numeric = [_numeric(band, data) for band in bands]
    columns, owner = _columns(
        bands, numeric, [span for span, _ in leaves], [_join(toks) for _, toks in leaves]
    )
    if len(columns) < 2:
        return None
    label_column = {id(t): owner[k] for k, (_, toks) in enumerate(leaves) if k in owner for t in toks}
    rows = [_place(toks, columns, label_column) for toks in header] + [_place(toks, columns) for toks in data]
    cells: list[GridCell] = []
    for r, row in enumerate(rows):
        for c, toks in enumerate(row):
            cells.append(
                GridCell(
                    row=r,
                    col=c,
                    text=_join(toks),
                    bbox=BBox.enclosing([t.bbox for t in toks]),
                    header=r < len(header),
                    confidence=min((t.confidence for t in toks), default=1.0),
                )
            )
    return Grid(
        page=page,
        seq=seq,
        n_rows=len(rows),
        n_cols=len(columns),
        cells=cells,
        bbox=BBox.enclosing([t.bbox for ln in [*header, *data] for t in ln]),
        ruled=False,
        col_edges=[round(c[0], 1) for c in columns] + [round(columns[-1][1], 1)],
    )


def _place(
    tokens: list[Token], columns: list[Span], fixed: dict[int, int] | None = None
) -> list[list[Token]]:
    """Each token in its label's column (``fixed``), else the column under its centre or the
    nearest one."""
    out: list[list[Token]] = [[] for _ in columns]
    for t in tokens:
        if fixed and id(t) in fixed:
            out[fixed[id(t)]].append(t)
            continue
        cx = _box(t).cx
        best = min(range(len(columns)), key=lambda i: _distance(columns[i], (cx, cx)))
        out[best].append(t)
    return out


def _join(tokens: list[Token]) -> str:
    """A cell's words in reading order: lines top to bottom, CJK pieces without a blank."""
    tokens = sorted(tokens, key=lambda t: (round(_box(t).cy / 4), _box(t).x0))
    out = ""
    for t in tokens:
        if out and not ("\u4e00" <= out[-1] <= "\u9fff" and "\u4e00" <= t.text[:1] <= "\u9fff"):
            out += " "
        out += t.text
    return out
