"""Scans into the document layer: the per-page OCR decision, RapidOCR pages built by the same
page builder as text layers (grids from the rules found in the image, boxes where the text is),
number repairs at token level with their confidences, images and zips of page images, and the
bounds (image bombs, blank scans, page counts)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from services.ingest.core import ingest_bytes, needs_ocr
from services.ingest.ocr import (
    MIN_SKEW,
    OcrOptions,
    find_rules,
    open_image,
    repair_numbers,
    rotate,
    skew_angle,
    to_gray,
)
from services.ingest.pdf import build_page, extract_pdf, page_needs_ocr, text_layer
from services.ingest.pdf_grid import Char, HRule, VRule
from services.parse.numbers import REPAIRED_LETTER, REPAIRED_LOST_POINT, REPAIRED_SYMBOL, repair_number
from shared.document import DocumentKind, ExtractedDocument, Line
from shared.errors import BadInputError
from tests.pdfs import FONT, income_table_pdf, ruled_table

SHARED = Path(__file__).resolve().parents[3] / "shared" / "samples" / "pdf"
AMOUNTS = ["2,946.25", "2,940.05", "6.20", "2,112.86", "2,106.66", "1,511.90", "601.96", "594.77", "6.19"]


# ------------------------------------------------------------------ fixtures


def _render(pdf_bytes: bytes, dpi: int = 200, index: int = 0) -> Image.Image:
    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        page = pdf[index]
        return page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    finally:
        pdf.close()


def _image_pdf(images: list[Image.Image]) -> bytes:
    """An image-only PDF (no text layer), one A4 page per image."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    for img in images:
        c.drawImage(ImageReader(img), 0, 0, width=A4[0], height=A4[1])
        c.showPage()
    c.save()
    return buf.getvalue()


def _png(img: Image.Image, dpi: int | None = 200) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", **({"dpi": (dpi, dpi)} if dpi else {}))
    return buf.getvalue()


