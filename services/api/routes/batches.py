"""Batches: create, list, status, recover, and the batch summary."""

from __future__ import annotations

import logging
import tempfile
import zipfile
from collections.abc import Iterator
from typing import IO, Annotated, Literal

from fastapi import APIRouter, Body, HTTPException, Query
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from services.report.formats import MEDIA_TYPE, ReportFormat
from services.report.summary import BatchSummary, build_summary, document_reports, render_summary_html
from shared.keys import batch_manifest_key, new_batch_id, summary_key
from shared.messages import TERMINAL, BatchManifest, DocOutcome, DocState
from shared.settings import get_settings
from shared.status import now_iso

from ..auth import Principal
from ..common import SECURED, Caller, ErrorBody, binary_response, errors, require_batch
from ..deps import get_keyring, get_status, get_storage
from ..dispatch import restart
from ..downloads import LABEL, clean_stem, content_disposition, document_stem
from ..schemas import BatchCreate, BatchCreated, BatchListItem, BatchStatus, Restarted
from .documents import doc_status

log = logging.getLogger("juesuan.api")

router = APIRouter(tags=["批次"], dependencies=SECURED)


@router.post(
    "/batches",
    response_model=BatchCreated,
    status_code=201,
    summary="新建批次",
    responses=errors(401, 422, 503),
)
def create_batch(who: Caller, body: Annotated[BatchCreate | None, Body()] = None) -> BatchCreated:
    """A new batch, owned by the caller's tenant (the admin's batches belong to "admin")."""
    return new_batch(who, body.name if body else None)


def new_batch(who: Principal, name: str | None) -> BatchCreated:
    """Create a batch for ``who`` (also used by the web page)."""
    manifest = BatchManifest(
        batch_id=new_batch_id(), created_at=now_iso(), name=name, tenant=who.tenant or "admin"
    )
    get_storage().put_json(batch_manifest_key(manifest.batch_id), manifest)
    get_status().create_batch(manifest)
    log.info("event=batch_created batch=%s tenant=%s", manifest.batch_id, manifest.tenant)
    return BatchCreated(batch_id=manifest.batch_id, created_at=manifest.created_at)


@router.get("/batches", response_model=list[BatchListItem], summary="批次列表", responses=errors(401, 422))
def list_batches(
    who: Caller, limit: Annotated[int, Query(ge=1, le=500)] = 100, offset: Annotated[int, Query(ge=0)] = 0
) -> list[BatchListItem]:
    """The caller's batches, newest first (the admin sees every tenant's)."""
    st = get_status()
    out = []
    for b in st.list_batches(None if who.admin else who.tenant, limit=limit, offset=offset):
        info = st.batch_info(b)
        total, finished = st.progress(b)
        out.append(
            BatchListItem(
                batch_id=b,
                name=info.get("name") or None,
                created_at=info.get("created_at"),
                tenant=info.get("tenant"),
                total=total,
                finished=finished,
                complete=total > 0 and finished >= total,
            )
        )
    return out


@router.get(
    "/batches/{batch_id}",
    response_model=BatchStatus,
    summary="批次进度",
    responses=errors(401, 404, 503),
)
def batch_status(batch_id: str, who: Caller) -> BatchStatus:
    """Every document's state, counts by state, and signed links to the reports and the summary."""
    rebuilt = require_batch(batch_id, who)
    st = get_status()
    info = st.batch_info(batch_id)
    docs = [doc_status(batch_id, d) for d in st.get_docs(batch_id)]
    terminal = {s.value for s in TERMINAL}
    counts = {**{s.value: 0 for s in DocState}, "duplicate": 0}
    waiting: dict[str, int] = {}
    for d in docs:
        # a finished copy of another document counts as a duplicate, not as failed
        key = "duplicate" if d.duplicate_of and d.state in terminal else d.state
        counts[key] = counts.get(key, 0) + 1
        if d.state == DocState.QUEUED.value and d.stage:
            waiting[d.stage] = waiting.get(d.stage, 0) + 1
    complete = bool(docs) and all(d.state in terminal for d in docs)
    sign = get_keyring().sign
    links = {"json": "summary.json", "html": "summary.html"}
    if complete:  # xlsx, csv and the whole-batch zip exist once every document is finished
        links |= {"xlsx": "summary.xlsx", "csv": "summary.csv", "zip": "export.zip"}
    summary = {k: sign(f"/batches/{batch_id}/{path}") for k, path in links.items()}
    return BatchStatus(
        batch_id=batch_id,
        name=info.get("name") or None,
        created_at=info.get("created_at"),
        total=len(docs),
        counts=counts,
        waiting=waiting,
        complete=complete,
        rebuilt=rebuilt,
        documents=docs,
        summary=summary,
    )


