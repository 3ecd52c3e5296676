"""Pictures of the evidence: a PNG of the part of an original PDF page around one finding's box,
with the box highlighted (semi-transparent yellow, red outline), and a whole-page preview.

Boxes (:class:`shared.document.BBox`) are in PDF points with the origin at the top-left of the page
as displayed (rotation applied, measured from the crop box), which is what pypdfium2 renders, so a
crop needs no coordinate conversion: the rendered page is cut ``crop=(left, bottom, right, top)``
points from its edges. :class:`PageFrame` converts such boxes to PDF user space for the annotated
copy (services/report/annotate.py).

Everything is bounded: the page must exist, the picture is at most ``max_side`` pixels a side (the
scale is lowered to fit), and a PDF over the page limit is refused.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import pypdfium2 as pdfium
from PIL import Image, ImageDraw

from shared.document import BBox
from shared.models import DocumentReport, Evidence, Finding
from shared.pdfgeom import PageFrame
from shared.settings import get_settings

HIGHLIGHT_FILL = (255, 230, 0, 90)  # semi-transparent yellow
HIGHLIGHT_OUTLINE = (220, 30, 30, 255)  # red
MAX_SIDE = 2000  # pixels, either side of a picture


class CropError(ValueError):
    """The picture cannot be made; ``str()`` is the Chinese reason."""


# --------------------------------------------------------------------------- evidence helpers


def boxed_evidence(finding: Finding) -> list[tuple[int, Evidence]]:
    """The finding's evidence items that have a page and a box, with their index in
    ``finding.evidence`` (the ``j`` of an evidence picture's address)."""
    return [
        (j, ev)
        for j, ev in enumerate(finding.evidence)
        if ev.prov.page is not None and ev.prov.bbox is not None
    ]


def first_boxed(finding: Finding) -> tuple[int, Evidence] | None:
    """The first evidence item with a page and a box (where the finding is marked), or None."""
    boxed = boxed_evidence(finding)
    return boxed[0] if boxed else None


# --------------------------------------------------------------------------- coordinates


# PageFrame (shared/pdfgeom.py) is the one page frame of ingest, crops and annotate


# --------------------------------------------------------------------------- rendering


def _is_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]


@contextmanager
def _open(original: bytes) -> Iterator[pdfium.PdfDocument]:
    if not _is_pdf(original):
        raise CropError("原件不是 PDF 文件，无法截取页面图片。")
    try:
        pdf = pdfium.PdfDocument(original)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise CropError("PDF 已加密，需要密码才能打开，无法截取页面图片。") from exc
        raise CropError("PDF 文件已损坏或格式不正确，无法截取页面图片。") from exc
    try:
        limit = get_settings().max_pdf_pages
        if len(pdf) > limit:
            raise CropError(f"PDF 页数过多（{len(pdf)} 页，上限 {limit} 页），不截取页面图片。")
        yield pdf
    finally:
        pdf.close()


def _page(pdf: pdfium.PdfDocument, page: int) -> pdfium.PdfPage:
    n = len(pdf)
    if not isinstance(page, int) or page < 1 or page > n:
        raise CropError(f"页码超出范围：第 {page} 页不存在（本文件共 {n} 页）。")
    try:
        return pdf[page - 1]
    except pdfium.PdfiumError as exc:
        raise CropError(f"第 {page} 页已损坏，无法显示。") from exc


def _fit_scale(scale: float, width: float, height: float, max_side: int) -> float:
    scale = min(max(scale, 0.1), 8.0)
    longest = max(width, height, 1.0)
    return min(scale, max_side / longest)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()


