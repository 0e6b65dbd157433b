"""Issue #14's drills against the HTTP app, each once a failure: hostile JSON (100,000-deep nesting, a
5,000-digit integer), NUL bytes on their way to the database (webhook fields, query parameters, notes; on SQLite
and PostgreSQL), sign-in back-off, sessions that end at sign-out, no free text from the query string on the
dashboard, rate-limited warnings for unsigned deliveries, and the webhook events' retention."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bookbridge.domain.ports import MAX_INTEGER
from bookbridge.entrypoints.http.security import SESSION_COOKIE
from bookbridge.entrypoints.metrics import metrics
from http_support import ADMIN_TOKEN, admin, build_app, payload, seed_exception, signed_headers
from pg_support import fresh_postgres_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def client(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The app over each database."""
    if request.param == "sqlite":
        app, _, _ = build_app(tmp_path, monkeypatch)
        yield TestClient(app)
        return
    with fresh_postgres_database() as url:
        app, container, _ = build_app(tmp_path, monkeypatch, database_url=url)
        yield TestClient(app)
        container.shutdown_resources()


def signed(client: TestClient, body: bytes):  # type: ignore[no-untyped-def]
    return client.post("/webhooks/bigcommerce", content=body, headers=signed_headers(body))


def test_deep_nesting_and_huge_numbers_in_a_signed_webhook_are_400(client: TestClient) -> None:
    deep = b'{"scope": "store/order/created", "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    answer = signed(client, deep)
    assert answer.status_code == 400 and "nests deeper than 32" in answer.json()["detail"]
    huge = b'{"scope": "store/order/created", "created_at": ' + b"9" * 5000 + b"}"
    answer = signed(client, huge)
    assert answer.status_code == 400 and "longer than 100 characters" in answer.json()["detail"]
    for bad in (b'{"scope": "store/order/created", "x": NaN}', b'{"scope": "store/order/created", "x": 1e999}',
                b'{"scope": "store/order/created", "hash": "\\ud800"}'):
        assert signed(client, bad).status_code == 400, bad
    brackets_in_text = json.dumps({"scope": "store/order/created", "producer": "[" * 150}).encode()
    assert signed(client, brackets_in_text).status_code == 200  # brackets inside a string do not nest


@pytest.mark.parametrize("field", ["scope", "store_id", "hash", "producer", "data.id", "data.type"])
def test_nul_bytes_in_a_signed_webhook_are_422_naming_the_field(client: TestClient, field: str) -> None:
    document = json.loads(payload())
    if field.startswith("data."):
        document["data"][field.removeprefix("data.")] = "12\x0034"
    else:
        document[field] = "store/order/created\x00" if field == "scope" else "12\x0034"
    answer = signed(client, json.dumps(document).encode())
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"].startswith(f"webhook body, field {field}: "), answer.text


def test_nul_bytes_in_query_parameters_and_notes_are_422(client: TestClient) -> None:
    answer = client.get("/api/runs?storefront=%00", headers=admin())
    assert answer.status_code == 422 and answer.json()["detail"].startswith("query parameter storefront:")
    assert client.get("/api/runs?storefront=store", headers=admin()).status_code == 200
    note = client.post("/api/exceptions/1/resolve", headers=admin(), json={"note": "done\x00"})
    assert note.status_code == 422 and "body note" in note.json()["detail"]


def test_every_error_body_is_one_sentence_naming_the_field(client: TestClient) -> None:
    for url in ("/api/sales?start=AAA", "/api/sales?start=0", "/api/runs?limit=0"):
        answer = client.get(url, headers=admin())
        assert answer.status_code == 422 and isinstance(answer.json()["detail"], str), url
        assert answer.json()["detail"].startswith("query parameter "), url
    options = client.options("/login")
    assert options.status_code == 405 and options.headers["allow"] == "GET, POST"


@pytest.mark.parametrize(("method", "url", "body", "said"), [
    ("get", "/api/runs?limit=abc", None, "query parameter limit: must be a whole number; it is 'abc'"),
    # A number unquoted, as the CLI's --limit says it (test_cli_arguments).
    ("get", "/api/runs?limit=0", None, "query parameter limit: must be at least 1; it is 0"),
    ("get", "/api/upcoming?limit=501", None, "query parameter limit: must be at most 500; it is 501"),
    ("post", "/api/exceptions/1/resolve", None, "body: must be given (a JSON object)"),
    ("post", "/api/exceptions/1/resolve", {}, "body note: must be given"),
    ("post", "/api/exceptions/1/resolve", {"note": ""}, "body note: a note is needed: say what was done about it"),
    ("post", "/api/exceptions/1/resolve", [], "body: must be a JSON object"),
    ("post", "/api/sync?full=maybe", None, "query parameter full: must be true or false; it is 'maybe'"),
    ("get", "/api/sales?start=2026-13-01", None,
     "query parameter start: must be a day as YYYY-MM-DD; it is '2026-13-01' (month must be in 1..12)"),
    ("get", "/api/sales?end=2026-12-99", None,
     "query parameter end: must be a day as YYYY-MM-DD; it is '2026-12-99' (day is out of range for month)"),
    ("get", "/api/sales?start=AAA", None, "query parameter start: must be a day as YYYY-MM-DD; it is 'AAA'"),
    # As `sales report --by` says it: the groupings, never their deprecated aliases (still taken).
    ("get", "/api/sales?group_by=author", None,
     "query parameter group_by: must be one of edition, family, format, storefront, day, week or month; it is "
     "'author'"),
    # As `bookbridge exceptions retry abc` says it (test_cli_arguments).
    ("post", "/api/exceptions/abc/retry", None,
     f"path parameter exception_id: must be an exception id, a whole number from 1 to {MAX_INTEGER}; it is 'abc'"),
    ("post", "/api/exceptions/0/resolve", {"note": "x"},
     f"path parameter exception_id: must be an exception id, a whole number from 1 to {MAX_INTEGER}; it is 0"),
])
def test_the_apis_refusals_are_in_the_projects_words_naming_what_the_field_takes(
        client: TestClient, method: str, url: str, body: object, said: str) -> None:
    answer = client.request(method.upper(), url, headers=admin(), **({"json": body} if body is not None else {}))
    assert answer.status_code == 422 and answer.json() == {"detail": said}, answer.text


