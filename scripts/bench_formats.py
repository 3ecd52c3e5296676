"""Benchmark: what each report format costs per document, side by side in one run, and the PDF
engines compared (Chromium through Playwright, the one used; WeasyPrint when it is importable).

Usage: ./dev bench-formats [--repeat N] [--cold N] [--no-weasyprint]

The documents are the seeds (../shared/seeds/*.txt) and the sample PDFs (../shared/samples/pdf);
each is checked once (not timed), then every format is rendered from its report ``--repeat`` times
after one warm-up (the PDF format through one open browser). Prints Markdown tables: per format the
median and slowest ms per report and the median output size; per PDF engine the cold time (a new
browser, or a fresh WeasyPrint import, per report), the warm time, the size, and whether every font
is embedded and the department's name extracts back as text.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services import pipeline
from services.report.formats import FORMAT_ZH, NotApplicable, ReportFormat, render_document
from shared.models import DocumentReport

SEEDS = ROOT.parent / "shared" / "seeds"
SAMPLES = ROOT.parent / "shared" / "samples" / "pdf"
WQY_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


@dataclass
class Doc:
    name: str
    original: bytes
    report: DocumentReport


@dataclass
class Row:
    label: str
    times: list[float] = field(default_factory=list)  # per-report medians, ms
    sizes: list[int] = field(default_factory=list)
    skipped: int = 0
    note: str = ""


def load_docs() -> list[Doc]:
    paths = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    paths += sorted(SAMPLES.glob("*.pdf")) if SAMPLES.is_dir() else []
    docs = []
    for path in paths:
        report, _ = pipeline.check_file(path)
        docs.append(Doc(path.name, path.read_bytes(), report))
    return docs


def time_ms(fn: Callable[[], bytes], repeat: int) -> tuple[float, int]:
    """Median ms of ``repeat`` calls after one warm-up call, and the output size."""
    out = fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), len(out)


def fmt_ms(values: list[float]) -> tuple[str, str]:
    if not values:
        return "–", "–"
    return f"{statistics.median(values):.1f}", f"{max(values):.1f}"


def fmt_kb(sizes: list[int]) -> str:
    return f"{statistics.median(sizes) / 1024:.0f}" if sizes else "–"


# ---------------------------------------------------------------------- formats


def bench_formats(docs: list[Doc], repeat: int) -> list[Row]:
    from services.report.pdf_report import PdfRenderer, PdfUnavailable

    rows: list[Row] = []
    with PdfRenderer() as renderer:
        for fmt in ReportFormat:
            row = Row(f"{fmt.value} ({FORMAT_ZH[fmt]})")
            for doc in docs:

                def render(doc: Doc = doc, fmt: ReportFormat = fmt) -> bytes:
                    return render_document(doc.report, fmt, original=doc.original, pdf=renderer)

                try:
                    ms, size = time_ms(render, repeat)
                except NotApplicable:
                    row.skipped += 1
                    continue
                except (ImportError, AttributeError) as exc:
                    row.note = f"not available yet ({type(exc).__name__}: {exc})"
                    break
                except PdfUnavailable as exc:
                    row.note = f"no engine: {exc}"
                    break
                row.times.append(ms)
                row.sizes.append(size)
            if row.skipped and not row.note:
                row.note = f"not applicable to {row.skipped} document(s): not a PDF, or not checked"
            if fmt == ReportFormat.PDF and row.times:
                row.note = (row.note + "; " if row.note else "") + "one browser kept open"
            rows.append(row)
    return rows


# ---------------------------------------------------------------------- PDF engines


def check_pdf(data: bytes, report: DocumentReport) -> tuple[bool, bool, int]:
    """(every font embedded, department extracts back as text, pages)."""
    import pypdf
    import pypdfium2

    reader = pypdf.PdfReader(io.BytesIO(data))
    embedded = True
    for page in reader.pages:
        resources = page.get("/Resources")
        fonts = (resources.get_object().get("/Font") or {}) if resources is not None else {}
        for ref in fonts.values():
            font = ref.get_object()
            if font.get("/Subtype") == "/Type0":
                font = font["/DescendantFonts"][0].get_object()
            desc = font.get("/FontDescriptor")
            desc = desc.get_object() if desc is not None else {}
            if not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                embedded = False
    pdf = pypdfium2.PdfDocument(data)
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    dept = "".join((report.document.department or "").split())
    return embedded, (not dept or dept in "".join(text.split())), len(reader.pages)


@dataclass
class EngineRow:
    engine: str
    cold: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)
    embedded: bool = True
    text_ok: bool = True
    note: str = ""


def bench_chromium(docs: list[Doc], repeat: int, cold_n: int) -> EngineRow:
    from services.report.pdf_report import PdfRenderer, PdfUnavailable, document_pdf

    row = EngineRow("Chromium (Playwright, system /usr/bin/chromium)")
    try:
        for doc in docs[:cold_n]:
            t = time.perf_counter()
            document_pdf(doc.report)  # a browser started and closed for this one report
            row.cold.append((time.perf_counter() - t) * 1000)
        with PdfRenderer() as renderer:
            for doc in docs:
                ms, _ = time_ms(lambda doc=doc: document_pdf(doc.report, renderer), repeat)
                data = document_pdf(doc.report, renderer)
                row.warm.append(ms)
                row.sizes.append(len(data))
                embedded, text_ok, pages = check_pdf(data, doc.report)
                row.embedded &= embedded
                row.text_ok &= text_ok
                row.pages.append(pages)
            row.note = f"{renderer.launches} browser launch(es) for {len(docs) * (repeat + 2)} reports"
    except PdfUnavailable as exc:
        row.note = str(exc)
    return row


WEASY_CSS = f"""
@font-face {{ font-family: "WenQuanYi Micro Hei"; src: url("{WQY_FONT.as_uri()}"); }}
@page {{ size: A4; margin: 14mm 13mm 16mm;
  @bottom-right {{ content: "第 " counter(page) " 页，共 " counter(pages) " 页"; font-size: 8pt; }} }}
