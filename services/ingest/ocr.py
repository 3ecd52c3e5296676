"""Scans → the document layer: a page image read with RapidOCR into the same pages, lines,
tokens and grids as a born-digital PDF page.

A page image (a PDF page rendered with pypdfium2, or an uploaded PNG/JPEG/TIFF, or the images of
a zip of one document's pages) goes through:
1. deskewing: the angle of the long horizontal rules (tables) is measured and the image turned
   back when it is more than :data:`MIN_SKEW` degrees off;
2. ruling lines: adaptive threshold, then an opening with long horizontal and vertical kernels
   keeps the table rules; each connected piece is a segment (``HRule``/``VRule`` in points);
3. text: RapidOCR (PP-OCRv4 Chinese models shipped in its wheel, run as
   :mod:`services.ingest.ocr_engine` says) with a box per character in points and its
   recognition score;
4. :func:`services.ingest.pdf.build_page` — grid finding, cell assignment, line grouping are the
   text layer's own;
5. numbers: a cell or token that reads as one amount only after an OCR repair ("586 91",
   "253. 72", "I. 50", "55。2") takes the repaired text and the repair's confidence
   (:func:`services.parse.numbers.repair_number`).

Pixels become points at 72/dpi; an image without a physical size is taken as A4 wide. OpenCV,
onnxruntime and the engine are imported on first use; the pages of a document are read side by
side, one engine per thread (JUESUAN_OCR_THREADS, default the process's CPUs).
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared.document import Grid, Line, Page, Token
from shared.errors import BadInputError
from shared.filetypes import ZipBounds, image_zip_members

from .ocr_engine import engine_threads, in_parallel, ocr_threads, read, unavailable
from .pdf_grid import Char, HRule, VRule, cjk_punct, is_wide

if TYPE_CHECKING:
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

OcrProgress = Callable[[int, int], None]  # (pages done, pages to OCR)

A4_WIDTH_PT = 595.28
MIN_SKEW = 0.2  # degrees: a page turned less than this is read as it is
MAX_SKEW = 5.0  # degrees: a larger measured angle is not a skew (a slanted stamp, a diagram)
CERTAIN = 0.9  # a character recognised with at least this score counts as read (confidence 1.0)
SPECK_POINT = 0.5  # a "." with too little ink under it: too unsure to conclude anything from
UNREAD = 0.3  # a cell with ink on it that no reading made out: not an empty cell, an unknown one
TWO_POINTS = 0.8  # "3.07.82" read as 307.82: the repair of a letter for a digit (services/parse/numbers.py)
FAINT_MARK = 0.5  # a punctuation mark recognised with less than this at the end of a run is dust
MAX_IMAGE_PIXELS = 100_000_000  # an upload over this is refused before it is decoded
MAX_RENDER_PIXELS = 12_000_000  # a rendered page over this is rendered at a lower dpi


@dataclass(frozen=True)
class OcrOptions:
    """How pages are read. ``dpi``: the resolution a PDF page is rendered at and images are
    brought down to; ``deskew``: turn a skewed page straight first; ``denoise``: a 3×3 median
    filter first (salt-and-pepper noise of fax-like scans); ``threads``: pages of a document read
    side by side (:mod:`services.ingest.ocr_engine`)."""

    dpi: int = 200
    deskew: bool = True
    denoise: bool = False
    max_render_pixels: int = MAX_RENDER_PIXELS
    threads: int = 0  # pages read at once (0: JUESUAN_OCR_THREADS, or the process's CPUs)


def pages_at_once(options: OcrOptions) -> int:
    """Pages of one document OCR'd side by side: ``options.threads``, or JUESUAN_OCR_THREADS, or
    the CPUs of the process."""
    return options.threads if options.threads > 0 else ocr_threads()


# ------------------------------------------------------------------ images


def _cv2() -> Any:
    try:
        import cv2
    except ImportError as exc:  # pragma: no cover - the dependency is locked
        raise unavailable() from exc
    return cv2


def to_gray(img: Any) -> np.ndarray:
    """A PIL image or an array as an 8-bit grayscale array (transparency on white)."""
    import numpy as np
    from PIL import Image

    if isinstance(img, Image.Image):
        if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
            rgba = img.convert("RGBA")
            back = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            img = Image.alpha_composite(back, rgba)
        if img.mode in ("I;16", "I;16B", "I;16L", "I"):
            arr = np.asarray(img, dtype=np.float64)
            top = arr.max() or 1.0
            return np.asarray(arr * 255.0 / top, dtype=np.uint8)
        return np.asarray(img.convert("L"))
    arr = np.asarray(img)
    if arr.ndim == 3:
        cv2 = _cv2()
        arr = cv2.cvtColor(arr, cv2.COLOR_BGRA2GRAY if arr.shape[2] == 4 else cv2.COLOR_RGB2GRAY)
    return np.ascontiguousarray(arr, dtype=np.uint8)


def _binary(gray: np.ndarray) -> np.ndarray:
    cv2 = _cv2()
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 12)


def _masks(bw: np.ndarray, px_per_pt: float) -> tuple[np.ndarray, np.ndarray]:
    """The horizontal and the vertical strokes longer than a character (table rules)."""
    cv2 = _cv2()
    h_len = max(int(24 * px_per_pt), 15)  # 24 pt: wider than two CJK characters, narrower than a cell
    v_len = max(int(13 * px_per_pt), 10)  # 13 pt: taller than a character, shorter than a row
    horizontal = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (h_len, 1)))
    vertical = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, v_len)))
    # bridge the small breaks a scan leaves in a rule
    gap = max(int(2 * px_per_pt), 2)
    horizontal = cv2.morphologyEx(
        horizontal, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1))
    )
    vertical = cv2.morphologyEx(
        vertical, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, gap))
    )
    return horizontal, vertical


def skew_angle(gray: np.ndarray, px_per_pt: float) -> float:
    """The page's skew in degrees (positive: turned clockwise), from the slope of its long
    horizontal rules, or on a page without rules from the slope of its text lines (characters
    smeared together sideways); 0.0 when it has neither."""
    cv2 = _cv2()
    bw = _binary(gray)
    horizontal, _ = _masks(bw, px_per_pt)
    angle = _median_slope(horizontal, gray.shape[1] * 0.2)
    if angle is None:
        smear = max(int(6 * px_per_pt), 3)  # wider than the gap between two characters
        lines = cv2.morphologyEx(bw, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (smear, 1)))
        angle = _median_slope(lines, gray.shape[1] * 0.3, max_height=int(30 * px_per_pt))
    return angle if angle is not None and abs(angle) <= MAX_SKEW else 0.0


def _median_slope(mask: np.ndarray, min_width: float, max_height: int | None = None) -> float | None:
    """The width-weighted median slope (degrees) of the wide connected pieces of ``mask``."""
    import numpy as np

    cv2 = _cv2()
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    angles: list[tuple[float, float]] = []
    for k in range(1, n):
        x, y, w, h, _area = (int(v) for v in stats[k])
        if w < min_width or (max_height is not None and h > max_height):
            continue
        ys, xs = np.nonzero(labels[y : y + h, x : x + w] == k)
        if len(xs) < 20:
            continue
        slope = np.polyfit(xs.astype(np.float64), ys.astype(np.float64), 1)[0]
        angles.append((math.degrees(math.atan(slope)), float(w)))
    if not angles:
        return None
    angles.sort()
    total = sum(weight for _, weight in angles)
    acc = 0.0
    for a, weight in angles:
        acc += weight
        if acc >= total / 2:
            return a
    return None  # pragma: no cover


def rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    """``gray`` turned by ``angle`` degrees (counter-clockwise), on white."""
    cv2 = _cv2()
    h, w = gray.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


def find_rules(gray: np.ndarray, pt_per_px: float) -> tuple[list[HRule], list[VRule]]:
    """The table rules of a page image, as segments in points."""
    cv2 = _cv2()
    px_per_pt = 1 / pt_per_px
    horizontal, vertical = _masks(_binary(gray), px_per_pt)
    thick = max(6 * px_per_pt, 4)  # a bar thicker than 6 pt is a filled shape, not a rule
    hs: list[HRule] = []
    vs: list[VRule] = []
    n, _, stats, _ = cv2.connectedComponentsWithStats(horizontal, connectivity=8)
    for k in range(1, n):
        x, y, w, h, _area = (int(v) for v in stats[k])
        if h <= thick or h <= w * 0.05:
            hs.append(HRule((y + h / 2) * pt_per_px, x * pt_per_px, (x + w) * pt_per_px))
    n, _, stats, _ = cv2.connectedComponentsWithStats(vertical, connectivity=8)
    for k in range(1, n):
        x, y, w, h, _area = (int(v) for v in stats[k])
        if w <= thick or w <= h * 0.05:
            vs.append(VRule((x + w / 2) * pt_per_px, y * pt_per_px, (y + h) * pt_per_px))
    return hs, vs


# ------------------------------------------------------------------ text


def _char_conf(score: float) -> float:
    return 1.0 if score >= CERTAIN else max(float(score), 0.0)


def _split_box(word: str, x0: float, x1: float) -> list[tuple[str, float, float]]:
    """A word's box cut into its characters by their widths (CJK wide, digits and Latin narrow)."""
    chars = [c for c in word if not c.isspace()]
    weights = [2.0 if is_wide(c) else 1.0 for c in chars]
    total = sum(weights) or 1.0
    out: list[tuple[str, float, float]] = []
    x = x0
    for c, wgt in zip(chars, weights, strict=True):
        nx = x + (x1 - x0) * wgt / total
        out.append((c, x, nx))
        x = nx
    return out


