"""Find the standard tables by their titles (never by their numbers, which vary) and cut the
document into table regions.

A table's region runs from its title to the next title. Lines after a table's 注 (note) that
carry numbers are *orphans*: in OCR'd scans a table's tail or its labels sometimes come before its
own title (000: table 06's last rows precede its title), so orphans are handed to the next table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from shared.document import Line
from shared.knowledge.tables import TableKind, match_title
from shared.models import Row, Table

from ..numbers import atomize, is_numeric_atom

PART_RE = re.compile(r"^\s*第[一二三四五六七八九十]部分")
PAGE_NO_RE = re.compile(r"^\s*[—\-–]+\s*\d{1,4}\s*[—\-–]+\s*$")
NUMBER_LABEL_RE = re.compile(r"公\s*开\s*(\d{1,2})\s*表")
NOTE_RE = re.compile(r"^\s*(注|说明)\s*[：:·. ]")
EMPTY_NOTE_RE = re.compile(r"数据为(零|空|0)|本(部门|单位)[^，。]{0,8}无|本表无数据|此表为空|没有数据")


@dataclass
class Region:
    kind: TableKind
    title_line: Line
    prefix: list[Line] = field(default_factory=list)  # orphans handed over from before the title
    body: list[Line] = field(default_factory=list)  # title+1 … note
    notes: list[Line] = field(default_factory=list)

    @property
    def lines(self) -> list[Line]:
        return self.prefix + self.body

    @property
    def has_empty_note(self) -> bool:
        return any(EMPTY_NOTE_RE.search(ln.norm) for ln in self.notes + self.body)

    def to_table(
        self,
        columns: list[str],
        rows: list[Row],
        notes: list[str] | None = None,
        income_columns: list[str] | None = None,
    ) -> Table:
        """The parsed table, with the provenance and emptiness every table kind shares."""
        has_values = any(c.state == "number" and c.value for r in rows for c in r.cells.values())
        return Table(
            kind=self.kind,
            title=self.title_line.norm.strip(),
            number_label=self.number_label,
            prov=self.title_line.prov,
            pages=sorted({ln.page for ln in [self.title_line, *self.body]}),
            columns=columns,
            income_columns=income_columns or [],
            rows=rows,
            is_empty=not has_values,
            has_empty_note=self.has_empty_note,
            parse_notes=notes or [],
        )

    @property
    def number_label(self) -> str | None:
        for ln in [self.title_line, *self.body[:3]]:
            m = NUMBER_LABEL_RE.search(ln.norm)
            if m:
                return f"公开{int(m.group(1)):02d}表"
        return None


def _has_numbers(line: Line) -> bool:
    if PAGE_NO_RE.match(line.norm):
        return False
    return any(is_numeric_atom(a) and a.repaired == 1.0 for a in atomize(line.norm, line.ocr))


def locate_tables(lines: list[Line]) -> list[Region]:
    titles = [(i, k) for i, ln in enumerate(lines) if (k := match_title(ln.norm)) is not None]
    # Keep the first title of each kind that is followed by a table-like body; a later repeat
    # (a narrative heading that happens to match) is ignored.
    regions: list[Region] = []
    seen: set[TableKind] = set()
    bounds: list[tuple[int, TableKind]] = []
    for i, kind in titles:
        if kind in seen:
            continue
        seen.add(kind)
        bounds.append((i, kind))
    carry: list[Line] = []
    for n, (i, kind) in enumerate(bounds):
        end = bounds[n + 1][0] if n + 1 < len(bounds) else len(lines)
        region = Region(kind=kind, title_line=lines[i], prefix=carry)
        carry = []
        in_notes = False
        orphan = False
        body_has_numbers = False
        for ln in lines[i + 1 : end]:
            if PART_RE.match(ln.norm) and n + 1 == len(bounds):
                break  # the last table ends at the next 第X部分
            if PART_RE.match(ln.norm):
                in_notes, orphan = True, False
                continue
            if orphan:
                carry.append(ln)
            elif NOTE_RE.match(ln.norm):
                # A note printed before any data row (OCR reordering) does not end the body.
                in_notes = body_has_numbers
                region.notes.append(ln)
            elif in_notes and _has_numbers(ln) and not re.match(r"^\s*\d\s*[.、]\s*当", ln.norm):
                orphan = True
                carry.append(ln)
            elif in_notes:
                region.notes.append(ln)
            else:
                region.body.append(ln)
                body_has_numbers = body_has_numbers or _has_numbers(ln)
        regions.append(region)
    return regions
