"""In-table identities: 类/款/项 hierarchy, row totals, summary-table balances, the basic-expenditure
table's classes and totals, the 三公 table's sub-items and the vehicle count."""

from __future__ import annotations

from collections.abc import Iterable

from shared.knowledge.classification import PERSONNEL_CLASSES, PUBLIC_CLASSES
from shared.knowledge.tables import (
    CODED_TABLES,
    ROW_IDENTITIES,
    THREE_PUBLIC_IDENTITIES,
    VEHICLE_PARTS,
    TableKind,
)
from shared.models import Category, Finding, ParsedDocument, Row, Severity, Table

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..checks import check_sum
from ..facts import Fact, fact, group_fact, summary_fact, total_row

CODED = CODED_TABLES


def _children(table: Table) -> dict[int, list[Row]]:
    """Direct children of each row (by index), by 科目编码 prefix; 类 rows are children of 合计."""
    by_code = {r.code: i for i, r in enumerate(table.rows) if r.code}
    root = next((i for i, r in enumerate(table.rows) if r.code is None), None)
    out: dict[int, list[Row]] = {}
    for r in table.rows:
        if not r.code:
            continue
        parent = next(
            (by_code[r.code[:n]] for n in (5, 3) if len(r.code) > n and r.code[:n] in by_code), None
        )
        if parent is None and len(r.code) == 3:
            parent = root
        if parent is not None:
            out.setdefault(parent, []).append(r)
    return out


UNREAD_SPAN = 0.5  # a sum over rows of which one was left out unread: no conclusion


def _holds_unread(table: Table, index: int) -> bool:
    """Was a row left out (``Table.unread_rows``) among the descendants of row ``index``?"""
    if not table.unread_rows:
        return False
    code = table.rows[index].code
    end = len(table.rows)
    if code:
        end = next(
            (j for j in range(index + 1, len(table.rows)) if len(table.rows[j].code or "") <= len(code)),
            end,
        )
    return any(index < g <= end for g in table.unread_rows)


