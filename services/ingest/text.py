"""Text ingest: bytes → ExtractedDocument (pages → lines with provenance).

- Encoding: BOMs, then strict UTF-8, UTF-16 (by NUL pattern), GB18030.
- Normalisation for matching (``Line.norm``) is length-preserving and per character: Kangxi
  radicals (U+2F00–U+2FDF) and CJK radicals supplement / compatibility ideographs fold to their
  unified ideographs, full-width digits and %/. become ASCII. NFKC on the whole string would also
  rewrite full-width punctuation (，：（）) that the parser and quotes rely on.
- Word-export artefacts (``[bookmark: _Toc123]``) are removed from both forms.
- Pages: a form feed or a line beginning with a single space (how the PDF text extractions in our
  seeds mark page starts) starts a new page; a printed page number "— 16 —" labels its page.
- Caps: lines and characters are counted before any :class:`Line` is made (:func:`text_refusal`
  bounds them on the bytes first, so the api's upload check costs a byte count).
"""

from __future__ import annotations

import hashlib
import re

from shared.document import DocumentKind, ExtractedDocument, Line, Page
from shared.errors import BadInputError, EmptyInputError, UndecodableInputError
from shared.normalize import FOLD_TABLE

BOOKMARK_RE = re.compile(r"\[bookmark:[^\]]*\]")
PAGE_NUMBER_RE = re.compile(r"^\s*[—\-–]+\s*(\d{1,4})\s*[—\-–]+\s*$")
MAX_TEXT_BYTES = 20 * 1024 * 1024
# Per-document caps (IngestLimits passes the configured values). A real disclosure as text has
# fewer than 5,000 lines and 200,000 characters; every line costs a Line object here and parser
# work after, so a 400,000-line file would take gigabytes.
MAX_TEXT_LINES = 50_000
MAX_TEXT_CHARS = 2_000_000
KANGXI_RE = re.compile("[\u2f00-\u2fdf]")


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name). Raises a BadInputError subclass for unusable input."""
    if not data or not data.strip():
        raise EmptyInputError()
    if data.startswith(b"%PDF"):
        raise BadInputError(
            "pdf input to text ingest",
            "这是 PDF 文件：当前版本只接受文本（.txt）格式的决算文件，请先导出为文本后上传。",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise UndecodableInputError(str(exc)) from exc
    head = data[:4096]
    if head.count(b"\x00") > len(head) // 4:
        found = _first_plausible(data, ("utf-16-le", "utf-16-be"))
        if found:
            return found
        raise UndecodableInputError("binary data with NUL bytes")
    found = _first_plausible(data, ("utf-8", "gb18030"))
    if found:
        return found
    raise UndecodableInputError("not UTF-8, UTF-16 or GB18030 text")


_PLAUSIBLE = (
    (0x20, 0x7E),
    (0x2000, 0x206F),
    (0x2E80, 0x2FDF),
    (0x3000, 0x303F),
    (0x4E00, 0x9FFF),
    (0xFF00, 0xFFEF),
    (0x00A0, 0x00FF),
    (0x2460, 0x24FF),
    (0x2500, 0x257F),
)


_IMPLAUSIBLE_RE = re.compile(
    "[^\n\r\t\f" + "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in _PLAUSIBLE) + "]"
)


def _first_plausible(data: bytes, encodings: tuple[str, ...]) -> tuple[str, str] | None:
    """The first encoding that decodes ``data`` strictly into plausible document text."""
    for enc in encodings:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text, enc
    return None


def _looks_like_text(text: str) -> bool:
    """Real documents are almost entirely ASCII, CJK and CJK punctuation; random bytes decoded as
    GB18030 or UTF-16 are not."""
    if not text:
        return False
    sample = text[:20000]
    return len(_IMPLAUSIBLE_RE.findall(sample)) / len(sample) <= 0.05


def detect_kind(text: str) -> DocumentKind:
    """Guess how the text reached us; the parser adapts its number reading to it."""
    if "[bookmark:" in text or text.count("\t") > 50:
        return DocumentKind.WORD_TEXT
    kangxi = len(KANGXI_RE.findall(text))
    if kangxi > 20 or re.search(r"\d,\d{3}\.\d{2}", text):
        return DocumentKind.PDF_TEXT
    # OCR: many amounts whose decimal point became a space ("586 91 253 72").
    lost = len(re.findall(r"(?<![\d.])\d{1,6} \d{2}(?![\d.])", text))
    dotted = len(re.findall(r"\d\.\d{2}(?!\d)", text))
    if lost >= 20 and lost > dotted // 3:
        return DocumentKind.OCR_TEXT
    return DocumentKind.TEXT


def split_pages(text: str, ocr: bool = False) -> list[Page]:
    pages: list[Page] = [Page(number=1)]
    lines = pages[0].lines
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for idx, raw in enumerate(raw_lines, start=1):
        parts = raw.split("\f") if "\f" in raw else (raw,)
        for j, part in enumerate(parts):
            starts_page = j > 0 or (part[:1] == " " and part[1:2] != " " and part.strip())
            if starts_page and lines:
                pages.append(Page(number=len(pages) + 1))
                lines = pages[-1].lines
            clean = BOOKMARK_RE.sub("", part) if "[bookmark" in part else part
            if "—" in clean or "-" in clean:
                m = PAGE_NUMBER_RE.match(clean)
                if m:
                    pages[-1].label = m.group(1)
            norm = clean.translate(FOLD_TABLE)
            lines.append(Line(page=pages[-1].number, line=idx, text=clean, norm=norm, ocr=ocr))
    return pages


def count_lines(text: str) -> int:
    """How many :class:`Line` objects :func:`split_pages` would make of ``text`` (without making them)."""
    return text.count("\n") + text.count("\r") - text.count("\r\n") + text.count("\f") + 1


def _over_lines(n: int, limit: int) -> str:
    return (
        f"文本行数过多：{n:,} 行，超过单个文件 {limit:,} 行的上限（部门决算文件通常不到 5,000 行），已停止读取。"
        "请确认上传的是部门决算文件；如果其中附带了大量明细数据，请删去后再上传。"
    )


def _over_chars(n: int, limit: int) -> str:
    return (
        f"文本字数过多：{n:,} 个字符，超过单个文件 {limit:,} 个字符的上限，已停止读取。"
        "请确认上传的是部门决算文件；如果其中附带了大量明细数据，请删去后再上传。"
    )


def text_refusal(data: bytes, max_lines: int = MAX_TEXT_LINES, max_chars: int = MAX_TEXT_CHARS) -> str | None:
    """Why a text file is over the caps (Chinese), or None. Cheap: byte counts bound the line and
    character counts from above (a character is at least one byte; a line ends in a newline, form
    feed or CR byte in every encoding we read), and the text is decoded and counted exactly only
    when a bound is over."""
    if data.count(b"\n") + data.count(b"\r") + data.count(b"\f") + 1 <= max_lines and len(data) <= max_chars:
        return None
    try:
        text, _ = decode_bytes(data)
    except BadInputError:
        return None  # not text after all: the extractor says so
    return _text_reason(text, max_lines, max_chars)


def _text_reason(text: str, max_lines: int, max_chars: int) -> str | None:
    lines = count_lines(text)
    if lines > max_lines:
        return _over_lines(lines, max_lines)
    if len(text) > max_chars:
        return _over_chars(len(text), max_chars)
    return None


def extract_text_document(
    name: str, data: bytes, max_lines: int = MAX_TEXT_LINES, max_chars: int = MAX_TEXT_CHARS
) -> ExtractedDocument:
    if len(data) > MAX_TEXT_BYTES:
        raise BadInputError(
            f"text too large: {len(data)} bytes",
            f"文件过大：{len(data) // (1024 * 1024)} MB，文本决算文件不应超过 {MAX_TEXT_BYTES // (1024 * 1024)} MB。",
        )
    text, encoding = decode_bytes(data)
    reason = _text_reason(text, max_lines, max_chars)  # before any Line is made
    if reason:
        raise BadInputError(f"text over caps: {count_lines(text)} lines, {len(text)} chars", reason)
    kind = detect_kind(text)
    return ExtractedDocument(
        source_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        kind=kind,
        encoding=encoding,
        pages=split_pages(text, ocr=kind.is_ocr),
    )
