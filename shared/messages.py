"""Messages between stages: small, ids and object keys only — document bodies never travel
through the broker."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class DocState(StrEnum):
    QUEUED = "queued"
    INGESTING = "ingesting"
    RECOGNIZING = "recognizing"  # OCR of a scan's pages (stage ``ocr``)
    PARSING = "parsing"
    VALIDATING = "validating"
    RENDERING = "rendering"
    DONE = "done"
    FAILED = "failed"


TERMINAL = {DocState.DONE, DocState.FAILED}

# The four stages every document passes, in order, and the state a document is in while each one
# runs. Between stages a document is ``queued`` with ``stage`` naming the stage it waits for.
STAGES = ("ingest", "parse", "validate", "report")
# A scan takes a side road: ingest sees pages that need OCR and hands the document to ``ocr`` (its
# own queue and workers, so a long scan never holds text documents back), which writes the same
# extracted object ingest would and passes the document to parse.
OCR = "ocr"
# Every stage; each has a Celery queue of its own name and a task ``juesuan.<stage>``.
QUEUES = ("ingest", OCR, "parse", "validate", "report")
RUNNING = {
    "ingest": DocState.INGESTING,
    OCR: DocState.RECOGNIZING,
    "parse": DocState.PARSING,
    "validate": DocState.VALIDATING,
    "report": DocState.RENDERING,
}
# The object each stage writes; the next stage reads it (report's own outputs are the reports).
OUTPUT_PREFIX = {"ingest": "extracted", OCR: "extracted", "parse": "parsed", "validate": "findings"}


def next_stage(stage: str) -> str | None:
    if stage == OCR:
        return "parse"
    i = STAGES.index(stage)
    return STAGES[i + 1] if i + 1 < len(STAGES) else None


class DocRef(BaseModel):
    """Passed along the chain ingest → parse → validate → report."""

    batch_id: str
    doc_id: str
    filename: str
    raw_key: str
    key: str | None = None  # the previous stage's output
    failed: bool = False  # a permanent failure upstream: later stages pass it through
    reason: str | None = None
    ocr_pages: int | None = None  # the ocr stage's message: pages to recognize (its time limits scale)


class DocOutcome(BaseModel):
    """The durable per-document record (manifests/{batch}/docs/{doc}.json)."""

    batch_id: str
    doc_id: str
    filename: str
    raw_key: str
    sha256: str | None = None
    state: DocState = DocState.QUEUED
    error: str | None = None
    department: str | None = None
    year: int | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    categories: dict[str, int] = Field(default_factory=dict)
    # stored reports by format name (services/report/formats.py: json, html, xlsx, csv, pdf, annotated)
    report_keys: dict[str, str] = Field(default_factory=dict)
    # formats asked for but not produced, with the Chinese reason (not a PDF original, no Chromium…)
    report_unavailable: dict[str, str] = Field(default_factory=dict)
    duplicate_of: str | None = None  # the document of the batch with the same content (not checked again)


def duplicate_reason(original_name: str) -> str:
    """Why a copy of a document already in the batch is not checked (upload or ingest found it)."""
    return f"重复文件：与 {original_name} 内容完全相同，未重复检查。"


class BatchManifest(BaseModel):
    batch_id: str
    created_at: str
    name: str | None = None
    tenant: str | None = None  # who created it (services/api/auth.py); None: before tenants, "default"
    doc_ids: list[str] = Field(default_factory=list)
