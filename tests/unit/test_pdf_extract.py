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
    # a portrait media box with /Rotate 90 and turned content: the page displays landscape, and
    # its size, boxes and foot are those of the landscape page a reader sees
    doc = extract_pdf("t.pdf", income_table_pdf(rotate=90))
    page = doc.pages[0]
    assert page.width == pytest.approx(841.89, abs=0.01) and page.height == pytest.approx(595.28, abs=0.01)
    title = page.lines[0]
    assert title.text == "收入决算表" and title.bbox is not None
    assert abs(title.bbox.cx - page.width / 2) < 1 and 60 < title.bbox.y0 < 100  # top centre
    assert page.label == "8"  # the number printed at the foot of the displayed page
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


# --------------------------------------------------------------------------- the page frame
# Every box is on the page as displayed: after /Rotate, from the top-left of the crop box cut to
# the media box (shared/pdfgeom.py). The pages below are drawn so that they display upright
# whatever their /Rotate and boxes; what pdfium itself shows (FPDF_PageToDevice, the mapping its
# renderer uses) is the judge, not our own frame.

A4 = (0.0, 0.0, 595.0, 842.0)
Rect = tuple[float, float, float, float]
FRAMES: list[tuple[int, Rect, Rect | None]] = [
    (0, A4, None),
    (90, A4, None),
    (180, A4, None),
    (270, A4, None),
    (0, (30.0, 50.0, 625.0, 892.0), None),  # a media box that does not start at 0,0
    (270, (30.0, 50.0, 625.0, 892.0), None),
    (90, (0.0, 0.0, 700.0, 900.0), (40.0, 60.0, 640.0, 880.0)),  # a crop box inside the media box
    (180, A4, (40.0, 60.0, 560.0, 800.0)),
    (270, (-20.0, -30.0, 600.0, 850.0), (10.0, 20.0, 900.0, 840.0)),  # a crop box cut by the media box
]
TEXT, TEXT_AT = "ALPHA 5377.64", (60.0, 80.0)  # left, baseline below the displayed top
TABLE = [["ITEM", "AMOUNT"], ["Total", "1,234.50"]]
TABLE_AT, COLS, ROW_H = (60.0, 150.0), (120.0, 100.0), 24.0  # left and top below the displayed top


