"""Benchmark: what OCR of a scanned disclosure costs and how well it reads, to choose the dpi,
whether to deskew and denoise before OCR, and how the engine is run.

Usage: ./dev bench-ocr [--pages-per-pdf N] [--dpi 150,200,250,300] [--mode native|render|both]
                       [--prep all|none,deskew,...] [--engine chosen,stock,0.6/96/1,...] [--misreads]
       ./dev bench-ocr --document [--pdf PATH]
       ./dev bench-ocr --service [--runs N]

Page mode (default). Scans are made from the Shanghai sample PDFs (../shared/samples/pdf) with
:mod:`tests.scans` (turned ±0.3–1.5°, blurred, noisy, specks, JPEG 75). For the table pages with
the most amounts, per dpi, per preprocessing variant (none, deskew, deskew + median 3×3,
deskew + non-local means) and per engine, each page image is read on one core (the script pins
itself to one and reports CPU seconds, so other work on the machine matters less) and every
amount of the original's text layer (such as ``2,940.05``) is compared with what OCR read at the
same place: each OCR box is mapped back to points on the original page (72/dpi, the turn undone)
and given to the amount it overlaps most. An amount is read exactly when the digits and the
decimal point are the same (commas and spaces aside); this is the raw OCR, before any repair.
Amounts inside sentences are not matched (an OCR line covers the whole sentence), so pages of
prose count as misread for every engine alike. Modes: ``render`` — a 200-dpi scan (what the
tests use) rendered at the dpi with pypdfium2 (what ingest does with an image-only PDF page);
``native`` — the scan made at the dpi and read as is. Engines (``--engine``, compared on the
same images): ``chosen`` — the service's (:mod:`services.ingest.ocr_engine`); ``stock`` —
RapidOCR's own pipeline as the service ran it before; ``SCALE/WIDTH/BATCH[/page]`` — the
service's with the detector at SCALE, recognition padded to WIDTH px in batches of BATCH lines
(``/page``: detecting on the whole page). Prints a Markdown table: CPU seconds per page (OCR and
preprocessing apart) and % of amounts read exactly.

Document mode: a 25-page scan (the Finance Bureau's PDF) through ``ingest_bytes`` in a fresh
process with the ocr worker's memory cap, once on one core reading one page at a time, once on
every core of the script reading as many pages at once (the service's default): wall and CPU
seconds. Service mode: the same scan uploaded to the native service (``services.devstack``, as
``./dev up`` runs it, in a temporary directory), seconds from the upload to its report.
"""

from __future__ import annotations

import argparse
import itertools
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


ENGINE_OPTIONS: dict[str, Any] = {}  # RapidOCR's settings for the "stock" engine (--max-side, --cls)
USE_CLS = False
_STOCK: Any = None


@dataclass(frozen=True)
class Engine:
    """How the models are run: ``stock`` — RapidOCR's own ``__call__`` (as the service ran it
    before ``services.ingest.ocr_engine``); else ``ocr_engine.read`` with ``tuning``."""

    label: str
    tuning: Any = None  # services.ingest.ocr_engine.Tuning

    @staticmethod
    def parse(spec: str) -> Engine:
        """ "stock", "chosen" (the service's settings) or "SCALE/WIDTH/BATCH" (e.g. 0.6/96/1)."""
        from services.ingest.ocr_engine import DEFAULT, Tuning

        if spec == "stock":
            return Engine("stock")
        if spec == "chosen":
            t = DEFAULT
        else:
            scale, width, batch, *rest = spec.split("/")
            t = Tuning(
                det_scale=float(scale), rec_width=int(width), rec_batch=int(batch), crop=rest != ["page"]
            )
        where = "text region" if t.crop else "whole page"
        return Engine(f"det ×{t.det_scale:g} {where}, rec {t.rec_width} px × {t.rec_batch}", t)