def ocr_chars(gray: np.ndarray, pt_per_px: float, threads: int | None = None) -> list[Char]:
    """Every character RapidOCR reads on the image, with its box in points and its score
    (``threads``: the engine's, see :func:`services.ingest.ocr_engine.read`)."""
    result = read(gray, threads=threads)
    chars: list[Char] = []
    for item in result:
        box, text, score = item[0], str(item[1]), float(item[2])
        words: list[str] = list(item[4]) if len(item) > 4 and item[4] else []
        boxes: list[Any] = list(item[3]) if len(item) > 3 and item[3] else []
        confs: list[float] = list(item[5]) if len(item) > 5 and item[5] else []
        if not words or len(boxes) != len(words):
            # no word boxes: the line's box cut by character widths (a blank as wide as a digit)
            xs = [float(p[0]) for p in box]
            ys = [float(p[1]) for p in box]
            words, boxes, confs = [], [], []
            for c, a, b in _split_box(text.replace(" ", "\x00"), min(xs), max(xs)):
                words.append(" " if c == "\x00" else c)
                boxes.append([[a, min(ys)], [b, max(ys)]])
                confs.append(score)
        start = len(chars)
        space_after: int | None = None  # index in ``chars`` of the char before a recognised blank
        for k, (word, wbox) in enumerate(zip(words, boxes, strict=True)):
            if not str(word).strip():
                space_after = len(chars) - 1 if len(chars) > start else None
                continue
            xs = [float(p[0]) for p in wbox]
            ys = [float(p[1]) for p in wbox]
            conf = _char_conf(min(float(confs[k]) if k < len(confs) else score, 1.0))
            y0, y1 = min(ys) * pt_per_px, max(ys) * pt_per_px
            first = len(chars)
            for c, a, b in _split_box(str(word), min(xs), max(xs)):
                if c == "." and not _looks_like_a_point(gray, a, b, min(ys), max(ys)):
                    conf = min(conf, SPECK_POINT)  # a speck of dust read as a decimal point?
                chars.append(Char(c, a * pt_per_px, y0, b * pt_per_px, y1, conf))
            if space_after is not None and first < len(chars):
                _open_gap(chars[space_after], chars[first])
            space_after = None
        _full_width_punctuation(chars[start:])
        chars[start:] = without_specks(chars[start:])
    return chars


