"""Benchmark: what each rule costs per document, in milliseconds.

Usage: ./dev bench-rules [--repeat N] [--generated N] [--root DIR]
Parses each document once (the seeds and the sample PDFs in ../shared when present, and N
generated documents), then N times runs every catalogue rule, in catalogue order, on a fresh copy of it (so data the
rules derive once per document is rebuilt and charged to the first rule that needs it), on one
core, and prints per rule the median cost on the median document and on the slowest document, and
the whole validation per document. ``--root`` points at another checkout (to measure before and after a
change side by side with the same script).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--generated", type=int, default=6)
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    args = ap.parse_args()
    root = args.root.resolve()
    sys.path.insert(0, str(root))
    shared = root.parent / "shared"
    if not shared.is_dir():
        shared = Path(__file__).resolve().parents[2] / "shared"

    from corpus.generator import generate_document
    from services.ingest.core import ingest_bytes
    from services.parse.document import parse_document
    from services.validate.catalogue import CheckContext, NotApplicable, all_rules
    from shared.errors import JuesuanError

    sources: list[tuple[str, bytes]] = []
    if (shared / "seeds").is_dir():
        sources += [(p.name, p.read_bytes()) for p in sorted((shared / "seeds").glob("*.txt"))]
    if (shared / "samples" / "pdf").is_dir():
        sources += [(p.name, p.read_bytes()) for p in sorted((shared / "samples" / "pdf").glob("*.pdf"))]
    styles = ["pdf", "ocr", "word"]
    for i in range(args.generated):
        gen = generate_document(i, styles[i % 3], [])
        sources.append((gen.name + ".txt", gen.data))

    docs = []
    for name, data in sources:
        try:
            docs.append((name, parse_document(ingest_bytes(name, data))))
        except JuesuanError as e:  # a notice document (blank template) is not checked: skip it
            print(f"skip {name}: {type(e).__name__}", file=sys.stderr)

    rules = all_rules()
    per_rule: dict[str, list[float]] = {r.code: [] for r in rules}
    totals: list[float] = []
    for _name, doc in docs:
        times: dict[str, list[float]] = {r.code: [] for r in rules}
        for _ in range(args.repeat):
            fresh = doc.model_copy(deep=True)  # cold: data derived once per document is rebuilt
            for r in rules:  # in catalogue order, so the first rule to need derived data pays for it
                ctx = CheckContext()
                t = time.perf_counter()
                try:
                    list(r.check(r, fresh, ctx))
                except NotApplicable:
                    pass
                times[r.code].append((time.perf_counter() - t) * 1000)
        medians = {code: statistics.median(ms) for code, ms in times.items()}
        for code, med in medians.items():
            per_rule[code].append(med)
        totals.append(sum(medians.values()))

    print(f"{len(docs)} documents, {len(rules)} rules, {args.repeat} runs each")
    print(f"{'rule':6} {'median doc ms':>14} {'slowest doc ms':>15}")
    for code, ms in per_rule.items():
        print(f"{code:6} {statistics.median(ms):14.3f} {max(ms):15.3f}")
    print(
        f"\nall rules per document: median {statistics.median(totals):.1f} ms, slowest {max(totals):.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
