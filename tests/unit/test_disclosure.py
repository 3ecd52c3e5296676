"""Disclosure completeness rules on whole documents: the tables part missing is one finding, and
the real documents get exactly the completeness findings their expert audits list."""

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


def test_text_without_tables_is_judged_only_when_it_skips_the_tables_part():
    # seed 001 (Word export) goes from 第一部分 to 第三部分 and cites 公开10表: one finding;
    # seed 002 (PDF text) prints a 第二部分 heading whose tables were images: not judged
    doc = parsed_seed("001")
    assert not doc.tables
    findings, _ = _run("C001", doc)
    assert len(findings) == 1 and "决算表部分缺失" in findings[0].message
    doc = parsed_seed("002")
    assert not doc.tables
    with pytest.raises(NotApplicable):
        _run("C001", doc)


# the promised attachments that are absent (audits A-29, B-22); nothing else from C005–C008
SEED_DISCLOSURE = {"000": ["部门评价表"], "001": ["项目支出绩效自评表"], "002": [], "003": []}


@pytest.mark.parametrize("prefix", sorted(SEED_DISCLOSURE))
def test_seeds_raise_only_their_real_disclosure_findings(prefix):
    report = validate_document(parsed_seed(prefix))
    found = [f for f in report.findings if f.code in NEW_CODES]
    expected = SEED_DISCLOSURE[prefix]
    assert len(found) == len(expected), [f.message for f in found]
    for f, title in zip(found, expected, strict=True):
        assert f.code == "C008" and title in f.message


@pytest.mark.skipif(not SAMPLES.exists(), reason="sample PDFs not available")
def test_shanghai_pdfs_raise_no_disclosure_finding():
    for path in sorted(SAMPLES.glob("上海*.pdf")) + sorted(SAMPLES.glob("中共*.pdf")):
        doc = parse_document(ingest_bytes(path.name, path.read_bytes()))
        report = validate_document(doc)
        assert not [f.message for f in report.findings if f.code in NEW_CODES], path.name
        ran = {c.code for c in report.coverage if c.status == "ran"}
        assert {"C005", "C006", "C007"} <= ran, path.name
