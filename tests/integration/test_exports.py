"""Every download of a finished batch through the real stack: a seed (text), a real Shanghai PDF
and a copy of the seed under another name. Each report format with its media type and a Chinese
file name, the xlsx one row per finding, the annotated PDF one highlight per finding with a box, an
evidence picture, the batch's xlsx/csv summary and its zip, the copy marked as a duplicate; the API
docs served from the api itself."""

from __future__ import annotations

import io
import json
import re
import zipfile
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from services.report.crops import first_boxed
from shared.models import DocumentReport
from tests.integration.conftest import SEEDS, Client

SHANGHAI = SEEDS.parent / "samples" / "pdf" / "上海市普陀区财政局2024年度部门决算.pdf"
SEED = SEEDS / "000_0aa5ee9e8ae57764.txt"

MEDIA = {
    "json": "application/json",
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "pdf": "application/pdf",
    "annotated": "application/pdf",
}


@pytest.fixture(scope="module")
def finished(client: Client) -> dict:
    if not SHANGHAI.is_file() or not SEED.is_file():
        pytest.skip("../shared samples are missing")
    batch = client.new_batch()
    # not complete yet: the tabular summary and the zip wait for it
    assert client.http.get(f"/batches/{batch}/summary.xlsx").status_code == 409
    assert client.http.get(f"/batches/{batch}/export.zip").status_code == 409
    seed = SEED.read_bytes()
    results = client.upload(
        batch, [(SEED.name, seed), (SHANGHAI.name, SHANGHAI.read_bytes()), ("副本.txt", seed)]
    )
    assert [r["state"] for r in results] == ["queued", "queued", "duplicate"]
    status = client.wait_complete(batch, timeout=240)
    docs = {d["filename"]: d for d in status["documents"]}
    return {
        "batch": batch,
        "status": status,
        "seed": docs[SEED.name],
        "pdf": docs[SHANGHAI.name],
        "copy": docs["副本.txt"],
    }


def _filename(response) -> str:
    header = response.headers["content-disposition"]
    assert re.search(r'filename="[\x20-\x7e]+"', header), header  # the ASCII fallback
    m = re.search(r"filename\*=UTF-8''([^;]+)", header)
    assert m, header
    return unquote(m.group(1))


def _report(client: Client, doc: dict) -> DocumentReport:
    return DocumentReport.model_validate(client.http.get(doc["reports"]["json"]).json())


def test_every_format_downloads_with_its_type_and_chinese_name(client: Client, finished: dict):
    pdf_doc = finished["pdf"]
    assert pdf_doc["state"] == "done" and pdf_doc["department"] == "上海市普陀区财政局"
    formats = set(pdf_doc["reports"])
    assert {"json", "html", "xlsx", "csv", "annotated"} <= formats
    # the printable PDF needs Chromium; without it the reason is recorded instead
    assert "pdf" in formats or pdf_doc["unavailable"]["pdf"]
    for fmt in formats:
        r = client.http.get(pdf_doc["reports"][fmt])
        assert r.status_code == 200, (fmt, r.text[:200])
        assert r.headers["content-type"].startswith(MEDIA[fmt]), fmt
        label = "标注版.pdf" if fmt == "annotated" else f"审查报告.{fmt}"
        assert _filename(r) == f"上海市普陀区财政局-{label}", fmt
    # a text original: no annotated copy, with the reason, in status and as the 404's answer
    seed = finished["seed"]
    assert "annotated" not in seed["reports"] and "PDF" in seed["unavailable"]["annotated"]
    r = client.http.get(f"/batches/{finished['batch']}/documents/{seed['doc_id']}/annotated.pdf")
    assert r.status_code == 404 and seed["unavailable"]["annotated"] in r.json()["detail"]


def test_xlsx_has_one_row_per_finding_and_annotated_one_highlight_per_boxed_finding(
    client: Client, finished: dict
):
    doc = finished["pdf"]
    report = _report(client, doc)
    assert report.findings
    book = load_workbook(io.BytesIO(client.http.get(doc["reports"]["xlsx"]).content), read_only=True)
    rows = [r for r in book["问题清单"].iter_rows(values_only=True) if any(v not in (None, "") for v in r)]
    assert len(rows) - 1 == len(report.findings)  # header + one row each
    pdf = PdfReader(io.BytesIO(client.http.get(doc["reports"]["annotated"]).content))
    highlights = sum(
        1
        for page in pdf.pages
        for a in (page.get("/Annots") or [])
        if a.get_object().get("/Subtype") == "/Highlight"
    )
    boxed = sum(1 for f in report.findings if first_boxed(f) is not None)
    assert boxed > 0 and highlights == boxed


