"""Born-digital PDF → ExtractedDocument, with pypdfium2 (about 500 pages/s here).

For each page: every character with its box, and the page's ruling lines (path objects that are
thin horizontal or vertical strokes, or the edges of stroked rectangles). Ruled tables become
grids (:mod:`services.ingest.pdf_grid`); the characters outside them become text lines, top to
bottom. A page number printed alone at the foot (or head) of a page becomes the page's label and
leaves the text.

Every box (characters, lines, tokens, cells, grids) is in PDF points on the page as displayed:
after its ``/Rotate``, with the origin at the top-left of its crop box cut to its media box, y
down; ``Page.width``/``Page.height`` are the displayed size (see :mod:`shared.pdfgeom`, whose
:class:`~shared.pdfgeom.PageFrame` the annotated copy and the evidence pictures use as well).

A page with no usable text layer (a scan, or glyphs without Unicode) is rendered and read by OCR
(:mod:`services.ingest.ocr`) into the same kind of page, through the same :func:`build_page`.
"""

from __future__ import annotations

import ctypes
import hashlib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from shared.document import BBox, DocumentKind, ExtractedDocument, Grid, GridCell, Line, Page, Token
from shared.errors import BadInputError
from shared.normalize import FOLD_TABLE
from shared.pdfgeom import PageFrame, pdfium_frame

from .ocr import OcrOptions, OcrProgress
from .pdf_grid import (
    Char,
    FoundGrid,
    GridTooLarge,
    HRule,
    VRule,
    assign_chars,
    cell_text,
    find_grids,
    group_lines,
    line_text,
)

if TYPE_CHECKING:
    import numpy as np

THIN = 2.0  # a path thinner than this (points) is a rule
FOOTER_RE = re.compile(
    r"^[\s\-—–－·•]*(?:第\s*)?(\d{1,4})(?:\s*页)?(?:\s*(?:/|共)\s*\d{1,4}\s*页?)?[\s\-—–－·•]*$"
)
_BAD_CHARS = re.compile(r"[\ufffd\ue000-\uf8ff\x00-\x08\x0b-\x1f]")
_CID_RE = re.compile(r"\(cid:\d+\)")
# What the text of a disclosure is made of: CJK (with Kangxi radicals and compatibility forms),
# ASCII, Latin-1, general and CJK punctuation, full-width forms, number forms, circled numbers,
# box drawing and simple symbols. A text layer mostly outside these is a broken font mapping.
_USUAL = re.compile(
    r"[\u0020-\u007e\u00a0-\u00ff\u0370-\u03ff\u0400-\u04ff\u2000-\u27bf\u2e80-\u2fdf"
    r"\u3000-\u33ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
)
GARBAGE_SHARE = 0.3  # a text layer with more than this share of unusable characters is garbage
MIN_CHARS = 5  # fewer characters than this: no text layer to speak of


class PdfLimits:
    """Bounds on what one PDF may cost."""

    def __init__(
        self,
        max_pages: int = 300,
        max_scan_pages: int = 200,
        max_chars_per_page: int = 60_000,
        max_paths_per_page: int = 40_000,
        max_cells_per_page: int = 20_000,
        max_cells: int = 200_000,
        max_table_rows: int = 20_000,
    ):
        self.max_pages = max_pages
        self.max_scan_pages = max_scan_pages  # pages to OCR: refused before any is rendered
        self.max_chars_per_page = max_chars_per_page
        self.max_paths_per_page = max_paths_per_page
        self.max_cells_per_page = max_cells_per_page  # elementary grid cells of one page's tables
        self.max_cells = max_cells  # grid cells of the whole document
        self.max_table_rows = max_table_rows  # grid rows of the whole document


def _too_many(what: str, detail: str) -> BadInputError:
    return BadInputError(
        f"pdf over limits: {detail}",
        f"PDF 表格内容过多（{what}），不像部门决算文件，已停止读取：请确认文件无误，或拆分后上传。",
    )


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    """Open ``data`` (an encrypted PDF opens when its user password is empty)."""
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text:
            raise BadInputError(
                "encrypted pdf",
                "文件已加密：打开此 PDF 需要密码，请上传未加密的版本（或在阅读器中取消密码后另存）。",
            ) from exc
        raise BadInputError(
            f"damaged pdf: {exc}", "PDF 文件已损坏或格式不正确，无法打开：请从原始文件重新导出 PDF 后上传。"
        ) from exc


