"""BigCommerceClient against a deterministic fake BigCommerce on `httpx.MockTransport` and a fake clock.

The fake counts requests in a fixed window opened by the first request after a reset (like the
sandbox and BigCommerce's API overview), answers with the real `X-Rate-Limit-*` headers, refuses
with 429 once the quota is spent, and plays scripted faults. The clock only moves when the client
sleeps or when the fake adds network latency, so no test really sleeps.
"""

from __future__ import annotations

import heapq
import json
import logging
import math
import random
import threading
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookbridge.adapters.bigcommerce import client as client_module
from bookbridge.adapters.bigcommerce.batching import bisect_batch
from bookbridge.adapters.bigcommerce.client import BigCommerceClient, BigCommerceConfig, BigCommerceResponse
from bookbridge.adapters.bigcommerce.errors import BigCommerceError, BigCommerceRejected, BigCommerceTransientError
from bookbridge.adapters.bigcommerce.ratelimit import Backoff, RateLimitHeaders, RateLimitPacer

TOKEN = "tok-SECRET-4f9c2e"
STORE = "abc123"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


@dataclass
class Hit:
    at: float
    method: str
    path: str
    status: int | str  # "drop" / "timeout" when no response was sent
    params: dict[str, str]
    body: Any


Fault = Callable[[httpx.Request, dict[str, str]], httpx.Response]
App = Callable[[httpx.Request], httpx.Response]


def _default_app(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"data": {"ok": True}, "meta": {}})


