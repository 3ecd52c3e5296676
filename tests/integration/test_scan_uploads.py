"""Scans uploaded to the service: a zip of one document's page images is one document, read on the
ocr queue; a zip mixing images with other files is unpacked, each image a scan of its own; bad scans
(an image bomb, a scan over the page limit, blank pages, a photo of something else) fail one
document each with the same message as the in-process engine, and the rest of the batch completes."""

from __future__ import annotations

from corpus.generator import generate_document
from services.pipeline import check_bytes
from tests.integration.conftest import Client
from tests.pdfs import income_table_pdf
from tests.unit.test_scan_inputs import _blank, _photo, _png, _png_bomb, _tiff, _words, _zip


def test_scans_in_one_batch(client: Client):
    pages = _zip({f"第{i}页.png": _png(_words(f"Page {i} total 12.50")) for i in (1, 2, 3)})
    mixed = _zip({"a.pdf": income_table_pdf(), "b.png": _png(_words("Receipt 45.00")), "c.txt": b"x" * 20})
    bad = {
        "bomb.png": _png_bomb(),
        "long.tif": _tiff([_blank((8, 11))] * 300),
        "blank.zip": _zip({"1.png": _png(_blank()), "2.png": _png(_blank())}),
        "photo.png": _png(_photo()),
    }
    good = generate_document(801, "pdf", [])
    batch = client.new_batch()
    results = client.upload(
        batch, [("scan.zip", pages), ("mixed.zip", mixed), *bad.items(), ("good.txt", good.data)]
    )
    names = [r["filename"] for r in results]
    assert names.count("scan.zip") == 1 and not any(n.startswith("第") for n in names)
    assert {"a.pdf", "b.png", "c.txt"} <= set(names)
    status = client.wait_complete(batch, timeout=300)
    docs = {d["filename"]: d for d in status["documents"]}
    assert len(docs) == len(results)
    # the page images were read as one scan: text found on its pages, no disclosure in it
    assert docs["scan.zip"]["error"] == check_bytes("scan.zip", pages)[0].error
    assert "不是部门决算文件" in docs["scan.zip"]["error"]
    assert docs["a.pdf"]["state"] == "done"
    assert "不是部门决算文件" in docs["b.png"]["error"]  # an image of the mixed zip: a scan of its own
    for name, data in bad.items():  # the same answer as the engine in process
        assert docs[name]["state"] == "failed" and docs[name]["error"] == check_bytes(name, data)[0].error, (
            name
        )
    assert "疑似解压炸弹" in docs["bomb.png"]["error"]
    assert "300 页需要文字识别" in docs["long.tif"]["error"]
    assert "没有识别出任何文字" in docs["blank.zip"]["error"]
    assert "不是部门决算文件" in docs["photo.png"]["error"]
    assert docs["good.txt"]["state"] == "done"
