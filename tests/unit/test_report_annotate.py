"""The annotated original (services/report/annotate.py): one /Highlight per finding with a boxed
evidence, over the evidence's text on the right page (rotated pages and shifted crop boxes
included), its note in Chinese, the original bytes kept; Word originals and unreadable PDFs refused
with a Chinese reason. A PDF drawn here with reportlab gives known text at known places; the real
Shanghai PDFs (../shared) are checked through the pipeline when present."""

from __future__ import annotations

import ctypes
import io
from pathlib import Path
from typing import cast

import pypdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from pypdf.generic import ArrayObject, DictionaryObject, RectangleObject
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from services.report.annotate import AUTHOR, COLORS, annotate_pdf
from services.report.formats import NotApplicable, ReportFormat, render_document
from shared.document import BBox
from shared.models import (
    Category,
    DocumentMeta,
    DocumentReport,
    Evidence,
    Finding,
    Prov,
    Severity,
)

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "pdf"
FONT = "STSong-Light"
SIZE = 12
W, H = 595.0, 842.0
# (page, text, x, baseline y) in user space, drawn on an unrotated A4 page
TEXTS = [
    (1, "ALPHA 5377.64", 100.0, 700.0),
    (1, "BRAVO 4896.98", 300.0, 400.0),
    (2, "CHARLIE 5364.75", 120.0, 500.0),
]


def make_pdf(rotate: int = 0, crop: tuple[float, float, float, float] | None = None) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(W, H))
    for page in (1, 2):
        c.setFont(FONT, SIZE)
        for on, text, x, y in TEXTS:
            if on == page:
                c.drawString(x, y, text)
        c.drawString(72, 72, f"第{page}页 基本支出")
        c.showPage()
    c.save()
    if not rotate and crop is None:
        return buf.getvalue()
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(buf.getvalue())))
    for sheet in writer.pages:
        if crop is not None:
            sheet.mediabox = RectangleObject([crop[0] - 10, crop[1] - 10, crop[2] + 10, crop[3] + 10])
            sheet.cropbox = RectangleObject(list(crop))
        if rotate:
            sheet.rotate(rotate)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def user_box(text: str, x: float, y: float) -> tuple[float, float, float, float]:
    """The drawn string's box in user space: (left, bottom, right, top)."""
    width = pdfmetrics.stringWidth(text, FONT, SIZE)
    return x, y - 0.12 * SIZE, x + width, y + 0.88 * SIZE


def displayed(
    box: tuple[float, float, float, float], rotate: int, crop: tuple[float, float, float, float]
) -> BBox:
    """The box as ingest reports it: top-left origin of the page as displayed (rotated
    clockwise by ``rotate``, measured from the crop box)."""
    left, bottom, right, top = box
    cl, cb, cr, ct = crop
    if rotate == 90:
        return BBox(x0=bottom - cb, y0=left - cl, x1=top - cb, y1=right - cl)
    if rotate == 180:
        return BBox(x0=cr - right, y0=bottom - cb, x1=cr - left, y1=top - cb)
    if rotate == 270:
        return BBox(x0=ct - top, y0=cr - right, x1=ct - bottom, y1=cr - left)
    return BBox(x0=left - cl, y0=ct - top, x1=right - cl, y1=ct - bottom)


def ev(
    i: int, rotate: int = 0, crop: tuple[float, float, float, float] = (0, 0, W, H), **kw: str
) -> Evidence:
    page, text, x, y = TEXTS[i]
    bbox = displayed(user_box(text, x, y), rotate, crop)
    return Evidence(quote=text, prov=Prov(page=page, bbox=bbox), **kw)


def finding(code: str, severity: Severity, message: str, evidence: list[Evidence], **kw: object) -> Finding:
    return Finding(
        code=code,
        category=Category.NARRATIVE_TABLE,
        severity=severity,
        title="说明与报表数字不一致",
        message=message,
        evidence=evidence,
        **kw,
    )


