"""The printable report: the HTML report (services/report/html.py) printed to an A4 PDF by headless
Chromium, driven by Playwright.

Chromium was chosen over WeasyPrint by measurement (``./dev bench-formats``): with the browser kept
open it prints a report several times faster, and it embeds its fonts (the CJK font as a TrueType
subset, so the text extracts back as Chinese).

    with PdfRenderer() as pdf:              # one browser for many documents
        for report in reports:
            data = document_pdf(report, pdf)

    document_pdf(report)                    # a browser just for this one (about a second more)
    document_pdf(report, shared_renderer()) # long-lived worker processes: one per process/thread

The browser is launched lazily on first use, never at import time, so a renderer may be created
before a Celery prefork worker forks; a renderer inherited across a fork launches its own browser
in the child. Playwright's sync API is bound to the thread that launched the browser: use one
renderer per thread (``shared_renderer()`` does), and do not call it from inside a running asyncio
event loop (run it in a worker thread).

Bounds: an HTML report over ``JUESUAN_PDF_MAX_HTML_MB`` (default 16) is refused, and a render
taking longer than ``JUESUAN_PDF_TIMEOUT`` seconds (default 60) is stopped by killing the browser.
The page loads nothing: every request is aborted (the report is self-contained) and JavaScript is off.
"""

from __future__ import annotations

import atexit
import html as html_lib
import logging
import os
import shutil
import signal
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from shared.models import DocumentReport

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, PdfMargins, Playwright, Route

log = logging.getLogger(__name__)

CHROMIUM_ENV = "JUESUAN_CHROMIUM"
TIMEOUT_ENV = "JUESUAN_PDF_TIMEOUT"
MAX_HTML_ENV = "JUESUAN_PDF_MAX_HTML_MB"
DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MAX_HTML_MB = 16.0
LAUNCH_TIMEOUT_MS = 30_000
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
CHROMIUM_ARGS = [
    "--no-sandbox",  # the worker runs unprivileged in a container, where the sandbox cannot start
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
]
# A4 with room for the footer (department, page x of y).
PDF_MARGIN: PdfMargins = {"top": "14mm", "bottom": "16mm", "left": "13mm", "right": "13mm"}
HEADER_TEMPLATE = "<div></div>"
FOOTER_TEMPLATE = (
    '<div style="width:100%;padding:0 13mm;font-size:9px;color:#59636e;'
    "font-family:'WenQuanYi Micro Hei','Noto Sans CJK SC',sans-serif;display:flex;"
    'justify-content:space-between">'
    "<span>{title} · 决算审查报告</span>"
    '<span>第 <span class="pageNumber"></span> 页，共 <span class="totalPages"></span> 页</span>'
    "</div>"
)
INSTALL_HINT = "Debian：apt-get install chromium fonts-wqy-microhei"


class PdfUnavailable(RuntimeError):
    """The PDF engine is missing (no Chromium, or no Playwright); ``str()`` says what to install,
    in Chinese."""


class PdfRenderError(RuntimeError):
    """This report could not be printed (too large, too slow, the browser failed twice);
    ``str()`` is the Chinese message for the user."""


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        log.warning("ignoring %s=%r: not a number", name, raw)
        return default
    return value if value > 0 else default


def find_chromium() -> str:
    """The Chromium program to use: ``$JUESUAN_CHROMIUM`` when set, else /usr/bin/chromium or the
    first of chromium, chromium-browser, google-chrome on PATH. Raises :class:`PdfUnavailable`."""
    configured = os.environ.get(CHROMIUM_ENV, "").strip()
    if configured:
        path = Path(configured)
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
        raise PdfUnavailable(
            f"无法生成 PDF 报告：{CHROMIUM_ENV} 指向的浏览器程序不存在或不可执行（{configured}）。"
            f"请改正该设置，或安装 Chromium（{INSTALL_HINT}）。"
        )
    for name in CHROMIUM_CANDIDATES:
        found = name if os.path.isabs(name) and os.access(name, os.X_OK) else shutil.which(name)
        if found:
            return found
    raise PdfUnavailable(
        f"无法生成 PDF 报告：未找到 Chromium 浏览器（{INSTALL_HINT}），或设置 {CHROMIUM_ENV} 指向浏览器程序。"
    )


def _browser_env() -> dict[str, str | float | bool] | None:
    """The browser's environment: this process's, with its config and cache directories moved to
    the temporary directory when the home directory is not writable (a read-only root filesystem
    in the container, /tmp an emptyDir)."""
    home = os.environ.get("HOME", "")
    if home and os.access(home, os.W_OK):
        return None
    scratch = os.path.join(tempfile.gettempdir(), f"juesuan-chromium-{os.getuid()}")
    os.makedirs(scratch, mode=0o700, exist_ok=True)
    return {**os.environ, "XDG_CONFIG_HOME": scratch, "XDG_CACHE_HOME": scratch}


def _abort_request(route: Route) -> None:
    route.abort()


