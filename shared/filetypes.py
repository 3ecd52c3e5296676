"""Upload file types by content, reasons to reject an upload, and safe zip extraction.

Pure functions over the bytes given: nothing here touches the file system or the network, and a
file's name is never used to decide its type (people rename files; browsers guess).

- ``sniff(data)`` names the type from magic numbers; text is whatever ``decode_bytes`` of the text
  ingest accepts, so "text" here means "the text engine can read it".
- ``reject_reason(kind, data)`` gives the Chinese, actionable reason shown to the person, or None.
- ``is_image_zip(data)`` tells a zip of one scanned document's page images (read as one scan) from
  an archive of documents (unpacked); ``image_zip_members(...)`` unpacks the former under the same
  limits, refusing it whole when a member is not an image.
- ``extract_zip(...)`` unpacks an archive under explicit limits, one member at a time (an
  iterator: one member's bytes in memory at once). Whole-archive problems (corrupt, encrypted, too
  many entries, too large, zip bomb) raise ``BadInputError``; problems of single entries (too
  large, unsafe path, unsupported compression, damaged) are yielded with their reason so the good
  entries of the same archive are still checked.
"""

from __future__ import annotations

import binascii
import io
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from shared.errors import BadInputError

# --- sniffing -----------------------------------------------------------------------------------

IMAGE_KINDS: dict[str, str] = {"png": "PNG", "jpeg": "JPEG", "gif": "GIF", "bmp": "BMP", "tiff": "TIFF"}
KINDS: frozenset[str] = frozenset(
    {
        "empty",
        "zip",
        "docx",
        "xlsx",
        "pptx",
        "odf",
        "pdf",
        "doc_ole",
        "rar",
        "7z",
        "gzip",
        "text",
        "binary",
        *IMAGE_KINDS,
    }
)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (_OLE_MAGIC, "doc_ole"),
    (b"Rar!\x1a\x07\x00", "rar"),
    (b"Rar!\x1a\x07\x01\x00", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x1f\x8b\x08", "gzip"),
)


def sniff(data: bytes) -> str:
    """The type of ``data`` judged by content only; one of ``KINDS``."""
    if not data or not data.strip():
        return "empty"
    if data.startswith(_ZIP_MAGICS):
        return _sniff_zip(data)
    for magic, kind in _MAGICS:
        if data.startswith(magic):
            return kind
    if _is_bmp(data):
        return "bmp"
    return _sniff_text(data)


def _is_bmp(data: bytes) -> bool:
    # "BM" alone is too weak (a text may start with "BMW"); the 4 reserved header bytes are zero.
    return len(data) >= 26 and data.startswith(b"BM") and data[6:10] == b"\x00\x00\x00\x00"


