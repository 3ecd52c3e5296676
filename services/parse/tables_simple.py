"""Label + 行次 + values tables: 财政拨款“三公”经费支出决算表 and 国有资产占用情况表.

Rows get a role key in ``Row.group`` (e.g. ``reception``, ``vehicles_held``) recognised from the
label, so rules never depend on printed row numbers or OCR-garbled labels alone.
"""

from __future__ import annotations

import re

from shared.models import Cell, Line, Row, Table

from .locate import Region
from .numbers import Num, atomize, is_numeric_atom, ocr_symbol_number, read_numbers
from .tables_coded import build_cell, clean_name

CJK_RE = re.compile(r"[\u4e00-\u9fff]")

# (key, pattern on the label without spaces), most specific first
THREE_PUBLIC_KEYS: list[tuple[str, str]] = [
    ("abroad_groups", r"团组数"),
    ("abroad_persons", r"出国.*人次数"),
    ("vehicles_purchased", r"购置数"),
    ("vehicles_held", r"保有[量最]"),
    ("fa_batches", r"外事接待批次"),
    ("fa_persons", r"外事接待人次"),
    ("abroad_reception_batches", r"[国境][）)]?外公务接待批次"),
    ("abroad_reception_persons", r"[国境][）)]?外公务接待人次"),
    ("reception_batches", r"公务接待批次"),
    ("reception_persons", r"公务接待人次"),
    ("stats_header", r"相关统计数"),
    ("total", r"三公.?经费支出"),
    ("abroad", r"因公出国"),
    ("vehicle_purchase", r"公务用车购置费"),
    ("vehicle_operation", r"公务用车运行维护费"),
    ("vehicle", r"公务用车购置及运行"),
    ("reception_fa", r"外事接待费"),
    ("reception_abroad", r"[国境][）)]?外接待费"),
    ("reception_domestic", r"国内接待费"),
    ("reception", r"公务接待费"),
]
COUNT_KEYS = {k for k, _ in THREE_PUBLIC_KEYS[:10]}

ASSET_KEYS: list[tuple[str, str]] = [
    ("vehicles_total", r"车辆数合计|车辆合计"),
    ("vehicle_leader_ministerial", r"副部|部[（(]省[）)]级"),
    ("vehicle_principal", r"主要(负责人|领导干部)用车"),
    ("vehicle_confidential", r"机要通信"),
    ("vehicle_emergency", r"应急保障"),
    ("vehicle_law_enforcement", r"执法执勤"),
    ("vehicle_special", r"特种专业技术"),
    ("vehicle_retiree", r"离退休干部"),
    ("vehicle_other", r"其他用车"),
    ("equipment_general_50", r"50万元.*通用设备"),
    ("equipment_100", r"100万元"),
]
VEHICLE_PARTS = [k for k, _ in ASSET_KEYS[1:9]]


_COMPILED: dict[int, list[tuple[str, re.Pattern[str]]]] = {}


def _key(label: str, keys: list[tuple[str, str]]) -> str | None:
    compiled = _COMPILED.setdefault(id(keys), [(k, re.compile(p)) for k, p in keys])
    flat = "".join(label.split())
    return next((k for k, rx in compiled if rx.search(flat)), None)


def _split(line: Line, ocr: bool) -> tuple[str, int | None, list[tuple[str, Num | None]]] | None:
    """Return (label, 行次, values) where each value is ("num", Num) or ("dash"/"text", None)."""
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
    run = []
    for a in rest + [None]:  # type: ignore[list-item]
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
            cells[col] = Cell(state="empty", page=line.page, line=line.line)
        elif slot[0] == "dash":
            cells[col] = Cell(state="text", text="——", raw="——", page=line.page, line=line.line)
        else:
            cells[col] = build_cell(slot[1], line)
    return cells


def parse_three_public(region: Region, ocr: bool) -> Table:
    header = " ".join(re.sub(r"\s", "", ln.norm) for ln in region.lines[:12])
    columns = ["年初预算数", "全年预算数", "决算数"] if "全年预算" in header else ["年初预算数", "决算数"]
    rows: list[Row] = []
    seen: set[str] = set()
    for ln in region.lines:
        split = _split(ln, ocr)
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
        rows.append(Row(name=label, group=key, row_no=row_no, cells=cells, page=ln.page, line=ln.line))
    return region.to_table(columns, rows)


def parse_state_assets(region: Region, ocr: bool) -> Table:
    rows: list[Row] = []
    blob: list[tuple[str, Line]] = []
    for ln in region.lines:
        flat = re.sub(r"\s", "", ln.norm)
        if flat and re.fullmatch(r"[\d。oO]+", flat) and len(flat) > 2:
            blob.append((flat, ln))
            continue
        split = _split(ln, ocr)
        if not split:
            continue
        label, row_no, values = split
        key = _key(label, ASSET_KEYS)
        if key is None or any(r.group == key for r in rows):
            continue
        nums = [v for v in values if v[0] == "num"]
        cell = build_cell(nums[0][1] if nums else None, ln)
        rows.append(Row(name=label, group=key, row_no=row_no, cells={"决算数": cell}, page=ln.page, line=ln.line))
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
                page=ln.page,
                line=ln.line,
                confidence=0.4,
                note="OCR：数值列与项目分离，仅按顺序对位，读数不可靠",
            )
        notes.append("国有资产占用表的数值与项目分离（OCR），按顺序对位，相关检查不作结论")
    return region.to_table(["决算数"], rows, notes)
