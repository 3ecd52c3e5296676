"""The annotated original: a copy of the uploaded PDF with each finding marked where its evidence is.

For every finding with at least one piece of evidence that has a page and a box, exactly one
``/Highlight`` annotation is added, on the page of its first such evidence; its ``/QuadPoints``
cover every boxed evidence of that finding on that page. Its note (``/Contents``, shown when the
reader points at or opens the highlight) says what is wrong: ``[N301 错误] <message>``, then the
stated value, the expected value, how it was derived, which side is likely wrong, and
``另见：第13页 · 表：… · 行：…`` for the evidence on other pages. The author (``/T``) is
``juesuan 决算审查``; the colour follows the severity (red error, orange warning, blue info). Each
highlight carries its own appearance stream (a multiply-blended tint), so every viewer draws it
the same way; no ``/Popup`` annotations are added (viewers open their own).

Page 1 also gets one sticky note (``/Subtype /Text``, top-left corner): the counts by severity and
how many findings are highlighted, and the findings that have no place on a page (a missing table,
say) in full, since they have nowhere else to go. Tests and readers count findings by
``/Highlight`` only.

The pages and their content are otherwise unchanged (the document is cloned). An encrypted PDF
that opens with an empty password is decrypted and the copy is written unencrypted. A Word, Excel
or text original, an unreadable PDF, one over the page limit, or bytes that are not the checked
file raise :class:`services.report.formats.NotApplicable` with the reason in Chinese.

Boxes are PDF points, origin top-left of the displayed page (services/ingest/pdf.py, from
pypdfium2); :class:`shared.pdfgeom.PageFrame` converts them to user space with the page's
crop box (cut to its media box, whose origin need not be 0,0) and ``/Rotate``.
"""

from __future__ import annotations

import hashlib
import io
import logging
from datetime import UTC, datetime

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    RectangleObject,
    TextStringObject,
)

from services.report.crops import boxed_evidence
from services.report.formats import NotApplicable
from services.report.html import evidence_location
from shared.document import BBox
from shared.models import SEVERITY_ZH, DocumentReport, Evidence, Finding, Severity
from shared.pdfgeom import PageFrame
from shared.settings import get_settings

log = logging.getLogger(__name__)

AUTHOR = "juesuan 决算审查"
# each severity's colour (/C); the appearance fills a lighter tint (COLOR_OPACITY of it over
# white) multiplied over the page, so the text stays legible
COLORS: dict[Severity, tuple[float, float, float]] = {
    Severity.ERROR: (1.0, 0.25, 0.25),
    Severity.WARNING: (1.0, 0.6, 0.0),
    Severity.INFO: (0.25, 0.55, 1.0),
}
COLOR_OPACITY = 0.45
PAD = 1.0  # points of air around the glyphs
MAX_LISTED = 60  # findings without a place listed in the first-page note

_KIND_ZH = {
    "docx": "Word 文档",
    "xlsx": "Excel 表格",
    "text": "文本文件",
    "ocr-text": "文本文件（文字识别结果）",
    "word-text": "文本文件（Word 导出的文字）",
    "pdf-text": "文本文件（PDF 导出的文字）",
    "scan": "扫描图片",
}


def annotate_pdf(original: bytes, report: DocumentReport, *, max_pages: int | None = None) -> bytes:
    """A copy of ``original`` (a PDF) with one highlight per finding that has a boxed evidence,
    and a summary note on page 1. Raises :class:`NotApplicable` (Chinese reason) otherwise.
    ``max_pages`` defaults to the ``max_pdf_pages`` setting (the limit ingest applies)."""
    _check_original(original, report)
    try:
        reader = PdfReader(io.BytesIO(original))
        if reader.is_encrypted and not reader.decrypt(""):
            raise NotApplicable("标注版无法生成：此 PDF 已加密，需要密码才能打开。")
        n = len(reader.pages)
        limit = max_pages if max_pages is not None else get_settings().max_pdf_pages
        if n > limit:
            raise NotApplicable(f"标注版无法生成：PDF 页数过多（{n} 页，上限 {limit} 页）。")
        if n == 0:
            raise NotApplicable("标注版无法生成：PDF 没有任何页面。")
        # an incremental update: the original bytes stay as they are and the annotations (with
        # the pages that hold them) are appended; a decrypted copy is written whole, unencrypted
        encrypted = reader.is_encrypted
        writer = PdfWriter(clone_from=reader) if encrypted else PdfWriter(reader, incremental=True)
        highlighted = _add_highlights(writer, report)
        _add_summary_note(writer, report, highlighted)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    except NotApplicable:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        log.warning("annotate %s: %s", report.document.source_name, exc, exc_info=True)
        raise NotApplicable("标注版无法生成：此 PDF 的结构无法改写（文件可能已损坏）。") from exc


