"""The HTTP face of juesuan: create a batch, upload files (multipart, zip, or presigned URLs with
MinIO bucket notifications), poll status, download reports and the batch summary.

Run: uvicorn services.api.app:app --host 0.0.0.0 --port 8000   (OpenAPI docs at /docs)
"""

from __future__ import annotations

import codecs
import errno
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import aclosing, asynccontextmanager
from typing import Annotated, Literal
from urllib.parse import unquote_plus

import python_multipart
from fastapi import Body, Depends, FastAPI, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as StarletteUploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException, MultiPartParser

from services.report.summary import build_summary, render_summary_html
from shared import logs
from shared.keys import (
    batch_manifest_key,
    new_batch_id,
    new_doc_id,
    parse_raw_key,
    raw_key,
    summary_key,
    valid_batch_id,
    valid_doc_id,
)
from shared.messages import TERMINAL, BatchManifest, DocOutcome, DocState
from shared.settings import get_settings
from shared.status import now_iso
from shared.storage import TransientStorageError

from . import ops
from .auth import KeyConfigError, Principal
from .deps import AuthMiddleware, BodyLimitMiddleware, get_keyring, get_status, get_storage, principal
from .dispatch import register, restart
from .uploads import UploadResult, accept_bytes, too_large, too_large_reason

log = logging.getLogger("juesuan.api")
logs.configure("api")

Caller = Annotated[Principal, Depends(principal)]


@asynccontextmanager
async def lifespan(_: FastAPI):
    try:
        get_keyring()
    except KeyConfigError as exc:  # refuse to start rather than run with keys nobody meant
        log.error("event=bad_key_settings error=%s", exc)
        raise
    try:
        get_storage().ensure_bucket()
    except TransientStorageError as exc:  # storage not up yet: /health says so, requests retry
        log.warning("event=bucket_check_failed error=%s", exc)
    yield


app = FastAPI(
    title="juesuan 决算审查",
    description="上传部门决算文件，查询批次进度，下载审查报告。",
    version="0.2.0",
    lifespan=lifespan,
)
app.add_middleware(AuthMiddleware)
app.add_middleware(BodyLimitMiddleware)  # refuses oversized bodies before anything reads them
app.add_middleware(ops.RequestLogMiddleware)  # outermost: 401s and 413s are logged too
app.include_router(ops.router)


# ---------------------------------------------------------------------------------------- models
class BatchCreate(BaseModel):
    name: str | None = Field(default=None, max_length=200)


class BatchCreated(BaseModel):
    batch_id: str
    created_at: str


class PresignRequest(BaseModel):
    filenames: list[str] = Field(min_length=1, max_length=1000)


class PresignedUpload(BaseModel):
    """A browser-style POST upload: send ``fields`` then the file (field ``file``, last) as
    multipart/form-data to ``url``. The store refuses files of 0 bytes or above the size limit."""

    filename: str
    doc_id: str
    key: str
    url: str
    fields: dict[str, str]
    method: Literal["POST"] = "POST"


class DocStatus(BaseModel):
    """``state`` is queued (waiting for ``stage``), ingesting / parsing / validating / rendering
    (running ``stage``), done or failed; ``activity`` says the same in Chinese (等待解析, 正在解析…)."""

    doc_id: str
    filename: str
    state: str
    stage: str | None = None
    activity: str = ""
    error: str | None = None
    department: str | None = None
    year: int | None = None
    findings: dict[str, int] = Field(default_factory=dict)
    reports: dict[str, str] = Field(default_factory=dict)


class BatchStatus(BaseModel):
    batch_id: str
    name: str | None = None
    created_at: str | None = None
    total: int
    counts: dict[str, int]
    waiting: dict[str, int] = Field(default_factory=dict)  # queued documents by the stage they wait for
    complete: bool
    rebuilt: bool = False
    documents: list[DocStatus]
    summary: dict[str, str] = Field(default_factory=dict)