def _sniff_zip(data: bytes) -> str:
    """Office Open XML and OpenDocument files are zips; tell them apart from plain archives."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, struct.error, UnicodeDecodeError):
        return "zip"  # extract_zip reports the damage with a proper message
    ooxml = "[Content_Types].xml" in names
    if "word/document.xml" in names or (ooxml and any(n.startswith("word/") for n in names)):
        return "docx"
    if "xl/workbook.xml" in names or (ooxml and any(n.startswith("xl/") for n in names)):
        return "xlsx"
    if "ppt/presentation.xml" in names or (ooxml and any(n.startswith("ppt/") for n in names)):
        return "pptx"
    if "mimetype" in names and "content.xml" in names and "META-INF/manifest.xml" in names:
        return "odf"
    return "zip"


def _sniff_text(data: bytes) -> str:
    # Imported here so shared/ does not import services/ at module load (no import cycles).
    from services.ingest.text import decode_bytes

    try:
        text, _encoding = decode_bytes(data)
    except (BadInputError, UnicodeError):
        return "binary"
    return "text" if text.replace("\ufeff", "").strip() else "empty"  # BOM + blanks only: empty


# --- reasons ------------------------------------------------------------------------------------

ACCEPTED = (
    "请上传 PDF、Word（.docx/.doc）、Excel（.xlsx/.xls）、文本（.txt）格式的部门决算文件，"
    "或扫描件图片（PNG/JPEG/TIFF）。"
)
_UNPACK = "请解压后上传其中的文件，或重新压缩为 ZIP 格式后上传。"
_FIXED_REASONS: dict[str, str] = {
    "empty": "空文件：文件没有内容。",
    "pptx": "文件是 PowerPoint 演示文稿（.pptx），不是部门决算文件：" + ACCEPTED,
    "odf": "文件是 OpenDocument 文档（.odt/.ods）：请在 WPS 或 Office 中另存为 .docx 或 .xlsx 后上传。",
    "rar": "文件是 RAR 压缩包，暂不支持：" + _UNPACK,
    "7z": "文件是 7z 压缩包，暂不支持：" + _UNPACK,
    "gzip": "文件是 GZIP 压缩文件（.gz），暂不支持：" + _UNPACK,
    "binary": "无法识别的文件格式：" + ACCEPTED,
}
# The formats the document layer reads (a legacy .doc/.xls is converted first; images are OCR'd).
READABLE = frozenset({"text", "pdf", "docx", "xlsx", *IMAGE_KINDS})


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def ole_content(data: bytes) -> str | None:
    """What an old Office / WPS container holds: "doc", "xls", "encrypted" or None (unknown)."""
    if _utf16("EncryptedPackage") in data:
        return "encrypted"
    if _utf16("WordDocument") in data:
        return "doc"
    if _utf16("Workbook") in data or _utf16("Book") in data:
        return "xls"
    return None


def reject_reason(kind: str, data: bytes) -> str | None:
    """Why this upload cannot be a 决算 document the engine reads (Chinese), or None.

    Readable formats (images included: they are read as scans) and zips give None (a zip is
    unpacked by the caller and its members judged one by one, or read as one scan when it holds
    only page images); problems found while reading one (a damaged PDF, a password) are the extractor's to
    report. Unknown kinds are treated like "binary".
    """
    if kind in READABLE or kind == "zip":
        return None
    if kind == "doc_ole":
        content = ole_content(data)
        if content == "encrypted":
            return "文件是已加密的 Office 文档：请取消密码保护后重新保存，再上传。"
        if content is None:
            return "文件是 Office 97-2003 或 WPS 格式的未知文档：请另存为 .docx 或 .xlsx 后上传。"
        return None
    return _FIXED_REASONS.get(kind, _FIXED_REASONS["binary"])


# --- zip extraction -----------------------------------------------------------------------------

UNSAFE_PATH = "压缩包内路径不安全"
_RATIO_FLOOR = 64 * 1024  # entries smaller than this are never called bombs (tiny padded files)
_CHUNK = 64 * 1024
_UTF8_FLAG = 0x800
_UNICODE_PATH_EXTRA = 0x7075  # Info-ZIP Unicode Path extra field
_ALLOWED_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_DOTS_RE = re.compile(r"[. ]*\.[. ]*\.[. ]*")
_JUNK_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        mb = n / (1024 * 1024)
        return f"{mb:.0f} MB" if mb == int(mb) else f"{mb:.1f} MB"
    if n >= 1024:
        return f"{n // 1024} KB"
    return f"{n} 字节"


def _archive_error(log_message: str, user_message: str) -> BadInputError:
    return BadInputError(f"zip rejected: {log_message}", user_message)


def _unicode_path_extra(info: zipfile.ZipInfo, raw: bytes) -> str | None:
    """The UTF-8 name from an Info-ZIP Unicode Path field, if present and matching ``raw``."""
    extra, i = info.extra, 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack("<HH", extra[i : i + 4])
        body = extra[i + 4 : i + 4 + size]
        if tag == _UNICODE_PATH_EXTRA and len(body) >= 5 and body[0] == 1:
            (crc,) = struct.unpack("<I", body[1:5])
            if crc == binascii.crc32(raw):
                try:
                    return body[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return None
        i += 4 + size
    return None


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its author wrote it.

    zipfile decodes names as cp437 unless flag bit 11 (UTF-8) is set. Chinese Windows tools write
    GBK/GB18030 names without the flag and macOS writes UTF-8 without it, so the raw bytes are tried
    as an Info-ZIP Unicode Path field, strict UTF-8, then GB18030. UTF-8 goes first: it rejects GBK
    bytes almost always, while UTF-8 Chinese usually decodes as (wrong) GB18030.
    """
    name = info.orig_filename
    if info.flag_bits & _UTF8_FLAG or name.isascii():
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:  # zipfile was given another metadata encoding
        return name
    from_extra = _unicode_path_extra(info, raw)
    if from_extra is not None:
        return from_extra
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return name


def safe_member_path(name: str) -> str | None:
    """``name`` as a clean relative path ("a/b.txt"), or None when it could escape its folder:
    absolute paths, drive letters, ".." components (with / or \\ as separator), control chars."""
    if _CONTROL_RE.search(name):
        return None
    path = name.replace("\\", "/")
    if path.startswith("/") or _DRIVE_RE.match(path):
        return None
    parts = path.split("/")
    if any(_DOTS_RE.fullmatch(part) for part in parts):  # "..", and ". ." / "... " (Windows trims)
        return None
    return "/".join(p for p in parts if p not in ("", "."))