def _check_original(original: bytes, report: DocumentReport) -> None:
    kind = (report.document.kind or "").lower()
    if (kind and kind not in ("pdf", "scan")) or b"%PDF-" not in original[:1024]:
        what = _KIND_ZH.get(kind, "不是 PDF 文件")
        what = what if what.startswith("不是") else f"是{what}"
        raise NotApplicable(
            f"标注版仅适用于 PDF 原件：本文件{what}，没有页面版式可供标注。"
            "请查看网页报告或 Excel 底稿中每个问题的位置说明。"
        )
    sha = report.document.sha256
    if sha and hashlib.sha256(original).hexdigest() != sha:
        raise NotApplicable("标注版无法生成：提供的文件与检查报告所对应的原件不一致。")


# --------------------------------------------------------------------------- geometry


def page_frame(page: PageObject) -> PageFrame:
    """The page's displayed frame as pdfium sees it: the crop box cut to the media box."""
    media = _box(page.mediabox)
    crop = _box(page.cropbox)
    box = (max(media[0], crop[0]), max(media[1], crop[1]), min(media[2], crop[2]), min(media[3], crop[3]))
    if box[2] <= box[0] or box[3] <= box[1]:
        box = media
    return PageFrame(box, page.rotation)


def _box(rect: RectangleObject) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in rect)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _num(value: float) -> FloatObject:
    return FloatObject(round(value, 3))


def _quad(frame: PageFrame, box: BBox) -> list[float]:
    padded = BBox(x0=box.x0 - PAD, y0=box.y0 - PAD, x1=box.x1 + PAD, y1=box.y1 + PAD)
    return frame.quad(padded)


# --------------------------------------------------------------------------- highlights


def _add_highlights(writer: PdfWriter, report: DocumentReport) -> int:
    """One highlight per finding with a boxed evidence on an existing page; returns how many."""
    labels = report.document.page_labels
    frames: dict[int, PageFrame] = {}
    stamp = _pdf_date(datetime.now(UTC))
    count = 0
    for index, finding in enumerate(report.findings):
        placed = _placement(writer, finding, frames)
        if placed is None:
            continue
        page_no, boxes = placed
        frame = frames[page_no]
        quads = [_quad(frame, b) for b in boxes]
        others = [ev for ev in finding.evidence if not _on_page(ev, page_no)]
        contents = finding_note(finding, others, labels)
        annot = _highlight(writer, finding, index, quads, contents, stamp)
        writer.add_annotation(page_no - 1, annot)
        count += 1
    return count


def _placement(
    writer: PdfWriter, finding: Finding, frames: dict[int, PageFrame]
) -> tuple[int, list[BBox]] | None:
    """The page of the finding's first boxed evidence that lies on a page of this file, and the
    boxes (cut to the page) of all its evidence on that page."""
    n = len(writer.pages)
    for _, ev in boxed_evidence(finding):
        page_no = ev.prov.page
        if page_no is None or not 1 <= page_no <= n:
            continue
        if page_no not in frames:
            frames[page_no] = page_frame(writer.pages[page_no - 1])
        frame = frames[page_no]
        boxes = [
            b
            for _, other in boxed_evidence(finding)
            if other.prov.page == page_no and other.prov.bbox is not None
            for b in [frame.clamp(other.prov.bbox)]
            if b is not None
        ]
        if boxes:
            return page_no, boxes
    return None


def _on_page(ev: Evidence, page_no: int) -> bool:
    return ev.prov.page == page_no and ev.prov.bbox is not None


def finding_note(finding: Finding, others: list[Evidence], labels: dict[int, str] | None = None) -> str:
    """The text of a finding's highlight: what is wrong and where else to look."""
    lines = [f"[{finding.code} {SEVERITY_ZH[finding.severity]}] {finding.message}"]
    if finding.stated:
        lines.append("陈述值：" + "；".join(finding.stated))
    if finding.expected:
        lines.append(f"应为：{finding.expected}")
    if finding.derivation:
        lines.append(f"推算方法：{finding.derivation}")
    if finding.suspect:
        lines.append(f"可能有误处：{finding.suspect}")
    if finding.note:
        lines.append(f"说明：{finding.note}")
    seen: set[str] = set()
    for ev in others:
        where = evidence_location(ev, labels, with_line=False)
        if where and where not in seen:
            seen.add(where)
            lines.append(f"另见：{where}")
    return "\n".join(lines)