def _lost_point_pdf() -> bytes:
    """A ruled table whose amounts lost their decimal point ("586 91") or have a letter for a
    digit, as scans print them."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    w, h = A4
    c.setFont(FONT, 16)
    c.drawCentredString(w / 2, h - 80, "支出决算表")
    rows = [
        ["科目名称", "本年支出合计", "基本支出"],
        ["行政运行", "586 91", "253.72"],
        ["机关服务", "40.18", "12.05"],
    ]
    ruled_table(c, 60, h - 110, [150, 120, 120], rows, h=24, right=frozenset({1, 2}))
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def born() -> bytes:
    return income_table_pdf()


@pytest.fixture(scope="module")
def scanned(born: bytes) -> bytes:
    return _image_pdf([_render(born)])


@pytest.fixture(scope="module")
def scanned_doc(scanned: bytes) -> ExtractedDocument:
    return extract_pdf("scan.pdf", scanned)


# ------------------------------------------------------------------ decision (no OCR)


def _chars(text: str) -> list[Char]:
    return [Char(ch, 10.0 * i, 0.0, 10.0 * i + 9, 10.0) for i, ch in enumerate(text)]


def test_a_sane_text_layer_is_read_as_text() -> None:
    assert text_layer(_chars("一般公共预算财政拨款收入 2,940.05"), 0) == "text"
    assert text_layer(_chars("⼀般公共预算"), 0) == "text"  # Kangxi radicals are text of a PDF


def test_garbage_text_layers_are_ocred() -> None:
    assert text_layer(_chars("(cid:12)(cid:34)(cid:56)收入"), 0) == "garbage"
    assert text_layer(_chars("收入"), 40) == "garbage"  # mostly U+FFFD / private use (counted as bad)
    assert text_layer(_chars("ᚠᚢᚦᚨᚱᚲ收入"), 0) == "garbage"  # outside any table's vocabulary
    assert text_layer(_chars("abc"), 0) == "none"
    assert page_needs_ocr("garbage", has_image=False)  # its glyphs still render
    assert page_needs_ocr("none", has_image=True)  # a scan
    assert not page_needs_ocr("none", has_image=False)  # a blank page
    assert not page_needs_ocr("text", has_image=True)  # a text layer over a scan (searchable PDF)


def test_needs_ocr_counts_pages_without_rendering(born: bytes) -> None:
    blank = Image.new("L", (400, 566), 255)
    assert needs_ocr(born) == 0
    assert needs_ocr(_image_pdf([blank, blank, blank])) == 3
    mixed = pdfium.PdfDocument(born)
    mixed.import_pages(pdfium.PdfDocument(_image_pdf([blank])))
    buf = io.BytesIO()
    mixed.save(buf)
    assert needs_ocr(buf.getvalue()) == 1
    assert needs_ocr(_png(blank)) == 1
    assert needs_ocr(b"plain text, not a scan") == 0


def test_repairs_reuse_the_text_parser_confidences() -> None:
    assert repair_number("586 91") == ("586.91", REPAIRED_LOST_POINT)
    assert repair_number("253. 72") == ("253.72", 1.0)  # the point is there: only spacing
    assert repair_number("4416. 67.") == ("4416.67", REPAIRED_LETTER)
    assert repair_number("22001·") == ("22001", REPAIRED_LETTER)
    assert repair_number("I. 50") == ("1.50", REPAIRED_LETTER)
    assert repair_number("2O.30") == ("20.30", REPAIRED_LETTER)
    assert repair_number("55。2") == ("5502", REPAIRED_SYMBOL)
    assert repair_number("2,940.05") is None  # read as printed: no repair
    # a scan's dust and look-alikes around an amount: cleaned, and no longer certain
    assert repair_number(".187.19") == ("187.19", REPAIRED_LETTER)
    assert repair_number("10.00 .") == ("10.00", REPAIRED_LETTER)
    assert repair_number("8:37") == ("8.37", REPAIRED_LETTER)
    assert repair_number("187.i9") == ("187.19", REPAIRED_LETTER)
    assert repair_number("一般公共服务") is None


def test_ascii_punctuation_in_chinese_text_is_made_full_width() -> None:
    from services.ingest.ocr import _full_width_punctuation

    line = _chars("占15.16%;住房(类)1,234.56元,8:37")
    _full_width_punctuation(line)
    assert "".join(c.text for c in line) == "占15.16%；住房（类）1,234.56元，8:37"
    latin = _chars("a,b;c")
    _full_width_punctuation(latin)
    assert "".join(c.text for c in latin) == "a,b;c"  # no Chinese in the line: left alone


def test_builder_carries_char_confidence_and_repairs_tokens_and_cells() -> None:
    # a two-column ruled table and a line below it: every box in points
    hs = [HRule(y, 0, 200) for y in (0, 20, 40)]
    vs = [VRule(x, 0, 40) for x in (0, 100, 200)]

    def word(text: str, x: float, y: float, conf: float = 1.0) -> list[Char]:
        return [Char(ch, x + 6 * i, y, x + 6 * i + 6, y + 10, conf) for i, ch in enumerate(text)]

    chars = word("行政运行", 5, 5) + word("586", 120, 5) + word("91", 145, 5, conf=0.7)
    chars += word("机关服务", 5, 25) + word("I.50", 120, 25)
    chars += word("合计", 5, 60) + word("40", 60, 60) + word("18", 80, 60)
    page, seq = build_page(1, 595, 842, chars, hs, vs, ocr=True)
    repair_numbers(page)
    assert seq == 2 and len(page.grids) == 1
    cells = {(c.row, c.col): c for c in page.grids[0].cells}
    assert (cells[0, 1].text, cells[0, 1].confidence) == ("586.91", 0.7)  # OCR score below the repair's
    assert (cells[1, 1].text, cells[1, 1].confidence) == ("1.50", REPAIRED_LETTER)
    assert (cells[1, 0].text, cells[1, 0].confidence) == ("机关服务", 1.0)
    (line,) = page.lines
    assert line.ocr and line.text == "合计 40 18"  # the line keeps what the scan says
    assert [(t.text, t.confidence) for t in line.tokens] == [("合计", 1.0), ("40.18", REPAIRED_LOST_POINT)]
    assert line.tokens[1].span == (3, 8) and line.text[3:8] == "40 18"
    assert line.confidence == REPAIRED_LOST_POINT


def test_a_point_in_a_column_of_codes_is_dust() -> None:
    codes = ["201", "20106", "2010601", "22.1", "22102", "05."]
    hs = [HRule(20.0 * i, 0, 200) for i in range(len(codes) + 1)]
    vs = [VRule(x, 0, 20.0 * len(codes)) for x in (0, 100, 200)]
    chars: list[Char] = []
    for i, code in enumerate(codes):
        chars += [Char(ch, 5 + 6 * k, 20 * i + 5, 11 + 6 * k, 20 * i + 15) for k, ch in enumerate(code)]
        chars += [Char(ch, 120 + 6 * k, 20 * i + 5, 126 + 6 * k, 20 * i + 15) for k, ch in enumerate("12.50")]
    page, _ = build_page(1, 595, 842, chars, hs, vs, ocr=True)
    repair_numbers(page)
    cells = {(c.row, c.col): c for c in page.grids[0].cells}
    assert (cells[3, 0].text, cells[3, 0].confidence) == ("221", REPAIRED_LETTER)
    assert (cells[5, 0].text, cells[5, 0].confidence) == ("05", REPAIRED_LETTER)
    assert (cells[3, 1].text, cells[3, 1].confidence) == ("12.50", 1.0)  # amounts keep their point


def test_rules_and_skew_from_the_image(born: bytes) -> None:
    gray = to_gray(_render(born, 150))
    pt_per_px = 72 / 150
    hs, vs = find_rules(gray, pt_per_px)
    assert len([h for h in hs if h.x1 - h.x0 > 400]) == 7  # the table's 7 horizontal rules
    assert len([v for v in vs if v.y1 - v.y0 > 100]) == 8
    assert abs(skew_angle(gray, 1 / pt_per_px)) < 0.05
    turned = rotate(gray, 1.0)  # counter-clockwise by 1°
    angle = skew_angle(turned, 1 / pt_per_px)
    assert angle == pytest.approx(-1.0, abs=0.1)  # measured as turned -1° (clockwise positive)
    assert abs(skew_angle(rotate(turned, angle), 1 / pt_per_px)) < 0.1  # and turned back by it


def test_skew_of_a_page_of_text_without_rules() -> None:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setFont(FONT, 11)
    for i in range(25):
        c.drawString(60, 760 - 18 * i, "一般公共预算财政拨款支出决算为2940.05万元，完成年初预算的98.20%。")
    c.showPage()
    c.save()
    gray = to_gray(_render(buf.getvalue(), 150))
    assert abs(skew_angle(gray, 150 / 72)) < MIN_SKEW  # straight: read as it is
    assert skew_angle(rotate(gray, -1.2), 150 / 72) == pytest.approx(1.2, abs=0.2)


def test_ingest_imports_without_the_ocr_engine() -> None:
    import subprocess
    import sys

    code = (
        "import sys, services.ingest.core, services.ingest.ocr, services.ingest.pdf\n"
        "print(sorted(m for m in ('cv2', 'onnxruntime', 'rapidocr_onnxruntime') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------ bounds (no OCR)


def _png_header(w: int, h: int) -> bytes:
    """A PNG that declares w × h pixels and holds almost nothing (decoding it would fail)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))


