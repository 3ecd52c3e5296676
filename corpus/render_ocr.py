"""Style "ocr": the OCR of a scanned document (like seed 000).

Table cells lose their decimal point (“586 91”), sometimes keep it followed by a space
(“253. 72”); every zero cell reads “0 00”; a few digits read as letters (“I. 50”) in table
cells only; a few characters of names are misread; tables carry a 编制单位 line; table rows are
not separated by blank lines, narrative lines are. The narrative keeps its decimal points.
"""

from __future__ import annotations

from random import Random

from corpus.defects import Draft
from corpus.model import FinalAccounts
from corpus.render_common import PageBuilder, assemble, spaced_ocr, wrap
from corpus.render_tables import CellFormat, score_rows, score_title, table_rows, whole_rows
from corpus.tables import Blank, Cell, Count, Dash, Money, TableData

WIDTH = 29.0

CONFUSABLE = {
    "社": "杜", "务": "条", "预": "顶", "算": "符", "事": "亭", "属": "屈", "护": "扩", "资": "贤",
    "障": "陣", "置": "黛", "理": "埋", "补": "朴", "险": "睑", "费": "赞", "管": "笞", "保": "倮",
    "政": "玫", "府": "腑", "局": "屆", "游": "淤", "旅": "旋", "城": "域", "湖": "潮", "溪": "漠",
}  # fmt: skip
LETTERS = {"1": ("I", "l"), "0": ("o", "O")}
_UNTOUCHABLE_ECON = {"30212", "30217", "30231", "31013", "39999"}  # linked to 三公 / defect targets


def inline(text: str) -> str:
    """How a narrative string (or a hint) appears in this style."""
    return spaced_ocr(text)


class _Noise:
    """All random choices of the OCR style, drawn in a fixed order per cell/name so that a
    document and its defective twin get the same noise."""

    def __init__(self, a: FinalAccounts, seed: int) -> None:
        self.rng = Random(seed * 17 + 3)
        main = next(lf.code[:5] for lf in a.leaves if lf.name == "行政运行")
        eligible = [("t06", c) for c in a.econ if c not in _UNTOUCHABLE_ECON]
        eligible += [("t02", lf.code) for lf in a.leaves if not lf.code.startswith(main)]
        k = min(len(eligible), self.rng.randint(1, 3))
        self.letter_cells = set(self.rng.sample(sorted(eligible), k))

    def name(self, text: str) -> str:
        r, pick = self.rng.random(), self.rng.random()
        spots = [i for i, ch in enumerate(text) if ch in CONFUSABLE]
        if r < 0.1 and spots:
            i = spots[int(pick * len(spots))]
            return text[:i] + CONFUSABLE[text[i]] + text[i + 1 :]
        return text

    def money(self, fen: int) -> str:
        r = self.rng.random()
        if fen == 0:
            return "0 00"
        whole, frac = divmod(fen, 100)
        if r < 0.72:
            return f"{whole} {frac:02d}"
        if r < 0.87:
            return f"{whole}. {frac:02d}"
        return f"{whole}.{frac:02d}"

    def letters(self, text: str) -> str:
        for digit, subs in LETTERS.items():
            if digit in text:
                sub = subs[self.rng.randrange(len(subs))]
                return text.replace(digit, sub, 1)
        return text


def _cell_formatter(noise: _Noise, codes_by_part: dict[tuple[str, str, int], str | None]) -> CellFormat:
    def fmt(c: Cell, where: tuple[str, str, int]) -> str | None:
        if isinstance(c, Money):
            text = noise.money(c.fen)
            kind, _, _ = where
            if (kind, codes_by_part.get(where)) in noise.letter_cells and c.fen:
                text = noise.letters(text)
            return text
        if isinstance(c, Count):
            return str(c.n) if c.n or c.show_zero else None
        assert isinstance(c, Dash | Blank)
        return None

    return fmt


def _table_block(t: TableData, a: FinalAccounts, noise: _Noise) -> str:
    codes = {(t.kind, r.key, i): p.code for r in t.rows for i, p in enumerate(r.parts)}
    dept = noise.name(a.dept.name)
    lines = [t.title, f"公开{t.number:02d}表", f"编制单位：{dept} {a.year}年度 {t.unit_line}"]
    lines += [h for h in t.header if h]
    lines += table_rows(t, _cell_formatter(noise, codes), noise.name)
    lines += t.note
    return "\n".join(lines)


def render_ocr(d: Draft, seed: int) -> str:
    """The whole document as an OCR text of a scan."""
    a = d.accounts
    noise = _Noise(a, seed)
    rng = Random(seed * 13 + 5)
    pb = PageBuilder(capacity=22)
    total_label = rng.choice(("总分", "总计"))
    for para in d.narrative.paras:
        if para.kind == "h1":
            pb.new_page()
            pb.add(para.text)
        elif para.kind == "tables":
            for i, t in enumerate(d.tables):
                if i:
                    pb.new_page()
                pb.pages[-1].blocks.append(_table_block(t, a, noise))
        elif para.kind == "score_table":
            pb.new_page()
            pb.pages[-1].blocks.append("\n".join(score_title(a)))
            for row in score_rows(a, d.performance, total_label):
                pb.pages[-1].blocks.append(" ".join(row))
            pb.new_page()
        else:
            for line in wrap(spaced_ocr(para.text), WIDTH):
                pb.add(line)
    # the 部门整体 评分表, after the document (text styles only); left out with the 自评表 (C008)
    if d.performance.whole is not None and any(p.kind == "score_table" for p in d.narrative.paras):
        pb.new_page()
        for row in whole_rows(d.performance.whole, total_label):
            pb.pages[-1].blocks.append(" ".join(row))
    return assemble(pb.pages, rng, first_number=2)
