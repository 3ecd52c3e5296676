"""An auditor's session in a real browser: sign in, create a batch, drop the seeds and a Shanghai
PDF on the page, watch progress reach done, read the overview, open a report, filter it, see the
page crop of a finding's evidence, download the Excel and PDF reports; the API docs offline."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from services.devstack import Stack

from .conftest import KEY, OTHER_KEY, screenshot

pytestmark = pytest.mark.slow

SHARED = Path(__file__).resolve().parents[3] / "shared"
SEEDS = sorted((SHARED / "seeds").glob("*.txt"))
SHANGHAI = SHARED / "samples" / "pdf" / "上海市普陀区财政局2024年度部门决算.pdf"


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The seeds and a Shanghai PDF when ../shared is beside the checkout; a generated PDF and a
    generated Word file always (so the crops and downloads are exercised without ../shared)."""
    out = tmp_path_factory.mktemp("docs")
    subprocess.run(
        [sys.executable, "-m", "corpus", str(out), "--count", "2", "--seed", "7", "--formats", "pdf,docx"],
        check=True,
        capture_output=True,
    )
    generated = sorted(p for p in out.iterdir() if p.suffix in (".pdf", ".docx"))
    real = [*SEEDS, SHANGHAI] if SHANGHAI.exists() else []
    return real + generated


def sign_in(page, key: str = KEY, then: str = "/") -> None:
    page.goto(then)
    page.wait_for_url(re.compile(r"/login\?next="))
    page.fill("#key", key)
    page.click("button[type=submit]")


def drop_files(page, selector: str, paths: list[Path]) -> None:
    """A real drop event carrying files, as when they are dragged from the desktop."""
    payload = [
        {"name": p.name, "data": list(p.read_bytes()), "type": "application/octet-stream"} for p in paths
    ]
    page.evaluate(
        """([selector, files]) => {
            const dt = new DataTransfer();
            for (const f of files) dt.items.add(new File([new Uint8Array(f.data)], f.name, {type: f.type}));
            const target = document.querySelector(selector);
            target.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true}));
            target.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
        }""",
        [selector, payload],
    )


def test_sign_in_upload_watch_open_filter_crop_download(page, web_stack: Stack, documents, tmp_path):
    # Signing in: a page asked for sends to the sign-in page, a wrong key is told so.
    page.goto("/")
    page.wait_for_url(re.compile(r"/login"))
    page.fill("#key", "not-a-key-000")
    page.click("button[type=submit]")
    assert "密钥无效" in page.inner_text(".alert.error")
    screenshot(page, "01-login-error")
    page.fill("#key", KEY)
    page.click("button[type=submit]")
    page.wait_for_url(f"{web_stack.api_url}/")
    assert page.is_visible("text=新建批次")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["juesuan_session"]["httpOnly"] and KEY not in cookies["juesuan_session"]["value"]

    # A new batch, then files: some chosen with the file picker, the rest dropped on the page, and
    # a copy of the first under another name (a duplicate; the same name again is only a retry).
    page.fill("input[name=name]", "2024 年度 浏览器测试")
    page.click("#new-batch button[type=submit]")
    page.wait_for_url(re.compile(r"/ui/batches/b_"))
    batch_id = page.url.rstrip("/").split("/")[-1]
    screenshot(page, "02-empty-batch")
    first, rest = documents[:2], documents[2:]
    page.set_input_files("#file-input", [str(p) for p in first])
    page.wait_for_function("n => document.querySelectorAll('#upload-results li').length >= n", arg=len(first))
    copy = tmp_path / f"副本-{documents[0].name}"
    copy.write_bytes(documents[0].read_bytes())
    drop_files(page, "#drop", [*rest, copy])
    expected_rows = len(documents) + 1
    page.wait_for_function(
        "n => document.querySelectorAll('#upload-results li').length >= n", arg=expected_rows
    )
    results = page.inner_text("#upload-results")
    assert "重复文件" in results

    # Progress reaches done without reloading the page.
    page.wait_for_selector(f"#progress[data-complete=true][data-total='{expected_rows}']", timeout=240_000)
    rows = page.locator("#documents tbody tr")
    assert rows.count() == expected_rows
    states = [rows.nth(i).get_attribute("data-state") for i in range(rows.count())]
    assert states.count("duplicate") == 1 and "queued" not in states and "running" not in states
    assert "已处理" in page.inner_text("#progress-text") and "全部完成" in page.inner_text("#progress-text")
    screenshot(page, "03-batch-done")

    # The overview: departments × categories with totals.
    matrix = page.locator("#matrix")
    assert matrix.is_visible()
    status = httpx.get(
        f"{web_stack.api_url}/batches/{batch_id}", headers={"Authorization": f"Bearer {KEY}"}
    ).json()
    done = [d for d in status["documents"] if d["state"] == "done" and not d.get("duplicate_of")]
    assert page.locator("#matrix tbody tr").count() == len(done)
    total_errors = sum(d["findings"].get("error", 0) for d in done)
    errors_by_row = [
        int(page.locator("#matrix tbody tr").nth(i).locator("td").nth(-3).inner_text())
        for i in range(len(done))
    ]
    assert errors_by_row == sorted(errors_by_row, reverse=True)  # most errors first
    footer = page.locator("#matrix tfoot td").all_inner_texts()
    assert str(total_errors) == footer[-3].strip()

    # A report with findings that have boxes: the Shanghai PDF when present, else a generated PDF.
    pdf_name = SHANGHAI.name if SHANGHAI.exists() else next(p.name for p in documents if p.suffix == ".pdf")
    doc = next(d for d in done if d["filename"] == pdf_name)
    page.click(f"#documents tr[data-doc={doc['doc_id']}] a")
    page.wait_for_url(re.compile(rf"/documents/{doc['doc_id']}"))
    report = json.loads(
        httpx.get(
            f"{web_stack.api_url}/batches/{batch_id}/documents/{doc['doc_id']}/report.json",
            headers={"Authorization": f"Bearer {KEY}"},
        ).text
    )
    cards = page.locator("article.finding")
    assert cards.count() == len(report["findings"]) > 0
    screenshot(page, "04-report")

    # Filtering: errors only, then a category, then a search; the URL follows.
    by_sev = {
        s: sum(1 for f in report["findings"] if f["severity"] == s) for s in ("error", "warning", "info")
    }
    for s in ("warning", "info"):
        if by_sev[s]:
            page.uncheck(f"#filters input[name=severity][value={s}]")
    assert page.locator("article.finding:visible").count() == by_sev["error"]
    assert "severity=error" in page.url and "severity=warning" not in page.url
    assert page.inner_text("#filter-count") == f"显示 {by_sev['error']} / {len(report['findings'])} 条"
    for s in ("warning", "info"):
        if by_sev[s]:
            page.check(f"#filters input[name=severity][value={s}]")
    code = report["findings"][0]["code"]
    page.fill("#filters input[name=q]", code.lower())
    assert page.locator("article.finding:visible").count() == sum(
        1 for f in report["findings"] if code.lower() in f"{f['code']} {f['title']} {f['message']}".lower()
    )
    # the filtered view is a link: reloading it shows the same cards without the script's help
    page.reload()
    assert (
        page.locator("article.finding:not([hidden])").count()
        == page.locator("article.finding:visible").count()
    )
    page.fill("#filters input[name=q]", "")

    # The evidence crop: an image of the original page, loaded and highlighted.
    crop = page.locator("img.crop").first
    crop.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=crop.element_handle())
    assert crop.evaluate("img => img.naturalWidth") > 100
    screenshot(page, "05-report-crop")

    # Downloads: the Excel has one row per finding, the PDF holds the department and every finding.
    with page.expect_download() as dl:
        page.click("#downloads a:has-text('Excel')")
    xlsx = tmp_path / "report.xlsx"
    dl.value.save_as(xlsx)
    import openpyxl

    sheet = openpyxl.load_workbook(xlsx).worksheets[0]
    assert sheet.max_row - 1 == len(report["findings"])
    assert dl.value.suggested_filename.endswith(".xlsx")
    with page.expect_download() as dl:
        page.click("#downloads a:has-text('PDF 报告')")
    pdf = tmp_path / "report.pdf"
    dl.value.save_as(pdf)
    import pypdfium2

    text = "".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(pdf.read_bytes()))
    flat = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", report["document"]["department"]) in flat
    for f in report["findings"]:
        assert re.sub(r"\s+", "", f["message"]) in flat, f["code"]

    # Back to the batch: the batch workbook downloads from the page too.
    page.goto(f"/ui/batches/{batch_id}")
    with page.expect_download() as dl:
        page.click("#batch-downloads a:has-text('Excel')")
    book = tmp_path / "batch.xlsx"
    dl.value.save_as(book)
    sheets = openpyxl.load_workbook(book).sheetnames
    assert sheets[0] == "汇总"


