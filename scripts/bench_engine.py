"""Benchmark: milliseconds per document for ingest+parse+validate, and peak memory.

Usage: ./dev bench [--repeat N] [--generated N]
Runs each seed in ../shared/seeds (when present) and N generated documents, on one core, and prints
median and p95 per document plus the process's peak RSS and the peak Python heap of one document.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.pipeline import check_bytes

SEEDS = ROOT.parent / "shared" / "seeds"


def measure(name: str, data: bytes, repeat: int) -> tuple[float, float, float]:
    check_bytes(name, data)  # warm-up (regex compilation, imports)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        check_bytes(name, data)
        times.append((time.perf_counter() - t) * 1000)
    tracemalloc.start()
    check_bytes(name, data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], peak / 1024 / 1024


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--generated", type=int, default=20)
    args = ap.parse_args()
    docs: list[tuple[str, bytes]] = []
    if SEEDS.is_dir():
        docs += [(p.name, p.read_bytes()) for p in sorted(SEEDS.glob("*.txt"))]
    from corpus.generator import generate_document

    styles = ["pdf", "ocr", "word"]
    docs += [
        (f"generated_{i:03d}_{styles[i % 3]}", generate_document(i, styles[i % 3], []).data)
        for i in range(args.generated)
    ]
    print(f"{'document':38} {'KB':>6} {'median ms':>10} {'p95 ms':>8} {'heap MB':>8}")
    medians = []
    for name, data in docs:
        med, p95, heap = measure(name, data, args.repeat)
        medians.append(med)
        print(f"{name[:38]:38} {len(data) / 1024:6.1f} {med:10.1f} {p95:8.1f} {heap:8.1f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\n{len(docs)} documents, median of medians {statistics.median(medians):.1f} ms, peak RSS {rss:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
