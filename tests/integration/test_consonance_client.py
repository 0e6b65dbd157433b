"""ConsonanceClient against the stand-in over real HTTP on loopback.

Back-off sleeps go to an injected recorder, so no test waits for real back-off.
"""

from __future__ import annotations

import logging
import random
import shutil
import time
import traceback
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from bookbridge.adapters.consonance import (
    DEFAULT_QUERIES_DIR,
    ConsonanceAuthError,
    ConsonanceClient,
    ConsonanceProtocolError,
    ConsonanceQueryError,
    ConsonanceUnavailable,
)
from bookbridge.adapters.consonance.standin import (
    SAMPLE_CATALOGUE,
    ConsonanceData,
    ConsonanceStandinServer,
    Fault,
    FaultPlan,
    synthetic_catalogue,
)

KEY = "Secr3tKey0000000000000000000abcd"  # 32 letters and digits, like a Consonance key
DAY = date(2026, 1, 1)


class SleepRecorder:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def server() -> Iterator[ConsonanceStandinServer]:
    with ConsonanceStandinServer(synthetic_catalogue(23, changed_at=DAY), KEY, page_size=5) as running:
        yield running


def client_for(
    server: ConsonanceStandinServer, sleeps: SleepRecorder, *, api_key: str = KEY, **overrides: object
) -> ConsonanceClient:
    options: dict[str, object] = {
        "timeout": 5.0,
        "max_retries": 3,
        "backoff_base": 0.5,
        "backoff_cap": 10.0,
        "sleep": sleeps,
        "rng": random.Random(1),
    }
    options.update(overrides)
    return ConsonanceClient(server.url, api_key, **options)  # type: ignore[arg-type]


# -- paging and changedSince ----------------------------------------------------------------------------


def test_iter_works_pages_by_keyset_and_returns_every_work_once(
    server: ConsonanceStandinServer, sleeps: SleepRecorder
) -> None:
    with client_for(server, sleeps) as client:
        works = list(client.iter_works())

    assert [w["id"] for w in works] == list(range(1, 24))
    # Five pages of five (the last short), then the empty page that ends the walk.
    assert [r.variables["after"] for r in server.requests] == [None, 5, 10, 15, 20, 23]
    assert {r.operation_name for r in server.requests} == {"Works"}
    assert sleeps.calls == []


def test_works_come_with_all_their_products_in_the_documented_shape(sleeps: SleepRecorder) -> None:
    with (
        ConsonanceStandinServer(ConsonanceData.load_json(SAMPLE_CATALOGUE), KEY) as running,
        client_for(running, sleeps) as client,
    ):
        salt_road = next(w for w in client.iter_works() if w["id"] == 101)

    assert [p["id"] for p in salt_road["products"]] == [1001, 1002, 1003, 1004]
    hardback = salt_road["products"][0]
    assert hardback["__typename"] == "PhysicalBookProduct"
    assert (hardback["productHeight"], hardback["weight"]) == (234.0, 540.0)
    assert hardback["isbn"]["isbn13"] == "9781999990015"
    assert hardback["prices"][1]["effectiveFrom"] == "2026-12-01"
    assert salt_road["seriesMemberships"] == [
        {
            "partNumber": "1",
            "series": {
                "id": 1,
                "name": "The Harbour Quartet",
                "subtitle": "Four novels of the northern coast",
            },
        }
    ]
    assert [(s["__typename"], s["code"], s["main"]) for s in salt_road["subjectCodes"]] == [
        ("Thema", "FFP", True),
        ("Bisac", "FIC022000", True),
    ]


def test_changed_since_is_passed_as_a_date_and_filters_by_day(
    server: ConsonanceStandinServer, sleeps: SleepRecorder
) -> None:
    server.data.touch_work(4, on=date(2026, 2, 10))
    server.data.touch_product(1171, on=date(2026, 2, 11))  # a product of work 17

    with client_for(server, sleeps) as client:
        on_the_tenth = [w["id"] for w in client.iter_works(changed_since=date(2026, 2, 10))]
        on_the_eleventh = [w["id"] for w in client.iter_works(changed_since=date(2026, 2, 11))]
        later = list(client.iter_works(changed_since=date(2026, 2, 12)))

    assert (on_the_tenth, on_the_eleventh, later) == ([4, 17], [17], [])
    assert server.requests[0].variables == {"after": None, "changedSince": "2026-02-10"}


def test_get_work_fetches_one_family_or_none(server: ConsonanceStandinServer, sleeps: SleepRecorder) -> None:
    with client_for(server, sleeps) as client:
        work = client.get_work(7)
        missing = client.get_work(999)

    assert work is not None and work["id"] == 7 and len(work["products"]) == 2
    assert missing is None


