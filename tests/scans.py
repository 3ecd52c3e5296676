"""Scans made from born-digital PDFs, for the OCR tests and benchmarks (importable by both).

A "scan" is what a office scanner or a phone gives for a printed page: the page rendered at
150–200 dpi, turned by a small angle, slightly blurred, with sensor noise and a few specks, saved
as JPEG. :func:`make_scan` returns an image-only PDF of the same page sizes as the original (one
JPEG per page); :func:`make_page_images` the page images themselves, :func:`pages_zip` a zip of them.

Everything is deterministic for a ``seed``. Nothing here is written to the project: images of the
shared documents are never committed; tests cache them under a temporary directory
(:func:`cached_scan`).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter


@dataclass(frozen=True)
class Degradation:
    """How a page is degraded. ``angle_deg`` None: each page gets its own angle, ±0.3°..1.5°
    (sign and size drawn from the seed); a number: every page turned by that angle
    (counter-clockwise as seen, positive)."""

    dpi: int = 200
    angle_deg: float | None = None
    blur: float = 0.6  # Gaussian blur radius, pixels
    noise: float = 6.0  # standard deviation of the additive Gaussian noise, grey levels
    specks: int = 150  # dark specks (dust) per page
    jpeg_quality: int = 75
    seed: int = 0


@dataclass(frozen=True)
class ScanPage:
    image: Image.Image  # greyscale ("L"), ``dpi`` pixels per inch
    angle_deg: float  # the angle it was turned by (positive: counter-clockwise as seen)
    width_pt: float  # the original page's size in points
    height_pt: float


def page_angle(deg: Degradation, index: int) -> float:
    """The angle page ``index`` (0-based) is turned by."""
    if deg.angle_deg is not None:
        return deg.angle_deg
    rng = np.random.default_rng([deg.seed, index, 1])
    return float(rng.choice([-1.0, 1.0]) * rng.uniform(0.3, 1.5))


def rotate(gray: np.ndarray, angle_deg: float) -> np.ndarray:
    """Turn a greyscale page by ``angle_deg`` (positive: counter-clockwise as seen) about its
    centre, keeping its size; what comes in at the corners is white paper."""
    import cv2

    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), angle_deg, 1.0)
    return cv2.warpAffine(
        gray, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255
    )


def degrade_page(gray: np.ndarray, deg: Degradation, index: int) -> np.ndarray:
    """Degrade one rendered greyscale page (uint8 array) the way a scanner would."""
    angle = page_angle(deg, index)
    out = rotate(gray, angle) if angle else gray
    img = Image.fromarray(out)
    if deg.blur > 0:
        img = img.filter(ImageFilter.GaussianBlur(deg.blur))
    arr = np.asarray(img, dtype=np.float32)
    rng = np.random.default_rng([deg.seed, index, 2])
    if deg.noise > 0:
        arr = arr + rng.normal(0.0, deg.noise, arr.shape).astype(np.float32)
    h, w = arr.shape
    for _ in range(deg.specks):
        y, x = int(rng.integers(0, h)), int(rng.integers(0, w))
        r = int(rng.integers(1, 3))
        arr[max(0, y - r // 2) : y + r, max(0, x - r // 2) : x + r] = float(rng.uniform(0, 120))
    return np.clip(arr, 0, 255).astype(np.uint8)


def render_pages(pdf_bytes: bytes, dpi: int, pages: list[int] | None = None) -> list[ScanPage]:
    """Render pages (0-based indexes; all when None) of a PDF to greyscale at ``dpi``."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        out = []
        for i in range(len(pdf)) if pages is None else pages:
            page = pdf[i]
            w, h = page.get_size()
            bitmap = page.render(scale=dpi / 72.0, grayscale=True)
            img = bitmap.to_pil().convert("L")
            out.append(ScanPage(img, 0.0, w, h))
            page.close()
        return out
    finally:
        pdf.close()


