"""一般公共预算财政拨款基本支出决算表: 经济分类 codes (301/302/303/307/310/312/399 and their
5-digit 款) in three side-by-side column groups, plus 人员经费合计 / 公用经费合计.

Every code is followed (eventually) by its amount. On a clean line, an amount belongs to the code
just before it on that line. In OCR scans whose cells are fragmented over several lines (zeros
printed as "0 00"), an amount that opens a line, or follows a code that already has one, goes to
the oldest code still waiting (first in, first out). When zeros are not printed (born-digital
PDFs), a code left without an amount at the end of its line is empty.
"""

from __future__ import annotations

import re
from collections import deque

from shared.knowledge.classification import ECONOMIC_NAMES, personnel_group
from shared.models import Cell, Row, Table

from ..numbers import atomize, is_numeric_atom, read_numbers
from .coded import build_cell
from .locate import Region

ECON_CODE_RE = re.compile(r"^3(0[1-9]|1[0-3]|99)(\d{2,3})?$")
CLASS_CODES = {"301", "302", "303", "307", "309", "310", "312", "313", "399"}


def _is_code(atoms: list, i: int, ocr: bool) -> bool:
    """A 经济分类 code, not an amount: "305 65" in an OCR scan is 305.65 (a class code is followed
    by its name, never by a two-digit fraction)."""
    a = atoms[i]
    if a.kind != "int" or not ECON_CODE_RE.match(a.raw):
        return False
    if len(a.raw) == 3:
        if a.raw not in CLASS_CODES:
            return False
        nxt = atoms[i + 1] if i + 1 < len(atoms) else None
        if ocr and nxt is not None and nxt.kind == "int" and len(nxt.raw) == 2:
            return False
    return True


TOTAL_LABEL_RE = re.compile(r"(人员经费|[公⼊入]用[经支]费|[公⼊入]用支出|[入人]员经费)合计")


def parse_economic_table(region: Region) -> Table:
    lines = region.lines
    ocr = any(ln.ocr for ln in lines)
    zeros_printed = ocr or any(re.search(r"(^|\s)0\.?\s?00(\s|$)", ln.norm) for ln in lines)
    rows: dict[str, Row] = {}
    order: list[str] = []
    waiting: deque[str] = deque()
    totals: list[Row] = []
    for ln in lines:
        text = ln.norm
        for m in TOTAL_LABEL_RE.finditer(text):
            rest = text[m.end() :].split()
            nums = read_numbers(atomize(" ".join(rest[:2]), ocr), ocr)
            label = "人员经费合计" if "员" in m.group(0) else "公用经费合计"
            cells = {"金额": build_cell(nums[0] if nums else None, ln)}
            totals.append(Row(name=label, cells=cells, prov=ln.prov, group=label[:4]))
        if TOTAL_LABEL_RE.search(text):
            continue
        atoms = atomize(text, ocr)
        last_code_on_line: str | None = None
        i = 0
        while i < len(atoms):
            a = atoms[i]
            if _is_code(atoms, i, ocr) and a.raw not in rows:
                code = a.raw
                name_atoms = []
                j = i + 1
                while j < len(atoms) and not is_numeric_atom(atoms[j]):
                    name_atoms.append(atoms[j].raw)
                    j += 1
                canon = ECONOMIC_NAMES.get(code) or ECONOMIC_NAMES.get(code[:5], "")
                name = "".join(name_atoms) or canon
                rows[code] = Row(
                    code=code,
                    name=canon or name,
                    group=personnel_group(code),
                    cells={"金额": Cell(state="empty", prov=ln.prov)},
                    prov=ln.prov,
                )
                order.append(code)
                waiting.append(code)
                last_code_on_line = code
                i = j
                continue
            if _is_code(atoms, i, ocr):
                i += 1  # a code seen twice (OCR repeats) adds nothing
                continue
            if is_numeric_atom(a):
                run = []
                while i < len(atoms) and is_numeric_atom(atoms[i]) and not _is_code(atoms, i, ocr):
                    run.append(atoms[i])
                    i += 1
                for num in read_numbers(run, ocr):
                    target = None
                    if last_code_on_line and last_code_on_line in waiting:
                        target = last_code_on_line
                    elif zeros_printed and waiting:
                        target = waiting[0]
                    if target is None:
                        continue
                    waiting.remove(target)
                    rows[target].cells["金额"] = build_cell(num, ln)
                    last_code_on_line = None
                continue
            i += 1
        if not zeros_printed:
            waiting.clear()
    out = [rows[c] for c in order] + totals
    return region.to_table(["金额"], out)