"""

WEASY_COLD = """
import sys, time
t = time.perf_counter()
import weasyprint
html = sys.stdin.read()
weasyprint.HTML(string=html).write_pdf(stylesheets=[weasyprint.CSS(string=sys.argv[1])])
print((time.perf_counter() - t) * 1000)
"""


def bench_weasyprint(docs: list[Doc], repeat: int, cold_n: int) -> EngineRow | None:
    try:
        import weasyprint
    except (ImportError, OSError):
        return None
    from services.report.html import render_document_html

    row = EngineRow(f"WeasyPrint {weasyprint.__version__} (wqy-microhei)")
    css = weasyprint.CSS(string=WEASY_CSS)
    for doc in docs[:cold_n]:
        # Cold: a fresh interpreter importing WeasyPrint and rendering one report (the
        # counterpart of starting a browser); the interpreter's own start is not counted.
        html = render_document_html(doc.report)
        out = subprocess.run(
            [sys.executable, "-c", WEASY_COLD, WEASY_CSS],
            input=html,
            capture_output=True,
            encoding="utf-8",
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"},
        )
        row.cold.append(float(out.stdout.strip().splitlines()[-1]))
    for doc in docs:
        html = render_document_html(doc.report)

        def render(html: str = html) -> bytes:
            data: bytes = weasyprint.HTML(string=html).write_pdf(stylesheets=[css])
            return data

        ms, _ = time_ms(render, repeat)
        data = render()
        row.warm.append(ms)
        row.sizes.append(len(data))
        embedded, text_ok, pages = check_pdf(data, doc.report)
        row.embedded &= embedded
        row.text_ok &= text_ok
        row.pages.append(pages)
    return row


# ---------------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="timed renders per document and format")
    ap.add_argument("--cold", type=int, default=3, help="documents rendered cold per PDF engine")
    ap.add_argument("--no-weasyprint", action="store_true", help="skip WeasyPrint even if installed")
    args = ap.parse_args()

    t = time.perf_counter()
    docs = load_docs()
    if not docs:
        print(f"no documents: neither {SEEDS} nor {SAMPLES} has any", file=sys.stderr)
        return 1
    n_pdf = sum(1 for d in docs if d.name.lower().endswith(".pdf"))
    print(
        f"{len(docs)} documents ({len(docs) - n_pdf} seeds, {n_pdf} sample PDFs), checked in "
        f"{time.perf_counter() - t:.1f} s; {args.repeat} warm renders per document after one warm-up\n"
    )

    print("| format | ms/report median | ms/report max | reports | KB median | note |")
    print("|---|---:|---:|---:|---:|---|")
    for row in bench_formats(docs, args.repeat):
        med, mx = fmt_ms(row.times)
        print(f"| {row.label} | {med} | {mx} | {len(row.times)} | {fmt_kb(row.sizes)} | {row.note} |")

    engines = [bench_chromium(docs, args.repeat, args.cold)]
    if not args.no_weasyprint:
        weasy = bench_weasyprint(docs, args.repeat, args.cold)
        if weasy is not None:
            engines.append(weasy)
    print(f"\nPDF engines (cold: engine start + one report, {args.cold} reports; warm: engine kept open)\n")
    print(
        "| engine | cold ms median | warm ms median | warm ms max | pages median | KB median "
        "| fonts embedded | text extracts | note |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---|---|")
    for e in engines:
        cold, _ = fmt_ms(e.cold)
        warm, warm_max = fmt_ms(e.warm)
        pages = f"{statistics.median(e.pages):.0f}" if e.pages else "–"
        yes = {True: "yes", False: "NO"}
        done = bool(e.warm)
        print(
            f"| {e.engine} | {cold} | {warm} | {warm_max} | {pages} | {fmt_kb(e.sizes)} "
            f"| {yes[e.embedded] if done else '–'} | {yes[e.text_ok] if done else '–'} | {e.note} |"
        )
    if len(engines) == 1 and not args.no_weasyprint:
        print("\n(WeasyPrint not installed: `.venv/bin/pip install weasyprint` to compare)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