def _check_pages(n: int, limits: PdfLimits) -> None:
    if n == 0:
        raise BadInputError("pdf without pages", "PDF 文件没有任何页面：请检查文件是否完整。")
    if n > limits.max_pages:
        raise BadInputError(
            f"pdf has {n} pages > {limits.max_pages}",
            f"PDF 页数过多（{n} 页，上限 {limits.max_pages} 页）：部门决算文件通常为 15–60 页，请确认文件无误，或拆分后上传。",
        )


def extract_pdf(
    name: str,
    data: bytes,
    limits: PdfLimits | None = None,
    *,
    progress: OcrProgress | None = None,
    ocr_options: OcrOptions | None = None,
) -> ExtractedDocument:
    """The document layer of a PDF, page by page: a page with a usable text layer is read from it,
    a scanned page (or one whose text layer is garbage) is rendered and OCR'd (``progress`` is
    called after each OCR'd page with (pages done, pages to OCR))."""
    limits = limits or PdfLimits()
    pdf = open_pdf(data)
    try:
        n = len(pdf)
        _check_pages(n, limits)
        pages: list[Page] = []
        warnings: list[str] = []
        seq = 0
        to_ocr: list[int] = []
        for index in range(n):
            try:
                page = pdf[index]
            except pdfium.PdfiumError as exc:
                warnings.append(f"第 {index + 1} 页已损坏，无法读取。")
                pages.append(Page(number=index + 1, has_text_layer=False))
                del exc
                continue
            try:
                out, seq = _read_page(pdf, page, index, seq, limits)
            finally:
                page.close()
            pages.append(out)
            if not out.has_text_layer:
                to_ocr.append(index)
            check_tables(pages, limits)
        if len(to_ocr) > limits.max_scan_pages:
            from .ocr import too_many_scan_pages

            raise too_many_scan_pages(len(to_ocr), limits.max_scan_pages)
        if to_ocr:
            _ocr_pages(pdf, pages, to_ocr, limits, progress, ocr_options)
    finally:
        pdf.close()
    lost = _pages_without_cjk(pages)
    if lost:
        warnings.append(
            f"第 {_ranges(lost)} 页只读出数字、没有读出中文（PDF 未嵌入中文字体，本机也没有可替代的中文字体），"
            "这些页的表格和文字未能检查：请用嵌入字体的方式重新导出 PDF，或请管理员安装中文字体（如 fonts-wqy-microhei）。"
        )
    kind = DocumentKind.PDF
    if to_ocr:
        warnings += ocr_warnings(pages, [i + 1 for i in to_ocr])
        kind = DocumentKind.SCAN if 2 * len(to_ocr) >= len(pages) else DocumentKind.PDF
    return ExtractedDocument(
        source_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        kind=kind,
        pages=pages,
        warnings=warnings,
    )


def check_tables(pages: list[Page], limits: PdfLimits) -> None:
    rows = sum(g.n_rows for p in pages for g in p.grids)
    cells = sum(g.n_rows * g.n_cols for p in pages for g in p.grids)
    if rows > limits.max_table_rows:
        raise _too_many(f"表格行数超过 {limits.max_table_rows:,} 行", f"> {limits.max_table_rows} rows")
    if cells > limits.max_cells:
        raise _too_many(f"表格单元格超过 {limits.max_cells:,} 个", f"> {limits.max_cells} cells")


_Rendered = tuple[int, "np.ndarray", float, float, "str | None"]  # page index, image, size, label


