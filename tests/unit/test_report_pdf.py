"""The printable PDF report (services/report/pdf_report.py) printed by the system's Chromium: the
same content as the HTML report (department, every finding's message), fonts embedded, one
browser reused across documents and relaunched when it dies, nothing loaded from the network, and
a clear Chinese error when there is no browser or the report is too large.

Skips when Chromium is absent, unless JUESUAN_REQUIRE_BROWSER=1 (CI with the browser installed)."""

from __future__ import annotations

import io
import os
import signal
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pypdf
import pypdfium2
import pytest

from services import pipeline
from services.report import pdf_report
from services.report.pdf_report import (
    PdfRenderer,
    PdfRenderError,
    PdfUnavailable,
    document_pdf,
    find_chromium,
)
from shared.models import DocumentReport
from tests.conftest import seed_path

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "pdf"


def _require_browser() -> None:
    try:
        find_chromium()
    except PdfUnavailable as exc:
        if os.environ.get("JUESUAN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"JUESUAN_REQUIRE_BROWSER=1 but no browser: {exc}")
        pytest.skip(f"Chromium not installed (apt-get install chromium fonts-wqy-microhei): {exc}")


@pytest.fixture(scope="module")
def renderer() -> Iterator[PdfRenderer]:
    _require_browser()
    with PdfRenderer() as r:
        yield r


@pytest.fixture(scope="module")
def seed_report() -> DocumentReport:
    report, _ = pipeline.check_file(seed_path("000"))
    assert report.findings and report.document.department
    return report


@pytest.fixture(scope="module")
def shanghai_report() -> DocumentReport:
    found = sorted(SAMPLES.glob("*财政局*.pdf")) if SAMPLES.is_dir() else []
    if not found:
        pytest.skip(f"Shanghai sample PDF not available at {SAMPLES}")
    report, _ = pipeline.check_file(found[0])
    assert report.findings and report.document.department
    return report


def squash(text: str) -> str:
    return "".join(text.split())


def pdf_text(data: bytes) -> str:
    doc = pypdfium2.PdfDocument(data)
    try:
        return "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def _fonts(resources: Any, seen: set[int]) -> Iterator[Any]:
    """Every font dictionary reachable from a resources dictionary (pages and form XObjects)."""
    if resources is None:
        return
    resources = resources.get_object()
    for ref in (resources.get("/Font") or {}).values():
        yield ref.get_object()
    for ref in (resources.get("/XObject") or {}).values():
        xobj = ref.get_object()
        key = id(xobj)
        if key not in seen and xobj.get("/Subtype") == "/Form":
            seen.add(key)
            yield from _fonts(xobj.get("/Resources"), seen)


def unembedded_fonts(data: bytes) -> list[str]:
    """Names of fonts without an embedded font program (a Type 3 font counts as not embedded: it
    is what Chromium writes for synthesised bold, glyph outlines instead of the font)."""
    bad: list[str] = []
    reader = pypdf.PdfReader(io.BytesIO(data))
    seen: set[int] = set()
    fonts = [f for page in reader.pages for f in _fonts(page.get("/Resources"), seen)]
    assert fonts, "the PDF has no fonts at all"
    for font in fonts:
        name = str(font.get("/BaseFont") or font.get("/Subtype"))
        if font.get("/Subtype") == "/Type0":
            font = font["/DescendantFonts"][0].get_object()
        descriptor = font.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else {}
        if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            bad.append(name)
    return bad


def assert_same_content(data: bytes, report: DocumentReport) -> None:
    assert data.startswith(b"%PDF-")
    text = squash(pdf_text(data))
    assert squash(report.document.department or "") in text
    missing = [f.code for f in report.findings if squash(f.message) not in text]
    assert not missing, f"finding messages missing from the PDF: {missing}"
    # The closed <details> of the HTML (rules that ran) is printed open.
    for cov in report.coverage:
        assert cov.code in text
    assert unembedded_fonts(data) == []


def test_seed_report_pdf_has_the_html_reports_content(renderer: PdfRenderer, seed_report: DocumentReport):
    assert_same_content(document_pdf(seed_report, renderer), seed_report)


def test_shanghai_pdf_report_has_its_content(renderer: PdfRenderer, shanghai_report: DocumentReport):
    data = document_pdf(shanghai_report, renderer)
    assert_same_content(data, shanghai_report)
    # Every page's footer names the department and numbers the pages.
    doc = pypdfium2.PdfDocument(data)
    n = len(doc)
    last = squash(doc[n - 1].get_textpage().get_text_range())
    assert f"第{n}页，共{n}页" in last
    assert squash(shanghai_report.document.department or "") in last


def test_one_browser_serves_many_documents(seed_report: DocumentReport, shanghai_report: DocumentReport):
    _require_browser()
    with PdfRenderer() as r:
        assert r.launches == 0  # nothing started before the first document
        first = document_pdf(seed_report, r)
        second = document_pdf(shanghai_report, r)
        assert r.launches == 1
        assert first != second and first.startswith(b"%PDF") and second.startswith(b"%PDF")
    assert not r.running


def test_a_dead_browser_is_replaced(renderer: PdfRenderer):
    renderer.render_html("<p>一</p>")
    before = renderer.launches
    pid = renderer._browser_pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.3)
    data = renderer.render_html("<p>浏览器重启后的报告</p>")
    assert "浏览器重启后的报告" in pdf_text(data)
    assert renderer.launches == before + 1


class _Counter(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_the_page_loads_nothing_external(renderer: PdfRenderer):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        html = (
            f'<link rel="stylesheet" href="{url}/a.css"><img src="{url}/b.png">'
            f'<iframe src="{url}/c.html"></iframe><p>离线</p>'
        )
        data = renderer.render_html(html)
    finally:
        server.shutdown()
        server.server_close()
    assert "离线" in pdf_text(data)
    assert _Counter.hits == 0


def test_an_oversized_report_is_refused_before_the_browser_starts():
    r = PdfRenderer(max_html_bytes=1024)
    with pytest.raises(PdfRenderError, match="报告内容过大"):
        r.render_html("<p>" + "很长的报告" * 1000 + "</p>")
    assert r.launches == 0


def test_no_browser_gives_an_actionable_chinese_message(
    monkeypatch: pytest.MonkeyPatch, seed_report: DocumentReport
):
    monkeypatch.delenv(pdf_report.CHROMIUM_ENV, raising=False)
    monkeypatch.setattr(pdf_report, "CHROMIUM_CANDIDATES", ("/nonexistent/chromium",))
    with pytest.raises(PdfUnavailable) as err:
        document_pdf(seed_report)
    assert isinstance(err.value, RuntimeError)
    assert "未找到 Chromium" in str(err.value) and "apt-get install chromium" in str(err.value)
    assert pdf_report.CHROMIUM_ENV in str(err.value)

    monkeypatch.setenv(pdf_report.CHROMIUM_ENV, "/nonexistent/chromium")
    with pytest.raises(PdfUnavailable, match="JUESUAN_CHROMIUM 指向的浏览器程序不存在"):
        find_chromium()


@pytest.mark.slow
def test_a_render_that_takes_too_long_is_stopped_and_the_next_one_works():
    _require_browser()
    rows = "".join(f"<tr><td>{i}</td><td>一般公共预算财政拨款支出</td></tr>" for i in range(200_000))
    with PdfRenderer(timeout_s=1) as r:
        started = time.monotonic()
        with pytest.raises(PdfRenderError, match="超时"):
            r.render_html(f"<table>{rows}</table>")
        assert time.monotonic() - started < 30
        assert "之后的报告" in pdf_text(r.render_html("<p>之后的报告</p>"))
