"""Defect kinds of disclosure completeness and tables against each other (issue 8, items 3 and 4).

Each :class:`~corpus.defects.DefectKind` changes the clean draft in one place (its injector's
docstring says where) and has a ``present`` re-check on the structured draft for
:func:`corpus.verify.violations`.

Omissions empty a slot (``admin_cost.reason``), take pieces out of a paragraph, or take a whole
paragraph out (the 自评表, a 类 of the 财政拨款 section); every writer prints only what the draft holds.
"""

from __future__ import annotations

import re
from random import Random

from corpus.defects import DefectKind, DefectNotApplicable, Draft, PendingDefect, _take
from corpus.prose import Para, T


def _para_with(d: Draft, slot: str) -> Para:
    return next(p for p in d.narrative.paras if any(pc.slot == slot for pc in p.pieces))


# --------------------------------------------------------------------------- C005


def reception_counts_missing(d: Draft, rng: Random) -> PendingDefect:
    """The 公务接待 sentence of the “三公” section loses its counts: “。全年国内公务接待N批，累计接待M人次，
    其中外事接待0批，累计接待0人次。” becomes “。” while 公务接待费 is not zero."""
    if d.accounts.three_public.reception.actual <= 0:
        raise DefectNotApplicable("no 公务接待费")
    _take(d, ["3p.reception.batches"], rng)
    d.used.add("3p.reception.people")
    para = _para_with(d, "3p.reception.batches")
    i = next(k for k, pc in enumerate(para.pieces) if pc.slot == "3p.reception.batches")
    para.pieces[i - 1 : i + 4] = [T("。")]
    amount = d.set_slot("3p.reception.actual", d.narrative.slot("3p.reception.actual").text).text
    return PendingDefect("C005", "reception_counts_missing",
                         f"公务接待费决算数{amount}万元，说明未写接待批次和人次", amount)  # fmt: skip


def _reception_counts_gone(d: Draft) -> bool:
    slots = d.narrative.slots()
    return d.accounts.three_public.reception.actual > 0 and "3p.reception.batches" not in slots


# --------------------------------------------------------------------------- C006


def change_reason_missing(d: Draft, rng: Random) -> PendingDefect:
    """The 机关运行经费 sentence keeps its “比上年增加/减少X万元，增长/下降P%” and loses its
    “，主要原因：…” (slot ``admin_cost.reason`` emptied); the next paragraph is the 政府采购 heading,
    so no later sentence gives the reason."""
    slots = d.narrative.slots()
    if "admin_cost.dir" not in slots or not slots["admin_cost.reason"].text:
        raise DefectNotApplicable("机关运行经费 unchanged")
    _take(d, ["admin_cost.reason"], rng)
    d.set_slot("admin_cost.reason", "")
    word = slots["admin_cost.dir"].text
    change = d.set_slot("admin_cost.change", slots["admin_cost.change"].text).text  # printed as is
    return PendingDefect("C006", "change_reason_missing",
                         f"机关运行经费较上年{word}{change}万元，未说明原因", change)  # fmt: skip


def _reason_gone(d: Draft) -> bool:
    slots = d.narrative.slots()
    return "admin_cost.dir" in slots and not slots["admin_cost.reason"].text


# --------------------------------------------------------------------------- C007


def assets_vehicles_missing(d: Draft, rng: Random) -> PendingDefect:
    """The 国有资产占用 paragraph loses its vehicle counts: “截至…本部门共有车辆N辆（台），其中：…。”
    becomes “截至…本部门资产管理规范，账实相符。” (the equipment counts stay)."""
    _take(d, ["assets.vehicles"], rng)
    para = _para_with(d, "assets.vehicles")
    i = next(k for k, pc in enumerate(para.pieces) if pc.slot == "assets.vehicles")
    end = next(k for k in range(i, len(para.pieces)) if para.pieces[k].text.endswith("。"))
    head = para.pieces[i - 1].text.replace("本部门共有车辆", "本部门资产管理规范，账实相符。")
    para.pieces[i - 1 : end + 1] = [T(head)]
    # a one-character hint: the renderers wrap prose between any two characters
    return PendingDefect("C007", "assets_vehicles_missing", "国有资产占用情况说明未写车辆数", "账")


def _vehicles_gone(d: Draft) -> bool:
    return "assets.vehicles" not in d.narrative.slots()


# --------------------------------------------------------------------------- C008


def self_evaluation_table_missing(d: Draft, rng: Random) -> PendingDefect:
    """The 项目支出绩效自评表 (the score-table block after “…项目支出绩效自评表如下：”) is left out
    of the document; the sentence announcing it and the 评价结论 stay."""
    _take(d, ["perf.table"], rng)
    d.narrative.paras = [p for p in d.narrative.paras if p.kind != "score_table"]
    return PendingDefect("C008", "self_evaluation_table_missing",
                         "说明称“项目支出绩效自评表如下”，文件中没有自评表", "自评表如下")  # fmt: skip


def _score_table_gone(d: Draft) -> bool:
    announced = any("自评表如下" in p.text for p in d.narrative.paras)
    return announced and not any(p.kind == "score_table" for p in d.narrative.paras)


# --------------------------------------------------------------------------- N320


def _category_paras(d: Draft) -> list[Para]:
    return [
        p for p in d.narrative.paras if p.kind == "body" and p.pieces and p.pieces[0].text.endswith("（类）")
    ]