def test_an_image_bomb_is_refused_before_decoding() -> None:
    bomb = _png_header(20_000, 20_000)
    with pytest.raises(BadInputError) as exc:
        open_image(bomb)
    assert "20000×20000" in exc.value.user_message and "炸弹" in exc.value.user_message
    with pytest.raises(BadInputError) as exc:
        ingest_bytes("photo.png", bomb)
    assert "20000×20000" in exc.value.user_message
    assert open_image(_png_header(2_000, 2_800)).size == (2_000, 2_800)  # a page: header read, not decoded


def test_a_scan_over_the_page_limit_is_refused_before_ocr() -> None:
    from services.ingest.core import IngestLimits

    blank = Image.new("L", (100, 141), 255)
    buf = io.BytesIO()
    blank.save(buf, "TIFF", save_all=True, append_images=[blank] * 4)
    with pytest.raises(BadInputError) as exc:
        ingest_bytes("scan.tif", buf.getvalue(), IngestLimits(max_scan_pages=3))
    assert "5 页" in exc.value.user_message and "上限 3 页" in exc.value.user_message


def test_a_zip_with_other_files_is_not_a_scan() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("1.png", _png(Image.new("L", (50, 70), 255)))
        zf.writestr("说明.txt", "不是图片")
    with pytest.raises(BadInputError) as exc:
        ingest_bytes("pages.zip", buf.getvalue())
    assert "压缩包" in exc.value.user_message


# ------------------------------------------------------------------ OCR (the engine runs)
# A blank page costs the engine's start and a detection pass (about 2 s); the others read a page.


def test_blank_scan_is_refused_with_a_clear_message() -> None:
    with pytest.raises(BadInputError) as exc:
        ingest_bytes("blank.png", _png(Image.new("L", (827, 1169), 255), 100))
    assert "没有识别出任何文字" in exc.value.user_message


