"""Re-checks every identity on a draft's structured data (tables as built, narrative pieces,
score table) — no text parsing. A clean draft yields no violation; a defective one yields the
defect's rule code (plus ``SUM`` for N301: a changed total no longer equals the parts the same
sentence lists). Codes: T101 hierarchy, T102 row, X2xx cross-table, N301/N302 narrative vs
table, A401–A404 narrative arithmetic, U501 unit, P601–P603 and P605 scores, SUM/EXEC extras.
"""

from __future__ import annotations

from decimal import Decimal

from corpus.catalog import ECONOMIC_CLASSES, PERSONNEL_CLASSES, PUBLIC_CLASSES
from corpus.defects import Draft
from corpus.model import Fen, grade_for, percent
from corpus.tables import Count, Money, TableData


def _fen(cell: object) -> Fen:
    assert isinstance(cell, Money), cell
    return cell.fen


def _num(text: str) -> Decimal:
    return Decimal(text.rstrip("%"))


def _amount(text: str) -> Fen:
    return int(_num(text) * 100)


def _hierarchy(t: TableData, out: set[str]) -> None:
    rows = {r.key: [_fen(c) for c in r.parts[0].cells] for r in t.rows}
    codes = [k for k in rows if k != "合计"]
    for col in range(len(rows["合计"])):
        if rows["合计"][col] != sum(rows[c][col] for c in codes if len(c) == 3):
            out.add("T101")
        for parent in codes:
            kids = [c for c in codes if c.startswith(parent) and len(c) == len(parent) + 2]
            if kids and rows[parent][col] != sum(rows[c][col] for c in kids):
                out.add("T101")
    for cells in rows.values():
        if len(cells) > 1 and cells[0] != sum(cells[1:]):
            out.add("T102")


