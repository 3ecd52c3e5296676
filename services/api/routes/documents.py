"""Documents of a batch: their status and their reports."""

from __future__ import annotations

import json
import threading
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path
from fastapi.responses import Response

from services.report.formats import FORMAT_ZH, MEDIA_TYPE, ReportFormat
from shared.messages import OCR, TERMINAL, DocState
from shared.models import DocumentReport
from shared.settings import get_settings
from shared.storage import Storage

from ..common import SECURED, Caller, ErrorBody, binary_response, errors, require_doc
from ..deps import get_keyring, get_storage
from ..downloads import INLINE, content_disposition, report_filename
from ..schemas import DocStatus, PageProgress

router = APIRouter(tags=["文件"], dependencies=SECURED)

STAGE_ZH = {"ingest": "读取", "ocr": "文字识别", "parse": "解析", "validate": "审查", "report": "生成报告"}


def activity(state: str, stage: str | None, progress: PageProgress | None = None) -> str:
    """The document's state for a person: 等待解析 / 正在解析 / 文字识别 12/26 页 / 已完成 / 失败."""
    if state == DocState.DONE.value:
        return "已完成"
    if state == DocState.FAILED.value:
        return "失败"
    what = STAGE_ZH.get(stage or "", stage or "")
    if state == DocState.QUEUED.value:
        return f"等待{what}"
    if progress is not None and progress.total > 0:
        return f"{what} {progress.done}/{progress.total} 页"
    return f"正在{what}"


def page_progress(d: dict[str, object], stage: str | None) -> PageProgress | None:
    """Pages recognized so far, while the document is in the ocr stage (else None)."""
    if stage != OCR:
        return None
    value = d.get("progress")
    if isinstance(value, str) and value:
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, dict):
        return None
    try:
        return PageProgress(done=int(value.get("done", 0)), total=int(value.get("total", 0)))
    except (TypeError, ValueError):
        return None


def _json_field(d: dict[str, object], name: str) -> dict[str, str]:
    """A dict field of the document's status (Redis keeps some as JSON text)."""
    value = d.get(name)
    if isinstance(value, str) and value:
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def report_path(batch_id: str, doc_id: str, fmt: str) -> str:
    base = f"/batches/{batch_id}/documents/{doc_id}"
    return f"{base}/annotated.pdf" if fmt == "annotated" else f"{base}/report.{fmt}"


def doc_status(batch_id: str, d: dict[str, object]) -> DocStatus:
    sign = get_keyring().sign
    doc_id = str(d["doc_id"])
    reports = {k: sign(report_path(batch_id, doc_id, k)) for k in _json_field(d, "report_keys")}
    state, stage = str(d.get("state", "")), str(d.get("stage") or "") or None
    year = d.get("year")
    counts = d.get("counts")
    progress = page_progress(d, stage)
    return DocStatus(
        doc_id=doc_id,
        filename=str(d.get("filename", "")),
        state=state,
        stage=stage,
        activity="重复文件"
        if d.get("duplicate_of") and state == DocState.FAILED.value
        else activity(state, stage, progress),
        progress=progress,
        error=str(d.get("error") or "") or None,
        department=str(d.get("department") or "") or None,
        year=int(year) if isinstance(year, str) and year.isdigit() else None,
        findings=counts if isinstance(counts, dict) else {},
        reports=reports,
        unavailable=_json_field(d, "report_unavailable"),
        duplicate_of=str(d.get("duplicate_of") or "") or None,
    )


@router.get(
    "/batches/{batch_id}/documents/{doc_id}",
    response_model=DocStatus,
    summary="文件状态",
    responses=errors(401, 404, doc=True),
)
def document_status(batch_id: str, doc_id: str, who: Caller) -> DocStatus:
    """One document's state, finding counts and signed report links."""
    return doc_status(batch_id, require_doc(batch_id, doc_id, who))


REPORT_FORMATS = ("json", "html", "xlsx", "csv", "pdf")
FORMAT_ERRORS = {
    **errors(401, 404, 409, 503, doc=True),
}
FORMAT_ERRORS[404] = {
    "model": ErrorBody,
    "description": "批次或文件不存在，或该格式的报告不适用/无法生成（说明原因）",
    "content": {
        "application/json": {
            "example": {"detail": "该文件没有标注版 PDF：原件不是 PDF（Word 文件），无法在原文上标注。"}
        }
    },
}
FORMAT_ERRORS[422] = errors(422)[422]


def stored_report(d: dict[str, object], fmt: ReportFormat) -> Response:
    """The stored report of the document in ``fmt``: 409 while it is still being made, 404 with
    the recorded reason when the format does not apply or could not be made."""
    keys = _json_field(d, "report_keys")
    key = keys.get(fmt.value)
    if key is None:
        state = str(d.get("state") or "")
        if state not in {s.value for s in TERMINAL}:
            raise HTTPException(409, f"报告尚未生成：当前状态为 {state}，请稍后再试。")
        reason = _json_field(d, "report_unavailable").get(fmt.value)
        what = FORMAT_ZH[fmt]
        if reason:
            raise HTTPException(404, f"该文件没有{what}：{reason}")
        error = str(d.get("error") or "")
        if state == DocState.FAILED.value and error:
            raise HTTPException(404, f"该文件没有{what}：文件未能检查（{error}）。")
        raise HTTPException(404, f"该文件没有{what}：本服务未生成这种格式的报告。")
    body = get_storage().get_bytes(key)
    name = report_filename(str(d.get("department") or "") or None, str(d.get("filename") or ""), fmt)
    headers = {"Content-Disposition": content_disposition(name, inline=fmt in INLINE)}
    return Response(body, media_type=MEDIA_TYPE[fmt], headers=headers)