def _ocr_pages(
    pdf: pdfium.PdfDocument,
    pages: list[Page],
    to_ocr: list[int],
    limits: PdfLimits,
    progress: OcrProgress | None,
    options: OcrOptions | None,
) -> None:
    """The pages ``to_ocr`` rendered here, in this thread (pdfium is not thread-safe), and read
    :func:`~services.ingest.ocr.pages_at_once` at a time; ``progress`` counts the pages done."""
    from .ocr import ocr_image, pages_at_once, render_page, renumber
    from .ocr_engine import in_parallel

    options = options or OcrOptions()

    def rendered() -> Iterator[_Rendered]:
        for index in to_ocr:
            page = pdf[index]
            try:
                frame = pdfium_frame(page)
                gray = render_page(page, frame.width, frame.height, options)
            finally:
                page.close()
            yield index, gray, frame.width, frame.height, _page_label(pdf, index)

    def work(job: _Rendered) -> Page:
        index, gray, width_pt, height_pt, label = job
        return ocr_image(
            gray,
            page_number=index + 1,
            width_pt=width_pt,
            height_pt=height_pt,
            options=options,
            label=label,
            max_cells=limits.max_cells_per_page,
        )

    finished = 0

    def done(k: int, page: Page) -> None:
        nonlocal finished
        pages[to_ocr[k]] = page
        check_tables(pages, limits)
        finished += 1
        if progress is not None:
            progress(finished, len(to_ocr))

    in_parallel(rendered(), work, pages_at_once(options), done)
    renumber(pages)


def ocr_warnings(pages: list[Page], ocr_numbers: list[int]) -> list[str]:
    """The notes on OCR'd pages (which were read by OCR, which came out blank); refuses a scan in
    which no page has any text."""
    blank = [p.number for p in pages if p.number in ocr_numbers and _is_blank(p)]
    if all(_is_blank(p) for p in pages):
        raise BadInputError(
            "scan without any text",
            "扫描件或图片中没有识别出任何文字（各页均为空白或图像无法辨认）：请确认扫描清晰、方向正确后重新上传，"
            "或上传由 Word/WPS 直接导出的 PDF。",
        )
    out = [
        (
            f"第 {_ranges(ocr_numbers)} 页是扫描图像，已用文字识别（OCR）读取：识别不确定或经过修复的数字已降低置信度，"
            "据此得出的问题会降低一级或不作结论。"
        )
    ]
    if blank:
        out.append(f"第 {_ranges(blank)} 页没有识别出文字（空白页或图像无法辨认），已跳过。")
    return out


def _is_blank(p: Page) -> bool:
    return not p.lines and not any(c.text for g in p.grids for c in g.cells)


def scan_pages(data: bytes, max_pages: int = 300) -> list[int]:
    """The pages (1-based) of the PDF that would be OCR'd, without rendering anything: text
    layers and image objects only. Empty for a born-digital PDF, and for one that cannot be
    opened or has more than ``max_pages`` pages (ingest says why)."""
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return []
    limits = PdfLimits()
    out: list[int] = []
    try:
        if len(pdf) > max_pages:
            return []
        for index in range(len(pdf)):
            try:
                page = pdf[index]
            except pdfium.PdfiumError:
                continue
            try:
                chars, bad = _chars(page, pdfium_frame(page), limits)
                layer = text_layer(chars, bad)
                if layer != "text" and page_needs_ocr(layer, _has_image(page)):
                    out.append(index + 1)
            except BadInputError:
                pass
            finally:
                page.close()
    finally:
        pdf.close()
    return out


def pdf_pages_to_ocr(data: bytes, max_pages: int = 300) -> int:
    """How many pages of the PDF would be OCR'd (:func:`scan_pages`)."""
    return len(scan_pages(data, max_pages))


def _pages_without_cjk(pages: list[Page]) -> list[int]:
    """Pages whose text has figures but not one CJK character, in a document that has CJK
    elsewhere: their Chinese glyphs could not be mapped (a font neither embedded nor installed)."""

    def cjk(p: Page) -> int:
        texts = [ln.text for ln in p.lines] + [c.text for g in p.grids for c in g.cells]
        return sum(1 for t in texts for ch in t if "\u4e00" <= ch <= "\u9fff")

    def digits(p: Page) -> int:
        texts = [ln.text for ln in p.lines] + [c.text for g in p.grids for c in g.cells]
        return sum(1 for t in texts for ch in t if ch.isdigit())

    if not any(cjk(p) for p in pages):
        return []
    return [p.number for p in pages if p.has_text_layer and digits(p) >= 10 and cjk(p) == 0]


