"""Service benchmark: N generated documents through the native distributed setup (redis-server,
S3 endpoint, api, one worker per queue) — documents per second, p50/p95 from upload to report,
peak memory (VmHWM) per worker process.

Usage: ./dev bench-service [N] [--chunk 50] [--concurrency 1]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx

from corpus.generator import generate_document
from services.devstack import QUEUES, Stack


def vm_hwm_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def group_pids(pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "-g", str(pid)], capture_output=True, text=True, check=False
    ).stdout
    return [int(p) for p in out.split()]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=200)
    ap.add_argument("--chunk", type=int, default=50)
    ap.add_argument("--concurrency", type=int, default=1)
    args = ap.parse_args()
    styles = ("pdf", "ocr", "word")
    docs = [generate_document(10_000 + i, styles[i % 3], []) for i in range(args.n)]
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp), worker_concurrency=args.concurrency)
        stack.start()
        try:
            http = httpx.Client(base_url=stack.api_url, timeout=120)
            batch = http.post("/batches", json={"name": "bench"}).json()["batch_id"]
            uploaded: dict[str, float] = {}
            t0 = time.time()
            for i in range(0, len(docs), args.chunk):
                part = docs[i : i + args.chunk]
                r = http.post(
                    f"/batches/{batch}/files", files=[("files", (d.name + ".txt", d.data)) for d in part]
                )
                now = time.time()
                for res in r.json():
                    uploaded[res["doc_id"]] = now
            t_uploaded = time.time()
            finished: dict[str, float] = {}
            while len(finished) < len(uploaded):
                status = http.get(f"/batches/{batch}").json()
                now = time.time()
                for d in status["documents"]:
                    if d["state"] in ("done", "failed") and d["doc_id"] not in finished:
                        finished[d["doc_id"]] = now
                if time.time() - t0 > 1800:
                    raise SystemExit("benchmark did not finish in 30 min")
                time.sleep(0.1)
            t_end = time.time()
            memory = {}
            for q in QUEUES:
                proc = stack.procs[f"worker-{q}"]
                memory[q] = max((vm_hwm_mb(p) for p in group_pids(proc.pid)), default=0.0)
            memory["api"] = max((vm_hwm_mb(p) for p in group_pids(stack.procs["api"].pid)), default=0.0)
            failed = sum(1 for d in status["documents"] if d["state"] == "failed")
        finally:
            stack.stop()
    lat = sorted(finished[d] - uploaded[d] for d in uploaded)
    total = t_end - t0
    print(
        f"documents: {len(uploaded)} (failed {failed}), worker concurrency {args.concurrency} per queue, upload chunks of {args.chunk}"
    )
    print(
        f"wall time: {total:.1f} s (uploads took {t_uploaded - t0:.1f} s) → {len(uploaded) / total:.1f} documents/s"
    )
    print(
        f"upload→report latency: p50 {statistics.median(lat):.2f} s, p95 {lat[int(len(lat) * 0.95) - 1]:.2f} s, max {lat[-1]:.2f} s"
    )
    print("peak memory (VmHWM, MB): " + ", ".join(f"{k} {v:.0f}" for k, v in memory.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
