"""Chaos run: N generated documents through the native distributed setup while the parse and
validate workers are SIGKILLed mid-batch and Redis is restarted. Nobody polls for recovery's sake:
a monitor only reads the batch status (to check that the done count never goes backwards).

Checks, printed as JSON at the end:
- every document done (none failed, none left in a stage);
- each stage ran once per document apart from the tasks that were killed (``runs:<stage>`` counts
  in each document's Redis hash, incremented when a stage's work really starts);
- the done count seen by the monitor is monotone.

Usage: ./dev chaos [N]          (python scripts/chaos.py --count 1000)
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx
import redis

from corpus.generator import generate_document
from services.devstack import Stack

STAGES = ("ingest", "parse", "validate", "report")


class Monitor(threading.Thread):
    """Reads the batch status every half second; records the done counts it saw."""

    def __init__(self, http: httpx.Client, batch: str) -> None:
        super().__init__(daemon=True)
        self.http, self.batch = http, batch
        self.done: list[int] = []
        self.errors = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                r = self.http.get(f"/batches/{self.batch}", timeout=10)
                if r.status_code == 200:
                    self.done.append(r.json()["counts"].get("done", 0))
                else:
                    self.errors += 1
            except httpx.HTTPError:
                self.errors += 1  # api briefly unable to reach Redis during its restart
            self.stop.wait(0.5)

    @property
    def latest(self) -> int:
        return self.done[-1] if self.done else 0


def _wait_done(mon: Monitor, at_least: int, timeout: float) -> None:
    deadline = time.time() + timeout
    while mon.latest < at_least and time.time() < deadline:
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--chunk", type=int, default=100, help="files per upload request")
    ap.add_argument("--timeout", type=float, default=1800)
    args = ap.parse_args(argv)
    n = args.count

    root = Path(tempfile.mkdtemp(prefix="juesuan-chaos-"))
    stack = Stack(
        root,
        env={
            "JUESUAN_RECOVERY_INTERVAL_SECONDS": "2",
            "JUESUAN_RECOVERY_GRACE_SECONDS": "10",
            "JUESUAN_LEASE_SECONDS": "6",
            "JUESUAN_VISIBILITY_TIMEOUT_SECONDS": "60",
            "JUESUAN_TASK_SOFT_TIME_LIMIT": "40",
            "JUESUAN_TASK_TIME_LIMIT": "50",
        },
    )
    events: list[str] = []
    t0 = time.time()
    try:
        stack.start()
        http = httpx.Client(base_url=stack.api_url, timeout=120)
        batch = http.post("/batches", json={"name": "chaos"}).json()["batch_id"]
        docs = [generate_document(10_000 + i, ("pdf", "ocr", "word")[i % 3], []) for i in range(n)]
        mon = Monitor(http, batch)
        mon.start()
        ids: list[str] = []
        for i in range(0, n, args.chunk):
            part = docs[i : i + args.chunk]
            r = http.post(
                f"/batches/{batch}/files", files=[("files", (f"{d.name}.txt", d.data)) for d in part]
            )
            r.raise_for_status()
            ids.extend(x["doc_id"] for x in r.json())
        events.append(f"{time.time() - t0:.1f}s uploaded {len(ids)}")

        def kill(name: str) -> None:
            proc = next(p for k, p in stack.procs.items() if k.startswith(f"worker-{name}"))
            key = next(k for k, p in stack.procs.items() if p is proc)
            stack.stop_process(key, signal.SIGKILL)
            events.append(f"{time.time() - t0:.1f}s SIGKILL {key} (done {mon.latest})")
            time.sleep(2)
            stack.start_worker(name, suffix=f"-{int(time.time())}")

        _wait_done(mon, n // 5, args.timeout)
        kill("parse")
        _wait_done(mon, 2 * n // 5, args.timeout)
        kill("validate")
        _wait_done(mon, 3 * n // 5, args.timeout)
        stack.stop_process("redis", signal.SIGTERM)
        events.append(f"{time.time() - t0:.1f}s redis stopped (done {mon.latest})")
        time.sleep(3)
        stack.start_redis()
        events.append(f"{time.time() - t0:.1f}s redis started")
        _wait_done(mon, 4 * n // 5, args.timeout)
        kill("parse")

        deadline = time.time() + args.timeout
        r_client = redis.Redis(port=stack.redis_port, decode_responses=True)
        while time.time() < deadline:
            if r_client.scard(f"js:batch:{batch}:terminal") >= len(set(ids)):
                break
            time.sleep(1)
        elapsed = time.time() - t0
        time.sleep(1.5)
        mon.stop.set()
        mon.join(timeout=15)

        hashes = {d: r_client.hgetall(f"js:doc:{batch}:{d}") for d in set(ids)}
        states: dict[str, int] = {}
        for h in hashes.values():
            states[h.get("state", "?")] = states.get(h.get("state", "?"), 0) + 1
        repeats = {s: sum(int(h.get(f"runs:{s}", 0)) > 1 for h in hashes.values()) for s in STAGES}
        never = {s: sum(int(h.get(f"runs:{s}", 0)) == 0 for h in hashes.values()) for s in STAGES}
        restarted = sum(bool(h.get("restarts")) for h in hashes.values())
        backwards = sum(1 for a, b in zip(mon.done, mon.done[1:]) if b < a)
        result = {
            "documents": len(set(ids)),
            "states": states,
            "seconds": round(elapsed, 1),
            "documents_with_a_stage_run_twice": repeats,
            "documents_with_a_stage_never_run": never,
            "restarted_by_recovery": restarted,
            "killed_tasks_at_most": 3,  # three SIGKILLs of single-slot workers
            "done_count_went_backwards": backwards,
            "status_polls": len(mon.done),
            "status_poll_errors": mon.errors,
            "events": events,
        }
        print(json.dumps(result, ensure_ascii=False, indent=2))
        ok = states.get("done") == len(set(ids)) and sum(repeats.values()) <= 3 and backwards == 0
        return 0 if ok else 1
    finally:
        stack.stop()


if __name__ == "__main__":
    raise SystemExit(main())
