"""Style "pdf": a born-digital PDF's text extraction (like seed 003).

Kangxi-radical code points for common characters, thousands separators in tables, empty and
zero cells simply missing, every line followed by a blank line, a table's title then
“公开 0N表”, pages starting with a one-space indent or after a footer “— 12 —”, table 06 with
three side-by-side column groups per line.
"""

from __future__ import annotations

from random import Random

from corpus.defects import Draft
from corpus.render_common import PageBuilder, assemble, kangxi, spaced_pdf, wrap
from corpus.render_tables import pdf_cell, score_rows, score_title, table_rows, whole_rows
from corpus.tables import TableData

WIDTH = 27.0


def inline(text: str) -> str:
    """How a narrative string (or a hint) appears in this style."""
    return kangxi(spaced_pdf(text))


def _table_blocks(t: TableData, dept: str, year: int) -> list[str]:
    blocks = [f"{t.title}\n公开 {t.number:02d}表", f"部门：{dept} {year}年度 {t.unit_line}"]
    blocks += [h for h in t.header if h]
    blocks += table_rows(t, pdf_cell, lambda s: s, name_width=15 if t.kind == "t05" else None)
    blocks += t.note
    return blocks


def render_pdf(d: Draft, seed: int) -> str:
    """The whole document as a PDF text extraction."""
    a = d.accounts
    rng = Random(seed * 31 + 7)
    pb = PageBuilder(capacity=24)
    total_label = rng.choice(("总分", "总计"))
    for para in d.narrative.paras:
        if para.kind == "h1":
            pb.new_page()
            pb.add(para.text)
        elif para.kind == "tables":
            for i, t in enumerate(d.tables):
                if i:  # the first table shares its page with the part heading
                    pb.new_page()
                for block in _table_blocks(t, a.dept.name, a.year):
                    pb.pages[-1].blocks.append(block)
        elif para.kind == "score_table":
            pb.new_page()
            for block in score_title(a):
                pb.pages[-1].blocks.append(block)
            for row in score_rows(a, d.performance, total_label):
                pb.pages[-1].blocks.append(" ".join(row))
            pb.new_page()
        else:
            for line in wrap(spaced_pdf(para.text), WIDTH):
                pb.add(line)
    # the 部门整体 评分表, after the document (text styles only); left out with the 自评表 (C008)
    if d.performance.whole is not None and any(p.kind == "score_table" for p in d.narrative.paras):
        pb.new_page()
        for row in whole_rows(d.performance.whole, total_label):
            pb.pages[-1].blocks.append(" ".join(row))
    return kangxi(assemble(pb.pages, rng, first_number=3))