def _ranges(numbers: list[int]) -> str:
    out: list[str] = []
    start = prev = numbers[0]
    for x in [*numbers[1:], None]:
        if x is not None and x == prev + 1:
            prev = x
            continue
        out.append(f"{start}" if start == prev else f"{start}–{prev}")
        if x is not None:
            start = prev = x
    return "、".join(out)


def _page_label(pdf: pdfium.PdfDocument, index: int) -> str | None:
    size = pdfium_c.FPDF_GetPageLabel(pdf.raw, index, None, 0)
    if size <= 2:
        return None
    buf = ctypes.create_string_buffer(size)
    pdfium_c.FPDF_GetPageLabel(pdf.raw, index, buf, size)
    label = buf.raw[: size - 2].decode("utf-16-le", errors="ignore").strip()
    return label or None


def _chars(page: pdfium.PdfPage, frame: PageFrame, limits: PdfLimits) -> tuple[list[Char], int]:
    """The page's visible characters (generated spaces and line breaks dropped) and how many
    characters carry no Unicode."""
    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        if n > limits.max_chars_per_page:
            raise BadInputError(
                f"page with {n} characters",
                f"PDF 某一页的文字过多（{n} 个字符），不像部门决算文件，已停止读取。",
            )
        text = textpage.get_text_range(0, n) if n else ""
        raw = textpage.raw
        out: list[Char] = []
        bad = 0
        rect = pdfium_c.FS_RECTF()
        for i in range(min(n, len(text))):
            ch = text[i]
            if ch in " \r\n\t\u3000\xa0" or pdfium_c.FPDFText_IsGenerated(raw, i) == 1:
                continue
            if _BAD_CHARS.match(ch):
                bad += 1
                continue
            # the loose box spans the glyph's advance and the font's height: gaps between loose
            # boxes are real spacing, not the side bearings of narrow digits like "1"
            if not pdfium_c.FPDFText_GetLooseCharBox(raw, i, rect):
                continue
            x0, y0, x1, y1 = frame.display_rect(rect.left, rect.bottom, rect.right, rect.top)
            if x1 - x0 <= 0 and y1 - y0 <= 0:
                continue
            out.append(Char(ch, x0, y0, x1, y1))
        return out, bad
    finally:
        textpage.close()


def _rules(page: pdfium.PdfPage, frame: PageFrame, limits: PdfLimits) -> tuple[list[HRule], list[VRule]]:
    hs: list[HRule] = []
    vs: list[VRule] = []
    for count, obj in enumerate(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=1), start=1):
        if count > limits.max_paths_per_page:
            break
        left, bottom, right, top = obj.get_bounds()
        x0, y0, x1, y1 = frame.display_rect(left, bottom, right, top)
        w, h = x1 - x0, y1 - y0
        if h < THIN and w >= THIN:
            hs.append(HRule((y0 + y1) / 2, x0, x1))
        elif w < THIN and h >= THIN:
            vs.append(VRule((x0 + x1) / 2, y0, y1))
        elif w >= THIN and h >= THIN:
            _path_edges(obj, frame, hs, vs)
    return hs, vs