def _looks_like_a_point(gray: np.ndarray, x0: float, x1: float, y0: float, y1: float) -> bool:
    """Is there ink on the baseline under the box the recogniser gave a "."? A dot of dust reads
    as a point as well ("221" → "22.1"); at 200 dpi a printed point is as small as dust, so only
    its place tells: between 55 % and 95 % of the line's height, in the middle of the box."""
    import numpy as np

    h = y1 - y0
    if h <= 0 or x1 <= x0:
        return True
    cx, half = (x0 + x1) / 2, max((x1 - x0) * 0.4, 1.5)
    left, right = max(int(cx - half), 0), max(math.ceil(cx + half), 0)
    region = gray[max(int(y0 + h * 0.55), 0) : max(math.ceil(y0 + h * 0.95), 0), left:right]
    if region.size == 0:
        return True
    return int(np.count_nonzero(region < 140)) >= 2


_SPECKS = frozenset("·'`‘’\"")  # never part of an amount or a code: dust beside one


def without_specks(line: list[Char]) -> list[Char]:
    """A recognised run of text without the marks dust leaves at its ends or beside a number
    ("22001·", "'586.91", "年末结转和结余·", "事业运行."): a speck mark at either end of the run, or
    beside a digit with no digit on its other side, and a "." or "," ending a run of Chinese (whose
    full stop is "。") are dropped. Their score, often low, would otherwise make the whole cell
    unsure, and a label with them would not be found."""
    out: list[Char] = []
    last = len(line) - 1
    for i, c in enumerate(line):
        prev = line[i - 1].text if i else ""
        nxt = line[i + 1].text if i < last else ""
        if c.text in _SPECKS and (
            i in (0, last) or prev.isdigit() != nxt.isdigit() or cjk_punct(prev) or cjk_punct(nxt)
        ):
            continue  # "22001·", "住房保障支出·（类）"
        if c.text in ".," and i == last and i and is_wide(prev):
            continue
        lone_point = c.text in ".·," and nxt.isdigit() and not prev.isdigit()
        if lone_point and (not prev or is_wide(prev) or _point_ahead(line, i + 1)):
            continue  # "减少.63.14万元", "、.26人次": printed Chinese writes 0.26, never .26
        if c.text in ".," and prev.isdigit() and not nxt.isdigit() and _point_behind(line, i - 1):
            continue  # "2940.05.万元": the number has had its point
        if c.text == "." and out and out[-1].text == "." and prev == ".":
            continue  # "100..00": the second of two points (the first, read more surely, kept)
        between_chinese = bool(prev and nxt) and is_wide(prev) and is_wide(nxt)
        if c.text == "." and (between_chinese or nxt == "." and c.conf <= line[i + 1].conf):
            continue  # "（类）.自然资源": no point between Chinese characters; "100..00": one point
        if c.text in "。.，," and i == last and c.conf < FAINT_MARK:
            continue  # a faint mark ending a run ("…一般公共服务支出。" before "（类）…"): dust
        out.append(c)
    return _one_point(out)


