"""``python -m corpus OUT_DIR --count N [--seed S]``: write a synthetic corpus and its manifest.

About one third of the documents are clean; the others carry 1–3 distinct defects that their
style supports. Deterministic for a given ``--seed``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from random import Random

from corpus.generator import GeneratedDocument, generate_document, supported_defects

STYLE_WEIGHTS = {"pdf": 0.45, "ocr": 0.35, "word": 0.20}


def plan(index: int, base_seed: int) -> tuple[int, str, list[str]]:
    """(document seed, style, defects) of the index-th document of a corpus."""
    rng = Random(f"corpus:{base_seed}:{index}")
    style = rng.choices(list(STYLE_WEIGHTS), weights=list(STYLE_WEIGHTS.values()))[0]
    defects: list[str] = []
    if rng.random() >= 1 / 3:
        defects = rng.sample(supported_defects(style), rng.randint(1, 3))
    return base_seed * 100_000 + index, style, defects


def write_corpus(out_dir: Path, count: int, base_seed: int = 0) -> list[GeneratedDocument]:
    """Generate ``count`` documents into ``out_dir`` (``<name>.txt`` + ``manifest.json``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    docs, manifest = [], []
    for i in range(count):
        seed, style, defects = plan(i, base_seed)
        doc = generate_document(seed, style, defects)
        doc.name = f"gen_{i:04d}_{style}"
        (out_dir / f"{doc.name}.txt").write_bytes(doc.data)
        manifest.append(
            {
                "name": doc.name,
                "style": style,
                "seed": seed,
                "encoding": doc.encoding,
                "department": doc.department,
                "year": doc.year,
                "defects": [d.as_dict() for d in doc.defects],
            }
        )
        docs.append(doc)
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return docs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m corpus", description="生成合成的部门决算公开文本语料")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must be ≥ 0")
    start = time.perf_counter()
    docs = write_corpus(args.out_dir, args.count, args.seed)
    styles = Counter(d.style for d in docs)
    clean = sum(1 for d in docs if not d.defects)
    injected = sum(len(d.defects) for d in docs)
    elapsed = time.perf_counter() - start
    print(
        f"wrote {len(docs)} documents to {args.out_dir} (pdf {styles['pdf']}, ocr {styles['ocr']}, "
        f"word {styles['word']}; {clean} clean, {injected} defects) in {elapsed:.2f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
