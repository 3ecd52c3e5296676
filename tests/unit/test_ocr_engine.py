"""The OCR engine and pages in parallel: ``ocr_engine.read`` gives RapidOCR's lines, characters
and boxes (detection on a reduced page, a second try at full size before a page is blank); the
pages of one document are read in threads, rendered or decoded in the calling thread, kept in page
order, counted as they finish, and a page's error surfaces."""

from __future__ import annotations

import io
import random
import threading
import time
import zipfile
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from services.ingest import ocr as ocr_mod
from services.ingest import ocr_engine
from services.ingest.core import ingest_bytes
from services.ingest.ocr import OcrOptions, image_pages
from services.ingest.ocr_engine import Tuning, in_parallel, read
from shared.errors import BadInputError
from tests.pdfs import FONT

NUMBERS = ["2,946.25", "601.96", "6.20"]


# ------------------------------------------------------------------ read() (the engine runs)


def _numbers_image() -> tuple[np.ndarray, list[tuple[float, float]]]:
    """A strip of a page at 200 dpi with three amounts, and where each starts (pixels, x and the
    baseline's y)."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(360, 120), invariant=1)
    c.setFont(FONT, 14)
    at = [(20.0, 40.0), (150.0, 40.0), (20.0, 90.0)]
    for text, (x, y) in zip(NUMBERS, at, strict=True):
        c.drawString(x, 120 - y, text)
    c.showPage()
    c.save()
    pdf = pdfium.PdfDocument(buf.getvalue())
    try:
        gray = pdf[0].render(scale=200 / 72, grayscale=True).to_numpy().copy()
    finally:
        pdf.close()
    k = 200 / 72
    return gray, [(x * k, y * k) for x, y in at]


def test_read_gives_lines_characters_and_their_boxes() -> None:
    gray, at = _numbers_image()
    items = read(gray, threads=1)
    assert sorted(str(i[1]) for i in items) == sorted(NUMBERS)
    for box, text, score, word_boxes, words, confs in items:
        x0, y_base = at[NUMBERS.index(text)]
        xs = [p[0] for p in box]
        ys = [p[1] for p in box]
        assert min(xs) == pytest.approx(x0, abs=12) and min(ys) < y_base < max(ys)
        assert float(score) > 0.9
        assert "".join(words) == text.replace(" ", "")  # a number is one word
        assert len(word_boxes) == len(words) == len(confs)
        for wb in word_boxes:  # inside the line's box (a few pixels of rounding)
            assert min(xs) - 3 <= min(p[0] for p in wb) and max(p[0] for p in wb) <= max(xs) + 3
    # top to bottom, left to right
    assert [i[1] for i in items] == NUMBERS


class _FakeEngine:
    """An engine whose detector finds nothing: records the sizes it was shown."""

    def __init__(self) -> None:
        self.shapes: list[tuple[int, ...]] = []

    def text_det(self, img: np.ndarray) -> tuple[None, float]:
        self.shapes.append(img.shape)
        return None, 0.0


def test_a_page_with_nothing_found_reduced_is_looked_at_full_size(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _FakeEngine()
    monkeypatch.setattr(ocr_engine, "_make", lambda tuning, threads: fake)
    monkeypatch.setattr(ocr_engine, "_idle", {})
    page = np.full((2339, 1654), 255, dtype=np.uint8)
    assert read(page, Tuning(det_scale=0.6), threads=1) == []
    assert [s[:2] for s in fake.shapes] == [(1403, 992), (2339, 1654)]
    # an image so small that the detector would enlarge it again is not reduced
    fake.shapes.clear()
    assert read(page[:600, :900], Tuning(det_scale=0.6), threads=1) == []
    assert [s[:2] for s in fake.shapes] == [(600, 900)]


def test_the_detector_sees_the_text_region_not_dust_in_the_margins() -> None:
    page = np.full((2339, 1654, 3), 255, dtype=np.uint8)
    page[400:1800, 300:1300] = 0  # the text
    for y, x in [(50, 50), (2300, 1600), (1000, 1620)]:  # specks of dust, 3 px
        page[y : y + 3, x : x + 3] = 0
    y0, y1, x0, x1 = ocr_engine._text_region(page)
    m = ocr_engine.REGION_MARGIN
    assert (y0, y1, x0, x1) == (400 - m, 1800 + m, 300 - m, 1300 + m)
    small = np.full((2339, 1654, 3), 255, dtype=np.uint8)
    small[100:130, 1500:1600] = 0  # one word near the edge: at least the detector's size, inside the page
    y0, y1, x0, x1 = ocr_engine._text_region(small)
    assert y1 - y0 == x1 - x0 == ocr_engine.DET_MIN_SIDE and x1 == 1654 and y0 == 0
    assert ocr_engine._text_region(np.full((500, 400, 3), 255, dtype=np.uint8)) == (0, 500, 0, 400)


def test_engines_are_made_once_per_thread_and_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[int] = []
    monkeypatch.setattr(ocr_engine, "_make", lambda tuning, threads: made.append(threads) or object())
    monkeypatch.setattr(ocr_engine, "_idle", {})
    barrier = threading.Barrier(2)

    def borrow(_: int) -> None:
        with ocr_engine.borrowed(threads=1):
            barrier.wait(timeout=5)

    in_parallel(range(2), borrow, 2)  # two at once: two engines
    in_parallel(range(6), borrow, 2)  # then they are reused
    assert made == [1, 1]
    assert ocr_engine.engine_threads(1) == ocr_engine.cpus()
    assert ocr_engine.engine_threads(ocr_engine.cpus()) == 1


def test_cpus_are_capped_by_the_cgroup_quota(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr_engine.os, "sched_getaffinity", lambda _pid: set(range(16)))
    monkeypatch.setattr(ocr_engine, "_cgroup_quota", lambda: 2)
    assert ocr_engine.cpus() == 2  # a container limited to 2 CPUs on a 16-core node
    monkeypatch.setattr(ocr_engine, "_cgroup_quota", lambda: None)
    assert ocr_engine.cpus() == 16


def test_pages_at_once_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.settings import get_settings

    monkeypatch.setattr(ocr_engine, "cpus", lambda: 4)
    try:
        for env, want in [({}, 4), ({"JUESUAN_OCR_CONCURRENCY": "2"}, 2), ({"JUESUAN_OCR_THREADS": "3"}, 3)]:
            for k in ("JUESUAN_OCR_CONCURRENCY", "JUESUAN_OCR_THREADS"):
                monkeypatch.delenv(k, raising=False)
            for k, v in env.items():
                monkeypatch.setenv(k, v)
            get_settings.cache_clear()
            assert ocr_engine.ocr_threads() == want, env
            assert ocr_mod.pages_at_once(OcrOptions()) == want
            assert ocr_mod.pages_at_once(OcrOptions(threads=1)) == 1
    finally:
        get_settings.cache_clear()  # the next test reads the environment as it is then


# ------------------------------------------------------------------ in_parallel


def test_in_parallel_keeps_order_draws_jobs_here_and_bounds_them() -> None:
    caller = threading.get_ident()
    drawn: list[int] = []
    finished: list[int] = []
    in_flight: list[int] = []

    def jobs() -> Any:
        for i in range(12):
            assert threading.get_ident() == caller  # made in the calling thread (pdfium)
            drawn.append(i)
            in_flight.append(len(drawn) - len(finished))
            yield i

    def work(i: int) -> int:
        time.sleep(random.Random(i).uniform(0.0, 0.03))
        return i * i

    def done(index: int, result: int) -> None:
        assert threading.get_ident() == caller
        assert result == index * index
        finished.append(index)

    assert in_parallel(jobs(), work, 3, done) == [i * i for i in range(12)]
    assert sorted(finished) == list(range(12))
    assert max(in_flight) <= 4  # threads + 1 pages in memory at most


def test_in_parallel_raises_the_first_error_and_stops_drawing() -> None:
    drawn: list[int] = []

    def jobs() -> Any:
        for i in range(50):
            drawn.append(i)
            yield i

    def work(i: int) -> int:
        if i == 2:
            raise BadInputError("page 3", "第 3 页无法读取")
        time.sleep(0.01)
        return i

    with pytest.raises(BadInputError, match="page 3"):
        in_parallel(jobs(), work, 2)
    assert len(drawn) < 10
    with pytest.raises(BadInputError):
        in_parallel(jobs(), work, 1)  # one thread: the same


# ------------------------------------------------------------------ documents (engine stubbed)


def _shade(k: int) -> int:
    return 16 + 8 * k  # page k's grey level (k < 30): what the stub "reads" on it


def _fake_read(calls: list[int], fail: int | None = None) -> Any:
    def fake(gray: np.ndarray, tuning: Any = None, threads: int | None = None) -> list[list[Any]]:
        k = round((float(np.median(gray[:200, :200])) - 16) / 8)
        calls.append(k)
        time.sleep(random.Random(k).uniform(0.0, 0.05))  # pages finish out of order
        if k == fail:
            raise BadInputError("unreadable", "第页无法识别")
        h, w = gray.shape[:2]
        box = [[w * 0.2, h * 0.1], [w * 0.6, h * 0.1], [w * 0.6, h * 0.12], [w * 0.2, h * 0.12]]
        return [[box, f"第{k}页", 0.99, [], [], []]]

    return fake


def _pages_zip(shades: list[int]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, s in enumerate(shades, start=1):
            img = Image.new("L", (827, 1169), s)
            b = io.BytesIO()
            img.save(b, "PNG", dpi=(100, 100))
            zf.writestr(f"页{n}.png", b.getvalue())
    return buf.getvalue()


def _image_pdf(shades: list[int]) -> bytes:
    """An image-only PDF: each page one grey image."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    for s in shades:
        c.drawImage(ImageReader(Image.new("L", (60, 85), s)), 0, 0, width=A4[0], height=A4[1])
        c.showPage()
    c.save()
    return buf.getvalue()


