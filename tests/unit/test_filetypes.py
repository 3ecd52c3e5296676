"""Upload file types by content, Chinese rejection reasons, and safe zip extraction."""

from __future__ import annotations

import gzip
import io
import random
import struct
import zipfile

import pytest

from shared import filetypes
from shared.errors import BadInputError
from shared.filetypes import (
    KINDS,
    READABLE,
    UNSAFE_PATH,
    ZipEntry,
    extract_zip,
    ole_content,
    reject_reason,
    sniff,
)

TEXT = "2023年度部门决算\n一、收入支出决算总表\n本年收入合计 1,234.56 万元。\n"
LIMITS = {
    "max_entries": 2000,
    "max_total_bytes": 500 * 1024 * 1024,
    "max_ratio": 200,
    "max_file_bytes": 20 * 1024 * 1024,
}


def collect(data: bytes, **limits: int) -> tuple[list[tuple[str, bytes]], list[tuple[str, str]]]:
    """The iterator drained → (files, rejected), as the tests below read them."""
    files: list[tuple[str, bytes]] = []
    rejected: list[tuple[str, str]] = []
    for entry in extract_zip(data, **limits):
        if entry.data is not None:
            files.append((entry.path, entry.data))
        else:
            assert entry.reason
            rejected.append((entry.path, entry.reason))
    return files, rejected


def make_zip(
    entries: list[tuple[str | zipfile.ZipInfo, bytes]], compression: int = zipfile.ZIP_DEFLATED
) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, content in entries:
            zf.writestr(name, content)
    return buf.getvalue()


def patch_name(data: bytes, placeholder: bytes, raw: bytes) -> bytes:
    """Give an entry a raw (non-flagged) name: zipfile itself always writes non-ASCII as UTF-8."""
    assert len(placeholder) == len(raw)
    assert data.count(placeholder) == 2  # local header + central directory
    return data.replace(placeholder, raw)