def _point_behind(line: list[Char], end: int) -> bool:
    """Do a digit, a point and digits end at ``end`` ("40.05")?"""
    i = end
    while i >= 0 and line[i].text.isdigit():
        i -= 1
    return i < end and i >= 1 and line[i].text == "." and line[i - 1].text.isdigit()


def _one_point(line: list[Char]) -> list[Char]:
    """A number read with two points ("29.40.05") keeps the one with ink under it, when only one
    has (see :func:`_looks_like_a_point`); else, when its last point has two decimals after it
    ("3.07.82": amounts are printed to the 0.01), that one, with the repair's lowered confidence;
    otherwise it stays as read."""
    drop: set[int] = set()
    i = 0
    while i < len(line):
        if not line[i].text.isdigit():
            i += 1
            continue
        j = i
        while j < len(line) and (line[j].text.isdigit() or line[j].text == "."):
            j += 1
        points = [k for k in range(i, j) if line[k].text == "."]
        sure = [k for k in points if line[k].conf > SPECK_POINT]
        if len(points) > 1 and len(sure) == 1:
            drop.update(k for k in points if k not in sure)
        elif len(points) > 1 and j - points[-1] == 3:
            drop.update(points[:-1])
            line[points[-1]].conf = min(line[points[-1]].conf, TWO_POINTS)
        i = j
    for k in drop:  # the digit before a dropped point takes its place: no gap opens in the number
        line[k - 1].x1 = line[k].x1
    return [c for k, c in enumerate(line) if k not in drop] if drop else line


def _point_ahead(line: list[Char], start: int) -> bool:
    """Do digits, a point and a digit follow from ``start`` ("63.14")?"""
    i = start
    while i < len(line) and line[i].text.isdigit():
        i += 1
    return i > start and i + 1 < len(line) and line[i].text == "." and line[i + 1].text.isdigit()


