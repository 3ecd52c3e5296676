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
from .layout import TABLE_META_RE, squash

UNIT_RE = re.compile(r"(?:金额)?单位\s*[：:]\s*(万\s*元|元)")
HEADING_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}\s*、|[（(][一二三四五六七八九十]{1,3}[）)])")


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
    furniture: list[Line] = field(default_factory=list)  # 续表, 单位, the title repeated over a continuation
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

    def looks_like_table(self) -> bool:
        """A titled block whose lines carry column labels or an empty-table note (an empty
        table printed without rules)."""
        text = "".join(ln.norm for ln in self.meta)
        return self.has_empty_note or sum(w in text for w in ("项目", "科目", "合计", "决算数", "本年")) >= 2

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
        elif not TABLE_META_RE.search(text):
            break  # a single-cell row that is neither the title nor its 单位 line: the header begins
        texts.append(squash(text))
        skip += 1
    return (kind, title, skip, texts) if kind else (None, "", 0, [])


def locate_regions(blocks: list[Line | Grid]) -> tuple[list[GridRegion], list[Line | Grid]]:
    """(table regions, narrative blocks): each region's title, lines and grids; the blocks
    outside every region in reading order."""
    regions: list[GridRegion] = []
    outside: list[Line | Grid] = []
    current: GridRegion | None = None
    tail: list[Line] = []  # lines since the current region's last grid
    for b in blocks:
        if isinstance(b, Grid):
            kind, title, skip, texts = _grid_title(b)
            if kind is not None and not (current and current.kind == kind and current.grids):
                if current is not None:
                    current.notes += tail
                current = GridRegion(kind, title, None, b.page, skip_rows=skip, grid_meta=texts)
                regions.append(current)
                tail = []
            if current is None:
                outside.append(b)
            elif not current.grids or _continues(current, tail, b):
                current.grids.append(b)
                current.furniture += tail
                tail = []
            elif _captioned(current, tail, b):
                current.extra.append(b)
                current.notes += tail
                tail = []
            else:
                current.notes += tail
                current, tail = None, []
                outside.append(b)
            continue
        norm = b.norm.strip()
        kind = match_title(norm)
        if kind is not None and len(norm) <= 40:
            if current is not None and current.kind == kind and current.grids:
                tail.append(b)  # the title repeated over the table's next page
                continue
            if current is not None:
                current.notes += tail
            current, tail = GridRegion(kind, norm, b, b.page), []
            regions.append(current)
            continue
        if current is not None and _ends_region(b, current):
            current.notes += tail
            current, tail = None, []
        if current is None:
            outside.append(b)
        elif current.grids:
            tail.append(b)
        else:
            current.meta.append(b)
    if current is not None:
        current.notes += tail
    kept: list[GridRegion] = []
    seen: set[TableKind] = set()
    for r in regions:
        if not r.grids and not r.has_numbers() and not r.looks_like_table():
            if r.title_line is not None:
                outside.extend([r.title_line, *r.meta])  # a title in the 目录, or a heading like one
            continue
        if r.kind in seen:
            outside.extend(x for x in [r.title_line, *r.meta, *r.notes, *r.furniture] if x is not None)
            outside.extend(r.grids)
            continue
        seen.add(r.kind)
        kept.append(r)
    outside.sort(key=lambda x: x.line if isinstance(x, Line) else x.seq)
    return kept, outside


NARRATIVE_HEADING_RE = re.compile(r"说明|情况|概况|名词解释|附件")


def _ends_region(line: Line, region: GridRegion) -> bool:
    """A part or section heading ends a table. Before a table has a grid (a table without rules),
    its rows may look like headings (“一、一般公共预算财政拨款收入 2940.05”): only a heading that
    reads like a narrative one (…情况说明) ends it then."""
    norm = line.norm.strip()
    if PART_RE.match(norm):
        return True
    if not HEADING_RE.match(norm):
        return False
    if region.grids:
        return True
    has_amount = any(is_numeric_atom(a) and "." in a.raw for a in atomize(norm, line.ocr))
    return not has_amount and bool(NARRATIVE_HEADING_RE.search(norm))


FURNITURE_RE = re.compile(
    r"^(续表|续上表|[（(]续[）)])|单位\s*[：:]|编制单位|公开\s*\d{1,2}\s*表|^第?\s*\d{1,4}\s*页?$"
)


def _is_furniture(line: Line, region: GridRegion) -> bool:
    """Lines printed over a table's continuation: 续表, the 单位 line, the repeated title."""
    norm = line.norm.strip()
    return bool(FURNITURE_RE.search(norm)) or match_title(norm) == region.kind


def _is_note(line: Line) -> bool:
    text = line.norm.strip()
    return (
        text.startswith(("注", "说明"))
        or bool(EMPTY_NOTE_RE.search(text))
        or bool(re.match(r"^\d\s*[.、]", text))
    )


def _captioned(region: GridRegion, tail: list[Line], grid: Grid) -> bool:
    """A second grid on the table's page under a short caption (no note in between): part of it."""
    return (
        not region.extra
        and grid.page == region.grids[-1].page
        and all(not _is_note(ln) and len(ln.norm.strip()) <= 30 for ln in tail)
    )


def _continues(region: GridRegion, tail: list[Line], grid: Grid) -> bool:
    """A grid on a later page continues the table when only page furniture (续表, 单位, the
    repeated title) stands between them and it has the table's columns."""
    first = region.grids[0]
    return (
        grid.page > region.grids[-1].page
        and all(_is_furniture(ln, region) for ln in tail)
        and (grid.n_cols == first.n_cols or _same_edges(grid, first))
    )


def _same_edges(a: Grid, b: Grid) -> bool:
    """Column edges that line up (a continuation drawn with one more or one less rule)."""
    if not a.col_edges or not b.col_edges:
        return False
    return abs(a.col_edges[0] - b.col_edges[0]) < 3 and abs(a.col_edges[-1] - b.col_edges[-1]) < 3
