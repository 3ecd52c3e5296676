"""Parse service: ExtractedDocument → ParsedDocument (parsed/{batch}/{doc}.json)."""

from __future__ import annotations

from services.parse.document import parse_document
from services.stage import run_stage, storage
from services.tasks_common import RETRY
from services.worker import app
from shared.document import ExtractedDocument
from shared.keys import stage_key
from shared.messages import DocRef


def parse_core(ref: DocRef) -> str:
    assert ref.key
    parsed = parse_document(storage().get_model(ref.key, ExtractedDocument))
    key = stage_key("parsed", ref.batch_id, ref.doc_id)
    storage().put_json(key, parsed)
    return key


@app.task(name="juesuan.parse", bind=True, **RETRY)
def parse(self, msg: dict) -> dict | None:
    return run_stage(msg, "parse", parse_core, self.request.id)
