"""The one page frame of a PDF page, shared by the extractor (services/ingest/pdf.py), the
annotated copy (services/report/annotate.py) and the evidence pictures (services/report/crops.py).

The convention of every :class:`shared.document.BBox` taken from a PDF:

* units are PDF points (1/72 inch), at the page's scale (``/UserUnit`` is not applied);
* boxes are on the page **as displayed**: after the page's ``/Rotate`` (clockwise, a multiple of
  90; anything else is ignored, as viewers do), in the region a viewer shows, which is the
  ``/CropBox`` cut to the ``/MediaBox`` (the media box when there is no crop box, or when the two
  do not overlap);
* the origin is the top-left corner of that displayed region, x grows to the right and y
  downward, so ``0 <= x <= width`` and ``0 <= y <= height`` for whatever is visible;
* ``Page.width`` / ``Page.height`` are the displayed size: for a page with ``/Rotate 90`` or
  ``270`` the crop box's height and width.

This is the frame pdfium renders (``FPDF_PageToDevice`` with rotation 0 maps user space to it),
so a rendered bitmap of the page needs no conversion beyond the scale. User space (what pdfium's
text and path APIs return, and what annotations are written in) has its origin at the bottom-left
of the media box's coordinate system, y up, before rotation; :class:`PageFrame` converts between
the two.
"""

from __future__ import annotations

from typing import Protocol

from shared.document import BBox

Rect = tuple[float, float, float, float]  # left, bottom, right, top in user space


def _normal(box: Rect) -> Rect:
    x0, y0, x1, y1 = (float(v) for v in box)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def visible_box(media: Rect, crop: Rect | None) -> Rect:
    """The region a viewer shows, in user space: the crop box cut to the media box (the media box
    when there is no crop box or the two do not overlap)."""
    ml, mb, mr, mt = _normal(media)
    if crop is None:
        return ml, mb, mr, mt
    cl, cb, cr, ct = _normal(crop)
    box = (max(ml, cl), max(mb, cb), min(mr, cr), min(mt, ct))
    if box[2] <= box[0] or box[3] <= box[1]:
        return ml, mb, mr, mt
    return box


class PageFrame:
    """One page's geometry: the visible box (``left, bottom, right, top`` in user space, see
    :func:`visible_box`) and the clockwise ``/Rotate``. Converts between displayed points (origin
    top-left of the displayed page, y down; the module's convention) and user space."""

    def __init__(self, box: Rect, rotation: int):
        left, bottom, right, top = box
        self.left, self.right = min(left, right), max(left, right)
        self.bottom, self.top = min(bottom, top), max(bottom, top)
        self.rot = int(rotation) % 360
        if self.rot % 90:
            self.rot = 0  # an invalid /Rotate: viewers ignore it

    @classmethod
    def from_boxes(cls, media: Rect, crop: Rect | None, rotation: int) -> PageFrame:
        """The frame of a page with these ``/MediaBox``, ``/CropBox`` (None: none) and ``/Rotate``."""
        return cls(visible_box(media, crop), rotation)

    @property
    def width(self) -> float:
        """Displayed width (points)."""
        w, h = self.right - self.left, self.top - self.bottom
        return h if self.rot in (90, 270) else w

    @property
    def height(self) -> float:
        """Displayed height (points)."""
        w, h = self.right - self.left, self.top - self.bottom
        return w if self.rot in (90, 270) else h

    def to_user(self, x: float, y: float) -> tuple[float, float]:
        """A displayed point (origin top-left, y down) → PDF user space."""
        if self.rot == 90:
            return self.left + y, self.bottom + x
        if self.rot == 180:
            return self.right - x, self.bottom + y
        if self.rot == 270:
            return self.right - y, self.top - x
        return self.left + x, self.top - y

    def to_display(self, x: float, y: float) -> tuple[float, float]:
        """PDF user space → displayed point (origin top-left, y down)."""
        if self.rot == 90:
            return y - self.bottom, x - self.left
        if self.rot == 180:
            return self.right - x, y - self.bottom
        if self.rot == 270:
            return self.top - y, self.right - x
        return x - self.left, self.top - y

    def display_rect(self, left: float, bottom: float, right: float, top: float) -> Rect:
        """A user-space rectangle → the displayed box ``(x0, y0, x1, y1)``, x0 <= x1, y0 <= y1."""
        ax, ay = self.to_display(left, bottom)
        bx, by = self.to_display(right, top)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)

    def clamp(self, bbox: BBox) -> BBox | None:
        """``bbox`` cut to the displayed page; None when nothing of it is on the page."""
        x0, y0 = max(0.0, min(bbox.x0, bbox.x1)), max(0.0, min(bbox.y0, bbox.y1))
        x1, y1 = min(self.width, max(bbox.x0, bbox.x1)), min(self.height, max(bbox.y0, bbox.y1))
        if x1 <= x0 or y1 <= y0:
            return None
        return BBox(x0=x0, y0=y0, x1=x1, y1=y1)

    def quad(self, bbox: BBox) -> list[float]:
        """The box's corners in user space, in the order a /Highlight's /QuadPoints wants them
        (upper-left, upper-right, lower-left, lower-right as the reader sees the page)."""
        out: list[float] = []
        for x, y in ((bbox.x0, bbox.y0), (bbox.x1, bbox.y0), (bbox.x0, bbox.y1), (bbox.x1, bbox.y1)):
            out.extend(self.to_user(x, y))
        return out

    def user_rect(self, bbox: BBox) -> Rect:
        """The box in user space as ``(left, bottom, right, top)``."""
        q = self.quad(bbox)
        xs, ys = q[0::2], q[1::2]
        return min(xs), min(ys), max(xs), max(ys)


class _PdfiumPage(Protocol):
    def get_mediabox(self) -> Rect: ...
    def get_cropbox(self) -> Rect: ...
    def get_rotation(self) -> int: ...


def pdfium_frame(page: _PdfiumPage) -> PageFrame:
    """The frame pdfium displays for a ``pypdfium2.PdfPage``: its crop box (inherited, or the
    media box when there is none) cut to its media box, and its rotation."""
    return PageFrame.from_boxes(page.get_mediabox(), page.get_cropbox(), page.get_rotation())
