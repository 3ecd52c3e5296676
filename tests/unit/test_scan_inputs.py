"""Scans that are bad input, each answered with a clear message for that document alone, and the
upload of a zip of one scan's page images as one document.

- an image bomb (20,000 × 20,000 pixels: PNG, JPEG, TIFF, or inside a zip of page images) is
  refused from its header, before a pixel is decoded or OCR starts;
- a scan over the page limit (an image-only PDF, a multi-page TIFF, a zip of page images) is
  refused from its page count, before any page is rendered or OCR'd — and never handed to the
  ocr queue;
- blank pages are named in a note; a scan with nothing on any page says so;
- a photo of something that is not a disclosure says no disclosure tables were found;
- a zip whose files are all page images is uploaded as one document read by OCR; a zip mixing
  them with other files is unpacked, each image then a scan of its own.

The images are tiny and generated here; the tests that OCR read a few small pages (the engine's
start and about a second).
"""

from __future__ import annotations

import io
import json
import random
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from services.ingest import ocr
from services.ingest.core import IngestLimits, ingest_bytes, needs_ocr
from services.pipeline import check_bytes
from shared.document import DocumentKind
from shared.errors import BadInputError
from shared.filetypes import is_image_zip
from tests.pdfs import income_table_pdf

FONT = Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf")
BOMB = "图片像素过多（20000×20000），疑似解压炸弹，已拒绝"
LIMIT = IngestLimits().max_scan_pages
TOO_MANY = f"需要文字识别，上限 {LIMIT} 页"


# ------------------------------------------------------------------ generated inputs


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", dpi=(200, 200))
    return buf.getvalue()


def _png_bomb(w: int = 20_000, h: int = 20_000) -> bytes:
    """A PNG declaring w × h pixels that holds almost nothing."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))


def _jpeg_bomb(w: int = 20_000, h: int = 20_000) -> bytes:
    """An 8 × 8 JPEG whose frame header (SOF) is made to declare w × h."""
    buf = io.BytesIO()
    Image.new("L", (8, 8), 255).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    i = 2
    while data[i + 1] not in (0xC0, 0xC1, 0xC2):
        i += 2 + struct.unpack(">H", data[i + 2 : i + 4])[0]
    data[i + 5 : i + 9] = struct.pack(">HH", h, w)
    return bytes(data)


def _tiff_bomb(w: int = 20_000, h: int = 20_000, pages: int = 1) -> bytes:
    """A TIFF of 8 × 8 pages whose last page's ImageWidth/ImageLength tags say w × h."""
    buf = io.BytesIO()
    page = Image.new("L", (8, 8), 255)
    page.save(buf, "TIFF", save_all=True, append_images=[page] * (pages - 1))
    data = bytearray(buf.getvalue())
    assert data[:2] == b"II"
    (ifd,) = struct.unpack("<I", data[4:8])
    for _ in range(pages - 1):  # to the last page's directory
        (n,) = struct.unpack("<H", data[ifd : ifd + 2])
        (ifd,) = struct.unpack("<I", data[ifd + 2 + 12 * n : ifd + 6 + 12 * n])
    (n,) = struct.unpack("<H", data[ifd : ifd + 2])
    for k in range(n):
        e = ifd + 2 + 12 * k
        tag, typ = struct.unpack("<HH", data[e : e + 4])
        if tag in (256, 257):
            fmt = "<H" if typ == 3 else "<I"
            packed = struct.pack(fmt, w if tag == 256 else h)
            data[e + 8 : e + 8 + len(packed)] = packed
    return bytes(data)


def _zip(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _tiff(frames: list[Image.Image]) -> bytes:
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:], dpi=(200, 200))
    return buf.getvalue()


def _image_pdf(n: int, img: Image.Image | None = None) -> bytes:
    """An image-only PDF ('a scan') of ``n`` pages, each the same tiny image."""
    reader = ImageReader(img or Image.new("L", (8, 11), 255))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    for _ in range(n):
        c.drawImage(reader, 0, 0, width=A4[0], height=A4[1])
        c.showPage()
    c.save()
    return buf.getvalue()