def test_paging_that_does_not_advance_fails_loudly(
    server: ConsonanceStandinServer, sleeps: SleepRecorder, tmp_path: Path
) -> None:
    # A tenant-adapted document that (wrongly) pages on product ids: every page restarts at work 1.
    document = (DEFAULT_QUERIES_DIR / "works.graphql").read_text(encoding="utf-8")
    (tmp_path / "works.graphql").write_text(
        document.replace(
            "workSearch: {after: $after, changedSince: $changedSince}",
            "productSearch: {after: $after, changedSince: $changedSince}",
        ),
        encoding="utf-8",
    )
    with (
        client_for(server, sleeps, queries_dir=tmp_path) as client,
        pytest.raises(ConsonanceProtocolError, match="keyset paging does not advance"),
    ):
        list(client.iter_works())


def test_the_query_documents_come_from_the_configured_directory(
    server: ConsonanceStandinServer, sleeps: SleepRecorder, tmp_path: Path
) -> None:
    shutil.copy(DEFAULT_QUERIES_DIR / "works.graphql", tmp_path / "works.graphql")
    slim = (tmp_path / "works.graphql").read_text(encoding="utf-8")
    start = slim.index("fragment WorkFields on Work {")
    end = slim.index("fragment ProductFields")
    slim = (
        slim[:start]
        + "fragment WorkFields on Work {\n  id\n  title\n  products { ...ProductFields }\n}\n\n"
        + slim[end:]
    )
    (tmp_path / "works.graphql").write_text(slim, encoding="utf-8")

    with client_for(server, sleeps, queries_dir=tmp_path) as client:
        first = next(client.iter_works())

    assert set(first) == {"id", "title", "products"}


def test_a_missing_query_directory_fails_at_construction(server: ConsonanceStandinServer, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"works\.graphql"):
        ConsonanceClient(server.url, KEY, queries_dir=tmp_path)


# -- retries ------------------------------------------------------------------------------------------------


def test_429_and_5xx_are_retried_with_bounded_full_jitter(
    server: ConsonanceStandinServer, sleeps: SleepRecorder
) -> None:
    server.faults.queue(Fault.server_error(500), Fault.server_error(503), Fault.rate_limited())

    with client_for(server, sleeps, max_retries=3, backoff_base=0.5, backoff_cap=10.0) as client:
        works = list(client.iter_works())

    assert len(works) == 23
    assert len(sleeps.calls) == 3
    for retry, delay in enumerate(sleeps.calls):
        assert 0 <= delay <= min(10.0, 0.5 * 2**retry)
    assert [r.status for r in server.requests[:4]] == [500, 503, 429, 200]


def test_retry_after_is_honoured(server: ConsonanceStandinServer, sleeps: SleepRecorder) -> None:
    server.faults.queue(Fault.rate_limited(retry_after=4), Fault.server_error(503, retry_after=2))

    with client_for(server, sleeps, backoff_base=0.01) as client:
        assert client.get_work(1) is not None

    assert sleeps.calls == [4.0, 2.0]


def test_a_retry_after_beyond_the_bound_is_not_waited_out(
    server: ConsonanceStandinServer, sleeps: SleepRecorder
) -> None:
    server.faults.queue(Fault.rate_limited(retry_after=3600))

    with (
        client_for(server, sleeps, backoff_cap=60.0) as client,
        pytest.raises(ConsonanceUnavailable, match="Retry-After 3600s exceeds the 60s bound"),
    ):
        client.get_work(1)
    assert sleeps.calls == []


def test_it_gives_up_after_the_retry_bound(server: ConsonanceStandinServer, sleeps: SleepRecorder) -> None:
    server.faults.queue(*[Fault.server_error(502)] * 5)

    with client_for(server, sleeps, max_retries=3) as client, pytest.raises(ConsonanceUnavailable) as caught:
        list(client.iter_works())

    assert caught.value.attempts == 4
    assert str(caught.value) == "Consonance unavailable after 4 attempts: HTTP 502"
    assert len(server.requests) == 4 and len(sleeps.calls) == 3


def test_seeded_random_faults_do_not_lose_or_duplicate_works(sleeps: SleepRecorder) -> None:
    plan = FaultPlan(seed=5, rate=0.4)
    with (
        ConsonanceStandinServer(synthetic_catalogue(23, changed_at=DAY), KEY, faults=plan, page_size=4) as running,
        client_for(running, sleeps, max_retries=8) as client,
    ):
        ids = [w["id"] for w in client.iter_works()]

    assert ids == list(range(1, 24))
    assert plan.injected, "the seed should have injected some faults"
    assert len(sleeps.calls) == len(plan.injected)