def crop_region(
    frame_width: float, frame_height: float, bbox: BBox, *, margin: float = 36.0, min_width: float = 600.0
) -> BBox:
    """The displayed region a crop shows: the box plus ``margin`` on every side, widened
    (about its centre) to at least ``min_width`` so a number is seen with its row label, all
    within the page."""
    x0, x1 = bbox.x0 - margin, bbox.x1 + margin
    y0, y1 = bbox.y0 - margin, bbox.y1 + margin
    want = min(max(min_width, x1 - x0), frame_width)
    if x1 - x0 < want:
        grow = (want - (x1 - x0)) / 2
        x0, x1 = x0 - grow, x1 + grow
    # slide back onto the page before clamping, so the width is kept near an edge
    if x0 < 0:
        x1, x0 = x1 - x0, 0.0
    if x1 > frame_width:
        x0, x1 = max(0.0, x0 - (x1 - frame_width)), frame_width
    y0, y1 = max(0.0, y0), min(frame_height, y1)
    if y1 - y0 < 1:
        y0, y1 = max(0.0, min(y0, frame_height - 1)), min(frame_height, max(y1, 1.0))
    return BBox(x0=max(0.0, x0), y0=y0, x1=min(frame_width, x1), y1=y1)


def evidence_crop_png(
    original: bytes,
    page: int,
    bbox: BBox,
    *,
    scale: float = 2.0,
    margin: float = 36.0,
    min_width: float = 600.0,
    max_side: int = MAX_SIDE,
) -> bytes:
    """PNG of the region of page ``page`` (1-based, physical) around ``bbox`` (points, top-left
    origin), with the box drawn over: yellow fill, red outline. At most ``max_side`` pixels a side.
    Raises :class:`CropError` (Chinese message) for a page out of range or a file that is not a
    readable PDF."""
    with _open(original) as pdf:
        pg = _page(pdf, page)
        try:
            width, height = pg.get_size()
            frame = PageFrame((0.0, 0.0, width, height), 0)  # displayed frame: pdfium's size
            box = frame.clamp(bbox)
            if box is None:
                raise CropError(f"证据位置不在第 {page} 页的页面范围内，无法截取。")
            region = crop_region(width, height, box, margin=margin, min_width=min_width)
            s = _fit_scale(scale, region.width, region.height, max_side)
            bitmap = pg.render(
                scale=s,
                crop=(region.x0, height - region.y1, width - region.x1, region.y0),
                may_draw_forms=False,
            )
            image = bitmap.to_pil().convert("RGBA")
        finally:
            pg.close()
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    rect = (
        (box.x0 - region.x0) * s,
        (box.y0 - region.y0) * s,
        (box.x1 - region.x0) * s,
        (box.y1 - region.y0) * s,
    )
    pad = max(1.0, s)  # a point of air around the glyphs
    rect = (rect[0] - pad, rect[1] - pad, rect[2] + pad, rect[3] + pad)
    draw.rectangle(rect, fill=HIGHLIGHT_FILL, outline=HIGHLIGHT_OUTLINE, width=max(2, round(s)))
    return _png(Image.alpha_composite(image, overlay).convert("RGB"))


def page_png(original: bytes, page: int, *, scale: float = 1.0, max_side: int = MAX_SIDE) -> bytes:
    """PNG of the whole page ``page`` (1-based), at most ``max_side`` pixels a side."""
    with _open(original) as pdf:
        pg = _page(pdf, page)
        try:
            width, height = pg.get_size()
            s = _fit_scale(scale, width, height, max_side)
            image = pg.render(scale=s, may_draw_forms=False).to_pil().convert("RGB")
        finally:
            pg.close()
    return _png(image)


def finding_evidence_png(
    original: bytes, report: DocumentReport, finding: int, evidence: int, *, scale: float = 2.0
) -> bytes:
    """The picture of evidence ``evidence`` of finding ``finding`` (0-based indexes into
    ``report.findings`` and its ``evidence``), for ``/findings/{i}/evidence/{j}.png``. Raises
    :class:`CropError` when either does not exist or the evidence has no box (a Word or text
    original, or a finding about something missing)."""
    if not 0 <= finding < len(report.findings):
        raise CropError(f"问题编号超出范围：共 {len(report.findings)} 个问题。")
    f = report.findings[finding]
    if not 0 <= evidence < len(f.evidence):
        raise CropError(f"证据编号超出范围：该问题共 {len(f.evidence)} 处证据。")
    ev = f.evidence[evidence]
    if ev.prov.page is None or ev.prov.bbox is None:
        raise CropError("这处证据没有页面位置（原件不是 PDF，或问题涉及的是缺失的内容），没有截图。")
    return evidence_crop_png(original, ev.prov.page, ev.prov.bbox, scale=scale)
