"""The PDF reader against synthetic disclosures drawn in the layouts real ones use (tests.layouts):
ruled, unruled, three-line, title inside the table, amounts in 元, borders as filled rectangles,
shaded cells, tables split over pages, landscape pages, the Shanghai and the 景德镇 template.

For every clean document: every table drawn is found, every compared amount is read into its row and
column exactly as drawn, and the checker reports nothing. For the documents with a planted error:
the error is reported. Each PDF is built and checked once per session."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

import pytest

from services.pipeline import check_bytes
from shared.knowledge.tables import TableKind
from shared.models import Cell, DocumentReport, ParsedDocument, Table
from tests.layouts import data as d
from tests.layouts.variations import CLEAN, PLANTED, WRONG_PUBLIC_TOTAL

ALL_KINDS = list(TableKind)  # every variation draws all ten tables

# coded tables: compared column → key of data.func_rows() / data.totals()
CODED = {
    TableKind.INCOME: {"本年收入合计": "inc_total", "财政拨款收入": "fiscal", "其他收入": "other"},
    TableKind.EXPENDITURE: {"本年支出合计": "exp_total", "基本支出": "basic", "项目支出": "project"},
    TableKind.GENERAL_BUDGET_EXPENDITURE: {
        "本年支出合计": "gb_total",
        "基本支出": "gb_basic",
        "项目支出": "gb_project",
    },
}
THREE_PUBLIC_ACTUAL = {
    "total": "22.50",
    "abroad": "8.00",
    "vehicle": "12.00",
    "vehicle_operation": "12.00",
    "reception": "2.50",
    "abroad_groups": "1",
    "abroad_persons": "2",
    "vehicles_held": "3",
    "reception_batches": "10",
    "reception_persons": "57",
}
ASSET_COUNTS = {"vehicles_total": "3", "vehicle_principal": "1", "vehicle_special": "2", "equipment_100": "1"}

Value = Decimal | str | None


@cache
def checked(name: str) -> tuple[DocumentReport, ParsedDocument | None]:
    _, build = {**CLEAN, **PLANTED}[name]
    return check_bytes(f"{name}.pdf", build())


def _v(cell: Cell | None) -> Value:
    """A parsed cell as compared: its number, None if empty, ``text:…`` if text, MISSING if absent."""
    if cell is None:
        return "MISSING"
    if cell.state == "number":
        return cell.value
    if cell.state == "empty":
        return None
    return f"text:{cell.text}"


def _eq(got: Value, want: Decimal | str | None) -> bool:
    """A drawn blank or “——” matches an empty cell, a “——” cell or a zero; a drawn zero (printed blank in
    万元, 0.00 in 元) an empty cell or a zero."""
    want = None if want in (None, "", "——") else Decimal(str(want))
    if want is None:
        return got is None or got == "text:——" or (isinstance(got, Decimal) and got == 0)
    if want == 0:
        return got is None or (isinstance(got, Decimal) and got == 0)
    return isinstance(got, Decimal) and got == want


def _compare_coded(kind: TableKind, t: Table) -> list[str]:
    errs = []
    cols = CODED[kind]
    missing = [c for c in cols if c not in t.columns]
    if missing:
        errs.append(f"{kind}: columns {missing} missing (got {t.columns})")
    rows = t.rows_by_code()
    drawn = d.func_rows()
    for code, name, vals in drawn:
        r = rows.get(code)
        if r is None:
            errs.append(f"{kind}: row {code} {name} missing")
            continue
        for col, key in cols.items():
            got = _v(r.cells.get(col))
            if not _eq(got, vals[key]):
                errs.append(f"{kind}: {code} {col} = {got}, drawn {vals[key]}")
    total = t.find_row("合计")
    if total is None:
        errs.append(f"{kind}: 合计 row missing")
    else:
        for col, key in cols.items():
            got = _v(total.cells.get(col))
            if not _eq(got, d.totals()[key]):
                errs.append(f"{kind}: 合计 {col} = {got}, drawn {d.totals()[key]}")
    codes = {code for code, _, _ in drawn}
    unexpected = [r.code for r in t.rows if r.code and r.code not in codes]
    if unexpected:
        errs.append(f"{kind}: unexpected codes {unexpected}")
    return errs


def _compare_summary(kind: TableKind, t: Table) -> list[str]:
    """The two-sided summary tables: the income rows, the 类 rows and totals of the expenditure side,
    and no row on the wrong side."""
    errs = []
    totals = d.totals()
    fiscal = kind == TableKind.FISCAL_SUMMARY
    inc = [r for r in t.rows if r.side == "income"]
    exp = [r for r in t.rows if r.side == "expenditure"]
    income_total = totals["fiscal"] if fiscal else totals["inc_total"]
    want_inc = [
        ("一般公共预算财政拨款", totals["fiscal"]),
        ("本年收入合计", income_total),
        ("总计", income_total),
    ]
    if not fiscal:
        want_inc.append(("其他收入", totals["other"]))
    icol = t.income_columns[0] if t.income_columns else "决算数"
    for label, val in want_inc:
        r = next((r for r in inc if label in r.name.replace(" ", "")), None)
        if r is None:
            errs.append(f"{kind}: income row {label} missing")
        elif not _eq(_v(r.cells.get(icol)), val):
            errs.append(f"{kind}: income {r.name} = {_v(r.cells.get(icol))}, drawn {val}")
    key = "gb_total" if fiscal else "exp_total"
    ecol = "小计" if fiscal else "决算数"
    categories = {code: vals[key] for code, _, vals in d.func_rows() if len(code) == 3}
    for code, val in categories.items():
        r = next((r for r in exp if r.code == code), None)
        if r is None:
            errs.append(f"{kind}: expenditure row {code} missing")
        elif not _eq(_v(r.cells.get(ecol)), val):
            errs.append(f"{kind}: expenditure {code} {ecol} = {_v(r.cells.get(ecol))}, drawn {val}")
    for label in ("本年支出合计", "总计"):
        r = next((r for r in exp if r.name.replace(" ", "") == label), None)
        if r is None:
            errs.append(f"{kind}: expenditure row {label} missing")
        elif not _eq(_v(r.cells.get(ecol)), totals[key]):
            errs.append(f"{kind}: expenditure {label} = {_v(r.cells.get(ecol))}, drawn {totals[key]}")
    if fiscal:
        r = next((r for r in exp if r.code == "201"), None)
        if r and not _eq(_v(r.cells.get("一般公共预算财政拨款")), categories["201"]):
            errs.append(
                f"{kind}: 201 一般公共预算财政拨款 = {_v(r.cells.get('一般公共预算财政拨款'))}, "
                f"drawn {categories['201']}"
            )
    wrong_side = [r.name for r in inc if "支出" in r.name and "结" not in r.name] + [
        r.name for r in exp if "收入" in r.name
    ]
    if wrong_side:
        errs.append(f"{kind}: rows on the wrong side: {wrong_side}")
    return errs


def _compare_basic(t: Table) -> list[str]:
    errs = []
    rows = t.rows_by_code()
    drawn = d.PERSONNEL + d.PUBLIC_302 + d.PUBLIC_3XX
    for code, name, val in drawn:
        r = rows.get(code)
        if r is None:
            errs.append(f"basic: {code} {name} missing")
        elif not _eq(_v(r.cells.get("金额")), val):
            errs.append(f"basic: {code} {name} = {_v(r.cells.get('金额'))}, drawn {val}")
    for label, val in (("人员经费合计", d.PERSONNEL_TOTAL), ("公用经费合计", d.PUBLIC_TOTAL)):
        found = [r for r in t.rows if r.name == label]
        if not found:
            errs.append(f"basic: {label} missing")
        elif len(found) > 1:
            errs.append(f"basic: {label} appears {len(found)} times")
        for r in found:
            if not _eq(_v(r.cells.get("金额")), val):
                errs.append(f"basic: {label} = {_v(r.cells.get('金额'))}, drawn {val}")
    if len(rows) != len(drawn):
        errs.append(f"basic: {len(rows)} coded rows, drawn {len(drawn)}")
    return errs


def _compare_three_public(t: Table) -> list[str]:
    """The 决算数 of every item and count (the counts only when the table has them as rows: the vertical
    template with recognised columns), and the total's 年初预算数."""
    errs = []
    by_group = {r.group: r for r in t.rows}
    counts_expected = "决算数" in t.columns and len(t.columns) == 3
    for group, val in THREE_PUBLIC_ACTUAL.items():
        r = by_group.get(group)
        if r is None:
            if group in ("total", "abroad", "vehicle", "reception") or counts_expected:
                errs.append(f"three_public: item {group} missing")
        elif not _eq(_v(r.cells.get("决算数")), val):
            errs.append(f"three_public: {group} 决算数 = {_v(r.cells.get('决算数'))}, drawn {val}")
    total = by_group.get("total")
    if "年初预算数" in t.columns and total and not _eq(_v(total.cells.get("年初预算数")), "28.00"):
        errs.append(f"three_public: total 年初预算数 = {_v(total.cells.get('年初预算数'))}, drawn 28.00")
    return errs