def noise(n: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(n)


def pdf(body: bytes = b"1 0 obj\n<< /Type /Catalog >>\nendobj\n", trailer: bytes = b"") -> bytes:
    return b"%PDF-1.7\n" + body + b"trailer\n<< /Root 1 0 R " + trailer + b">>\n%%EOF\n"


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
BMP = b"BM" + struct.pack("<I", 70) + b"\x00\x00\x00\x00" + struct.pack("<I", 54) + b"\x00" * 56
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLE_DOC = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "WordDocument".encode("utf-16-le") + b"\x00" * 64
)
OLE_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "Workbook".encode("utf-16-le") + b"\x00" * 64
DOCX = make_zip([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")])
XLSX = make_zip([("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>")])

# (misleading file name, bytes, expected kind): the name is what a person might have called it.
SAMPLES: list[tuple[str, bytes, str]] = [
    ("决算.txt", b"", "empty"),
    ("决算.txt", b"  \r\n\t \n", "empty"),
    ("决算.txt", b"\xef\xbb\xbf \n", "empty"),
    ("决算.txt", "  \n".encode("utf-16"), "empty"),
    ("决算.txt", "\ufeff\u3000\n".encode("utf-16"), "empty"),
    ("决算.txt", make_zip([("a.txt", TEXT.encode())]), "zip"),
    ("决算.txt", b"PK\x05\x06" + b"\x00" * 18, "zip"),
    ("决算.txt", DOCX, "docx"),
    ("决算.pdf", XLSX, "xlsx"),
    ("决算.txt", pdf(), "pdf"),
    ("决算.pdf", PNG, "png"),
    ("决算.txt", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40, "jpeg"),
    ("决算.txt", b"GIF89a" + b"\x01\x00\x01\x00" + b"\x00" * 20, "gif"),
    ("决算.txt", b"GIF87a" + b"\x01\x00\x01\x00" + b"\x00" * 20, "gif"),
    ("决算.txt", BMP, "bmp"),
    ("决算.txt", b"II*\x00\x08\x00\x00\x00" + b"\x00" * 40, "tiff"),
    ("决算.txt", b"MM\x00*\x00\x00\x00\x08" + b"\x00" * 40, "tiff"),
    ("决算.docx", OLE_DOC, "doc_ole"),
    ("决算.txt", b"Rar!\x1a\x07\x00" + b"\x00" * 30, "rar"),
    ("决算.txt", b"Rar!\x1a\x07\x01\x00" + b"\x00" * 30, "rar"),
    ("决算.zip", b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 30, "7z"),
    ("决算.txt", gzip.compress(TEXT.encode()), "gzip"),
    ("决算.pdf", TEXT.encode("utf-8"), "text"),
    ("决算.pdf", TEXT.encode("utf-8-sig"), "text"),
    ("决算.pdf", TEXT.encode("gb18030"), "text"),
    ("决算.pdf", TEXT.encode("utf-16"), "text"),
    ("决算.bmp", "BMW 车辆运行维护费 12.00 万元\n".encode(), "text"),
    ("决算.txt", noise(4096), "binary"),
    ("决算.txt", b"\x00" * 100, "binary"),
]


@pytest.mark.parametrize(
    ("name", "data", "kind"), SAMPLES, ids=[f"{k}-{i}" for i, (_, _, k) in enumerate(SAMPLES)]
)
def test_sniff_by_content_not_name(name: str, data: bytes, kind: str) -> None:
    assert sniff(data) == kind
    assert kind in KINDS


def test_png_named_pdf_is_read_as_a_scan() -> None:
    kind = sniff(PNG)  # uploaded as "决算.pdf"
    assert kind == "png"
    assert reject_reason(kind, PNG) is None  # images are scans: OCR reads them


@pytest.mark.parametrize("kind", ["jpeg", "gif", "bmp", "tiff"])
def test_images_are_accepted_as_scans(kind: str) -> None:
    assert reject_reason(kind, b"") is None


def test_readable_formats_are_accepted_by_content() -> None:
    # PDF, Word and Excel are read by the document layer; a damaged or encrypted PDF is the
    # extractor's to explain (it can open a PDF whose user password is empty)
    assert reject_reason("pdf", pdf()) is None
    assert reject_reason("pdf", pdf()[:-10]) is None
    assert reject_reason("docx", DOCX) is None
    assert reject_reason("xlsx", XLSX) is None


def test_legacy_office_files() -> None:
    assert ole_content(OLE_DOC) == "doc" and reject_reason("doc_ole", OLE_DOC) is None
    assert ole_content(OLE_XLS) == "xls" and reject_reason("doc_ole", OLE_XLS) is None
    encrypted = OLE_MAGIC + "EncryptedPackage".encode("utf-16-le")
    assert "加密" in (reject_reason("doc_ole", encrypted) or "")
    assert ".docx" in (reject_reason("doc_ole", OLE_MAGIC + b"\x00" * 600) or "")


def test_reasons_for_other_kinds() -> None:
    assert reject_reason("empty", b"") == "空文件：文件没有内容。"
    assert "无法识别的文件格式" in (reject_reason("binary", noise(100)) or "")
    assert "PDF" in (reject_reason("binary", noise(100)) or "")  # says what is accepted
    assert reject_reason("text", TEXT.encode()) is None
    assert reject_reason("zip", DOCX) is None
    for kind, label in (("rar", "RAR"), ("7z", "7z"), ("gzip", "GZIP")):
        reason = reject_reason(kind, b"")
        assert reason is not None and label in reason and "ZIP" in reason
    assert reject_reason("something-new", b"x") == reject_reason("binary", b"x")


def test_every_kind_but_readable_and_zip_has_a_chinese_reason() -> None:
    for kind in KINDS - READABLE - {"zip", "doc_ole"}:
        reason = reject_reason(kind, b"")
        assert reason and any("\u4e00" <= ch <= "\u9fff" for ch in reason)


# --- zip extraction -------------------------------------------------------------------------------


def test_small_zip_with_chinese_names() -> None:
    gb_name = "附件1-部门决算.txt".encode("gb18030")
    mac_name = "附件2-情况说明.txt".encode()  # macOS: UTF-8 bytes without the flag
    gb_placeholder = b"G" * len(gb_name)
    mac_placeholder = b"M" * len(mac_name)
    data = make_zip(
        [
            ("2023年收入支出决算总表.txt", TEXT.encode("utf-8")),  # zipfile sets the UTF-8 flag
            (gb_placeholder.decode(), TEXT.encode("gb18030")),
            (mac_placeholder.decode(), TEXT.encode("utf-8")),
            ("报表/", b""),
            ("报表/三公经费.txt", TEXT.encode()),
        ]
    )
    data = patch_name(patch_name(data, gb_placeholder, gb_name), mac_placeholder, mac_name)
    files, rejected = collect(data, **LIMITS)
    assert rejected == []
    assert [name for name, _ in files] == [
        "2023年收入支出决算总表.txt",
        "附件1-部门决算.txt",
        "附件2-情况说明.txt",
        "报表/三公经费.txt",
    ]
    assert all(sniff(content) == "text" for _, content in files)
    assert files[1][1] == TEXT.encode("gb18030")


def test_unsafe_paths_rejected_per_entry_good_ones_kept() -> None:
    bad = [
        "../evil.txt",
        "/etc/passwd",
        "C:/Windows/evil.txt",
        "a/../../b.txt",
        "..\\evil.txt",
        "a\\..\\..\\evil.txt",
        "\\\\server\\share\\x.txt",
        "ok/\x01.txt",
    ]
    data = make_zip(
        [("good.txt", TEXT.encode()), *((n, b"x") for n in bad), ("sub/good2.txt", TEXT.encode())]
    )
    files, rejected = collect(data, **LIMITS)
    assert [n for n, _ in files] == ["good.txt", "sub/good2.txt"]
    assert sorted(n for n, _ in rejected) == sorted(bad)
    assert {reason for _, reason in rejected} == {UNSAFE_PATH}


def test_backslash_separators_that_stay_inside_are_fine() -> None:
    files, rejected = collect(make_zip([("报表\\决算.txt", TEXT.encode())]), **LIMITS)
    assert rejected == [] and [n for n, _ in files] == ["报表/决算.txt"]


def test_litter_and_directories_skipped_silently() -> None:
    data = make_zip(
        [
            ("决算/", b""),
            ("__MACOSX/决算/._a.txt", b"x"),
            ("决算/.DS_Store", b"x"),
            (".hidden", b"x"),
            ("决算/.git/config", b"x"),
            ("决算/Thumbs.db", b"x"),
            ("决算/~$草稿.docx", b"x"),
            ("决算/a.txt", TEXT.encode()),
        ]
    )
    files, rejected = collect(data, **LIMITS)
    assert [n for n, _ in files] == ["决算/a.txt"] and rejected == []


def test_nested_zip_returned_as_a_file() -> None:
    inner = make_zip([("a.txt", TEXT.encode())])
    files, _ = collect(make_zip([("inner.zip", inner)]), **LIMITS)
    assert files == [("inner.zip", inner)] and sniff(files[0][1]) == "zip"


def test_zip_bomb_raises() -> None:
    data = make_zip([("决算.txt", b"\x00" * (50 * 1024 * 1024))])
    assert len(data) * 200 < 50 * 1024 * 1024
    with pytest.raises(BadInputError) as exc:
        collect(data, **LIMITS)
    assert "疑似压缩炸弹" in exc.value.user_message and "已拒绝" in exc.value.user_message


def test_small_padded_entry_is_not_a_bomb() -> None:
    files, rejected = collect(make_zip([("a.txt", b" " * 20000)]), **LIMITS)
    assert len(files) == 1 and rejected == []


def test_too_many_entries_raises() -> None:
    data = make_zip([(f"{i}.txt", b"x") for i in range(6)])
    with pytest.raises(BadInputError) as exc:
        collect(data, **{**LIMITS, "max_entries": 5})
    assert "文件过多" in exc.value.user_message


def test_declared_total_over_budget_raises() -> None:
    data = make_zip([(f"{i}.txt", noise(3000, i)) for i in range(4)])
    with pytest.raises(BadInputError) as exc:
        collect(data, **{**LIMITS, "max_total_bytes": 10000})
    assert "总大小" in exc.value.user_message


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04" + b"garbage" * 20,
        make_zip([("a.txt", TEXT.encode())])[:-30],  # central directory cut off
        b"not a zip at all",
    ],
)
def test_corrupt_zip_raises(data: bytes) -> None:
    with pytest.raises(BadInputError) as exc:
        collect(data, **LIMITS)
    assert "压缩包已损坏" in exc.value.user_message


