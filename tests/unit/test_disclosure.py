"""Disclosure completeness rules on whole documents: the tables part missing is one finding, and
the real documents get no completeness finding from C005–C008."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.generator import generate_file
from services.ingest.core import ingest_bytes
from services.parse.document import parse_document
from services.validate.catalogue import CheckContext, NotApplicable, get_rule
from services.validate.engine import validate_document
from shared.document import DocumentKind
from tests.conftest import parsed_seed

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "pdf"
NEW_CODES = {"C005", "C006", "C007", "C008"}


def _run(code: str, doc):
    rule = get_rule(code)
    ctx = CheckContext()
    return list(rule.check(rule, doc, ctx)), ctx


def test_tables_part_missing_is_one_finding():
    f = generate_file(3, "pdf", [])
    doc = parse_document(ingest_bytes(f.filename, f.data))
    assert doc.kind == DocumentKind.PDF and len(doc.tables) == 10
    doc.tables = []
    findings, _ = _run("C001", doc)
    assert len(findings) == 1
    assert "决算表部分缺失" in findings[0].message


def test_text_without_tables_is_not_judged():
    # seeds 001 (Word export) and 002 (PDF text): their tables did not come through as text
    for prefix in ("001", "002"):
        doc = parsed_seed(prefix)
        assert not doc.tables
        with pytest.raises(NotApplicable):
            _run("C001", doc)


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003"])
def test_seeds_raise_no_disclosure_finding(prefix):
    report = validate_document(parsed_seed(prefix))
    assert not [f.message for f in report.findings if f.code in NEW_CODES]


@pytest.mark.skipif(not SAMPLES.exists(), reason="sample PDFs not available")
def test_shanghai_pdfs_raise_no_disclosure_finding():
    for path in sorted(SAMPLES.glob("上海*.pdf")) + sorted(SAMPLES.glob("中共*.pdf")):
        doc = parse_document(ingest_bytes(path.name, path.read_bytes()))
        report = validate_document(doc)
        assert not [f.message for f in report.findings if f.code in NEW_CODES], path.name
        ran = {c.code for c in report.coverage if c.status == "ran"}
        assert {"C005", "C006", "C007"} <= ran, path.name