def _tables(d: Draft, out: set[str]) -> dict[str, Fen]:
    """Checks the tables; returns the table values the narrative restates, by slot."""
    t = {tb.kind: tb for tb in d.tables}
    for kind in ("t02", "t03", "t05"):
        _hierarchy(t[kind], out)
    a = d.accounts
    inc = {r.parts[0].label: _fen(r.parts[0].cells[0]) for r in t["t01"].rows if r.parts[0].cells}
    exp = {r.parts[1].label: _fen(r.parts[1].cells[0]) for r in t["t01"].rows if r.parts[1].cells}
    incomes = [_fen(r.parts[0].cells[0]) for r in t["t01"].rows[:8]]
    cats = {r.key: _fen(r.parts[1].cells[0]) for r in t["t01"].rows if r.key.isdigit()}
    if (
        inc["本年收入合计"] != sum(incomes)
        or inc["总计"] != inc["本年收入合计"] + inc["使用非财政拨款结余"] + inc["年初结转和结余"]
        or exp["本年支出合计"] != sum(cats.values())
        or exp["总计"] != exp["本年支出合计"] + exp["结余分配"] + exp["年末结转和结余"]
        or inc["总计"] != exp["总计"]
    ):
        out.add("X201")
    t02 = {r.key: r.parts[0].cells for r in t["t02"].rows}
    t03 = {r.key: r.parts[0].cells for r in t["t03"].rows}
    t05 = {r.key: r.parts[0].cells for r in t["t05"].rows}
    if inc["本年收入合计"] != _fen(t02["合计"][0]) or exp["本年支出合计"] != _fen(t03["合计"][0]):
        out.add("X201")
    if any(v != (_fen(t03[k][0]) if k in t03 else 0) for k, v in cats.items()):
        out.add("X201")
    f_inc = {r.parts[0].label: _fen(r.parts[0].cells[0]) for r in t["t04"].rows if r.parts[0].cells}
    f_exp = {r.parts[1].label: [_fen(c) for c in r.parts[1].cells] for r in t["t04"].rows if r.parts[1].cells}
    f_cats = {r.key: [_fen(c) for c in r.parts[1].cells] for r in t["t04"].rows if r.key.isdigit()}
    if any(v[0] != sum(v[1:]) for v in [*f_cats.values(), *f_exp.values()]):
        out.add("T102")
    if (
        any(v[1] != (_fen(t05[k][0]) if k in t05 else 0) for k, v in f_cats.items())
        or f_exp["本年支出合计"][1] != _fen(t05["合计"][0])
        or _fen(t["t04"].rows[0].parts[0].cells[0]) != _fen(t02["合计"][1])
        or f_inc["总计"] != f_inc["本年收入合计"] + f_inc["年初财政拨款结转和结余"]
        or f_exp["总计"][0] != f_exp["本年支出合计"][0] + f_exp["年末财政拨款结转和结余"][0]
        or f_inc["总计"] != f_exp["总计"][0]
    ):
        out.add("X202")
    fis_exp = f_exp["本年支出合计"][1]
    t06 = {p.code or p.label: _fen(p.cells[0]) for r in t["t06"].rows for p in r.parts if p.cells}
    for cls in ECONOMIC_CLASSES:
        if t06[cls] != sum(v for k, v in t06.items() if len(k) == 5 and k.startswith(cls)):
            out.add("T103")
    if t06["人员经费合计"] != sum(t06[c] for c in PERSONNEL_CLASSES) or t06["公用支出合计"] != sum(
        t06[c] for c in PUBLIC_CLASSES
    ):
        out.add("T103")
    if t06["人员经费合计"] + t06["公用支出合计"] != _fen(t05["合计"][1]):
        out.add("X203")
    tp = {r.key: r.parts[0].cells for r in t["t07"].rows}
    col = -1
    for item, line in (
        ("因公出国", "30212"),
        ("公务用车运行", "30231"),
        ("公务接待", "30217"),
        ("公务用车购置", "31013"),
    ):
        if _fen(tp[item][col]) != t06.get(line, 0):
            out.add("X204")
    for i in range(len(tp["三公合计"])):
        parts = ("因公出国", "公务用车", "公务接待")
        if _fen(tp["三公合计"][i]) != sum(_fen(tp[p][i]) for p in parts) or _fen(tp["公务用车"][i]) != _fen(
            tp["公务用车购置"][i]
        ) + _fen(tp["公务用车运行"][i]):
            out.add("T104")
    counts = {k: c[-1].n for k, c in tp.items() if isinstance(c[-1], Count)}
    assets = {r.key: r.parts[0].cells[0] for r in t["t10"].rows}
    vehicles = assets["车辆数合计"]
    assert isinstance(vehicles, Count)
    if counts["保有量"] > vehicles.n:
        out.add("X205")
    budget_col = 1 if a.three_public.show_full_year else 0
    restated = {
        "income.total": inc["总计"], "income.carry_in": inc["年初结转和结余"], "income.current": inc["本年收入合计"],
        "income.part.fiscal": incomes[0], "income.part.other": incomes[7],
        "expenditure.total": exp["总计"], "expenditure.current": exp["本年支出合计"],
        "expenditure.carry_out": exp["年末结转和结余"],
        "expenditure.part.basic": _fen(t03["合计"][1]), "expenditure.part.project": _fen(t03["合计"][2]),
        "fiscal.total.actual": fis_exp, "basic.total": _fen(t05["合计"][1]), "admin_cost": t06["公用支出合计"],
        "3p.total.actual": _fen(tp["三公合计"][col]), "3p.total.budget": _fen(tp["三公合计"][budget_col]),
        "3p.car.actual": _fen(tp["公务用车"][col]), "3p.car.budget": _fen(tp["公务用车"][budget_col]),
    }  # fmt: skip
    for key, item in (("abroad", "因公出国"), ("car_purchase", "公务用车购置"), ("car_running", "公务用车运行"),
                      ("reception", "公务接待")):  # fmt: skip
        restated[f"3p.{key}.actual"] = _fen(tp[item][col])
        restated[f"3p.{key}.budget"] = _fen(tp[item][budget_col])
    for cls in ("301", "302", "303", "310"):
        restated[f"basic.{cls}"] = t06[cls]
    for cat in a.categories(fiscal_only=True):
        restated[f"fiscal.{cat}.actual"] = _fen(t05[cat][0])
    for key, row in (("3p.abroad.groups", "团组数"), ("3p.abroad.people", "出国人次"), ("3p.cars_bought", "购置数"),
                     ("3p.cars_held", "保有量"), ("3p.reception.batches", "接待批次"),
                     ("3p.reception.people", "接待人次")):  # fmt: skip
        restated[key] = counts[row]
    restated["assets.vehicles"] = vehicles.n
    return restated


