"""Text normalisation for matching, length-preserving and per character, so a span of the
normalised text is the same span of the original (quotes keep the original).

Kangxi radicals (U+2F00–U+2FDF), CJK radicals supplement forms and compatibility ideographs fold to
their unified ideographs (PDF text layers of Word documents use them: ⼀ for 一, ⽀ for 支, ⻔ for
门); full-width digits, % and . become ASCII; no-break and ideographic spaces become spaces. NFKC
on the whole string would also rewrite the full-width punctuation (，：（）) the parser relies on.
"""

from __future__ import annotations

import unicodedata

_FOLD_RANGES = ((0x2E80, 0x2EFF), (0x2F00, 0x2FDF), (0xF900, 0xFAFF))
_ASCII_FOLD = {ord("％"): "%", ord("．"): ".", ord("\u00a0"): " ", ord("\u3000"): " ", ord("\t"): " "}
_ASCII_FOLD.update({0xFF10 + i: str(i) for i in range(10)})
# CJK Radicals Supplement forms that have no NFKC decomposition but stand for common characters
# in PDF text extractions (seen in real documents: 部⻔, 公务⽤⻋, ⼈⺠, 意⻅ …).
_RADICAL_SUPPLEMENT = {
    "⻔": "门",
    "⻋": "车",
    "⺠": "民",
    "⻓": "长",
    "⻅": "见",
    "⻝": "食",
    "⻛": "风",
    "⻘": "青",
    "⻬": "齐",
    "⻚": "页",
    "⻄": "西",
    "⻢": "马",
    "⻥": "鱼",
    "⻦": "鸟",
    "⻩": "黄",
    "⻰": "龙",
    "⻜": "飞",
    "⻆": "角",
    "⻉": "贝",
    "⻙": "韦",
    "⻠": "饣",
    "⻤": "鬼",
    "⺟": "母",
    "⻮": "齿",
    "⻳": "龟",
    "⻭": "齐",
    "⻧": "卤",
    "⻨": "麦",
    "⻈": "讠",
    "⻊": "足",
    "⻣": "骨",
    "⻍": "辶",
    "⻏": "阝",
    "⻑": "長",
    "⻒": "镸",
    "⻖": "阝",
    "⻗": "雨",
    "⻟": "食",
}
_ASCII_FOLD.update({ord(k): v for k, v in _RADICAL_SUPPLEMENT.items()})


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = dict(_ASCII_FOLD)
    for lo, hi in _FOLD_RANGES:
        for cp in range(lo, hi + 1):
            folded = unicodedata.normalize("NFKC", chr(cp))
            if len(folded) == 1 and folded != chr(cp):
                table[cp] = folded
    return table


FOLD_TABLE = _build_fold_table()


def normalize_for_matching(text: str) -> str:
    """Length-preserving normalisation (see module doc)."""
    return text.translate(FOLD_TABLE)


def fold_text(text: str) -> str:
    """For rules that match words in prose: the matching fold (radical forms, including the
    supplement forms NFKC leaves alone) and then NFKC. Not length-preserving; quote the original."""
    return unicodedata.normalize("NFKC", text.translate(FOLD_TABLE))


__all__ = ["FOLD_TABLE", "fold_text", "normalize_for_matching"]
