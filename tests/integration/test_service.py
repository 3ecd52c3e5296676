"""The service end to end: one batch of real seeds and generated documents through the four
workers, reports downloaded and compared with the in-process engine; zip and presigned uploads;
bad inputs failing one document each while the rest complete; the api token."""

from __future__ import annotations

import io
import json
import zipfile

import httpx
from reportlab.lib import pdfencrypt

from corpus.generator import generate_document, generate_file
from services.pipeline import check_bytes
from shared.keys import safe_name
from tests.integration.conftest import SEEDS, TOKEN, Client
from tests.pdfs import image_only_pdf, income_table_pdf, many_pages_pdf

SAMPLE_PDFS = SEEDS.parent / "samples" / "pdf"


def _docs() -> list[tuple[str, bytes]]:
    files = [(p.name, p.read_bytes()) for p in sorted(SEEDS.glob("*.txt"))] if SEEDS.is_dir() else []
    # the real PDFs go through the same chain (the blank template fails with its notice)
    files += [(p.name, p.read_bytes()) for p in sorted(SAMPLE_PDFS.glob("*.pdf")) if "模板" not in p.name]
    for i, (style, defects) in enumerate(
        [
            ("pdf", ["yoy_percent_wrong"]),
            ("ocr", []),
            ("word", ["score_total_wrong"]),
            ("pdf", []),
            ("ocr", ["count_mismatch"]),
            ("word", []),
        ]
    ):
        d = generate_document(500 + i, style, defects)
        files.append((d.name + ".txt", d.data))
    for i, fmt in enumerate(("pdf", "docx", "xlsx")):  # real files through the same chain
        f = generate_file(550 + i, fmt, ["share_wrong"] if i == 1 else [])
        files.append((f.filename, f.data))
    return files


def _key(f: dict) -> tuple:
    return (f["code"], f["severity"], f["message"])


def test_batch_reports_match_the_in_process_engine(client: Client):
    files = _docs()
    batch = client.new_batch()
    results = client.upload(batch, files)
    assert [r["state"] for r in results] == ["queued"] * len(files)
    status = client.wait_complete(batch)
    assert status["counts"]["done"] == len(files) and status["counts"]["failed"] == 0
    by_name = {d["filename"]: d for d in status["documents"]}
    for name, data in files:
        doc = by_name[safe_name(name)]
        remote = client.http.get(doc["reports"]["json"]).json()
        local, _ = check_bytes(name, data)
        assert sorted(map(_key, remote["findings"])) == sorted(
            _key(f.model_dump(mode="json")) for f in local.findings
        ), name
        assert remote["document"]["sha256"] == local.document.sha256
        html = client.http.get(doc["reports"]["html"])
        assert html.status_code == 200 and "决算审查报告" in html.text
        assert doc["findings"] == local.counts()
    summary = client.http.get(f"/batches/{batch}/summary.json").json()
    assert summary["complete"] and summary["documents"] == len(files)
    total_errors = sum(d["findings"].get("error", 0) for d in status["documents"])
    assert summary["totals_by_severity"].get("error", 0) == total_errors
    assert "批次汇总" in client.http.get(f"/batches/{batch}/summary.html").text


def test_zip_upload_and_duplicates(client: Client):
    batch = client.new_batch()
    docs = [generate_document(600 + i, "pdf", []) for i in range(3)]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for d in docs:
            z.writestr(f"年度决算/{d.name}.txt", d.data)
    results = client.upload(batch, [("all.zip", buf.getvalue()), ("again.txt", docs[0].data)])
    states = [r["state"] for r in results]
    assert states.count("queued") == 3 and states.count("duplicate") == 1
    status = client.wait_complete(batch)
    # the copy is listed as a document of the batch, finished at once, pointing at the first one
    assert status["total"] == 4 and status["counts"]["done"] == 3 and status["counts"]["duplicate"] == 1
    assert status["counts"]["failed"] == 0
    (copy,) = [d for d in status["documents"] if d["duplicate_of"]]
    first = next(d for d in status["documents"] if d["doc_id"] == copy["duplicate_of"])
    assert copy["filename"] == "again.txt" and first["filename"] == safe_name(f"{docs[0].name}.txt")
    assert copy["error"] == f"重复文件：与 {first['filename']} 内容完全相同，未重复检查。"
    summary = client.http.get(f"/batches/{batch}/summary.json").json()
    assert summary["duplicates"] == 1 and summary["failed"] == 0 and summary["done"] == 3


