"""Runs the catalogue over a ParsedDocument and assembles the DocumentReport with coverage."""

from __future__ import annotations

import logging

from shared.models import (
    Category,
    DocumentMeta,
    DocumentReport,
    Finding,
    ParsedDocument,
    RuleCoverage,
    RuleStatus,
)

from .catalogue import CheckContext, NotApplicable, all_rules
from .findings import SUSPECT_UNKNOWN

log = logging.getLogger(__name__)

# Findings that set two figures against each other: when a rule cannot tell which is wrong, the
# finding says so rather than leaving the reader to guess that it could.
TWO_SIDED = {
    Category.TABLE_SUM,
    Category.CROSS_TABLE,
    Category.NARRATIVE_TABLE,
    Category.NARRATIVE_ARITHMETIC,
    Category.PERFORMANCE,
}


def validate_document(doc: ParsedDocument) -> DocumentReport:
    findings: list[Finding] = []
    coverage: list[RuleCoverage] = []
    for rule in all_rules():
        ctx = CheckContext()
        try:
            found = list(rule.check(rule, doc, ctx))
        except NotApplicable as exc:
            coverage.append(
                RuleCoverage(code=rule.code, title=rule.title, status=RuleStatus.NOT_RUN, reason=str(exc))
            )
            continue
        except Exception:  # a rule's bug costs that rule, never the document's report
            log.exception("rule failed rule=%s doc=%s", rule.code, doc.source_name)
            coverage.append(
                RuleCoverage(
                    code=rule.code,
                    title=rule.title,
                    status=RuleStatus.FAILED,
                    reason="规则执行出错（已记录日志），本项未检查，请人工复核",
                )
            )
            continue
        for f in found:
            if f.suspect is None and f.category in TWO_SIDED:
                f.suspect = SUSPECT_UNKNOWN
        findings.extend(found)
        status = RuleStatus.RAN
        reason = None
        if ctx.checks == 0 and ctx.skipped:
            status, reason = RuleStatus.NOT_RUN, "；".join(dict.fromkeys(ctx.skipped))[:300]
        elif ctx.skipped:  # some comparisons drew no conclusion (inputs too unsure): say which
            reason = ("部分未作结论：" + "；".join(dict.fromkeys(ctx.skipped)))[:300]
        coverage.append(
            RuleCoverage(
                code=rule.code,
                title=rule.title,
                status=status,
                checks=ctx.checks,
                skipped=len(ctx.skipped),
                reason=reason,
            )
        )
    meta = DocumentMeta(
        source_name=doc.source_name,
        sha256=doc.sha256,
        kind=doc.kind.value,
        department=doc.department,
        year=doc.year,
        unit=doc.unit,
        tables_found=[t.number_label or t.title for t in doc.tables],
        claims_found=len(doc.claims),
        page_count=doc.page_count,
        page_labels=doc.page_labels,
    )
    order = {"error": 0, "warning": 1, "info": 2}
    findings.sort(
        key=lambda f: (
            order[f.severity.value],
            f.code,
            f.evidence[0].line if f.evidence and f.evidence[0].line else 0,
        )
    )
    log.info("validated doc=%s findings=%d", doc.source_name, len(findings))
    return DocumentReport(document=meta, findings=findings, coverage=coverage, parse_notes=doc.parse_notes)
