"""Building blocks of the document's prose: paragraphs of *pieces* (text or numbers), slot ids
that defects address, and the sentence patterns (同比变动, 占比, 完成预算) shared by all sections."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from random import Random

from corpus.departments import REASONS
from corpus.model import Fen, FinalAccounts, fmt_plain, percent


@dataclass
class Piece:
    text: str
    num: bool = False
    slot: str | None = None
    fixed: bool = False  # set by a defect: renderers must print it exactly as it is


@dataclass
class Para:
    kind: str  # h1 | h2 | h3 | body | tables | score_table
    pieces: list[Piece] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.pieces)


@dataclass
class Narrative:
    paras: list[Para]

    def slots(self) -> dict[str, Piece]:
        return {p.slot: p for para in self.paras for p in para.pieces if p.slot}

    def slot(self, key: str) -> Piece:
        return self.slots()[key]


def T(text: str, slot: str | None = None) -> Piece:
    return Piece(text, False, slot)


def N(text: str, slot: str | None = None) -> Piece:
    return Piece(text, True, slot)


def pct_text(value: Decimal) -> str:
    return f"{value:.2f}%"


class Writer:
    """Accumulates paragraphs; its helpers emit the recurring sentence patterns with slots."""

    def __init__(self, a: FinalAccounts) -> None:
        self.a = a
        self.rng = Random(a.text_seed)
        self.paras: list[Para] = []

    def para(self, kind: str, *parts: Piece | list[Piece] | str) -> None:
        pieces: list[Piece] = []
        for p in parts:
            if isinstance(p, str):
                pieces.append(T(p))
            elif isinstance(p, Piece):
                pieces.append(p)
            else:
                pieces.extend(p)
        self.paras.append(Para(kind, pieces))

    def money(self, fen: Fen, key: str) -> list[Piece]:
        return [N(fmt_plain(fen), f"{key}.amount"), T("万元", f"{key}.unit")]

    def yoy(self, key: str, cur: Fen, prev: Fen) -> list[Piece]:
        """比上年增加C万元，增长P% | 与上年持平 (previous = current ∓ change; the 持平 piece is
        slot ``<key>.yoy``, so a defect can turn it into a change)."""
        if cur == prev:
            return [T("与上年持平", f"{key}.yoy")]
        up = cur > prev
        change = abs(cur - prev)
        out = [T(self.a.compare_word), T("增加" if up else "减少", f"{key}.dir"),
               N(fmt_plain(change), f"{key}.change"), T("万元")]  # fmt: skip
        if prev > 0:
            out += [T("，"), T("增长" if up else "下降", f"{key}.rate_word"),
                    N(pct_text(percent(change, prev)), f"{key}.pct")]  # fmt: skip
        return out

    def reason(self, topic: str, up: bool) -> str:
        return "，主要原因：" + self.rng.choice(REASONS[topic][0 if up else 1])

    def share(self, label: str, fen: Fen, whole: Fen, key: str) -> list[Piece]:
        return [T(label), *self.money(fen, key), T("，占"), N(pct_text(percent(fen, whole)), f"{key}.share")]

    def completion(self, key: str, budget: Fen, actual: Fen, label: str, done: str) -> list[Piece]:
        out = [T(label), N(fmt_plain(budget), f"{key}.budget"), T("万元，决算数"),
               N(fmt_plain(actual), f"{key}.actual"), T("万元")]  # fmt: skip
        if budget > 0:
            out += [T(f"，{done}"), N(pct_text(percent(actual, budget)), f"{key}.rate")]
        return out


def score_text(value: Decimal) -> str:
    """85 / 92.5 — a score as printed (no trailing zeros)."""
    return f"{value.normalize():f}"