def _path_edges(obj: pdfium.PdfObject, frame: PageFrame, hs: list[HRule], vs: list[VRule]) -> None:
    """Axis-parallel edges of a stroked path (a rectangle drawn around a cell, or many rules in
    one path); a filled-only shape is a background, not a rule."""
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(obj.raw, fill, stroke) or not stroke.value:
        return
    matrix = obj.get_matrix()
    a, b, c, d, e, f = matrix.get()
    n = pdfium_c.FPDFPath_CountSegments(obj.raw)
    if n > 2000:
        return
    px, py = ctypes.c_float(), ctypes.c_float()
    start: tuple[float, float] | None = None
    prev: tuple[float, float] | None = None

    def edge(p: tuple[float, float], q: tuple[float, float]) -> None:
        (ax, ay), (bx, by) = frame.to_display(*p), frame.to_display(*q)
        if abs(ay - by) < THIN and abs(ax - bx) >= THIN:
            hs.append(HRule((ay + by) / 2, min(ax, bx), max(ax, bx)))
        elif abs(ax - bx) < THIN and abs(ay - by) >= THIN:
            vs.append(VRule((ax + bx) / 2, min(ay, by), max(ay, by)))

    for i in range(n):
        seg = pdfium_c.FPDFPath_GetPathSegment(obj.raw, i)
        if not pdfium_c.FPDFPathSegment_GetPoint(seg, px, py):
            continue
        x, y = px.value, py.value
        pt = (a * x + c * y + e, b * x + d * y + f)
        kind = pdfium_c.FPDFPathSegment_GetType(seg)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            start = prev = pt
        elif kind == pdfium_c.FPDF_SEGMENT_LINETO and prev is not None:
            edge(prev, pt)
            prev = pt
        else:
            prev = pt  # curves are not rules
        if pdfium_c.FPDFPathSegment_GetClose(seg) and start is not None and prev is not None:
            edge(prev, start)
            prev = start


def garbage_share(chars: list[Char], bad: int) -> float:
    """The share of a text layer that cannot be text of a disclosure: characters without Unicode
    (U+FFFD, private use, controls), "(cid:12)" placeholders, characters outside :data:`_USUAL`."""
    text = "".join(c.text for c in chars)
    cid = sum(len(m) for m in _CID_RE.findall(text))
    odd = sum(1 for ch in _CID_RE.sub("", text) if not _USUAL.match(ch))
    return (bad + cid + odd) / max(len(text) + bad, 1)


def text_layer(chars: list[Char], bad: int) -> str:
    """What a page's text layer is: "text" (read it), "none" (fewer than MIN_CHARS characters)
    or "garbage" (glyphs without a usable Unicode mapping)."""
    if len(chars) + bad < MIN_CHARS:
        return "none"
    if len(chars) < MIN_CHARS or garbage_share(chars, bad) > GARBAGE_SHARE:
        return "garbage"
    return "text"


def page_needs_ocr(layer: str, has_image: bool) -> bool:
    """A page is OCR'd when its text layer is garbage (its glyphs still render), or when it has
    no text but an image (a scan). A page with neither is blank."""
    return layer == "garbage" or (layer == "none" and has_image)


def _read_page(
    pdf: pdfium.PdfDocument, page: pdfium.PdfPage, index: int, seq: int, limits: PdfLimits
) -> tuple[Page, int]:
    # pdfium's text and path APIs give user space; every box is turned into the displayed page
    # (after /Rotate, from the top-left of the crop box cut to the media box): shared/pdfgeom.py
    frame = pdfium_frame(page)
    chars, bad = _chars(page, frame, limits)
    number = index + 1
    layer = text_layer(chars, bad)
    if layer != "text":
        scan = page_needs_ocr(layer, _has_image(page))
        return Page(number=number, width=frame.width, height=frame.height, has_text_layer=not scan), seq
    hs, vs = _rules(page, frame, limits)
    return build_page(
        number,
        frame.width,
        frame.height,
        chars,
        hs,
        vs,
        seq=seq,
        label=_page_label(pdf, index),
        max_cells=limits.max_cells_per_page,
    )