@router.post(
    "/batches/{batch_id}/recover",
    response_model=Restarted,
    summary="重新启动未完成的文件",
    responses=errors(401, 404, 503),
)
def recover(batch_id: str, who: Caller) -> Restarted:
    """Start again every document that is not done or failed (stages are idempotent)."""
    require_batch(batch_id, who)
    n = 0
    for d in get_status().get_docs(batch_id):
        if d.get("state") not in {s.value for s in TERMINAL} and d.get("raw_key"):
            restart(batch_id, str(d["doc_id"]), str(d.get("filename", "")), str(d["raw_key"]))
            n += 1
    return Restarted(restarted=n)


def load_outcomes(batch_id: str) -> list[DocOutcome]:
    """The documents' durable records, in the summary's order (department, file name)."""
    storage = get_storage()
    outcomes = [storage.get_model(k, DocOutcome) for k in storage.list_keys(f"manifests/{batch_id}/docs/")]
    return sorted(outcomes, key=lambda o: (o.department or "", o.filename))


def load_summary(batch_id: str) -> BatchSummary:
    """Built from the durable manifests (correct while the batch is still running)."""
    return build_summary(batch_id, load_outcomes(batch_id))


@router.get(
    "/batches/{batch_id}/summary.json",
    response_model=BatchSummary,
    summary="批次汇总（JSON）",
    responses=errors(401, 404, 503),
)
def batch_summary_json(batch_id: str, who: Caller) -> Response:
    """Departments × finding categories with totals; failed documents and duplicates counted apart."""
    require_batch(batch_id, who)
    summary = load_summary(batch_id)
    return Response(summary.model_dump_json(indent=2), media_type="application/json; charset=utf-8")


@router.get(
    "/batches/{batch_id}/summary.html",
    response_class=HTMLResponse,
    summary="批次汇总（网页）",
    responses=errors(401, 404, 503),
)
def batch_summary_html(batch_id: str, who: Caller) -> HTMLResponse:
    """The summary as a page: one row per document, one column per finding category."""
    require_batch(batch_id, who)
    return HTMLResponse(render_summary_html(load_summary(batch_id)))


NOT_COMPLETE = "批次尚未全部完成：还有文件在处理中，请完成后再下载。"
TABULAR_ERRORS = errors(401, 404, 409, 422, 503)
TABULAR_ERRORS[409] = {
    "model": ErrorBody,
    "description": "批次尚未全部完成",
    "content": {"application/json": {"example": {"detail": NOT_COMPLETE}}},
}


def _batch_title(batch_id: str) -> str:
    name = get_status().batch_info(batch_id).get("name") or ""
    return clean_stem(name) if name.strip() else batch_id


def _require_complete(batch_id: str) -> None:
    if not get_status().is_complete(batch_id):
        raise HTTPException(409, NOT_COMPLETE)


def tabular_summary(batch_id: str, fmt: ReportFormat) -> bytes:
    """The stored summary.xlsx / summary.csv (written when the batch completed); made here when it
    is missing (the report stage could not write it, or the batch predates it)."""
    storage = get_storage()
    try:
        return storage.get_bytes(summary_key(batch_id, fmt.value))
    except KeyError:
        from services.report.tabular import batch_csv, batch_xlsx

        reports = document_reports(storage, load_outcomes(batch_id))
        return batch_xlsx(reports) if fmt == ReportFormat.XLSX else batch_csv(reports)