def _words(text: str, size: tuple[int, int] = (360, 100)) -> Image.Image:
    img = Image.new("L", size, 255)
    ImageDraw.Draw(img).text((20, 30), text, fill=0, font=ImageFont.truetype(str(FONT), 32))
    return img


def _blank(size: tuple[int, int] = (360, 100)) -> Image.Image:
    return Image.new("L", size, 255)


def _photo() -> Image.Image:
    """Something that is not a disclosure: shapes and a few words."""
    rnd = random.Random(7)
    img = Image.new("RGB", (640, 420), (235, 225, 205))
    draw = ImageDraw.Draw(img)
    for _ in range(7):
        x, y = rnd.randint(0, 540), rnd.randint(0, 320)
        box = [x, y, x + rnd.randint(30, 100), y + rnd.randint(30, 100)]
        colour = tuple(rnd.randint(0, 200) for _ in range(3))
        (draw.ellipse if rnd.random() < 0.5 else draw.rectangle)(box, outline=colour, width=4)
    draw.text((40, 330), "Summer picnic 2024", fill=(20, 20, 20), font=ImageFont.truetype(str(FONT), 36))
    return img


@pytest.fixture
def no_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails the test if a page is rendered or OCR'd."""

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a page was rendered or OCR'd")

    monkeypatch.setattr(ocr, "ocr_image", forbidden)
    monkeypatch.setattr(ocr, "render_page", forbidden)


# ------------------------------------------------------------------ image bombs


BOMBS = {
    "photo.png": _png_bomb,
    "photo.jpg": _jpeg_bomb,
    "scan.tif": _tiff_bomb,
    "pages.tif": lambda: _tiff_bomb(pages=3),  # the bomb behind two small pages
    "pages.zip": lambda: _zip({"页1.png": _png(_blank()), "页2.jpg": _jpeg_bomb()}),
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_an_image_bomb_is_refused_from_its_header(name: str, no_ocr: None) -> None:
    data = BOMBS[name]()
    assert len(data) < 10_000
    report, parsed = check_bytes(name, data)
    assert parsed is None and report.error is not None
    prefix = "“页2.jpg”：" if name == "pages.zip" else ""  # a zip's page is named
    assert report.error.startswith(prefix + BOMB) and "单页不超过 100 百万像素" in report.error
    assert needs_ocr(data) == 0  # refused by ingest, never sent to the ocr queue


# ------------------------------------------------------------------ over the page limit


SCANS_OVER_THE_LIMIT = {
    "scan.pdf": lambda: _image_pdf(300),
    "scan.tif": lambda: _tiff([_blank((8, 11))] * 300),
    "pages.zip": lambda: _zip({f"第{i}页.png": _png(_blank((8, 11))) for i in range(1, 301)}),
}


@pytest.mark.parametrize("name", list(SCANS_OVER_THE_LIMIT))
def test_a_300_page_scan_is_refused_before_ocr(name: str, no_ocr: None) -> None:
    data = SCANS_OVER_THE_LIMIT[name]()
    report, parsed = check_bytes(name, data)
    assert parsed is None
    assert report.error == (
        f"扫描件页数过多：300 页需要文字识别，上限 {LIMIT} 页（每页识别需数秒）："
        "部门决算文件通常为 15–60 页，请确认文件无误，或拆分后上传。"
    )
    assert needs_ocr(data) == 0  # refused on the ingest queue, not handed to the ocr workers


def test_the_scan_page_limit_is_a_setting(no_ocr: None) -> None:
    with pytest.raises(BadInputError) as exc:
        ingest_bytes("scan.pdf", _image_pdf(4), IngestLimits(max_scan_pages=3))
    assert "4 页需要文字识别，上限 3 页" in exc.value.user_message
    assert needs_ocr(_image_pdf(3), IngestLimits(max_scan_pages=3)) == 3


def test_a_zip_over_the_limit_is_refused_from_its_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    def unpacked(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a member was unpacked")

    monkeypatch.setattr(ocr, "image_zip_members", unpacked)
    data = _zip({f"{i}.png": _png(_blank((8, 11))) for i in range(1, 5)})
    with pytest.raises(BadInputError) as exc:
        ingest_bytes("pages.zip", data, IngestLimits(max_scan_pages=3))
    assert "4 页需要文字识别，上限 3 页" in exc.value.user_message


# ------------------------------------------------------------------ blank pages (OCR runs)


def test_blank_pages_are_named() -> None:
    doc = ingest_bytes("scan.tif", _tiff([_blank(), _words("Total 2946.25"), _blank()]))
    assert doc.kind == DocumentKind.SCAN and len(doc.pages) == 3
    assert "第 1、3 页没有识别出文字（空白页或图像无法辨认），已跳过。" in doc.warnings


@pytest.mark.slow  # a blank A4 page rendered and searched for text: 2–4 s on a busy machine
def test_blank_scanned_page_of_a_disclosure_is_a_note_in_its_report() -> None:
    """A born-digital table page and a blank scanned page: the report checks the table and names
    the blank page."""
    pdf = pdfium.PdfDocument(income_table_pdf())
    pdf.import_pages(pdfium.PdfDocument(_image_pdf(1)))
    buf = io.BytesIO()
    pdf.save(buf)
    report, parsed = check_bytes("决算.pdf", buf.getvalue())
    assert report.error is None and parsed is not None and parsed.tables
    assert "第 2 页没有识别出文字（空白页或图像无法辨认），已跳过。" in report.parse_notes


BLANK_SCAN = (
    "扫描件或图片中没有识别出任何文字（各页均为空白或图像无法辨认）：请确认扫描清晰、方向正确后重新上传，"
    "或上传由 Word/WPS 直接导出的 PDF。"
)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("blank.png", lambda: _png(_blank())),
        pytest.param("blank.pdf", lambda: _image_pdf(1, _blank()), marks=pytest.mark.slow),
        ("pages.zip", lambda: _zip({"1.png": _png(_blank()), "2.png": _png(_blank())})),
    ],
)
def test_an_all_blank_scan_says_so(name: str, make: Any) -> None:
    report, parsed = check_bytes(name, make())
    assert parsed is None and report.error == BLANK_SCAN


