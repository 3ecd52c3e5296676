"""Ingest service: raw upload → ExtractedDocument (extracted/{batch}/{doc}.json).

A document with pages that need OCR (a scan, a photo of a page) is not read here: ingest hands it to
the ``ocr`` stage (services/ingest/ocr_tasks.py, its own queue and workers), so a long scan never
holds the text documents behind it back."""

from __future__ import annotations

import hashlib

from services.ingest.core import ingest_bytes, needs_ocr, refusal
from services.pipeline import ingest_limits
from services.stage import Handoff, load_outcome, run_stage, status, storage
from services.tasks_common import RETRY
from services.worker import app
from shared.errors import BadInputError
from shared.keys import doc_manifest_key, stage_key
from shared.messages import OCR, DocRef, duplicate_reason
from shared.settings import get_settings


def mark_duplicate(ref: DocRef, owner: str) -> str:
    """Record in the document's manifest that it copies ``owner`` (the report stage keeps it in the
    outcome, so status and summary show it); returns the Chinese reason it fails with."""
    first = status().get_doc(ref.batch_id, owner) or {}
    reason = duplicate_reason(str(first.get("filename") or owner))
    outcome = load_outcome(ref)
    outcome.duplicate_of = owner
    storage().put_json(doc_manifest_key(ref.batch_id, ref.doc_id), outcome)
    return reason


def read_raw(ref: DocRef) -> bytes:
    """The uploaded bytes, refused before reading when the object is missing or too large."""
    try:
        size = storage().size(ref.raw_key)  # before reading: a presigned upload may be any size
    except KeyError as exc:
        raise BadInputError(
            "raw object missing", "原始文件不存在：上传未完成或已被删除，请重新上传。"
        ) from exc
    if size > get_settings().max_file_bytes:
        mb = get_settings().max_file_bytes // 1024 // 1024
        raise BadInputError("raw object too large", f"文件过大：超过单个文件 {mb} MB 的上限，未处理。")
    return storage().get_bytes(ref.raw_key)


def ingest_core(ref: DocRef) -> str | Handoff:
    limits = ingest_limits()
    data = read_raw(ref)
    _kind, reason = refusal(data, limits)
    if reason:
        raise BadInputError("refused", reason)
    sha = hashlib.sha256(data).hexdigest()
    owner = status().claim_content(ref.batch_id, sha, ref.doc_id)
    if owner != ref.doc_id:
        raise BadInputError("duplicate", mark_duplicate(ref, owner))
    pages = needs_ocr(data, limits)
    if pages > 0:
        return Handoff(OCR, pages)
    doc = ingest_bytes(ref.filename, data, limits)
    key = stage_key("extracted", ref.batch_id, ref.doc_id)
    storage().put_json(key, doc)
    return key


@app.task(name="juesuan.ingest", bind=True, **RETRY)
def ingest(self, msg: dict) -> dict | None:
    return run_stage(msg, "ingest", ingest_core, self.request.id)
