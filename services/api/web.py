"""The web page: server-rendered Chinese pages for auditors, served by the api itself (no CDN, no
Node build): sign in with a key (a session cookie), list and create batches, upload by drag and
drop, watch progress, read the batch overview, open a department's report with its findings
filterable and each piece of evidence shown as a crop of the original page, and download.

The pages read the same status store and storage as the JSON api, through the same checks
(``common.require_batch`` / ``require_doc``): a page shows nothing the caller's key could not fetch.
A little plain JavaScript (static/web/app.js) uploads, polls the live part of the batch page
(``/ui/batches/{id}/live``, an HTML fragment rendered by the same template) and filters findings;
every page is readable without it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from services.report.formats import FORMAT_ZH, ReportFormat
from services.report.html import TEMPLATE_DIR as REPORT_TEMPLATES
from services.report.html import evidence_location, format_confidence, split_coverage
from shared.messages import DocState
from shared.models import CATEGORY_ZH, SEVERITY_ZH, Category, DocumentReport, Finding, Severity
from shared.settings import get_settings
from shared.version import package_version

from .auth import SESSION_COOKIE, SESSION_TTL_SECONDS, Principal
from .common import Caller, require_batch, require_doc
from .deps import ANONYMOUS, get_keyring, get_status, get_storage

log = logging.getLogger("juesuan.web")

router = APIRouter(include_in_schema=False)

TEMPLATES = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static" / "web"
STATIC_PATH = "/static/web"
# the user guide: docs/ of the checkout, or /app/docs in the image (deploy/Dockerfile copies it)
GUIDE_PLACES = (Path(__file__).resolve().parents[2] / "docs" / "用户指南.md", Path("/app/docs/用户指南.md"))
SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.INFO)
BAD_KEY = "密钥无效：请核对管理员发放的访问密钥后重试。"
LOGIN_FAILURE_DELAY_SECONDS = 0.5  # slows guessing; the comparison itself is constant-time


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        # the report's own templates too: the finding card (_finding.html) is shared
        loader=ChoiceLoader([FileSystemLoader(str(TEMPLATES)), FileSystemLoader(str(REPORT_TEMPLATES))]),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        version=package_version(), SEVERITY_ZH=SEVERITY_ZH, CATEGORY_ZH=CATEGORY_ZH, pct=format_confidence
    )
    return env


def _page(request: Request, template: str, status_code: int = 200, **context: object) -> HTMLResponse:
    who = request.scope.get("state", {}).get("principal")
    label = who.label if isinstance(who, Principal) and who is not ANONYMOUS else None
    signed_in = get_keyring().enabled and label is not None
    html = (
        _env().get_template(f"web/{template}").render(signed_in=signed_in, who_label=label or "", **context)
    )
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


def _safe_next(target: str | None) -> str:
    """Only a path of this site: never another host ("//evil", "http://…") after signing in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _display_time(iso: str | None) -> str:
    if not iso:
        return "—"
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


# ---------------------------------------------------------------------------------- sign-in


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    if not get_keyring().enabled:  # an open api (local use): nothing to sign in to
        return RedirectResponse(_safe_next(next), status_code=303)
    return _page(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request, key: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/"
) -> Response:
    import asyncio

    ring = get_keyring()
    target = _safe_next(next)
    if not ring.enabled:
        return RedirectResponse(target, status_code=303)
    token = ring.session_token(key.strip()) if key.strip() else None
    if token is None:
        log.info("event=login_failed")
        await asyncio.sleep(LOGIN_FAILURE_DELAY_SECONDS)
        return _page(request, "login.html", status_code=401, next=target, error=BAD_KEY)
    log.info("event=login tenant=%s", ring.session_principal(token).label)  # type: ignore[union-attr]
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_TTL_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# ---------------------------------------------------------------------------------- batches


@dataclass
class BatchRow:
    batch_id: str
    name: str | None
    created_at_display: str
    total: int
    finished: int

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.finished >= self.total


@router.get("/", response_class=HTMLResponse)
def batches_page(request: Request, who: Caller) -> Response:
    st = get_status()
    rows = []
    for b in st.list_batches(None if who.admin else who.tenant, limit=200):
        info = st.batch_info(b)
        total, finished = st.progress(b)
        rows.append(
            BatchRow(b, info.get("name") or None, _display_time(info.get("created_at")), total, finished)
        )
    return _page(request, "batches.html", batches=rows)


@router.post("/ui/batches")
def create_batch_from_page(who: Caller, name: Annotated[str, Form(max_length=200)] = "") -> Response:
    from .routes.batches import new_batch

    created = new_batch(who, name.strip() or None)
    return RedirectResponse(f"/ui/batches/{created.batch_id}", status_code=303)


