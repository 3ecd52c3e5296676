"""Label + 行次 + values tables: 财政拨款“三公”经费支出决算表 and 国有资产占用情况表.

Rows get a role key in ``Row.group`` (e.g. ``reception``, ``vehicles_held``) recognised from the
label, so rules never depend on printed row numbers or OCR-garbled labels alone.
"""

from __future__ import annotations

import re

from shared.document import Line
from shared.knowledge.tables import ASSET_LABELS, THREE_PUBLIC_COUNTS, THREE_PUBLIC_LABELS
from shared.models import Cell, Row, Table

from ..numbers import Atom, Num, atomize, is_numeric_atom, ocr_symbol_number, read_numbers
from .coded import build_cell, clean_name
from .locate import Region

CJK_RE = re.compile(r"[\u4e00-\u9fff]")

THREE_PUBLIC_KEYS = [(k.value, p) for k, p in THREE_PUBLIC_LABELS]
COUNT_KEYS = {k.value for k in THREE_PUBLIC_COUNTS}
ASSET_KEYS = [(k.value, p) for k, p in ASSET_LABELS]


_COMPILED: dict[int, list[tuple[str, re.Pattern[str]]]] = {}


def _key(label: str, keys: list[tuple[str, str]]) -> str | None:
    compiled = _COMPILED.setdefault(id(keys), [(k, re.compile(p)) for k, p in keys])
    flat = "".join(label.split())
    return next((k for k, rx in compiled if rx.search(flat)), None)


def _split(line: Line) -> tuple[str, int | None, list[tuple[str, Num | None]]] | None:
    """Return (label, 行次, values) where each value is ("num", Num) or ("dash"/"text", None)."""
    ocr = line.ocr
    atoms = atomize(line.norm, ocr)
    first_cjk = next((i for i, a in enumerate(atoms) if a.kind == "text" and CJK_RE.search(a.raw)), None)
    if first_cjk is None:
        return None
    k = first_cjk + 1
    while k < len(atoms) and not is_numeric_atom(atoms[k]):
        k += 1
    label = clean_name(" ".join(a.raw for a in atoms[:k]))
    if k >= len(atoms):
        return label, None, []
    row_no = int(atoms[k].raw) if atoms[k].kind == "int" and len(atoms[k].raw) <= 2 else None
    rest = atoms[k + 1 :] if row_no is not None else atoms[k:]
    values: list[tuple[str, Num | None]] = []
    run: list[Atom] = []
    for a in [*rest, None]:
        if a is not None and is_numeric_atom(a):
            run.append(a)
            continue
        if run:
            values.extend(("num", n) for n in read_numbers(run, ocr))
            run = []
        if a is None:
            break
        if a.kind == "dash":
            values.append(("dash", None))
        elif (sym := ocr_symbol_number(a.raw)) is not None:
            values.append(("num", sym))
    return label, row_no, values


def _cells(values: list[tuple[str, Num | None]], columns: list[str], line: Line) -> dict[str, Cell]:
    n = len(columns)
    slots: list[tuple[str, Num | None] | None] = [None] * n
    if len(values) >= n:
        slots = list(values[:n])
    else:
        dashes = [v for v in values if v[0] == "dash"]
        nums = [v for v in values if v[0] != "dash"]
        for j, v in enumerate(dashes[:n]):
            slots[j] = v
        for j, v in enumerate(reversed(nums)):
            if n - 1 - j >= 0:
                slots[n - 1 - j] = v
    cells: dict[str, Cell] = {}
    for col, slot in zip(columns, slots):
        if slot is None:
            cells[col] = Cell(state="empty", prov=line.prov)
        elif slot[0] == "dash":
            cells[col] = Cell(state="text", text="——", raw="——", prov=line.prov)
        else:
            cells[col] = build_cell(slot[1], line)
    return cells


def parse_three_public(region: Region) -> Table:
    header = " ".join(re.sub(r"\s", "", ln.norm) for ln in region.lines[:12])
    columns = ["年初预算数", "全年预算数", "决算数"] if "全年预算" in header else ["年初预算数", "决算数"]
    rows: list[Row] = []
    seen: set[str] = set()
    for ln in region.lines:
        split = _split(ln)
        if not split:
            continue
        label, row_no, values = split
        key = _key(label, THREE_PUBLIC_KEYS)
        if key is None or key in seen:
            continue
        seen.add(key)
        cells = _cells(values, columns, ln)
        if key in COUNT_KEYS:
            for c in cells.values():  # counts are whole numbers: "150", not 1.50
                if c.state == "number" and c.raw and " " in c.raw:
                    c.value, c.confidence = None, 0.0
                    c.state, c.text = "text", c.raw
        rows.append(Row(name=label, group=key, row_no=row_no, cells=cells, prov=ln.prov))
    return region.to_table(columns, rows)


def parse_state_assets(region: Region) -> Table:
    rows: list[Row] = []
    blob: list[tuple[str, Line]] = []
    for ln in region.lines:
        flat = re.sub(r"\s", "", ln.norm)
        if flat and re.fullmatch(r"[\d。oO]+", flat) and len(flat) > 2:
            blob.append((flat, ln))
            continue
        split = _split(ln)
        if not split:
            continue
        label, row_no, values = split
        key = _key(label, ASSET_KEYS)
        if key is None or any(r.group == key for r in rows):
            continue
        nums = [v for v in values if v[0] == "num"]
        cell = build_cell(nums[0][1] if nums else None, ln)
        rows.append(Row(name=label, group=key, row_no=row_no, cells={"决算数": cell}, prov=ln.prov))
    notes: list[str] = []
    if blob and rows and all(r.cells["决算数"].state == "empty" for r in rows):
        # OCR put the value column after the labels as a run of symbols: align by order only.
        chars = [(ch, ln) for flat, ln in blob for ch in flat]
        for r, (ch, ln) in zip(rows, chars):
            value = "0" if ch in "。oO" else ch
            r.cells["决算数"] = Cell(
                state="number",
                value=int(value),
                raw=ch,
                places=0,
                prov=ln.prov,
                confidence=0.4,
                note="OCR：数值列与项目分离，仅按顺序对位，读数不可靠",
            )
        notes.append("国有资产占用表的数值与项目分离（OCR），按顺序对位，相关检查不作结论")
    return region.to_table(["决算数"], rows, notes)