def report_for(rotate: int = 0, crop: tuple[float, float, float, float] = (0, 0, W, H)) -> DocumentReport:
    return DocumentReport(
        document=DocumentMeta(source_name="测试.pdf", kind="pdf", page_count=2, page_labels={2: "二"}),
        findings=[
            finding(
                "N301",
                Severity.ERROR,
                "说明中基本支出为 5377.64 万元，报表为 5364.75 万元。",
                [
                    ev(0, rotate, crop),
                    ev(1, rotate, crop),
                    ev(2, rotate, crop, table="财政拨款支出决算表", row="合计"),
                ],
                stated=["5377.64万元"],
                expected="5364.75万元",
                derivation="报表合计（基本支出）",
                suspect="两张报表一致，说明中的数字可能有误",
            ),
            finding("W601", Severity.WARNING, "文中留有模板措辞。", [ev(2, rotate, crop)]),
            finding("C001", Severity.INFO, "缺少政府性基金预算财政拨款收入支出决算表。", []),
            finding("U503", Severity.INFO, "增减幅度缺少“%”。", [Evidence(quote="13.95", prov=Prov(page=1))]),
        ],
    )


def annots(data: bytes, subtype: str = "/Highlight") -> list[tuple[int, DictionaryObject]]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    out = []
    for index, page in enumerate(reader.pages):
        for ref in cast(ArrayObject, page.get("/Annots") or ArrayObject()):
            a = cast(DictionaryObject, ref.get_object())
            if a.get("/Subtype") == subtype:
                out.append((index + 1, a))
    return out


def text_under(data: bytes, page: int, rect: list[float]) -> str:
    """The text pdfium finds inside a user-space rectangle."""
    pdf = pdfium.PdfDocument(data)
    try:
        tp = pdf[page - 1].get_textpage()
        left, bottom, right, top = (float(v) for v in rect)
        return tp.get_text_bounded(left=left, bottom=bottom, right=right, top=top).replace(" ", "")
    finally:
        pdf.close()


def floats(a: DictionaryObject, key: str) -> list[float]:
    return [float(v) for v in cast(ArrayObject, a[key])]


def quads(a: DictionaryObject) -> list[list[float]]:
    q = floats(a, "/QuadPoints")
    return [q[i : i + 8] for i in range(0, len(q), 8)]


def quad_rect(q: list[float]) -> list[float]:
    xs, ys = q[0::2], q[1::2]
    return [min(xs), min(ys), max(xs), max(ys)]


def to_display(data: bytes, page: int, points: list[float]) -> list[tuple[float, float]]:
    """User-space points → displayed top-left points, by pdfium's own page-to-device mapping."""
    pdf = pdfium.PdfDocument(data)
    try:
        pg = pdf[page - 1]
        w, h = pg.get_size()
        k = 100  # device units per point: integer device coordinates lose nothing that matters
        dx, dy = ctypes.c_int(), ctypes.c_int()
        out = []
        for x, y in zip(points[0::2], points[1::2], strict=True):
            pdfium_c.FPDF_PageToDevice(pg.raw, 0, 0, round(w * k), round(h * k), 0, x, y, dx, dy)
            out.append((dx.value / k, dy.value / k))
        return out
    finally:
        pdf.close()


def covers(data: bytes, page: int, q: list[float], bbox: BBox, tol: float = 1.0) -> bool:
    """The quad, seen on the displayed page, is the bbox (padded by a point) within ``tol``."""
    pts = to_display(data, page, q)
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    got = (min(xs), min(ys), max(xs), max(ys))
    want = (bbox.x0 - 1, bbox.y0 - 1, bbox.x1 + 1, bbox.y1 + 1)
    return all(abs(a - b) <= tol for a, b in zip(got, want, strict=True))


# --------------------------------------------------------------------------- generated PDF


@pytest.mark.parametrize(
    ("rotate", "crop"),
    [
        (0, None),
        (90, None),
        (180, None),
        (270, None),
        (0, (40.0, 60.0, 560.0, 800.0)),
        (90, (40.0, 60.0, 560.0, 800.0)),
    ],
)
def test_one_highlight_per_boxed_finding_over_its_text(
    rotate: int, crop: tuple[float, float, float, float] | None
) -> None:
    original = make_pdf(rotate, crop)
    report = report_for(rotate, crop or (0, 0, W, H))
    out = annotate_pdf(original, report)
    hs = annots(out)
    boxed = [f for f in report.findings if any(e.prov.bbox for e in f.evidence)]
    assert len(hs) == len(boxed) == 2
    (p1, n301), (p2, w601) = sorted(hs, key=lambda h: h[0])
    # N301: one highlight on page 1 covering both of its page-1 boxes, none for its page-2 box
    assert p1 == 1 and p2 == 2
    assert len(quads(n301)) == 2
    page_rect = pypdf.PdfReader(io.BytesIO(out)).pages[0].cropbox
    for q, i in zip(quads(n301), (0, 1), strict=True):
        word = TEXTS[i][1].replace(" ", "")
        assert word in text_under(out, 1, quad_rect(q)), (rotate, crop, i)
        assert covers(out, 1, q, report.findings[0].evidence[i].prov.bbox)  # type: ignore[arg-type]
        left, bottom, right, top = quad_rect(q)
        assert page_rect.left <= left < right <= page_rect.right
        assert page_rect.bottom <= bottom < top <= page_rect.top
    rect = floats(n301, "/Rect")
    assert "ALPHA5377.64" in text_under(out, 1, rect) and "BRAVO4896.98" in text_under(out, 1, rect)
    assert "CHARLIE5364.75" in text_under(out, 2, quad_rect(quads(w601)[0]))
    assert "基本支出" not in text_under(out, 2, quad_rect(quads(w601)[0]))