@dataclass
class DocRow:
    """One document of a batch as the page shows it."""

    doc_id: str
    filename: str
    department: str | None
    year: int | None
    state: str  # done / failed / duplicate / running / queued
    activity: str  # Chinese
    error: str | None
    counts: dict[str, int]
    categories: dict[str, int]
    duplicate_of: str | None = None
    duplicate_name: str | None = None

    @property
    def badge(self) -> str:
        return self.state if self.state in ("done", "failed", "duplicate", "queued") else "running"


@dataclass
class BatchView:
    batch_id: str
    name: str | None
    created_at_display: str
    rows: list[DocRow]
    categories: list[Category] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.rows)

    def count(self, state: str) -> int:
        return sum(1 for r in self.rows if r.state == state)

    @property
    def finished(self) -> int:
        return sum(1 for r in self.rows if r.state in ("done", "failed", "duplicate"))

    @property
    def complete(self) -> bool:
        return bool(self.rows) and self.finished == self.total

    @property
    def percent(self) -> int:
        return round(100 * self.finished / self.total) if self.rows else 0

    @property
    def done_rows(self) -> list[DocRow]:
        return [r for r in self.rows if r.state == "done"]

    @property
    def matrix_rows(self) -> list[DocRow]:
        """The overview's departments, those with the most errors (then warnings) first: the
        order an auditor opens them in."""
        return sorted(
            self.done_rows,
            key=lambda r: (-r.counts.get("error", 0), -r.counts.get("warning", 0), r.department or ""),
        )

    def severity_total(self, severity: str) -> int:
        return sum(r.counts.get(severity, 0) for r in self.done_rows)

    def category_total(self, category: str) -> int:
        return sum(r.categories.get(category, 0) for r in self.done_rows)


def batch_view(batch_id: str) -> BatchView:
    """The batch as the page shows it, from the status store alone (cheap enough to poll)."""
    from .routes.documents import doc_status

    st = get_status()
    info = st.batch_info(batch_id)
    raw = st.get_docs(batch_id)
    names = {str(d["doc_id"]): str(d.get("filename", "")) for d in raw}
    rows: list[DocRow] = []
    for d in raw:
        s = doc_status(batch_id, d)
        state = s.state
        if s.duplicate_of:
            state = "duplicate"
        elif state not in (DocState.DONE.value, DocState.FAILED.value, DocState.QUEUED.value):
            state = "running"
        categories = d.get("categories")
        rows.append(
            DocRow(
                doc_id=s.doc_id,
                filename=s.filename,
                department=s.department,
                year=s.year,
                state=state,
                activity="重复" if s.duplicate_of else s.activity,
                error=s.error,
                counts=dict(s.findings),
                categories=dict(categories) if isinstance(categories, dict) else {},
                duplicate_of=s.duplicate_of,
                duplicate_name=names.get(s.duplicate_of or ""),
            )
        )
    rows.sort(key=lambda r: (r.state == "duplicate", r.department or "\uffff", r.filename))
    used = {c for r in rows for c in r.categories}
    return BatchView(
        batch_id=batch_id,
        name=info.get("name") or None,
        created_at_display=_display_time(info.get("created_at")),
        rows=rows,
        categories=[c for c in Category if c.value in used],
    )


def _limits() -> dict[str, int]:
    s = get_settings()
    return {
        "max_files": s.max_files_per_request,
        "max_bytes": s.max_request_bytes,
        "max_file": s.max_file_bytes,
    }


