"""Browser tests: Debian's Chromium (apt ``chromium``) driven by Playwright against the real
topology (redis-server, the S3 endpoint, the api and the Celery workers on loopback ports).

Browser downloads do not work on these machines, so Playwright never installs a browser: it is
pointed at ``/usr/bin/chromium`` (or ``JUESUAN_CHROMIUM``). Without Chromium the tests are skipped,
unless ``JUESUAN_REQUIRE_BROWSER=1`` (CI sets it), when they fail instead.
Screenshots go to ``JUESUAN_SCREENSHOTS`` when it is set.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.devstack import Stack

KEY = "bureau-key-Qm41x"
OTHER_KEY = "other-key-Hy72z"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    path = os.environ.get("JUESUAN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if Path(path).exists() else None


def _missing(what: str) -> None:
    reason = f"browser tests need {what}"
    if os.environ.get("JUESUAN_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + " (JUESUAN_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


# Module scope: Playwright's sync API keeps an event loop running in this thread while it is open,
# and the tests collected after these (PDF reports, asyncio log context) need the thread free.
@pytest.fixture(scope="module")
def web_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if shutil.which("redis-server") is None:
        _missing("redis-server (./dev test installs it)")
    s = Stack(
        tmp_path_factory.mktemp("webstack"),
        env={"JUESUAN_API_KEYS": f"bureau:{KEY},other:{OTHER_KEY}"},
    )
    try:
        s.start()
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if chromium_path() is None:
        _missing("Debian's chromium: apt-get install chromium fonts-wqy-microhei (./dev test installs it)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, web_stack: Stack):
    """A fresh browser context (no cookies) that may reach the api and nothing else."""
    context = browser.new_context(base_url=web_stack.api_url, accept_downloads=True, locale="zh-CN")
    outside: list[str] = []

    def only_loopback(route):
        url = route.request.url
        if url.startswith((web_stack.api_url, "data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", only_loopback)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()
    assert not outside, f"the page tried to load from outside the api: {outside[:5]}"


def screenshot(page, name: str) -> None:
    folder = os.environ.get("JUESUAN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