@dataclass
class FakeBigCommerce:
    clock: FakeClock
    quota: int = 150
    window_s: float = 30.0
    latency_s: float = 0.0  # round trip, split evenly between the two legs
    app: App = _default_app
    hits: list[Hit] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    window_counts: list[int] = field(default_factory=list)
    _window_start: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def inject(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.clock.advance(self.latency_s / 2)
        with self._lock:  # the quota is one counter, whichever thread calls
            response, hit, headers, fault = self._admit(request)
        if response is None:
            try:
                response = fault(request, headers) if fault else self._app_response(request, headers)
            except httpx.TransportError as exc:
                hit.status = "timeout" if isinstance(exc, httpx.TimeoutException) else "drop"
                raise
        hit.status = response.status_code
        self.clock.advance(self.latency_s / 2)
        return response

    def _admit(
        self, request: httpx.Request
    ) -> tuple[httpx.Response | None, Hit, dict[str, str], Fault | None]:
        now = self.clock.now
        hit = Hit(now, request.method, request.url.path, 0, dict(request.url.params), _body(request))
        self.hits.append(hit)
        if request.headers.get("x-auth-token") != TOKEN:
            return httpx.Response(401, json={"status": 401, "title": "Unauthorized"}), hit, {}, None
        if self._window_start is None or now >= self._window_start + self.window_s:
            self._window_start = now
            self.window_counts.append(0)
        reset_ms = math.ceil((self._window_start + self.window_s - now) * 1000)
        refused = self.window_counts[-1] >= self.quota
        if not refused:
            self.window_counts[-1] += 1
        headers = {
            "X-Rate-Limit-Time-Window-Ms": str(round(self.window_s * 1000)),
            "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
            "X-Rate-Limit-Requests-Quota": str(self.quota),
            "X-Rate-Limit-Requests-Left": str(self.quota - self.window_counts[-1]),
        }
        if refused:
            headers["X-Retry-After"] = str(math.ceil(reset_ms / 1000))
            return httpx.Response(429, headers=headers, json=TOO_MANY), hit, headers, None
        return None, hit, headers, self.faults.popleft() if self.faults else None

    def _app_response(self, request: httpx.Request, headers: dict[str, str]) -> httpx.Response:
        response = self.app(request)
        response.headers.update(headers)
        return response

    def sent(self, path: str | None = None) -> list[Hit]:
        return [h for h in self.hits if path is None or h.path.endswith(path)]


def _body(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


def status(code: int, body: Any = None) -> Fault:
    return lambda request, headers: httpx.Response(code, headers=headers, json=body)


def throttle(*, retry_after: float | None = None, reset_ms: int | None = None) -> Fault:
    """A 429 with the given headers; with neither, a 429 under load, without rate-limit headers."""

    def fault(request: httpx.Request, headers: dict[str, str]) -> httpx.Response:
        with_headers = retry_after is not None or reset_ms is not None
        sent = {**headers, "X-Rate-Limit-Requests-Left": "0"} if with_headers else {}
        if retry_after is not None:
            sent["X-Retry-After"] = str(retry_after)
        if reset_ms is not None:
            sent["X-Rate-Limit-Time-Reset-Ms"] = str(reset_ms)
        return httpx.Response(429, headers=sent, json=TOO_MANY)

    return fault


def drop(request: httpx.Request, headers: dict[str, str]) -> httpx.Response:
    raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)


def read_timeout(request: httpx.Request, headers: dict[str, str]) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


def connect_error(request: httpx.Request, headers: dict[str, str]) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


TOO_MANY = {"status": 429, "title": "Too many requests"}
UNPROCESSABLE = {
    "status": 422,
    "title": "Missing Required Fields",
    "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes",
    "errors": {"name": "Please provide a name.", "price": "Please provide a price."},
}


def make_client(
    server: FakeBigCommerce, *, seed: int = 7, **overrides: Any
) -> BigCommerceClient:
    config = BigCommerceConfig(store_hash=STORE, access_token=TOKEN, **overrides)
    return BigCommerceClient(
        config,
        transport=server.transport(),
        sleep=server.clock.sleep,
        monotonic=server.clock.monotonic,
        rng=random.Random(seed),
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> FakeBigCommerce:
    return FakeBigCommerce(clock)


# --- requests, headers, URLs ---------------------------------------------------------------------


def test_sends_token_and_json_headers_to_store_hash_urls(clock: FakeClock) -> None:
    seen: list[httpx.Request] = []

    def app(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": [], "meta": {}})

    client = make_client(FakeBigCommerce(clock, app=app))
    client.request("GET", "/catalog/products", params={"sku": "9780000000002"})
    client.request("GET", "orders/count", api="v2")

    assert str(seen[0].url) == f"https://api.bigcommerce.com/stores/{STORE}/v3/catalog/products?sku=9780000000002"
    assert str(seen[1].url) == f"https://api.bigcommerce.com/stores/{STORE}/v2/orders/count"
    for request in seen:
        assert request.headers["x-auth-token"] == TOKEN
        assert request.headers["accept"] == "application/json"
        assert request.headers["content-type"] == "application/json"
        assert "x-auth-client" not in request.headers


def test_base_urls_point_at_a_sandbox(clock: FakeClock) -> None:
    server = FakeBigCommerce(clock)
    client = make_client(
        server,
        v3_base_url="http://127.0.0.1:8765/stores/{store_hash}/v3/",
        v2_base_url="http://127.0.0.1:8765/stores/{store_hash}/v2",
    )
    client.request("PUT", "/catalog/products", json=[{"id": 1}])
    assert server.hits[0].path == f"/stores/{STORE}/v3/catalog/products"
    assert server.hits[0].body == [{"id": 1}]


def test_config_rejects_a_bad_token_without_echoing_it() -> None:
    with pytest.raises(ValueError) as info:
        BigCommerceConfig(store_hash=STORE, access_token="secret with space")
    assert "secret" not in str(info.value)


# --- pacing --------------------------------------------------------------------------------------


def test_steady_run_uses_the_quota_without_a_single_429(clock: FakeClock) -> None:
    quota, window, n = 150, 30.0, 600
    server = FakeBigCommerce(clock, quota=quota, window_s=window, latency_s=0.05)
    client = make_client(server)

    for i in range(n):
        client.request("GET", f"/catalog/products/{i}")

    assert [h.status for h in server.hits] == [200] * n
    elapsed = server.hits[-1].at - server.hits[0].at
    # Spending n requests at the full rate takes n/quota windows; ≥90% of the quota means at most
    # 1/0.9 of that. Faster than (n/quota - 1) windows would mean the fake let the quota be exceeded.
    full_rate = n / quota * window
    assert (n / quota - 1) * window <= elapsed <= full_rate / 0.9
    assert all(count >= 0.9 * quota for count in server.window_counts[:-1])
    stats = client.stats
    assert stats.requests == n and stats.by_method == {"GET": n}
    assert stats.throttled == 0 and stats.retries == 0
    assert stats.pacing_sleep_s > 0


def test_requests_are_spread_over_the_window_not_burst(clock: FakeClock) -> None:
    server = FakeBigCommerce(clock, quota=150, window_s=30.0)
    client = make_client(server)
    for _ in range(75):
        client.request("GET", "/catalog/summary")
    # Half the quota takes about half the window: the pacer spreads what is left until the reset.
    assert 14.0 <= server.hits[-1].at <= 16.0
    assert [h.status for h in server.hits] == [200] * 75


def test_quota_shared_with_another_app_slows_us_down_instead_of_429(clock: FakeClock) -> None:
    server = FakeBigCommerce(clock, quota=100, window_s=30.0)
    client = make_client(server)
    client.request("GET", "/catalog/summary")  # opens the window
    server.window_counts[-1] += 90  # another app on the store spends most of it
    for _ in range(30):
        client.request("GET", "/catalog/summary")
    assert 429 not in [h.status for h in server.hits]
    assert server.hits[-1].at >= 30.0  # had to wait for the reset


# --- 429, 5xx, timeouts, dropped connections ------------------------------------------------------


@pytest.mark.parametrize(("retry_after", "reset_ms", "expected_wait"), [(5, 2000, 5.0), (2, 7000, 7.0)])
def test_429_waits_the_longer_of_retry_after_and_reset(
    server: FakeBigCommerce, retry_after: int, reset_ms: int, expected_wait: float
) -> None:
    client = make_client(server, reset_slack_s=0.0)
    server.inject(throttle(retry_after=retry_after, reset_ms=reset_ms))

    assert client.request("GET", "/catalog/products").status == 200

    first, retry = server.hits
    assert (first.status, retry.status) == (429, 200)
    assert retry.at - first.at == pytest.approx(expected_wait)
    assert (client.stats.throttled, client.stats.retries) == (1, 1)


def test_429_without_headers_backs_off_exponentially_with_full_jitter(server: FakeBigCommerce) -> None:
    backoff = Backoff(base_s=1.0, max_s=60.0)
    client = make_client(server, seed=11, backoff=backoff)
    server.inject(throttle(), throttle(), throttle())

    assert client.request("GET", "/catalog/products").status == 200

    rng = random.Random(11)
    expected = [rng.uniform(0, 1.0), rng.uniform(0, 2.0), rng.uniform(0, 4.0)]
    gaps = [b.at - a.at for a, b in zip(server.hits, server.hits[1:], strict=False)]
    assert gaps == pytest.approx([w + 0.05 for w in expected])  # + the reset slack
    assert client.stats.throttled == 3


def test_5xx_is_retried_with_bounded_jittered_backoff_then_succeeds(server: FakeBigCommerce) -> None:
    client = make_client(server, seed=3, backoff=Backoff(base_s=2.0, max_s=3.0, write_factor=2.0))
    server.inject(status(500), status(503), status(502))

    assert client.request("PUT", "/catalog/products", json=[{"id": 1}]).status == 200

    rng = random.Random(3)  # writes wait longer: ceilings 4, 8, 16, capped at 3
    expected = [rng.uniform(0, 3.0) for _ in range(3)]
    assert client.stats.backoff_sleep_s == pytest.approx(sum(expected))
    assert [h.status for h in server.hits] == [500, 503, 502, 200]
    assert client.stats.retries == 3 and client.stats.requests == 4


def test_retries_run_out_into_a_typed_transient_error(server: FakeBigCommerce) -> None:
    client = make_client(server, max_attempts=3)
    server.inject(*[status(502, {"status": 502, "title": "Bad Gateway"})] * 5)

    with pytest.raises(BigCommerceTransientError) as info:
        client.request("GET", "/catalog/products")

    err = info.value
    assert (err.method, err.path, err.attempts, err.last_status) == ("GET", "/catalog/products", 3, 502)
    assert err.last_reason == "Bad Gateway" and not err.maybe_applied
    assert len(server.hits) == 3
    # What failed in words, then the technical cause; "attempts" as a count says it, never "attempt(s)".
    assert str(err) == "the store answered 502 after 3 attempts (GET /v3/catalog/products: Bad Gateway)"


def test_a_store_that_never_answers_is_said_in_words_before_its_technical_cause(server: FakeBigCommerce) -> None:
    client = make_client(server, max_attempts=2)
    server.inject(connect_error, connect_error)
    with pytest.raises(BigCommerceTransientError) as info:
        client.request("PUT", "/catalog/products", json=[])
    said = str(info.value)
    assert said == ("the store did not answer after 2 attempts (PUT /v3/catalog/products: could not connect to "
                    "https://api.bigcommerce.com: connection refused)"), said  # the OS's words, not httpx's class


def test_a_store_that_answers_too_late_says_how_long_it_waited(server: FakeBigCommerce) -> None:
    client = make_client(server, max_attempts=1, timeout_s=12.0)
    server.inject(read_timeout)
    with pytest.raises(BigCommerceTransientError) as info:
        client.request("GET", "/catalog/products")
    assert info.value.last_reason == "no answer from https://api.bigcommerce.com within 12 s", info.value


@pytest.mark.parametrize("fault", [drop, read_timeout, connect_error])
def test_timeouts_and_dropped_connections_are_retried(server: FakeBigCommerce, fault: Fault) -> None:
    client = make_client(server)
    server.inject(fault, fault)
    assert client.request("DELETE", "/catalog/products", params={"id:in": "1,2"}).status == 200
    assert len(server.hits) == 3 and client.stats.retries == 2


def test_post_is_not_resent_when_it_may_have_been_applied(server: FakeBigCommerce) -> None:
    client = make_client(server)
    server.inject(drop)
    with pytest.raises(BigCommerceTransientError) as info:
        client.request("POST", "/catalog/products", json={"name": "Dune"})
    assert info.value.maybe_applied and info.value.attempts == 1
    assert len(server.hits) == 1  # no duplicate product: BigCommerce has no idempotency keys

    server.inject(status(500))
    with pytest.raises(BigCommerceTransientError) as info:
        client.request("POST", "/catalog/products", json={"name": "Dune"})
    assert info.value.maybe_applied and info.value.last_status == 500


def test_post_is_resent_when_it_cannot_have_been_applied(server: FakeBigCommerce) -> None:
    client = make_client(server)
    server.inject(throttle(retry_after=1, reset_ms=500), connect_error)
    assert client.request("POST", "/catalog/products", json={"name": "Dune"}).status == 200
    server.inject(status(500))
    assert client.request("POST", "/pricelists/1/records", json=[], idempotent=True).status == 200
    assert [h.status for h in server.hits] == [429, "drop", 200, 500, 200]


def test_persistent_429_gives_up_after_max_throttled(server: FakeBigCommerce) -> None:
    client = make_client(server, max_throttled=3)
    server.inject(*[throttle(retry_after=1, reset_ms=1000)] * 5)
    with pytest.raises(BigCommerceTransientError) as info:
        client.request("GET", "/catalog/products")
    assert info.value.last_status == 429 and info.value.attempts == 3


# --- permanent errors and partial success --------------------------------------------------------


def test_422_is_rejected_with_bigcommerce_errors_and_not_retried(server: FakeBigCommerce) -> None:
    client = make_client(server)
    server.inject(status(422, UNPROCESSABLE))

    with pytest.raises(BigCommerceRejected) as info:
        client.request("POST", "/catalog/products", json={})

    err = info.value
    assert (err.status, err.title, err.path) == (422, "Missing Required Fields", "/catalog/products")
    assert err.errors == {"name": "Please provide a name.", "price": "Please provide a price."}
    assert "Please provide a name." in str(err)
    assert len(server.hits) == 1 and client.stats.retries == 0


@pytest.mark.parametrize("code", [400, 401, 403, 404, 409, 413, 501, 507])
def test_other_permanent_statuses_are_rejected_once(server: FakeBigCommerce, code: int) -> None:
    client = make_client(server)
    server.inject(status(code, {"status": code, "title": "Nope", "type": "t", "instance": "x"}))
    with pytest.raises(BigCommerceRejected) as info:
        client.request("PUT", "/catalog/products/1", json={})
    assert info.value.status == code and len(server.hits) == 1


def test_v2_error_list_is_parsed(server: FakeBigCommerce) -> None:
    client = make_client(server)
    server.inject(status(400, [{"status": 400, "message": "The field 'min_date_modified' is invalid."}]))
    with pytest.raises(BigCommerceRejected) as info:
        client.request("GET", "/orders", api="v2")
    assert info.value.title == "The field 'min_date_modified' is invalid."


def test_207_is_a_partial_failure_never_a_plain_success(server: FakeBigCommerce) -> None:
    client = make_client(server)
    multi_status = {
        "data": [{"id": 7, "name": "Dune"}],
        "errors": {"status": 422, "title": "URL is taken", "type": "t", "errors": {"custom_url": "in use"}},
        "meta": {},
    }
    server.inject(status(207, multi_status))

    partial = client.request("PUT", "/catalog/products/7", json={"custom_url": {"url": "/dune/"}})
    plain = client.request("PUT", "/catalog/products/7", json={})

    assert partial.partial and partial.status == 207
    assert partial.errors == {"custom_url": "in use"} and partial.title == "URL is taken"
    assert partial.data == [{"id": 7, "name": "Dune"}]
    assert not plain.partial and plain.errors == {}
    assert client.stats.partial == 1


# --- bisect --------------------------------------------------------------------------------------


def _batch_app(bad: set[int], seen: list[list[int]]) -> App:
    def app(request: httpx.Request) -> httpx.Response:
        ids = [item["id"] for item in _body(request)]
        seen.append(ids)
        if bad & set(ids):  # like BigCommerce: the batch error does not say which item failed
            return httpx.Response(422, json=UNPROCESSABLE)
        return httpx.Response(200, json={"data": [{"id": i} for i in ids], "meta": {}})

    return app


@pytest.mark.parametrize("bad_index", range(10))
def test_bisect_isolates_one_bad_item_in_few_sends(clock: FakeClock, bad_index: int) -> None:
    seen: list[list[int]] = []
    client = make_client(FakeBigCommerce(clock, app=_batch_app({bad_index}, seen)))
    items = [{"id": i} for i in range(10)]

    def send(chunk: list[dict[str, int]]) -> BigCommerceResponse:
        return client.request("PUT", "/catalog/products", json=chunk)

    accepted, rejected = bisect_batch(items, send)

    assert len(seen) <= 2 * math.log2(10) + 1
    assert [(item["id"], rej.status) for item, rej in rejected] == [(bad_index, 422)]
    assert rejected[0][1].errors["name"] == "Please provide a name."
    sent_ok = sorted(item["id"] for chunk, _ in accepted for item in chunk)
    assert sent_ok == [i for i in range(10) if i != bad_index]
    assert all(response.data == [{"id": i["id"]} for i in chunk] for chunk, response in accepted)


@given(
    n=st.integers(0, 40),
    bad=st.sets(st.integers(0, 39), max_size=6),
)
@settings(max_examples=150, deadline=None)
def test_bisect_partitions_any_batch_into_accepted_and_rejected(n: int, bad: set[int]) -> None:
    sends: list[list[int]] = []

    def send(chunk: list[int]) -> list[int]:
        sends.append(chunk)
        if bad & set(chunk):
            raise BigCommerceRejected(method="PUT", path="/catalog/products", status=409, title="Duplicate")
        return chunk

    accepted, rejected = bisect_batch(list(range(n)), send)

    assert sorted(i for chunk, _ in accepted for i in chunk) == [i for i in range(n) if i not in bad]
    assert sorted(item for item, _ in rejected) == sorted(bad & set(range(n)))
    assert all(response == chunk and chunk in sends for chunk, response in accepted)
    if len(bad & set(range(n))) <= 1 and n:  # one offender: at most two sends per halving
        assert len(sends) <= 2 * math.ceil(math.log2(n)) + 1


def test_bisect_lets_rejections_about_the_whole_batch_through() -> None:
    def send(chunk: list[int]) -> None:
        raise BigCommerceRejected(method="PUT", path="/catalog/products", status=413, title="Too large")

    with pytest.raises(BigCommerceRejected):
        bisect_batch(list(range(11)), send)


# --- secrets -------------------------------------------------------------------------------------


def test_token_never_appears_in_logs_reprs_or_exceptions(
    server: FakeBigCommerce, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(server, max_attempts=2)
    failures: list[BaseException] = []

    def leaky(request: httpx.Request, headers: dict[str, str]) -> httpx.Response:
        # e.g. h11 quoting an illegal header value back in its message
        raise httpx.LocalProtocolError(f"Illegal header value {request.headers['x-auth-token']!r}")

    server.inject(status(422, UNPROCESSABLE), drop, drop, throttle(), leaky)
    server.inject(status(207, {"data": [], "errors": {"title": "partial", "errors": {"url": "x"}}}))
    for _ in range(3):
        try:
            client.request("PUT", "/catalog/products", json=[{"id": 1}])
        except BigCommerceError as exc:
            failures.append(exc)
    client.request("PUT", "/catalog/products", json=[{"id": 1}])

    assert [type(f) for f in failures] == [BigCommerceRejected, BigCommerceTransientError, BigCommerceError]
    texts = [caplog.text, repr(client), repr(client._config), str(client.stats)]
    for failure in failures:
        texts += [str(failure), repr(failure), "".join(traceback.format_exception(failure))]
    assert caplog.text  # the retries and the 207 were logged
    for text in texts:
        assert TOKEN not in text


# --- concurrency ---------------------------------------------------------------------------------


def _overlap_app(peaks: Counter[str], active: Counter[str], lock: threading.Lock) -> App:
    def app(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        with lock:
            active[path] += 1
            active["*"] += 1
            peaks[path] = max(peaks[path], active[path])
            peaks["*"] = max(peaks["*"], active["*"])
        time.sleep(0.002)  # real time: widen the window in which a second request could overlap
        with lock:
            active[path] -= 1
            active["*"] -= 1
        return httpx.Response(204)

    return app


def _run_threads(target: Callable[[], None], count: int) -> None:
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)


@pytest.mark.parametrize("lane", ["channel-assignments", None])
def test_serial_lane_never_has_two_requests_in_flight(clock: FakeClock, lane: str | None) -> None:
    peaks: Counter[str] = Counter()
    server = FakeBigCommerce(clock, quota=100_000, app=_overlap_app(peaks, Counter(), threading.Lock()))
    client = make_client(server, max_in_flight=6)

    def work() -> None:
        for _ in range(6):
            client.request("PUT", "/catalog/products/channel-assignments", json=[], lane=lane)

    _run_threads(work, 8)

    assert len(server.hits) == 48
    if lane is not None:
        assert peaks["/stores/abc123/v3/catalog/products/channel-assignments"] == 1
    else:  # the control: without the lane, the same load does overlap, so the check above can fail
        assert peaks["/stores/abc123/v3/catalog/products/channel-assignments"] > 1
    assert peaks["*"] <= 6  # max_in_flight holds either way


def test_threads_sharing_one_client_stay_within_the_quota(clock: FakeClock) -> None:
    server = FakeBigCommerce(clock, quota=40, window_s=10.0, latency_s=0.02)
    client = make_client(server, max_in_flight=8)

    def work() -> None:
        for _ in range(25):
            client.request("GET", "/catalog/products")

    _run_threads(work, 8)

    assert len(server.hits) == 200
    assert [h.status for h in server.hits] == [200] * 200
    assert client.stats.throttled == 0 and client.stats.requests == 200


def test_unknown_lane_is_an_error(server: FakeBigCommerce) -> None:
    client = make_client(server)
    with pytest.raises(ValueError, match="unknown lane"):
        client.request("PUT", "/catalog/products/channel-assignments", lane="channel-assignment")
    assert server.hits == []


# --- pagination ----------------------------------------------------------------------------------


def _v3_catalogue(total: int) -> App:
    def app(request: httpx.Request) -> httpx.Response:
        page, limit = int(request.url.params["page"]), int(request.url.params["limit"])
        items = [{"id": i} for i in range((page - 1) * limit, min(total, page * limit))]
        pages = max(1, math.ceil(total / limit))
        pagination = {"total": total, "count": len(items), "per_page": limit, "current_page": page,
                      "total_pages": pages, "links": {"current": f"?page={page}&limit={limit}"}}
        return httpx.Response(200, json={"data": items, "meta": {"pagination": pagination}})

    return app


def test_iter_v3_follows_meta_pagination(clock: FakeClock) -> None:
    server = FakeBigCommerce(clock, app=_v3_catalogue(501))
    client = make_client(server)

    ids = [item["id"] for item in client.iter_v3("/catalog/products", params={"include_fields": "id"})]

    assert ids == list(range(501))
    assert [(h.params["page"], h.params["limit"], h.params["include_fields"]) for h in server.hits] == [
        ("1", "250", "id"), ("2", "250", "id"), ("3", "250", "id")
    ]


def test_iter_v3_rejects_a_limit_bigcommerce_would_refuse(server: FakeBigCommerce) -> None:
    with pytest.raises(ValueError, match="413"):
        list(make_client(server).iter_v3("/catalog/products", limit=251))


@pytest.mark.parametrize(
    ("total", "expected_pages"),
    [(0, ["1"]), (30, ["1"]), (120, ["1", "2", "3"]), (100, ["1", "2", "3"])],  # 100: page 3 is a 204
)
def test_iter_v2_stops_on_a_short_page_or_204(
    clock: FakeClock, total: int, expected_pages: list[str]
) -> None:
    def orders(request: httpx.Request) -> httpx.Response:
        page, limit = int(request.url.params["page"]), int(request.url.params["limit"])
        rows = [{"id": i} for i in range((page - 1) * limit, min(total, page * limit))]
        return httpx.Response(200, json=rows) if rows else httpx.Response(204)  # v2: 204 when empty

    server = FakeBigCommerce(clock, app=orders)
    ids = [o["id"] for o in make_client(server).iter_v2("/orders", params={"sort": "id:asc"}, limit=50)]

    assert ids == list(range(total))
    assert [h.params["page"] for h in server.hits] == expected_pages
    assert {h.params["sort"] for h in server.hits} == {"id:asc"}


def _stuck_on(current_page: int, total_pages: int) -> App:
    """A misbehaving server: whatever page is asked for, it answers a full page claiming `current_page`."""

    def app(request: httpx.Request) -> httpx.Response:
        pagination = {"current_page": current_page, "total_pages": total_pages, "per_page": 250}
        return httpx.Response(200, json={"data": [{"id": 1}] * 250, "meta": {"pagination": pagination}})

    return app


def test_iter_v3_refuses_a_server_whose_paging_does_not_advance(clock: FakeClock) -> None:
    server = FakeBigCommerce(clock, app=_stuck_on(current_page=1, total_pages=5_000))
    with pytest.raises(BigCommerceError, match=r"asked for page 2, the store answered current_page 1"):
        list(make_client(server).iter_v3("/catalog/products"))
    assert [h.params["page"] for h in server.hits] == ["1", "2"]


def test_iter_v3_is_bounded_however_many_pages_the_server_claims(clock: FakeClock,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "MAX_PAGES", 5)
    server = FakeBigCommerce(clock, app=_v3_catalogue(10**9))
    with pytest.raises(BigCommerceError, match="more than 5 pages"):
        list(make_client(server).iter_v3("/catalog/products"))
    assert len(server.hits) == 5


def test_iter_v2_is_bounded_when_every_page_is_full(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "MAX_PAGES", 5)
    server = FakeBigCommerce(clock, app=lambda request: httpx.Response(200, json=[{"id": 1}] * 50))
    with pytest.raises(BigCommerceError, match="more than 5 pages"):
        list(make_client(server).iter_v2("/orders", limit=50))
    assert len(server.hits) == 5


# --- properties of the pacer ---------------------------------------------------------------------


@given(
    quota=st.integers(1, 200),
    window_s=st.floats(0.5, 60.0),
    latency=st.floats(0.0, 0.1),
    margin=st.integers(0, 3),
    requests=st.integers(1, 250),
)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_sequential_client_never_exceeds_quota(
    quota: int, window_s: float, latency: float, margin: int, requests: int
) -> None:
    clock = FakeClock()
    rtt = latency * window_s
    server = FakeBigCommerce(clock, quota=quota, window_s=window_s, latency_s=rtt)
    client = make_client(server, safety_margin=margin, reset_slack_s=0.001)

    for _ in range(requests):
        client.request("GET", "/catalog/summary")

    assert all(h.status == 200 for h in server.hits)
    assert max(server.window_counts) <= quota
    # And it does not idle: about one window per quota's worth, or the latency, whichever is slower.
    per_window = max(1, quota - margin)
    assert clock.now <= (requests / per_window + 1) * (window_s + 0.001 + 2 * rtt) + requests * rtt


def _pure_pacer(margin: int, *, reset_slack_s: float) -> RateLimitPacer:
    """Driven through reserve/complete with explicit times; the clock callables are never used."""

    def unused(*args: object) -> NoReturn:
        raise AssertionError("the pure core must not read the clock or sleep")

    return RateLimitPacer(safety_margin=margin, reset_slack_s=reset_slack_s, monotonic=unused, sleep=unused)


@dataclass
class _WindowServer:
    """Counts arrivals per fixed window, opened either by the first request after a reset or on a
    fixed grid, and answers with the real headers (no client involved: events are simulated)."""

    quota: int
    window_s: float
    aligned: bool
    start: float | None = None
    used: int = 0
    refused: int = 0

    def admit(self, now: float) -> dict[str, str]:
        if self.aligned:
            start = math.floor(now / self.window_s) * self.window_s
            if start != self.start:
                self.start, self.used = start, 0
        elif self.start is None or now >= self.start + self.window_s:
            self.start, self.used = now, 0
        assert self.start is not None
        if self.used >= self.quota:
            self.refused += 1
        else:
            self.used += 1
        return {
            "x-rate-limit-requests-left": str(self.quota - self.used),
            "x-rate-limit-time-reset-ms": str(math.ceil((self.start + self.window_s - now) * 1000)),
            "x-rate-limit-requests-quota": str(self.quota),
            "x-rate-limit-time-window-ms": str(round(self.window_s * 1000)),
        }


@given(
    quota=st.integers(1, 60),
    window_s=st.floats(1.0, 60.0),
    margin=st.integers(0, 3),
    workers=st.integers(1, 8),
    requests=st.integers(1, 200),
    aligned=st.booleans(),
    legs=st.lists(st.tuples(st.floats(0.0, 0.12), st.floats(0.0, 0.12)), min_size=1, max_size=30),
)
@settings(max_examples=300, deadline=None)
def test_concurrent_pacer_never_exceeds_quota_whatever_order_responses_arrive_in(
    quota: int,
    window_s: float,
    margin: int,
    workers: int,
    requests: int,
    aligned: bool,
    legs: list[tuple[float, float]],
) -> None:
    """Discrete-event run: `workers` clients share one pacer; each request's two network legs are
    drawn (up to 12% of the window each), so responses come back out of order and straddle resets."""
    pacer = _pure_pacer(margin, reset_slack_s=0.001)
    server = _WindowServer(quota, window_s, aligned)
    events: list[tuple[float, int, str, Any]] = []
    seq = 0

    def push(at: float, kind: str, payload: Any) -> None:
        nonlocal seq
        heapq.heappush(events, (at, seq, kind, payload))
        seq += 1

    for _ in range(workers):
        push(0.0, "want", None)
    sent, waiting, finished_at = 0, 0, 0.0
    while events:
        now, _, kind, payload = heapq.heappop(events)
        if kind == "want" and sent < requests:
            slot = pacer.reserve(now)
            if slot is None:  # a probe is out; wait for a response
                waiting += 1
                continue
            up, down = legs[sent % len(legs)]
            sent += 1
            push(slot.at + up * window_s, "arrive", (slot, down * window_s))
        elif kind == "arrive":
            slot, down = payload
            push(now + down, "respond", (slot, server.admit(now)))
        elif kind == "respond":
            slot, headers = payload
            pacer.complete(slot, now, RateLimitHeaders.parse(headers))
            finished_at = now
            for _ in range(waiting + 1):
                push(now, "want", None)
            waiting = 0

    assert server.refused == 0
    assert sent == requests  # and nobody was left waiting for ever
    # Liveness: about a window per quota's worth (plus a probe's round trip), or the latency.
    per_window, rtt = max(1, quota - margin), max(up + down for up, down in legs) * window_s
    assert finished_at <= (requests / per_window + 2) * (window_s + rtt + 0.001) + (requests / workers + 1) * rtt


def _headers(left: int, reset_ms: int, quota: int) -> RateLimitHeaders:
    return RateLimitHeaders(left=left, reset_s=reset_ms / 1000, quota=quota, window_s=30.0)


def test_a_late_response_from_the_last_window_does_not_unlock_the_new_one() -> None:
    pacer = _pure_pacer(0, reset_slack_s=0.0)
    probe = pacer.reserve(0.0)
    assert probe is not None and probe.probe
    pacer.complete(probe, 0.1, _headers(left=50, reset_ms=10_000, quota=60))
    late = pacer.reserve(9.9)  # counted by the server at 9.95, its response is slow
    assert late is not None
    next_window = pacer.reserve(10.2)  # past the reset: probe the new window first
    assert next_window is not None and next_window.probe

    # The late response describes the old window (48 left). The new window's quota is unknown,
    # because other apps share it, until the probe answers: nobody else may go yet.
    pacer.complete(late, 10.25, _headers(left=48, reset_ms=50, quota=60))
    assert pacer.reserve(10.25) is None


def test_an_older_response_arriving_last_cannot_raise_what_is_left() -> None:
    pacer = _pure_pacer(0, reset_slack_s=0.0)
    probe = pacer.reserve(0.0)
    assert probe is not None
    pacer.complete(probe, 0.0, _headers(left=4, reset_ms=10_000, quota=5))
    a, b = pacer.reserve(0.0), pacer.reserve(0.0)
    assert a is not None and b is not None and (a.at, b.at) == (0.0, 2.5)  # 4 left over 10 s
    # The server counted a (3 left), then b (2 left); b's response overtakes a's.
    pacer.complete(b, 2.7, _headers(left=2, reset_ms=7_400, quota=5))
    pacer.complete(a, 2.8, _headers(left=3, reset_ms=9_900, quota=5))
    last, beyond = pacer.reserve(2.8), pacer.reserve(2.8)
    assert last is not None and beyond is not None
    assert last.at < 10.0 <= beyond.at  # one more fits in this window; a second would be a 429


header_values = st.one_of(
    st.integers(-5, 10**8).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=8),
)
header_names = st.sampled_from(
    [
        "X-Rate-Limit-Requests-Left", "x-rate-limit-time-reset-ms", "X-Rate-Limit-Requests-Quota",
        "X-RATE-LIMIT-TIME-WINDOW-MS", "X-Retry-After", "Content-Type",
    ]
)


@given(
    steps=st.lists(
        st.tuples(st.floats(0.0, 100.0), st.dictionaries(header_names, header_values), st.booleans()),
        max_size=40,
    ),
    margin=st.integers(0, 5),
)
@settings(max_examples=300, deadline=None)
def test_pacer_survives_any_header_sequence(
    steps: list[tuple[float, dict[str, str], bool]], margin: int
) -> None:
    pacer = _pure_pacer(margin, reset_slack_s=0.05)
    now = 0.0
    for advance, headers, throttled in steps:
        now += advance
        slot = pacer.reserve(now)
        assert slot is not None  # one request at a time: never stuck behind a probe
        assert math.isfinite(slot.at) and slot.at >= now
        assert slot.at - now <= 2 * 3600 + 1  # garbage headers must not stall the sync for ever
        now = slot.at
        limits = RateLimitHeaders.parse(headers)
        for value in (limits.left, limits.reset_s, limits.quota, limits.window_s, limits.retry_after_s):
            assert value is None or (math.isfinite(value) and value >= 0)
        pacer.complete(slot, now, limits)
        if throttled:
            pacer.hold(now + (limits.throttle_wait() or 1.0))
