"""Turning uploaded bytes into registered documents: size limits, type by content, zip archives
unpacked safely (a zip of one scan's page images kept whole), duplicates collapsed, and a clear
per-document reason for anything rejected."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel

from services.ingest.core import refusal
from services.pipeline import ingest_limits
from shared.errors import BadInputError
from shared.filetypes import image_zip_members, is_image_zip, sniff
from shared.keys import display_name, doc_id_for_content, new_doc_id, raw_key, safe_name
from shared.messages import DocOutcome, DocState, duplicate_reason
from shared.settings import get_settings

from .deps import get_status, get_storage
from .dispatch import register

CONTENT_TYPES = {
    "text": "text/plain",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "image_zip": "application/zip",
}


class UploadResult(BaseModel):
    filename: str
    doc_id: str
    state: str
    error: str | None = None
    duplicate_of: str | None = None


def _failed(batch_id: str, filename: str, reason: str, sha: str | None = None) -> UploadResult:
    filename = display_name(filename)
    doc_id = doc_id_for_content(batch_id, sha) if sha else new_doc_id()
    outcome = DocOutcome(
        batch_id=batch_id,
        doc_id=doc_id,
        filename=filename,
        raw_key="",
        sha256=sha,
        state=DocState.FAILED,
        error=reason,
    )
    register(outcome)
    return UploadResult(filename=filename, doc_id=doc_id, state=DocState.FAILED.value, error=reason)


def too_large_reason() -> str:
    limit = get_settings().max_file_bytes // 1024 // 1024
    return f"文件过大：超过单个文件 {limit} MB 的上限，未接收。"


def too_large(batch_id: str, filename: str) -> UploadResult:
    return _failed(batch_id, filename, too_large_reason())


def accept_bytes(batch_id: str, filename: str, data: bytes) -> list[UploadResult]:
    """One uploaded file (possibly a zip) → one result per document it holds. The checks are the
    ingest's own (``refusal``), so the api and the CLI answer the same bytes the same way.

    A zip whose files are all images (``is_image_zip``) is the pages of one scanned document: it
    stays whole, one document read by OCR, once its members pass the zip bounds and are images
    (else it fails whole, with the reason). Any other zip is unpacked, one document per member; an
    image among PDFs or Word files is then a scanned document of its own, as a lone uploaded image
    is."""
    limits = ingest_limits()
    kind, reason = refusal(data, limits)
    if kind == "zip" and is_image_zip(data):
        try:
            for _page in image_zip_members(data, limits.zip):
                pass  # each page unpacked, checked and dropped: one in memory at a time
        except BadInputError as exc:
            reason = exc.user_message
        kind = "image_zip"
    if kind == "zip":
        # One member in memory at a time: each is registered (and stored) before the next is read.
        out: list[UploadResult] = []
        try:
            for entry in limits.zip.extract(data):
                if entry.data is None:
                    out.append(
                        _failed(
                            batch_id, f"{filename}/{entry.path}", entry.reason or "压缩包内文件无法解压。"
                        )
                    )
                elif sniff(entry.data) == "zip":
                    out.append(
                        _failed(
                            batch_id, f"{filename}/{entry.path}", "压缩包内嵌套压缩包：请直接上传其中的文件。"
                        )
                    )
                else:
                    out.extend(accept_bytes(batch_id, entry.path, entry.data))
                del entry
        except BadInputError as exc:  # the archive as a whole: members already handled stay
            out.append(_failed(batch_id, filename, exc.user_message))
        return out
    sha = hashlib.sha256(data).hexdigest()
    if reason:
        return [_failed(batch_id, filename, reason, sha)]
    doc_id = doc_id_for_content(batch_id, sha)
    owner = get_status().claim_content(batch_id, sha, doc_id)
    if owner != doc_id or get_status().get_doc(batch_id, owner) is not None:
        return [duplicate(batch_id, filename, sha, owner)]
    key = raw_key(batch_id, doc_id, filename)
    get_storage().put_bytes(key, data, CONTENT_TYPES.get(kind, "application/octet-stream"))
    outcome = DocOutcome(
        batch_id=batch_id, doc_id=doc_id, filename=safe_name(filename), raw_key=key, sha256=sha
    )
    if not register(outcome):
        return [duplicate(batch_id, filename, sha, doc_id)]
    return [UploadResult(filename=filename, doc_id=doc_id, state=DocState.QUEUED.value)]


def duplicate(batch_id: str, filename: str, sha: str, owner: str) -> UploadResult:
    """Content already in the batch (document ``owner``): nothing is stored again. Under another
    name it is recorded as a document of the batch, finished at once with ``duplicate_of`` and a
    reason, so the batch lists it; the same file sent again under its own name (a retried upload)
    is only answered."""
    first = get_status().get_doc(batch_id, owner) or {}
    first_name = str(first.get("filename") or "")
    name = safe_name(filename)
    if not first_name or first_name == name:
        return UploadResult(filename=filename, doc_id=owner, state="duplicate", duplicate_of=owner)
    # one record per (content, name): uploading the same copy again does not add another
    doc_id = doc_id_for_content(batch_id, f"{sha}\n{name}")
    reason = duplicate_reason(first_name)
    outcome = DocOutcome(
        batch_id=batch_id,
        doc_id=doc_id,
        filename=name,
        raw_key="",
        sha256=sha,
        state=DocState.FAILED,
        error=reason,
        duplicate_of=owner,
    )
    register(outcome)
    return UploadResult(filename=filename, doc_id=doc_id, state="duplicate", error=reason, duplicate_of=owner)