def _is_skipped(path: str) -> bool:
    """Directories and operating-system litter, skipped without a word."""
    parts = path.split("/")
    base = parts[-1]
    return (
        any(p == "__MACOSX" or p.startswith(".") for p in parts)
        or base.lower() in _JUNK_NAMES
        or base.startswith("~$")  # Office lock files
    )


def _is_dir(info: zipfile.ZipInfo, name: str) -> bool:
    return (
        info.is_dir() or name.endswith(("/", "\\")) or bool(info.external_attr & 0x10 and not info.file_size)
    )


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _check_archive(
    infos: list[zipfile.ZipInfo], data: bytes, *, max_entries: int, max_total_bytes: int, max_ratio: int
) -> None:
    """Whole-archive checks on the central directory, before anything is decompressed."""
    if len(infos) > max_entries:
        raise _archive_error(
            f"{len(infos)} entries > {max_entries}",
            f"压缩包内文件过多（{len(infos)} 个，上限 {max_entries} 个）：请分批上传。",
        )
    if any(info.flag_bits & 0x1 for info in infos):
        raise _archive_error("encrypted entries", "压缩包已加密：请上传未加密的 ZIP 压缩包。")
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > max_ratio:
            raise _archive_error(
                f"entry {info.filename!r} ratio {ratio:.0f} > {max_ratio}",
                f"疑似压缩炸弹（“{member_name(info)}”的压缩比超过 {max_ratio} 倍），已拒绝。",
            )
    if sum(info.compress_size for info in infos) > len(data):
        # Entries sharing compressed data: impossible in a real archive, the trick of overlap bombs.
        raise _archive_error("overlapping entries", "疑似压缩炸弹（压缩包内文件数据相互重叠），已拒绝。")
    total = sum(info.file_size for info in infos)
    if total > max_total_bytes:
        raise _archive_error(
            f"declared total {total} > {max_total_bytes}",
            f"压缩包解压后总大小（{_size(total)}）超过上限 {_size(max_total_bytes)}：请分批上传。",
        )


class ZipEntry(NamedTuple):
    """One member of an archive: ``data`` when it was unpacked, else ``reason`` (Chinese) for
    refusing this member alone."""

    path: str
    data: bytes | None
    reason: str | None = None


def _read_streaming(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, *, limit: int, max_ratio: int
) -> bytes:
    """At most ``limit`` bytes of the member, decompressed in chunks; the declared sizes are not
    trusted. The compression ratio is checked as the bytes come (a bomb raises BadInputError before
    it is inflated). Reading to the end lets zipfile verify the CRC (and catch a size that lied)."""
    buf = bytearray()
    compressed = max(info.compress_size, 1)
    with zf.open(info) as member:
        while len(buf) < limit:
            chunk = member.read(min(_CHUNK, limit - len(buf)))
            if not chunk:
                break
            buf += chunk
            if len(buf) > _RATIO_FLOOR and len(buf) / compressed > max_ratio:
                raise _archive_error(
                    f"entry {info.filename!r} inflates past ratio {max_ratio}",
                    f"疑似压缩炸弹（“{name}”的压缩比超过 {max_ratio} 倍），已拒绝。",
                )
    return bytes(buf)


