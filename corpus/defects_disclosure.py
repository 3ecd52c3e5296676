"""Defect kinds of disclosure completeness and tables against each other (issue 8, items 3 and 4).

Each :class:`~corpus.defects.DefectKind` changes the clean draft in one place (its injector's
docstring says where) and has a ``present`` re-check on the structured draft for
:func:`corpus.verify.violations`.

Omissions are injected by emptying a slot (``admin_cost.reason``), never by removing one: every
slot of the clean draft stays addressable. (A missing 自评表 cannot be injected this way: the Excel
writer prints the score sheet whatever the narrative says.)
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


KINDS: list[DefectKind] = [
    DefectKind("change_reason_missing", "C006", change_reason_missing, _reason_gone),
]