def _compare_assets(t: Table) -> list[str]:
    errs = []
    by_group = {r.group: r for r in t.rows}
    for group, val in ASSET_COUNTS.items():
        r = by_group.get(group)
        if r is None:
            errs.append(f"assets: {group} missing")
        elif not _eq(_v(r.cells.get("决算数")), val):
            errs.append(f"assets: {group} = {_v(r.cells.get('决算数'))}, drawn {val}")
    return errs


def compare(parsed: ParsedDocument, kinds: list[TableKind] = ALL_KINDS) -> list[str]:
    """What was parsed against what tests.layouts.data drew: one string per mismatch (none: all equal)."""
    by_kind = {t.kind: t for t in parsed.tables}
    errs = [f"table {k} NOT FOUND" for k in kinds if k not in by_kind]
    unexpected = [str(k) for k in by_kind if k not in kinds]
    if unexpected:
        errs.append(f"unexpected tables: {unexpected}")
    for kind, t in by_kind.items():
        if kind in CODED:
            errs += _compare_coded(kind, t)
        elif kind in (TableKind.INCOME_EXPENDITURE_SUMMARY, TableKind.FISCAL_SUMMARY):
            errs += _compare_summary(kind, t)
        elif kind == TableKind.GENERAL_BUDGET_BASIC:
            errs += _compare_basic(t)
        elif kind == TableKind.THREE_PUBLIC:
            errs += _compare_three_public(t)
        elif kind == TableKind.STATE_ASSETS:
            errs += _compare_assets(t)
    return errs