def framed_pdf(rotate: int, media: Rect, crop: Rect | None) -> bytes:
    """One page with ``/Rotate rotate``, ``/MediaBox media`` and ``/CropBox crop`` whose content
    is drawn turned and shifted so that it displays upright: a line of text and a ruled 2×2 table
    (a stroked rectangle around single rules) at fixed places from the displayed top-left."""
    import io

    import pypdf
    from pypdf.generic import RectangleObject
    from reportlab.pdfgen import canvas

    left, bottom, right, top = media
    if crop is not None:
        left, bottom = max(left, crop[0]), max(bottom, crop[1])
        right, top = min(right, crop[2]), min(top, crop[3])
    dh = right - left if rotate in (90, 270) else top - bottom  # displayed height
    # displayed upright coordinates (origin bottom-left, y up) → user space
    ctm = {
        0: (1, 0, 0, 1, left, bottom),
        90: (0, 1, -1, 0, right, bottom),
        180: (-1, 0, 0, -1, right, top),
        270: (0, -1, 1, 0, left, top),
    }[rotate]
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842), invariant=1)
    c.transform(*ctm)
    c.setFont("Helvetica", 12)
    c.drawString(TEXT_AT[0], dh - TEXT_AT[1], TEXT)
    x0, y_top = TABLE_AT[0], dh - TABLE_AT[1]
    xs = [x0, x0 + COLS[0], x0 + COLS[0] + COLS[1]]
    c.setLineWidth(0.5)
    c.rect(xs[0], y_top - 2 * ROW_H, xs[2] - xs[0], 2 * ROW_H, stroke=1, fill=0)
    c.line(xs[0], y_top - ROW_H, xs[2], y_top - ROW_H)
    c.line(xs[1], y_top, xs[1], y_top - 2 * ROW_H)
    c.setFont("Helvetica", 9)
    for i, row in enumerate(TABLE):
        for j, text in enumerate(row):
            c.drawString(xs[j] + 3, y_top - (i + 1) * ROW_H + 8, text)
    c.showPage()
    c.save()
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(buf.getvalue())))
    sheet = writer.pages[0]
    sheet.mediabox = RectangleObject(list(media))
    if crop is not None:
        sheet.cropbox = RectangleObject(list(crop))
    if rotate:
        sheet.rotate(rotate)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def shown(data: bytes, word: str) -> tuple[tuple[float, float], Rect]:
    """pdfium's displayed page size, and where it shows ``word``: its characters' loose boxes
    (user space) taken to the displayed page by pdfium's own page-to-device mapping."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[0]
        w, h = page.get_size()
        tp = page.get_textpage()
        text = tp.get_text_range(0, tp.count_chars())
        start = text.index(word)
        k = 100  # device units per point
        dx, dy = ctypes.c_int(), ctypes.c_int()
        xs: list[float] = []
        ys: list[float] = []
        rect = pdfium_c.FS_RECTF()
        for i in range(start, start + len(word)):
            if word[i - start] == " ":
                continue
            assert pdfium_c.FPDFText_GetLooseCharBox(tp.raw, i, rect)
            for x, y in ((rect.left, rect.bottom), (rect.right, rect.top)):
                pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, round(w * k), round(h * k), 0, x, y, dx, dy)
                xs.append(dx.value / k)
                ys.append(dy.value / k)
        return (w, h), (min(xs), min(ys), max(xs), max(ys))
    finally:
        pdf.close()


def close(got: object, want: Rect, tol: float) -> bool:
    from shared.document import BBox

    assert isinstance(got, BBox)
    return all(abs(a - b) <= tol for a, b in zip((got.x0, got.y0, got.x1, got.y1), want, strict=True))


@pytest.mark.parametrize(("rotate", "media", "crop"), FRAMES)
def test_boxes_are_where_the_page_shows_them(rotate: int, media: Rect, crop: Rect | None) -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    data = framed_pdf(rotate, media, crop)
    (page,) = extract_pdf("t.pdf", data).pages
    (w, h), text_box = shown(data, TEXT)
    # the page's displayed size, and the text upright where it was put (the fixture is right)
    assert page.width == pytest.approx(w, abs=0.01) and page.height == pytest.approx(h, abs=0.01)
    assert text_box[0] == pytest.approx(TEXT_AT[0], abs=0.5)
    assert text_box[2] == pytest.approx(TEXT_AT[0] + stringWidth(TEXT, "Helvetica", 12), abs=0.5)
    assert text_box[1] < TEXT_AT[1] < text_box[3]
    # the extracted line's box is where pdfium shows its characters
    (line,) = [ln for ln in page.lines if "5377.64" in ln.text]
    assert close(line.bbox, text_box, 0.15), (line.bbox, text_box)
    # the ruling lines are in the same frame: the grid is found, its cells hold their text
    (grid,) = page.grids
    m = grid.matrix()
    assert [[c.text if c else None for c in row] for row in m] == TABLE
    cell = m[1][1]
    assert cell is not None
    x0, top = TABLE_AT[0] + COLS[0], TABLE_AT[1] + ROW_H
    assert close(cell.bbox, (x0, top, x0 + COLS[1], top + ROW_H), 0.6), cell.bbox
    _, cell_text_box = shown(data, "1,234.50")
    assert cell.bbox is not None
    assert cell.bbox.x0 < cell_text_box[0] < cell_text_box[2] < cell.bbox.x1
    assert cell.bbox.y0 < cell_text_box[1] < cell_text_box[3] < cell.bbox.y1


@pytest.mark.parametrize(("rotate", "media", "crop"), FRAMES)
def test_the_annotated_highlight_covers_the_extracted_box(
    rotate: int, media: Rect, crop: Rect | None
) -> None:
    """The extractor's boxes and the annotated copy (services/report/annotate.py) agree: the
    highlight over a line and over a cell has that text under it, and nothing else."""
    import io
    from typing import cast

    import pypdf
    import pypdfium2 as pdfium
    from pypdf.generic import ArrayObject, DictionaryObject

    from services.report.annotate import annotate_pdf
    from shared.models import Category, DocumentMeta, DocumentReport, Evidence, Finding, Prov, Severity

    data = framed_pdf(rotate, media, crop)
    (page,) = extract_pdf("t.pdf", data).pages
    (line,) = [ln for ln in page.lines if "5377.64" in ln.text]
    cell = page.grids[0].matrix()[1][1]
    assert cell is not None
    evidence = [
        Evidence(quote=line.text, prov=Prov(page=1, bbox=line.bbox)),
        Evidence(quote=cell.text, prov=Prov(page=1, bbox=cell.bbox)),
    ]
    finding = Finding(
        code="N301",
        category=Category.NARRATIVE_TABLE,
        severity=Severity.ERROR,
        title="说明与报表数字不一致",
        message="说明中为 5377.64 万元，报表为 1,234.50 万元。",
        evidence=evidence,
    )
    report = DocumentReport(document=DocumentMeta(source_name="t.pdf", kind="pdf"), findings=[finding])
    out = annotate_pdf(data, report)
    (sheet,) = pypdf.PdfReader(io.BytesIO(out)).pages
    (annot,) = [
        a
        for ref in cast(ArrayObject, sheet["/Annots"])
        for a in [cast(DictionaryObject, ref.get_object())]
        if a["/Subtype"] == "/Highlight"
    ]
    q = [float(v) for v in cast(ArrayObject, annot["/QuadPoints"])]
    pdf = pdfium.PdfDocument(out)
    try:
        tp = pdf[0].get_textpage()
        under = []
        for i in range(0, len(q), 8):
            xs, ys = q[i : i + 8 : 2], q[i + 1 : i + 8 : 2]
            text = tp.get_text_bounded(left=min(xs), bottom=min(ys), right=max(xs), top=max(ys))
            under.append(text.replace(" ", "").strip())
    finally:
        pdf.close()
    assert under == ["ALPHA5377.64", "1,234.50"], (rotate, media, crop)