# ---------------------------------------------------------------------------------------- helpers
def _require_batch(batch_id: str, who: Principal) -> bool:
    """True when Redis had to be rebuilt from the manifests (it had lost the batch). 404 for an id
    that is not one of ours (checked before Redis or storage sees it) and for another tenant's batch
    (its existence is not revealed)."""
    if not valid_batch_id(batch_id):
        raise HTTPException(404, "批次不存在。")
    rebuilt = False
    if not get_status().batch_exists(batch_id):
        storage = get_storage()
        if not storage.exists(batch_manifest_key(batch_id)):
            raise HTTPException(404, "批次不存在。")
        # Status only: documents whose chain was lost are restarted by the recovery process (or by
        # POST /batches/{id}/recover), never as a side effect of a read.
        outcomes = get_status().rebuild_batch(storage, batch_id)
        log.info("event=batch_rebuilt batch=%s documents=%d", batch_id, len(outcomes))
        rebuilt = True
    if not who.owns(get_status().batch_info(batch_id).get("tenant")):
        raise HTTPException(404, "批次不存在。")
    return rebuilt


STAGE_ZH = {"ingest": "读取", "parse": "解析", "validate": "审查", "report": "生成报告"}


def _activity(state: str, stage: str | None) -> str:
    """The document's state for a person: 等待解析 / 正在解析 / 已完成 / 失败."""
    if state == DocState.DONE.value:
        return "已完成"
    if state == DocState.FAILED.value:
        return "失败"
    what = STAGE_ZH.get(stage or "", stage or "")
    return f"等待{what}" if state == DocState.QUEUED.value else f"正在{what}"


def _doc_status(batch_id: str, d: dict[str, object]) -> DocStatus:
    keys = d.get("report_keys") or {}
    sign = get_keyring().sign
    reports = (
        {k: sign(f"/batches/{batch_id}/documents/{d['doc_id']}/report.{k}") for k in keys}
        if isinstance(keys, dict)
        else {}
    )
    state, stage = str(d.get("state", "")), str(d.get("stage") or "") or None
    year = d.get("year")
    return DocStatus(
        doc_id=str(d["doc_id"]),
        filename=str(d.get("filename", "")),
        state=state,
        stage=stage,
        activity=_activity(state, stage),
        error=str(d.get("error") or "") or None,
        department=str(d.get("department") or "") or None,
        year=int(year) if isinstance(year, str) and year.isdigit() else None,
        findings=d.get("counts") if isinstance(d.get("counts"), dict) else {},
        reports=reports,
    )


# ---------------------------------------------------------------------------------------- routes
HEALTH_DEADLINE_SECONDS = 1.5
RETRY_AFTER_SECONDS = 30
# Checks run here so a hung dependency holds a pool thread, not the request: the probe answers
# within the deadline whatever the dependencies do.
_health_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="health")


def _ping_redis() -> None:
    get_status().ping()


def _ping_storage() -> None:
    get_storage().ping()


@app.get("/health", tags=["运维"])
def health() -> JSONResponse:
    """Redis and storage checked concurrently; "degraded" (503) when either fails or does not
    answer within 1.5 s."""
    deadline = time.monotonic() + HEALTH_DEADLINE_SECONDS
    futures = {"redis": _health_pool.submit(_ping_redis), "storage": _health_pool.submit(_ping_storage)}
    checks: dict[str, str] = {}
    for name, fut in futures.items():
        try:
            fut.result(timeout=max(0.0, deadline - time.monotonic()))
            checks[name] = "ok"
        except FutureTimeout:
            checks[name] = f"error: 超时（{HEALTH_DEADLINE_SECONDS} 秒内无响应）"
        except Exception as exc:  # noqa: BLE001  (report any failure, do not crash the probe)
            checks[name] = f"error: {exc}"
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ok" if ok else "degraded", **checks}, status_code=200 if ok else 503)


