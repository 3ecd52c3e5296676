"""Ground truth by construction: documents of fictional departments from corpus/, in the three
input styles, with defects injected where the generator knows them.

- Every injected defect is reported (a finding with the injected rule code).
- A document with no injected defect gets no finding at all.
- A defective document gets no finding outside the injected codes and the inconsistencies an
  injection necessarily creates elsewhere (changing a 03 cell can make 05 exceed 03, X206; changing
  a narrative total breaks the narrative's own sum, A405; …).
"""

from __future__ import annotations

import pytest

from corpus.generator import generate_document
from services.pipeline import check_bytes

STYLES = ("pdf", "ocr", "word")
CLEAN_SEEDS = range(40)
KNOCK_ON = {
    "T101": {"X206", "X201", "X202", "T103"},
    "T102": {"X206", "X201", "X202", "T103"},
    "N301": {"A405"},
    "X203": {"N301", "A401", "A402", "A405"},
    "U501": {"A405"},
    "A414": {"A415"},  # the changed 年末结转和结余 change also unbalances last year
    "N320": {"A405"},  # the section's total exceeds the 类 it still lists
}


@pytest.mark.parametrize("style", STYLES)
def test_defect_free_documents_raise_no_finding(style):
    noisy = {}
    for seed in CLEAN_SEEDS:
        doc = generate_document(seed, style, [])
        report, _ = check_bytes(doc.name + ".txt", doc.data)
        assert report.error is None, (doc.name, report.error)
        if report.findings:
            noisy[doc.name] = [(f.code, f.message) for f in report.findings]
    assert not noisy


def _defects_for(style: str) -> list[str]:
    from corpus.defects import supported

    return list(supported(style))


@pytest.mark.parametrize("style", STYLES)
def test_every_injected_defect_is_found(style):
    misses, extras = [], []
    for defect in _defects_for(style):
        for seed in range(100, 106):
            doc = generate_document(seed, style, [defect])
            report, _ = check_bytes(doc.name + ".txt", doc.data)
            codes = {f.code for f in report.findings}
            for injected in doc.defects:
                if injected.code not in codes:
                    misses.append((doc.name, defect, injected.code, sorted(codes)))
            allowed = {d.code for d in doc.defects}
            for d in doc.defects:
                allowed |= KNOCK_ON.get(d.code, set())
            extras += [
                (doc.name, defect, f.code, f.message) for f in report.findings if f.code not in allowed
            ]
    assert not misses
    assert not extras


def test_evidence_points_at_the_injected_text():
    doc = generate_document(7, "pdf", ["yoy_percent_wrong"])
    report, _ = check_bytes(doc.name + ".txt", doc.data)
    (injected,) = doc.defects
    hits = [f for f in report.findings if f.code == injected.code]
    assert hits and hits[0].evidence[0].line
    assert injected.hint.replace(" ", "") in "".join(e.quote for e in hits[0].evidence).replace(" ", "")


# --------------------------------------------------------------------------- real files
# The same drafts rendered as PDF (ruled Shanghai-2024 layout, empty cells blank, split 科目编码),
# Word (real tables with merged headers) and Excel (one bordered table a sheet): read by layout,
# they must give the same verdicts as the text.

FILE_FORMATS = ("pdf", "docx", "xlsx")


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_defect_free_files_raise_no_finding(fmt):
    from corpus.generator import generate_file

    noisy = {}
    for seed in range(8):
        doc = generate_file(seed, fmt, [])
        report, parsed = check_bytes(doc.filename, doc.data)
        assert report.error is None, (doc.name, report.error)
        assert parsed is not None and len(parsed.tables) == 10 and all(t.from_grid for t in parsed.tables)
        if report.findings:
            noisy[doc.name] = [(f.code, f.message) for f in report.findings]
    assert not noisy


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_every_injected_defect_is_found_in_files(fmt):
    from corpus.generator import generate_file, supported_file_defects

    misses, extras = [], []
    for defect in supported_file_defects(fmt):
        for seed in (100, 101):
            doc = generate_file(seed, fmt, [defect])
            report, _ = check_bytes(doc.filename, doc.data)
            codes = {f.code for f in report.findings}
            misses += [(doc.name, defect, d.code, sorted(codes)) for d in doc.defects if d.code not in codes]
            allowed = {d.code for d in doc.defects}
            for d in doc.defects:
                allowed |= KNOCK_ON.get(d.code, set())
            extras += [
                (doc.name, defect, f.code, f.message) for f in report.findings if f.code not in allowed
            ]
    assert not misses
    assert not extras


def test_file_evidence_points_at_page_and_box():
    from corpus.generator import generate_file

    doc = generate_file(7, "pdf", ["column_sum_wrong"])
    report, _ = check_bytes(doc.filename, doc.data)
    (injected,) = doc.defects
    hits = [f for f in report.findings if f.code == injected.code]
    assert hits
    cells = [e for e in hits[0].evidence if e.table]
    assert cells and all(e.prov.page and e.prov.bbox for e in cells)
