"""Ingest service: raw upload → ExtractedDocument (extracted/{batch}/{doc}.json)."""

from __future__ import annotations

import hashlib

from services.ingest.core import ingest_bytes, refusal
from services.pipeline import ingest_limits
from services.stage import run_stage, status, storage
from services.tasks_common import RETRY
from services.worker import app
from shared.errors import BadInputError
from shared.keys import stage_key
from shared.messages import DocRef, DocState


def ingest_core(ref: DocRef) -> str:
    data = storage().get_bytes(ref.raw_key)
    limits = ingest_limits()
    _kind, reason = refusal(data, limits)
    if reason:
        raise BadInputError("refused", reason)
    sha = hashlib.sha256(data).hexdigest()
    owner = status().claim_content(ref.batch_id, sha, ref.doc_id)
    if owner != ref.doc_id:
        raise BadInputError("duplicate", f"重复文件：与本批次中已上传的文件（{owner}）内容完全相同，未重复检查。")
    doc = ingest_bytes(ref.filename, data, limits)
    key = stage_key("extracted", ref.batch_id, ref.doc_id)
    storage().put_json(key, doc)
    return key


@app.task(name="juesuan.ingest", bind=True, **RETRY)
def ingest(self, msg: dict) -> dict:
    return run_stage(msg, "ingest", DocState.INGESTING, ingest_core)