def test_duplicate_found_by_ingest_is_marked(client: Client):
    """A presigned upload cannot be compared before it is stored: ingest finds the copy, and the
    document fails as a duplicate of the first one (counted apart, not as failed)."""
    batch = client.new_batch()
    doc = generate_document(710, "pdf", [])
    (first,) = client.upload(batch, [("原件.txt", doc.data)])
    client.wait_complete(batch)
    (up,) = client.http.post(f"/batches/{batch}/uploads", json={"filenames": ["副本.txt"]}).json()
    assert httpx.post(up["url"], data=up["fields"], files={"file": ("副本.txt", doc.data)}).status_code < 300
    event = {"Records": [{"eventName": "s3:ObjectCreated:Post", "s3": {"object": {"key": up["key"]}}}]}
    assert client.http.post("/events/minio", content=json.dumps(event)).json()["started"] == 1
    status = client.wait_complete(batch)
    copy = next(d for d in status["documents"] if d["doc_id"] == up["doc_id"])
    assert copy["duplicate_of"] == first["doc_id"] and copy["state"] == "failed"
    assert copy["error"] == "重复文件：与 原件.txt 内容完全相同，未重复检查。"
    assert status["counts"]["duplicate"] == 1 and status["counts"]["failed"] == 0
    summary = client.http.get(f"/batches/{batch}/summary.json").json()
    assert summary["duplicates"] == 1 and summary["failed"] == 0


def test_presigned_upload_then_bucket_notification(client: Client):
    batch = client.new_batch()
    doc = generate_document(700, "ocr", ["completion_rate_wrong"])
    (up,) = client.http.post(f"/batches/{batch}/uploads", json={"filenames": ["scan.txt"]}).json()
    assert up["method"] == "POST" and up["fields"]["key"] == up["key"]
    post = httpx.post(up["url"], data=up["fields"], files={"file": ("scan.txt", doc.data)})
    assert post.status_code in (200, 201, 204), post.text
    event = {
        "EventName": "s3:ObjectCreated:Put",
        "Key": f"juesuan/{up['key']}",
        "Records": [
            {
                "eventName": "s3:ObjectCreated:Put",
                "s3": {"bucket": {"name": "juesuan"}, "object": {"key": up["key"]}},
            }
        ],
    }
    r = client.http.post("/events/minio", content=json.dumps(event))
    assert r.json() == {"started": 1, "ignored": 0, "refused": []}
    assert (
        client.http.post("/events/minio", content=json.dumps(event)).json()["started"] == 0
    )  # repeated event
    status = client.wait_complete(batch)
    (d,) = status["documents"]
    assert d["state"] == "done" and d["findings"].get("error", 0) >= 1


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in entries.items():
            z.writestr(n, data)
    return buf.getvalue()