def extract_zip(
    data: bytes, *, max_entries: int, max_total_bytes: int, max_ratio: int, max_file_bytes: int
) -> Iterator[ZipEntry]:
    """Unpack a zip in memory, one member at a time → ``ZipEntry`` per regular file, in archive
    order (nested archives included as plain files, not recursed).

    Only one member's bytes exist at a time: each is decompressed in chunks when the caller asks
    for it, and stops at ``max_file_bytes`` + 1 (that member alone is refused). Members refused one
    by one (too large, unsafe path, unsupported compression, damaged) come with their reason so the
    good members of the same archive are still checked. Raises BadInputError (Chinese
    user_message) when the archive as a whole is unusable: on the first ``next()`` for what the
    central directory shows (corrupt, encrypted, too many entries, declared sizes), and while
    streaming when the real bytes pass the compression ratio or the total budget; members yielded
    before that stay valid.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, struct.error, UnicodeDecodeError) as exc:
        raise _archive_error(
            f"not a valid zip: {exc}", "压缩包已损坏或不是有效的 ZIP 文件：请重新压缩后上传。"
        ) from exc
    with zf:
        infos = zf.infolist()
        _check_archive(
            infos, data, max_entries=max_entries, max_total_bytes=max_total_bytes, max_ratio=max_ratio
        )
        too_large = f"文件过大（解压后超过单个文件 {_size(max_file_bytes)} 的上限），已跳过。"
        used = 0
        for info in infos:
            name = member_name(info)
            path = safe_member_path(name)
            if path is None:
                yield ZipEntry(name, None, UNSAFE_PATH)
                continue
            if not path or _is_dir(info, name) or _is_skipped(path):
                continue
            if _is_symlink(info):
                yield ZipEntry(path, None, "压缩包内的符号链接，不是普通文件，已跳过。")
                continue
            if info.compress_type not in _ALLOWED_METHODS:
                yield ZipEntry(path, None, "压缩方式不受支持：请用系统自带的压缩功能（ZIP）重新压缩后上传。")
                continue
            if info.file_size > max_file_bytes:
                yield ZipEntry(path, None, too_large)
                continue
            remaining = max_total_bytes - used
            try:
                content = _read_streaming(
                    zf, info, name, limit=min(max_file_bytes, remaining) + 1, max_ratio=max_ratio
                )
            except BadInputError:
                raise
            except (
                zipfile.BadZipFile,
                zlib.error,
                EOFError,
                OSError,
                ValueError,
                NotImplementedError,
                RuntimeError,
            ):
                yield ZipEntry(path, None, "压缩包内文件已损坏，无法解压。")
                continue
            if len(content) > max_file_bytes:
                yield ZipEntry(path, None, too_large)
                continue
            if len(content) > remaining:
                raise _archive_error(
                    f"actual total exceeds {max_total_bytes}",
                    f"压缩包解压后总大小超过上限 {_size(max_total_bytes)}：请分批上传。",
                )
            used += len(content)
            yield ZipEntry(path, content)
            del content  # not held while the next member is read


# --- zips of page images ------------------------------------------------------------------------

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif")


@dataclass(frozen=True)
class ZipBounds:
    """The bounds :func:`extract_zip` unpacks under (the settings' JUESUAN_MAX_ZIP_* and
    JUESUAN_MAX_FILE_BYTES)."""

    max_entries: int = 2000
    max_total_bytes: int = 500 * 1024 * 1024
    max_ratio: int = 200  # uncompressed/compressed per entry; above this it is a zip bomb
    max_member_bytes: int = 20 * 1024 * 1024  # one member, unpacked (JUESUAN_MAX_FILE_BYTES)

    def extract(self, data: bytes) -> Iterator[ZipEntry]:
        """:func:`extract_zip` of ``data`` under these bounds."""
        return extract_zip(
            data,
            max_entries=self.max_entries,
            max_total_bytes=self.max_total_bytes,
            max_ratio=self.max_ratio,
            max_file_bytes=self.max_member_bytes,
        )


def image_zip_paths(data: bytes) -> list[str]:
    """The files of a zip whose files (directories and operating-system litter aside, as
    :func:`extract_zip` skips them) are all images by name — the pages of one scanned document,
    read as one scan — or [] for any other zip. Only the central directory is read;
    :func:`image_zip_members` checks the members' content."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, struct.error, UnicodeDecodeError):
        return []
    paths = []
    for info in infos:
        name = member_name(info)
        path = safe_member_path(name)
        if path is None:
            return []  # unpacked as an archive: the unsafe member is refused on its own
        if path and not _is_dir(info, name) and not _is_skipped(path):
            paths.append(path)
    return paths if all(p.lower().endswith(_IMAGE_SUFFIXES) for p in paths) else []


def is_image_zip(data: bytes) -> bool:
    """A zip of one scanned document's page images (:func:`image_zip_paths`)."""
    return bool(image_zip_paths(data))


def image_zip_members(data: bytes, bounds: ZipBounds) -> Iterator[ZipEntry]:
    """The page images of a zip of one scanned document, one at a time in archive order, under
    ``bounds``. The document is one: anything that stops one page
    (a member refused, one that is not an image, the archive's own problems) raises
    BadInputError with a Chinese message for the whole, as does a zip without a page."""
    found = False
    for entry in bounds.extract(data):
        if entry.data is None:
            raise BadInputError(f"zip member {entry.path}: {entry.reason}", f"“{entry.path}”：{entry.reason}")
        if sniff(entry.data) not in IMAGE_KINDS:
            raise BadInputError(
                "zip with non-image members",
                f"压缩包中的“{entry.path}”不是图片：扫描件请把同一份文件的各页图片打包上传；"
                "其他文件请解压后分别上传。",
            )
        found = True
        yield entry
    if not found:
        raise BadInputError("empty zip", "压缩包中没有任何图片或文件。")