def build_page(
    number: int,
    width: float,
    height: float,
    chars: list[Char],
    hs: list[HRule],
    vs: list[VRule],
    *,
    seq: int = 0,
    label: str | None = None,
    max_cells: int | None = None,
    ocr: bool = False,
) -> tuple[Page, int]:
    """One page of the document layer from positioned characters and ruling segments (points,
    top-left origin): ruled tables become grids, the other characters text lines, top to bottom;
    a page number printed alone at the foot or head becomes the label. The same builder reads a
    text layer and an OCR'd image (``ocr``: lines are marked, confidences come from the chars).
    ``seq`` is the reading-order counter before this page; returns the page and the counter after."""
    try:
        found = find_grids(hs, vs, max_cells)
    except GridTooLarge as exc:
        raise _too_many(
            f"第 {number} 页的表格线划出约 {exc.cells:,} 个单元格，每页上限 {max_cells or 0:,} 个",
            f"page {number}: {exc}",
        ) from None
    rest = assign_chars(found, chars)
    blocks: list[tuple[float, Line | FoundGrid]] = []
    for ln_chars in group_lines(rest):
        if ocr:  # dust across the recogniser's runs ("100." + ".00%"): cleaned on the whole line
            ln_chars = _clean_ocr(ln_chars)
            if not ln_chars:
                continue
        text, token_idx = line_text(ln_chars, ocr)
        y_top = min(c.y0 for c in ln_chars)
        y_bottom = max(c.y1 for c in ln_chars)
        if _is_page_number(text, y_top, y_bottom, height):
            label = label or FOOTER_RE.match(text).group(1)  # type: ignore[union-attr]
            continue
        tokens = [
            Token(
                text=text[s:e],
                span=(s, e),
                bbox=BBox(
                    x0=ln_chars[i].x0,
                    y0=min(c.y0 for c in ln_chars[i : j + 1]),
                    x1=ln_chars[j].x1,
                    y1=max(c.y1 for c in ln_chars[i : j + 1]),
                ).rounded(),
                confidence=_conf(ln_chars[i : j + 1]),
            )
            for s, e, i, j in token_idx
        ]
        box = BBox(x0=ln_chars[0].x0, y0=y_top, x1=max(c.x1 for c in ln_chars), y1=y_bottom).rounded()
        line = Line(
            page=number,
            line=0,
            text=text,
            norm=text.translate(FOLD_TABLE),
            bbox=box,
            tokens=tokens,
            confidence=_conf(ln_chars),
            ocr=ocr,
        )
        blocks.append((y_top, line))
    for g in found:
        blocks.append((g.y0, g))
    blocks.sort(key=lambda b: b[0])
    lines: list[Line] = []
    grids: list[Grid] = []
    for _, block in blocks:
        seq += 1
        if isinstance(block, Line):
            block.line = seq
            lines.append(block)
        else:
            grids.append(_to_grid(block, number, seq, ocr))
    return Page(number=number, label=label, width=width, height=height, lines=lines, grids=grids), seq


def _clean_ocr(chars: list[Char]) -> list[Char]:
    """Recognised characters, line by line, without the dust marks of
    :func:`services.ingest.ocr.without_specks` (the recogniser's runs were cleaned one by one; dust
    between two runs of one line shows only here)."""
    from .ocr import without_specks

    return [c for ln in group_lines(chars) for c in without_specks(ln)]


def _conf(chars: list[Char]) -> float:
    return min((c.conf for c in chars), default=1.0)


def _is_page_number(text: str, y0: float, y1: float, height: float) -> bool:
    return (y0 > height * 0.88 or y1 < height * 0.08) and FOOTER_RE.match(text) is not None


def _has_image(page: pdfium.PdfPage) -> bool:
    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=1))


def _to_grid(found: FoundGrid, page: int, seq: int, ocr: bool = False) -> Grid:
    cells = [
        GridCell(
            row=c.row,
            col=c.col,
            row_span=c.row_span,
            col_span=c.col_span,
            text=cell_text(_clean_ocr(c.chars) if ocr else c.chars, ocr) if c.chars else "",
            bbox=BBox(x0=c.x0, y0=c.y0, x1=c.x1, y1=c.y1).rounded(),
            confidence=_conf(c.chars),
        )
        for c in found.cells
    ]
    return Grid(
        page=page,
        seq=seq,
        n_rows=found.n_rows,
        n_cols=found.n_cols,
        cells=cells,
        bbox=BBox(x0=found.x0, y0=found.y0, x1=found.x1, y1=found.y1).rounded(),
        col_edges=[round(x, 1) for x in found.col_edges],
        ocr=ocr,
    )
