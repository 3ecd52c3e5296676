"""``python -m corpus OUT_DIR --count N [--seed S] [--formats pdf,docx,xlsx]``: write a synthetic
corpus and its manifest.

Without ``--formats`` the corpus is text (today's ``<name>.txt`` in the pdf/ocr/word styles).
``--formats`` lists file formats (``pdf``, ``docx``, ``xlsx``, and ``text`` for the text
styles); document i gets the (i mod k)-th listed format. About one third of the documents are
clean; the others carry 1–3 distinct defects that their style/format supports. Deterministic for a
given ``--seed``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from random import Random

from corpus.files import FILE_FORMATS
from corpus.generator import (
    GeneratedDocument,
    GeneratedFile,
    generate_document,
    generate_file,
    supported_defects,
    supported_file_defects,
)

STYLE_WEIGHTS = {"pdf": 0.45, "ocr": 0.35, "word": 0.20}
FORMAT_CHOICES = ("text", *FILE_FORMATS)


def plan(index: int, base_seed: int) -> tuple[int, str, list[str]]:
    """(document seed, style, defects) of the index-th document of a text corpus."""
    rng = Random(f"corpus:{base_seed}:{index}")
    style = rng.choices(list(STYLE_WEIGHTS), weights=list(STYLE_WEIGHTS.values()))[0]
    defects: list[str] = []
    if rng.random() >= 1 / 3:
        defects = rng.sample(supported_defects(style), rng.randint(1, 3))
    return base_seed * 100_000 + index, style, defects


def plan_file(index: int, base_seed: int, fmt: str) -> tuple[int, list[str]]:
    """(document seed, defects) of the index-th document when it is written as a ``fmt`` file."""
    rng = Random(f"files:{base_seed}:{index}")
    defects: list[str] = []
    if rng.random() >= 1 / 3:
        defects = rng.sample(supported_file_defects(fmt), rng.randint(1, 3))
    return base_seed * 100_000 + index, defects


def _text_entry(doc: GeneratedDocument, seed: int) -> dict[str, object]:
    return {
        "name": doc.name,
        "style": doc.style,
        "seed": seed,
        "encoding": doc.encoding,
        "department": doc.department,
        "year": doc.year,
        "defects": [d.as_dict() for d in doc.defects],
    }


def _file_entry(f: GeneratedFile, seed: int) -> dict[str, object]:
    return {
        "name": f.name,
        "format": f.fmt,
        "file": f.filename,
        "seed": seed,
        "department": f.department,
        "year": f.year,
        "defects": [d.as_dict() for d in f.defects],
    }


def write_corpus(
    out_dir: Path, count: int, base_seed: int = 0, formats: tuple[str, ...] = ("text",)
) -> list[GeneratedDocument | GeneratedFile]:
    """Generate ``count`` documents into ``out_dir`` (``<name>.txt`` / ``<name>.pdf`` … +
    ``manifest.json``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    docs: list[GeneratedDocument | GeneratedFile] = []
    manifest = []
    for i in range(count):
        fmt = formats[i % len(formats)]
        if fmt == "text":
            seed, style, defects = plan(i, base_seed)
            doc = generate_document(seed, style, defects)
            doc.name = f"gen_{i:04d}_{style}"
            (out_dir / f"{doc.name}.txt").write_bytes(doc.data)
            manifest.append(_text_entry(doc, seed))
            docs.append(doc)
        else:
            seed, defects = plan_file(i, base_seed, fmt)
            f = generate_file(seed, fmt, defects)
            f.name = f"gen_{i:04d}_{fmt}"
            (out_dir / f.filename).write_bytes(f.data)
            manifest.append(_file_entry(f, seed))
            docs.append(f)
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return docs


def _formats(value: str) -> tuple[str, ...]:
    names = tuple(v.strip() for v in value.split(",") if v.strip())
    bad = [n for n in names if n not in FORMAT_CHOICES]
    if not names or bad:
        raise argparse.ArgumentTypeError(f"formats must be among {', '.join(FORMAT_CHOICES)}")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m corpus", description="生成合成的部门决算公开语料")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--formats", type=_formats, default=("text",),
        help="comma-separated: text (pdf/ocr/word text styles), pdf, docx, xlsx (default: text)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must be ≥ 0")
    start = time.perf_counter()
    docs = write_corpus(args.out_dir, args.count, args.seed, args.formats)
    kinds = Counter(d.style if isinstance(d, GeneratedDocument) else d.fmt + " file" for d in docs)
    clean = sum(1 for d in docs if not d.defects)
    injected = sum(len(d.defects) for d in docs)
    elapsed = time.perf_counter() - start
    if args.formats == ("text",):
        mix = f"pdf {kinds['pdf']}, ocr {kinds['ocr']}, word {kinds['word']}"
    else:
        mix = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
    print(
        f"wrote {len(docs)} documents to {args.out_dir} ({mix}; {clean} clean, {injected} defects) in {elapsed:.2f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
