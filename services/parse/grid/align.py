"""A grid for a table printed without rules, from the alignment of its text (PDF lines with
token boxes).

Columns are the vertical bands that the rows' words occupy: an x position that almost no data
row covers is a gap between two columns (the approach of Camelot's "stream" mode). Words are put
in the band under their centre, and the header lines above the first data row are cut by the same
bands, so the grid readers name the columns from their header labels as for a ruled table.
Rows are the lines; a line holding only a name's continuation joins the row above, and a line of
numbers without a label joins the label line next to it (PDFs sometimes print a row's amounts a
little above or below its label).
"""

from __future__ import annotations

import re

from shared.document import BBox, Grid, GridCell, Line, Token

NUMBER_RE = re.compile(r"^[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$")
AMOUNT_RE = re.compile(r"^[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+$")
META_RE = re.compile(r"单位\s*[：:]|编制单位|公开\s*\d{1,2}\s*表|^\s*注\s*[：:]|^\s*说明\s*[：:]")
GAP_SHARE = 0.12  # an x covered by at most this share of data rows separates two columns
MIN_GAP = 3.0  # points


def _boxed(line: Line) -> list[Token]:
    return [t for t in line.tokens if t.bbox is not None and t.text.strip()]


def _is_data(line: Line) -> bool:
    return any(AMOUNT_RE.match(t.text.replace(" ", "")) for t in _boxed(line))


def _bands(rows: list[list[Token]]) -> list[tuple[float, float]]:
    """Column bands: maximal x intervals covered by more than GAP_SHARE of the rows."""
    x0 = min(t.bbox.x0 for r in rows for t in r)  # type: ignore[union-attr]
    x1 = max(t.bbox.x1 for r in rows for t in r)  # type: ignore[union-attr]
    width = int(x1 - x0) + 2
    cover = [0] * width
    for r in rows:
        seen = [False] * width
        for t in r:
            assert t.bbox is not None
            for i in range(int(t.bbox.x0 - x0), min(int(t.bbox.x1 - x0) + 1, width)):
                seen[i] = True
        for i, s in enumerate(seen):
            cover[i] += s
    limit = GAP_SHARE * len(rows)
    bands: list[tuple[float, float]] = []
    start: int | None = None
    for i, c in enumerate(cover + [0]):
        if c > limit and start is None:
            start = i
        elif c <= limit and start is not None:
            bands.append((x0 + start, x0 + i))
            start = None
    merged: list[tuple[float, float]] = []
    for b in bands:
        if merged and b[0] - merged[-1][1] < MIN_GAP:
            merged[-1] = (merged[-1][0], b[1])
        else:
            merged.append(b)
    return merged


def _band_of(tok: Token, bands: list[tuple[float, float]]) -> int:
    """The band under the token's centre, or the nearest one."""
    assert tok.bbox is not None
    cx = tok.bbox.cx
    return min(range(len(bands)), key=lambda i: 0 if bands[i][0] <= cx <= bands[i][1] else min(abs(cx - bands[i][0]), abs(cx - bands[i][1])))


def _merge_split_rows(lines: list[Line]) -> list[list[Token]]:
    """Rows of tokens: a numbers-only line and a label-only line next to it are one row; a
    label-only line under a complete row continues its name."""
    rows: list[list[Token]] = []
    kinds: list[str] = []
    for ln in lines:
        toks = _boxed(ln)
        if not toks:
            continue
        has_num = any(NUMBER_RE.match(t.text) for t in toks)
        has_text = any(not NUMBER_RE.match(t.text) for t in toks)
        kind = "both" if has_num and has_text else "num" if has_num else "text"
        if rows and kind == "text" and kinds[-1] in ("both", "num"):
            if kinds[-1] == "num":
                rows[-1] += toks
                kinds[-1] = "both"
            else:
                rows[-1] += toks  # a wrapped name
            continue
        if rows and kind == "num" and kinds[-1] == "text" and len(rows) > 1:
            rows[-1] += toks
            kinds[-1] = "both"
            continue
        rows.append(list(toks))
        kinds.append(kind)
    return rows