class PdfRenderer:
    """Prints HTML to PDF with one headless Chromium, kept open across documents.

    Launched on first use; relaunched once when the browser has died; closed by :meth:`close` or
    the ``with`` block. ``launches`` counts browser starts (for tests and benchmarks)."""

    def __init__(
        self,
        *,
        executable: str | None = None,
        timeout_s: float | None = None,
        max_html_bytes: int | None = None,
    ) -> None:
        self.executable = executable
        self.timeout_s = timeout_s if timeout_s is not None else _env_float(TIMEOUT_ENV, DEFAULT_TIMEOUT_S)
        self.max_html_bytes = (
            max_html_bytes
            if max_html_bytes is not None
            else int(_env_float(MAX_HTML_ENV, DEFAULT_MAX_HTML_MB) * 1024 * 1024)
        )
        self.launches = 0
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._context: BrowserContext | None = None
        self._page: Page | None = None
        self._browser_pid: int | None = None
        self._owner_pid: int | None = None  # the process that launched the browser
        self._owner_thread: int | None = None
        self._killed = threading.Event()  # set by the timeout watchdog
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self._browser is not None and self._owner_pid == os.getpid()

    def _launch(self) -> Page:
        executable = self.executable or find_chromium()
        pw = _acquire_playwright()
        try:
            browser = pw.chromium.launch(
                executable_path=executable,
                args=CHROMIUM_ARGS,
                headless=True,
                timeout=LAUNCH_TIMEOUT_MS,
                env=_browser_env(),
            )
        except Exception as exc:
            _release_playwright()
            raise PdfUnavailable(
                f"无法生成 PDF 报告：Chromium 浏览器（{executable}）无法启动：{_first_line(exc)}。"
                f"请检查浏览器安装（{INSTALL_HINT}）。"
            ) from exc
        self.launches += 1
        self._pw, self._browser = pw, browser
        self._owner_pid, self._owner_thread = os.getpid(), threading.get_ident()
        self._browser_pid = self._find_browser_pid(browser)
        context = browser.new_context(java_script_enabled=False, offline=True)
        context.route("**/*", _abort_request)  # nothing external, ever
        self._context = context
        self._page = context.new_page()
        log.info("pdf: chromium started (pid %s, launch %d)", self._browser_pid, self.launches)
        return self._page

    @staticmethod
    def _find_browser_pid(browser: Browser) -> int | None:
        """The browser process id, for the timeout watchdog (None if Chromium will not say)."""
        from playwright.sync_api import Error as PlaywrightError

        try:
            session = browser.new_browser_cdp_session()
            info: dict[str, Any] = session.send("SystemInfo.getProcessInfo")
            session.detach()
        except PlaywrightError:
            log.warning("pdf: chromium did not give its process id; no render timeout", exc_info=True)
            return None
        for proc in info.get("processInfo", []):
            if proc.get("type") == "browser":
                return int(proc["id"])
        return None

    def _page_for_use(self) -> Page:
        if self._owner_pid is not None and self._owner_pid != os.getpid():
            # Inherited across a fork: the browser and its pipe belong to the parent. Forget them.
            self._forget()
        if self._owner_thread is not None and self._owner_thread != threading.get_ident():
            raise RuntimeError("PdfRenderer is bound to the thread that started it; use one per thread")
        if self._page is not None and self._browser is not None and self._browser.is_connected():
            return self._page
        if self._browser is not None:
            log.warning("pdf: chromium is gone; starting a new one")
            self._discard()
        return self._launch()

    def _forget(self) -> None:
        self._pw = self._browser = self._context = self._page = None
        self._browser_pid = self._owner_pid = self._owner_thread = None

    def _kill_browser(self) -> None:
        pid = self._browser_pid
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def _on_timeout(self) -> None:
        self._killed.set()
        log.warning("pdf: render exceeded %.0f s; killing chromium pid %s", self.timeout_s, self._browser_pid)
        self._kill_browser()

    def _discard(self) -> None:
        """Close the browser and Playwright, quietly; kill the browser if closing fails."""
        browser, pw = self._browser, self._pw
        try:
            if browser is not None:
                browser.close()
        except Exception:
            log.debug("pdf: closing chromium failed; killing it", exc_info=True)
            self._kill_browser()
        if pw is not None:
            _release_playwright()
        self._forget()

    def close(self) -> None:
        """Close the browser (if this process started one). Safe to call more than once."""
        with self._lock:
            if self._owner_pid is not None and self._owner_pid != os.getpid():
                self._forget()
                return
            if self._owner_thread is not None and self._owner_thread != threading.get_ident():
                # Playwright objects cannot be used from another thread; end the browser directly.
                self._kill_browser()
                self._forget()
                return
            self._discard()

    # ------------------------------------------------------------------ rendering

    def render_html(self, html: str, *, footer_title: str = "") -> bytes:
        """``html`` (a self-contained page) printed to A4, with ``footer_title`` and the page
        number in each page's footer. Raises :class:`PdfUnavailable` or :class:`PdfRenderError`."""
        size = len(html.encode("utf-8"))
        if size > self.max_html_bytes:
            raise PdfRenderError(
                f"报告内容过大（{size / 1048576:.1f} MB，上限 {self.max_html_bytes / 1048576:.1f} MB），"
                "无法生成 PDF 报告；请改用网页（HTML）或 Excel 格式查看。"
            )
        from playwright.sync_api import Error as PlaywrightError

        footer = FOOTER_TEMPLATE.format(title=html_lib.escape(footer_title or "决算审查"))
        timeout_ms = self.timeout_s * 1000
        with self._lock:
            for attempt in (1, 2):
                page = self._page_for_use()
                self._killed.clear()
                watchdog = threading.Timer(self.timeout_s, self._on_timeout)
                watchdog.daemon = True
                watchdog.start()
                try:
                    page.set_content(html, wait_until="load", timeout=timeout_ms)
                    # Show what a closed <details> hides (the list of rules that ran).
                    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
                    return page.pdf(
                        format="A4",
                        print_background=True,
                        display_header_footer=True,
                        header_template=HEADER_TEMPLATE,
                        footer_template=footer,
                        margin=PDF_MARGIN,
                    )
                except PlaywrightError as exc:
                    timed_out = self._killed.is_set() or "Timeout" in type(exc).__name__
                    self._discard()
                    if timed_out:
                        raise PdfRenderError(
                            f"生成 PDF 报告超时（超过 {self.timeout_s:.0f} 秒），已中止；"
                            "请改用网页（HTML）或 Excel 格式查看。"
                        ) from exc
                    if attempt == 2:
                        raise PdfRenderError(
                            f"生成 PDF 报告失败：浏览器出错（{_first_line(exc)}）。"
                        ) from exc
                    log.warning("pdf: render failed (%s); retrying with a new browser", _first_line(exc))
                finally:
                    watchdog.cancel()
        raise AssertionError("unreachable")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