def test_encrypted_zip_raises() -> None:
    data = bytearray(make_zip([("a.txt", TEXT.encode())]))
    data[6] |= 0x1  # local header flag bits
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 0x1  # central directory flag bits
    with pytest.raises(BadInputError) as exc:
        collect(bytes(data), **LIMITS)
    assert "压缩包已加密" in exc.value.user_message


def test_entry_above_max_file_bytes_rejected_per_entry() -> None:
    data = make_zip([("big.txt", noise(5000)), ("small.txt", TEXT.encode())])
    files, rejected = collect(data, **{**LIMITS, "max_file_bytes": 1000})
    assert [n for n, _ in files] == ["small.txt"]
    assert len(rejected) == 1 and rejected[0][0] == "big.txt" and rejected[0][1].startswith("文件过大")


def test_lying_size_header_is_not_trusted() -> None:
    """Declared 100 bytes, holds 3 MB: at most the declared size is produced, and the CRC check fails."""
    data = bytearray(make_zip([("liar.txt", noise(3 * 1024 * 1024))], zipfile.ZIP_STORED))
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, 22, 100)  # local header: uncompressed size
    struct.pack_into("<I", data, central + 24, 100)  # central directory: uncompressed size
    files, rejected = collect(bytes(data), **{**LIMITS, "max_file_bytes": 1024 * 1024})
    assert files == [] and rejected == [("liar.txt", "压缩包内文件已损坏，无法解压。")]