def _parsed(name: str) -> ParsedDocument:
    report, parsed = checked(name)
    assert report.error is None, f"{name}: {report.error}"
    assert parsed is not None
    return parsed


def _findings(name: str) -> list[str]:
    return [f"{f.code} {f.severity.value}: {f.message}" for f in checked(name)[0].findings]


CLEAN_IDS = [pytest.param(name, id=name) for name in CLEAN]


@pytest.mark.parametrize("name", CLEAN_IDS)
def test_every_table_found(name: str) -> None:
    found = {t.kind for t in _parsed(name).tables}
    missing = [str(k) for k in ALL_KINDS if k not in found]
    assert not missing, f"{CLEAN[name][0]}: tables not found: {missing}"


@pytest.mark.parametrize("name", CLEAN_IDS)
def test_values_read_as_drawn(name: str) -> None:
    mismatches = compare(_parsed(name))
    assert not mismatches, f"{CLEAN[name][0]}:\n  " + "\n  ".join(mismatches)


@pytest.mark.parametrize("name", CLEAN_IDS)
def test_no_finding_on_clean_document(name: str) -> None:
    _parsed(name)
    findings = _findings(name)
    assert not findings, f"{CLEAN[name][0]}:\n  " + "\n  ".join(findings)


@pytest.mark.parametrize("name", ["narrative_errors", "narrative_errors_jdz"])
def test_planted_narrative_errors_reported(name: str) -> None:
    """接待 65 人次 in the narrative, 57 in 09 → N302; 其他收入 6.30 in the narrative, 6.20 in 01 → N301.
    The tables themselves are read as drawn, so the findings come from reading them, not from a miss."""
    assert compare(_parsed(name)) == []
    findings = _findings(name)
    n302 = [f for f in findings if f.startswith("N302") and "65" in f and "57" in f]
    n301 = [f for f in findings if f.startswith("N301") and "其他收入" in f and "6.30" in f and "6.20" in f]
    assert n302, "wrong 人次 count not reported:\n  " + "\n  ".join(findings)
    assert n301, "wrong 其他收入 not reported:\n  " + "\n  ".join(findings)


@pytest.mark.parametrize("name", ["basic_wrong_public_total", "basic_wrong_public_total_in_group3"])
def test_planted_wrong_public_total_reported(name: str) -> None:
    """06 prints 公用经费合计 246.91 where its items sum to 236.91 (and 05 and the narrative say 236.91)."""
    parsed = _parsed(name)
    mismatches = compare(parsed)
    assert mismatches == [f"basic: 公用经费合计 = {WRONG_PUBLIC_TOTAL}, drawn {d.PUBLIC_TOTAL}"], mismatches
    findings = _findings(name)
    assert {f.split()[0] for f in findings} & {"T104", "X203", "N301"}, (
        "wrong 公用经费合计 not reported:\n  " + "\n  ".join(findings)
    )