def test_connection_refused_ends_as_unavailable(sleeps: SleepRecorder) -> None:
    with ConsonanceStandinServer(ConsonanceData(), KEY) as running:
        url = running.url
    with (
        ConsonanceClient(url, KEY, timeout=2.0, max_retries=2, sleep=sleeps) as client,
        pytest.raises(ConsonanceUnavailable) as caught,
    ):
        client.get_work(1)
    # In the words people read, the address and the operating system's reason: not httpx's class.
    assert str(caught.value) == f"Consonance unavailable after 3 attempts: could not connect to {url}/graphql: " \
                                "connection refused"
    assert len(sleeps.calls) == 2


# -- GraphQL errors ---------------------------------------------------------------------------------------


def test_graphql_errors_in_a_200_raise_a_query_error_naming_message_and_path(
    server: ConsonanceStandinServer, sleeps: SleepRecorder
) -> None:
    server.faults.queue(Fault.graphql_error("Internal error resolving works"))

    with client_for(server, sleeps) as client, pytest.raises(ConsonanceQueryError) as caught:
        list(client.iter_works())

    assert str(caught.value) == "Consonance GraphQL error in Works at works: Internal error resolving works"
    assert caught.value.path == ["works"]
    assert len(server.requests) == 1, "GraphQL errors are not retried"


def test_a_document_that_does_not_fit_the_schema_raises_a_query_error(
    server: ConsonanceStandinServer, sleeps: SleepRecorder
) -> None:
    with client_for(server, sleeps) as client, pytest.raises(ConsonanceQueryError, match="noSuchField"):
        client.execute("query Broken { works { id noSuchField } }", operation_name="Broken")


# -- the key ------------------------------------------------------------------------------------------------


def test_a_rejected_key_raises_auth_error_without_retrying(
    server: ConsonanceStandinServer, sleeps: SleepRecorder
) -> None:
    wrong = "Wr0ngKey000000000000000000000xyz"
    with client_for(server, sleeps, api_key=wrong) as client, pytest.raises(ConsonanceAuthError) as caught:
        list(client.iter_works())

    assert str(caught.value) == "Consonance rejected the API key"
    assert caught.value.status == 401
    assert len(server.requests) == 1 and sleeps.calls == []
    rendered = "".join(traceback.format_exception(caught.value))
    assert wrong not in rendered and wrong not in repr(client)


def test_the_key_never_appears_in_messages_reprs_or_logs(
    server: ConsonanceStandinServer, sleeps: SleepRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.faults.queue(*[Fault.server_error(503)] * 3)
    client = client_for(server, sleeps, max_retries=2)

    with pytest.raises(ConsonanceUnavailable) as caught:
        client.get_work(1)
    client.close()

    assert "retry 1 of 2" in caplog.text  # the retries were logged…
    surfaces = [
        caplog.text,
        repr(client),
        str(client),
        repr(vars(client)),  # even a debugger's view of the attributes shows the key redacted
        "".join(traceback.format_exception(caught.value)),
    ]
    assert all(KEY not in text for text in surfaces)  # …and nothing showed the key


def test_a_key_with_whitespace_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError) as caught:
        ConsonanceClient("http://127.0.0.1:9", KEY + "\n")
    assert KEY not in str(caught.value)


# -- timeouts -----------------------------------------------------------------------------------------------


def test_timeouts_are_explicit_and_bound_a_slow_server(server: ConsonanceStandinServer, sleeps: SleepRecorder) -> None:
    server.faults.queue(Fault.slow(1.0), Fault.slow(1.0))
    # An injected httpx client with a generous default still gets the Consonance client's own bound.
    with httpx.Client(timeout=60.0) as http:
        client = client_for(server, sleeps, timeout=0.2, max_retries=1, http_client=http)
        started = time.monotonic()
        with pytest.raises(ConsonanceUnavailable, match=rf"no answer from {server.url}/graphql within 0.2 s$"):
            client.get_work(1)
        elapsed = time.monotonic() - started

    assert client.timeout == httpx.Timeout(0.2)
    assert elapsed < 0.9, "each attempt should stop at the 0.2 s read timeout, not wait for the slow answer"


@pytest.mark.parametrize("timeout", [httpx.Timeout(None), httpx.Timeout(5.0, read=None), 0.0])
def test_unbounded_timeouts_are_refused(timeout: httpx.Timeout | float) -> None:
    with pytest.raises(ValueError, match="explicit"):
        ConsonanceClient("http://127.0.0.1:9", KEY, timeout=timeout)