def test_wrong_tokens_back_off_per_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app, _, _ = build_app(tmp_path, monkeypatch, login_free_attempts=3)
    client = TestClient(app)
    answers = [client.post("/login", data={"token": f"guess-{i}"}).status_code for i in range(50)]
    assert answers[:3] == [401, 401, 401]
    assert set(answers[3:]) == {429}  # the 4th wrong token starts the back-off; later ones are not even checked
    throttled = client.post("/login", data={"token": ADMIN_TOKEN})
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) >= 1
    other = TestClient(app, client=("203.0.113.9", 50000))  # another client is not held back
    assert other.post("/login", data={"token": ADMIN_TOKEN}, follow_redirects=False).status_code == 303


def test_signing_out_ends_the_session_on_the_server(client: TestClient) -> None:
    signed_in = client.post("/login", data={"token": ADMIN_TOKEN}, follow_redirects=False)
    assert signed_in.status_code == 303
    cookie = signed_in.cookies[SESSION_COOKIE]
    assert client.get("/dashboard", cookies={SESSION_COOKIE: cookie}, follow_redirects=False).status_code == 200
    assert client.post("/logout", cookies={SESSION_COOKIE: cookie}, follow_redirects=False).status_code == 303
    client.cookies.clear()
    replayed = client.get("/dashboard", cookies={SESSION_COOKIE: cookie}, follow_redirects=False)
    assert replayed.status_code == 303 and replayed.headers["location"] == "/login"  # the old cookie is dead


def test_the_dashboard_shows_no_text_from_the_query_string(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app, container, _ = build_app(tmp_path, monkeypatch)
    client = TestClient(app)
    client.post("/login", data={"token": ADMIN_TOKEN})
    bait = "Your session expired: call +1 555 0100"
    page = client.get("/dashboard", params={"done": bait})  # the page, noting the parameter, never quoting it
    assert page.status_code == 200 and bait not in page.text
    assert "Query parameter done (its value is not shown here)" in page.text
    item = seed_exception(container)
    done = client.get(f"/dashboard?done=resolved&exception={item}")
    assert done.status_code == 200 and f"Exception {item} resolved." in done.text


def test_unsigned_deliveries_are_counted_and_their_warnings_rate_limited(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    app, _, _ = build_app(tmp_path, monkeypatch, refusal_log_per_minute=5)
    client = TestClient(app)
    counter = metrics().webhook_refusals.labels(reason="unsigned")
    before = counter._value.get()
    with caplog.at_level(logging.WARNING, logger="bookbridge.entrypoints.http.webhooks"):
        for _ in range(2000):
            assert client.post("/webhooks/bigcommerce", content=payload(),
                               headers={"content-type": "application/json"}).status_code == 401
    warnings = [r for r in caplog.records if "webhook delivery refused" in r.getMessage()]
    assert len(warnings) == 5
    assert counter._value.get() - before == 2000
    exposition = client.get("/metrics").text
    assert 'bookbridge_webhook_refusals_total{reason="unsigned"}' in exposition


def test_processed_webhook_events_older_than_the_retention_are_deleted(client: TestClient) -> None:
    state = client.app.state.bookbridge  # type: ignore[attr-defined]
    guard = client.app.state.protection  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    inbox = state.inbox
    old = inbox.receive(hash="old", delivery_id=None, scope="store/product/updated", store_id=None, resource_id=None,
                        payload={"scope": "store/product/updated"}, at=now - timedelta(days=40))
    pending = inbox.receive(hash="pending", delivery_id=None, scope="store/order/created", store_id=None,
                            resource_id=None, payload={"scope": "store/order/created"}, at=now - timedelta(days=40))
    recent = inbox.receive(hash="recent", delivery_id=None, scope="store/product/updated", store_id=None,
                           resource_id=None, payload={"scope": "store/product/updated"}, at=now)
    inbox.mark_done([old.id], result="recorded", at=now - timedelta(days=31))
    inbox.mark_done([recent.id], result="recorded", at=now - timedelta(days=29))
    assert guard.retention.run_if_due(now=1e9) == 1  # 30 days by default
    assert inbox.get(old.id) is None
    assert inbox.get(pending.id) is not None and inbox.get(recent.id) is not None
    assert guard.retention.run_if_due(now=1e9 + 60) is None  # at most once an hour
