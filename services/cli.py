"""Command-line interface (console script ``juesuan``).

``juesuan check PATH... [--out DIR]`` checks files (folders are walked recursively) with the
embedded pipeline and writes ``<stem>.json``, ``<stem>.html`` per input plus ``index.html``.
``juesuan rules [--code CODE]`` lists the rule catalogue. ``juesuan --version`` prints the version.

Exit codes: 0 all inputs processed (findings do not change it), 1 a path does not exist / nothing
to check / the output folder cannot be written, 2 usage error.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TextIO

from services import pipeline
from services.report.html import (
    SEVERITY_ORDER,
    render_document_html,
    render_index_html,
    report_json,
)
from services.validate.catalogue import Rule
from shared.models import CATEGORY_ZH, SEVERITY_ZH, DocumentMeta, DocumentReport

log = logging.getLogger(__name__)

DEFAULT_OUT = "juesuan-reports"
INDEX_STEM = "index"
SKIPPED_NAMES = frozenset({"manifest.json"})


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("juesuan")
    except PackageNotFoundError:
        pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
        try:
            import tomllib

            return str(tomllib.loads(pyproject.read_text("utf-8"))["project"]["version"])
        except (OSError, KeyError, ValueError):
            return "unknown"


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


class Progress:
    """A tiny progress bar: redrawn in place with ``\\r`` on a TTY, one line per step otherwise."""

    def __init__(self, total: int, stream: TextIO, width: int = 10) -> None:
        self.total = total
        self.stream = stream
        self.width = width
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._last = 0  # display width of the last line drawn on the TTY

    def line(self, done: int, name: str) -> str:
        filled = self.width * done // self.total if self.total else self.width
        return f"[{'#' * filled}{'-' * (self.width - filled)}] {done}/{self.total} {name}".rstrip()

    def update(self, done: int, name: str) -> None:
        text = self.line(done, name)
        if not self.tty:
            self.stream.write(text + "\n")
        else:
            cols = shutil.get_terminal_size((80, 24)).columns
            text = truncate_to_width(text, max(cols - 1, 10))
            pad = max(self._last - display_width(text), 0)
            self.stream.write("\r" + text + " " * pad)
            self._last = display_width(text)
        self.stream.flush()

    def clear(self) -> None:
        """Blank the TTY line (before logging something else to the stream)."""
        if self.tty and self._last:
            self.stream.write("\r" + " " * self._last + "\r")
            self.stream.flush()
            self._last = 0

    def finish(self) -> None:
        if self.tty and self._last:
            self.stream.write("\n")
            self.stream.flush()
            self._last = 0


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


def unique_stem(stem: str, used: set[str]) -> str:
    """``stem``, or ``stem-2``, ``stem-3``… if taken (case-insensitively: some file systems fold
    case). ``used`` is updated; it should start with the reserved ``index``."""
    candidate, n = stem or "document", 2
    while candidate.casefold() in used:
        candidate = f"{stem or 'document'}-{n}"
        n += 1
    used.add(candidate.casefold())
    return candidate


# --------------------------------------------------------------------------- check


def check_one(path: Path, before_log: Callable[[], None] | None = None) -> DocumentReport:
    """Run the pipeline on one file; never raises for a per-document problem. An unexpected
    exception is logged (``before_log`` runs first, e.g. to clear a progress bar) and turned
    into a report whose ``error`` asks the user to send the file to the developers."""
    try:
        report, _parsed = pipeline.check_file(path)
    except Exception as exc:
        if before_log:
            before_log()
        log.exception("internal error while checking %s", path)
        return DocumentReport(
            document=DocumentMeta(source_name=path.name),
            error=f"内部错误：{type(exc).__name__}: {exc}，请将此文件反馈给开发者。",
        )
    return report


def _summary(entries: list[tuple[str, DocumentReport]], index: Path) -> str:
    ok = [r for _, r in entries if not r.error]
    failed = [r for _, r in entries if r.error]
    counts = {s: sum(r.counts()[s.value] for r in ok) for s in SEVERITY_ORDER}
    by_sev = "，".join(f"{SEVERITY_ZH[s]} {counts[s]} 条" for s in SEVERITY_ORDER)
    lines = [f"已检查 {len(entries)} 个文件，发现问题：{by_sev}。"]
    if failed:
        lines.append(f"其中 {len(failed)} 个文件无法检查：")
        lines += [f"  - {r.document.source_name}：{r.error}" for r in failed]
    lines.append(f"报告已写入：{index}")
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths]
    missing = [p for p in paths if not p.exists()]
    if missing:
        for p in missing:
            print(f"错误：路径不存在：{p}", file=sys.stderr)
        return 1
    out_dir = Path(args.out)
    inputs = collect_inputs(paths, out_dir)
    if not inputs:
        print("错误：没有找到要检查的文件（已跳过隐藏文件、manifest.json 和报告输出目录）。", file=sys.stderr)
        return 1
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"错误：无法创建输出目录 {out_dir}：{exc.strerror or exc}", file=sys.stderr)
        return 1

    progress = Progress(len(inputs), sys.stderr)
    used: set[str] = {INDEX_STEM}
    entries: list[tuple[str, DocumentReport]] = []
    try:
        for i, path in enumerate(inputs):
            if progress.tty:
                progress.update(i, path.name)
            report = check_one(path, before_log=progress.clear)
            stem = unique_stem(path.stem, used)
            (out_dir / f"{stem}.json").write_text(report_json(report), encoding="utf-8")
            html = render_document_html(report, index_href=f"{INDEX_STEM}.html")
            (out_dir / f"{stem}.html").write_text(html, encoding="utf-8")
            entries.append((stem, report))
            progress.update(i + 1, path.name)
        progress.finish()
        index = out_dir / f"{INDEX_STEM}.html"
        index.write_text(render_index_html(entries), encoding="utf-8")
    except OSError as exc:
        progress.finish()
        print(f"错误：无法写入报告到 {out_dir}：{exc.strerror or exc}", file=sys.stderr)
        return 1
    print(_summary(entries, index.resolve()))
    return 0


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
            return 1
    if not rules:
        print("规则目录为空。")
        return 0
    print(format_rules(rules))
    if not args.code:
        print(f"\n共 {len(rules)} 条规则。")
    return 0


# --------------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="juesuan",
        description="决算审查：检查部门决算公开文件中的错误与不一致。",
    )
    parser.add_argument("--version", action="version", version=f"juesuan {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="命令")
    check = sub.add_parser("check", help="检查文件或文件夹，生成 HTML/JSON 报告")
    check.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="要检查的文件或文件夹（PDF、Word、Excel 或文本；文件夹递归读取）",
    )
    check.add_argument(
        "--out", default=DEFAULT_OUT, metavar="DIR", help=f"报告输出目录（默认 ./{DEFAULT_OUT}）"
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
    except SystemExit as exc:  # argparse: 0 for --help/--version, 2 for usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