def ocr(gray: np.ndarray, eng: Engine) -> list[tuple[np.ndarray, str, float]]:
    """The lines read on ``gray``: (box, text, score)."""
    if eng.tuning is None:
        import cv2

        global _STOCK
        if _STOCK is None:
            from rapidocr_onnxruntime import RapidOCR

            _STOCK = RapidOCR(**ENGINE_OPTIONS)
        result, _ = _STOCK(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), use_cls=USE_CLS)
    else:
        from services.ingest.ocr_engine import read

        result = read(gray, eng.tuning, threads=ENGINE_OPTIONS["intra_op_num_threads"])
    return [(np.asarray(item[0], dtype=np.float64), item[1], float(item[2])) for item in result or []]


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
    engines = [Engine.parse(e) for e in args.engine.split(",")]
    variants = [v for v in VARIANTS if v[0] in args.prep.split(",")] if args.prep != "all" else VARIANTS
    blank = np.full((1200, 900), 255, dtype=np.uint8)
    for eng in engines:  # models loaded before the clock runs
        ocr(blank, eng)
    results: dict[tuple[str, int, str, str], Cell] = {}
    for mode in modes:
        for dpi in dpis:
            for name, data, amounts, pages in docs:
                images = page_images(data, pages, dpi, mode, args.seed)
                for index, (gray, angle) in zip(pages, images, strict=True):
                    for label, do_deskew, denoise in variants:
                        t0 = time.process_time()
                        img, turned = gray, angle
                        if do_deskew:
                            img, back = deskew(img)
                            turned += back
                        if denoise is not None:
                            img = denoise(img)
                        t1 = time.process_time()
                        for eng in engines:  # side by side on the same image
                            cell = results.setdefault((mode, dpi, label, eng.label), Cell())
                            t2 = time.process_time()
                            boxes = ocr(img, eng)
                            t3 = time.process_time()
                            exact, total, misreads = score_page(amounts[index], boxes, img.shape, turned, dpi)
                            cell.pages += 1
                            cell.prep_s.append(t1 - t0)
                            cell.ocr_s.append(t3 - t2)
                            cell.exact += exact
                            cell.total += total
                            cell.misreads += misreads
                            print(
                                f"{mode} {dpi} {label:22} {eng.label:28} {name[:16]} p{index + 1}: "
                                f"{exact}/{total} {t3 - t2:.2f}s {misreads[:3]}",
                                file=sys.stderr,
                            )
    print(
        "| mode | dpi | preprocessing | engine | CPU s/page OCR (max) | CPU s/page preprocessing "
        "| amounts read exactly |"
    )
    print("|---|---:|---|---|---:|---:|---:|")
    for (mode, dpi, label, eng_label), c in results.items():
        pct = 100.0 * c.exact / c.total if c.total else 0.0
        print(
            f"| {mode} | {dpi} | {label} | {eng_label} | {statistics.mean(c.ocr_s):.2f} ({max(c.ocr_s):.2f}) | "
            f"{statistics.mean(c.prep_s):.2f} | {pct:.2f}% ({c.exact}/{c.total}) |"
        )
    if args.misreads:
        for (mode, dpi, label, eng_label), c in results.items():
            print(
                f"\n{mode} {dpi} {label} {eng_label}: " + "; ".join(f"{a}→{b!r}" for a, b in c.misreads[:40])
            )


# --- whole document ----------------------------------------------------------------------------


def _ingest(args: tuple[str, bytes, set[int], int]) -> tuple[float, float, int, float, list[float]]:
    """Ingest one document in this (fresh) process on ``cores``, reading ``threads`` pages at
    once, with the ocr worker's memory cap (JUESUAN_OCR_WORKER_MAX_MEMORY_MB): (wall seconds, CPU
    seconds of the process, pages, peak resident MB, CPU seconds of each page as it was done (with
    one thread: its own, rendering included; the first also opens the PDF)). The engines are made first, as an ocr worker that has read a
    scan before has them."""
    import resource

    from shared.settings import get_settings

    name, data, cores, threads = args
    os.sched_setaffinity(0, cores)
    cap = get_settings().ocr_worker_max_memory_mb * 1024 * 1024  # as services/worker.py caps a child
    resource.setrlimit(resource.RLIMIT_DATA, (cap, resource.getrlimit(resource.RLIMIT_DATA)[1]))
    from services.ingest.core import ingest_bytes
    from services.ingest.ocr import OcrOptions
    from services.ingest.ocr_engine import engine_threads, in_parallel, warm

    in_parallel(range(threads), lambda _: warm(threads=engine_threads(threads)), threads)
    marks: list[float] = []  # CPU seconds as each page is done (one thread: a page's own cost)
    c0, t0 = time.process_time(), time.perf_counter()
    doc = ingest_bytes(
        name,
        data,
        None,
        progress=lambda *_: marks.append(time.process_time()),
        ocr_options=OcrOptions(threads=threads),
    )
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    per_page = [b - a for a, b in itertools.pairwise([c0, *marks])]
    return wall, cpu, len(doc.pages), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, per_page