def test_another_tenant_sees_nothing_and_cross_site_posts_are_refused(page, web_stack: Stack):
    sign_in(page, OTHER_KEY)
    page.wait_for_url(f"{web_stack.api_url}/")
    # a batch of the first tenant, made over the API
    b = httpx.post(
        f"{web_stack.api_url}/batches", json={"name": "x"}, headers={"Authorization": f"Bearer {KEY}"}
    ).json()["batch_id"]
    r = page.goto(f"/ui/batches/{b}")
    assert r is not None and r.status == 404
    assert b not in page.goto("/").text()  # type: ignore[union-attr]
    # the session cookie from another site's form: refused
    cookie = next(c for c in page.context.cookies() if c["name"] == "juesuan_session")
    resp = httpx.post(
        f"{web_stack.api_url}/batches",
        json={"name": "csrf"},
        cookies={"juesuan_session": cookie["value"]},
        headers={"Origin": "http://evil.example"},
    )
    assert resp.status_code == 403 and "跨站" in resp.json()["detail"]
    # signing out ends the session on this browser
    page.goto("/")
    page.click("header form button")
    page.wait_for_url(re.compile(r"/login"))
    page.goto("/")
    page.wait_for_url(re.compile(r"/login\?next="))


def test_api_docs_render_offline_with_every_operation(page, web_stack: Stack):
    spec = httpx.get(f"{web_stack.api_url}/openapi.json").json()
    operations = [(m.upper(), p) for p, item in spec["paths"].items() for m in item if m != "parameters"]
    page.goto("/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.locator(".opblock").count() == len(operations)
    assert page.locator("button.authorize").count() == 1  # the auth scheme is declared
    screenshot(page, "06-docs")
    page.goto("/redoc")
    page.wait_for_selector("[data-section-id^='operation/']", timeout=30_000)
    assert page.locator("[data-section-id^='operation/']").count() == len(operations)


def test_guide_is_served_and_linked(page):
    page.goto("/login")
    page.click("header nav a:has-text('用户指南')")
    page.wait_for_url(re.compile(r"/guide$"))
    text = page.inner_text("article.guide")
    for words in ("未检查", "通过", "陈述值", "应为", "推算方法", "Excel"):
        assert words in text