def _narrative(d: Draft, restated: dict[str, Fen], out: set[str]) -> None:
    s = {k: p.text for k, p in d.narrative.slots().items()}
    for key, value in restated.items():
        if f"{key}.amount" in s:
            stated: int | None = _amount(s[f"{key}.amount"])
        elif key in s:
            stated = _amount(s[key]) if "." in s[key] else int(s[key])
        else:
            stated = None
        if stated is not None and stated != value:
            out.add("N302" if key.startswith(("3p.abroad.g", "3p.abroad.p", "3p.cars", "3p.reception.b",
                                              "3p.reception.p", "assets")) else "N301")  # fmt: skip
    for k, v in s.items():
        if k.endswith(".unit") and v != "万元":
            out.add("U501")
    for key in [k[:-4] for k in s if k.endswith(".dir")]:
        cur = _amount(s.get(f"{key}.amount", s.get(f"{key}.actual", "0")))
        change = _amount(s[f"{key}.change"])
        up = s[f"{key}.dir"] == "增加"
        if f"{key}.rate_word" in s and (s[f"{key}.rate_word"] == "增长") != up:
            out.add("A402")
        prev = cur - change if up else cur + change
        if f"{key}.pct" in s and prev > 0 and _num(s[f"{key}.pct"]) != percent(change, prev):
            out.add("A401")
    for whole, prefix in (("income.current", "income.part."), ("expenditure.current", "expenditure.part.")):
        total = _amount(s[f"{whole}.amount"])
        shares = [k for k in s if k.startswith(prefix) and k.endswith(".share")]
        if sum(_num(s[k]) for k in shares) != 100:
            out.add("A403")
        for k in shares:
            if _num(s[k]) != percent(_amount(s[k[:-6] + ".amount"]), total):
                out.add("A403")
    pr = {k: _amount(s[f"proc.{k}.amount"]) for k in ("total", "goods", "works", "services", "sme", "small")}
    if _num(s["proc.sme.share"]) != percent(pr["sme"], pr["total"]) or _num(s["proc.small.share"]) != percent(
        pr["small"], pr["sme"]
    ):
        out.add("A403")
    for key in [k[:-5] for k in s if k.endswith(".rate") and not k.startswith("perf")]:
        budget = _amount(s[f"{key}.budget"])
        if budget and _num(s[f"{key}.rate"]) != percent(_amount(s[f"{key}.actual"]), budget):
            out.add("A404")
    sums = [
        ("income.total.amount", ["income.carry_in.amount", "income.current.amount"]),
        ("expenditure.total.amount", ["expenditure.current.amount", "expenditure.carry_out.amount"]),
        ("expenditure.total.amount", ["income.total.amount"]),
        ("basic.total.amount", [f"basic.{c}.amount" for c in ("301", "302", "303", "310")]),
        ("3p.car.actual", ["3p.car_purchase.actual", "3p.car_running.actual"]),
        ("3p.total.actual", [f"3p.{k}.actual" for k in ("abroad", "car_purchase", "car_running", "reception")]),
        ("proc.total.amount", ["proc.goods.amount", "proc.works.amount", "proc.services.amount"]),
        ("fiscal.total.actual", [k for k in s if k.startswith("fiscal.") and k.endswith(".actual") and k != "fiscal.total.actual"]),
        ("fiscal.total.budget", [k for k in s if k.startswith("fiscal.") and k.endswith(".budget") and k != "fiscal.total.budget"]),
    ]  # fmt: skip
    for total_key, part_keys in sums:
        if _amount(s[total_key]) != sum(_amount(s[k]) for k in part_keys):
            out.add("SUM")


def _scores(d: Draft, out: set[str]) -> None:
    pf, s = d.performance, {k: p.text for k, p in d.narrative.slots().items()}
    if pf.exec_score > pf.exec_weight or any(ln.score > ln.weight for ln in pf.lines):
        out.add("P601")
    if pf.stated_total != pf.score_sum:
        out.add("P602")
    score = Decimal(s["perf.score"])
    if score != pf.stated_total:
        out.add("P605")  # the narrative restates the 总分
    if s["perf.grade"] != f"评价为{grade_for(score)}":
        out.add("P603")
    if _num(s["perf.rate"]) != percent(_amount(s["perf.executed.amount"]), _amount(s["perf.budget.amount"])):
        out.add("EXEC")


def violations(d: Draft) -> set[str]:
    """The identity codes the draft violates (empty for a clean draft)."""
    out: set[str] = set()
    restated = _tables(d, out)
    _narrative(d, restated, out)
    _scores(d, out)
    from corpus.defects import FAMILY_KINDS

    out |= {k.code for k in FAMILY_KINDS if k.present(d)}
    return out
