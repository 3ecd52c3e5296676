"""Batch summary: departments × finding categories, totals, the documents that failed, and the
copies of documents already in the batch (``duplicate_of``: recorded, not checked, not failed)."""

from __future__ import annotations

import html
from collections import Counter

from pydantic import BaseModel, Field

from shared.messages import TERMINAL, DocOutcome, DocState
from shared.models import CATEGORY_ZH, Category, DocumentMeta, DocumentReport
from shared.storage import Storage

MISSING_REPORT = "报告缺失：该文件的报告未能读取。"


class SummaryRow(BaseModel):
    doc_id: str
    filename: str
    department: str | None = None
    year: int | None = None
    state: str
    error: str | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    categories: dict[str, int] = Field(default_factory=dict)
    duplicate_of: str | None = None  # doc id of the first copy in the batch


class BatchSummary(BaseModel):
    batch_id: str
    documents: int
    done: int
    failed: int  # failed documents, not counting duplicates
    duplicates: int = 0  # copies of a document already in the batch (not checked)
    complete: bool
    totals_by_severity: dict[str, int]
    totals_by_category: dict[str, int]
    rows: list[SummaryRow]


def build_summary(batch_id: str, outcomes: list[DocOutcome]) -> BatchSummary:
    sev: Counter[str] = Counter()
    cat: Counter[str] = Counter()
    rows = []
    for o in sorted(outcomes, key=lambda o: (o.department or "", o.filename)):
        sev.update(o.counts)
        cat.update(o.categories)
        rows.append(
            SummaryRow(
                doc_id=o.doc_id,
                filename=o.filename,
                department=o.department,
                year=o.year,
                state=o.state.value,
                error=o.error,
                counts=o.counts,
                categories=o.categories,
                duplicate_of=o.duplicate_of,
            )
        )
    terminal = [o for o in outcomes if o.state in (DocState.DONE, DocState.FAILED)]
    duplicates = sum(1 for o in terminal if o.duplicate_of)
    done = sum(1 for o in terminal if o.state == DocState.DONE and not o.duplicate_of)
    failed = sum(1 for o in terminal if o.state == DocState.FAILED and not o.duplicate_of)
    return BatchSummary(
        batch_id=batch_id,
        documents=len(outcomes),
        done=done,
        failed=failed,
        duplicates=duplicates,
        complete=bool(outcomes) and len(terminal) == len(outcomes),
        totals_by_severity=dict(sev),
        totals_by_category=dict(cat),
        rows=rows,
    )


def document_reports(storage: Storage, outcomes: list[DocOutcome]) -> list[DocumentReport]:
    """Every finished document's stored report (its JSON), in the order given; a document
    without one (refused at upload, or its report lost) as an error-only report."""
    out = []
    for o in outcomes:
        key = o.report_keys.get("json")
        report = None
        if key and o.state in TERMINAL:
            try:
                report = storage.get_model(key, DocumentReport)
            except KeyError:
                report = None
        if report is None:
            meta = DocumentMeta(source_name=o.filename, sha256=o.sha256)
            report = DocumentReport(document=meta, error=o.error or MISSING_REPORT)
        out.append(report)
    return out


def render_summary_html(s: BatchSummary) -> str:
    e = html.escape
    cats = [c for c in Category]
    head = "".join(f"<th>{e(CATEGORY_ZH[c])}</th>" for c in cats)
    body = []
    for r in s.rows:
        if r.duplicate_of:
            body.append(
                f"<tr class=duplicate><td>{e(r.department or '—')}</td><td>{e(r.filename)}</td>"
                f"<td colspan={len(cats) + 3}>{e(r.error or '重复文件，未重复检查。')}</td></tr>"
            )
            continue
        if r.state == DocState.FAILED.value:
            body.append(
                f"<tr class=failed><td>{e(r.department or '—')}</td><td>{e(r.filename)}</td>"
                f"<td colspan={len(cats) + 3}>处理失败：{e(r.error or '')}</td></tr>"
            )
            continue
        cells = "".join(f"<td>{r.categories.get(c.value, 0) or ''}</td>" for c in cats)
        body.append(
            f"<tr><td>{e(r.department or '—')}</td><td><a href='documents/{e(r.doc_id)}/report.html'>{e(r.filename)}</a></td>"
            f"{cells}<td>{r.counts.get('error', 0)}</td><td>{r.counts.get('warning', 0)}</td><td>{r.counts.get('info', 0)}</td></tr>"
        )
    totals = "".join(f"<td>{s.totals_by_category.get(c.value, 0)}</td>" for c in cats)
    state = "已全部完成" if s.complete else "处理中"
    dup = f"，重复 {s.duplicates}" if s.duplicates else ""
    return f"""<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>批次汇总 {e(s.batch_id)}</title>
<style>body{{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:center}}td:nth-child(2),td:first-child{{text-align:left}}
tr.failed td{{background:#fff0f0}}tr.duplicate td{{background:#f4f4f4;color:#555}}</style>
<h1>批次汇总</h1><p>批次 {e(s.batch_id)}：共 {s.documents} 个文件，完成 {s.done}，失败 {s.failed}{dup}（{state}）。
发现问题：错误 {s.totals_by_severity.get("error", 0)} 条，警告 {s.totals_by_severity.get("warning", 0)} 条，提示 {s.totals_by_severity.get("info", 0)} 条。</p>
<table><tr><th>部门</th><th>文件</th>{head}<th>错误</th><th>警告</th><th>提示</th></tr>
{"".join(body)}
<tr><th colspan=2>合计</th>{totals}<th>{s.totals_by_severity.get("error", 0)}</th><th>{s.totals_by_severity.get("warning", 0)}</th><th>{s.totals_by_severity.get("info", 0)}</th></tr></table>
</html>"""
