"""Command-line interface (console script ``juesuan``).

``juesuan check PATH... [--out DIR] [--format LIST] [--fail-on LEVEL]`` checks files (folders are
walked recursively; a zip is unpacked as the service unpacks an upload — each file in it checked
as ``<zip stem>-<file stem>``, a zip of one scan's page images read as that one scan) with the
embedded pipeline and writes, for each input, ``<stem><suffix>`` in every format asked (json,
html, xlsx, csv, pdf, annotated; default json,html; see services/report/formats.py), plus
``index.html`` linking every file written, ``index.xlsx`` (the batch workbook) when xlsx is asked
and ``index.csv`` when csv is asked. ``juesuan rules [--code CODE]`` lists the rule catalogue.
``juesuan --version`` prints the version.

Exit codes of ``juesuan check``:

    0  every file was checked and nothing reached the --fail-on threshold
    1  findings at or above the threshold (--fail-on error: any 错误; warning: any 错误 or 警告)
    3  some file could not be checked (its report has ``error``) or one of its reports could not
       be rendered; takes precedence over 1
    2  usage error, or the command could not run: a path does not exist, nothing to check, the
       output folder cannot be written, an unknown format, the PDF engine is unavailable

With ``--fail-on never`` the code is 0 unless it would be 2. ``juesuan rules`` exits 0, or 2 for
an unknown ``--code``. A closed output pipe (``juesuan rules | head``) ends the output quietly.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from services import pipeline
from services.report import formats
from services.report.formats import FORMAT_ZH, SUFFIX, FormatError, NotApplicable, ReportFormat
from services.report.html import SEVERITY_ORDER, render_index_html
from services.validate.catalogue import Rule
from shared.models import CATEGORY_ZH, SEVERITY_ZH, DocumentMeta, DocumentReport, Severity

if TYPE_CHECKING:
    from services.report.pdf_report import PdfRenderer

log = logging.getLogger(__name__)

DEFAULT_OUT = "juesuan-reports"
INDEX_STEM = "index"
SKIPPED_NAMES = frozenset({"manifest.json"})

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_UNUSABLE = 2  # usage error / the command could not run
EXIT_INCOMPLETE = 3  # some file could not be checked or rendered

FAIL_ON_LEVELS: dict[str, frozenset[Severity]] = {
    "error": frozenset({Severity.ERROR}),
    "warning": frozenset({Severity.ERROR, Severity.WARNING}),
    "never": frozenset(),
}

BATCH_XLSX_LABEL = "批次汇总 Excel"
BATCH_CSV_LABEL = "批次汇总 CSV"

CHECK_EPILOG = """\
报告格式（--format，逗号分隔，默认 json,html）：
  json       报告数据（JSON）
  html       网页报告
  xlsx       Excel 底稿（每条问题一行）；另写批次汇总 index.xlsx
  csv        CSV 表格（UTF-8 带 BOM）；另写批次汇总 index.csv
  pdf        PDF 报告（可打印）
  annotated  标注原文 PDF（仅适用于 PDF 原件）

退出码：
  0  全部文件已检查，没有达到 --fail-on 级别的问题
  1  发现达到 --fail-on 级别的问题（error：有“错误”；warning：有“错误”或“警告”）
  3  有文件无法检查或其报告无法生成（优先于 1）
  2  用法错误或无法运行：路径不存在、没有可检查的文件、输出目录不可写、未知格式、PDF 引擎不可用
  使用 --fail-on never 时，除 2 以外一律返回 0。

示例：
  juesuan check 决算文件夹 --format xlsx,pdf --fail-on error
"""


def _version() -> str:
    from shared.version import package_version

    return package_version()


# --------------------------------------------------------------------------- output


def _silence_stdout() -> None:
    """The reader of our stdout went away (``juesuan rules | head``): point stdout at
    os.devnull so that the interpreter's final flush does not fail again (the recipe of the
    Python docs, "Note on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (a test's capture)
        pass


def emit(text: str = "") -> None:
    """Print to stdout; a closed pipe is not an error."""
    try:
        print(text)
    except BrokenPipeError:
        _silence_stdout()


# --------------------------------------------------------------------------- progress bar