@pytest.mark.slow  # one page of OCR: 2–4 s alone, more on a busy machine
def test_scanned_table_reads_back_exactly(born: bytes, scanned_doc: ExtractedDocument) -> None:
    assert scanned_doc.kind == DocumentKind.SCAN
    (page,) = scanned_doc.pages
    assert len(page.grids) == 1
    grid = page.grids[0]
    assert (grid.n_rows, grid.n_cols) == (6, 7)
    texts = [c.text.replace(" ", "") for c in grid.cells]
    for amount in AMOUNTS:
        assert amount in texts
    ref = extract_pdf("born.pdf", born).pages[0].grids[0]
    by_pos = {(c.row, c.col): c for c in grid.cells}
    for c in ref.cells:  # cell by cell: same text, boxes where the text layer has them
        o = by_pos[(c.row, c.col)]
        assert o.text.replace(" ", "") == c.text.replace(" ", ""), (c.row, c.col)
        assert c.bbox is not None and o.bbox is not None
        assert abs(o.bbox.x0 - c.bbox.x0) < 2 and abs(o.bbox.y0 - c.bbox.y0) < 2
    assert all(ln.ocr for ln in page.lines)
    assert page.label == "8"  # the printed page number, recognised at the foot
    title = next(ln for ln in page.lines if "收入决算表" in ln.text)
    assert title.bbox is not None and 250 < title.bbox.cx < 345 and 55 < title.bbox.cy < 75
    assert any("文字识别" in w for w in scanned_doc.warnings)


@pytest.mark.slow  # one page of OCR: 2–4 s alone, more on a busy machine
def test_lost_decimal_point_is_repaired_with_lowered_confidence() -> None:
    doc = extract_pdf("scan.pdf", _image_pdf([_render(_lost_point_pdf())]))
    cells = {(c.row, c.col): c for c in doc.pages[0].grids[0].cells}
    assert (cells[1, 1].text, cells[1, 1].confidence) == ("586.91", REPAIRED_LOST_POINT)
    assert (cells[1, 2].text, cells[1, 2].confidence) == ("253.72", 1.0)
    assert (cells[2, 1].text, cells[2, 1].confidence) == ("40.18", 1.0)


@pytest.mark.slow  # one page of OCR: 2–4 s alone, more on a busy machine
def test_progress_and_mixed_documents(born: bytes) -> None:
    mixed = pdfium.PdfDocument(born)
    mixed.import_pages(pdfium.PdfDocument(_image_pdf([_render(born)])))
    buf = io.BytesIO()
    mixed.save(buf)
    seen: list[tuple[int, int]] = []
    doc = ingest_bytes("mixed.pdf", buf.getvalue(), progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 1)]
    text_page, scan_page = doc.pages
    assert not any(ln.ocr for ln in text_page.lines) and all(ln.ocr for ln in scan_page.lines)
    assert [c.text for c in text_page.grids[0].cells] == [c.text for c in scan_page.grids[0].cells]
    # reading order runs on across the pages
    order = [b.line if isinstance(b, Line) else b.seq for b in doc.blocks()]
    assert order == list(range(1, len(order) + 1))


@pytest.mark.slow
def test_zip_of_page_images_in_natural_order(born: bytes) -> None:
    page = _render(born)
    other = _render(_lost_point_pdf())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("扫描/page10.png", _png(other))  # written first, read second
        zf.writestr("扫描/page2.png", _png(page))
    assert needs_ocr(buf.getvalue()) == 2
    doc = ingest_bytes("pages.zip", buf.getvalue())
    assert doc.kind == DocumentKind.SCAN and [p.number for p in doc.pages] == [1, 2]
    assert any("收入决算表" in ln.text for ln in doc.pages[0].lines)
    assert any("支出决算表" in ln.text for ln in doc.pages[1].lines)
    assert doc.pages[0].width == pytest.approx(A4[0], abs=1)  # 200 dpi → points


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.exists(), reason="the shared sample PDFs are not here")
def test_a_shanghai_page_turned_one_degree_reads_back() -> None:
    import re

    src = (SHARED / "上海市普陀区财政局2024年度部门决算.pdf").read_bytes()
    ref = extract_pdf("born.pdf", src).pages[14]
    gray = rotate(to_gray(_render(src, 200, 14)), 1.0)
    scan = _image_pdf([Image.fromarray(gray)])
    page = extract_pdf("scan.pdf", scan, ocr_options=OcrOptions(dpi=200)).pages[0]
    amount = re.compile(r"^[\d,]+\.\d\d$")
    want = {(c.row, c.col): c.text for g in ref.grids for c in g.cells if amount.match(c.text)}
    got = {(c.row, c.col): c.text for g in page.grids for c in g.cells}
    right = sum(1 for k, v in want.items() if got.get(k) == v)
    assert len(want) > 40 and right / len(want) >= 0.995