# ------------------------------------------------------------------ not a disclosure (OCR runs)


def test_a_photo_of_something_else_is_not_a_disclosure() -> None:
    report, parsed = check_bytes("photo.jpg", _png(_photo()))
    assert parsed is None and not report.findings
    assert report.error == (
        "不是部门决算文件：未找到部门决算的表格或情况说明（如“收入支出决算总表”“决算情况说明”）。"
    )


# ------------------------------------------------------------------ one batch, each its own answer


def test_bad_scans_in_one_cli_run_each_get_their_message(tmp_path: Path, no_ocr: None) -> None:
    from services.cli import main

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a_bomb.png").write_bytes(_png_bomb())
    (folder / "b_long.tif").write_bytes(_tiff([_blank((8, 11))] * 300))
    (folder / "c_pages.zip").write_bytes(_zip({"1.jpg": _jpeg_bomb(), "2.png": _png(_blank())}))
    (folder / "d_table.pdf").write_bytes(income_table_pdf())
    out = tmp_path / "out"
    assert main(["check", str(folder), "--out", str(out), "--format", "json"]) == 3
    errors = {p.stem: json.loads(p.read_text("utf-8")).get("error") for p in out.glob("*.json")}
    assert errors["a_bomb"].startswith(BOMB) and errors["c_pages"].startswith("“1.jpg”：" + BOMB)
    assert TOO_MANY in errors["b_long"]
    assert errors["d_table"] is None  # checked as if alone


# ------------------------------------------------------------------ uploads: a zip of page images