def display_width(text: str) -> int:
    """Terminal columns taken by ``text`` (CJK wide characters count as two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def truncate_to_width(text: str, width: int) -> str:
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def format_duration(seconds: float) -> str:
    """``m:ss``, or ``h:mm:ss`` from an hour on."""
    s = max(int(seconds), 0)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def _stream_columns(stream: TextIO) -> int:
    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 80


class Progress:
    """A progress bar that counts CJK characters as two columns: ``[###-------] 3/10 已用 0:12
    剩余 0:28 文件名``. On a TTY it is redrawn in place with ``\\r`` (at most every
    ``min_interval`` seconds, and a ticker started by :meth:`live` keeps the times moving while a
    long file is read); otherwise one line per finished file. The remaining time is the average
    time per finished file times the files left."""

    def __init__(
        self,
        total: int,
        stream: TextIO,
        width: int = 10,
        *,
        clock: Callable[[], float] = time.monotonic,
        min_interval: float = 0.1,
        columns: int | None = None,
    ) -> None:
        self.total = total
        self.stream = stream
        self.width = width
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.clock = clock
        self.min_interval = min_interval
        self.columns = columns
        self._start = clock()
        self._done = 0
        self._name = ""
        self._done_at = self._start  # clock when the last file finished
        self._last = 0  # display width of the last line drawn on the TTY
        self._last_text = ""
        self._last_draw = -math.inf
        self._hidden = False  # cleared for a log message: do not redraw until the next update
        self._lock = threading.Lock()
        self._stop = threading.Event()

    # ---- text

    def remaining(self) -> float | None:
        """Seconds left (estimate), or None before the first file is done."""
        if self._done <= 0:
            return None
        per_file = (self._done_at - self._start) / self._done
        return per_file * max(self.total - self._done, 0)

    def line(self, done: int | None = None, name: str | None = None, max_width: int | None = None) -> str:
        done = self._done if done is None else done
        name = self._name if name is None else name
        filled = self.width * done // self.total if self.total else self.width
        eta = self.remaining()
        times = f"已用 {format_duration(self.clock() - self._start)}"
        if done < self.total:
            times += f" 剩余 {format_duration(eta) if eta is not None else '--:--'}"
        head = f"[{'#' * filled}{'-' * (self.width - filled)}] {done}/{self.total} {times}"
        if max_width is not None and name:
            name = truncate_to_width(name, max(max_width - display_width(head) - 1, 8))
        return f"{head} {name}".rstrip()

    # ---- drawing

    def _draw(self, force: bool) -> None:
        now = self.clock()
        if self._hidden or (not force and now - self._last_draw < self.min_interval):
            return
        cols = self.columns or _stream_columns(self.stream)
        text = self.line(max_width=max(cols - 1, 20))
        if text == self._last_text and not force:
            return
        pad = max(self._last - display_width(text), 0)
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self._last = display_width(text)
        self._last_text = text
        self._last_draw = now

    def working_on(self, done: int, name: str) -> None:
        """A file begins (``done`` files finished before it). Shown on a TTY only."""
        with self._lock:
            self._done, self._name, self._hidden = done, name, False
            if self.tty:
                self._draw(force=False)

    def update(self, done: int, name: str) -> None:
        """A file finished: ``done`` files are finished now, the last one was ``name``."""
        with self._lock:
            self._done, self._name, self._hidden = done, name, False
            self._done_at = self.clock()
            if self.tty:
                self._draw(force=done >= self.total)
            else:
                self.stream.write(self.line() + "\n")
                self.stream.flush()

    @contextmanager
    def live(self) -> Iterator[Progress]:
        """Keep the times moving on a TTY while a file is being read (a daemon ticker thread)."""
        if not self.tty:
            yield self
            return
        self._stop.clear()

        def tick() -> None:
            while not self._stop.wait(max(self.min_interval, 0.05)):
                with self._lock:
                    if self._last_text:  # something was drawn already
                        self._draw(force=False)

        ticker = threading.Thread(target=tick, name="juesuan-progress", daemon=True)
        ticker.start()
        try:
            yield self
        finally:
            self._stop.set()
            ticker.join()

    def clear(self) -> None:
        """Blank the TTY line (before logging something else to the stream); the bar is drawn
        again by the next update."""
        with self._lock:
            if self.tty and self._last:
                self.stream.write("\r" + " " * self._last + "\r")
                self.stream.flush()
                self._last, self._last_text = 0, ""
            self._hidden = True

    def finish(self) -> None:
        with self._lock:
            if self.tty and self._last:
                self.stream.write("\n")
                self.stream.flush()
                self._last, self._last_text = 0, ""
            self._hidden = True


# --------------------------------------------------------------------------- inputs


def _is_within(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def collect_inputs(paths: Sequence[Path], out_dir: Path) -> list[Path]:
    """Files to check, in order. A file named explicitly is always taken; folders are walked
    recursively (sorted), skipping hidden files/folders, ``manifest.json`` and ``out_dir``.
    The same file given twice is checked once."""
    out_resolved = out_dir.resolve()
    seen: set[Path] = set()
    result: list[Path] = []

    def add(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            result.append(p)

    for root in paths:
        if not root.is_dir():
            add(root)
            continue
        found: list[Path] = []
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath)
            dirnames[:] = sorted(
                d for d in dirnames if not d.startswith(".") and (here / d).resolve() != out_resolved
            )
            for name in filenames:
                f = here / name
                if name.startswith(".") or name.lower() in SKIPPED_NAMES or not f.is_file():
                    continue
                if _is_within(f.resolve(), out_resolved):
                    continue
                found.append(f)
        for f in sorted(found, key=lambda p: p.relative_to(root).parts):
            add(f)
    return result


def unique_stem(stem: str, used: set[str], suffixes: Sequence[str] = ()) -> str:
    """``stem``, or ``stem-2``, ``stem-3``… if taken (case-insensitively: some file systems fold
    case). ``used`` holds the stems and file names taken so far and is updated; it should start
    with the reserved ``index``. A stem is also taken when one of its files (``stem + suffix``)
    would have the name of a file already written (``a.annotated`` + ``.pdf`` against the
    annotated copy of ``a``)."""
    base = stem or "document"
    candidate, n = base, 2

    def taken(c: str) -> bool:
        return c.casefold() in used or any((c + s).casefold() in used for s in suffixes)

    while taken(candidate):
        candidate = f"{base}-{n}"
        n += 1
    used.add(candidate.casefold())
    used.update((candidate + s).casefold() for s in suffixes)
    return candidate


# --------------------------------------------------------------------------- check


def check_one(path: Path, before_log: Callable[[], None] | None = None) -> DocumentReport:
    """Run the pipeline on one file; never raises for a per-document problem. An unexpected
    exception is logged (``before_log`` runs first, e.g. to clear a progress bar) and turned
    into a report whose ``error`` asks the user to send the file to the developers."""
    return _guarded(path.name, lambda: pipeline.check_file(path)[0], before_log)


def _guarded(
    name: str, check: Callable[[], DocumentReport], before_log: Callable[[], None] | None
) -> DocumentReport:
    try:
        return check()
    except Exception as exc:
        if before_log:
            before_log()
        log.exception("internal error while checking %s", name)
        return DocumentReport(
            document=DocumentMeta(source_name=name),
            error=f"内部错误：{type(exc).__name__}: {exc}，请将此文件反馈给开发者。",
        )


@dataclass
class Checked:
    """One document's report: ``stem`` proposed for its files, ``original`` its bytes when asked
    (the annotated copy)."""

    stem: str
    report: DocumentReport
    original: Callable[[], bytes | None]


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _archive_of_documents(path: Path) -> bytes | None:
    """The bytes of ``path`` when it is a zip the service would unpack (not a Word/Excel file, not
    a zip of one scan's page images), else None; only a file starting as a zip is read here."""
    from shared.filetypes import is_image_zip, sniff

    try:
        with path.open("rb") as f:
            if f.read(4) not in (b"PK\x03\x04", b"PK\x05\x06"):
                return None
        data = path.read_bytes()
    except OSError:
        return None  # check_file says why
    return data if sniff(data) == "zip" and not is_image_zip(data) else None


def check_path(path: Path, before_log: Callable[[], None] | None = None) -> Iterator[Checked]:
    """The reports of one input: one for a file; for a zip of documents, one per file in it, as
    the service's upload unpacks it (``<zip>/<member>``, under the same zip bounds), with one for
    the archive itself when it is unusable as a whole."""
    data = _archive_of_documents(path)
    if data is None:
        yield Checked(path.stem, check_one(path, before_log), lambda: _read_or_none(path))
        return
    from shared.errors import BadInputError
    from shared.filetypes import sniff

    bounds = pipeline.ingest_limits().zip
    try:
        for entry in bounds.extract(data):
            name = f"{path.name}/{entry.path}"
            stem = f"{path.stem}-{Path(entry.path).stem}"
            member = entry.data
            if member is None or sniff(member) == "zip":
                error = entry.reason or "压缩包内嵌套压缩包：请解压后检查其中的文件。"
                report = DocumentReport(document=DocumentMeta(source_name=name), error=error)
            else:
                report = _guarded(name, partial(_check_bytes, name, member), before_log)
            yield Checked(stem, report, partial(_same, member))
            del entry, member  # not held while the next member is read
    except BadInputError as exc:  # the archive as a whole: the files already checked stay
        report = DocumentReport(document=DocumentMeta(source_name=path.name), error=exc.user_message)
        yield Checked(path.stem, report, partial(_same, None))


def _check_bytes(name: str, data: bytes) -> DocumentReport:
    return pipeline.check_bytes(name, data)[0]


def _same(data: bytes | None) -> bytes | None:
    return data


def exit_code(reports: Sequence[DocumentReport], fail_on: str, *, incomplete: bool = False) -> int:
    """0/1/3 as described in the module docstring (2 is decided before a run can end)."""
    if fail_on == "never":
        return EXIT_OK
    if incomplete or any(r.error for r in reports):
        return EXIT_INCOMPLETE
    levels = FAIL_ON_LEVELS[fail_on]
    if any(f.severity in levels for r in reports for f in r.findings):
        return EXIT_FINDINGS
    return EXIT_OK


class PdfEngine:
    """One :class:`PdfRenderer` for the whole run, opened on first use and closed at the end.
    Once it has raised ``PdfUnavailable`` its message is kept and no PDF is tried again."""

    def __init__(self) -> None:
        self._stack = ExitStack()
        self._renderer: PdfRenderer | None = None
        self.unavailable: str | None = None

    def renderer(self) -> PdfRenderer:
        if self._renderer is None:
            from services.report.pdf_report import PdfRenderer

            self._renderer = self._stack.enter_context(PdfRenderer())
        return self._renderer

    def close(self) -> None:
        self._stack.close()


@dataclass
class RunResult:
    """What a check run produced, for the summary, the index page and the exit code."""

    entries: list[tuple[str, DocumentReport]] = field(default_factory=list)
    files: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # stem → (label, name)
    batch_files: list[tuple[str, str]] = field(default_factory=list)
    not_applicable: int = 0  # annotated copies skipped (not a PDF original, or not checked)
    render_failures: list[str] = field(default_factory=list)  # Chinese, one per failed rendering
    pdf_unavailable: str | None = None


def _render_and_write(
    out_dir: Path,
    stem: str,
    checked: Checked,
    fmts: Sequence[ReportFormat],
    engine: PdfEngine,
    result: RunResult,
    before_message: Callable[[], None],
) -> None:
    """Write ``report`` in every format of ``fmts``; a format that does not apply or fails is
    recorded in ``result``. OSError (the output folder) propagates."""
    report = checked.report
    pdf_errors: tuple[type[Exception], ...] = ()
    print_errors: tuple[type[Exception], ...] = ()  # one report not printed; str() is Chinese
    if ReportFormat.PDF in fmts:
        from services.report.pdf_report import PdfRenderError, PdfUnavailable

        pdf_errors, print_errors = (PdfUnavailable,), (PdfRenderError,)
    written = result.files.setdefault(stem, [])
    original: bytes | None = None
    if ReportFormat.ANNOTATED in fmts:
        original = checked.original()
    for fmt in fmts:
        if fmt == ReportFormat.PDF and engine.unavailable is not None:
            continue
        try:
            data = formats.render_document(
                report,
                fmt,
                original=original if fmt == ReportFormat.ANNOTATED else None,
                pdf=engine.renderer() if fmt == ReportFormat.PDF else None,
                index_href=f"{INDEX_STEM}.html" if fmt == ReportFormat.HTML else None,
            )
        except NotApplicable:
            result.not_applicable += 1
            continue
        except pdf_errors as exc:
            engine.unavailable = result.pdf_unavailable = str(exc)
            before_message()
            print(f"错误：{exc}（本次不再生成 PDF 报告）", file=sys.stderr)
            continue
        except print_errors as exc:
            result.render_failures.append(f"{report.document.source_name}：{FORMAT_ZH[fmt]}未能生成：{exc}")
            continue
        except Exception as exc:
            before_message()
            log.exception("could not render %s as %s", report.document.source_name, fmt.value)
            result.render_failures.append(
                f"{report.document.source_name}：{FORMAT_ZH[fmt]}生成失败（{type(exc).__name__}: {exc}）"
            )
            continue
        name = stem + SUFFIX[fmt]
        (out_dir / name).write_bytes(data)
        written.append((FORMAT_ZH[fmt], name))


def _write_batch(out_dir: Path, fmts: Sequence[ReportFormat], result: RunResult) -> None:
    reports = [r for _, r in result.entries]
    wanted = [
        (ReportFormat.XLSX, "xlsx", BATCH_XLSX_LABEL),
        (ReportFormat.CSV, "csv", BATCH_CSV_LABEL),
    ]
    for fmt, ext, label in wanted:
        if fmt not in fmts:
            continue
        try:
            from services.report import tabular

            render = tabular.batch_xlsx if fmt == ReportFormat.XLSX else tabular.batch_csv
            data = render(reports)
        except Exception as exc:
            log.exception("could not render the batch %s", ext)
            result.render_failures.append(f"{label}生成失败（{type(exc).__name__}: {exc}）")
            continue
        name = f"{INDEX_STEM}.{ext}"
        (out_dir / name).write_bytes(data)
        result.batch_files.append((label, name))


def _summary(result: RunResult, index: Path, fmts: Sequence[ReportFormat]) -> str:
    entries = result.entries
    ok = [r for _, r in entries if not r.error]
    failed = [r for _, r in entries if r.error]
    counts = {s: sum(r.counts()[s.value] for r in ok) for s in SEVERITY_ORDER}
    by_sev = "，".join(f"{SEVERITY_ZH[s]} {counts[s]} 条" for s in SEVERITY_ORDER)
    lines = [f"已检查 {len(entries)} 个文件，发现问题：{by_sev}。"]
    if failed:
        lines.append(f"其中 {len(failed)} 个文件无法检查：")
        lines += [f"  - {r.document.source_name}：{r.error}" for r in failed]
    if result.not_applicable:
        lines.append(f"标注原文 PDF 仅适用于已检查的 PDF 原件，已跳过 {result.not_applicable} 个文件。")
    if result.render_failures:
        lines.append(f"有 {len(result.render_failures)} 份报告未能生成：")
        lines += [f"  - {m}" for m in result.render_failures]
    if result.pdf_unavailable:
        lines.append("PDF 报告未生成（见上方错误信息）。")
    lines.append("报告格式：" + "、".join(FORMAT_ZH[f] for f in fmts) + "。")
    lines.append(f"报告已写入：{index}")
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    try:
        fmts = formats.parse_formats(args.format)
    except FormatError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    paths = [Path(p) for p in args.paths]
    missing = [p for p in paths if not p.exists()]
    if missing:
        for p in missing:
            print(f"错误：路径不存在：{p}", file=sys.stderr)
        return EXIT_UNUSABLE
    out_dir = Path(args.out)
    inputs = collect_inputs(paths, out_dir)
    if not inputs:
        print("错误：没有找到要检查的文件（已跳过隐藏文件、manifest.json 和报告输出目录）。", file=sys.stderr)
        return EXIT_UNUSABLE
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"错误：无法创建输出目录 {out_dir}：{exc.strerror or exc}", file=sys.stderr)
        return EXIT_UNUSABLE

    progress = Progress(len(inputs), sys.stderr)
    suffixes = [SUFFIX[f] for f in fmts]
    used: set[str] = {INDEX_STEM}
    result = RunResult()
    engine = PdfEngine()
    index = out_dir / f"{INDEX_STEM}.html"
    try:
        with progress.live():
            for i, path in enumerate(inputs):
                progress.working_on(i, path.name)
                for checked in check_path(path, before_log=progress.clear):
                    stem = unique_stem(checked.stem, used, suffixes)
                    result.entries.append((stem, checked.report))
                    _render_and_write(out_dir, stem, checked, fmts, engine, result, progress.clear)
                progress.update(i + 1, path.name)
        progress.finish()
        _write_batch(out_dir, fmts, result)
        html = render_index_html(result.entries, files=result.files, batch_files=result.batch_files)
        index.write_text(html, encoding="utf-8")
    except OSError as exc:
        progress.finish()
        print(f"错误：无法写入报告到 {out_dir}：{exc.strerror or exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    finally:
        engine.close()
    emit(_summary(result, index.resolve(), fmts))
    if result.pdf_unavailable:
        return EXIT_UNUSABLE
    reports = [r for _, r in result.entries]
    return exit_code(reports, args.fail_on, incomplete=bool(result.render_failures))


# --------------------------------------------------------------------------- rules


def wrap_width(text: str, cols: int) -> list[str]:
    """Split ``text`` into lines of at most ``cols`` terminal columns (CJK-aware; keeps the
    text's own line breaks)."""
    out: list[str] = []
    for para in text.strip().splitlines() or [""]:
        line, used = "", 0
        for ch in para:
            w = display_width(ch)
            if used + w > cols and line:
                out.append(line.rstrip())
                line, used = "", 0
                if ch == " ":
                    continue
            line += ch
            used += w
        out.append(line.rstrip())
    return out


def _wrap(label: str, text: str, cols: int = 72) -> list[str]:
    lead = 4 + display_width(label)
    body = wrap_width(text, max(cols - lead, 20))
    return [f"    {label}{body[0]}"] + [" " * lead + line for line in body[1:]]


def format_rules(rules: Iterable[Rule]) -> str:
    """Plain-text listing of catalogue rules: code, severity, category, title and the doc."""
    blocks: list[str] = []
    for r in rules:
        sev = SEVERITY_ZH.get(r.severity, str(r.severity))
        cat = CATEGORY_ZH.get(r.category, str(r.category))
        lines = [f"{r.code}  [{sev}] [{cat}] {r.title}", f"    标识：{r.name}"]
        lines += _wrap("检查内容：", r.what)
        lines += _wrap("为何重要：", r.why)
        lines += _wrap("错误示例：", r.example)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def cmd_rules(args: argparse.Namespace) -> int:
    from services.validate import catalogue

    rules = catalogue.all_rules()
    if args.code:
        wanted = args.code.strip().upper()
        rules = [r for r in rules if r.code.upper() == wanted]
        if not rules:
            print(f"错误：没有编号为 {args.code} 的规则。运行 juesuan rules 查看全部规则。", file=sys.stderr)
            return EXIT_UNUSABLE
    if not rules:
        emit("规则目录为空。")
        return EXIT_OK
    emit(format_rules(rules))
    if not args.code:
        emit(f"\n共 {len(rules)} 条规则。")
    return EXIT_OK


# --------------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="juesuan",
        description="决算审查：检查部门决算公开文件中的错误与不一致。",
    )
    parser.add_argument("--version", action="version", version=f"juesuan {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="命令")
    check = sub.add_parser(
        "check",
        help="检查文件或文件夹，生成报告（网页、Excel、CSV、PDF 等）",
        description="检查部门决算公开文件，为每个文件写出所选格式的报告，并写出汇总页 index.html。",
        epilog=CHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="要检查的文件或文件夹（PDF、Word、Excel、文本或扫描件图片；文件夹递归读取；"
        "zip 压缩包解开后逐个检查，只含图片的 zip 视为一份扫描件）",
    )
    check.add_argument(
        "--out", default=DEFAULT_OUT, metavar="DIR", help=f"报告输出目录（默认 ./{DEFAULT_OUT}）"
    )
    check.add_argument(
        "--format",
        default=",".join(f.value for f in formats.DEFAULT_FORMATS),
        metavar="LIST",
        help="报告格式，逗号分隔：" + ",".join(f.value for f in ReportFormat) + "（默认 json,html）",
    )
    check.add_argument(
        "--fail-on",
        choices=list(FAIL_ON_LEVELS),
        default="error",
        help="问题达到此级别时退出码为 1：error（错误）、warning（错误或警告）、never（不因问题失败）；默认 error",
    )
    check.set_defaults(func=cmd_check)
    rules = sub.add_parser("rules", help="列出全部检查规则及其说明")
    rules.add_argument("--code", metavar="CODE", help="只显示指定编号的规则")
    rules.set_defaults(func=cmd_rules)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except BrokenPipeError:  # `juesuan --help | head -1`
        _silence_stdout()
        return EXIT_OK
    except SystemExit as exc:  # argparse: 0 for --help/--version, 2 for usage errors
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_UNUSABLE)
        _flush_stdout()
        return code
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_UNUSABLE
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    code = int(args.func(args))
    _flush_stdout()
    return code


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()


if __name__ == "__main__":
    sys.exit(main())