def _texts(pages: list[Any]) -> list[str]:
    return [" ".join(ln.text for ln in p.lines) for p in pages]


def test_image_pages_in_parallel_keep_order_and_count_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(ocr_mod, "read", _fake_read(calls))
    seen: list[tuple[int, int]] = []
    pages = image_pages(
        _pages_zip([_shade(k) for k in range(6)]),
        "zip",
        max_pages=10,
        options=OcrOptions(dpi=100, deskew=False, threads=3),
        progress=lambda d, t: seen.append((d, t)),
    )
    assert _texts(pages) == [f"第{k}页" for k in range(6)]
    assert [p.number for p in pages] == [1, 2, 3, 4, 5, 6]
    assert seen == [(d, 6) for d in range(1, 7)]
    assert sorted(calls) == list(range(6))


def test_pdf_pages_in_parallel_keep_order_and_count_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(ocr_mod, "read", _fake_read(calls))
    seen: list[tuple[int, int]] = []
    doc = ingest_bytes(
        "scan.pdf",
        _image_pdf([_shade(k) for k in range(5)]),
        progress=lambda d, t: seen.append((d, t)),
        ocr_options=OcrOptions(dpi=72, deskew=False, threads=2),
    )
    assert _texts(doc.pages) == [f"第{k}页" for k in range(5)]
    assert seen == [(d, 5) for d in range(1, 6)]
    order = [b.line if hasattr(b, "line") else b.seq for b in doc.blocks()]
    assert order == list(range(1, len(order) + 1))  # reading order runs on across the pages


def test_an_error_on_one_page_surfaces(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(ocr_mod, "read", _fake_read(calls, fail=4))
    shades = [_shade(k) for k in range(30)]
    with pytest.raises(BadInputError, match="unreadable"):
        ingest_bytes("scan.pdf", _image_pdf(shades), ocr_options=OcrOptions(dpi=72, deskew=False, threads=2))
    assert len(calls) < 12  # the pages after it are not all read