def test_bad_inputs_fail_one_document_each(client: Client):
    import random

    rng = random.Random(3)
    good = generate_document(800, "pdf", [])
    pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\n" + bytes(rng.randrange(256) for _ in range(3000))
    bad = {
        "empty.txt": b"",
        "random.bin": bytes(rng.randrange(256) for _ in range(5000)),
        "photo.pdf": b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(2000)),
        "truncated.pdf": pdf,
        "huge.txt": "一".encode() * (2 * 1024 * 1024 + 10),  # 6 MB > the 6 MB limit of this stack
        "escape.zip": _zip({"../../etc/passwd.txt": b"x", "/abs/path.txt": b"y"}),
        "bomb.zip": _zip({"zeros.txt": b"0" * (60 * 1024 * 1024)}),
        "novel.txt": "这是一篇与决算无关的小说。他走进房间，看见窗外的雨。".encode() * 50,
        "scan.pdf": image_only_pdf(),
        "locked.pdf": income_table_pdf(encrypt=pdfencrypt.StandardEncryption("secret", ownerPassword="o")),
        "long.pdf": many_pages_pdf(2000),
        "damaged.docx": _zip(
            {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document>not xml"}
        ),
        "bom_only.txt": b"\xef\xbb\xbf\r\n",
    }
    batch = client.new_batch()
    results = client.upload(batch, [*bad.items(), ("good.txt", good.data)])
    assert any(r["state"] == "queued" for r in results)
    status = client.wait_complete(batch)
    docs = status["documents"]
    failed = {d["filename"]: d["error"] for d in docs if d["state"] == "failed"}
    assert "空文件" in failed["empty.txt"]
    assert "PNG" in failed["photo.pdf"] or "图片" in failed["photo.pdf"]
    assert "不完整" in failed["truncated.pdf"] or "损坏" in failed["truncated.pdf"]
    assert "过大" in failed["huge.txt"]
    assert any("不安全" in e for n, e in failed.items() if n.startswith("escape.zip"))
    assert "炸弹" in failed["bomb.zip"]
    assert "不是部门决算文件" in failed["novel.txt"]
    assert "OCR" in failed["scan.pdf"] or "扫描" in failed["scan.pdf"]
    assert "加密" in failed["locked.pdf"]
    assert "2000 页" in failed["long.pdf"]
    assert "Word" in failed["damaged.docx"] and "损坏" in failed["damaged.docx"]
    # one ingest for the api, the workers and the CLI: the same bytes get the same answer
    for name in ("bom_only.txt", "damaged.docx", "scan.pdf", "random.bin"):
        assert failed[name] == check_bytes(name, bad[name])[0].error, name
    assert any(n == "random.bin" for n in failed)
    assert [d["state"] for d in docs if d["filename"] == "good.txt"] == ["done"]
    for d in docs:  # every failed document has a downloadable report with its reason
        assert client.http.get(d["reports"]["json"]).status_code == 200
    assert client.http.get("/health").json()["status"] == "ok"


def test_key_is_enforced_and_only_read_from_the_header(client: Client):
    anonymous = Client(client.stack, token=None)
    assert anonymous.http.get("/health").status_code == 200  # probes and the API docs are open
    assert anonymous.http.get("/openapi.json").status_code == 200
    assert anonymous.http.post("/batches").status_code == 401
    batch = client.new_batch()
    assert anonymous.http.get(f"/batches/{batch}").status_code == 401
    assert Client(client.stack, token="wrong").http.get(f"/batches/{batch}").status_code == 401
    assert (
        anonymous.http.get(f"/batches/{batch}", params={"token": TOKEN}).status_code == 401
    )  # never in the URL


def test_report_links_are_signed_for_browsers(client: Client):
    batch = client.new_batch()
    client.upload(batch, [("x.txt", generate_document(77, "pdf", []).data)])
    status = client.wait_complete(batch)
    link = status["documents"][0]["reports"]["html"]
    assert "sig=" in link and "exp=" in link
    anonymous = Client(client.stack, token=None)
    assert anonymous.http.get(link).status_code == 200  # no key: the signature opens this one path
    assert anonymous.http.get(status["summary"]["html"]).status_code == 200
    assert anonymous.http.get(link.replace("report.html", "report.json")).status_code == 401  # another path
    tampered = link.replace("exp=", "exp=1")
    assert anonymous.http.get(tampered).status_code == 401


def test_unknown_batch_and_document(client: Client):
    assert client.http.get("/batches/b_doesnotexist").status_code == 404
    batch = client.new_batch()
    assert client.http.get(f"/batches/{batch}/documents/d_nope").status_code == 404