def scan_pages(pdf_bytes: bytes, deg: Degradation, pages: list[int] | None = None) -> list[ScanPage]:
    """The degraded page images of a PDF (pages: 0-based indexes; all when None)."""
    rendered = render_pages(pdf_bytes, deg.dpi, pages)
    indexes = list(range(len(rendered))) if pages is None else pages
    out = []
    for i, sp in zip(indexes, rendered, strict=True):
        arr = degrade_page(np.asarray(sp.image), deg, i)
        out.append(ScanPage(Image.fromarray(arr), page_angle(deg, i), sp.width_pt, sp.height_pt))
    return out


def _jpeg(img: Image.Image, deg: Degradation) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=deg.jpeg_quality, dpi=(deg.dpi, deg.dpi))
    return buf.getvalue()


def make_page_images(
    pdf_bytes: bytes,
    *,
    fmt: str = "jpeg",
    pages: list[int] | None = None,
    **degradation: object,
) -> list[bytes]:
    """Each page of the PDF as a degraded image: JPEG (``fmt="jpeg"``) or PNG of the JPEG-decoded
    page (``fmt="png"``: the JPEG artefacts stay). Keyword arguments: :class:`Degradation`'s."""
    deg = Degradation(**degradation)  # type: ignore[arg-type]
    out = []
    for sp in scan_pages(pdf_bytes, deg, pages):
        data = _jpeg(sp.image, deg)
        if fmt == "png":
            buf = io.BytesIO()
            Image.open(io.BytesIO(data)).save(buf, format="PNG", dpi=(deg.dpi, deg.dpi))
            data = buf.getvalue()
        elif fmt != "jpeg":
            raise ValueError(f"unknown image format {fmt!r}")
        out.append(data)
    return out


def pages_zip(images: list[bytes], stem: str = "page") -> bytes:
    """A zip of one document's page images, named in page order (page-001.jpg …)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for i, data in enumerate(images, 1):
            suffix = ".png" if data[:4] == b"\x89PNG" else ".jpg"
            zf.writestr(f"{stem}-{i:03d}{suffix}", data)
    return buf.getvalue()


def make_scan(pdf_bytes: bytes, *, pages: list[int] | None = None, **degradation: object) -> bytes:
    """An image-only PDF made from ``pdf_bytes``: each page a degraded JPEG placed on a page of the
    original's size (no text layer). Keyword arguments: :class:`Degradation`'s (dpi, angle_deg,
    blur, noise, specks, jpeg_quality, seed)."""
    import pypdfium2 as pdfium

    deg = Degradation(**degradation)  # type: ignore[arg-type]
    out = pdfium.PdfDocument.new()
    for sp in scan_pages(pdf_bytes, deg, pages):
        image = pdfium.PdfImage.new(out)
        image.load_jpeg(io.BytesIO(_jpeg(sp.image, deg)), inline=True)
        image.set_matrix(pdfium.PdfMatrix().scale(sp.width_pt, sp.height_pt))
        page = out.new_page(sp.width_pt, sp.height_pt)
        page.insert_obj(image)
        page.gen_content()
        page.close()
    buf = io.BytesIO()
    out.save(buf)
    out.close()
    return buf.getvalue()


def cached_scan(
    path: Path, cache_dir: Path, *, pages: list[int] | None = None, **degradation: object
) -> bytes:
    """:func:`make_scan` of the PDF at ``path``, cached in ``cache_dir`` (a temporary directory:
    keyed by the PDF's content and the degradation)."""
    data = path.read_bytes()
    deg = Degradation(**degradation)  # type: ignore[arg-type]
    key = hashlib.sha256(data + json.dumps([asdict(deg), pages], sort_keys=True).encode()).hexdigest()[:20]
    target = cache_dir / f"scan-{key}.pdf"
    if target.exists():
        return target.read_bytes()
    scan = make_scan(data, pages=pages, **degradation)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    tmp.write_bytes(scan)
    tmp.replace(target)
    return scan
