"""Evidence pictures (services/report/crops.py): the PNG shows the region around the box on the
page as displayed (rotated pages and shifted crop boxes included), the box highlighted yellow with
a red outline, at most 2,000 pixels a side; a page out of range, a Word file, a missing evidence
raise CropError with a Chinese message. A PDF drawn here with reportlab has a blue block at a
known place; the Shanghai PDFs (../shared) are cropped through the pipeline when present."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from PIL import Image, ImageChops
from pypdf.generic import RectangleObject
from reportlab.pdfgen import canvas

from services.report.crops import (
    MAX_SIDE,
    CropError,
    PageFrame,
    boxed_evidence,
    crop_region,
    evidence_crop_png,
    finding_evidence_png,
    first_boxed,
    page_png,
)
from shared.document import BBox
from shared.models import Category, DocumentMeta, DocumentReport, Evidence, Finding, Prov, Severity

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "pdf"
W, H = 595.0, 842.0
BLOCK = (100.0, 600.0, 180.0, 640.0)  # a blue block: left, bottom, right, top in user space


def make_pdf(rotate: int = 0, crop: tuple[float, float, float, float] | None = None, pages: int = 2) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(W, H))
    for _ in range(pages):
        c.setFillColorRGB(0, 0, 1)
        left, bottom, right, top = BLOCK
        c.rect(left, bottom, right - left, top - bottom, stroke=0, fill=1)
        c.showPage()
    c.save()
    if not rotate and crop is None:
        return buf.getvalue()
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(buf.getvalue())))
    for sheet in writer.pages:
        if crop is not None:
            sheet.mediabox = RectangleObject(list(crop))
        if rotate:
            sheet.rotate(rotate)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def block_box(rotate: int, crop: tuple[float, float, float, float] = (0, 0, W, H)) -> BBox:
    """The block as displayed (top-left origin), by PageFrame's inverse mapping."""
    frame = PageFrame(crop, rotate)
    left, bottom, right, top = BLOCK
    (ax, ay), (bx, by) = frame.to_display(left, bottom), frame.to_display(right, top)
    return BBox(x0=min(ax, bx), y0=min(ay, by), x1=max(ax, bx), y1=max(ay, by))


