"""The OCR engine: RapidOCR's PP-OCRv4 detection and recognition models, run the way page scans
of disclosures need them, and made once per process (one engine per thread reading pages).

:func:`read` is RapidOCR's own pipeline (detect text lines, cut them out, recognise each, place
each character) with three changes, chosen with ``./dev bench-ocr --engine`` (README, "OCR"):

- detection runs on the page brought down to :attr:`Tuning.det_scale` of its size (RapidOCR
  detects at the size it is given, and ignores its own "max" limit for large images); the line
  boxes are scaled back and the lines are cut out of the full-resolution page for recognition;
- recognition pads each batch only to :attr:`Tuning.rec_width` pixels (RapidOCR pads every batch
  to at least 320: most lines of a table are one amount, 60–100 px wide) and batches
  :attr:`Tuning.rec_batch` lines;
- no text-direction classifier: pages are deskewed and upright before they come here.

A page with no line found at the reduced size is detected again at full size before it is taken
as blank. The engine's threads: one per CPU of the process's affinity divided by the pages read
at once (JUESUAN_OCR_THREADS, :func:`ocr_threads`), so that a worker pinned to one core runs
one thread there. onnxruntime, OpenCV and RapidOCR are imported on first use.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from shared.errors import BadInputError

if TYPE_CHECKING:
    import numpy as np

TEXT_SCORE = 0.5  # a line recognised with a lower score is dropped (RapidOCR's default)
DET_MIN_SIDE = 736  # RapidOCR's detector enlarges an image whose short side is under this
MAX_WIDE = 8.0  # a strip wider than this × its height is padded before detection (as RapidOCR does)
INK = 160  # a pixel darker than this is ink (for where the text is)
SPECK = 5  # pixels: a blot of ink no wider and no taller than this is dust, not text
REGION_MARGIN = 32  # pixels of page kept around the text for the detector

# An item of :func:`read`: [line box (4 points, pixels), text, score, character boxes (4 points
# each), characters (a Latin word or number is one), their scores] — what RapidOCR's
# ``__call__(img, return_word_box=True)`` returns per line.
Item = list[Any]
J = TypeVar("J")
R = TypeVar("R")


@dataclass(frozen=True)
class Tuning:
    """How the models are run (see the module's doc). ``det_scale`` 1, ``rec_width`` 320,
    ``rec_batch`` 6, ``crop`` False are RapidOCR's own."""

    det_scale: float = 0.75
    rec_width: int = 96
    rec_batch: int = 1
    crop: bool = True  # detect on the part of the page with ink on it only


DEFAULT = Tuning()


def unavailable() -> BadInputError:
    return BadInputError(
        "ocr engine unavailable",
        "文字识别组件不可用，无法读取扫描件：请联系管理员检查 rapidocr-onnxruntime 的安装，"
        "或上传由 Word/WPS 直接导出的 PDF。",
    )


def cpus() -> int:
    """The CPUs this process may use: those it may run on, at most its cgroup's CPU quota (a
    container limited to 2 CPUs on a 16-core node sees 16 in its affinity)."""
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    quota = _cgroup_quota()
    return max(min(n, quota), 1) if quota else n


def _cgroup_quota() -> int | None:
    """CPUs of the cgroup's quota, rounded up (cgroup v2 ``cpu.max``, or v1 ``cpu.cfs_quota_us``);
    None without one."""
    import math

    try:
        with open("/sys/fs/cgroup/cpu.max") as f:
            quota, period = f.read().split()[:2]
    except (OSError, ValueError):
        try:
            with (
                open("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") as f,
                open("/sys/fs/cgroup/cpu/cpu.cfs_period_us") as g,
            ):
                quota, period = f.read().strip(), g.read().strip()
        except OSError:
            return None
    try:
        q, p = int(quota), int(period)
    except ValueError:  # "max": no quota
        return None
    return math.ceil(q / p) if q > 0 and p > 0 else None


def ocr_threads() -> int:
    """Pages of one document read at once: JUESUAN_OCR_THREADS, or (0, unset) the process's CPUs
    shared among the OCR tasks a worker runs at once (JUESUAN_OCR_CONCURRENCY)."""
    from shared.settings import get_settings

    s = get_settings()
    return s.ocr_threads if s.ocr_threads > 0 else max(cpus() // max(s.ocr_concurrency, 1), 1)


def engine_threads(pages_at_once: int) -> int:
    """onnxruntime threads per engine when ``pages_at_once`` pages are read in parallel: the CPUs
    shared out (one each when every CPU reads a page of its own)."""
    return max(cpus() // max(pages_at_once, 1), 1)


# ------------------------------------------------------------------ engines

_lock = threading.Lock()
_idle: dict[tuple[int, int, int], list[Any]] = {}


def _make(tuning: Tuning, threads: int) -> Any:
    try:
        from rapidocr_onnxruntime import RapidOCR  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - the dependency is locked
        raise unavailable() from exc
    return RapidOCR(
        print_verbose=False,
        use_cls=False,
        max_side_len=100_000,  # only used by RapidOCR's __call__, which read() does not go through
        intra_op_num_threads=threads,
        inter_op_num_threads=1,
        rec_img_shape=[3, 48, tuning.rec_width],
        rec_batch_num=tuning.rec_batch,
    )


@contextmanager
def borrowed(tuning: Tuning = DEFAULT, threads: int | None = None) -> Iterator[Any]:
    """An engine for this thread's use until the block ends: an idle one of the process, or a new
    one (kept for the next page). ``threads``: onnxruntime threads (default: see
    :func:`engine_threads` for :func:`ocr_threads` pages at once)."""
    if threads is None:
        threads = engine_threads(ocr_threads())
    key = (tuning.rec_width, tuning.rec_batch, threads)
    with _lock:
        idle = _idle.setdefault(key, [])
        eng = idle.pop() if idle else None
    if eng is None:
        eng = _make(tuning, threads)  # outside the lock: two threads starting together make two
    try:
        yield eng
    finally:
        with _lock:
            _idle[key].append(eng)


def warm(tuning: Tuning = DEFAULT, threads: int | None = None) -> None:
    """Make an engine now (its models load in about half a second), so the first page does not wait."""
    with borrowed(tuning, threads):
        pass


# ------------------------------------------------------------------ reading


def read(gray: np.ndarray, tuning: Tuning = DEFAULT, threads: int | None = None) -> list[Item]:
    """Every text line on a grayscale page image, top to bottom, as :data:`Item` s in the image's
    pixels; [] for an image without text."""
    import cv2
    import numpy as np

    img = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR) if gray.ndim == 2 else gray
    h, w = img.shape[:2]
    pad = 0
    if w > MAX_WIDE * h:  # a strip: padded to a shape the detector copes with
        pad = int(w / MAX_WIDE - h) // 2 + 1
        img = cv2.copyMakeBorder(img, pad, pad, 0, 0, cv2.BORDER_CONSTANT, value=(255, 255, 255))
        h += 2 * pad
    y0, y1, x0, x1 = _text_region(img) if tuning.crop else (0, h, 0, w)
    region = img[y0:y1, x0:x1]
    # reduced, but never below the size the detector would enlarge it to again
    scale = min(1.0, max(tuning.det_scale, DET_MIN_SIDE / max(min(region.shape[:2]), 1)))
    with borrowed(tuning, threads) as eng:
        boxes = _detect(eng, region, scale)
        if len(boxes):
            boxes[..., 0] += x0
            boxes[..., 1] += y0
        elif scale < 1 or region.shape != img.shape:
            boxes = _detect(eng, img, 1.0)  # nothing there: the whole page, at full size
        if not len(boxes):
            return []
        boxes = eng.sorted_boxes(boxes)
        crops = eng.get_crop_img_list(img, boxes)
        rec, _ = eng.text_rec(crops, True)
        placed = eng.cal_rec_boxes(crops, boxes, rec)
    _give_back_memory()
    items: list[Item] = []
    for box, (text, score, word_boxes, words, confs) in zip(boxes, placed, strict=True):
        if float(score) < TEXT_SCORE:
            continue
        if pad:
            box = box - np.array([0, pad], dtype=box.dtype)
            word_boxes = [[[x, y - pad] for x, y in wb] for wb in word_boxes]
        items.append([box.tolist(), text, score, word_boxes, words, confs])
    return items


def _give_back_memory() -> None:
    """Return the heap freed by a page's models to the system (glibc keeps it in the arena of the
    thread that freed it: with pages read in threads, a worker would otherwise hold several
    pages' worth and pass its memory cap on a later scan)."""
    global _malloc_trim
    if _malloc_trim is None:
        import ctypes
        import ctypes.util

        try:
            _malloc_trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        except (OSError, AttributeError):  # not glibc
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim: Any = None


def _text_region(img: np.ndarray) -> tuple[int, int, int, int]:
    """(y0, y1, x0, x1): the part of the page with marks on it (connected pieces of ink larger
    than a speck of dust), with a white margin, and at least as large as the detector's working
    size (a smaller region would be enlarged to it); the whole image when it has no marks."""
    import cv2
    import numpy as np

    h, w = img.shape[:2]
    ink = (img[:, :, 0] < INK).astype(np.uint8)
    _n, _labels, stats, _centres = cv2.connectedComponentsWithStats(ink, connectivity=8)
    stats = stats[1:]  # [0] is the paper
    marks = stats[(stats[:, cv2.CC_STAT_WIDTH] > SPECK) | (stats[:, cv2.CC_STAT_HEIGHT] > SPECK)]
    if not len(marks):
        return 0, h, 0, w
    left, top = marks[:, cv2.CC_STAT_LEFT], marks[:, cv2.CC_STAT_TOP]
    right, bottom = left + marks[:, cv2.CC_STAT_WIDTH] - 1, top + marks[:, cv2.CC_STAT_HEIGHT] - 1

    def span(lo: int, hi: int, size: int) -> tuple[int, int]:
        lo, hi = max(lo - REGION_MARGIN, 0), min(hi + 1 + REGION_MARGIN, size)
        short = min(DET_MIN_SIDE, size) - (hi - lo)
        if short > 0:  # widened evenly, within the image
            lo = max(lo - (short + 1) // 2, 0)
            hi = min(lo + min(DET_MIN_SIDE, size), size)
            lo = hi - min(DET_MIN_SIDE, size)
        return lo, hi

    y0, y1 = span(int(top.min()), int(bottom.max()), h)
    x0, x1 = span(int(left.min()), int(right.max()), w)
    return y0, y1, x0, x1


def _detect(eng: Any, img: np.ndarray, scale: float) -> np.ndarray:
    """The line boxes (n × 4 × 2, float32, full-size pixels) found on ``img`` reduced by ``scale``."""
    import cv2
    import numpy as np

    h, w = img.shape[:2]
    small = img if scale >= 1 else cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    boxes, _ = eng.text_det(small)
    if boxes is None or not len(boxes):
        return np.zeros((0, 4, 2), dtype=np.float32)
    boxes = np.asarray(boxes, dtype=np.float32)
    if scale < 1:
        boxes[..., 0] = np.clip(boxes[..., 0] * (w / small.shape[1]), 0, w - 1)
        boxes[..., 1] = np.clip(boxes[..., 1] * (h / small.shape[0]), 0, h - 1)
    return boxes


# ------------------------------------------------------------------ pages in parallel


def in_parallel(
    jobs: Iterable[J],
    work: Callable[[J], R],
    threads: int,
    done: Callable[[int, R], None] | None = None,
) -> list[R]:
    """``work`` done on every job, ``threads`` jobs at a time, the results in the jobs' order.

    The jobs are drawn from ``jobs`` in the calling thread (a page may be rendered there with
    pdfium, which is not thread-safe), at most ``threads`` + 1 ahead of their results (pages in
    memory); ``done(index, result)`` is called in the calling thread as each job finishes, in the
    order they finish. onnxruntime and OpenCV release the GIL, so threads run pages side by side
    (a Celery prefork child is daemonic: it may not start processes). The first exception of a job
    (or of ``done``) is raised here once the jobs already running have ended; the others are dropped.
    """
    if threads <= 1:
        out: list[R] = []
        for i, job in enumerate(jobs):
            out.append(work(job))
            if done is not None:
                done(i, out[-1])
        return out
    results: dict[int, R] = {}
    index_of: dict[Future[R], int] = {}
    pending: set[Future[R]] = set()
    source = enumerate(jobs)
    more = True
    pool = ThreadPoolExecutor(threads, thread_name_prefix="ocr-page")
    try:
        while True:
            while more and len(pending) <= threads:
                try:
                    i, job = next(source)
                except StopIteration:
                    more = False
                    break
                future = pool.submit(work, job)
                index_of[future] = i
                pending.add(future)
            if not pending:
                break
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=index_of.__getitem__):
                result = future.result()
                results[index_of[future]] = result
                if done is not None:
                    done(index_of[future], result)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return [results[i] for i in range(len(results))]