FRAMEWORK_MESSAGES = {404: "接口不存在。", 405: "不支持该请求方法。"}


@app.exception_handler(StarletteHTTPException)
async def chinese_http_errors(request: Request, exc: StarletteHTTPException) -> Response:
    """The routes raise Chinese details; the framework's own English ones ("Not Found") are replaced."""
    detail = exc.detail
    if isinstance(detail, str) and detail.isascii():
        detail = FRAMEWORK_MESSAGES.get(exc.status_code, f"请求无法处理（HTTP {exc.status_code}）。")
    return JSONResponse(
        {"detail": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None)
    )


@app.exception_handler(RequestValidationError)
async def chinese_validation_errors(_: Request, exc: RequestValidationError) -> JSONResponse:
    where = "；".join(".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()[:5])
    return JSONResponse(
        {"detail": f"请求参数错误：请检查 {where}。", "errors": jsonable_encoder(exc.errors())},
        status_code=422,
    )


@app.exception_handler(TransientStorageError)
async def storage_unavailable(_: Request, exc: TransientStorageError) -> JSONResponse:
    log.warning("event=storage_unavailable error=%s", exc)
    return JSONResponse(
        {"detail": "存储服务暂时不可用：请稍后重试。"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


@app.post("/batches", response_model=BatchCreated, status_code=201, tags=["批次"])
def create_batch(who: Caller, body: Annotated[BatchCreate | None, Body()] = None) -> BatchCreated:
    """A new batch, owned by the caller's tenant (the admin's batches belong to "admin")."""
    manifest = BatchManifest(
        batch_id=new_batch_id(),
        created_at=now_iso(),
        name=(body.name if body else None),
        tenant=who.tenant or "admin",
    )
    get_storage().put_json(batch_manifest_key(manifest.batch_id), manifest)
    get_status().create_batch(manifest)
    log.info("event=batch_created batch=%s tenant=%s", manifest.batch_id, manifest.tenant)
    return BatchCreated(batch_id=manifest.batch_id, created_at=manifest.created_at)


class BatchListItem(BaseModel):
    batch_id: str
    name: str | None = None
    created_at: str | None = None
    tenant: str | None = None
    total: int
    finished: int
    complete: bool


@app.get("/batches", response_model=list[BatchListItem], tags=["批次"])
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


UPLOAD_FORM_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "决算文件或其 zip 压缩包",
                        }
                    },
                }
            }
        },
    },
}
BAD_MULTIPART = "上传内容格式错误：multipart/form-data 表单不完整或已损坏，请重新上传（文件字段名为 files）。"
DISK_FULL = "服务器临时存储空间已满，暂时无法接收文件：请稍后再试，或联系管理员。"


MAX_PART_HEADER_BYTES = 64 * 1024  # python-multipart's 4 KB default refuses a long Chinese file name


class _MultiPartParser(MultiPartParser):
    """starlette's parser with room for long part headers: a 2,000-character file name is the
    file's problem (its name is shortened), not the request's."""

    async def parse(self) -> FormData:
        _, params = parse_options_header(self.headers["Content-Type"])
        charset = params.get(b"charset", "utf-8")
        try:
            self._charset = codecs.lookup(
                charset.decode("latin-1") if isinstance(charset, bytes) else charset
            ).name
        except LookupError:
            self._charset = "latin-1"
        if b"boundary" not in params:
            raise MultiPartException("Missing boundary in multipart.")
        callbacks = {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_end": self.on_end,
        }
        try:
            parser = python_multipart.MultipartParser(
                params[b"boundary"],
                callbacks,  # type: ignore[arg-type]
                max_header_size=MAX_PART_HEADER_BYTES,
            )
            async for chunk in self.stream:
                parser.write(chunk)
                for part, data in self._file_parts_to_write:
                    assert part.file
                    await part.file.write(data)  # spooled: rolls to a temp file past 1 MB
                for part in self._file_parts_to_finish:
                    assert part.file
                    await part.file.seek(0)
                self._file_parts_to_write.clear()
                self._file_parts_to_finish.clear()
            parser.finalize()
        except BaseException as exc:
            for file in self._files_to_close_on_error:
                file.close()
            if isinstance(exc, FormParserError):
                raise MultiPartException("Invalid multipart data.") from exc
            raise
        return FormData(self.items)