def decode(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    image.load()
    return image.convert("RGB")


Ranges = tuple[tuple[int, int], tuple[int, int], tuple[int, int]]
BLUE_UNDER_YELLOW: Ranges = ((0, 139), (0, 139), (121, 255))  # the blue block through the yellow fill
YELLOW_ON_WHITE: Ranges = ((236, 255), (226, 255), (0, 209))  # the fill over white paper
RED: Ranges = ((181, 255), (0, 89), (0, 89))  # the outline


def share(image: Image.Image, box: tuple[int, int, int, int], ranges: Ranges) -> float:
    """Fraction of the pixels in ``box`` whose red, green and blue lie in ``ranges``."""
    region = image.crop(box)
    mask: Image.Image | None = None
    for band, (lo, hi) in zip(region.split(), ranges, strict=True):
        hit = band.point(lambda v, lo=lo, hi=hi: 255 if lo <= v <= hi else 0)
        mask = hit if mask is None else ImageChops.multiply(mask, hit)
    assert mask is not None
    return mask.histogram()[255] / max(1, region.width * region.height)


@pytest.mark.parametrize(
    ("rotate", "crop"), [(0, None), (90, None), (180, None), (270, None), (90, (50.0, 80.0, 560.0, 800.0))]
)
def test_crop_shows_the_box_highlighted(rotate: int, crop: tuple[float, float, float, float] | None) -> None:
    original = make_pdf(rotate, crop)
    box = block_box(rotate, crop or (0, 0, W, H))
    # a box over the block's left half and a strip of white beside it
    half = BBox(x0=box.x0, y0=box.y0, x1=box.x1 + 20, y1=box.y1)
    scale = 2.0
    image = decode(evidence_crop_png(original, 2, half, scale=scale, margin=36, min_width=300))
    frame = PageFrame(crop or (0, 0, W, H), rotate)
    region = crop_region(frame.width, frame.height, half, margin=36, min_width=300)
    assert image.size == (round(region.width * scale), round(region.height * scale))

    def px(x: float, y: float) -> tuple[int, int]:
        return round((x - region.x0) * scale), round((y - region.y0) * scale)

    x0, y0 = px(box.x0 + 3, box.y0 + 3)
    x1, y1 = px(box.x1 - 3, box.y1 - 3)
    assert share(image, (x0, y0, x1, y1), BLUE_UNDER_YELLOW) > 0.95, (rotate, crop)
    sx0, _ = px(box.x1 + 4, 0)
    sx1, _ = px(box.x1 + 16, 0)
    assert share(image, (sx0, y0, sx1, y1), YELLOW_ON_WHITE) > 0.95  # the fill over white paper
    assert share(image, (0, 0, image.width, image.height), RED) > 0.002  # the outline
    # outside the highlight: white paper, no yellow
    assert share(image, (0, 0, image.width, max(1, y0 - round(8 * scale))), YELLOW_ON_WHITE) == 0


def test_crop_region_is_widened_and_kept_on_the_page() -> None:
    box = BBox(x0=500, y0=10, x1=560, y1=22)
    region = crop_region(W, H, box, margin=36, min_width=400)
    assert region.width == pytest.approx(400)
    assert region.x1 == W and region.y0 == 0  # slid back onto the page, not cut narrower
    assert region.x0 <= box.x0 and region.y1 >= box.y1 + 36
    whole = crop_region(W, H, BBox(x0=10, y0=10, x1=20, y1=20), margin=36, min_width=2000)
    assert whole.width == W


def test_picture_size_is_capped() -> None:
    original = make_pdf()
    image = decode(evidence_crop_png(original, 1, BBox(x0=0, y0=0, x1=W, y1=H), scale=8.0))
    assert max(image.size) <= MAX_SIDE
    small = decode(evidence_crop_png(original, 1, BBox(x0=0, y0=0, x1=W, y1=H), max_side=500))
    assert max(small.size) <= 500
    page = decode(page_png(original, 1, scale=5.0))
    assert max(page.size) <= MAX_SIDE
    assert decode(page_png(original, 1)).size == (595, 842)


def test_page_out_of_range_and_bad_inputs() -> None:
    original = make_pdf()
    box = BBox(x0=10, y0=10, x1=50, y1=30)
    for page in (0, 3, -1):
        with pytest.raises(CropError, match="页码超出范围"):
            evidence_crop_png(original, page, box)
    with pytest.raises(CropError, match="页码超出范围"):
        page_png(original, 3)
    with pytest.raises(CropError, match="不是 PDF"):
        evidence_crop_png(b"PK\x03\x04 a docx", 1, box)
    with pytest.raises(CropError, match="损坏"):
        evidence_crop_png(b"%PDF-1.4 garbage", 1, box)
    with pytest.raises(CropError, match="不在第 1 页"):
        evidence_crop_png(original, 1, BBox(x0=900, y0=900, x1=950, y1=950))
    assert issubclass(CropError, ValueError)


def report() -> DocumentReport:
    boxed = Evidence(quote="a", prov=Prov(page=1, bbox=block_box(0)))
    return DocumentReport(
        document=DocumentMeta(source_name="x.pdf", kind="pdf"),
        findings=[
            Finding(
                code="N301",
                category=Category.NARRATIVE_TABLE,
                severity=Severity.ERROR,
                title="t",
                message="m",
                evidence=[Evidence(quote="no box", prov=Prov(page=1)), boxed],
            ),
            Finding(
                code="C001", category=Category.COMPLETENESS, severity=Severity.INFO, title="t", message="m"
            ),
        ],
    )


def test_evidence_by_index() -> None:
    original, rep = make_pdf(), report()
    assert [j for j, _ in boxed_evidence(rep.findings[0])] == [1]
    assert first_boxed(rep.findings[0]) == (1, rep.findings[0].evidence[1])
    assert first_boxed(rep.findings[1]) is None
    assert decode(finding_evidence_png(original, rep, 0, 1)).size[0] > 0
    with pytest.raises(CropError, match="没有页面位置"):
        finding_evidence_png(original, rep, 0, 0)
    with pytest.raises(CropError, match="证据编号超出范围"):
        finding_evidence_png(original, rep, 1, 0)
    with pytest.raises(CropError, match="问题编号超出范围"):
        finding_evidence_png(original, rep, 2, 0)


def test_shanghai_evidence_crops() -> None:
    from services import pipeline

    paths = sorted(p for p in SAMPLES.glob("*.pdf") if "模板" not in p.name) if SAMPLES.is_dir() else []
    if not paths:
        pytest.skip(f"sample PDFs not available at {SAMPLES}")
    path = paths[0]
    original = path.read_bytes()
    rep, _ = pipeline.check_file(path)
    made = 0
    for i, f in enumerate(rep.findings):
        for j, ev in boxed_evidence(f):
            assert ev.prov.bbox is not None
            image = decode(finding_evidence_png(original, rep, i, j))
            assert max(image.size) <= MAX_SIDE and image.width >= 600  # the row label is in view
            # the highlight is drawn where the box is (the crop starts at most a margin above it)
            assert share(image, (0, 0, image.width, image.height), YELLOW_ON_WHITE) > 0.002
            made += 1
    assert made >= len(rep.findings)
