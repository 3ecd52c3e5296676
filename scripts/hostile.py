"""Hostile uploads against the native stack, and the api's peak memory (VmHWM) through them.

Sends: a 2 GB body streamed without a length and one declared by Content-Length, 1 GB to the MinIO
webhook, a 2.7 MB-class zip of 24 × 20 MiB entries, odd and 2,000-character file names beside a good
file, and a 17 MB text holding a 400,000-row table followed by a good document. Prints each answer,
how long it took, and the api's peak resident memory, as JSON.

Usage: .venv/bin/python scripts/hostile.py
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx

from corpus.generator import generate_document
from services.devstack import Stack


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def stream(total: int, sent: list[int]):
    """A multipart body whose one file part never ends (until ``total`` bytes)."""
    head = b'--z\r\nContent-Disposition: form-data; name="files"; filename="huge.pdf"\r\n\r\n%PDF-1.7\n'
    sent[0] += len(head)
    yield head
    chunk = b"x" * (1 << 20)
    while sent[0] < total:
        sent[0] += len(chunk)
        yield chunk


def big_zip() -> bytes:
    """24 entries of 20 MiB that compress about 180:1 each (under the zip-bomb ratio)."""
    rnd = os.urandom(1 << 16)
    entry = bytearray(b"\0" * (20 << 20))
    for i in range(0, len(entry), 1 << 20):
        entry[i : i + 5500] = rnd[:5500]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(24):
            zf.writestr(f"dept_{i:02d}.bin", bytes(entry))
    return buf.getvalue()


def big_text(rows: int) -> bytes:
    head = "2023年度部门决算\n一般公共预算财政拨款支出决算表\n单位：万元\n"
    body = "".join(
        f"{2010101 + i % 90}  行政运行  {1234.56 + i:.2f}  1000.00  {234.56 + i:.2f}\n" for i in range(rows)
    )
    return (head + body).encode()


def main() -> int:
    stack = Stack(Path(tempfile.mkdtemp(prefix="juesuan-hostile-")))
    out: dict[str, object] = {}
    try:
        stack.start()
        api_pid = stack.procs["api"].pid
        http = httpx.Client(base_url=stack.api_url, timeout=120)
        batch = http.post("/batches", json={}).json()["batch_id"]
        good = generate_document(3, "pdf", []).data

        def timed(name: str, fn) -> None:
            t0 = time.perf_counter()
            try:
                r = fn()
                out[name] = {
                    "status": r.status_code,
                    "seconds": round(time.perf_counter() - t0, 2),
                    "answer": r.text[:200],
                }
            except httpx.HTTPError as exc:
                out[name] = {"error": type(exc).__name__, "seconds": round(time.perf_counter() - t0, 2)}

        sent = [0]
        timed(
            "2GB_streamed",
            lambda: http.post(
                f"/batches/{batch}/files",
                content=stream(2 << 30, sent),
                headers={"Content-Type": "multipart/form-data; boundary=z"},
            ),
        )
        out["2GB_streamed_bytes_sent_MB"] = round(sent[0] / 1e6, 1)
        sent2 = [0]
        timed(
            "2GB_declared",
            lambda: http.post(
                f"/batches/{batch}/files",
                content=stream(2 << 30, sent2),
                headers={"Content-Type": "multipart/form-data; boundary=z", "Content-Length": str(2 << 30)},
            ),
        )
        out["2GB_declared_bytes_sent_MB"] = round(sent2[0] / 1e6, 1)
        sent3 = [0]
        timed(
            "1GB_webhook",
            lambda: http.post(
                "/events/minio", content=stream(1 << 30, sent3), headers={"Content-Type": "application/json"}
            ),
        )
        z = big_zip()
        out["zip_size_MB"] = round(len(z) / 1e6, 2)
        timed("zip_24x20MiB", lambda: http.post(f"/batches/{batch}/files", files=[("files", ("all.zip", z))]))
        names = [".", "..", "x/..", "名" * 2000]
        timed(
            "odd_names_beside_good",
            lambda: http.post(
                f"/batches/{batch}/files",
                files=[("files", (n, f"{n[:5]}".encode() * 10)) for n in names]
                + [("files", ("good.txt", good))],
            ),
        )
        text = big_text(330_000)  # 400,000 table rows in all: the 17 MB file an operator tried
        out["text_size_MB"] = round(len(text) / 1e6, 1)
        timed(
            "400k_rows_text",
            lambda: http.post(f"/batches/{batch}/files", files=[("files", ("big.txt", text))]),
        )
        t_good = time.perf_counter()
        good2 = generate_document(4, "word", []).data
        doc = http.post(f"/batches/{batch}/files", files=[("files", ("good2.txt", good2))]).json()[0][
            "doc_id"
        ]
        while http.get(f"/batches/{batch}/documents/{doc}").json()["state"] not in ("done", "failed"):
            time.sleep(0.1)
        out["good_after_big_seconds"] = round(time.perf_counter() - t_good, 2)
        out["api_peak_rss_MB"] = round(vm_hwm_mb(api_pid), 1)
    finally:
        stack.stop()
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