def bench_document(args: argparse.Namespace) -> None:
    from concurrent.futures import ProcessPoolExecutor

    from tests.scans import make_scan

    path = Path(args.pdf) if args.pdf else next(p for p in shanghai_pdfs() if "财政局" in p.name)
    scan = make_scan(path.read_bytes(), seed=args.seed)
    name = "scan-" + path.name
    cores = sorted(os.sched_getaffinity(0))
    runs = [
        ("1 thread on one core", {cores[0]}, 1),
        (f"{len(cores)} threads on {len(cores)} cores", set(cores), len(cores)),
    ]
    one: list[float] = []
    print(f"load average before: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    print("| run | pages | wall s | wall s/page | CPU s | CPU s/page | peak resident MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, on, threads in runs:
        with ProcessPoolExecutor(1) as pool:  # a fresh process for each run
            wall, cpu, pages, rss, per_page = pool.submit(_ingest, (name, scan, on, threads)).result()
        print(
            f"| {label} | {pages} | {wall:.1f} | {wall / pages:.2f} | {cpu:.1f} | {cpu / pages:.2f} | {rss:.0f} |"
        )
        if threads == 1:
            one = per_page
    print(f"load average after: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    if one:
        print(
            f"\none thread, CPU s per page: median {statistics.median(one):.2f}, "
            f"max {max(one):.2f}, over 3 s: {sum(t > 3 for t in one)}; " + " ".join(f"{t:.1f}" for t in one)
        )


def bench_service(args: argparse.Namespace) -> None:
    """The 25-page scan uploaded to the native service (redis-server, S3 endpoint, api, one worker
    per queue, as ``./dev up`` starts them, in a temporary directory): seconds from the upload to
    the document's report, and to the end of its OCR stage, polled every 0.2 s."""
    import tempfile

    import httpx

    from services.devstack import Stack
    from tests.scans import make_scan

    path = Path(args.pdf) if args.pdf else next(p for p in shanghai_pdfs() if "财政局" in p.name)
    scan = make_scan(path.read_bytes(), seed=args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp))
        stack.start()
        try:
            http = httpx.Client(base_url=stack.api_url, timeout=120)
            for run in range(args.runs):
                print(f"load average before run {run + 1}: {os.getloadavg()[0]:.2f}", file=sys.stderr)
                batch = http.post("/batches", json={"name": "bench-ocr"}).json()["batch_id"]
                t0 = time.perf_counter()
                (doc,) = http.post(
                    f"/batches/{batch}/files", files=[("files", (f"scan-{path.name}", scan))]
                ).json()
                ocr_done = None
                while True:
                    d = next(
                        x
                        for x in http.get(f"/batches/{batch}").json()["documents"]
                        if x["doc_id"] == doc["doc_id"]
                    )
                    now = time.perf_counter() - t0
                    if ocr_done is None and d.get("stage") not in (None, "ingest", "ocr"):
                        ocr_done = now
                    if d["state"] in ("done", "failed"):
                        break
                    if now > 600:
                        raise SystemExit("the scan was not done in 10 min")
                    time.sleep(0.2)
                print(
                    f"run {run + 1}: {d['state']} in {now:.1f} s from upload to report "
                    f"(OCR done at {ocr_done or now:.1f} s); load average {os.getloadavg()[0]:.2f}"
                    + (f"; error: {d.get('error')}" if d["state"] == "failed" else "")
                )
            if args.keep_logs:
                import shutil

                shutil.copytree(Path(tmp) / "logs", args.keep_logs, dirs_exist_ok=True)
        finally:
            stack.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--document", action="store_true", help="time a whole 25-page scan through ingest")
    ap.add_argument("--pdf", help="document mode: the PDF to scan (default: the Finance Bureau's)")
    ap.add_argument("--service", action="store_true", help="time the 25-page scan through the native service")
    ap.add_argument("--runs", type=int, default=2, help="service mode: scans uploaded one after the other")
    ap.add_argument("--keep-logs", help="service mode: copy the services' logs to this folder")
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
    ap.add_argument("--cls", action="store_true", help="the stock engine: run the text-direction classifier")
    ap.add_argument(
        "--engine",
        default="chosen",
        help="page mode: engines to compare on the same images, comma-separated: chosen (the service's "
        "settings), stock (RapidOCR's own pipeline), or DET_SCALE/REC_WIDTH/REC_BATCH[/page] such as "
        "0.6/96/1 (/page: detection on the whole page, not only the region with ink)",
    )
    ap.add_argument(
        "--prep",
        default="all",
        help="page mode: preprocessing variants, comma-separated (none, deskew, ...), or all",
    )
    args = ap.parse_args()
    global USE_CLS
    USE_CLS = args.cls
    ENGINE_OPTIONS["max_side_len"] = args.max_side
    if not args.document and not args.service:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # page mode: one core
    threads = len(os.sched_getaffinity(0))
    ENGINE_OPTIONS["intra_op_num_threads"] = threads
    ENGINE_OPTIONS["inter_op_num_threads"] = 1
    if not SAMPLES.is_dir():
        sys.exit(f"the sample PDFs are not at {SAMPLES}")
    if args.service:
        bench_service(args)
    elif args.document:
        bench_document(args)
    else:
        bench_pages(args)


if __name__ == "__main__":
    main()
