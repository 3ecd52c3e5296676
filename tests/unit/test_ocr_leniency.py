"""Rules lenient with OCR'd text are lenient with every document read by OCR: a scan read with its
layout (DocumentKind.SCAN) gets what OCR text (DocumentKind.OCR_TEXT) gets — W603/W604 findings at
lower confidence with the OCR note, C004 and W606 (numbering) at lower confidence with their notes, S702 names compared
allowing a misread character — and a text document does not."""

from __future__ import annotations

import pytest

from services.ingest.text import extract_text_document
from services.parse.document import parse_document
from services.validate.catalogue import CheckContext, get_rule
from services.validate.rules.form import OCR_NOTE, OCR_NUMBERING_NOTE
from shared.document import DocumentKind
from shared.models import Finding
from tests.rules.test_rule_cases import FILES, PREAMBLE

OCR_KINDS = (DocumentKind.OCR_TEXT, DocumentKind.SCAN)


def _case(code: str, name: str) -> str:
    return next(c["fail_str"] for c in FILES[code]["cases"] if c["name"] == name)


def _findings(code: str, text: str, kind: DocumentKind) -> list[Finding]:
    parsed = parse_document(extract_text_document(f"{code}.txt", (PREAMBLE + text).encode("utf-8")))
    parsed.kind = kind  # the same text, as if it came from a scan
    rule = get_rule(code)
    return [f for f in rule.check(rule, parsed, CheckContext()) if f.code == code]


def test_the_predicate() -> None:
    assert {k for k in DocumentKind if k.is_ocr} == set(OCR_KINDS)


@pytest.mark.parametrize(
    ("code", "case", "note"),
    [
        ("W603", "full_stop_twice", OCR_NOTE),
        ("W604", "bracket_never_closed", OCR_NOTE),
        ("C004", "part_repeated_and_missing", "扫描件的序号可能被 OCR 误识"),
        ("W606", "section_skipped", OCR_NUMBERING_NOTE),
        ("W606", "glossary_entry_skipped", OCR_NUMBERING_NOTE),
    ],
)
def test_scan_findings_are_as_unsure_as_ocr_text(code: str, case: str, note: str) -> None:
    text = _case(code, case)
    (plain,) = _findings(code, text, DocumentKind.TEXT)[:1]
    assert plain.confidence == 1.0 and not plain.note
    for kind in OCR_KINDS:
        found = _findings(code, text, kind)
        assert found and [f.message for f in found] == [
            f.message for f in _findings(code, text, DocumentKind.TEXT)
        ], kind
        assert all(f.confidence < 1.0 and note in (f.note or "") for f in found), kind


def test_s702_allows_a_misread_character_in_a_scan() -> None:
    # “港澳台侨事务” against “港澳台事务”: one character apart, which OCR can explain
    close = _case("S702", "old_section_name_beside_its_other_item")
    assert any("“港澳台事务”" in f.message for f in _findings("S702", close, DocumentKind.TEXT))
    for kind in OCR_KINDS:
        assert not _findings("S702", close, kind), kind
    # a different name is still a different name in a scan
    other = _case("S702", "glossary_section_name_against_tables")
    for kind in OCR_KINDS:
        assert any("“行政事业单位养老支出”" in f.message for f in _findings("S702", other, kind)), kind
