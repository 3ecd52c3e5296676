"""Narrative lines stitched into one stream (sentences wrap across lines and pages), with a map
back to the lines, so every claim quotes the original text and points at its page, line and box."""

from __future__ import annotations

import bisect

from shared.document import BBox, Line, Prov
from shared.models import SourceRef


class Stream:
    """Lines stitched into one string (sentences wrap across lines), with a map back to lines."""

    def __init__(self) -> None:
        self._norm: list[str] = []
        self._text: list[str] = []
        self._len = 0
        self.starts: list[int] = []
        self.offsets: list[int] = []  # leading blanks stripped from each line (to map back to its spans)
        self.lines: list[Line] = []
        self._joined: tuple[str, str] | None = None

    def add(self, line: Line) -> None:
        lead = len(line.norm) - len(line.norm.lstrip())
        norm, text = line.norm.strip(), line.text.strip()
        self.offsets.append(lead)
        self.starts.append(self._len)
        self.lines.append(line)
        self._norm.append(norm)
        self._text.append(text)
        self._len += len(norm)
        self._joined = None

    def _join(self) -> tuple[str, str]:
        if self._joined is None:
            self._joined = ("".join(self._norm), "".join(self._text))
        return self._joined

    @property
    def norm(self) -> str:
        return self._join()[0]

    @property
    def text(self) -> str:
        return self._join()[1]

    def ref(self, start: int, end: int) -> SourceRef:
        """The quote of stream[start:end] with the page, line and box where it is printed (a
        quote wrapped over lines gets the box around its parts on the first line's page)."""
        quote = self.text[start:end].strip()
        if not self.lines:
            return SourceRef(quote=quote)
        i = max(0, bisect.bisect_right(self.starts, start) - 1)
        j = max(i, bisect.bisect_right(self.starts, max(start, end - 1)) - 1)
        first = self.lines[i]
        boxes: list[BBox | None] = []
        for k in range(i, j + 1):
            ln = self.lines[k]
            if ln.page != first.page:
                break
            a = max(start - self.starts[k], 0) + self.offsets[k]
            b = min(end - self.starts[k], len(self._norm[k])) + self.offsets[k]
            boxes.append(ln.span_bbox(a, b))
        span_start = max(start - self.starts[i], 0) + self.offsets[i]
        span = (span_start, span_start + len(quote)) if i == j else None
        box = BBox.enclosing(boxes)
        prov = Prov(page=first.page, line=first.line, bbox=box.rounded() if box else None, span=span)
        return SourceRef(quote=quote, prov=prov)
