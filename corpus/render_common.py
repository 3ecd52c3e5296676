"""Helpers shared by the three renderers: glyph maps, line wrapping, page assembly."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from random import Random

# Characters a born-digital PDF's font subset maps to Kangxi radicals (U+2F00…) or CJK radical
# supplement code points (U+2E80…), as text extraction then returns them.
_KANGXI_CHARS = "一二人入八十大小工心支文方日月比水无止气生用目立老而自至行金非面革高力干手土士又足网"
_SUPPLEMENT = {"门": "\u2ed4", "车": "\u2ecb", "民": "\u2ea0", "长": "\u2ed3", "见": "\u2ec5", "食": "\u2edd",
               "风": "\u2edb", "青": "\u2ed8", "齐": "\u2eec", "页": "\u2eda", "西": "\u2ec4"}  # fmt: skip


def _kangxi_table() -> dict[int, str]:
    by_char = {unicodedata.normalize("NFKC", chr(cp)): chr(cp) for cp in range(0x2F00, 0x2FD6)}
    table = {ord(ch): by_char[ch] for ch in _KANGXI_CHARS}
    table.update({ord(k): v for k, v in _SUPPLEMENT.items()})
    return table


KANGXI = _kangxi_table()


def kangxi(text: str) -> str:
    return text.translate(KANGXI)


# A number with its unit, or a grade phrase, is never split over two lines (keeps hints whole).
_ATOMIC = re.compile(r"\d[\d.,]*(?: ?(?:%|万元|元|批次|批|人次|个|辆|分))?|评价为[优良中差]|自评表如下")


_NO_LINE_START = frozenset("，。；：、）”")


def tokens(text: str, atomic: re.Pattern[str] = _ATOMIC) -> list[str]:
    """Characters, with the runs ``atomic`` matches (a number and its unit) kept whole."""
    out: list[str] = []
    pos = 0
    for m in atomic.finditer(text):
        out.extend(text[pos : m.start()])
        out.append(m.group())
        pos = m.end()
    out.extend(text[pos:])
    return out


def _width(s: str) -> float:
    if len(s) == 1:
        return 0.5 if s < "\u2000" else 1.0
    return sum(0.5 if c < "\u2000" else 1.0 for c in s)


def wrap(text: str, width: float) -> list[str]:
    """Break a paragraph into lines of at most ``width`` (a CJK character is 1, ASCII 0.5)."""
    lines: list[str] = []
    cur, w = "", 0.0
    for tok in tokens(text):
        tw = _width(tok)
        if cur and w + tw > width and tok not in _NO_LINE_START:
            lines.append(cur.strip())
            cur, w = "", 0.0
        cur += tok
        w += tw
    if cur.strip():
        lines.append(cur.strip())
    return lines


def spaced_pdf(text: str) -> str:
    """A born-digital PDF extraction puts a space before a number that follows a CJK character."""
    return re.sub(r"(?<=[\u4e00-\u9fff\u2e80-\u2fdf])(?=\d)", " ", text)


def spaced_ocr(text: str) -> str:
    """OCR puts spaces on both sides of numbers next to CJK text (“总计 819.04 万元”)."""
    text = re.sub(r"(?<=[\u4e00-\u9fff，；：])(?=\d)", " ", text)
    return re.sub(r"(?<=[\d%])(?=[\u4e00-\u9fff])", " ", text)


@dataclass
class Page:
    blocks: list[str] = field(default_factory=list)  # joined by a blank line


@dataclass
class PageBuilder:
    """Collects blocks into pages of at most ``capacity`` lines."""

    capacity: int
    pages: list[Page] = field(default_factory=list)
    _used: int = 0

    def new_page(self) -> None:
        if not self.pages or self.pages[-1].blocks:
            self.pages.append(Page())
        self._used = 0

    def add(self, block: str, lines: int = 1) -> None:
        if not self.pages or (self._used + lines > self.capacity and self.pages[-1].blocks):
            self.new_page()
        self.pages[-1].blocks.append(block)
        self._used += lines


def assemble(pages: list[Page], rng: Random, first_number: int, block_sep: str = "\n\n") -> str:
    """Pages joined as a PDF/OCR extraction shows them: a page starts with a line indented by one
    space, or follows a page footer “— 15 —” preceded by blank lines."""
    out: list[str] = []
    footer_before = False
    for i, page in enumerate(pages):
        body = block_sep.join(page.blocks)
        if not footer_before:
            body = " " + body
        out.append(body)
        footer_before = rng.random() < 0.25 and i < len(pages) - 1
        out.append(f"\n\n\n\n— {first_number + i} —\n\n" if footer_before else "\n")
    return "".join(out).rstrip("\n") + "\n"