def _highlight(
    writer: PdfWriter, finding: Finding, index: int, quads: list[list[float]], contents: str, stamp: str
) -> DictionaryObject:
    xs = [v for q in quads for v in q[0::2]]
    ys = [v for q in quads for v in q[1::2]]
    rect = (min(xs), min(ys), max(xs), max(ys))
    color = COLORS[finding.severity]
    annot = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Highlight"),
            NameObject("/Rect"): ArrayObject([_num(v) for v in rect]),
            NameObject("/QuadPoints"): ArrayObject([_num(v) for q in quads for v in q]),
            NameObject("/C"): ArrayObject([FloatObject(c) for c in color]),
            NameObject("/F"): NumberObject(4),  # print
            NameObject("/T"): TextStringObject(AUTHOR),
            NameObject("/Subj"): TextStringObject(f"{finding.code} {finding.title}"),
            NameObject("/Contents"): TextStringObject(contents),
            NameObject("/NM"): TextStringObject(f"juesuan-finding-{index + 1}"),
            NameObject("/M"): TextStringObject(stamp),
            NameObject("/CreationDate"): TextStringObject(stamp),
        }
    )
    annot[NameObject("/AP")] = DictionaryObject({NameObject("/N"): _appearance(writer, rect, quads, color)})
    return annot


def _appearance(
    writer: PdfWriter,
    rect: tuple[float, float, float, float],
    quads: list[list[float]],
    color: tuple[float, ...],
) -> IndirectObject:
    """A form XObject filling each quad with the tint, multiplied over the page."""
    tint = [1 - COLOR_OPACITY * (1 - c) for c in color]  # the colour mixed with white
    ops = ["/GS0 gs", "{:.3f} {:.3f} {:.3f} rg".format(*tint)]
    for q in quads:
        (ax, ay), (bx, by), (cx, cy), (dx, dy) = zip(q[0::2], q[1::2], strict=True)
        ops.append(f"{ax:.3f} {ay:.3f} m {bx:.3f} {by:.3f} l {dx:.3f} {dy:.3f} l {cx:.3f} {cy:.3f} l h f")
    stream = DecodedStreamObject()
    stream.set_data("\n".join(ops).encode("ascii"))
    stream.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject([_num(v) for v in rect]),
            NameObject("/Resources"): DictionaryObject(
                {
                    NameObject("/ExtGState"): DictionaryObject(
                        {
                            NameObject("/GS0"): DictionaryObject(
                                {
                                    NameObject("/Type"): NameObject("/ExtGState"),
                                    NameObject("/BM"): NameObject("/Multiply"),
                                }
                            )
                        }
                    )
                }
            ),
        }
    )
    return writer._add_object(stream)


# --------------------------------------------------------------------------- the first-page note


def summary_note(report: DocumentReport, highlighted: int) -> str:
    """The first page's note: counts, and the findings that could not be placed on a page."""
    counts = report.counts()
    parts = "、".join(f"{SEVERITY_ZH[s]} {counts[s.value]} 个" for s in Severity if counts[s.value])
    total = len(report.findings)
    if not total:
        return f"{AUTHOR}：未发现问题。"
    lines = [f"{AUTHOR}：共发现 {total} 个问题（{parts}），其中 {highlighted} 个已在原文中高亮标注。"]
    unplaced = [f for f in report.findings if not boxed_evidence(f)]
    if unplaced:
        lines.append(f"以下 {len(unplaced)} 个问题没有可标注的位置（例如缺少的表格或内容）：")
        for f in unplaced[:MAX_LISTED]:
            lines.append(f"[{f.code} {SEVERITY_ZH[f.severity]}] {f.message}")
        if len(unplaced) > MAX_LISTED:
            lines.append(f"……另有 {len(unplaced) - MAX_LISTED} 个，见检查报告。")
    return "\n".join(lines)


def _add_summary_note(writer: PdfWriter, report: DocumentReport, highlighted: int) -> None:
    frame = page_frame(writer.pages[0])
    size = 18.0
    corner = BBox(x0=6.0, y0=6.0, x1=6.0 + size, y1=6.0 + size)
    clamped = frame.clamp(corner) or corner
    rect = frame.user_rect(clamped)
    note = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Text"),
            NameObject("/Rect"): ArrayObject([_num(v) for v in rect]),
            NameObject("/Name"): NameObject("/Comment"),
            NameObject("/Open"): BooleanObject(False),
            NameObject("/C"): ArrayObject([FloatObject(1.0), FloatObject(0.85), FloatObject(0.0)]),
            NameObject("/F"): NumberObject(4 | 8 | 16),  # print, no zoom, no rotate
            NameObject("/T"): TextStringObject(AUTHOR),
            NameObject("/Subj"): TextStringObject("检查结果摘要"),
            NameObject("/Contents"): TextStringObject(summary_note(report, highlighted)),
            NameObject("/NM"): TextStringObject("juesuan-summary"),
        }
    )
    writer.add_annotation(0, note)


def _pdf_date(when: datetime) -> str:
    return when.strftime("D:%Y%m%d%H%M%SZ")
