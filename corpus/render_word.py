"""Style "word": a Word document exported to text (like seed 001).

No public tables (the export lost them); one paragraph per line, sometimes broken after its first
visual line; “[bookmark: _Toc123]” before some headings; runs of empty lines where pages broke;
numbers without thousands separators, zero amounts as “0”, whole percentages as “100%”; the
score table as tab-prefixed cells, one per line, rows separated by an empty line.
"""

from __future__ import annotations

from random import Random

from corpus.defects import Draft
from corpus.prose import Para
from corpus.render_common import wrap
from corpus.render_tables import score_rows, score_title

_SHORT = {"0.00": "0", "0.00%": "0%", "100.00%": "100%"}


def inline(text: str) -> str:
    """How a narrative string (or a hint) appears in this style."""
    return text


def _para_text(para: Para) -> str:
    return "".join(_SHORT.get(p.text, p.text) if p.num and not p.fixed else p.text for p in para.pieces)


def render_word(d: Draft, seed: int) -> str:
    """The narrative parts of the document as a Word export."""
    a = d.accounts
    rng = Random(seed * 19 + 11)
    out: list[str] = []
    skipping = False
    for para in d.narrative.paras:
        if para.kind == "h1":
            skipping = para.text.startswith("第二部分")
            if skipping:
                continue
            if out:
                out.append("\n" * rng.randint(3, 9))
            out.append(" " + para.text + "\n" * rng.randint(2, 4))
            continue
        if skipping or para.kind == "tables":
            continue
        if para.kind == "score_table":
            out.append("\n")
            for cell in score_title(a):
                out.append(f"\t{cell}\n")
            out.append("\n")
            for row in score_rows(a, d.performance, "合计"):
                out.append("".join(f"\t{cell}\n" for cell in row) + "\n")
            continue
        text = _para_text(para)
        if para.kind in ("h2", "h3") and rng.random() < 0.35:
            text = f"[bookmark: _Toc{rng.randint(100, 32767)}]{text}"
        elif para.kind == "body" and rng.random() < 0.5:
            lines = wrap(text, rng.uniform(26, 31))
            if len(lines) > 1:
                text = lines[0] + "\n" + "".join(lines[1:])
        out.append(text + "\n")
        if rng.random() < 0.05:
            out.append("\n" * rng.randint(3, 9))
    out.append(f"\n\n{a.dept.name}\n{a.year + 1}年{rng.randint(5, 9)}月{rng.randint(1, 28)}日\n")
    return "".join(out)