def test_unsupported_compression_rejected_per_entry() -> None:
    data = make_zip([("a.txt", TEXT.encode())], zipfile.ZIP_BZIP2)
    files, rejected = collect(data, **LIMITS)
    assert files == [] and rejected[0][0] == "a.txt" and "压缩方式不受支持" in rejected[0][1]


def test_symlink_entry_rejected() -> None:
    info = zipfile.ZipInfo("link.txt")
    info.create_system = 3
    info.external_attr = 0o120777 << 16
    files, rejected = collect(make_zip([(info, b"/etc/passwd"), ("a.txt", TEXT.encode())]), **LIMITS)
    assert [n for n, _ in files] == ["a.txt"] and rejected[0][0] == "link.txt"


def test_members_come_one_at_a_time() -> None:
    """The iterator decompresses a member only when asked for it."""
    data = make_zip([("a.txt", TEXT.encode()), ("b.txt", noise(5000, 1))])
    it = extract_zip(data, **LIMITS)
    first = next(it)
    assert isinstance(first, ZipEntry) and first.path == "a.txt" and first.data == TEXT.encode()
    assert it.gi_frame is not None and "b.txt" not in repr(it.gi_frame.f_locals.get("content"))
    assert next(it).data == noise(5000, 1)
    assert next(it, None) is None


def test_entry_count_checked_before_any_member() -> None:
    it = extract_zip(make_zip([(f"{i}.txt", b"x") for i in range(6)]), **{**LIMITS, "max_entries": 5})
    with pytest.raises(BadInputError):
        next(it)


def test_ratio_and_total_are_also_checked_while_streaming(monkeypatch: pytest.MonkeyPatch) -> None:
    """The directory checks are not the only guard: with them off, the real bytes are still
    measured as they are inflated (a bomb stops at the ratio, not at its full size)."""
    monkeypatch.setattr(filetypes, "_check_archive", lambda *a, **k: None)
    bomb = make_zip([("ok.txt", TEXT.encode()), ("zeros.txt", b"\x00" * (15 * 1024 * 1024))])
    it = extract_zip(bomb, **LIMITS)
    assert next(it).path == "ok.txt"
    with pytest.raises(BadInputError) as exc:
        next(it)
    assert "疑似压缩炸弹" in exc.value.user_message
    data = make_zip([(f"{i}.txt", noise(4000, i)) for i in range(3)])
    it = extract_zip(data, **{**LIMITS, "max_total_bytes": 9000})
    assert next(it).path == "0.txt" and next(it).path == "1.txt"  # yielded before the overflow
    with pytest.raises(BadInputError) as exc:
        next(it)
    assert "总大小" in exc.value.user_message


def test_member_above_limit_stops_at_limit_plus_one() -> None:
    data = make_zip([("big.txt", noise(200_000)), ("small.txt", TEXT.encode())])
    entries = list(extract_zip(data, **{**LIMITS, "max_file_bytes": 100_000}))
    assert (
        entries[0].data is None and entries[0].reason is not None and entries[0].reason.startswith("文件过大")
    )
    assert entries[1] == ZipEntry("small.txt", TEXT.encode())