@router.get(
    "/batches/{batch_id}/summary.{fmt}",
    summary="批次汇总（Excel / CSV）",
    response_class=Response,
    responses={
        200: {
            "description": "xlsx：汇总表（每个文件一行）与全部问题清单；csv：全部问题，每个问题一行（UTF-8 带 BOM）",
            "content": {
                MEDIA_TYPE[ReportFormat.XLSX]: {"schema": {"type": "string", "format": "binary"}},
                MEDIA_TYPE[ReportFormat.CSV]: {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **TABULAR_ERRORS,
    },
)
def batch_summary_tabular(batch_id: str, fmt: Literal["xlsx", "csv"], who: Caller) -> Response:
    """Every document's findings in one workbook or CSV file (409 until the batch is complete)."""
    require_batch(batch_id, who)
    _require_complete(batch_id)
    f = ReportFormat(fmt)
    name = f"{_batch_title(batch_id)}-批次汇总.{fmt}"
    return Response(
        tabular_summary(batch_id, f),
        media_type=MEDIA_TYPE[f],
        headers={"Content-Disposition": content_disposition(name)},
    )


ZIP_CHUNK = 1024 * 1024


@router.get(
    "/batches/{batch_id}/export.zip",
    summary="整批导出（zip）",
    response_class=StreamingResponse,
    responses={
        **binary_response(
            "整批报告：批次汇总（json/html/xlsx/csv）与每个文件的全部报告，每个文件一个文件夹（以部门或文件名命名）",
            "application/zip",
        ),
        **{code: r for code, r in TABULAR_ERRORS.items() if code != 422},  # no parameter to get wrong
        413: errors(413)[413] | {"description": "导出内容超过大小上限"},
    },
)
def export_batch(batch_id: str, who: Caller) -> StreamingResponse:
    """The whole batch in one zip: 批次汇总.* at the top, then a folder per document named after its
    department (or file name) with every stored report. Built in a temporary file (at most
    JUESUAN_MAX_EXPORT_BYTES), then streamed. 409 until the batch is complete."""
    require_batch(batch_id, who)
    _require_complete(batch_id)
    spool = build_export(batch_id)
    name = f"{_batch_title(batch_id)}-审查报告.zip"

    def chunks() -> Iterator[bytes]:
        try:
            while data := spool.read(ZIP_CHUNK):
                yield data
        finally:
            spool.close()

    return StreamingResponse(
        chunks(), media_type="application/zip", headers={"Content-Disposition": content_disposition(name)}
    )


def build_export(batch_id: str) -> IO[bytes]:
    """The batch's zip in a temporary file, positioned at its start (413 past the size limit)."""
    storage = get_storage()
    limit = get_settings().max_export_bytes
    outcomes = load_outcomes(batch_id)
    summary = build_summary(batch_id, outcomes)
    spool = tempfile.TemporaryFile(prefix="juesuan-export-")  # noqa: SIM115  (closed by the response)
    written = 0

    def add(zf: zipfile.ZipFile, arcname: str, data: bytes) -> None:
        nonlocal written
        written += len(data)
        if written > limit:
            raise HTTPException(
                413, f"导出内容过大：超过 {limit // 1024 // 1024} MB 的上限，请分别下载各文件的报告。"
            )
        zf.writestr(arcname, data)

    try:
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            add(zf, "批次汇总.json", summary.model_dump_json(indent=2).encode("utf-8"))
            add(zf, "批次汇总.html", render_summary_html(summary).encode("utf-8"))
            for fmt in (ReportFormat.XLSX, ReportFormat.CSV):
                add(zf, f"批次汇总.{fmt.value}", tabular_summary(batch_id, fmt))
            used: set[str] = set()
            for o in outcomes:
                folder = unique_folder(document_stem(o.department, o.filename), used)
                for fmt in ReportFormat:
                    key = o.report_keys.get(fmt.value)
                    if not key:
                        continue
                    try:
                        data = storage.get_bytes(key)
                    except KeyError:
                        log.warning("event=export_missing_report batch=%s key=%s", batch_id, key)
                        continue
                    add(zf, f"{folder}/{LABEL[fmt]}", data)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


def unique_folder(stem: str, used: set[str]) -> str:
    """``stem``, or ``stem（2）``, ``stem（3）``… when another document has the name already."""
    name, n = stem, 1
    while name.casefold() in used:
        n += 1
        name = f"{stem}（{n}）"
    used.add(name.casefold())
    return name
