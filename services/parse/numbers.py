"""Reading numbers out of table lines, including OCR damage.

A line is split on whitespace into *atoms*. In OCR documents a decimal point is often lost
("586 91" = 586.91) or spaced ("253. 72"); letters stand for digits ("I. 50" = 1.50,
"o on" = 0.00); "。" stands for 0. Such repairs lower the value's confidence.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

DEC_RE = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+$")
INT_RE = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)$")
DOTINT_RE = re.compile(r"^\d+\.$")
DASH_RE = re.compile(r"^[—\-－–]{1,4}$")

REPAIRED_LOST_POINT = 0.95  # "586 91": the point is lost but the pattern is unambiguous
REPAIRED_LETTER = 0.8  # "I. 50", "o on": a letter read as a digit
REPAIRED_SYMBOL = 0.5  # "。" read as 0; "55。2": too unsure to conclude anything


@dataclass
class Atom:
    kind: str  # "dec" | "int" | "dotint" | "dash" | "text"
    raw: str
    repaired: float = 1.0  # confidence after letter→digit fixes


@dataclass
class Num:
    value: Decimal
    raw: str
    places: int
    is_int: bool
    confidence: float = 1.0
    note: str | None = None
    alternatives: list[Decimal] = field(default_factory=list)


def to_decimal(raw: str) -> Decimal | None:
    try:
        return Decimal(raw.replace(",", ""))
    except (InvalidOperation, ValueError):
        return None


def _dec(raw: str) -> Decimal:
    value = to_decimal(raw)
    return Decimal(0) if value is None else value


def places_of(raw: str) -> int:
    raw = raw.replace(",", "")
    return len(raw.split(".", 1)[1]) if "." in raw else 0


_OCR_ZERO_RE = re.compile(r"(?<![A-Za-z])o\s?on(?![A-Za-z])|(?<![A-Za-z])oon(?![A-Za-z])")
_OCR_GLUE_RE = re.compile(r"(?<=[A-Za-z])(?=\d{3})")
_OCR_LETTER_POINT_RE = re.compile(r"(?<![A-Za-z\d])[Il](?=\.\s?\d{2}(?!\d))")


_LETTER_DIGITS_RE = re.compile(r"^[0-9IlOo|][0-9IlOo|,]*(?:\.[0-9IlOo|]*)?$")
_LETTER_TO_DIGIT = str.maketrans({"I": "1", "l": "1", "|": "1", "O": "0", "o": "0"})


def prepare_ocr_line(text: str) -> str:
    """Undo the OCR damage we know how to undo; marks repaired tokens with a trailing '⁂'."""
    text = _OCR_GLUE_RE.sub(" ", text)
    text = _OCR_ZERO_RE.sub("0⁂ 00", text)
    text = _OCR_LETTER_POINT_RE.sub("1⁂", text)
    return text


def atomize(text: str, ocr: bool) -> list[Atom]:
    """Whitespace-separated atoms of a line (memoised: locating and parsing read lines twice)."""
    return list(_atomize(text, ocr))


@functools.lru_cache(maxsize=16384)
def _atomize(text: str, ocr: bool) -> tuple[Atom, ...]:
    if ocr:
        text = prepare_ocr_line(text)
    atoms: list[Atom] = []
    for raw in text.split():
        repaired = 1.0
        if "⁂" in raw:
            raw = raw.replace("⁂", "")
            repaired = REPAIRED_LETTER
        if ocr and re.fullmatch(r"[IlOo|]\.", raw):  # "O. 94" = 0.94, "I. 50" = 1.50
            atoms.append(Atom("dotint", raw.translate(_LETTER_TO_DIGIT), REPAIRED_LETTER))
            continue
        if ocr and raw in ("I", "l", "|", "o", "O"):
            atoms.append(Atom("int", "0" if raw in "oO" else "1", REPAIRED_LETTER))
            continue
        if ocr and _LETTER_DIGITS_RE.match(raw) and re.search(r"\d", raw) and re.search(r"[IlOo|]", raw):
            raw = raw.translate(_LETTER_TO_DIGIT)  # "l5.73" → 15.73, "2O.30" → 20.30
            repaired = min(repaired, REPAIRED_LETTER)
        if DEC_RE.match(raw):
            atoms.append(Atom("dec", raw, repaired))
        elif INT_RE.match(raw):
            atoms.append(Atom("int", raw, repaired))
        elif ocr and DOTINT_RE.match(raw):
            atoms.append(Atom("dotint", raw, repaired))
        elif DASH_RE.match(raw):
            atoms.append(Atom("dash", raw))
        else:
            atoms.append(Atom("text", raw))
    return tuple(atoms)


def read_numbers(atoms: list[Atom], ocr: bool, lead_ints: int = 0) -> list[Num]:
    """Turn a run of numeric atoms into numbers. In OCR mode an integer followed by a two-digit
    integer is one amount with a lost decimal point. ``lead_ints`` integers at the start are taken
    as plain integers (行次) before pairing starts."""
    out: list[Num] = []
    i = 0
    while i < len(atoms):
        a = atoms[i]
        nxt = atoms[i + 1] if i + 1 < len(atoms) else None
        if a.kind == "dec":
            out.append(Num(_dec(a.raw), a.raw, places_of(a.raw), False, a.repaired))
            i += 1
        elif a.kind == "dotint" and nxt is not None and nxt.kind == "int" and len(nxt.raw) == 2:
            raw = a.raw + nxt.raw
            conf = min(a.repaired, nxt.repaired)
            out.append(Num(Decimal(raw), f"{a.raw} {nxt.raw}", 2, False, conf, _note(conf)))
            i += 2
        elif (
            a.kind == "int"
            and ocr
            and len(out) >= lead_ints
            and nxt is not None
            and nxt.kind == "int"
            and len(nxt.raw) == 2
            and "," not in a.raw
        ):
            conf = min(a.repaired, nxt.repaired, REPAIRED_LOST_POINT)
            out.append(Num(Decimal(f"{a.raw}.{nxt.raw}"), f"{a.raw} {nxt.raw}", 2, False, conf, _note(conf)))
            i += 2
        elif a.kind in ("int", "dotint"):
            raw = a.raw.rstrip(".")
            out.append(Num(_dec(raw), a.raw, 0, True, a.repaired, _note(a.repaired)))
            i += 1
        else:
            i += 1
    return out


def _note(conf: float) -> str | None:
    if conf >= 1.0:
        return None
    if conf >= REPAIRED_LOST_POINT:
        return "OCR：小数点缺失，已按两位小数补全"
    if conf >= REPAIRED_LETTER:
        return "OCR：字母误识为数字，已修复"
    return "OCR：符号误识为数字，读数不确定"


def is_numeric_atom(a: Atom) -> bool:
    return a.kind in ("dec", "int", "dotint")


def ocr_symbol_number(raw: str) -> Num | None:
    """Read OCR symbol soup like "。", "55。2" as numbers (low confidence, with alternatives)."""
    if not raw or not re.fullmatch(r"[\d。oO]+", raw) or "。" not in raw and not re.search("[oO]", raw):
        return None
    as_zero = raw.replace("。", "0").replace("o", "0").replace("O", "0")
    dropped = re.sub("[。oO]", "", raw)
    value = Decimal(as_zero)
    alts = [Decimal(dropped)] if dropped and dropped != as_zero and Decimal(dropped) != value else []
    return Num(value, raw, 0, True, REPAIRED_SYMBOL, _note(REPAIRED_SYMBOL), alts)


_SPECK_LEAD_RE = re.compile(r"^[.,:;·'`]+\s*(?=\d)")
_SPECK_TAIL_RE = re.compile(r"(?<=\d)\s*([.,:;·'`]+)$")
_SPACED_POINT_RE = re.compile(r"\d[.．]\s+\d|\d\s+[.．]\d")
_DECIMALS_END_RE = re.compile(r"\d[.．]\s?\d+$")  # "187.19", "4416. 67": the point is already there
_COLON_POINT_RE = re.compile(r"(?<=\d)[:：;,，](?=\d{2}$)")  # "8:37", "51,32": never a thousands comma
_I_DIGIT_RE = re.compile(r"(?<=\d)i|i(?=\d)")


def _scan_specks(text: str) -> tuple[str, bool]:
    """A scan's stray marks around or inside an amount: dust read as a point before or after it
    (".187.19", "187.19."), a colon for the point ("8:37"), "i" for 1 ("187.i9")."""
    out = _SPECK_LEAD_RE.sub("", text)
    tail = _SPECK_TAIL_RE.search(out)
    # a mark after an amount that has its point ("187.19.", "4416. 67."), or a mark that is never
    # a decimal point after any number ("22001·")
    if tail and (_DECIMALS_END_RE.search(out[: tail.start()]) or not set(tail.group(1)) & set(".,:;")):
        out = out[: tail.start()]
    out = _COLON_POINT_RE.sub(".", out)
    out = _I_DIGIT_RE.sub("1", out)
    return out, out != text


def repair_number(text: str) -> tuple[str, float] | None:
    """An OCR'd cell or token read as one amount after the repairs above: (the amount as it should
    have printed, the repair's confidence) — "586 91" → ("586.91", 0.95), "253. 72" →
    ("253.72", 1.0), "I. 50" → ("1.50", 0.8), "55。2" → ("5502", 0.5). None when the text is not
    one number or needs no repair (the OCR extractor keeps it as read). A scan's stray marks
    (".187.19", "187.19.", "4416. 67.", "22001·", "8:37", "187.i9") are cleaned off with the letter repair's confidence."""
    text, specks = _scan_specks(text.strip())
    if not text:
        return None
    if specks:
        again = repair_number(text)
        if again is not None:
            return again[0], min(again[1], REPAIRED_LETTER)
        return (text, REPAIRED_LETTER) if DEC_RE.match(text) or INT_RE.match(text) else None
    atoms = atomize(text, True)
    if len(atoms) == 1 and atoms[0].kind == "text":
        sym = ocr_symbol_number(atoms[0].raw)
        return None if sym is None else (str(sym.value), sym.confidence)
    if not atoms or not all(is_numeric_atom(a) for a in atoms):
        return None
    nums = read_numbers(atoms, True)
    if len(nums) != 1:
        return None
    num = nums[0]
    value = f"{num.value:.{num.places}f}" if num.places else str(num.value)
    if num.confidence < 1.0:
        return value, num.confidence
    if " " in text:
        if _SPACED_POINT_RE.search(text):
            return value, 1.0  # "253. 72": the point was read, the blank beside it is only spacing
        return value, REPAIRED_LOST_POINT
    return None
