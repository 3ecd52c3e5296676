"""Ingest service: raw upload → ExtractedDocument (extracted/{batch}/{doc}.json)."""

from __future__ import annotations

import hashlib

from services.ingest.text import extract_text_document
from services.stage import run_stage, status, storage
from services.tasks_common import RETRY
from services.worker import app
from shared.errors import BadInputError
from shared.filetypes import reject_reason, sniff
from shared.keys import stage_key
from shared.messages import DocRef, DocState
from shared.settings import get_settings


def ingest_core(ref: DocRef) -> str:
    data = storage().get_bytes(ref.raw_key)
    if len(data) > get_settings().max_file_bytes:
        raise BadInputError("too large", f"文件过大：{len(data) // 1024 // 1024} MB，超过单个文件上限。")
    reason = reject_reason(sniff(data), data)
    if reason:
        raise BadInputError("rejected type", reason)
    sha = hashlib.sha256(data).hexdigest()
    owner = status().claim_content(ref.batch_id, sha, ref.doc_id)
    if owner != ref.doc_id:
        raise BadInputError("duplicate", f"重复文件：与本批次中已上传的文件（{owner}）内容完全相同，未重复检查。")
    doc = extract_text_document(ref.filename, data)
    key = stage_key("extracted", ref.batch_id, ref.doc_id)
    storage().put_json(key, doc)
    return key


@app.task(name="juesuan.ingest", bind=True, **RETRY)
def ingest(self, msg: dict) -> dict:
    return run_stage(msg, "ingest", DocState.INGESTING, ingest_core)