def test_note_author_and_colour() -> None:
    out = annotate_pdf(make_pdf(), report_for())
    (_, n301), (_, w601) = annots(out)
    note = str(n301["/Contents"])
    lines = note.split("\n")
    assert lines[0] == "[N301 错误] 说明中基本支出为 5377.64 万元，报表为 5364.75 万元。"
    assert "陈述值：5377.64万元" in lines
    assert "应为：5364.75万元" in lines
    assert "推算方法：报表合计（基本支出）" in lines
    assert "可能有误处：两张报表一致，说明中的数字可能有误" in lines
    assert lines[-1] == "另见：第2页（页码二） · 表：财政拨款支出决算表 · 行：合计"
    assert str(w601["/Contents"]).startswith("[W601 警告] 文中留有模板措辞。")
    assert str(n301["/T"]) == AUTHOR
    assert floats(n301, "/C") == list(COLORS[Severity.ERROR])
    assert floats(w601, "/C") == list(COLORS[Severity.WARNING])
    assert "/N" in cast(DictionaryObject, n301["/AP"])  # its own appearance: drawn alike in every viewer


def test_summary_note_lists_findings_without_a_place() -> None:
    out = annotate_pdf(make_pdf(), report_for())
    notes = annots(out, "/Text")
    assert len(notes) == 1 and notes[0][0] == 1
    text = str(notes[0][1]["/Contents"])
    assert "共发现 4 个问题" in text and "2 个已在原文中高亮标注" in text
    assert "[C001 提示] 缺少政府性基金预算财政拨款收入支出决算表。" in text
    assert "[U503 提示]" in text and "[N301" not in text
    assert not annots(out, "/Popup")


def test_original_bytes_kept_and_pages_unchanged() -> None:
    original = make_pdf()
    out = annotate_pdf(original, report_for())
    assert out.startswith(original)  # an incremental update: the original is untouched
    before = pypdf.PdfReader(io.BytesIO(original))
    after = pypdf.PdfReader(io.BytesIO(out))
    assert len(after.pages) == len(before.pages)
    for a, b in zip(after.pages, before.pages, strict=True):
        assert a.get_contents().get_data() == b.get_contents().get_data()  # type: ignore[union-attr]


def test_no_findings_gives_a_copy_with_only_the_summary() -> None:
    report = DocumentReport(document=DocumentMeta(source_name="x.pdf", kind="pdf"))
    out = annotate_pdf(make_pdf(), report)
    assert annots(out) == []
    assert "未发现问题" in str(annots(out, "/Text")[0][1]["/Contents"])


def test_encrypted_with_empty_password_is_annotated() -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(make_pdf())))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    out = annotate_pdf(buf.getvalue(), report_for())
    assert len(annots(out)) == 2
    assert "ALPHA5377.64" in text_under(out, 1, floats(annots(out)[0][1], "/Rect"))


def test_password_protected_pdf_is_refused() -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(make_pdf())))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    with pytest.raises(NotApplicable, match="密码"):
        annotate_pdf(buf.getvalue(), report_for())


def test_word_original_is_not_applicable() -> None:
    report = DocumentReport(document=DocumentMeta(source_name="决算.docx", kind="docx"))
    with pytest.raises(NotApplicable) as err:
        annotate_pdf(b"PK\x03\x04 not a pdf", report)
    assert "仅适用于 PDF" in str(err.value) and "Word 文档" in str(err.value)
    # the same through the one dispatcher the CLI and the api use
    with pytest.raises(NotApplicable, match="Word 文档"):
        render_document(report, ReportFormat.ANNOTATED, original=b"PK\x03\x04")


