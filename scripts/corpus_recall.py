"""Ground truth by construction, at scale: a generated corpus checked in process.

Usage: ./dev corpus-recall [--count N] [--files N] [--seed S]
Generates N text documents (pdf/ocr/word styles) and N files (PDF/DOCX/XLSX in turn) the way
``python -m corpus`` does (about a third clean, the others with 1–3 defects), checks each, and
prints: clean documents with any finding, injected defects found and missed (by kind), and
findings outside the injected codes and their known knock-on effects.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.__main__ import plan
from corpus.generator import generate_document, generate_file, supported_file_defects
from services.pipeline import check_bytes
from tests.e2e.test_generated import KNOCK_ON


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=150, help="text documents")
    ap.add_argument("--files", type=int, default=60, help="PDF/DOCX/XLSX files")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    clean = noisy = injected = found = extra = 0
    missed: Counter[str] = Counter()
    extras: Counter[str] = Counter()
    formats = ("pdf", "docx", "xlsx")
    jobs = [("text", i) for i in range(args.count)] + [("file", i) for i in range(args.files)]
    for kind, i in jobs:
        seed, style, defects = plan(i, args.seed)
        if kind == "text":
            doc = generate_document(seed, style, defects)
            name, data, records = doc.name + ".txt", doc.data, doc.defects
        else:
            fmt = formats[i % 3]
            names = [d for d in defects if d in supported_file_defects(fmt)]
            f = generate_file(seed, fmt, names)
            name, data, records = f.filename, f.data, f.defects
        report, _ = check_bytes(name, data)
        codes = {x.code for x in report.findings}
        if not records:
            clean += 1
            noisy += bool(report.findings)
            extras.update(x.code for x in report.findings)
            extra += len(report.findings)
            continue
        allowed = {r.code for r in records}
        for r in records:
            allowed |= KNOCK_ON.get(r.code, set())
            injected += 1
            if r.code in codes:
                found += 1
            else:
                missed[r.kind] += 1
        stray = [x.code for x in report.findings if x.code not in allowed]
        extras.update(stray)
        extra += len(stray)
    print(
        f"{len(jobs)} documents ({args.count} text, {args.files} files) in {time.perf_counter() - t0:.0f} s"
    )
    print(f"clean: {clean} documents, {noisy} with any finding")
    print(f"injected defects: {injected}, found {found}, missed {injected - found} {dict(missed)}")
    print(f"findings outside the injected codes and their knock-on effects: {extra} {dict(extras)}")
    return 0 if noisy == 0 and found == injected and extra == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
