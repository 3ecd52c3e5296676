"""The distributed topology, natively, for development and integration tests: a real redis-server
(Debian package), an S3 endpoint over HTTP (moto's server here; MinIO in docker-compose — the
client code is the same minio SDK), the api (uvicorn), one Celery worker per queue (ingest, ocr,
parse, validate, report; the ocr worker runs JUESUAN_OCR_CONCURRENCY tasks at once, default 1) and
the recovery process.

    python -m services.devstack up [--dir .devstack] [--api-port 8000]   # start in the background
    python -m services.devstack down [--dir .devstack]                    # stop cleanly
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

QUEUES = ("ingest", "ocr", "parse", "validate", "report")


def free_ports(n: int) -> list[int]:
    """``n`` distinct free loopback ports (all held open while choosing, so none repeats)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def free_port() -> int:
    return free_ports(1)[0]


def wait_for(check, timeout: float, what: str) -> None:
    deadline = time.time() + timeout
    last: Exception | None = None
    while time.time() < deadline:
        try:
            if check():
                return
        except Exception as exc:  # noqa: BLE001  (keep polling until the deadline)
            last = exc
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not become ready in {timeout:.0f}s ({last})")


class Stack:
    def __init__(
        self,
        root: Path,
        api_port: int | None = None,
        env: dict[str, str] | None = None,
        worker_concurrency: int = 1,
    ) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "logs").mkdir(exist_ok=True)
        self.redis_port, self.s3_port, spare = free_ports(3)
        self.api_port = api_port or spare
        self.worker_concurrency = worker_concurrency
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {
            **os.environ,
            "JUESUAN_REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "JUESUAN_S3_ENDPOINT": f"127.0.0.1:{self.s3_port}",
            "JUESUAN_S3_ACCESS_KEY": "devkey",
            "JUESUAN_S3_SECRET_KEY": "devsecret",
            "JUESUAN_BUCKET": "juesuan",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    # ------------------------------------------------------------------ processes
    def _spawn(self, name: str, cmd: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.root / "logs" / f"{name}.log", "ab")  # noqa: SIM115  (kept open for the child)
        proc = subprocess.Popen(
            cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs[name] = proc
        return proc

    def start_redis(self) -> None:
        data = self.root / "redis"
        data.mkdir(exist_ok=True)
        self._spawn(
            "redis",
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(data),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ],
        )
        import redis

        client = redis.Redis(port=self.redis_port, socket_timeout=1)
        wait_for(lambda: client.ping(), 20, "redis-server")

    def start_s3(self) -> None:
        self._spawn("s3", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.s3_port)])
        wait_for(
            lambda: urllib.request.urlopen(f"http://127.0.0.1:{self.s3_port}/", timeout=1), 30, "S3 endpoint"
        )

    def start_api(self) -> None:
        self._spawn(
            "api",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "services.api.app:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.api_port),
                "--log-level",
                "warning",
            ],
        )
        headers = (
            {"Authorization": f"Bearer {self.env['JUESUAN_API_TOKEN']}"}
            if self.env.get("JUESUAN_API_TOKEN")
            else {}
        )
        wait_for(
            lambda: urllib.request.urlopen(
                urllib.request.Request(f"{self.api_url}/health", headers=headers), timeout=2
            ),
            60,
            "api",
        )

    def concurrency(self, queue: str) -> int:
        """Tasks at once per worker: OCR is CPU-bound and parallel inside itself, so its workers
        take JUESUAN_OCR_CONCURRENCY (default 1); every other queue ``worker_concurrency``."""
        if queue == "ocr":
            return max(int(self.env.get("JUESUAN_OCR_CONCURRENCY") or 1), 1)
        return self.worker_concurrency

    def start_worker(self, queue: str, suffix: str = "") -> subprocess.Popen[bytes]:
        name = f"worker-{queue}{suffix}"
        return self._spawn(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "services.worker",
                "worker",
                "-Q",
                queue,
                "-n",
                f"{queue}{suffix}@%h",
                f"--concurrency={self.concurrency(queue)}",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
        )

    def start_recovery(self) -> subprocess.Popen[bytes]:
        return self._spawn("recovery", [sys.executable, "-m", "services.recovery"])

    def start(self) -> None:
        self.start_redis()
        self.start_s3()
        from shared.settings import Settings
        from shared.storage import Storage

        settings = Settings(
            redis_url=self.env["JUESUAN_REDIS_URL"],
            s3_endpoint=self.env["JUESUAN_S3_ENDPOINT"],
            s3_access_key="devkey",
            s3_secret_key="devsecret",
            bucket=self.env["JUESUAN_BUCKET"],
        )
        Storage(settings).ensure_bucket()
        self.start_api()
        for q in QUEUES:
            self.start_worker(q)
        self.start_recovery()

    def stop_process(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=timeout)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=5)

    def stop(self) -> None:
        for name in ["recovery"] + [n for n in self.procs if n.startswith("worker")] + ["api", "s3", "redis"]:
            self.stop_process(name)

    def state(self) -> dict[str, object]:
        return {
            "api_url": self.api_url,
            "redis_port": self.redis_port,
            "s3_port": self.s3_port,
            "pids": {n: p.pid for n, p in self.procs.items()},
        }


def _up(args: argparse.Namespace) -> int:
    root = Path(args.dir).resolve()
    if (root / "stack.json").exists():
        print(f"已有运行中的开发环境（{root / 'stack.json'}），请先执行 down。", file=sys.stderr)
        return 1
    stack = Stack(root, api_port=args.api_port)
    try:
        stack.start()
    except Exception:
        stack.stop()
        raise
    (root / "stack.json").write_text(json.dumps(stack.state(), indent=2))
    print(f"开发环境已启动：API {stack.api_url}（文档 {stack.api_url}/docs），日志 {root / 'logs'}")
    print(f"S3 端点 127.0.0.1:{stack.s3_port}，Redis 127.0.0.1:{stack.redis_port}。停止：./dev down")
    return 0


def _down(args: argparse.Namespace) -> int:
    root = Path(args.dir).resolve()
    state_file = root / "stack.json"
    if not state_file.exists():
        print("没有运行中的开发环境。")
        return 0
    pids = json.loads(state_file.read_text())["pids"]
    order = ["recovery"] + [n for n in pids if n.startswith("worker")] + ["api", "s3", "redis"]
    for name in order:
        pid = pids.get(name)
        if pid is None:
            continue
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        for _ in range(150):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    state_file.unlink()
    print("开发环境已停止。")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="devstack")
    sub = ap.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up")
    up.add_argument("--dir", default=".devstack")
    up.add_argument("--api-port", type=int, default=8000)
    down = sub.add_parser("down")
    down.add_argument("--dir", default=".devstack")
    args = ap.parse_args(argv)
    return _up(args) if args.cmd == "up" else _down(args)


if __name__ == "__main__":
    raise SystemExit(main())
