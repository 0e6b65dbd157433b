"""The BigCommerce sandbox's transport behaviour over real loopback HTTP: auth, store hash,
rate-limit headers and 429s, seeded and scheduled faults, dropped connections, request recording.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from bookbridge.adapters.bigcommerce.sandbox import FaultConfig, RateLimitConfig, SandboxConfig, SandboxServer
from bookbridge.adapters.bigcommerce.sandbox.recording import CLIENT_GONE

PRODUCT = {"name": "Book", "type": "physical", "weight": 1, "price": 5}
RATE_HEADERS = (
    "x-rate-limit-requests-left",
    "x-rate-limit-time-reset-ms",
    "x-rate-limit-requests-quota",
    "x-rate-limit-time-window-ms",
)


class Monotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def serve(config: SandboxConfig) -> SandboxServer:
    return SandboxServer(config)


def client(server: SandboxServer, token: str | None = None) -> httpx.Client:
    headers = server.auth_headers if token is None else {"X-Auth-Token": token}
    return httpx.Client(base_url=server.base_url_v3, headers=headers, timeout=5)


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with serve(SandboxConfig()) as running:
        yield running


# -- auth and store hash -----------------------------------------------------------------------------------
def test_wrong_or_missing_token_is_401_and_unknown_store_is_404(server: SandboxServer) -> None:
    with client(server, token="wrong") as wrong:
        assert wrong.post("/catalog/products", json=PRODUCT).status_code == 401
    missing = httpx.get(f"{server.base_url_v3}/catalog/products")
    other_store = httpx.get(f"{server.base_url}/stores/other/v3/catalog/products", headers=server.auth_headers)

    assert missing.status_code == 401
    assert other_store.status_code == 404
    assert server.state.products == {}
    assert server.requests.count() == 3


def test_requests_are_recorded_without_the_token(server: SandboxServer) -> None:
    with client(server) as v3:
        v3.post("/catalog/products", json=PRODUCT)
        v3.get("/catalog/products", params={"sku:in": "A,B", "limit": 5})

    post, get = server.requests.snapshot()
    assert (post.method, post.api_path, post.json, post.status) == ("POST", "/v3/catalog/products", PRODUCT, 200)
    assert post.path == f"/stores/{server.config.store_hash}/v3/catalog/products"
    assert "x-auth-token" not in post.headers and post.headers["accept"] == "application/json"
    assert (get.query, get.json) == ({"sku:in": "A,B", "limit": "5"}, None)
    assert server.requests.count("GET", "/v3/catalog") == 1


def test_a_client_gone_before_its_body_arrived_is_recorded_as_such_and_not_acted_on(server: SandboxServer) -> None:
    """Under load a client may time out while its POST is still arriving: the sandbox must not create a product
    from half a body, and the contract check must not judge such a request (its body never arrived)."""
    import json
    import socket
    import time

    from contracts.bigcommerce_openapi import invalid_adapter_requests

    body = json.dumps(PRODUCT).encode()
    head = (f"POST /stores/{server.config.store_hash}/v3/catalog/products HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"X-Auth-Token: {server.config.token}\r\nContent-Type: application/json\r\n"
            f"User-Agent: bookbridge/test\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", server.port)) as raw:
        raw.sendall(head + body[:10])  # part of the body, then the client is gone
    deadline = time.monotonic() + 10
    while not server.requests.count() and time.monotonic() < deadline:
        time.sleep(0.02)
    [gone] = server.requests.snapshot()
    assert (gone.method, gone.fault, gone.status, gone.json) == ("POST", CLIENT_GONE, None, None)
    assert server.state.products == {}
    assert invalid_adapter_requests([gone]) == {}
    with client(server) as v3:  # the same request sent whole is judged (and fine)
        assert v3.post("/catalog/products", json=PRODUCT, headers={"User-Agent": "bookbridge/test"}).status_code == 200
    assert invalid_adapter_requests(server.requests.snapshot()) == {}
    assert len(server.state.products) == 1


def test_requests_are_stamped_with_the_sandbox_clock_on_arrival_and_answer() -> None:
    stamps = iter(datetime(2026, 12, 7, 10, 0, second, tzinfo=UTC) for second in range(60))
    with serve(SandboxConfig(now=lambda: next(stamps))) as server:
        server.faults.schedule("drop", method="GET")
        with client(server) as v3:
            v3.post("/catalog/products", json=PRODUCT)
            with pytest.raises(httpx.TransportError):
                v3.get("/catalog/products")

    answered, dropped = server.requests.snapshot()
    assert answered.received is not None and answered.answered is not None
    assert answered.received < answered.answered
    assert dropped.received is not None and dropped.answered is None  # never answered


# -- rate limiting --------------------------------------------------------------------------------------------
def test_rate_limit_headers_count_down_then_429_until_the_window_resets() -> None:
    clock = Monotonic()
    config = SandboxConfig(rate_limit=RateLimitConfig(quota=3, window_ms=30_000), monotonic=clock)
    with serve(config) as server, client(server) as v3:
        answers = [v3.get("/catalog/products") for _ in range(3)]
        clock.now += 10
        refused = v3.get("/catalog/products")
        clock.now += 20  # the 30 s window has passed
        recovered = v3.get("/catalog/products")

    assert [r.headers["x-rate-limit-requests-left"] for r in answers] == ["2", "1", "0"]
    assert all(r.headers["x-rate-limit-requests-quota"] == "3" for r in answers)
    assert all(r.headers["x-rate-limit-time-window-ms"] == "30000" for r in answers)
    assert refused.status_code == 429
    assert refused.headers["x-rate-limit-time-reset-ms"] == "20000"
    assert refused.headers["x-retry-after"] == "20"
    assert recovered.status_code == 200 and recovered.headers["x-rate-limit-requests-left"] == "2"


def test_time_scale_compresses_the_window_and_headers_report_real_milliseconds() -> None:
    config = SandboxConfig(rate_limit=RateLimitConfig(quota=2, window_ms=30_000, time_scale=0.01))
    with serve(config) as server, client(server) as v3:
        first = v3.get("/catalog/products")
        v3.get("/catalog/products")
        refused = v3.get("/catalog/products")
        wait_ms = int(refused.headers["x-rate-limit-time-reset-ms"])
        time.sleep(wait_ms / 1000 + 0.02)
        recovered = v3.get("/catalog/products")

    assert first.headers["x-rate-limit-time-window-ms"] == "300"  # 30 000 ms × 0.01
    assert refused.status_code == 429 and 0 < wait_ms <= 300
    assert 0 < float(refused.headers["x-retry-after"]) <= 0.3
    assert recovered.status_code == 200


def test_a_new_rate_limit_starts_with_a_full_window() -> None:
    with serve(SandboxConfig(rate_limit=RateLimitConfig(quota=1))) as server, client(server) as v3:
        v3.get("/catalog/products")
        refused = v3.get("/catalog/products")
        server.sandbox.set_rate_limit(RateLimitConfig(quota=150, window_ms=30_000, time_scale=0.1))
        after = v3.get("/catalog/products")

    assert refused.status_code == 429
    assert after.status_code == 200
    assert after.headers["x-rate-limit-requests-left"] == "149"
    assert after.headers["x-rate-limit-time-window-ms"] == "3000"


def test_unauthorised_requests_do_not_spend_quota() -> None:
    with serve(SandboxConfig(rate_limit=RateLimitConfig(quota=2))) as server:
        with client(server, token="wrong") as wrong:
            rejected = [wrong.get("/catalog/products") for _ in range(3)]
        with client(server) as v3:
            accepted = v3.get("/catalog/products")

    assert [r.status_code for r in rejected] == [401, 401, 401]
    assert accepted.headers["x-rate-limit-requests-left"] == "1"


# -- faults -----------------------------------------------------------------------------------------------
def statuses(seed: int, count: int = 30) -> list[int]:
    faults = FaultConfig(seed=seed, error_rate=0.3, error_statuses=(500, 503))
    with serve(SandboxConfig(faults=faults)) as server, client(server) as v3:
        return [v3.get("/catalog/products").status_code for _ in range(count)]


def test_random_faults_are_reproducible_from_the_seed() -> None:
    first, again, other = statuses(seed=7), statuses(seed=7), statuses(seed=8)

    assert first == again
    assert first != other
    assert {500, 503, 200} == set(first)


def test_scheduled_faults_hit_only_matching_requests(server: SandboxServer) -> None:
    server.faults.fail_next(2, "PUT", "/v3/catalog/products", status=503)
    with client(server) as v3:
        pid = v3.post("/catalog/products", json=PRODUCT).json()["data"]["id"]
        listed = v3.get("/catalog/products")
        puts = [v3.put(f"/catalog/products/{pid}", json={"price": 6}) for _ in range(3)]

    assert listed.status_code == 200
    assert [r.status_code for r in puts] == [503, 503, 200]
    assert puts[0].json()["status"] == 503 and "x-rate-limit-requests-left" in puts[0].headers
    assert [r.fault for r in server.requests.matching("PUT")] == ["error", "error", None]
    assert server.faults.pending == []


def test_bare_429_has_no_rate_limit_headers(server: SandboxServer) -> None:
    server.faults.fail_next(1, "GET", "/v3/catalog", status=429)
    with client(server) as v3:
        bare = v3.get("/catalog/products")
        normal = v3.get("/catalog/products")

    assert bare.status_code == 429
    assert not any(h in bare.headers for h in (*RATE_HEADERS, "x-retry-after"))
    assert all(h in normal.headers for h in RATE_HEADERS)


def test_slow_fault_delays_the_answer(server: SandboxServer) -> None:
    server.faults.schedule("slow", delay_seconds=0.3)
    with client(server) as v3:
        started = time.perf_counter()
        slow = v3.get("/catalog/products")
        elapsed = time.perf_counter() - started

    assert slow.status_code == 200 and elapsed >= 0.3


def test_dropped_connection_is_a_transport_error_for_httpx(server: SandboxServer) -> None:
    server.faults.schedule("drop", method="POST")
    with client(server) as v3:
        with pytest.raises(httpx.TransportError):
            v3.post("/catalog/products", json=PRODUCT)
        after = v3.post("/catalog/products", json=PRODUCT)

    assert after.status_code == 200
    dropped, answered = server.requests.snapshot()
    assert (dropped.status, dropped.fault) == (None, "drop")
    assert answered.status == 200
    assert len(server.state.products) == 1  # the dropped create never reached the catalogue


def test_partial_207_on_batch_put_applies_the_main_write(server: SandboxServer) -> None:
    with client(server) as v3:
        pid = v3.post("/catalog/products", json=PRODUCT).json()["data"]["id"]
        server.faults.schedule("partial_207", method="PUT", path_prefix="/v3/catalog/products")
        single = v3.put(f"/catalog/products/{pid}", json={"price": 6})  # not a batch: no 207
        batch = v3.put("/catalog/products", json=[{"id": pid, "price": 7, "inventory_level": 4}])

    assert single.status_code == 200
    assert batch.status_code == 207
    assert batch.json()["errors"]["status"] == 207 and batch.json()["errors"]["errors"]
    assert server.state.products[pid]["price"] == 7
    assert server.state.products[pid]["inventory_level"] == 0  # the failed sub-part


def test_random_207_rate_only_applies_to_batch_puts() -> None:
    with serve(SandboxConfig(faults=FaultConfig(seed=1, partial_207_rate=1.0))) as server, client(server) as v3:
        created = v3.post("/catalog/products", json=PRODUCT)
        batch = v3.put("/catalog/products", json=[{"id": created.json()["data"]["id"], "price": 2}])

    assert created.status_code == 200 and batch.status_code == 207


def test_fault_rates_above_one_are_rejected() -> None:
    with pytest.raises(ValueError, match="sum to at most 1"):
        FaultConfig(error_rate=0.6, drop_rate=0.6)


# -- running it by hand -------------------------------------------------------------------------------------
def test_module_entry_point_serves_the_sandbox() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bookbridge.adapters.bigcommerce.sandbox", "--port", str(port), "--token", "t0k"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        url = f"http://127.0.0.1:{port}/stores/sandbox/v3/channels"
        deadline = time.monotonic() + 15
        while True:
            try:
                response = httpx.get(url, headers={"X-Auth-Token": "t0k"})
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(timeout=10)

    assert response.status_code == 200 and response.json()["data"][0]["id"] == 1
