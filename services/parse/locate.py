"""Find the standard tables by their titles (never by their numbers, which vary) and cut the
document into table regions.

A table's region runs from its title to the next title. Lines after a table's 注 (note) that
carry numbers are *orphans*: in OCR'd scans a table's tail or its labels sometimes come before its
own title (000: table 06's last rows precede its title), so orphans are handed to the next table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from shared.models import Line, Row, Table, TableKind

from .numbers import atomize, is_numeric_atom

PART_RE = re.compile(r"^\s*第[一二三四五六七八九十]部分")
PAGE_NO_RE = re.compile(r"^\s*[—\-–]+\s*\d{1,4}\s*[—\-–]+\s*$")
NUMBER_LABEL_RE = re.compile(r"公\s*开\s*(\d{1,2})\s*表")
NOTE_RE = re.compile(r"^\s*(注|说明)\s*[：:·. ]")
EMPTY_NOTE_RE = re.compile(r"数据为(零|空|0)|本(部门|单位)[^，。]{0,8}无|本表无数据|此表为空|没有数据")


def title_key(text: str) -> str:
    return re.sub(r"[\s“”\"'‘’「」]", "", text)


def match_title(norm: str) -> TableKind | None:
    """Which standard table a line is the title of, if any."""
    if "表" not in norm or "《" in norm or "见" in norm or "，" in norm or "。" in norm:
        return None
    key = title_key(norm)
    key = re.sub(r"公开\d{1,2}表?$", "", key)
    if not key.endswith("表") and not re.search(r"表.{0,3}$", key):
        return None
    if len(key) > 34:
        return None
    if "三公" in key and "决算表" in key:
        return TableKind.THREE_PUBLIC
    if "国有资产占用" in key:
        return TableKind.STATE_ASSETS
    if "基本支出决算表" in key:
        return TableKind.GENERAL_BUDGET_BASIC
    if "政府性基金预算财政拨款" in key and "决算表" in key:
        return TableKind.GOV_FUND
    if "国有资本经营预算财政拨款" in key and "决算表" in key:
        return TableKind.STATE_CAPITAL
    if "一般公共预算财政拨款支出决算表" in key:
        return TableKind.GENERAL_BUDGET_EXPENDITURE
    if "财政拨款收入支出决算总表" in key:
        return TableKind.FISCAL_SUMMARY
    if "收入支出决算总表" in key:
        return TableKind.INCOME_EXPENDITURE_SUMMARY
    bare = re.sub(r"^[^\u4e00-\u9fff]*", "", key)
    bare = re.sub(r"^(表[一二三四五六七八九十\d]{1,3}|附表\d{0,2}|公开\d{1,2}表)", "", bare)
    if bare.startswith("收入决算表"):
        return TableKind.INCOME
    if bare.startswith("支出决算表"):
        return TableKind.EXPENDITURE
    return None


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
        self, columns: list[str], rows: list[Row], notes: list[str] | None = None, income_columns: list[str] | None = None
    ) -> Table:
        """The parsed table, with the provenance and emptiness every table kind shares."""
        has_values = any(c.state == "number" and c.value for r in rows for c in r.cells.values())
        return Table(
            kind=self.kind,
            title=self.title_line.norm.strip(),
            number_label=self.number_label,
            page=self.title_line.page,
            line=self.title_line.line,
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


def _has_numbers(line: Line, ocr: bool) -> bool:
    if PAGE_NO_RE.match(line.norm):
        return False
    return any(is_numeric_atom(a) and a.repaired == 1.0 for a in atomize(line.norm, ocr))


def locate_tables(lines: list[Line], ocr: bool) -> list[Region]:
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
            elif in_notes and _has_numbers(ln, ocr) and not re.match(r"^\s*\d\s*[.、]\s*当", ln.norm):
                orphan = True
                carry.append(ln)
            elif in_notes:
                region.notes.append(ln)
            else:
                region.body.append(ln)
                body_has_numbers = body_has_numbers or _has_numbers(ln, ocr)
        regions.append(region)
    return regions
