"""Benchmark: what OCR of a scanned disclosure costs and how well it reads, to choose the dpi and
whether to deskew and denoise before OCR.

Usage: ./dev bench-ocr [--pages-per-pdf N] [--dpi 150,200,250,300] [--mode native|render|both]
       ./dev bench-ocr --document [--pdf PATH]

Page mode (default). Scans are made from the Shanghai sample PDFs (../shared/samples/pdf) with
:mod:`tests.scans` (turned ±0.3–1.5°, blurred, noisy, specks, JPEG 75). For the table pages with
the most amounts, per dpi and per preprocessing variant (none, deskew, deskew + median 3×3,
deskew + non-local means), each page image is read with RapidOCR on one core (the script pins
itself to one and reports CPU seconds, so other work on the machine matters less) and every
amount of the original's text layer (such as ``2,940.05``) is compared with what OCR read at the
same place: each OCR box is mapped back to points on the original page (72/dpi, the turn undone)
and given to the amount it overlaps most. An amount is read exactly when the digits and the
decimal point are the same (commas and spaces aside); this is the raw OCR, before any repair.
Modes: ``render`` — a 200-dpi scan (what the tests use) rendered at the dpi with pypdfium2 (what
ingest does with an image-only PDF page); ``native`` — the scan made at the dpi and read as is.
Prints a Markdown table: CPU seconds per page (OCR and preprocessing apart) and % of amounts read
exactly.

Document mode: a 25-page scan (the Finance Bureau's PDF) through ``ingest_bytes`` on one core and
in two processes, half the pages each, as the ocr workers would split it.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.scans import Degradation, render_pages, rotate, scan_pages

SAMPLES = ROOT.parent / "shared" / "samples" / "pdf"
AMOUNT_RE = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+$")
FOLD = str.maketrans("０１２３４５６７８９，．－", "0123456789,.-")


def shanghai_pdfs() -> list[Path]:
    return [p for p in sorted(SAMPLES.glob("*.pdf")) if "上海" in p.name]


def canon(text: str) -> str:
    """An amount's digits, sign and decimal point (commas and spaces aside)."""
    return re.sub(r"[,\s]", "", text.translate(FOLD))


@dataclass
class Amount:
    text: str
    box: tuple[float, float, float, float]  # points, top-left origin
    read: list[tuple[float, str]] = field(default_factory=list)  # (x0, OCR text)