class _Uploads:
    """The api's upload path in process: status, storage and registration in dicts."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from services.api import uploads

        self.stored: dict[str, bytes] = {}
        self.docs: dict[str, Any] = {}
        test = self

        class Status:
            def claim_content(self, batch_id: str, sha: str, doc_id: str) -> str:
                return doc_id

            def get_doc(self, batch_id: str, doc_id: str) -> dict | None:
                return None

        class Storage:
            def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
                test.stored[key] = data

        def register(outcome: Any, start: bool = True) -> bool:
            test.docs[outcome.doc_id] = outcome
            return True

        monkeypatch.setattr(uploads, "get_status", Status)
        monkeypatch.setattr(uploads, "get_storage", Storage)
        monkeypatch.setattr(uploads, "register", register)
        self.accept = uploads.accept_bytes


def _stub_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    """OCR replaced by a page whose one line is the image's width in pixels."""
    from shared.document import Line, Page

    def fake(frame: Any, *, page_number: int, width_pt: float, height_pt: float, **kw: Any) -> Page:
        text = str(frame.width)
        line = Line(page=page_number, line=1, text=text, norm=text, ocr=True)
        return Page(number=page_number, width=width_pt, height=height_pt, lines=[line], has_text_layer=False)

    monkeypatch.setattr(ocr, "ocr_image", fake)


def _jpeg(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG")
    return buf.getvalue()


def test_a_zip_of_page_images_is_uploaded_as_one_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    api = _Uploads(monkeypatch)
    data = _zip(
        {
            "扫描/第2页.png": _png(_blank((102, 140))),
            "扫描/第10页.jpg": _jpeg(_blank((103, 140))),
            "扫描/第1页.tif": _tiff([_blank((101, 140))]),
        }
    )
    results = api.accept("b_1", "财政局决算扫描件.zip", data)
    assert [(r.filename, r.state) for r in results] == [("财政局决算扫描件.zip", "queued")]
    assert list(api.stored.values()) == [data]  # stored whole, as uploaded
    assert needs_ocr(data) == 3  # the worker sends it to the ocr queue
    _stub_ocr(monkeypatch)
    doc = ingest_bytes("财政局决算扫描件.zip", data)
    assert doc.kind == DocumentKind.SCAN and [p.number for p in doc.pages] == [1, 2, 3]
    assert [p.lines[0].text for p in doc.pages] == ["101", "102", "103"]  # 第1页, 第2页, 第10页


def test_a_mixed_zip_is_unpacked_and_its_images_are_scans_of_their_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api = _Uploads(monkeypatch)
    image = _png(_blank((100, 140)))
    data = _zip({"a.pdf": income_table_pdf(), "b.png": image, "c/d.jpg": _jpeg(_blank((100, 140)))})
    assert not is_image_zip(data)
    results = api.accept("b_1", "all.zip", data)
    assert [(r.filename, r.state) for r in results] == [
        ("a.pdf", "queued"),
        ("b.png", "queued"),
        ("c/d.jpg", "queued"),
    ]
    assert image in api.stored.values() and len(api.stored) == 3
    _stub_ocr(monkeypatch)
    assert ingest_bytes("b.png", image).kind == DocumentKind.SCAN


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ({"1.png": _png(_blank((8, 8))), "2.png": b"not an image"}, "压缩包中的“2.png”不是图片"),
        ({"1.png": b"\x00" * (3 * 1024 * 1024)}, "疑似压缩炸弹（“1.png”的压缩比超过 200 倍），已拒绝。"),
    ],
)
def test_a_bad_zip_of_page_images_fails_whole_at_upload(
    monkeypatch: pytest.MonkeyPatch, files: dict[str, bytes], reason: str
) -> None:
    api = _Uploads(monkeypatch)
    results = api.accept("b_1", "pages.zip", _zip(files))
    assert [(r.filename, r.state) for r in results] == [("pages.zip", "failed")]
    assert reason in (results[0].error or "") and not api.stored


def test_the_zip_bounds_of_a_scan_are_the_uploads(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.settings import get_settings

    monkeypatch.setattr(get_settings(), "max_zip_entries", 2)
    api = _Uploads(monkeypatch)
    page = _png(_blank((8, 8)))
    results = api.accept("b_1", "pages.zip", _zip({"1.png": page, "2.png": page, "3.png": page}))
    assert results[0].state == "failed" and "压缩包内文件过多（3 个，上限 2 个）" in (results[0].error or "")
