"""Building findings with evidence, and the severity and confidence policy in one place.

Severity (a rule's default, and what a check passes as ``severity=``):
- ERROR: a contradiction the document itself proves (two of its own figures cannot both hold);
- WARNING: a likely defect that needs a reader's judgement (wording against the tables, a missing
  reason, a list that disagrees with a table);
- INFO: form (duplicated characters or punctuation, unbalanced brackets, a missing %).
``suspect`` says which side is likely wrong when the document shows it (a narrative figure against
two tables that agree), or that it cannot tell (``SUSPECT_UNKNOWN``).

Confidence:
- every input value read with full confidence → the rule's severity;
- any repaired / ambiguous value (confidence < 1) → one severity lower, and the finding says so;
- a value too unsure to conclude anything (confidence < 0.6) → no finding; coverage says why."""

from __future__ import annotations

from decimal import Decimal

from shared.models import Cell, Claim, Evidence, Finding, Row, Severity, Table

from .catalogue import CheckContext, Rule

UNSURE = 0.6
SUSPECT_UNKNOWN = "无法判断哪一处有误，请对照原始账表核实"
_LOWER = {Severity.ERROR: Severity.WARNING, Severity.WARNING: Severity.INFO, Severity.INFO: Severity.INFO}


def cell_evidence(table: Table, row: Row, column: str) -> Evidence:
    cell = row.cells.get(column)
    label = f"{row.code} {row.name}" if row.code else row.name
    raw = (
        cell.raw
        if cell and cell.raw
        else ("（空）" if not cell or cell.state == "empty" else cell.text or "")
    )
    return Evidence(
        quote=f"{label}：{raw}",
        prov=cell.prov if cell and cell.prov.page else row.prov,
        table=table.number_label + " " + _short_title(table) if table.number_label else _short_title(table),
        row=label,
        column=column,
    )


def _short_title(table: Table) -> str:
    from shared.knowledge.tables import TABLE_TITLES

    return TABLE_TITLES[table.kind]


def claim_evidence(claim: Claim) -> Evidence:
    return Evidence(quote=claim.source.quote, prov=claim.source.prov)


def confidence_of(*items: Cell | Claim | None) -> float:
    conf = 1.0
    for it in items:
        if isinstance(it, Cell):
            conf = min(conf, it.confidence)
    return conf


def make_finding(
    rule: Rule,
    ctx: CheckContext,
    message: str,
    evidence: list[Evidence],
    stated: list[str],
    expected: str | None,
    derivation: str,
    confidence: float = 1.0,
    severity: Severity | None = None,
    note: str | None = None,
    suspect: str | None = None,
) -> Finding | None:
    """A finding, or None (recorded as skipped) when its inputs are too unsure."""
    if confidence < UNSURE:
        ctx.skip(f"读数置信度低（{confidence:.1f}），未作结论")
        return None
    sev = severity or rule.severity
    downgraded = False
    if confidence < 1.0:
        sev, downgraded = _LOWER[sev], True
        extra = f"依据的读数经OCR修复或栏目归属不确定（置信度{confidence:.2f}），请对照原件复核。"
        note = f"{note} {extra}" if note else extra
    return Finding(
        code=rule.code,
        category=rule.category,
        severity=sev,
        title=rule.title,
        message=message,
        evidence=evidence,
        stated=stated,
        expected=expected,
        derivation=derivation,
        confidence=confidence,
        downgraded=downgraded,
        note=note,
        suspect=suspect,
    )


def collect(*findings: Finding | None) -> list[Finding]:
    return [f for f in findings if f is not None]


def dec_places(value: Decimal) -> int:
    exp = value.as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0
