"""Defect kinds of disclosure completeness and tables against each other (issue 8, items 3 and 4).

Each :class:`~corpus.defects.DefectKind` changes the clean draft in one place (its injector's
docstring says where) and has a ``present`` re-check on the structured draft for
:func:`corpus.verify.violations`.

Omissions are injected by emptying or rewriting a slot (``admin_cost.reason``,
``perf.table.announce``), never by removing a slot: every slot of the clean draft stays addressable.
"""

from __future__ import annotations

from random import Random

from corpus.defects import DefectKind, DefectNotApplicable, Draft, PendingDefect, _take

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


# --------------------------------------------------------------------------- C008


def self_evaluation_table_missing(d: Draft, rng: Random) -> PendingDefect:
    """The paragraph announcing the 项目支出绩效自评表 (slot ``perf.table.announce``, “…项目支出绩效
    自评表如下：”) becomes “项目支出绩效自评表见附件。” (one short line, so no renderer wraps it) and the
    table is not printed; the 评价结论 paragraph after it stays."""
    _take(d, ["perf.table.announce"], rng)
    d.used.add("perf.total")
    d.set_slot("perf.table.announce", "项目支出绩效自评表见附件。")
    d.narrative.paras = [p for p in d.narrative.paras if p.kind != "score_table"]
    return PendingDefect("C008", "self_evaluation_table_missing",
                         "正文称项目支出绩效自评表见附件，文件中没有该表", "见附件")  # fmt: skip


def _score_table_gone(d: Draft) -> bool:
    return not any(p.kind == "score_table" for p in d.narrative.paras)


KINDS: list[DefectKind] = [
    DefectKind("change_reason_missing", "C006", change_reason_missing, _reason_gone),
    DefectKind("self_evaluation_table_missing", "C008", self_evaluation_table_missing, _score_table_gone),
]