async def _read_form(request: Request) -> FormData:
    """The multipart form, parsed here so its failures get Chinese answers: a malformed body is
    400, a full temp disk 507, too many files 413 (an oversized body is the middleware's 413)."""
    s = get_settings()
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise HTTPException(400, BAD_MULTIPART)
    try:
        async with aclosing(request.stream()) as stream:
            parser = _MultiPartParser(
                request.headers,
                stream,
                max_files=s.max_files_per_request,
                max_fields=20,
                max_part_size=64 * 1024,
            )
            return await parser.parse()
    except MultiPartException as exc:
        if exc.message.startswith("Too many files"):
            raise HTTPException(
                413, f"单次上传文件过多：上限 {s.max_files_per_request} 个，请分批上传或打包为 zip。"
            ) from exc
        raise HTTPException(400, BAD_MULTIPART) from exc
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            log.error("event=upload_disk_full error=%s", exc)
            raise HTTPException(507, DISK_FULL) from exc
        raise


def _storage_failed_upload(
    exc: Exception, accepted: list[UploadResult], not_accepted: list[str]
) -> JSONResponse:
    """503 naming the files not taken (the one that failed and the rest) and those taken before."""
    log.warning(
        "event=upload_storage_failed accepted=%d not_accepted=%d error=%s",
        len(accepted),
        len(not_accepted),
        exc,
    )
    names = "、".join(f"“{n}”" for n in not_accepted)
    detail = f"存储服务暂时不可用，以下 {len(not_accepted)} 个文件未接收，请 {RETRY_AFTER_SECONDS} 秒后重新上传：{names}。"
    if accepted:
        detail += (
            f"此前的 {len(accepted)} 个文件已接收，无需重传："
            + "、".join(f"“{r.filename}”" for r in accepted)
            + "。"
        )
    body = {"detail": detail, "not_accepted": not_accepted, "accepted": [r.model_dump() for r in accepted]}
    return JSONResponse(body, status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


@app.post(
    "/batches/{batch_id}/files",
    response_model=list[UploadResult],
    tags=["上传"],
    openapi_extra=UPLOAD_FORM_DOC,
)
async def upload_files(batch_id: str, request: Request, who: Caller) -> list[UploadResult] | JSONResponse:
    """Files in the multipart field ``files`` (each a document or a zip of documents)."""
    await run_in_threadpool(_require_batch, batch_id, who)
    s = get_settings()
    form = await _read_form(request)
    try:
        files = [f for f in form.getlist("files") if isinstance(f, StarletteUploadFile)]
        if not files:
            raise HTTPException(400, "未收到文件：请在表单字段 files 中上传文件。")
        if len(files) > s.max_files_per_request:
            raise HTTPException(
                413,
                f"单次上传文件过多：{len(files)} 个，上限 {s.max_files_per_request} 个，请分批上传或打包为 zip。",
            )
        results: list[UploadResult] = []
        for i, f in enumerate(files):
            name = f.filename or "document"
            data = await f.read(s.max_file_bytes + 1)
            try:
                # storage and Redis calls block: keep them off the event loop so status polls stay responsive
                if len(data) > s.max_file_bytes:
                    results.append(await run_in_threadpool(too_large, batch_id, name))
                else:
                    results.extend(await run_in_threadpool(accept_bytes, batch_id, name, data))
            except TransientStorageError as exc:
                return _storage_failed_upload(exc, results, [g.filename or "document" for g in files[i:]])
            del data
        return results
    finally:
        await form.close()


@app.post("/batches/{batch_id}/uploads", response_model=list[PresignedUpload], tags=["上传"])
def presign_uploads(batch_id: str, body: PresignRequest, who: Caller) -> list[PresignedUpload]:
    """Presigned POST policies: the client posts each file straight into the bucket (at most the
    file size limit, enforced by the store); MinIO's bucket notification (POST /events/minio) then
    starts each document's chain."""
    _require_batch(batch_id, who)
    s = get_settings()
    out = []
    for name in body.filenames:
        doc_id = new_doc_id()
        key = raw_key(batch_id, doc_id, name)
        url, fields = get_storage().presigned_post(key, s.presign_expiry_seconds, s.max_file_bytes)
        out.append(PresignedUpload(filename=name, doc_id=doc_id, key=key, url=url, fields=fields))
    return out


class RefusedObject(BaseModel):
    key: str
    reason: str
    registered: bool = False  # True when the document was recorded as failed with this reason


class EventResult(BaseModel):
    started: int = 0
    ignored: int = 0
    refused: list[RefusedObject] = Field(default_factory=list)


def _bad_event(reason: str) -> HTTPException:
    return HTTPException(400, f"事件格式错误：{reason}")


def _event_records(payload: object) -> list[tuple[str, str]]:
    """(eventName, object key) of every record, or 400 naming what is wrong (nothing is processed
    when one record is malformed)."""
    if not isinstance(payload, dict):
        raise _bad_event("应为 JSON 对象。")
    records = payload.get("Records")
    if not isinstance(records, list):
        raise _bad_event("缺少 Records 列表。")
    out = []
    for i, rec in enumerate(records, 1):
        s3 = rec.get("s3") if isinstance(rec, dict) else None
        obj = s3.get("object") if isinstance(s3, dict) else None
        key = obj.get("key") if isinstance(obj, dict) else None
        if not isinstance(key, str) or not key:
            raise _bad_event(f"第 {i} 条记录缺少 s3.object.key。")
        name = rec.get("eventName", "s3:ObjectCreated")
        if not isinstance(name, str):
            raise _bad_event(f"第 {i} 条记录的 eventName 不是字符串。")
        out.append((name, key))
    return out


def _register_object(batch_id: str, doc_id: str, name: str, key: str, result: EventResult) -> None:
    """Start the chain of an uploaded object after checking it is there and not too large."""
    try:
        size = get_storage().stat_size(key)
    except KeyError:
        result.refused.append(RefusedObject(key=key, reason="存储中没有该对象：文件未上传成功，未登记。"))
        log.warning("event=event_refused reason=missing key=%s", key)
        return
    if size > get_settings().max_file_bytes:
        reason = too_large_reason()
        outcome = DocOutcome(
            batch_id=batch_id, doc_id=doc_id, filename=name, raw_key=key, state=DocState.FAILED, error=reason
        )
        result.refused.append(RefusedObject(key=key, reason=reason, registered=register(outcome)))
        return
    outcome = DocOutcome(batch_id=batch_id, doc_id=doc_id, filename=name, raw_key=key)
    result.started += int(register(outcome))


@app.post("/events/minio", response_model=EventResult, tags=["上传"])
async def minio_event(request: Request, who: Caller) -> EventResult:
    """MinIO bucket-notification webhook (S3 event JSON). Objects under raw/{batch}/{doc}/ start
    their document's chain; anything else is ignored; objects missing from storage are refused, and
    objects above the size limit are recorded as failed. Repeated events are harmless."""
    try:
        payload = json.loads(await request.body() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _bad_event("不是 JSON。") from exc
    result = EventResult()
    for event_name, raw in _event_records(payload):
        key = unquote_plus(raw)
        parsed = parse_raw_key(key)
        if not parsed or not event_name.startswith(("s3:ObjectCreated", "ObjectCreated")):
            result.ignored += 1
            continue
        batch_id, doc_id, name = parsed
        try:
            await run_in_threadpool(_require_batch, batch_id, who)
        except HTTPException:
            result.ignored += 1
            continue
        await run_in_threadpool(_register_object, batch_id, doc_id, name, key, result)
    return result


@app.get("/batches/{batch_id}", response_model=BatchStatus, tags=["批次"])
def batch_status(batch_id: str, who: Caller) -> BatchStatus:
    rebuilt = _require_batch(batch_id, who)
    st = get_status()
    info = st.batch_info(batch_id)
    raw_docs = st.get_docs(batch_id)
    docs = [_doc_status(batch_id, d) for d in raw_docs]
    counts = {s.value: 0 for s in DocState}
    waiting: dict[str, int] = {}
    for d in docs:
        counts[d.state] = counts.get(d.state, 0) + 1
        if d.state == DocState.QUEUED.value and d.stage:
            waiting[d.stage] = waiting.get(d.stage, 0) + 1
    complete = bool(docs) and all(d.state in {s.value for s in TERMINAL} for d in docs)
    sign = get_keyring().sign
    summary = {
        "json": sign(f"/batches/{batch_id}/summary.json"),
        "html": sign(f"/batches/{batch_id}/summary.html"),
    }
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


@app.post("/batches/{batch_id}/recover", tags=["批次"])
def recover(batch_id: str, who: Caller) -> dict[str, int]:
    """Start again every document that is not done or failed (stages are idempotent)."""
    _require_batch(batch_id, who)
    n = 0
    for d in get_status().get_docs(batch_id):
        if d.get("state") not in {s.value for s in TERMINAL} and d.get("raw_key"):
            restart(batch_id, str(d["doc_id"]), str(d.get("filename", "")), str(d["raw_key"]))
            n += 1
    return {"restarted": n}


@app.get("/batches/{batch_id}/documents/{doc_id}", response_model=DocStatus, tags=["文件"])
def document_status(batch_id: str, doc_id: str, who: Caller) -> DocStatus:
    _require_batch(batch_id, who)
    d = get_status().get_doc(batch_id, doc_id) if valid_doc_id(doc_id) else None
    if d is None:
        raise HTTPException(404, "文件不存在。")
    return _doc_status(batch_id, {"doc_id": doc_id, **d})


@app.get("/batches/{batch_id}/documents/{doc_id}/report.{fmt}", tags=["文件"])
def document_report(batch_id: str, doc_id: str, fmt: Literal["json", "html"], who: Caller) -> Response:
    _require_batch(batch_id, who)
    d = get_status().get_doc(batch_id, doc_id) if valid_doc_id(doc_id) else None
    if d is None:
        raise HTTPException(404, "文件不存在。")
    keys = d.get("report_keys") or {}
    if not isinstance(keys, dict) or fmt not in keys:
        raise HTTPException(409, f"报告尚未生成：当前状态为 {d.get('state')}，请稍后再试。")
    body = get_storage().get_bytes(keys[fmt])
    media = "application/json; charset=utf-8" if fmt == "json" else "text/html; charset=utf-8"
    return Response(body, media_type=media)


@app.get("/batches/{batch_id}/summary.{fmt}", tags=["批次"])
def batch_summary(batch_id: str, fmt: Literal["json", "html"], who: Caller) -> Response:
    """Departments × finding categories with totals (built from the durable manifests)."""
    _require_batch(batch_id, who)
    storage = get_storage()
    outcomes = [storage.get_model(k, DocOutcome) for k in storage.list_keys(f"manifests/{batch_id}/docs/")]
    summary = build_summary(batch_id, outcomes)
    if fmt == "json":
        return Response(summary.model_dump_json(indent=2), media_type="application/json; charset=utf-8")
    return HTMLResponse(render_summary_html(summary))


__all__ = ["app", "summary_key"]