_FULL_WIDTH = {",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "!": "！", "?": "？"}


def _full_width_punctuation(line: list[Char]) -> None:
    """The recogniser often reads Chinese punctuation as its ASCII look-alike ("15.16%;" for
    "15.16%；"): in Chinese text (a CJK character in the line, the mark not between two digits,
    a comma next to a CJK character) it is made full-width again."""
    if not any(is_wide(c.text) for c in line):
        return
    for i, c in enumerate(line):
        full = _FULL_WIDTH.get(c.text)
        if full is None:
            continue
        prev = line[i - 1].text if i else ""
        nxt = line[i + 1].text if i + 1 < len(line) else ""
        if prev.isdigit() and nxt.isdigit():
            continue  # 1,234.56 · 8:37
        if c.text == "," and not (is_wide(prev or "a") or is_wide(nxt or "a")):
            continue
        c.text = full


def _open_gap(left: Char, right: Char) -> None:
    """A blank the recogniser read between two characters ("586 91": a lost decimal point) stays
    a word break for the line builder: the gap between their boxes is widened to a third of the
    line height, narrowing each box by at most half its width."""
    need = 0.34 * max(left.h, right.h) - (right.x0 - left.x1)
    if need <= 0:
        return
    take_l = min(need / 2, (left.x1 - left.x0) / 2)
    take_r = min(need / 2, (right.x1 - right.x0) / 2)
    left.x1 -= take_l
    right.x0 += take_r


# ------------------------------------------------------------------ numbers


def repair_numbers(page: Page) -> None:
    """OCR number repairs at token level: a grid cell or a token (or two, "586" "91") that reads
    as one amount only after a repair takes the repaired amount as its text and the repair's
    confidence. A line's ``text`` stays as read (quotes show what the scan says); its repaired
    tokens span the characters they were read from."""
    from services.parse.numbers import REPAIRED_LETTER, repair_number

    for grid in page.grids:
        for cell in grid.cells:
            fixed = repair_number(cell.text)
            if fixed is not None:
                cell.text = fixed[0]
                cell.confidence = min(cell.confidence, fixed[1])
        # a point in a column of whole numbers (科目编码, 行次) is dust: "221" read as "22.1"
        for col in range(grid.n_cols):
            cells = [c for c in grid.cells if c.col == col and c.col_span == 1]
            ints = sum(1 for c in cells if _INT_RE.match(c.text))
            decs = [c for c in cells if _DEC_RE.match(c.text.replace(" ", ""))]  # "2080502 ."
            if decs and ints >= 3 and ints >= 2 * len(decs):
                for c in decs:
                    c.text = c.text.replace(".", "").replace(" ", "")
                    c.confidence = min(c.confidence, REPAIRED_LETTER)
    for line in page.lines:
        tokens: list[Token] = []
        i = 0
        toks = line.tokens
        while i < len(toks):
            t = toks[i]
            if i + 1 < len(toks):
                u = toks[i + 1]
                pair = repair_number(f"{t.text} {u.text}")
                if pair is not None and _is_numeric(t.text) and _is_numeric(u.text):
                    tokens.append(
                        Token(
                            text=pair[0],
                            span=(t.span[0], u.span[1]),
                            bbox=t.bbox.union(u.bbox) if t.bbox else u.bbox,
                            confidence=min(t.confidence, u.confidence, pair[1]),
                        )
                    )
                    i += 2
                    continue
            one = repair_number(t.text)
            if one is not None:
                t = t.model_copy(update={"text": one[0], "confidence": min(t.confidence, one[1])})
            tokens.append(t)
            i += 1
        line.tokens = tokens
        line.confidence = min((t.confidence for t in tokens), default=line.confidence)


_NUMERIC_RE = re.compile(r"^[\dIlOo|.,。]+$")
_INT_RE = re.compile(r"^\d+$")
_DEC_RE = re.compile(r"^(?=.*\d)\d*\.\d*$")  # one point somewhere among digits: "22.1", "05."


def _is_numeric(text: str) -> bool:
    return bool(_NUMERIC_RE.match(text)) and any(c.isdigit() for c in text)


# ------------------------------------------------------------------ pages


def ocr_image(
    img: Any,
    *,
    page_number: int,
    width_pt: float,
    height_pt: float,
    options: OcrOptions | None = None,
    label: str | None = None,
    max_cells: int | None = None,
) -> Page:
    """One page image (PIL image or array) read into a :class:`Page` of ``width_pt`` ×
    ``height_pt`` points: lines and tokens with boxes and confidences, grids from its rules.
    ``has_text_layer`` is False when nothing was recognised (a blank page)."""
    from .pdf import build_page

    options = options or OcrOptions()
    gray = to_gray(img)
    pt_per_px = width_pt / gray.shape[1]
    if options.denoise:
        gray = _cv2().medianBlur(gray, 3)
    if options.deskew:
        angle = skew_angle(gray, 1 / pt_per_px)
        if abs(angle) > MIN_SKEW:
            gray = rotate(gray, angle)
    threads = engine_threads(pages_at_once(options))
    chars = ocr_chars(gray, pt_per_px, threads)
    if not chars:
        return Page(number=page_number, label=label, width=width_pt, height=height_pt, has_text_layer=False)
    hs, vs = find_rules(gray, pt_per_px)
    page, _ = build_page(
        page_number, width_pt, height_pt, chars, hs, vs, label=label, max_cells=max_cells, ocr=True
    )
    second_look(page, gray, pt_per_px, threads)
    repair_numbers(page)
    return page


def second_look(page: Page, gray: np.ndarray, pt_per_px: float, threads: int) -> None:
    """A table cell with figures read unsurely (a character scored under :data:`CERTAIN`: dust in
    it, "2122.(09", "-461.08"), or with ink on it but nothing read (the detector missed a figure),
    is read a second time on its own — the inside of the cell, its dust
    (blots of ink no larger than a speck, away from where a decimal point sits) and rule remnants
    whitened, trimmed to its ink. When the second reading is one figure, scored surely, and is
    the first with only marks other than digits and points left out, it replaces the first and
    is sure; otherwise the first stays, unsure (a reading the same as the first proves nothing).
    A cell the first reading missed takes a sure second reading; without one it stays empty but
    unknown (:data:`UNREAD`), so no rule takes it for a zero."""
    import cv2

    from services.parse.numbers import DEC_RE, INT_RE

    from .ocr_engine import borrowed

    todo: list[tuple[Any, np.ndarray]] = []
    for grid in page.grids:
        for cell in grid.cells:
            unsure = cell.confidence < 1.0 and any(ch.isdigit() for ch in cell.text)
            if cell.bbox is None or not (unsure or not cell.text.strip()):
                continue
            crop = _cell_ink(gray, cell.bbox, pt_per_px)
            if crop is not None:
                todo.append((cell, crop))
    if not todo:
        return
    with borrowed(threads=threads) as eng:
        again, _ = eng.text_rec([cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR) for _, crop in todo], False)
    for (cell, _), (text, score) in zip(todo, again, strict=True):
        read, first = str(text).replace(" ", ""), cell.text.replace(" ", "")
        sure = float(score) >= CERTAIN
        if not first:  # ink the first reading missed: what it says, or a cell known unread
            if sure and read:
                cell.text, cell.confidence = read, 1.0
            else:
                cell.confidence = min(cell.confidence, UNREAD)
        elif sure and (DEC_RE.match(read) or INT_RE.match(read)) and _marks_left_out(first, read):
            cell.text, cell.confidence = read, 1.0


