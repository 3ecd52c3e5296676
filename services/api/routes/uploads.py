"""Uploads: multipart files (documents or zips), presigned POST uploads straight into the bucket,
and the MinIO bucket-notification webhook that starts their documents' chains."""

from __future__ import annotations

import json
import logging
from urllib.parse import unquote_plus

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUploadFile

from shared.keys import new_doc_id, parse_raw_key, raw_key
from shared.messages import DocOutcome, DocState
from shared.settings import get_settings
from shared.storage import TransientStorageError

from ..common import RETRY_AFTER_SECONDS, SECURED, Caller, StorageFailedBody, errors, require_batch
from ..deps import get_storage
from ..dispatch import register
from ..forms import UPLOAD_FORM_DOC, read_form
from ..schemas import EventResult, PresignedUpload, PresignRequest, RefusedObject
from ..uploads import UploadResult, accept_bytes, too_large, too_large_reason

log = logging.getLogger("juesuan.api")

router = APIRouter(tags=["上传"], dependencies=SECURED)


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


UPLOAD_ERRORS = errors(400, 401, 404, 413, 507)
UPLOAD_ERRORS[503] = {
    "model": StorageFailedBody,
    "description": "存储不可用：列出未接收（not_accepted）与已接收（accepted）的文件",
    "content": {
        "application/json": {
            "example": {
                "detail": "存储服务暂时不可用，以下 1 个文件未接收，请 30 秒后重新上传：“b.pdf”。",
                "not_accepted": ["b.pdf"],
                "accepted": [],
            }
        }
    },
}


@router.post(
    "/batches/{batch_id}/files",
    response_model=list[UploadResult],
    summary="上传文件",
    openapi_extra=UPLOAD_FORM_DOC,
    responses=UPLOAD_ERRORS,
)
async def upload_files(batch_id: str, request: Request, who: Caller) -> list[UploadResult] | JSONResponse:
    """Files in the multipart field ``files`` (each a document or a zip of documents). One result
    per document: ``queued``, ``failed`` (with the reason) or ``duplicate`` (same content as
    ``duplicate_of``, not checked again)."""
    await run_in_threadpool(require_batch, batch_id, who)
    s = get_settings()
    form = await read_form(request)
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


@router.post(
    "/batches/{batch_id}/uploads",
    response_model=list[PresignedUpload],
    summary="申请直传地址",
    responses=errors(401, 404, 422, 503),
)
def presign_uploads(batch_id: str, body: PresignRequest, who: Caller) -> list[PresignedUpload]:
    """Presigned POST policies: the client posts each file straight into the bucket (at most the
    file size limit, enforced by the store); MinIO's bucket notification (POST /events/minio) then
    starts each document's chain."""
    require_batch(batch_id, who)
    s = get_settings()
    out = []
    for name in body.filenames:
        doc_id = new_doc_id()
        key = raw_key(batch_id, doc_id, name)
        url, fields = get_storage().presigned_post(key, s.presign_expiry_seconds, s.max_file_bytes)
        out.append(PresignedUpload(filename=name, doc_id=doc_id, key=key, url=url, fields=fields))
    return out


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


MINIO_EVENT_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "object", "description": "S3 事件通知（Records[].s3.object.key）"},
                "example": {
                    "Records": [
                        {
                            "eventName": "s3:ObjectCreated:Post",
                            "s3": {"object": {"key": "raw/b_…/d_…/财政局2024年度部门决算.pdf"}},
                        }
                    ]
                },
            }
        },
    }
}


@router.post(
    "/events/minio",
    response_model=EventResult,
    summary="存储事件通知（MinIO webhook）",
    openapi_extra=MINIO_EVENT_DOC,
    responses=errors(400, 401, 413, 503),
)
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
            await run_in_threadpool(require_batch, batch_id, who)
        except HTTPException:
            result.ignored += 1
            continue
        await run_in_threadpool(_register_object, batch_id, doc_id, name, key, result)
    return result
