"""The born-digital PDF extractor: grids from ruling lines, text lines, page labels, and a clear
message for every PDF it cannot read."""

from __future__ import annotations

from decimal import Decimal

import pytest
from reportlab.lib import pdfencrypt

from services.ingest.core import ingest_bytes
from services.ingest.pdf import PdfLimits, extract_pdf
from services.parse.document import parse_document
from shared.errors import BadInputError
from shared.knowledge.tables import TableKind
from tests.pdfs import image_only_pdf, income_table_pdf, many_pages_pdf


def test_ruled_table_becomes_a_grid_and_the_rest_lines() -> None:
    doc = extract_pdf("t.pdf", income_table_pdf())
    (page,) = doc.pages
    (grid,) = page.grids
    assert (grid.n_rows, grid.n_cols) == (6, 7)
    m = grid.matrix()
    assert [c.text if c else None for c in m[4]] == [
        "201",
        "06",
        "01",
        "行政运行",
        "1,511.90",
        "1,511.89",
        "0.01",
    ]
    assert m[1][0] is not None and m[1][0].text == ""  # the 合计 row's empty code cells are there, empty
    texts = [ln.text for ln in page.lines]
    assert texts[:2] == ["收入决算表", "单位：万元"]
    assert any(t.startswith("注：本表") for t in texts)
    # reading order: title and unit above the grid, the note below it
    order = sorted([*page.lines, *page.grids], key=lambda b: getattr(b, "line", None) or b.seq)
    assert order[2] is grid


def test_boxes_are_top_left_points() -> None:
    doc = extract_pdf("t.pdf", income_table_pdf())
    page = doc.pages[0]
    title = page.lines[0]
    assert title.bbox is not None and 60 < title.bbox.y0 < 100  # near the top of an A4 page (842 pt)
    cell = next(c for c in page.grids[0].cells if c.text == "1,511.89")
    assert cell.bbox is not None and cell.bbox.x0 < cell.bbox.x1 and cell.bbox.y0 < cell.bbox.y1


def test_printed_page_number_is_the_label_not_text() -> None:
    doc = extract_pdf("t.pdf", income_table_pdf(page_number="- 8 -"))
    assert doc.pages[0].label == "8"
    assert not any("8 -" in ln.text for ln in doc.pages[0].lines)


def test_rotated_page_reads_the_same() -> None:
    doc = extract_pdf("t.pdf", income_table_pdf(rotate=90))
    page = doc.pages[0]
    assert page.width and page.height and page.width > page.height  # displayed landscape
    assert any(c.text == "1,511.89" for g in page.grids for c in g.cells) or any(
        "1,511.89" in ln.text for ln in page.lines
    )


def test_parsed_cells_from_the_grid() -> None:
    parsed = parse_document(extract_pdf("t.pdf", income_table_pdf()))
    table = parsed.table(TableKind.INCOME)
    assert table is not None and table.from_grid
    row = table.rows_by_code()["2010601"]
    assert row.num("本年收入合计") == Decimal("1511.90") and row.num("财政拨款收入") == Decimal("1511.89")
    assert row.num("其他收入") == Decimal("0.01")
    assert row.cells["本年收入合计"].prov.page == 1 and row.cells["本年收入合计"].prov.bbox is not None
    total = next(r for r in table.rows if r.code is None)
    assert total.name == "合计" and total.num("其他收入") == Decimal("6.20")


def test_encrypted_with_empty_user_password_is_read() -> None:
    enc = pdfencrypt.StandardEncryption("", ownerPassword="owner", canPrint=1, canModify=0)
    doc = extract_pdf("t.pdf", income_table_pdf(encrypt=enc))
    assert doc.pages[0].grids


def test_password_protected_pdf_has_a_clear_message() -> None:
    enc = pdfencrypt.StandardEncryption("secret", ownerPassword="owner")
    with pytest.raises(BadInputError) as exc:
        extract_pdf("t.pdf", income_table_pdf(encrypt=enc))
    assert "加密" in exc.value.user_message and "密码" in exc.value.user_message


def test_scan_without_text_needs_ocr() -> None:
    with pytest.raises(BadInputError) as exc:
        extract_pdf("scan.pdf", image_only_pdf())
    assert "OCR" in exc.value.user_message or "扫描" in exc.value.user_message


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_damaged_pdf(damage: str) -> None:
    good = income_table_pdf()
    data = good[: len(good) // 3] if damage == "truncated" else b"%PDF-1.7\n" + bytes(range(256)) * 40
    with pytest.raises(BadInputError) as exc:
        extract_pdf("bad.pdf", data)
    assert "PDF" in exc.value.user_message


def test_page_limit() -> None:
    with pytest.raises(BadInputError) as exc:
        extract_pdf("long.pdf", many_pages_pdf(12), PdfLimits(max_pages=10))
    assert "12 页" in exc.value.user_message and "上限 10 页" in exc.value.user_message


def test_a_2000_page_pdf_is_refused_quickly() -> None:
    with pytest.raises(BadInputError) as exc:
        ingest_bytes("long.pdf", many_pages_pdf(2000))
    assert "2000 页" in exc.value.user_message


def test_unruled_table_columns_from_alignment() -> None:
    # the same table printed without rules: columns from where the words sit, named by the header
    parsed = parse_document(extract_pdf("t.pdf", income_table_pdf(rules=False)))
    table = parsed.table(TableKind.INCOME)
    assert table is not None and table.columns == ["本年收入合计", "财政拨款收入", "其他收入"]
    assert any("没有表格线" in n for n in table.parse_notes)
    row = table.rows_by_code()["2010602"]
    assert (row.num("本年收入合计"), row.num("财政拨款收入"), row.num("其他收入")) == (
        Decimal("601.96"),
        Decimal("594.77"),
        Decimal("6.19"),
    )
    total = next(r for r in table.rows if r.code is None)
    assert total.num("其他收入") == Decimal("6.20")
