"""Benchmark: webhook intake of the HTTP app (#6, #17) against a bare FastAPI endpoint, measured on loopback.

Two servers run under uvicorn in child processes with the same settings: a bare FastAPI app whose POST answers
200 (the limit), and the app (one worker, SQLite in a temporary directory or `--database-url`, every delivery
committed before its 200) with fake service hooks, so what is measured is the intake: signature check, JSON
parse within the input guards, the durable insert with dedup, the answer. This process sends both the same
signed Standard Webhooks deliveries (10% of them resends of an earlier event) over `concurrency` keep-alive
connections each (HTTP/1.1 written by hand on asyncio streams, so that the client's own CPU stays small beside
the servers'; `--client httpx`: a thread pool over one httpx pool, the client of the figures before 2026-12-07
18:00 UTC), in alternating bursts so that the machine's noise falls on both alike. It reports requests per
second, latency percentiles and their ratio, the client's CPU per request, and each server's CPU time per
request (all its threads, from the first measured burst to the last: less sensitive to the machine's load than
throughput), then checks through /metrics that every unique event was stored once.

Run: `.venv/bin/python -m benchmarks.webhook_intake` (5,000 deliveries, 16 concurrent). `--deliveries N`,
`--concurrency C`, `--database-url URL` (an empty PostgreSQL database, say) change the run; `--profile FILE`
runs the app's server under cProfile. `--http h11|httptools` and `--loop asyncio|uvloop` choose uvicorn's HTTP
parser and event loop for both servers (default `auto`, as `bookbridge serve`: httptools and uvloop where they are
installed); each server prints the two it runs with.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

SECRET_ENV, SECRET = "BB_BENCH_WEBHOOK_SECRET", "bench-client-secret-0123456789"
DUPLICATES = 0.10
BURSTS = 10  # the measured deliveries go to the bare endpoint and the intake in turn, this many bursts each


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


def _run(app: Any, port: int, http: str, loop: str) -> None:
    """`app` under uvicorn on 127.0.0.1:port with the given HTTP parser and event loop; says which it runs with."""
    import asyncio

    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            print(f"port {port}: {self.config.http_protocol_class.__name__} on "
                  f"{type(asyncio.get_running_loop()).__module__}", file=sys.stderr, flush=True)

    Server(uvicorn.Config(app, host="127.0.0.1", port=port, http=http, loop=loop,  # type: ignore[arg-type]
                          log_level="warning", access_log=False)).run()


def serve(port: int, database_url: str, http: str = "auto", loop: str = "auto") -> None:
    """The child: the app under uvicorn on 127.0.0.1:port."""
    from dependency_injector import providers

    from bookbridge.entrypoints.container import Container
    from bookbridge.entrypoints.http.app import create_app
    from bookbridge.entrypoints.settings import load_settings

    settings = load_settings(None, database_url=database_url, http={"webhook_secret_env": SECRET_ENV})
    container = Container()
    container.settings.override(providers.Object(settings))
    app = create_app(container, BenchHooks())
    # uvicorn re-raises the SIGTERM it stopped on once it has shut down; as SystemExit, cProfile still writes.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    _run(app, port, http, loop)


def serve_bare(port: int, http: str = "auto", loop: str = "auto") -> None:
    """The baseline child: a bare FastAPI endpoint answering 200, under the same uvicorn settings as `serve`."""
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/webhooks/bigcommerce")
    async def bare() -> dict[str, str]:
        return {"status": "accepted"}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    _run(app, port, http, loop)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of process `pid` so far, all its threads (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime (fields 14, 15)


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


def _start(args: list[str], env: dict[str, str], profile: str | None) -> subprocess.Popen[bytes]:
    prefix = ["-m", "cProfile", "-o", profile] if profile else []
    return subprocess.Popen([sys.executable, *prefix, "-m", "benchmarks.webhook_intake", *args], env=env)


class Target:
    """One server (child process) and the client that sends it signed deliveries, `concurrency` at a time."""

    def __init__(self, port: int, child: subprocess.Popen[bytes], concurrency: int, client: str = "raw") -> None:
        import httpx

        from bookbridge.entrypoints.http.signatures import SigningKey

        self.child, self.concurrency, self.key = child, concurrency, SigningKey.from_secret(SECRET)
        self.port, self.raw = port, client == "raw"
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30, limits=httpx.Limits(
            max_connections=concurrency, max_keepalive_connections=concurrency))
        self.results: list[tuple[float, int, str]] = []
        self.elapsed = 0.0
        self.client_cpu = 0.0  # this (client) process's CPU over this target's bursts, all its threads
        self.cpu_start: float | None = None
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.client.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or child.poll() is not None:
                raise SystemExit("the app did not start")
            time.sleep(0.1)

    def headers(self, body: bytes) -> dict[str, str]:
        delivery_id = f"msg_{uuid.uuid4().hex}"
        stamp = int(time.time())
        return {"content-type": "application/json", "webhook-id": delivery_id,
                "webhook-timestamp": str(stamp), "webhook-signature": self.key.sign(delivery_id, stamp, body)}

    def send(self, body: bytes) -> tuple[float, int, str]:
        headers = self.headers(body)
        started = time.perf_counter()
        answer = self.client.post("/webhooks/bigcommerce", content=body, headers=headers)
        return time.perf_counter() - started, answer.status_code, answer.json().get("status", "")

    def burst(self, bodies: list[bytes]) -> None:
        if self.raw:  # signed before the burst's clock starts; each well inside the signature's 5 minutes
            requests = [self.raw_request(body) for body in bodies]
        started, cpu = time.perf_counter(), time.process_time()
        if self.raw:
            self.results += asyncio.run(self.raw_burst(requests))
        else:
            with ThreadPoolExecutor(self.concurrency) as pool:
                self.results += pool.map(self.send, bodies)
        self.elapsed += time.perf_counter() - started
        self.client_cpu += time.process_time() - cpu

    def raw_request(self, body: bytes) -> bytes:
        lines = ["POST /webhooks/bigcommerce HTTP/1.1", f"host: 127.0.0.1:{self.port}",
                 f"content-length: {len(body)}", *(f"{k}: {v}" for k, v in self.headers(body).items())]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    async def raw_burst(self, requests: list[bytes]) -> list[tuple[float, int, str]]:
        """`requests` over `concurrency` keep-alive connections, each sending its next request when the last is
        answered: HTTP/1.1 by hand on asyncio streams, so that the client's own CPU (one GIL) stays small beside
        the servers' and its queueing does not become the latency measured."""
        results: list[tuple[float, int, str]] = [(0.0, 0, "")] * len(requests)
        pending = iter(range(len(requests)))

        async def connection() -> None:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            try:
                for i in pending:
                    started = time.perf_counter()
                    writer.write(requests[i])
                    await writer.drain()
                    head = await reader.readuntil(b"\r\n\r\n")
                    length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
                    if length is None:
                        raise SystemExit(f"an answer without content-length: {head[:200]!r}")
                    body = await reader.readexactly(int(length.group(1)))
                    results[i] = (time.perf_counter() - started, int(head[9:12]), json.loads(body).get("status", ""))
            finally:
                writer.close()

        await asyncio.gather(*(connection() for _ in range(self.concurrency)))
        return results

    def figures(self) -> dict[str, Any]:
        cpu_end = cpu_seconds(self.child.pid)
        cpu = None if cpu_end is None or self.cpu_start is None else cpu_end - self.cpu_start
        answer = self.client.get("/metrics")
        metrics = answer.text if answer.status_code == 200 else ""
        self.client.close()
        latencies = sorted(r[0] for r in self.results)
        stored = sum(float(v) for v in re.findall(r'^bookbridge_webhook_events\{status="\w+"\} (\S+)$', metrics,
                                                  re.M))
        return {"deliveries": len(self.results), "seconds": self.elapsed,
                "requests_per_second": len(self.results) / self.elapsed,
                "p50_ms": percentile(latencies, 0.50) * 1000, "p90_ms": percentile(latencies, 0.90) * 1000,
                "p99_ms": percentile(latencies, 0.99) * 1000, "max_ms": latencies[-1] * 1000,
                "server_cpu_ms_per_request": None if cpu is None else cpu / len(self.results) * 1000,
                "client_cpu_ms_per_request": self.client_cpu / len(self.results) * 1000,
                "client_busy": self.client_cpu / self.elapsed,
                "errors": sum(1 for r in self.results if r[1] != 200), "stored_events": stored}


