"""The table of contents (目录): its lines list every part, section and table title, and must not
be read as the document itself (ten table titles without tables, every 第X部分 twice)."""

from __future__ import annotations

import re

from shared.document import Line

PART_RE = re.compile(r"^第([一二三四五六七八九十])部分")
TOC_ENTRY_RE = re.compile(
    r"^(第[一二三四五六七八九十]部分|[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]|附件|附表|\d{1,2}[.、])"
)
MAX_TOC_LINES = 120


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def table_of_contents(lines: list[Line]) -> list[Line]:
    """The lines of the 目录, from its heading to the line before the body repeats its first
    part heading; [] when the document has no table of contents."""
    start = next((i for i, ln in enumerate(lines[:400]) if _squash(ln.norm) in ("目录", "目次")), None)
    if start is None:
        return []
    first_part: str | None = None
    out = [lines[start]]
    for ln in lines[start + 1 : start + 1 + MAX_TOC_LINES]:
        t = _squash(ln.norm)
        if not t:
            continue
        m = PART_RE.match(t)
        if m:
            if first_part is None:
                first_part = m.group(1)
            elif m.group(1) == first_part:
                break  # the body begins with the first part again
        elif first_part is None or "。" in t or (len(t) > 40 and not TOC_ENTRY_RE.match(t)):
            break  # a sentence: the 目录 is over (a wrapped entry's tail, like “说明”, is not)
        out.append(ln)
    return out if first_part is not None else []