def amounts_of(pdf: bytes) -> list[list[Amount]]:
    """Per page, the amounts in the text layer (runs of digits, commas and a decimal point, read
    with pypdfium2 directly so that the measure does not depend on the extractor under test)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    out: list[list[Amount]] = []
    for page in doc:
        height = page.get_height()
        tp = page.get_textpage()
        runs: list[tuple[str, list[float]]] = []
        text, box, last = "", [0.0, 0.0, 0.0, 0.0], None
        for i in range(tp.count_chars()):
            ch = tp.get_text_range(i, 1)
            left, bottom, right, top = tp.get_charbox(i)
            glued = last is not None and min(top, last[3]) > max(bottom, last[1]) and -1 < left - last[2] < 6
            if ch and ch in "0123456789,.-" and (glued or not text):
                if not text:
                    box = [left, height - top, right, height - bottom]
                text += ch
                box = [
                    min(box[0], left),
                    min(box[1], height - top),
                    max(box[2], right),
                    max(box[3], height - bottom),
                ]
                last = (left, bottom, right, top)
                continue
            if text:
                runs.append((text, box))
            text, last = "", None
            if ch and ch in "0123456789,.-":
                text, box, last = ch, [left, height - top, right, height - bottom], (left, bottom, right, top)
        if text:
            runs.append((text, box))
        out.append(
            [Amount(t, (b[0] - 2, b[1] - 2, b[2] + 2, b[3] + 2)) for t, b in runs if AMOUNT_RE.match(t)]
        )
    return out


# --- preprocessing -----------------------------------------------------------------------------


def estimate_skew(gray: np.ndarray) -> float:
    """The angle (degrees, positive: counter-clockwise as seen) a page image is turned by, from
    the sharpness of its row profile (text lines and ruling lines) over candidate angles, on a
    reduced copy: coarse 0.2° steps over ±3°, then 0.02° steps around the best."""
    import cv2

    scale = 1000.0 / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    h, w = ink.shape
    centre = (w / 2.0, h / 2.0)

    def score(angle: float) -> float:
        m = cv2.getRotationMatrix2D(centre, angle, 1.0)
        turned = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
        rows = turned.sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(rows)).sum())

    best = max(np.arange(-3.0, 3.0001, 0.2), key=score)
    best = max(np.arange(best - 0.2, best + 0.2001, 0.02), key=score)
    return -float(best)


def deskew(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """The page turned level, and the angle it was turned back by (0 when under 0.05°)."""
    skew = estimate_skew(gray)
    if abs(skew) < 0.05:
        return gray, 0.0
    return rotate(gray, -skew), -skew


def median(gray: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.medianBlur(gray, 3)


def nl_means(gray: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.fastNlMeansDenoising(gray, None, h=12, templateWindowSize=7, searchWindowSize=21)


Variant = tuple[str, bool, Callable[[np.ndarray], np.ndarray] | None]
VARIANTS: list[Variant] = [
    ("none", False, None),
    ("deskew", True, None),
    ("deskew + median 3×3", True, median),
    ("deskew + NL-means", True, nl_means),
]


# --- OCR and matching --------------------------------------------------------------------------


_ENGINE: Any = None
ENGINE_OPTIONS: dict[str, Any] = {}  # RapidOCR's settings (--max-side, --cls)
USE_CLS = False


def engine() -> Any:
    global _ENGINE
    if _ENGINE is None:
        from rapidocr_onnxruntime import RapidOCR

        _ENGINE = RapidOCR(**ENGINE_OPTIONS)
    return _ENGINE


def ocr(gray: np.ndarray) -> list[tuple[np.ndarray, str, float]]:
    import cv2

    result, _ = engine()(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), use_cls=USE_CLS)
    return [(np.asarray(box, dtype=np.float64), text, float(score)) for box, text, score in result or []]


def score_page(
    amounts: list[Amount],
    boxes: list[tuple[np.ndarray, str, float]],
    shape: tuple[int, int],
    turned_deg: float,
    dpi: float,
) -> tuple[int, int, list[tuple[str, str]]]:
    """How many of the page's amounts OCR read exactly, out of how many; and the misreads
    (expected, read). ``turned_deg``: the page image's total turn from the original (the scan's
    turn plus any deskew), undone before the boxes are compared."""
    import cv2

    h, w = shape
    inverse = cv2.invertAffineTransform(cv2.getRotationMatrix2D((w / 2.0, h / 2.0), turned_deg, 1.0))
    for a in amounts:
        a.read = []
    k = 72.0 / dpi
    for quad, text, _ in boxes:
        pts = np.hstack([quad, np.ones((4, 1))]) @ inverse.T * k
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        area = max((x1 - x0) * (y1 - y0), 1e-6)
        best, best_overlap = None, 0.3
        for a in amounts:
            ax0, ay0, ax1, ay1 = a.box
            ix = min(x1, ax1) - max(x0, ax0)
            iy = min(y1, ay1) - max(y0, ay0)
            if ix > 0 and iy > 0 and ix * iy / area > best_overlap:
                best, best_overlap = a, ix * iy / area
        if best is not None:
            best.read.append((float(x0), text))
    exact, misreads = 0, []
    for a in amounts:
        read = "".join(t for _, t in sorted(a.read))
        if canon(read) == canon(a.text):
            exact += 1
        else:
            misreads.append((a.text, read))
    return exact, len(amounts), misreads


@dataclass
class Cell:
    pages: int = 0
    ocr_s: list[float] = field(default_factory=list)
    prep_s: list[float] = field(default_factory=list)
    exact: int = 0
    total: int = 0
    misreads: list[tuple[str, str]] = field(default_factory=list)


def page_images(
    pdf: bytes, pages: list[int], dpi: int, mode: str, seed: int
) -> list[tuple[np.ndarray, float]]:
    """Degraded page images at ``dpi`` and the angle each was turned by."""
    if mode == "native":
        return [
            (np.asarray(sp.image), sp.angle_deg)
            for sp in scan_pages(pdf, Degradation(dpi=dpi, seed=seed), pages)
        ]
    from tests.scans import make_scan

    scan = make_scan(pdf, pages=pages, dpi=200, seed=seed)
    deg = Degradation(dpi=200, seed=seed)
    from tests.scans import page_angle

    rendered = render_pages(scan, dpi)
    return [(np.asarray(sp.image), page_angle(deg, i)) for i, sp in zip(pages, rendered, strict=True)]


def bench_pages(args: argparse.Namespace) -> None:
    dpis = [int(d) for d in args.dpi.split(",")]
    modes = ["native", "render"] if args.mode == "both" else [args.mode]
    docs = []
    for path in shanghai_pdfs():
        data = path.read_bytes()
        amounts = amounts_of(data)
        ranked = sorted(range(len(amounts)), key=lambda i: -len(amounts[i]))
        pages = sorted(ranked[: args.pages_per_pdf])
        docs.append((path.name, data, amounts, pages))
    n_pages = sum(len(p) for *_, p in docs)
    n_amounts = sum(len(a[i]) for _, _, a, p in docs for i in p)
    print(
        f"{n_pages} pages, {n_amounts} amounts in their tables; RapidOCR {ENGINE_OPTIONS} cls={USE_CLS}, "
        f"{os.sched_getaffinity(0).__len__()} core(s)\n",
        file=sys.stderr,
    )
    engine()
    results: dict[tuple[str, int, str], Cell] = {}
    for mode in modes:
        for dpi in dpis:
            for name, data, amounts, pages in docs:
                images = page_images(data, pages, dpi, mode, args.seed)
                for index, (gray, angle) in zip(pages, images, strict=True):
                    for label, do_deskew, denoise in VARIANTS:
                        cell = results.setdefault((mode, dpi, label), Cell())
                        t0 = time.process_time()
                        img, turned = gray, angle
                        if do_deskew:
                            img, back = deskew(img)
                            turned += back
                        if denoise is not None:
                            img = denoise(img)
                        t1 = time.process_time()
                        boxes = ocr(img)
                        t2 = time.process_time()
                        exact, total, misreads = score_page(amounts[index], boxes, img.shape, turned, dpi)
                        cell.pages += 1
                        cell.prep_s.append(t1 - t0)
                        cell.ocr_s.append(t2 - t1)
                        cell.exact += exact
                        cell.total += total
                        cell.misreads += misreads
                        print(
                            f"{mode} {dpi} {label:22} {name[:16]} p{index + 1}: "
                            f"{exact}/{total} {t2 - t1:.2f}s {misreads[:3]}",
                            file=sys.stderr,
                        )
    print("| mode | dpi | preprocessing | CPU s/page OCR | CPU s/page preprocessing | amounts read exactly |")
    print("|---|---:|---|---:|---:|---:|")
    for (mode, dpi, label), c in results.items():
        pct = 100.0 * c.exact / c.total if c.total else 0.0
        print(
            f"| {mode} | {dpi} | {label} | {statistics.mean(c.ocr_s):.2f} | "
            f"{statistics.mean(c.prep_s):.2f} | {pct:.2f}% ({c.exact}/{c.total}) |"
        )
    if args.misreads:
        for (mode, dpi, label), c in results.items():
            print(f"\n{mode} {dpi} {label}: " + "; ".join(f"{a}→{b!r}" for a, b in c.misreads[:40]))


# --- whole document ----------------------------------------------------------------------------


def _ingest(args: tuple[str, bytes, int | None]) -> tuple[float, int]:
    """Ingest one document (pinned to core ``args[2]`` when given, before the engine is made, so
    that it runs one thread there, as an ocr worker does)."""
    name, data, core = args
    if core is not None:
        os.sched_setaffinity(0, {core})
    from services.ingest.core import ingest_bytes

    t0 = time.perf_counter()
    doc = ingest_bytes(name, data, None)
    return time.perf_counter() - t0, len(doc.pages)


def _split(pdf: bytes, parts: int) -> list[bytes]:
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(pdf)
    n = len(src)
    out = []
    for k in range(parts):
        idx = list(range(k * n // parts, (k + 1) * n // parts))
        dst = pdfium.PdfDocument.new()
        dst.import_pages(src, idx)
        buf = io.BytesIO()
        dst.save(buf)
        out.append(buf.getvalue())
    return out


def bench_document(args: argparse.Namespace) -> None:
    from concurrent.futures import ProcessPoolExecutor

    from tests.scans import make_scan

    path = Path(args.pdf) if args.pdf else next(p for p in shanghai_pdfs() if "财政局" in p.name)
    scan = make_scan(path.read_bytes(), seed=args.seed)
    name = "scan-" + path.name
    halves = _split(scan, 2)
    with ProcessPoolExecutor(1) as pool:  # a fresh process: the engine made on one core
        one, pages = pool.submit(_ingest, (name, scan, 0)).result()
    t0 = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_ingest, [(f"{name}-{k}", h, k) for k, h in enumerate(halves)]))
    two = time.perf_counter() - t0
    print("| run | pages | seconds | s/page |")
    print("|---|---:|---:|---:|")
    print(f"| one core | {pages} | {one:.1f} | {one / pages:.2f} |")
    print(f"| two processes, one core and half the pages each | {pages} | {two:.1f} | {two / pages:.2f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--document", action="store_true", help="time a whole 25-page scan through ingest")
    ap.add_argument("--pdf", help="document mode: the PDF to scan (default: the Finance Bureau's)")
    ap.add_argument("--pages-per-pdf", type=int, default=2)
    ap.add_argument("--dpi", default="150,200,250,300")
    ap.add_argument("--mode", choices=["native", "render", "both"], default="render")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--misreads", action="store_true", help="list the misread amounts")
    ap.add_argument(
        "--max-side",
        type=int,
        default=4000,
        help="RapidOCR's max_side_len: larger images are reduced to it (its default: 2000)",
    )
    ap.add_argument("--cls", action="store_true", help="run RapidOCR's text-direction classifier")
    args = ap.parse_args()
    global USE_CLS
    USE_CLS = args.cls
    ENGINE_OPTIONS["max_side_len"] = args.max_side
    if not args.document:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # page mode: one core
    threads = len(os.sched_getaffinity(0))
    ENGINE_OPTIONS["intra_op_num_threads"] = threads
    ENGINE_OPTIONS["inter_op_num_threads"] = 1
    if not SAMPLES.is_dir():
        sys.exit(f"the sample PDFs are not at {SAMPLES}")
    if args.document:
        bench_document(args)
    else:
        bench_pages(args)


if __name__ == "__main__":
    main()
