"""Cut a laid-out document (PDF, Word, Excel) into table regions: a standard table's title, the
lines under it (单位, 编制单位, 公开NN表), its grids — over as many pages as it runs — and the
notes after it. Everything outside a region is narrative.

A title counts only when a grid (or, in an unruled PDF, lines with numbers) follows before the
next title: the table of contents lists every title and is not ten empty tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from shared.document import Grid, Line
from shared.knowledge.tables import TableKind, match_title

from ..lines.locate import EMPTY_NOTE_RE, NUMBER_LABEL_RE, PART_RE
from ..numbers import atomize, is_numeric_atom
from .layout import squash

UNIT_RE = re.compile(r"(?:金额)?单位\s*[：:]\s*(万\s*元|元)")
HEADING_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}\s*、|[（(][一二三四五六七八九十]{1,3}[）)])")
META_RE = re.compile(r"单位\s*[：:]|编制单位|公开\s*\d{1,2}\s*表|^\s*部门\s*[：:]|^\s*表\s*\d")


@dataclass
class GridRegion:
    kind: TableKind
    title: str
    title_line: Line | None
    page: int
    meta: list[Line] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)  # the table, over as many pages as it runs
    extra: list[Grid] = field(default_factory=list)  # a captioned sub-table under it (“三公”经费相关统计数)
    notes: list[Line] = field(default_factory=list)
    skip_rows: int = 0  # rows of the first grid holding the title and 单位 line
    aligned: bool = False  # the grid was built from text alignment (no rules)
    grid_meta: list[str] = field(default_factory=list)  # those rows' texts

    @property
    def unit(self) -> str | None:
        for text in [ln.norm for ln in self.meta] + self.grid_meta:
            m = UNIT_RE.search(text)
            if m:
                return m.group(1).replace(" ", "")
        return None

    @property
    def number_label(self) -> str | None:
        for text in [self.title, *(ln.norm for ln in self.meta[:3]), *self.grid_meta]:
            m = NUMBER_LABEL_RE.search(text)
            if m:
                return f"公开{int(m.group(1)):02d}表"
        return None

    @property
    def has_empty_note(self) -> bool:
        return any(EMPTY_NOTE_RE.search(ln.norm) for ln in self.notes + self.meta)

    def has_numbers(self) -> bool:
        return any(
            any(is_numeric_atom(a) and "." in a.raw for a in atomize(ln.norm, ln.ocr)) for ln in self.meta
        )


def _grid_title(grid: Grid) -> tuple[TableKind | None, str, int, list[str]]:
    """A title printed in the grid's own first row(s) (a Word or Excel table that carries it):
    (kind, title, rows to skip, their texts)."""
    matrix = grid.matrix()
    kind: TableKind | None = None
    title = ""
    texts: list[str] = []
    skip = 0
    for row in matrix[:4]:
        distinct = {id(c): c for c in row if c is not None and c.text.strip()}
        if len(distinct) != 1:
            break
        text = next(iter(distinct.values())).text.strip()
        found = match_title(squash(text))
        if found and kind is None:
            kind, title = found, text
        elif not META_RE.search(text) and kind is None or not META_RE.search(text) and not found:
            break
        texts.append(squash(text))
        skip += 1
    return (kind, title, skip, texts) if kind else (None, "", 0, [])


def locate_regions(blocks: list[Line | Grid]) -> tuple[list[GridRegion], list[Line | Grid]]:
    """(table regions, narrative blocks): each region's title, lines and grids; the blocks
    outside every region in reading order."""
    regions: list[GridRegion] = []
    outside: list[Line | Grid] = []
    current: GridRegion | None = None
    for b in blocks:
        if isinstance(b, Grid):
            kind, title, skip, texts = _grid_title(b)
            if kind is not None:
                current = GridRegion(kind, title, None, b.page, skip_rows=skip, grid_meta=texts)
                regions.append(current)
            if current is not None and (not current.notes or kind is not None or _continues(current, b)):
                current.grids.append(b)
            elif current is not None and _captioned(current, b):
                current.extra.append(b)
            else:
                current = None
                outside.append(b)
            continue
        norm = b.norm.strip()
        kind = match_title(norm)
        if kind is not None and len(norm) <= 40:
            current = GridRegion(kind, norm, b, b.page)
            regions.append(current)
            continue
        if PART_RE.match(norm) or HEADING_RE.match(norm):
            current = None
        if current is None:
            outside.append(b)
        elif current.grids:
            current.notes.append(b)
        else:
            current.meta.append(b)
    kept: list[GridRegion] = []
    seen: set[TableKind] = set()
    for r in regions:
        if not r.grids and not r.has_numbers():
            if r.title_line is not None:
                outside.extend([r.title_line, *r.meta])  # a title in the 目录, or a heading like one
            continue
        if r.kind in seen:
            outside.extend(x for x in [r.title_line, *r.meta, *r.notes] if x is not None)
            outside.extend(r.grids)
            continue
        seen.add(r.kind)
        kept.append(r)
    outside.sort(key=lambda x: x.line if isinstance(x, Line) else x.seq)
    return kept, outside


def _is_note(line: Line) -> bool:
    text = line.norm.strip()
    return text.startswith(("注", "说明")) or bool(EMPTY_NOTE_RE.search(text)) or bool(re.match(r"^\d\s*[.、]", text))


def _captioned(region: GridRegion, grid: Grid) -> bool:
    """A second grid on the table's page under a short caption (no note in between): part of it."""
    return (
        not region.extra
        and grid.page == region.grids[-1].page
        and all(not _is_note(ln) and len(ln.norm.strip()) <= 30 for ln in region.notes)
    )


def _continues(region: GridRegion, grid: Grid) -> bool:
    """A grid after the table's notes still belongs to it only when the notes are page furniture
    (a running header) and the grid has the first grid's columns."""
    first = region.grids[0]
    return grid.page != region.notes[-1].page and grid.n_cols == first.n_cols and not any(
        EMPTY_NOTE_RE.search(ln.norm) or ln.norm.strip().startswith(("注", "说明")) for ln in region.notes
    )