@rule(
    "T101",
    "hierarchy_sum",
    Category.TABLE_SUM,
    Severity.ERROR,
    "科目层级合计不符",
    "按科目编码检查：类 = 所属各款之和，款 = 所属各项之和，合计 = 各类之和（逐栏）。",
    "层级不平说明某行数据录入或汇总错误，相关各表和说明都会受影响。",
    "支出决算表中 201 一般公共服务支出 2,200.88，而 20103、20111 两款合计 2,201.88。",
)
def hierarchy_sum(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    tables = [t for t in doc.tables if t.kind in CODED and not t.is_empty]
    if not tables:
        raise NotApplicable("未找到含科目编码的决算表（收入/支出/一般公共预算支出表等）")
    for t in tables:
        for parent_idx, kids in _children(t).items():
            parent = t.rows[parent_idx]
            # a scan's row left out under this parent (its code unread): the parts are incomplete
            conf = UNREAD_SPAN if _holds_unread(t, parent_idx) else 1.0
            for col in t.columns:
                parts = [p for k in kids if (p := fact(t, k, col))]
                what = f"{t.number_label or ''}{t.title}“{parent.code or ''}{parent.name}”{col}"
                f = check_sum(rule, ctx, fact(t, parent, col), parts, what, "下级科目", confidence=conf)
                if f:
                    yield f


@rule(
    "T102",
    "row_total",
    Category.TABLE_SUM,
    Severity.ERROR,
    "行内合计不符",
    "逐行检查合计栏等于各组成栏之和：支出表 本年支出合计 = 基本支出 + 项目支出 + 上缴上级 + 经营 + 对附属单位补助；"
    "收入表 本年收入合计 = 各收入来源之和；财政拨款总表 小计 = 各资金来源之和。",
    "行内不平通常是漏填或错填某一栏。",
    "2010301 行政运行 本年支出合计 1,954.56，基本支出 1,924.56 + 项目支出 20.00 = 1,944.56。",
)
def row_total(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    tables = [t for t in doc.tables if t.kind in ROW_IDENTITIES and not t.is_empty]
    if not tables:
        raise NotApplicable("未找到有数据的收入/支出类决算表")
    for t in tables:
        for r in t.rows:
            if t.kind == TableKind.FISCAL_SUMMARY and r.side != "expenditure":
                continue
            for total_col, comps in ROW_IDENTITIES[t.kind]:
                parts = [p for c in comps if (p := fact(t, r, c))]
                what = f"{t.number_label or ''}{t.title}“{r.code or ''}{r.name}”行"
                f = check_sum(rule, ctx, fact(t, r, total_col), parts, what, "各组成栏")
                if f:
                    yield f


def _summary_balances(
    doc: ParsedDocument, kind: TableKind
) -> list[tuple[str, Fact | None, list[Fact | None], str]]:
    t = doc.table(kind)
    if t is None or t.is_empty:
        return []
    inc = lambda *n: summary_fact(doc, kind, "income", *n)
    exp = lambda *n: summary_fact(doc, kind, "expenditure", *n)
    cur_in = inc("本年收入合计")
    cur_out = exp("本年支出合计")
    checks: list[tuple[str, Fact | None, list[Fact | None], str]] = []
    if cur_in and cur_in.row.row_no:
        sources = [
            fact(t, r, "决算数")
            for r in t.rows
            if r.side == "income" and r.name and r.row_no and r.row_no < cur_in.row.row_no
        ]
        checks.append(("本年收入合计", cur_in, sources, "各项收入"))
    categories = [fact(t, r, t.columns[0]) for r in t.rows if r.side == "expenditure" and r.level == "类"]
    checks.append(("本年支出合计", cur_out, categories, "各类支出"))
    if kind == TableKind.INCOME_EXPENDITURE_SUMMARY:
        checks.append(
            (
                "收入总计",
                inc("总计"),
                [cur_in, inc("使用非财政拨款结余"), inc("年初结转和结余")],
                "本年收入合计 + 使用非财政拨款结余 + 年初结转和结余",
            )
        )
        checks.append(
            (
                "支出总计",
                exp("总计"),
                [cur_out, exp("结余分配"), exp("年末结转和结余")],
                "本年支出合计 + 结余分配 + 年末结转和结余",
            )
        )
    else:
        begin = inc("年初财政拨款结转和结余", "年初结转和结余")
        if begin and begin.row.row_no:
            subs = [
                fact(t, r, "决算数")
                for r in t.rows
                if r.side == "income"
                and r.row_no
                and begin.row.row_no < r.row_no < begin.row.row_no + 4
                and r.name
            ]
            checks.append(("年初财政拨款结转和结余", begin, subs, "各资金来源"))
        checks.append(("收入总计", inc("总计"), [cur_in, begin], "本年收入合计 + 年初财政拨款结转和结余"))
        checks.append(
            (
                "支出总计",
                exp("总计"),
                [cur_out, exp("年末财政拨款结转和结余", "年末结转和结余")],
                "本年支出合计 + 年末财政拨款结转和结余",
            )
        )
    total_in = inc("总计")
    total_out = exp("总计")
    if total_in and total_out:
        checks.append(("收入总计与支出总计", total_in, [total_out], "支出总计"))
    return checks


@rule(
    "T103",
    "summary_balance",
    Category.TABLE_SUM,
    Severity.ERROR,
    "总表收支平衡关系不符",
    "收入支出决算总表与财政拨款收入支出决算总表：本年收入合计 = 各项收入之和；本年支出合计 = 各类支出之和；"
    "收入总计 = 本年收入合计 + 使用非财政拨款结余 + 年初结转和结余；支出总计 = 本年支出合计 + 结余分配 + 年末结转和结余；"
    "收入总计 = 支出总计。",
    "总表是全套报表的骨架，不平衡意味着收支或结转结余数据有误。",
    "收入总计 818.10，支出总计 819.04。",
)
def summary_balance(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    kinds = [k for k in (TableKind.INCOME_EXPENDITURE_SUMMARY, TableKind.FISCAL_SUMMARY) if doc.table(k)]
    if not kinds:
        raise NotApplicable("未找到收入支出决算总表或财政拨款收入支出决算总表")
    for kind in kinds:
        t = doc.table(kind)
        if t is None:
            continue
        for what, total, parts, label in _summary_balances(doc, kind):
            present = [p for p in parts if p is not None]
            if total is None or not present:
                continue
            f = check_sum(rule, ctx, total, present, f"{t.number_label or ''}{t.title} {what}", label)
            if f:
                yield f


@rule(
    "T104",
    "basic_expenditure_sums",
    Category.TABLE_SUM,
    Severity.ERROR,
    "基本支出表合计不符",
    "一般公共预算财政拨款基本支出决算表：各经济分类类级（301、302、303…）= 所属款级之和；"
    "人员经费合计 = 301 + 303；公用经费合计 = 302 + 307 + 310 + 312 + 399 等。",
    "基本支出表的合计直接用于说明中的人员经费、公用经费和机关运行经费。",
    "301 工资福利支出 228.84，各款合计 238.86。",
)
def basic_expenditure_sums(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    t = doc.table(TableKind.GENERAL_BUDGET_BASIC)
    if t is None or t.is_empty:
        raise NotApplicable("未找到有数据的一般公共预算财政拨款基本支出决算表")
    classes = {r.code: r for r in t.rows if r.code and len(r.code) == 3}
    for code, row in classes.items():
        kids = [
            k
            for r in t.rows
            if r.code and len(r.code) >= 5 and r.code.startswith(code) and (k := fact(t, r, "金额"))
        ]
        if kids:
            f = check_sum(rule, ctx, fact(t, row, "金额"), kids, f"基本支出表“{code} {row.name}”", "所属各款")
            if f:
                yield f
    for label, group in (("人员经费合计", PERSONNEL_CLASSES), ("公用经费合计", PUBLIC_CLASSES)):
        total = next((r for r in t.rows if r.code is None and r.name == label), None)
        parts = [p for c in group if c in classes and (p := fact(t, classes[c], "金额"))]
        if total and parts:
            f = check_sum(rule, ctx, fact(t, total, "金额"), parts, f"基本支出表 {label}", "各类经济分类")
            if f:
                yield f


@rule(
    "T105",
    "three_public_sums",
    Category.TABLE_SUM,
    Severity.ERROR,
    "“三公”经费表合计不符",
    "“三公”经费支出决算表（逐栏）：合计 = 因公出国（境）费 + 公务用车购置及运行维护费 + 公务接待费；"
    "公务用车购置及运行维护费 = 购置费 + 运行维护费；公务接待费 = 国内接待费 + 国（境）外接待费。",
    "“三公”经费是公开的重点，合计错误会直接被公众发现。",
    "“三公”经费合计 20.89，因公出国 9.28 + 公务用车 10.52 + 公务接待 2.10 = 21.90。",
)
def three_public_sums(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    t = doc.table(TableKind.THREE_PUBLIC)
    if t is None or t.is_empty:
        raise NotApplicable("未找到有数据的“三公”经费支出决算表")
    for col in t.columns:
        for total_key, part_keys, label, optional in THREE_PUBLIC_IDENTITIES:
            total = group_fact(doc, TableKind.THREE_PUBLIC, total_key, col)
            parts = [p for k in part_keys if (p := group_fact(doc, TableKind.THREE_PUBLIC, k, col))]
            if total is None or len(parts) < len(part_keys) - optional:
                continue
            if all(p.cell.state != "number" for p in parts):
                continue  # sub-items not broken down in this column
            f = check_sum(rule, ctx, total, parts, f"“三公”经费表 {total.row.name}（{col}）", label)
            if f:
                yield f


@rule(
    "T106",
    "vehicle_count_sum",
    Category.TABLE_SUM,
    Severity.ERROR,
    "车辆数合计不符",
    "国有资产占用情况表：车辆数合计 = 各类用车之和。",
    "车辆数是“三公”经费和资产管理的重点关注项。",
    "车辆数合计 3，各类用车合计 4。",
)
def vehicle_count_sum(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    t = doc.table(TableKind.STATE_ASSETS)
    if t is None:
        raise NotApplicable("未找到国有资产占用情况表")
    total = group_fact(doc, TableKind.STATE_ASSETS, "vehicles_total", "决算数")
    parts = [p for k in VEHICLE_PARTS if (p := group_fact(doc, TableKind.STATE_ASSETS, k, "决算数"))]
    f = check_sum(rule, ctx, total, parts, "国有资产占用情况表 车辆数合计", "各类用车")
    if f:
        yield f


__all__ = ["total_row"]