# ---------------------------------------------------------------------- per-thread state

# Playwright's sync API allows one running instance per thread: the renderers of a thread share
# it (each with its own browser), and it stops when the last of them closes.
_local = threading.local()


def _acquire_playwright() -> Playwright:
    state: list[Any] | None = getattr(_local, "playwright", None)
    if state is None:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as exc:  # pragma: no cover - playwright is a runtime dependency
            raise PdfUnavailable(
                "无法生成 PDF 报告：未安装 Python 包 playwright（pip install playwright；"
                "不需要 playwright install，使用系统的 Chromium）。"
            ) from exc
        state = [sync_playwright().start(), 0]
        _local.playwright = state
    state[1] += 1
    pw: Playwright = state[0]
    return pw


def _release_playwright() -> None:
    state: list[Any] | None = getattr(_local, "playwright", None)
    if state is None:
        return
    state[1] -= 1
    if state[1] <= 0:
        _local.playwright = None
        try:
            state[0].stop()
        except Exception:
            log.debug("pdf: playwright stop failed", exc_info=True)


# ---------------------------------------------------------------------- shared renderers

_shared: list[PdfRenderer] = []
_shared_lock = threading.Lock()


def shared_renderer() -> PdfRenderer:
    """A renderer for this process and thread, kept open for the life of the process (closed at
    exit). For long-lived workers: the browser starts on the first PDF and is reused after."""
    renderer: PdfRenderer | None = getattr(_local, "renderer", None)
    if renderer is None or renderer not in _shared:
        renderer = PdfRenderer()
        _local.renderer = renderer
        with _shared_lock:
            if not _shared:
                atexit.register(close_shared_renderers)
            _shared.append(renderer)
    return renderer


def close_shared_renderers() -> None:
    """Close every renderer :func:`shared_renderer` handed out in this process."""
    with _shared_lock:
        renderers = list(_shared)
        _shared.clear()
    for renderer in renderers:
        try:
            renderer.close()
        except Exception:
            log.debug("pdf: closing a shared renderer failed", exc_info=True)


def _after_fork_in_child() -> None:
    # The parent's browsers are not ours: forget them (a new one starts on first use). Locks are
    # replaced, not taken: another thread of the parent may have held one at the fork.
    global _shared_lock
    _shared_lock = threading.Lock()
    for renderer in _shared:
        renderer._forget()
        renderer._lock = threading.Lock()
    _shared.clear()
    _local.__dict__.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


# ---------------------------------------------------------------------- public API


def document_pdf(report: DocumentReport, renderer: PdfRenderer | None = None) -> bytes:
    """The report of one document as a printable A4 PDF, the same content as its HTML report.
    ``renderer`` is an open renderer to reuse; without one a browser is started for this call.
    Raises :class:`PdfUnavailable` (no Chromium) or :class:`PdfRenderError`."""
    from services.report.html import render_document_html

    html = render_document_html(report)
    title = report.document.department or report.document.source_name
    if renderer is not None:
        return renderer.render_html(html, footer_title=title)
    with PdfRenderer() as own:
        return own.render_html(html, footer_title=title)