def run(n: int, concurrency: int, database_url: str | None, profile: str | None = None, *,
        server: tuple[str, ...] = (), client: str = "raw") -> dict[str, Any]:
    """The bare endpoint and the app's intake, both up at once, sent the same deliveries in alternating bursts
    (so the machine's noise falls on both alike), with the same client; both sets of figures."""
    bodies = deliveries(n, random.Random(6))
    env = {**os.environ, SECRET_ENV: SECRET}
    children: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'bookbridge.db'}"
        try:
            bare_port, intake_port = free_port(), free_port()
            children.append(_start(["--serve-bare", str(bare_port), *server], env, None))
            children.append(_start(["--serve", str(intake_port), "--database-url", url, *server], env, profile))
            bare = Target(bare_port, children[0], concurrency, client)
            intake = Target(intake_port, children[1], concurrency, client)
            for target in (bare, intake):  # warm-up, not measured (and stored like the rest)
                for body in bodies[:50]:
                    target.send(body)
            measured = bodies[50:]
            for target in (bare, intake):
                target.cpu_start = cpu_seconds(target.child.pid)
            step = max(1, len(measured) // BURSTS)
            for start in range(0, len(measured), step):
                bare.burst(measured[start:start + step])
                intake.burst(measured[start:start + step])
            figures = bare.figures(), intake.figures()
        finally:
            for child in children:
                child.terminate()
                child.wait(30)
    return {"concurrency": concurrency, "server": " ".join(server) or "auto", "client": client,
            "database": url.split(":", 1)[0],
            "unique_events": len(set(bodies)),
            "bare": figures[0], "intake": figures[1],
            "ratio": figures[1]["requests_per_second"] / figures[0]["requests_per_second"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--profile", metavar="FILE", help="run the app's server under cProfile, stats to FILE")
    parser.add_argument("--http", default="auto", choices=["auto", "h11", "httptools"],
                        help="uvicorn's HTTP parser in both servers (auto: httptools where installed)")
    parser.add_argument("--loop", default="auto", choices=["auto", "asyncio", "uvloop"],
                        help="uvicorn's event loop in both servers (auto: uvloop where installed)")
    parser.add_argument("--client", default="raw", choices=["raw", "httpx"],
                        help="raw: HTTP/1.1 by hand on asyncio streams (the default: light, so the servers are "
                             "measured); httpx: a thread pool over one httpx pool (the client of earlier figures)")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.database_url, args.http, args.loop)
        return
    if args.serve_bare:
        serve_bare(args.serve_bare, args.http, args.loop)
        return
    result = run(args.deliveries + 50, args.concurrency, args.database_url, args.profile,
                 server=("--http", args.http, "--loop", args.loop), client=args.client)
    print(json.dumps(result, indent=2))
    bare, intake = result["bare"], result["intake"]
    print(f"\n{result['database']}: intake {intake['requests_per_second']:,.0f} requests/s, "
          f"p99 {intake['p99_ms']:.0f} ms; bare endpoint {bare['requests_per_second']:,.0f} requests/s, "
          f"p99 {bare['p99_ms']:.0f} ms; ratio {result['ratio']:.2f} (goal >= 0.50, p99 < 50 ms); "
          f"p99 {intake['p99_ms'] / bare['p99_ms']:.1f}x the bare endpoint's")
    if intake["server_cpu_ms_per_request"] is not None:
        print(f"server CPU per request: intake {intake['server_cpu_ms_per_request']:.2f} ms, "
              f"bare endpoint {bare['server_cpu_ms_per_request']:.2f} ms")
    print(f"client CPU per request: intake {intake['client_cpu_ms_per_request']:.2f} ms, bare endpoint "
          f"{bare['client_cpu_ms_per_request']:.2f} ms; the client busy {intake['client_busy']:.0%} and "
          f"{bare['client_busy']:.0%} of their bursts (100% is one core: its threads share one GIL)")
    if intake["errors"] or intake["stored_events"] != result["unique_events"]:
        raise SystemExit("lost or double-counted deliveries")


if __name__ == "__main__":
    main()
