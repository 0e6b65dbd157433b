"""Benchmark: webhook intake of the HTTP app (issue #6), measured from a second process on loopback.

The app runs under uvicorn in a child process (one worker, SQLite in a temporary directory, every delivery
committed before its 200), with fake service hooks, so what is measured is the intake: signature check, JSON
parse, the durable insert with dedup, the answer. This process sends signed Standard Webhooks deliveries
(10% of them resends of an earlier event) from a thread pool over one httpx connection pool and reports
requests per second and latency percentiles, then checks through /metrics that every unique event was stored once.

Run: `.venv/bin/python -m benchmarks.webhook_intake` (5,000 deliveries, 16 concurrent). `--deliveries N`,
`--concurrency C`, `--database-url URL` (e.g. a PostgreSQL database) change the run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SECRET_ENV, SECRET = "BB_BENCH_WEBHOOK_SECRET", "bench-client-secret-0123456789"
DUPLICATES = 0.10


class BenchHooks:
    """ServiceHooks without a scheduler: the benchmark measures intake, not the jobs it queues."""

    def scheduler_running(self) -> bool:
        return True

    def trigger_sync(self, *, store: str | None = None, full: bool = False) -> str:
        return "bench-sync"

    def trigger_order_import(self) -> str:
        return "bench-import"

    def upcoming(self, *, limit: int = 50) -> list:  # type: ignore[type-arg]
        return []


def serve(port: int, database_url: str) -> None:
    """The child: the app under uvicorn on 127.0.0.1:port."""
    import uvicorn
    from dependency_injector import providers

    from bookbridge.entrypoints.container import Container
    from bookbridge.entrypoints.http.app import create_app
    from bookbridge.entrypoints.settings import load_settings

    settings = load_settings(None, database_url=database_url, http={"webhook_secret_env": SECRET_ENV})
    container = Container()
    container.settings.override(providers.Object(settings))
    app = create_app(container, BenchHooks())
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def deliveries(n: int, rng: random.Random) -> list[bytes]:
    unique = [json.dumps({"scope": rng.choice(["store/order/created", "store/order/updated",
                                                "store/product/updated"]),
                          "store_id": "1025646", "data": {"type": "order", "id": i}, "hash": uuid.uuid4().hex,
                          "created_at": int(time.time()), "producer": "stores/bench"}).encode()
              for i in range(n - int(n * DUPLICATES))]
    bodies = unique + [rng.choice(unique) for _ in range(n - len(unique))]
    rng.shuffle(bodies)
    return bodies


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1)))]


def run(n: int, concurrency: int, database_url: str | None) -> dict[str, float]:
    import httpx

    from bookbridge.entrypoints.http.signatures import SigningKey

    key = SigningKey.from_secret(SECRET)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'bookbridge.db'}"
        env = {**os.environ, SECRET_ENV: SECRET}
        child = subprocess.Popen([sys.executable, "-m", "benchmarks.webhook_intake", "--serve", str(port),
                                  "--database-url", url], env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=30,
                              limits=httpx.Limits(max_connections=concurrency,
                                                  max_keepalive_connections=concurrency)) as client:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        if client.get("/healthz").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.monotonic() > deadline or child.poll() is not None:
                        raise SystemExit("the app did not start")
                    time.sleep(0.1)
                bodies = deliveries(n, random.Random(6))

                def send(body: bytes) -> tuple[float, int, str]:
                    delivery_id = f"msg_{uuid.uuid4().hex}"
                    stamp = int(time.time())
                    headers = {"content-type": "application/json", "webhook-id": delivery_id,
                               "webhook-timestamp": str(stamp),
                               "webhook-signature": key.sign(delivery_id, stamp, body)}
                    started = time.perf_counter()
                    answer = client.post("/webhooks/bigcommerce", content=body, headers=headers)
                    return time.perf_counter() - started, answer.status_code, answer.json().get("status", "")

                for body in bodies[:50]:  # warm-up, not measured (and stored like the rest)
                    send(body)
                started = time.perf_counter()
                with ThreadPoolExecutor(concurrency) as pool:
                    results = list(pool.map(send, bodies[50:]))
                elapsed = time.perf_counter() - started
                metrics = client.get("/metrics").text
        finally:
            child.terminate()
            child.wait(30)
    latencies = sorted(r[0] for r in results)
    errors = sum(1 for r in results if r[1] != 200)
    stored = sum(float(v) for v in re.findall(r'^bookbridge_webhook_events\{status="\w+"\} (\S+)$', metrics, re.M))
    unique = len(set(bodies))
    return {"deliveries": len(results), "concurrency": concurrency, "seconds": elapsed,
            "requests_per_second": len(results) / elapsed, "p50_ms": percentile(latencies, 0.50) * 1000,
            "p90_ms": percentile(latencies, 0.90) * 1000, "p99_ms": percentile(latencies, 0.99) * 1000,
            "max_ms": latencies[-1] * 1000, "errors": errors, "unique_events": unique, "stored_events": stored}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.database_url)
        return
    result = run(args.deliveries + 50, args.concurrency, args.database_url)
    print(json.dumps(result, indent=2))
    if result["errors"] or result["stored_events"] != result["unique_events"]:
        raise SystemExit("lost or double-counted deliveries")


if __name__ == "__main__":
    main()