def grid_from_lines(lines: list[Line], page: int, seq: int) -> Grid | None:
    """The grid of an unruled table's lines (title and unit lines excluded by the caller), or None
    when the lines carry no boxes (plain text) or no column structure shows."""
    end = next((i for i, ln in enumerate(lines) if re.match(r"^\s*(注|说明)", ln.norm)), len(lines))
    body = [ln for ln in lines[:end] if not META_RE.search(ln.norm)]
    if not body or not all(ln.tokens and ln.tokens[0].bbox is not None for ln in body if ln.text.strip()):
        return None
    first = next((i for i, ln in enumerate(body) if _is_data(ln)), None)
    if first is None:
        return None
    header, data = body[:first], _merge_split_rows(body[first:])
    if len(data) < 2:
        return None
    bands = _bands(data)
    if len(bands) < 2:
        return None
    rows: list[list[list[Token]]] = [_place(toks, bands) for toks in data]
    spans = _header_spans(bands, rows)
    head = [_place_header(_boxed(ln), bands, spans) for ln in header]
    rows = head + rows
    n_header = len(head)
    cells: list[GridCell] = []
    for r, row in enumerate(rows):
        for c, toks in enumerate(row):
            text = _join(toks)
            box = BBox.enclosing([t.bbox for t in toks])
            cells.append(GridCell(row=r, col=c, text=text, bbox=box, header=r < n_header))
    top = BBox.enclosing([t.bbox for r in rows for cell in r for t in cell])
    return Grid(
        page=page, seq=seq, n_rows=len(rows), n_cols=len(bands), cells=cells, bbox=top, ruled=False,
        col_edges=[round(b[0], 1) for b in bands] + [round(bands[-1][1], 1)],
    )


def _header_spans(bands: list[tuple[float, float]], rows: list[list[list[Token]]]) -> list[tuple[float, float]]:
    """Where a header label may sit for each column: numbers are right-aligned, so a numeric
    column reaches left to the end of the column before it; text is left-aligned, so a text
    column reaches right to the start of the next one."""
    spans = []
    for i, (a, b) in enumerate(bands):
        toks = [t for r in rows for t in r[i]]
        numeric = sum(1 for t in toks if NUMBER_RE.match(t.text)) * 2 > len(toks)
        if numeric:
            spans.append((bands[i - 1][1] if i else a, b))
        else:
            spans.append((a, bands[i + 1][0] if i + 1 < len(bands) else b))
    return spans


def _place_header(tokens: list[Token], bands: list[tuple[float, float]], spans: list[tuple[float, float]]) -> list[list[Token]]:
    out: list[list[Token]] = [[] for _ in bands]
    for t in tokens:
        assert t.bbox is not None
        inside = [i for i, (a, b) in enumerate(spans) if a <= t.bbox.cx <= b]
        # a label over the gap of a text column and the numbers after it names the numbers
        out[inside[-1] if inside else _band_of(t, bands)].append(t)
    return out


def _place(tokens: list[Token], bands: list[tuple[float, float]]) -> list[list[Token]]:
    out: list[list[Token]] = [[] for _ in bands]
    for t in tokens:
        out[_band_of(t, bands)].append(t)
    return out


def _join(tokens: list[Token]) -> str:
    """A cell's words in reading order: lines top to bottom, CJK pieces without a blank."""
    tokens = sorted(tokens, key=lambda t: (round(t.bbox.cy / 4) if t.bbox else 0, t.bbox.x0 if t.bbox else 0))
    out = ""
    for t in tokens:
        if out and not ("\u4e00" <= out[-1] <= "\u9fff" and "\u4e00" <= t.text[:1] <= "\u9fff"):
            out += " "
        out += t.text
    return out
