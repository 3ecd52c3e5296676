"""Benchmark: real PDFs through ingest + parse + validate, side by side in one run with pdfplumber's
own text + table extraction of the same file (the slower library we measured against).

Usage: ./dev bench-pdf [--repeat N] [PDF ...]     (default: ../shared/samples/pdf/*.pdf)

Runs on one core (the process is pinned to CPU 0 where the OS allows), prints per file the median
and p95 milliseconds of juesuan's full check, of its extraction alone, and of pdfplumber's
``extract_text`` + ``extract_tables`` on every page, the ratio, and the peak Python heap of one
juesuan check (tracemalloc) and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.ingest.pdf import extract_pdf
from services.pipeline import check_bytes

SAMPLES = ROOT.parent / "shared" / "samples" / "pdf"


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    fn()  # warm-up: imports, compiled patterns, font caches
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[max(int(len(times) * 0.95) - 1, 0)]


def pdfplumber_extract(data: bytes) -> None:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.extract_tables()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--plumber-repeat", type=int, default=3)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    paths = args.pdfs or sorted(SAMPLES.glob("*.pdf"))
    if not paths:
        print(f"no PDFs given and none at {SAMPLES}", file=sys.stderr)
        return 1
    print(
        f"{'file':34} {'pages':>5} {'check med':>10} {'p95':>7} {'extract':>8} {'pdfplumber':>11} {'ratio':>6} {'heap MB':>8}"
    )
    for path in paths:
        data = path.read_bytes()
        pages = len(extract_pdf(path.name, data).pages)
        name = path.name
        check_med, check_p95 = timed(lambda n=name, d=data: check_bytes(n, d), args.repeat)
        ext_med, _ = timed(lambda n=name, d=data: extract_pdf(n, d), args.repeat)
        plumber_med, _ = timed(lambda d=data: pdfplumber_extract(d), args.plumber_repeat)
        tracemalloc.start()
        check_bytes(path.name, data)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"{path.stem[:34]:34} {pages:5d} {check_med:8.0f}ms {check_p95:5.0f}ms {ext_med:6.0f}ms "
            f"{plumber_med:9.0f}ms {plumber_med / check_med:5.1f}× {peak / 1024 / 1024:8.1f}"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process {rss:.0f} MB (all files, pdfplumber included); one core")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