@router.get("/ui/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(request: Request, batch_id: str, who: Caller) -> Response:
    require_batch(batch_id, who)
    return _page(request, "batch.html", batch=batch_view(batch_id), limits=_limits())


@router.get("/ui/batches/{batch_id}/live", response_class=HTMLResponse)
def batch_live(request: Request, batch_id: str, who: Caller) -> Response:
    """The part of the batch page that changes: progress, documents, overview, downloads."""
    require_batch(batch_id, who)
    return _page(request, "_batch_live.html", batch=batch_view(batch_id))


# ---------------------------------------------------------------------------------- a report


@dataclass
class FindingView:
    index: int
    finding: Finding
    category_label: str
    crops: list[str | None]  # per evidence: the URL of its page crop, where it has one
    visible: bool = True

    @property
    def search_text(self) -> str:
        f = self.finding
        return f"{f.code} {f.title} {f.message}".lower()


@dataclass
class DownloadLink:
    label: str
    href: str | None
    reason: str | None = None


def _downloads(batch_id: str, doc_id: str, d: dict[str, object]) -> list[DownloadLink]:
    raw_keys, raw_unavailable = d.get("report_keys"), d.get("report_unavailable")
    keys: dict[str, object] = raw_keys if isinstance(raw_keys, dict) else {}
    unavailable: dict[str, object] = raw_unavailable if isinstance(raw_unavailable, dict) else {}
    base = f"/batches/{batch_id}/documents/{doc_id}"
    out = []
    for fmt in (
        ReportFormat.XLSX,
        ReportFormat.PDF,
        ReportFormat.ANNOTATED,
        ReportFormat.CSV,
        ReportFormat.HTML,
        ReportFormat.JSON,
    ):
        href = f"{base}/annotated.pdf" if fmt == ReportFormat.ANNOTATED else f"{base}/report.{fmt.value}"
        if fmt.value in keys:
            out.append(DownloadLink(FORMAT_ZH[fmt], href))
        else:
            reason = unavailable.get(fmt.value)
            out.append(DownloadLink(FORMAT_ZH[fmt], None, str(reason) if reason else "尚未生成"))
    return out


def _selected(values: list[str] | None, allowed: set[str]) -> set[str]:
    chosen = {v for v in (values or []) if v in allowed}
    return chosen or set(allowed)


@router.get("/ui/batches/{batch_id}/documents/{doc_id}", response_class=HTMLResponse)
def report_page(
    request: Request,
    batch_id: str,
    doc_id: str,
    who: Caller,
    severity: Annotated[list[str] | None, Query()] = None,
    category: Annotated[list[str] | None, Query()] = None,
    q: str = "",
) -> Response:
    """A department's report. ``severity``/``category``/``q`` filter on the server too, so a
    filtered view is a link that can be shared (the script filters in place without reloading)."""
    d = require_doc(batch_id, doc_id, who)
    keys = d.get("report_keys")
    if not isinstance(keys, dict) or "json" not in keys:
        raise HTTPException(409, f"报告尚未生成：当前状态为 {d.get('state')}，请稍后再试。")
    report = DocumentReport.model_validate_json(get_storage().get_bytes(str(keys["json"])))
    meta = report.document
    labels = {int(k): v for k, v in meta.page_labels.items()}
    croppable = meta.kind == "pdf"
    with_line = meta.kind not in ("pdf", "docx", "xlsx")
    base = f"/batches/{batch_id}/documents/{doc_id}/findings"
    findings = []
    for i, f in enumerate(report.findings):
        crops = [
            f"{base}/{i}/evidence/{j}.png" if croppable and e.prov.bbox and e.prov.page else None
            for j, e in enumerate(f.evidence)
        ]
        findings.append(FindingView(i, f, CATEGORY_ZH.get(f.category, f.category.value), crops))
    # as the HTML report orders them: errors first, then by category; ``index`` stays the
    # finding's place in the report (the crop URLs use it)
    rank = {c: n for n, c in enumerate(Category)}
    findings.sort(key=lambda v: (SEVERITIES.index(v.finding.severity), rank[v.finding.category], v.index))
    cat_present = [c for c in Category if any(f.category == c for f in report.findings)]
    chosen_sev = _selected(severity, {s.value for s in SEVERITIES})
    chosen_cat = _selected(category, {c.value for c in cat_present})
    needle = q.strip().lower()
    for v in findings:
        v.visible = (
            v.finding.severity.value in chosen_sev
            and v.finding.category.value in chosen_cat
            and needle in v.search_text
        )
    ran, not_run = split_coverage(report.coverage)
    codes_with_findings = {f.code for f in report.findings}
    return _page(
        request,
        "report.html",
        batch_id=batch_id,
        batch_name=get_status().batch_info(batch_id).get("name") or None,
        doc_id=doc_id,
        report=report,
        meta=meta,
        findings=findings,
        counts=report.counts(),
        severities=SEVERITIES,
        categories=cat_present,
        chosen_severities=chosen_sev,
        chosen_categories=chosen_cat,
        q=q.strip(),
        ran=ran,
        not_run=not_run,
        codes_with_findings=codes_with_findings,
        downloads=_downloads(batch_id, doc_id, d),
        location=lambda ev: evidence_location(ev, labels, with_line=with_line),
    )


# ---------------------------------------------------------------------------------- guide


@lru_cache(maxsize=1)
def _guide_html() -> str:
    from markdown_it import MarkdownIt

    for place in GUIDE_PLACES:
        if place.is_file():
            text = place.read_text(encoding="utf-8")
            break
    else:
        return "<p>用户指南文件缺失（docs/用户指南.md）：请联系管理员。</p>"
    return MarkdownIt("commonmark", {"html": False}).enable("table").render(text)


@router.get("/guide", response_class=HTMLResponse)
def guide_page(request: Request) -> Response:
    return _page(request, "guide.html", guide=_guide_html())
