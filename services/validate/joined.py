"""The document's passages joined into one searchable string, with where each passage starts in it,
so a statement wrapped over lines reads as written and a match maps back to its passage.

Rule families fold the text differently (with or without NFKC, with or without whitespace), so each
builds its own view through :func:`join_passages`, once per document (see ``derived.py``)."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field

from shared.models import ParsedDocument, Prov, SourceRef


@dataclass
class JoinedPassages:
    text: str
    starts: list[int] = field(default_factory=list)
    refs: list[SourceRef] = field(default_factory=list)

    def ref_at(self, pos: int) -> SourceRef:
        """The passage the character at ``pos`` comes from."""
        if not self.refs:
            return SourceRef()
        return self.refs[max(bisect.bisect_right(self.starts, pos) - 1, 0)]

    def prov_at(self, pos: int) -> Prov:
        return self.ref_at(pos).prov if self.refs else Prov()


def join_passages(doc: ParsedDocument, fold: Callable[[str], str], keep_empty: bool) -> JoinedPassages:
    """Each passage folded by ``fold`` and joined; ``keep_empty`` keeps passages that fold to
    nothing (they then share the next passage's start)."""
    parts: list[str] = []
    starts: list[int] = []
    refs: list[SourceRef] = []
    pos = 0
    for p in doc.passages:
        t = fold(p.quote)
        if not t and not keep_empty:
            continue
        starts.append(pos)
        refs.append(p)
        parts.append(t)
        pos += len(t)
    return JoinedPassages("".join(parts), starts, refs)