def _marks_left_out(first: str, second: str) -> bool:
    """Is ``second`` ``first`` with one or more characters other than digits and points left out?"""
    if len(second) >= len(first):
        return False
    i = 0
    for ch in first:
        if i < len(second) and ch == second[i]:
            i += 1
        elif ch.isdigit() or ch in ".．":
            return False
    return i == len(second)


def _cell_ink(gray: np.ndarray, box: Any, pt_per_px: float) -> np.ndarray | None:
    """The inside of a cell (``box`` in points) as a line image for the recogniser: dust and rule
    remnants whitened, trimmed to the ink with a margin; None for a cell without ink."""
    import cv2
    import numpy as np

    from .ocr_engine import INK, SPECK

    inset = 1.5 / pt_per_px  # 1.5 pt inside the rules
    y0, y1 = int(box.y0 / pt_per_px + inset), int(box.y1 / pt_per_px - inset)
    x0, x1 = int(box.x0 / pt_per_px + inset), int(box.x1 / pt_per_px - inset)
    if y1 - y0 < 4 or x1 - x0 < 4:
        return None
    cell = gray[max(y0, 0) : y1, max(x0, 0) : x1].copy()
    ink = (cell < INK).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    h, w = cell.shape
    keep = np.zeros(n, dtype=bool)
    small = np.zeros(n, dtype=bool)
    for k in range(1, n):
        cw, ch = int(stats[k, cv2.CC_STAT_WIDTH]), int(stats[k, cv2.CC_STAT_HEIGHT])
        small[k] = cw <= SPECK and ch <= SPECK
        keep[k] = not small[k] and cw < 0.9 * w and ch < 0.9 * h  # no dust, no rule remnant
    if not keep[1:].any():
        return None
    # a small blot low in the line, between two characters, may be a decimal point: it stays
    top = int(stats[keep, cv2.CC_STAT_TOP].min())
    bottom = int((stats[keep, cv2.CC_STAT_TOP] + stats[keep, cv2.CC_STAT_HEIGHT]).max())
    lefts = stats[keep, cv2.CC_STAT_LEFT]
    rights = lefts + stats[keep, cv2.CC_STAT_WIDTH]
    for k in (int(j) for j in np.nonzero(small)[0]):
        cy = stats[k, cv2.CC_STAT_TOP] + stats[k, cv2.CC_STAT_HEIGHT] / 2
        cx = stats[k, cv2.CC_STAT_LEFT] + stats[k, cv2.CC_STAT_WIDTH] / 2
        if top + 0.6 * (bottom - top) <= cy <= bottom + 1 and (rights < cx).any() and (lefts > cx).any():
            keep[k] = True
    cell[~keep[labels] & (ink > 0)] = 255
    ys, xs = np.nonzero(keep[labels])
    pad = 6
    top, bottom = max(int(ys.min()) - pad, 0), min(int(ys.max()) + pad + 1, h)
    left, right = max(int(xs.min()) - pad, 0), min(int(xs.max()) + pad + 1, w)
    return cell[top:bottom, left:right]