def test_evidence_picture(client: Client, finished: dict):
    doc, batch = finished["pdf"], finished["batch"]
    report = _report(client, doc)
    i, j = next((i, b[0]) for i, f in enumerate(report.findings) if (b := first_boxed(f)) is not None)
    base = f"/batches/{batch}/documents/{doc['doc_id']}/findings"
    r = client.http.get(f"{base}/{i}/evidence/{j}.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.headers["cache-control"] == "private, max-age=3600"
    image = Image.open(io.BytesIO(r.content))
    image.load()
    assert image.format == "PNG" and image.width >= 100 and image.height >= 20
    missing = client.http.get(f"{base}/{len(report.findings)}/evidence/0.png")
    assert missing.status_code == 404 and "超出范围" in missing.json()["detail"]
    seed = finished["seed"]
    r = client.http.get(f"/batches/{batch}/documents/{seed['doc_id']}/findings/0/evidence/0.png")
    assert r.status_code == 404 and not r.json()["detail"].isascii()


def test_duplicate_is_listed_and_counted_apart(client: Client, finished: dict):
    copy, seed, status = finished["copy"], finished["seed"], finished["status"]
    assert copy["duplicate_of"] == seed["doc_id"] and copy["state"] == "failed"
    assert copy["error"] == f"重复文件：与 {SEED.name} 内容完全相同，未重复检查。"
    assert status["counts"]["duplicate"] == 1 and status["counts"]["failed"] == 0
    assert status["counts"]["done"] == 2 and status["total"] == 3
    summary = client.http.get(status["summary"]["json"]).json()
    assert summary["duplicates"] == 1 and summary["failed"] == 0 and summary["complete"]
    (row,) = [r for r in summary["rows"] if r["duplicate_of"]]
    assert row["doc_id"] == copy["doc_id"]
    # its report says why it was not checked; formats made only for checked files say so too
    assert client.http.get(copy["reports"]["json"]).json()["error"] == copy["error"]
    r = client.http.get(f"/batches/{finished['batch']}/documents/{copy['doc_id']}/report.xlsx")
    assert r.status_code == 404 and copy["error"] in r.json()["detail"]


def test_batch_summary_files_and_zip(client: Client, finished: dict):
    status, batch = finished["status"], finished["batch"]
    assert {"json", "html", "xlsx", "csv", "zip"} <= set(status["summary"])
    xlsx = client.http.get(status["summary"]["xlsx"])
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith(MEDIA["xlsx"])
    assert _filename(xlsx) == "test-批次汇总.xlsx"
    book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert book.sheetnames[0] == "汇总"
    csv = client.http.get(f"/batches/{batch}/summary.csv")
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")

    r = client.http.get(status["summary"]["zip"])
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert _filename(r) == "test-审查报告.zip"
    z = zipfile.ZipFile(io.BytesIO(r.content))
    assert z.testzip() is None
    names = set(z.namelist())
    assert {f"批次汇总.{e}" for e in ("json", "html", "xlsx", "csv")} <= names
    assert all(i.flag_bits & 0x800 for i in z.infolist() if not i.filename.isascii())  # UTF-8 names
    assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())
    pdf_files = {n.split("/", 1)[1] for n in names if n.startswith("上海市普陀区财政局/")}
    expected = {"审查报告.json", "审查报告.html", "审查报告.xlsx", "审查报告.csv", "标注版.pdf"}
    if "pdf" in finished["pdf"]["reports"]:
        expected.add("审查报告.pdf")
    assert pdf_files == expected
    folders = {n.split("/", 1)[0] for n in names if "/" in n}
    assert len(folders) == 3  # one per document, the copy included (its error report)
    stored = json.loads(z.read("上海市普陀区财政局/审查报告.json"))
    assert stored == client.http.get(finished["pdf"]["reports"]["json"]).json()


def test_docs_are_served_by_the_api(client: Client):
    anonymous = Client(client.stack, token=None)
    for page in ("/docs", "/redoc"):
        r = anonymous.http.get(page)
        assert r.status_code == 200
        assert not [
            u for u in re.findall(r"https?://[^\s\"'<>]+", r.text) if not u.startswith(client.stack.api_url)
        ]
        for asset in re.findall(r"""(?:src|href)=["'](/static/docs/[^"']+)["']""", r.text):
            assert anonymous.http.get(asset).status_code == 200, asset
    spec = anonymous.http.get("/openapi.json").json()
    assert set(spec["paths"]) >= {
        "/health",
        "/metrics",
        "/batches",
        "/batches/{batch_id}",
        "/batches/{batch_id}/recover",
        "/batches/{batch_id}/files",
        "/batches/{batch_id}/uploads",
        "/events/minio",
        "/batches/{batch_id}/summary.json",
        "/batches/{batch_id}/summary.html",
        "/batches/{batch_id}/summary.{fmt}",
        "/batches/{batch_id}/export.zip",
        "/batches/{batch_id}/documents/{doc_id}",
        "/batches/{batch_id}/documents/{doc_id}/report.{fmt}",
        "/batches/{batch_id}/documents/{doc_id}/annotated.pdf",
        "/batches/{batch_id}/documents/{doc_id}/findings/{finding}/evidence/{evidence}.png",
    }