@router.get(
    "/batches/{batch_id}/documents/{doc_id}/report.{fmt}",
    summary="下载文件的审查报告",
    response_class=Response,
    responses={
        200: {
            "description": "审查报告：json（DocumentReport 数据）、html（网页）、xlsx（Excel 底稿，每个问题一行）、"
            "csv（同 xlsx，UTF-8 带 BOM）、pdf（可打印报告）",
            "content": {
                MEDIA_TYPE[ReportFormat(f)]: {"schema": {"type": "string", "format": "binary"}}
                for f in REPORT_FORMATS
            },
        },
        **FORMAT_ERRORS,
    },
)
def document_report(
    batch_id: str, doc_id: str, fmt: Literal["json", "html", "xlsx", "csv", "pdf"], who: Caller
) -> Response:
    """The document's report in ``fmt``, with a Chinese file name (e.g. 上海市普陀区财政局-审查报告.xlsx).
    409 until the report stage has written it; 404 with the reason when the format was not made."""
    return stored_report(require_doc(batch_id, doc_id, who), ReportFormat(fmt))


@router.get(
    "/batches/{batch_id}/documents/{doc_id}/annotated.pdf",
    summary="下载标注版原文 PDF",
    response_class=Response,
    responses={
        **binary_response("原文 PDF，每个问题的证据处加高亮与批注", "application/pdf"),
        **{code: r for code, r in FORMAT_ERRORS.items() if code != 422},  # no parameter to get wrong
    },
)
def document_annotated(batch_id: str, doc_id: str, who: Caller) -> Response:
    """The original PDF with a highlight and a note on each finding's evidence (PDF originals
    only: 404 with the reason for Word, Excel or text files)."""
    return stored_report(require_doc(batch_id, doc_id, who), ReportFormat.ANNOTATED)


def _original(storage: Storage, raw: str) -> bytes:
    try:
        if not raw or storage.size(raw) > get_settings().max_file_bytes:
            raise HTTPException(404, "原始文件不可用（未保存或超过大小上限），无法截图。")
        return storage.get_bytes(raw)
    except KeyError as exc:
        raise HTTPException(404, "原始文件已不在存储中，无法截图。") from exc


MAX_CROP_JOBS = 4  # evidence pictures rendered at once; more callers wait
CROP_WAIT_SECONDS = 20.0
_crop_slots = threading.BoundedSemaphore(MAX_CROP_JOBS)


@router.get(
    "/batches/{batch_id}/documents/{doc_id}/findings/{finding}/evidence/{evidence}.png",
    summary="证据截图",
    response_class=Response,
    responses={
        **binary_response("原文页面上证据所在区域的截图（证据框以黄色高亮、红色边框标出）", "image/png"),
        **FORMAT_ERRORS,
    },
)
def evidence_picture(
    batch_id: str,
    doc_id: str,
    finding: Annotated[int, Path(ge=0, le=100_000, description="问题序号（从 0 开始）")],
    evidence: Annotated[int, Path(ge=0, le=10_000, description="该问题的证据序号（从 0 开始）")],
    who: Caller,
) -> Response:
    """A PNG of the part of the original page around evidence ``evidence`` of finding ``finding``
    (0-based, in the order of report.json). Only for PDF originals and evidence with a position;
    404 with the reason otherwise."""
    from services.report.crops import CropError, finding_evidence_png

    d = require_doc(batch_id, doc_id, who)
    keys = _json_field(d, "report_keys")
    if "json" not in keys:
        if str(d.get("state") or "") not in {s.value for s in TERMINAL}:
            raise HTTPException(409, f"报告尚未生成：当前状态为 {d.get('state')}，请稍后再试。")
        raise HTTPException(404, "该文件没有审查报告，没有证据截图。")
    storage = get_storage()
    report = storage.get_model(keys["json"], DocumentReport)
    if report.error:
        raise HTTPException(404, "该文件未能检查，没有证据截图。")
    f = report.findings[finding] if finding < len(report.findings) else None
    ev = f.evidence[evidence] if f is not None and evidence < len(f.evidence) else None
    original = b""  # not read unless the evidence has a place (crops says why otherwise)
    if ev is not None and ev.prov.page is not None and ev.prov.bbox is not None:
        original = _original(storage, str(d.get("raw_key") or ""))
    if not _crop_slots.acquire(timeout=CROP_WAIT_SECONDS):
        raise HTTPException(503, "截图服务繁忙：请稍后重试。", headers={"Retry-After": "5"})
    try:
        png = finding_evidence_png(original, report, finding, evidence)
    except CropError as exc:
        raise HTTPException(404, str(exc)) from exc
    finally:
        _crop_slots.release()
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})
