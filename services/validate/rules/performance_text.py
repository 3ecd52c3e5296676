"""What the 绩效 (performance) rules share: the document's passages joined into one searchable
string with their provenance, score and grade formatting, and the project score tables."""

from __future__ import annotations

import re
from decimal import Decimal

from shared.models import Evidence, ParsedDocument, ScoreTable, SourceRef
from shared.normalize import fold_text

from ..derived import derived
from ..joined import JoinedPassages, join_passages

NUM = r"\d+(?:\.\d+)?"
CANON = {"优秀": "优", "良好": "良", "中等": "中", "一般": "中", "较差": "差"}
GRADE_WORD = r"优秀|优|良好|良|中等|中|不合格|合格|较差|差"


def ev(src: SourceRef) -> Evidence:
    return Evidence(quote=src.quote, prov=src.prov)


def canon(grade: str) -> str:
    return CANON.get(grade, grade)


def fmt_score(v: Decimal) -> str:
    """A score as printed: 98, 92.97, 98.5 (no trailing zeros)."""
    s = f"{v:f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


class DocText(JoinedPassages):
    """The document's passages (folded, trimmed) joined into one string."""

    def quote(self, start: int, end: int) -> SourceRef:
        ref = self.ref_at(start)
        return SourceRef(prov=ref.prov, quote=self.text[start:end].strip())


def doc_text(doc: ParsedDocument) -> DocText:
    """The passages NFKC-normalised and joined, once per document."""
    return derived(doc, "performance_text", _join_text)


def _join_text(doc: ParsedDocument) -> DocText:
    j = join_passages(doc, lambda q: fold_text(q).strip(), keep_empty=False)
    return DocText(j.text, j.starts, j.refs)


def project_tables(doc: ParsedDocument) -> list[ScoreTable]:
    return [t for t in doc.score_tables if not t.title.startswith("部门整体") and "整体" not in t.title]


_EVALUATED_RE = re.compile(r"项目\s*(?P<n>\d+)\s*个|(?P<m>\d+)\s*个\s*项目")


def self_evaluated_count(text: DocText, pos: int) -> tuple[int, int] | None:
    """N in “绩效自评的2024年度项目39个” / “二级项目2个全面开展绩效自评” just before ``pos``
    (within 200 characters, with 自评 near it), and its position."""
    lo = max(0, pos - 200)
    window = text.text[lo:pos]
    found = None
    for m in _EVALUATED_RE.finditer(window):
        near = window[max(0, m.start() - 20) : m.end() + 20]
        if "自评" in near:
            found = (int(m.group("n") or m.group("m")), lo + m.start())
    return found


def table_lines(doc: ParsedDocument, t: ScoreTable) -> list[SourceRef]:
    """The passages from a score table's title line to its 总分 line (text documents; empty when
    the table was read from a grid)."""
    begin, end = t.source.prov, (t.total_source or t.source).prov
    # compare the cheap fields first: model equality over every passage is slow
    idx = [i for i, p in enumerate(doc.passages) if p.prov.line == begin.line and p.prov == begin]
    idx_end = [i for i, p in enumerate(doc.passages) if p.prov.line == end.line and p.prov == end]
    if not idx or not idx_end or idx_end[-1] <= idx[0]:
        return []
    return doc.passages[idx[0] : idx_end[-1] + 1]