def render_page(page: pdfium.PdfPage, width_pt: float, height_pt: float, options: OcrOptions) -> np.ndarray:
    """A PDF page as displayed, grayscale, at ``options.dpi`` (lower for a page so large that it
    would pass ``options.max_render_pixels``)."""
    scale = options.dpi / 72
    pixels = width_pt * height_pt * scale * scale
    if pixels > options.max_render_pixels:
        scale *= math.sqrt(options.max_render_pixels / pixels)
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        return to_gray(bitmap.to_numpy().copy())
    finally:
        bitmap.close()


# ------------------------------------------------------------------ uploaded images


def _natural_key(name: str) -> list[Any]:
    return [int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", name)]


def _bomb(w: int, h: int) -> BadInputError:
    size = f"（{w}×{h}）" if w and h else ""
    return BadInputError(
        f"image of {w}x{h} pixels",
        f"图片像素过多{size}，疑似解压炸弹，已拒绝：扫描件请以 200–300 dpi 保存，"
        f"单页不超过 {MAX_IMAGE_PIXELS // 1_000_000:,} 百万像素。",
    )


def too_many_scan_pages(pages: int, limit: int) -> BadInputError:
    """A scan with more pages to OCR than ``limit``: refused before any page is read."""
    return BadInputError(
        f"scan has {pages} pages to ocr > {limit}",
        f"扫描件页数过多：{pages} 页需要文字识别，上限 {limit} 页（每页识别需数秒）："
        "部门决算文件通常为 15–60 页，请确认文件无误，或拆分后上传。",
    )


def _undecodable(detail: str) -> BadInputError:
    return BadInputError(
        f"bad image: {detail}", "图片已损坏或格式不受支持，无法读取：请重新扫描或另存为 PNG/JPEG 后上传。"
    )


def open_image(data: bytes, max_pixels: int = MAX_IMAGE_PIXELS) -> Image.Image:
    """``data`` opened as an image: only its header is read here, and an image over
    ``max_pixels`` is refused before any pixel is decoded."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = max_pixels  # PIL's own bomb check, explicit (it warns at this, errors at 2×)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        w, h = _header_size(data)
        raise _bomb(w, h) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise _undecodable(str(exc)) from exc
    w, h = im.size
    if w * h > max_pixels:
        raise _bomb(w, h)
    return im


def _header_size(data: bytes) -> tuple[int, int]:
    """The size the image's header declares, read by the format's own reader without PIL's bomb
    check (nothing is decoded); (0, 0) when no reader takes it."""
    from PIL import BmpImagePlugin, GifImagePlugin, JpegImagePlugin, PngImagePlugin, TiffImagePlugin

    readers: tuple[Any, ...] = (
        PngImagePlugin.PngImageFile,
        JpegImagePlugin.JpegImageFile,
        TiffImagePlugin.TiffImageFile,
        GifImagePlugin.GifImageFile,
        BmpImagePlugin.BmpImageFile,
    )
    for reader in readers:
        try:
            with reader(io.BytesIO(data)) as im:
                return int(im.size[0]), int(im.size[1])
        except (SyntaxError, OSError, ValueError, IndexError, TypeError, EOFError):
            continue
    return 0, 0


def _frames(im: Image.Image, max_pixels: int, dpi: int) -> Iterator[tuple[Image.Image, float, float]]:
    """Each frame of a (multi-page TIFF) image with its size in points, checked for size before
    it is decoded, and brought down to ``dpi`` (a JPEG decoded at that size directly)."""
    from PIL import Image, ImageOps

    n = getattr(im, "n_frames", 1)
    for k in range(n):
        if k:
            im.seek(k)
        w, h = im.size
        if w * h > max_pixels:
            raise _bomb(w, h)
        width_pt, height_pt, px_per_pt = _page_size_pt(im)
        f = dpi / 72 / px_per_pt
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                if f < 0.8 and im.format == "JPEG":
                    im.draft("L", (max(int(w * f), 1), max(int(h * f), 1)))  # DCT scaling: less memory
                frame = im.copy()
                if f < 0.8:  # a 600 dpi scan is read at the chosen dpi
                    frame = frame.resize((max(int(w * f), 1), max(int(h * f), 1)))
                frame = ImageOps.exif_transpose(frame) or frame
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _bomb(w, h) from exc
        except (OSError, ValueError, SyntaxError) as exc:
            raise _undecodable(str(exc)) from exc
        if frame.size != (w, h) and (frame.width > frame.height) != (w > h):
            width_pt, height_pt = height_pt, width_pt  # EXIF turned it a quarter
        yield frame, width_pt, height_pt


def image_page_count(
    data: bytes, kind: str, max_pixels: int = MAX_IMAGE_PIXELS, zip_bounds: ZipBounds | None = None
) -> int:
    """Pages an image upload has (a TIFF's frames, a zip's images and their frames), from headers
    only: an image bomb among them raises as :func:`image_pages` would."""
    blobs = _zip_images(data, zip_bounds or ZipBounds()) if kind == "zip" else [("", data)]
    return sum(_frame_count(_open_page(path, b, max_pixels), max_pixels) for path, b in blobs)


def _open_page(path: str, data: bytes, max_pixels: int) -> Image.Image:
    """:func:`open_image` of a page image; its problem names the zip member ``path`` (if any)."""
    try:
        return open_image(data, max_pixels)
    except BadInputError as exc:
        if not path:
            raise
        raise BadInputError(f"{path}: {exc}", f"“{path}”：{exc.user_message}") from exc


def _frame_count(im: Image.Image, max_pixels: int) -> int:
    """The frames of an image (a TIFF's pages), each one's size checked from its header: a bomb
    behind a small first page is refused before any page is read."""
    n = int(getattr(im, "n_frames", 1))
    for k in range(1, n):
        im.seek(k)
        w, h = im.size
        if w * h > max_pixels:
            raise _bomb(w, h)
    if n > 1:
        im.seek(0)
    return n


def _zip_images(data: bytes, bounds: ZipBounds) -> list[tuple[str, bytes]]:
    """The page images of a zip of one document, in natural name order (页2 before 页10)."""
    out = [(e.path, e.data or b"") for e in image_zip_members(data, bounds)]
    out.sort(key=lambda e: _natural_key(e[0]))
    return out


def _page_size_pt(im: Image.Image) -> tuple[float, float, float]:
    """(width, height in points, pixels per point): from the image's dpi when it has a believable
    one, else as an A4-wide page."""
    w, h = im.size
    dpi = im.info.get("dpi")
    try:
        x_dpi = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        x_dpi = 0.0
    if 72 <= x_dpi <= 1200 and w / x_dpi * 72 <= 2 * 1190:  # at most twice A3 wide
        px_per_pt = x_dpi / 72
    else:
        px_per_pt = w / A4_WIDTH_PT
    return w / px_per_pt, h / px_per_pt, px_per_pt


def image_pages(
    data: bytes,
    kind: str,
    *,
    max_pages: int,
    options: OcrOptions | None = None,
    progress: OcrProgress | None = None,
    max_pixels: int = MAX_IMAGE_PIXELS,
    max_cells: int | None = None,
    zip_bounds: ZipBounds | None = None,
) -> list[Page]:
    """The pages of an uploaded image, multi-page TIFF or zip of page images (unpacked under
    ``zip_bounds``), in order, OCR'd :func:`pages_at_once` at a time (``progress`` is called as
    each page is done)."""
    options = options or OcrOptions()
    blobs = _zip_images(data, zip_bounds or ZipBounds()) if kind == "zip" else [("", data)]
    images = [_open_page(path, b, max_pixels) for path, b in blobs]
    total = sum(_frame_count(im, max_pixels) for im in images)
    if total > max_pages:
        raise too_many_scan_pages(total, max_pages)

    def frames() -> Iterator[tuple[int, Image.Image, float, float]]:  # decoded in the calling thread
        number = 0
        for im in images:
            for frame, width_pt, height_pt in _frames(im, max_pixels, options.dpi):
                number += 1
                yield number, frame, width_pt, height_pt

    def work(job: tuple[int, Image.Image, float, float]) -> Page:
        number, frame, width_pt, height_pt = job
        return ocr_image(
            frame,
            page_number=number,
            width_pt=width_pt,
            height_pt=height_pt,
            options=options,
            max_cells=max_cells,
        )

    finished = 0

    def done(_index: int, _page: Page) -> None:
        nonlocal finished
        finished += 1
        if progress is not None:
            progress(finished, total)

    return in_parallel(frames(), work, pages_at_once(options), done)


def renumber(pages: list[Page]) -> None:
    """Reading order (``Line.line``/``Grid.seq``) numbered again across the document, after
    OCR'd pages were put between pages read from their text layer."""
    seq = 0
    for p in pages:
        items: list[Line | Grid] = [*p.lines, *p.grids]
        items.sort(key=lambda b: b.line if isinstance(b, Line) else b.seq)
        for b in items:
            seq += 1
            if isinstance(b, Line):
                b.line = seq
            else:
                b.seq = seq


def blank_pages(pages: list[Page]) -> list[int]:
    return [p.number for p in pages if not p.lines and not any(c.text for g in p.grids for c in g.cells)]