def test_not_a_pdf_damaged_or_another_file_is_refused() -> None:
    report = report_for()
    with pytest.raises(NotApplicable, match="不是 PDF"):
        annotate_pdf(b"just some text", report)
    with pytest.raises(NotApplicable, match="损坏"):
        annotate_pdf(b"%PDF-1.4\n garbage garbage", report)
    other = report.model_copy(update={"document": report.document.model_copy(update={"sha256": "0" * 64})})
    with pytest.raises(NotApplicable, match="不一致"):
        annotate_pdf(make_pdf(), other)


def test_over_the_page_limit_is_refused() -> None:
    with pytest.raises(NotApplicable, match="页数过多（2 页，上限 1 页）"):
        annotate_pdf(make_pdf(), report_for(), max_pages=1)
    assert len(annots(annotate_pdf(make_pdf(), report_for(), max_pages=2))) == 2


def test_evidence_off_the_page_or_on_a_missing_page_is_skipped() -> None:
    report = report_for()
    off = Evidence(quote="x", prov=Prov(page=1, bbox=BBox(x0=900, y0=900, x1=950, y1=950)))
    missing = Evidence(quote="y", prov=Prov(page=9, bbox=BBox(x0=10, y0=10, x1=50, y1=50)))
    report.findings.append(finding("N301", Severity.ERROR, "过期的位置", [off, missing]))
    out = annotate_pdf(make_pdf(), report)
    assert len(annots(out)) == 2


@pytest.mark.parametrize("rotate", [0, 90])
def test_boxes_from_ingest_land_on_their_cell(rotate: int) -> None:
    """End to end with the extractor's own boxes: a table cell read from a page stored portrait
    with /Rotate 90 and turned content (as Word writes landscape sections) is highlighted."""
    from services.ingest.pdf import extract_pdf
    from services.parse.document import parse_document
    from shared.knowledge.tables import TableKind
    from tests.pdfs import income_table_pdf

    original = income_table_pdf(rotate=rotate)
    table = parse_document(extract_pdf("t.pdf", original)).table(TableKind.INCOME)
    assert table is not None
    cell = table.rows_by_code()["2010601"].cells["财政拨款收入"]
    assert cell.prov.bbox is not None
    report = DocumentReport(
        document=DocumentMeta(source_name="t.pdf", kind="pdf"),
        findings=[
            finding(
                "T201", Severity.ERROR, "合计不等于各项之和。", [Evidence(quote=cell.raw, prov=cell.prov)]
            )
        ],
    )
    out = annotate_pdf(original, report)
    [(page, a)] = annots(out)
    assert text_under(out, page, floats(a, "/Rect")) == "1,511.89"
    assert covers(out, page, quads(a)[0], cell.prov.bbox)


# --------------------------------------------------------------------------- the real PDFs


def samples() -> list[Path]:
    found = sorted(p for p in SAMPLES.glob("*.pdf") if "模板" not in p.name) if SAMPLES.is_dir() else []
    if not found:
        pytest.skip(f"sample PDFs not available at {SAMPLES}")
    return found


def test_shanghai_pdfs_highlight_every_boxed_finding_over_its_evidence() -> None:
    from services import pipeline

    for path in samples():
        original = path.read_bytes()
        report, _ = pipeline.check_file(path)
        assert report.error is None and report.findings
        out = annotate_pdf(original, report)
        assert out.startswith(original)
        hs = annots(out)
        boxed = [f for f in report.findings if any(e.prov.bbox for e in f.evidence)]
        assert len(hs) == len(boxed), path.name
        by_name = {str(a["/NM"]): (page, a) for page, a in hs}
        for index, f in enumerate(report.findings):
            if f not in boxed:
                continue
            page, a = by_name[f"juesuan-finding-{index + 1}"]
            first = next(e for e in f.evidence if e.prov.bbox)
            assert page == first.prov.page
            assert str(a["/Contents"]).startswith(f"[{f.code} ") and f.message in str(a["/Contents"])
            on_page = [e.prov.bbox for e in f.evidence if e.prov.page == page and e.prov.bbox]
            qs = quads(a)
            assert len(qs) == len(on_page)
            for q, bbox in zip(qs, on_page, strict=True):
                assert covers(out, page, q, bbox), (path.name, f.code, bbox)