def fiscal_category_omitted(d: Draft, rng: Random) -> PendingDefect:
    """The last “（N）XX支出（类）年初预算数…” paragraph of 三、财政拨款支出决算情况说明 is left
    out, although the 类 has an amount in 一般公共预算财政拨款支出决算表, and so are that 类's items
    of the item list after it (“N、XX支出（类）…（项）支出决算为…”, the list's last ones: it runs in
    code order), which would name the 类 too. (The section's total then exceeds the 类 it lists by
    that amount: the sum is a necessary second inconsistency.)"""
    paras = _category_paras(d)
    if len(paras) < 2:
        raise DefectNotApplicable("one 类 only")
    _take(d, ["fiscal.categories"], rng)
    gone = paras[-1]
    cat = next(pc.slot.split(".")[1] for pc in gone.pieces if pc.slot and pc.slot.startswith("fiscal."))
    items = f"items.{cat}"
    d.narrative.paras[:] = [
        p
        for p in d.narrative.paras
        if p is not gone and not any(pc.slot and pc.slot.startswith(items) for pc in p.pieces)
    ]
    name = gone.pieces[0].text.split("）", 1)[1].removesuffix("（类）")
    total = d.set_slot("fiscal.total.actual", d.narrative.slot("fiscal.total.actual").text).text
    return PendingDefect("N320", "fiscal_category_omitted",
                         f"一般公共预算财政拨款支出决算表中{name}有金额，财政拨款支出说明未列该类",
                         f"{total}万元")  # fmt: skip


def _category_omitted(d: Draft) -> bool:
    # counted, not named: S701 renames a 类 in its paragraph
    a = d.accounts
    spent = [c for c in a.categories(fiscal_only=True) if a.sum_prefix(c, True) > 0]
    return len(_category_paras(d)) < len(spent)


# --------------------------------------------------------------------------- C008 (an attachment by title)

_ATTACHMENT_TITLE = "绩效评价报告"


def attachment_by_title_missing(d: Draft, rng: Random) -> PendingDefect:
    """A paragraph is added after the 项目绩效评价结论: “具体详见：附件2：<部门><年>年度“<项目>”项目
    《绩效评价报告》。”; the document has no attachment of that title (no line but this one holds
    “绩效评价报告”)."""
    _take(d, ["perf.attachment"], rng)
    pf, a = d.performance, d.accounts
    at = next(i for i, p in enumerate(d.narrative.paras) if any(pc.slot == "perf.grade" for pc in p.pieces))
    text = f"具体详见：附件2：{a.dept.name}{a.year}年度“{pf.project}”项目《{_ATTACHMENT_TITLE}》。"
    d.narrative.paras.insert(at + 1, Para("body", [T(text)]))
    return PendingDefect("C008", "attachment_by_title_missing",
                         f"正文称“详见附件2《{_ATTACHMENT_TITLE}》”，文件中没有该附件", "具体详见：附件2：")  # fmt: skip


def _attachment_absent(d: Draft) -> bool:
    texts = [p.text for p in d.narrative.paras]
    refs = [i for i, t in enumerate(texts) if re.search(r"详见[:：]?附件\d?[：:]", t)]
    for i in refs:
        title = re.search(r"《([^》]+)》", texts[i])
        if title and not any(title.group(1) in t for j, t in enumerate(texts) if j != i):
            return True
    return False


# --------------------------------------------------------------------------- C001 (text: the tables' part left out)


def tables_part_missing(d: Draft, rng: Random) -> PendingDefect:
    """The “第二部分 …部门决算表” heading and every table are left out (the parts go 第一部分 →
    第三部分), and a paragraph “国有资产占用情况详见公开NN表《国有资产占用情况表》。” (NN the number
    of the 国有资产占用情况表) is added after the 国有资产占用 paragraph. The Word style prints no
    tables anyway: there only the sentence is new."""
    _take(d, ["tables.part"], rng)
    paras = d.narrative.paras
    paras[:] = [
        p for p in paras if p.kind != "tables" and not (p.kind == "h1" and p.text.startswith("第二部分"))
    ]
    head = next(i for i, p in enumerate(paras) if p.kind == "h2" and p.text.endswith("国有资产占用情况说明"))
    number = d.table("t10").number
    paras.insert(
        head + 2, Para("body", [T(f"国有资产占用情况详见公开{number:02d}表《国有资产占用情况表》。")])
    )
    return PendingDefect("C001", "tables_part_missing",
                         f"文件没有第二部分（决算表），正文称“详见公开{number:02d}表”", f"详见公开{number:02d}表")  # fmt: skip


def _tables_part_gone(d: Draft) -> bool:
    paras = d.narrative.paras
    cited = any(re.search(r"公开\d{1,2}表", p.text) for p in paras if p.kind == "body")
    return cited and not any(p.kind == "tables" for p in paras)


KINDS: list[DefectKind] = [
    DefectKind("reception_counts_missing", "C005", reception_counts_missing, _reception_counts_gone),
    DefectKind("change_reason_missing", "C006", change_reason_missing, _reason_gone),
    DefectKind("assets_vehicles_missing", "C007", assets_vehicles_missing, _vehicles_gone),
    DefectKind("self_evaluation_table_missing", "C008", self_evaluation_table_missing, _score_table_gone),
    DefectKind(
        "fiscal_category_omitted", "N320", fiscal_category_omitted, _category_omitted, needs_tables=True
    ),
    DefectKind("attachment_by_title_missing", "C008", attachment_by_title_missing, _attachment_absent),
    DefectKind("tables_part_missing", "C001", tables_part_missing, _tables_part_gone),
]
