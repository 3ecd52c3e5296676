"""Validate service: ParsedDocument → DocumentReport with findings (findings/{batch}/{doc}.json)."""

from __future__ import annotations

from services.stage import run_stage, storage
from services.tasks_common import RETRY
from services.validate.engine import validate_document
from services.worker import app
from shared.keys import stage_key
from shared.messages import DocRef
from shared.models import ParsedDocument


def validate_core(ref: DocRef) -> str:
    assert ref.key
    report = validate_document(storage().get_model(ref.key, ParsedDocument))
    key = stage_key("findings", ref.batch_id, ref.doc_id)
    storage().put_json(key, report)
    return key


@app.task(name="juesuan.validate", bind=True, **RETRY)
def validate(self, msg: dict) -> dict | None:
    return run_stage(msg, "validate", validate_core, self.request.id)
