"""The HTTP app over a real SQLite database, with fake service hooks: health, metrics, the admin API, webhooks
(authentication, dedup, durable storage, processing) and bad input."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import re
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bookbridge.adapters.persistence.migrate import downgrade
from bookbridge.application.sales_report import DEPRECATED_GROUPINGS, GROUPINGS
from bookbridge.domain.ports import ExceptionKind, FixedClock
from bookbridge.domain.ports.scheduling import UpcomingJob
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.entrypoints.cli.app import app as cli
from bookbridge.entrypoints.container import build_unit_of_work
from bookbridge.entrypoints.http.app import create_app
from bookbridge.entrypoints.http.limits import BodyLimit
from bookbridge.entrypoints.http.security import SESSION_COOKIE
from bookbridge.entrypoints.metrics import observe_job_lag, record_api_calls, record_sync_report
from http_support import (
    ADMIN_TOKEN,
    CLIENT_SECRET,
    HEADER_VALUE,
    FakeHooks,
    admin,
    build_app,
    fake_sales,
    http_container,
    payload,
    seed_exception,
    sign_in,
    signed_headers,
)


@pytest.fixture
def app_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    return build_app(tmp_path, monkeypatch)


@pytest.fixture
def client(app_parts) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app_parts[0])  # no lifespan: the tests run the webhook worker's passes themselves


def open_items(container):  # type: ignore[no-untyped-def]
    uow = build_unit_of_work(container.engine(), container.clock(), container.settings())
    with uow:
        return uow.exceptions.open_items()


# --- health and metrics ------------------------------------------------------------------------------------------


def test_liveness_and_readiness(client: TestClient, app_parts) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": True, "migrations": True, "scheduler": True}
    app_parts[2].running = False
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.json()["reasons"] == ["scheduler not running"]


def test_readiness_fails_when_the_schema_is_behind(client: TestClient, app_parts) -> None:  # type: ignore[no-untyped-def]
    downgrade(app_parts[1].engine(), "0004")
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["migrations"] is False
    assert "revision 0004" in answer.json()["reasons"][0]


def test_metrics_expose_database_counts_and_recorded_series(client: TestClient, app_parts) -> None:  # type: ignore[no-untyped-def]
    container = app_parts[1]
    seed_exception(container)
    uow = build_unit_of_work(container.engine(), container.clock(), container.settings())
    with uow:
        run = uow.runs.start_run("uk", at=container.clock().now())
        uow.runs.finish_run(run.id, at=container.clock().now(), counts={"created": 2}, outcome="ok")
        uow.commit()
    record_sync_report("metrics-test", {"created": 3, "updated": 2, "hidden": 1, "failed": 0, "unchanged": 9})
    record_api_calls("metrics-test", 40, 2)
    observe_job_lag("launch", 1.5)
    text = client.get("/metrics").text
    series = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert series and all(line.startswith("bookbridge_") for line in series)
    for expected in ('bookbridge_runs{outcome="ok",store="uk"} 1.0',
                     'bookbridge_exceptions_open{kind="blocking-readiness"} 1.0',
                     'bookbridge_exceptions_open{kind="drift"} 0.0',
                     'bookbridge_operations_total{operation="created",store="metrics-test"} 3.0',
                     'bookbridge_operations_total{operation="hidden",store="metrics-test"} 1.0',
                     'bookbridge_api_calls_total{store="metrics-test"} 40.0',
                     'bookbridge_api_throttled_total{store="metrics-test"} 2.0',
                     'bookbridge_job_lag_seconds_bucket{kind="launch",le="2.5"}',
                     "bookbridge_database_up 1.0"):
        assert expected in text, expected
    assert 'operation="unchanged"' not in text


def test_metrics_refuse_negative_counts() -> None:
    with pytest.raises(ValueError, match="negative"):
        record_sync_report("s", {"created": -1})
    with pytest.raises(ValueError, match="deltas"):
        record_api_calls("s", -1, 0)


# --- admin API ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": ADMIN_TOKEN},
                                     {"Authorization": f"Basic {ADMIN_TOKEN}"}])
def test_admin_endpoints_need_the_bearer_token(client: TestClient, headers: dict[str, str]) -> None:
    for method, path in (("GET", "/api/runs"), ("POST", "/api/sync"), ("GET", "/api/plan"),
                         ("GET", "/api/exceptions"), ("POST", "/api/exceptions/1/resolve"),
                         ("POST", "/api/exceptions/1/retry"), ("GET", "/api/upcoming"), ("GET", "/api/sales"),
                         ("GET", "/api/sales.csv")):
        answer = client.request(method, path, headers=headers, json={"note": "x"})
        assert answer.status_code == 401, (method, path)
        assert answer.headers["www-authenticate"].startswith("Bearer")


def test_runs_sync_upcoming(client: TestClient, app_parts) -> None:  # type: ignore[no-untyped-def]
    container, hooks = app_parts[1], app_parts[2]
    uow = build_unit_of_work(container.engine(), container.clock(), container.settings())
    with uow:
        run = uow.runs.start_run("uk", at=container.clock().now())
        uow.runs.finish_run(run.id, at=container.clock().now(), counts={"created": 5, "failed": 1}, outcome="failed")
        uow.commit()
    runs = client.get("/api/runs", headers=admin()).json()
    assert [(r["store"], r["outcome"], r["counts"]) for r in runs] == [("uk", "failed",
                                                                            {"created": 5, "failed": 1, "not_sent": 0})]
    queued = client.post("/api/sync?full=true", headers=admin())
    assert queued.status_code == 202 and queued.json()["job_id"] == "sync-1"
    assert hooks.syncs == [("store", True)]
    at = container.clock().now()
    hooks.jobs = [UpcomingJob(id="at:store:2030-01-01T00:00:00+00:00", kind="launch", run_at=at, store="store",
                              detail="9780000000002 goes on sale")]
    assert client.get("/api/upcoming", headers=admin()).json()[0]["detail"] == "9780000000002 goes on sale"


def test_upcoming_says_what_a_precise_jobs_id_and_kind_mean(client: TestClient) -> None:
    fields = client.get("/openapi.json").json()["components"]["schemas"]["Upcoming"]["properties"]
    assert "`at:{store}:{instant}` for every job at an instant, a launch or a campaign flip alike" in (
        fields["id"]["description"])
    assert "launch:" not in fields["id"]["description"]
    assert "`campaign` when only a price does (a campaign flip)" in fields["kind"]["description"]


def test_plan_is_the_cli_json_document(client: TestClient) -> None:
    plan = client.get("/api/plan", headers=admin()).json()
    assert plan["store"] == "store"
    assert set(plan) == {"store", "counts", "actions", "held_back", "held_back_on_a_storefront", "source_problems",
                         "kept_unread", "credentials_refused"}
    assert plan["counts"]["create"] == len([a for a in plan["actions"] if a["action"] == "create"]) > 0
    assert plan["credentials_refused"] is None  # the store's: none open


def test_plan_names_the_stores_open_refusal_of_the_credentials(client: TestClient, app_parts) -> None:  # type: ignore[no-untyped-def]
    """A plan looks fine while a sync would stop at the store's refusal: `/api/plan` names its open exception, as
    `bookbridge plan` does."""
    container = app_parts[1]
    uow = build_unit_of_work(container.engine(), container.clock(), container.settings())
    with uow:
        item = uow.exceptions.report(ExceptionKind.CREDENTIALS_REFUSED, isbn=None, storefront="store",
                                     message="401 Unauthorized: BigCommerce does not accept the access token",
                                     at=datetime.now(UTC))
        uow.commit()
    plan = client.get("/api/plan", headers=admin())
    assert plan.status_code == 200, plan.text
    assert plan.json()["credentials_refused"] == {
        "exception": item.id, "message": "401 Unauthorized: BigCommerce does not accept the access token"}


def test_exceptions_list_resolve_and_retry(client: TestClient, app_parts) -> None:  # type: ignore[no-untyped-def]
    container, hooks = app_parts[1], app_parts[2]
    first, second = seed_exception(container, "one"), seed_exception(container, "two")
    assert first == second  # the queue dedups on (kind, isbn, storefront)
    listed = client.get("/api/exceptions", headers=admin()).json()
    assert [(e["id"], e["message"], e["count"]) for e in listed] == [(first, "two", 2)]
    retry = client.post(f"/api/exceptions/{first}/retry", headers=admin())
    assert retry.status_code == 202 and hooks.retries == [("store", "9780000000002")]  # that edition alone
    assert hooks.syncs == [] and "its product is written to the store" in retry.json()["detail"]
    resolved = client.post(f"/api/exceptions/{first}/resolve", headers=admin(), json={"note": "price added"})
    assert resolved.status_code == 200 and resolved.json()["resolution"] == "price added"
    assert open_items(container) == []
    # Resolved already is not "not found": 409, saying when and how, in the words of `bookbridge exceptions
    # resolve` and `retry`; an id that names no exception is 404, as the CLI's exit 2.
    said = rf"exception {first} is resolved already \(resolved \d{{4}}-\d\d-\d\d \d\d:\d\d \S+ \([\w/]+\): " \
           r"price added\); nothing was changed for it"
    for action, body in (("resolve", {"json": {"note": "again"}}), ("retry", {})):
        again = client.post(f"/api/exceptions/{first}/{action}", headers=admin(), **body)  # type: ignore[arg-type]
        assert again.status_code == 409 and re.fullmatch(said, again.json()["detail"]), (action, again.text)
        unknown = client.post(f"/api/exceptions/999999/{action}", headers=admin(), **body)  # type: ignore[arg-type]
        assert unknown.status_code == 404 and unknown.json()["detail"] == "no exception with id 999999", unknown.text
    assert hooks.retries == [("store", "9780000000002")]  # neither queued a retry
    uow = build_unit_of_work(container.engine(), container.clock(), container.settings())
    with uow:
        assert uow.exceptions.get(first).resolution == "price added"  # its note stays as it was
    document = client.get("/openapi.json").json()
    for action in ("resolve", "retry"):
        answers = document["paths"][f"/api/exceptions/{{exception_id}}/{action}"]["post"]["responses"]
        assert "no exception has this id" in answers["404"]["description"], answers
        assert "resolved already" in answers["409"]["description"], answers


def test_exceptions_by_kind_and_an_unknown_kind_refused_as_the_cli_refuses_it(client: TestClient,
                                                                              app_parts) -> None:  # type: ignore[no-untyped-def]
    """`kind` narrows the list, as `exceptions list --kind` does; a kind that is none is 422 in the house problem
    form, naming the parameter and listing the kinds in the CLI's words, never every exception."""
    seed_exception(app_parts[1], "no price")
    assert [e["kind"] for e in client.get("/api/exceptions?kind=blocking-readiness", headers=admin()).json()] == [
        "blocking-readiness"]
    assert client.get("/api/exceptions?kind=drift&kind=DRIFT", headers=admin()).json() == []
    for bogus in ("bogus", "drfit"):
        said = CliRunner().invoke(cli, ["exceptions", "list", "--kind", bogus]).stderr
        cli_words = " ".join(said.split("Invalid value for '--kind' / '-k': ", 1)[1].split())
        refused = client.get(f"/api/exceptions?kind={bogus}", headers=admin())
        assert refused.status_code == 422, refused.text
        assert refused.json() == {"detail": f"query parameter kind: {cli_words}"}, (refused.json(), cli_words)
        assert "the kinds: blocking-readiness, " in cli_words
    parameters = client.get("/openapi.json").json()["paths"]["/api/exceptions"]["get"]["parameters"]
    assert [p["name"] for p in parameters] == ["kind"]


def test_a_retry_of_an_edition_says_only_as_runs_and_the_cli_do(client: TestClient, app_parts) -> None:  # type: ignore[no-untyped-def]
    """One word for a retry's scope: `retry of edition 9781999990022 only` in runs, `only` in the answer and the
    API's documentation alike, never "alone"."""
    exception_id = seed_exception(app_parts[1], "no price")
    detail = client.post(f"/api/exceptions/{exception_id}/retry", headers=admin()).json()["detail"]
    assert "edition 9780000000002 only" in detail and "alone" not in detail, detail
    operation = client.get("/openapi.json").json()["paths"]["/api/exceptions/{exception_id}/retry"]["post"]
    words = f"{operation['summary']} {operation.get('description', '')}"
    assert "only" in words and "alone" not in words, words


@pytest.mark.parametrize("note", ["", "   ", "\n\t"])
def test_resolving_needs_a_note_said_in_words(client: TestClient, app_parts, note: str) -> None:  # type: ignore[no-untyped-def]
    """As `bookbridge exceptions resolve --note` and the dashboard need one (docs/glossary.md: by hand, with a
    note), in the same words, not pydantic's."""
    item = seed_exception(app_parts[1], "no price")
    refused = client.post(f"/api/exceptions/{item}/resolve", headers=admin(), json={"note": note})
    assert refused.status_code == 422, refused.text
    assert refused.json() == {"detail": "body note: a note is needed: say what was done about it"}
    assert [e.id for e in open_items(app_parts[1])] == [item]
    schema = client.get("/openapi.json").json()["components"]["schemas"]["ResolveRequest"]["properties"]["note"]
    assert re.fullmatch(schema["pattern"], "  price added ") and not re.fullmatch(schema["pattern"], "  \t")
    resolved = client.post(f"/api/exceptions/{item}/resolve", headers=admin(), json={"note": "  price added "})
    assert resolved.status_code == 200 and resolved.json()["resolution"] == "price added"


def test_sales_report_as_json_and_csv(client: TestClient) -> None:
    report = client.get("/api/sales", headers=admin())  # default: the last 28 days, by edition
    assert report.status_code == 200
    body = report.json()
    assert body["group_by"] == "edition" and body["units"] == 42
    assert body["revenue"] == {"GBP": "239.88", "USD": "299.70"}
    assert body["formats"][0]["format"] == "ebook"
    by_format = client.get("/api/sales?group_by=format", headers=admin()).json()
    assert {r["group"]: r["units"] for r in by_format["rows"]} == {"ebook": 30, "hardback": 12}
    everything = client.get("/api/sales?start=2020-01-01", headers=admin()).json()
    assert everything["units"] == 42 + 99 and everything["start"] == "2020-01-01"
    table = client.get("/api/sales.csv?group_by=storefront", headers=admin())
    assert table.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert sorted(rows, key=lambda r: r["group"]) == [
        {"group": "uk", "label": "storefront 'uk'", "currency": "GBP", "units": "12", "revenue": "239.88", "format": "",
         "format_name": ""},
        {"group": "us", "label": "storefront 'us'", "currency": "USD", "units": "30", "revenue": "299.70", "format": "",
         "format_name": ""}]
    assert client.get("/api/sales?group_by=isbn", headers=admin()).status_code == 422


def test_sales_days_are_taken_as_the_cli_takes_them(client: TestClient) -> None:
    """An end before the start is refused, as `bookbridge sales report` refuses --to before --from, in the same
    words; a day before 1970-01-01 counts as that day there as here."""
    for path in ("/api/sales", "/api/sales.csv"):
        backwards = client.get(f"{path}?start=2026-11-28&end=2026-09-01", headers=admin())
        assert backwards.status_code == 422, backwards.text
        assert backwards.json() == {"detail": "query parameter end: 2026-09-01 is before start 2026-11-28"}
    early = client.get("/api/sales?start=0001-01-01&end=0001-01-02", headers=admin())
    assert early.status_code == 200 and (early.json()["start"], early.json()["end"]) == ("1970-01-01", "1970-01-01")
    parameters = client.get("/openapi.json").json()["paths"]["/api/sales"]["get"]["parameters"]
    described = {p["name"]: " ".join(p["description"].split()) for p in parameters}
    assert "either order" not in described["start"] and "an end before the start is refused (422)" in \
        described["end"], described


@pytest.mark.parametrize(("method", "url", "said"), [
    ("GET", "/api/sales?by=format", "query parameter by: GET /api/sales takes no such parameter (it takes start, "
                                    "end and group_by)"),
    ("GET", "/api/sales.csv?group=week&by=format", "query parameters group, by: GET /api/sales.csv takes no such "
                                                   "parameters (it takes start, end and group_by)"),
    ("GET", "/api/runs?storefronts=uk", "query parameter storefronts: GET /api/runs takes no such parameter (it "
                                        "takes limit, store and storefront)"),
    ("GET", "/api/exceptions?knd=drift", "query parameter knd: GET /api/exceptions takes no such parameter (it "
                                         "takes kind)"),
    ("GET", "/api/upcoming?limt=5", "query parameter limt: GET /api/upcoming takes no such parameter (it takes "
                                    "limit)"),
    ("POST", "/api/sync?ful=true", "query parameter ful: POST /api/sync takes no such parameter (it takes full)"),
])
def test_a_query_parameter_an_api_route_does_not_take_is_refused_naming_it_and_those_it_takes(
        client: TestClient, app_parts, method: str, url: str, said: str) -> None:  # type: ignore[no-untyped-def]
    """Never ignored: `by` (the CLI's option) would otherwise answer the default grouping as if asked for it."""
    answer = client.request(method, url, headers=admin())
    assert answer.status_code == 422 and answer.json() == {"detail": said}, answer.text
    assert app_parts[2].syncs == []  # refused before anything was done
    assert client.get("/api/sales?by=format").status_code == 401  # the token first, as for every refusal


def test_the_dashboard_is_not_refused_for_a_parameter_it_does_not_take(client: TestClient, app_parts) -> None:  # type: ignore[no-untyped-def]
    client.cookies.set(SESSION_COOKIE, sign_in(app_parts[0]))
    page = client.get("/dashboard?nonsense=1")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert client.get("/healthz?verbose=1").status_code == 200


def test_group_by_title_is_a_deprecated_alias_of_edition(client: TestClient) -> None:
    """`group_by=title`, the grouping's old name, gives the edition rows; the answer names the grouping `edition`."""
    new = client.get("/api/sales?start=2020-01-01&group_by=edition", headers=admin()).json()
    old = client.get("/api/sales?start=2020-01-01&group_by=title", headers=admin()).json()
    assert new["group_by"] == old["group_by"] == "edition" and new["rows"] and old == new
    assert (client.get("/api/sales.csv?group_by=title", headers=admin()).text
            == client.get("/api/sales.csv?group_by=edition", headers=admin()).text)
    schema = client.get("/openapi.json").json()
    for path in ("/api/sales", "/api/sales.csv"):
        (param,) = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "group_by"]
        assert param["schema"]["enum"] == [*GROUPINGS, *DEPRECATED_GROUPINGS] == [
            "edition", "family", "format", "storefront", "day", "week", "month", "title", "work"]
        assert param["schema"]["default"] == "edition"
        assert "`title` and `work` are deprecated aliases of `edition` and `family`" in param["description"]
    answered = schema["components"]["schemas"]["SalesReport"]["properties"]["group_by"]
    assert answered["enum"] == list(GROUPINGS)  # never `title` nor `work`
    by_family = client.get("/api/sales?start=2020-01-01&group_by=family", headers=admin()).json()
    by_work = client.get("/api/sales?start=2020-01-01&group_by=work", headers=admin()).json()
    assert by_family["group_by"] == by_work["group_by"] == "family" and by_family["rows"] and by_work == by_family


def test_the_default_end_is_the_latest_storefront_s_local_day(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """At 20:00 UTC on 7 December a storefront in Tokyo already sells on the 8th: the report ends on the 8th."""
    container = http_container(tmp_path, monkeypatch)
    settings = container.settings().model_copy(update={"storefronts": [
        *container.settings().storefronts,
        StorefrontSettings(name="jp", countries=frozenset({"JP"}), currency="JPY", timezone="Asia/Tokyo",
                           channel_id=2, default_currency=False)]})
    container.settings.override(providers.Object(settings))
    container.clock.override(providers.Object(FixedClock(datetime(2026, 12, 7, 20, 0, tzinfo=UTC))))
    asked: list[date] = []

    def sales(start: date, end: date, group_by: str) -> Any:
        asked.append(end)
        return fake_sales(start, end, group_by)

    app = create_app(container, FakeHooks(), sales=sales, worker_poll_seconds=0.2)
    client = TestClient(app)
    body = client.get("/api/sales", headers=admin()).json()
    assert (body["start"], body["end"]) == ("2026-11-11", "2026-12-08")
    assert "storefronts' own days" in client.get("/openapi.json").text
    asked.clear()
    client.cookies.set(SESSION_COOKIE, sign_in(app))
    assert client.get("/dashboard").status_code == 200
    assert asked and set(asked) == {date(2026, 12, 8)}, asked  # the dashboard's charts end on the same day


def test_the_default_sales_report_reads_the_containers_ledger(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    app, _, _ = build_app(tmp_path, monkeypatch, sales=None)
    answer = TestClient(app).get("/api/sales", headers=admin())
    assert answer.status_code == 200 and answer.json()["rows"] == [] and answer.json()["units"] == 0


# --- bad input ---------------------------------------------------------------------------------------------------


def test_malformed_json_is_400_or_422(client: TestClient) -> None:
    seed = client.post("/api/exceptions/1/resolve", headers={**admin(), "content-type": "application/json"},
                       content=b"{not json")
    assert seed.status_code in (400, 422)
    missing = client.post("/api/exceptions/1/resolve", headers=admin(), json={"nothing": 1})
    assert missing.status_code == 422 and "note" in missing.text
    body = b'{"scope": "store/order/created", '
    assert client.post("/webhooks/bigcommerce", content=body, headers=signed_headers(body)).status_code == 400
    for bad in (b"[1, 2]", b'{"scope": 7}', b'{"scope": "store/order/created", "hash": 5}',
                b'{"scope": "store/order/created", "data": "x"}'):
        answer = client.post("/webhooks/bigcommerce", content=bad, headers=signed_headers(bad))
        assert answer.status_code == 422, bad
    assert client.get("/api/runs?limit=0", headers=admin()).status_code == 422
    assert client.post("/api/exceptions/99999999999/resolve", headers=admin(), json={"note": "x"}).status_code == 422


def test_oversized_bodies_are_413_declared_or_streamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app, _, _ = build_app(tmp_path, monkeypatch, max_body_bytes=4096)
    client = TestClient(app)
    big = payload() + b" " * 5000
    declared = client.post("/webhooks/bigcommerce", content=big, headers=signed_headers(big))
    assert declared.status_code == 413 and "4096 bytes" in declared.json()["detail"]

    def chunks():  # no Content-Length: chunked transfer
        for _ in range(10):
            yield b" " * 1000

    streamed = client.post("/api/exceptions/1/resolve", content=chunks(), headers={**admin(),
                                                                                   "content-type": "application/json"})
    assert streamed.status_code == 413


def test_the_body_limit_stops_reading_as_soon_as_the_limit_is_passed() -> None:
    consumed = 0
    sent: list[dict[str, object]] = []

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        while (await receive()).get("more_body"):
            pass

    async def receive():  # type: ignore[no-untyped-def]
        nonlocal consumed
        consumed += 1
        return {"type": "http.request", "body": b"x" * 1000, "more_body": consumed < 1000}

    async def send(message):  # type: ignore[no-untyped-def]
        sent.append(message)

    asyncio.run(BodyLimit(app, max_bytes=2500)({"type": "http", "headers": []}, receive, send))
    assert consumed == 3  # 3,000 bytes > 2,500: the other 997 chunks were never read
    assert sent[0]["status"] == 413


# --- webhooks ----------------------------------------------------------------------------------------------------


def test_a_signed_delivery_is_stored_before_the_answer_and_deduplicated(client: TestClient, app_parts) -> None:  # type: ignore[no-untyped-def]
    inbox = app_parts[1].webhook_inbox()
    body = payload(digest="aa" * 20)
    first = client.post("/webhooks/bigcommerce", content=body, headers=signed_headers(body))
    assert first.status_code == 200 and first.json()["status"] == "accepted"
    stored = inbox.get(first.json()["event_id"])
    assert stored is not None and stored.status == "pending" and stored.scope == "store/order/created"
    assert stored.resource_id == "101" and stored.hash == "aa" * 20 and stored.delivery_id.startswith("msg_")
    again = client.post("/webhooks/bigcommerce", content=body, headers=signed_headers(body))  # a retry: new id
    assert again.json() == {"status": "duplicate", "event_id": first.json()["event_id"]}
    same_id = signed_headers(body, delivery_id=stored.delivery_id)
    other = payload()
    resent = client.post("/webhooks/bigcommerce", content=other,
                         headers=signed_headers(other, delivery_id=stored.delivery_id))
    assert resent.json()["status"] == "duplicate" and same_id["webhook-id"] == stored.delivery_id
    assert inbox.counts() == {"pending": 1, "done": 0, "failed": 0}


@pytest.mark.parametrize("tamper", ["body", "secret", "old", "future", "no-signature", "no-id", "bad-stamp"])
def test_forged_or_replayed_deliveries_are_401(client: TestClient, app_parts, tamper: str) -> None:  # type: ignore[no-untyped-def]
    body = payload()
    headers = signed_headers(body)
    if tamper == "body":
        body = body.replace(b"101", b"102")
    elif tamper == "secret":
        headers = signed_headers(body, secret="another-secret-entirely")
    elif tamper == "old":
        headers = signed_headers(body, timestamp=int(time.time()) - 360)  # well outside the 300 s window
    elif tamper == "future":
        headers = signed_headers(body, timestamp=int(time.time()) + 360)
    elif tamper == "no-signature":
        del headers["webhook-signature"]
    elif tamper == "no-id":
        del headers["webhook-id"]
    else:
        headers["webhook-timestamp"] = "soon"
    answer = client.post("/webhooks/bigcommerce", content=body, headers=headers)
    assert answer.status_code == 401, answer.text
    assert app_parts[1].webhook_inbox().counts()["pending"] == 0


def test_a_whsec_secret_and_a_rotated_signature_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # the Standard Webhooks spec's example
    monkeypatch.setenv("BB_TEST_WHSEC", secret)
    app, _, _ = build_app(tmp_path, monkeypatch, webhook_secret_env="BB_TEST_WHSEC")
    client = TestClient(app)
    body = payload()
    headers = signed_headers(body, secret=secret)
    headers["webhook-signature"] = "v1,bm90IGl0 " + headers["webhook-signature"]  # old key first, then the new
    assert client.post("/webhooks/bigcommerce", content=body, headers=headers).status_code == 200
    raw = signed_headers(body, secret=secret[len("whsec_"):])  # the base64 text used as raw bytes: wrong key
    assert client.post("/webhooks/bigcommerce", content=body, headers=raw).status_code == 401


def test_the_webhook_route_solves_no_dependencies_and_keeps_its_openapi_description(
        app_parts, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The hot route is called with the request alone (a RequestRoute): a delivery is verified, stored and
    answered without FastAPI's dependency solving; the document still describes its headers, body and answers."""
    import fastapi.routing

    def no_solving(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("dependencies solved for a webhook delivery")

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", no_solving)
    client = TestClient(app_parts[0])
    body = payload()
    answer = client.post("/webhooks/bigcommerce", content=body, headers=signed_headers(body))
    assert answer.status_code == 200 and answer.json()["status"] == "accepted", answer.text
    assert client.post("/webhooks/bigcommerce", content=body, headers=signed_headers(body)).json() == {
        "status": "duplicate", "event_id": answer.json()["event_id"]}
    assert client.post("/webhooks/bigcommerce", content=b"{", headers=signed_headers(b"{")).status_code == 400
    operation = client.get("/openapi.json").json()["paths"]["/webhooks/bigcommerce"]["post"]
    assert [p["name"] for p in operation["parameters"]] == ["webhook-id", "webhook-timestamp", "webhook-signature"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["required"] == ["scope"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/WebhookAccepted"}
    assert {"400", "401", "413", "422"} <= set(operation["responses"])


def test_custom_header_authentication(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BB_TEST_HOOK_HEADER", HEADER_VALUE)
    app, container, _ = build_app(tmp_path, monkeypatch, webhook_secret_env=None,
                                  webhook_custom_header="X-Bookbridge-Hook",
                                  webhook_custom_header_env="BB_TEST_HOOK_HEADER")
    client = TestClient(app)
    body = payload()
    assert client.post("/webhooks/bigcommerce", content=body).status_code == 401
    wrong = client.post("/webhooks/bigcommerce", content=body, headers={"x-bookbridge-hook": "guess"})
    assert wrong.status_code == 401
    right = client.post("/webhooks/bigcommerce", content=body, headers={"X-Bookbridge-Hook": HEADER_VALUE})
    assert right.status_code == 200
    stored = container.webhook_inbox().get(right.json()["event_id"])
    assert stored is not None and stored.delivery_id is None


def test_without_any_webhook_authentication_every_delivery_is_refused(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    app, _, _ = build_app(tmp_path, monkeypatch, webhook_secret_env=None)
    body = payload()
    answer = TestClient(app).post("/webhooks/bigcommerce", content=body, headers=signed_headers(body))
    assert answer.status_code == 401
    assert answer.json()["detail"].endswith("no webhook authentication is configured ([http] webhook_secret_env or "
                                            "webhook_secret_file, or webhook_custom_header with "
                                            "webhook_custom_header_env or webhook_custom_header_file)")


def test_processing_order_events_triggers_one_import_per_batch(client: TestClient, app_parts) -> None:  # type: ignore[no-untyped-def]
    app, container, hooks = app_parts
    for scope in ("store/order/created", "store/order/statusUpdated", "store/channel/2/order/created",
                  "store/product/updated"):
        body = payload(scope)
        assert client.post("/webhooks/bigcommerce", content=body, headers=signed_headers(body)).status_code == 200
    done = app.state.bookbridge.worker.process_due()
    assert hooks.imports == 1 and done.order_import_job == "order-import-1"
    assert sorted(done.done) == [1, 2, 3, 4]
    inbox = container.webhook_inbox()
    assert inbox.counts() == {"pending": 0, "done": 4, "failed": 0}
    assert inbox.get(4).result == "recorded (no action for this scope)"  # type: ignore[union-attr]
    assert inbox.get(1).result == "order import queued (job order-import-1)"  # type: ignore[union-attr]
    assert app.state.bookbridge.worker.process_due().seen == 0


def test_a_failed_trigger_is_retried_then_kept_visible(client: TestClient, app_parts) -> None:  # type: ignore[no-untyped-def]
    app, container, hooks = app_parts
    hooks.fail_imports = True
    body = payload()
    event_id = client.post("/webhooks/bigcommerce", content=body, headers=signed_headers(body)).json()["event_id"]
    worker = app.state.bookbridge.worker
    worker.max_attempts = 2
    first = worker.process_due()
    assert first.retry == [event_id] and hooks.imports == 0
    [item] = open_items(container)
    assert item.kind is ExceptionKind.SOURCE_ERROR and f"webhook events {event_id} " in item.message
    assert "scheduler is shutting down" in item.message and item.field == "webhook_events"
    assert worker.process_due().seen == 0  # backing off
    inbox = container.webhook_inbox()
    event = inbox.get(event_id)
    assert event is not None and event.status == "pending" and event.attempts == 1
    with inbox._sessions() as session:  # make the retry due now
        from bookbridge.adapters.persistence.tables import WebhookEventRow

        session.get(WebhookEventRow, event_id).next_attempt_at = container.clock().now()  # type: ignore[union-attr]
        session.commit()
    assert worker.process_due().failed == [event_id]
    assert inbox.counts() == {"pending": 0, "done": 0, "failed": 1}
    assert open_items(container)[0].count == 2 and "gave up after 2 attempts" in open_items(container)[0].message


def test_the_worker_thread_processes_deliveries_in_the_background(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    app, container, hooks = build_app(tmp_path, monkeypatch)
    with TestClient(app) as client:  # runs the lifespan: the worker thread starts
        body = payload()
        client.post("/webhooks/bigcommerce", content=body, headers=signed_headers(body))
        deadline = time.monotonic() + 10
        while container.webhook_inbox().counts()["done"] < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert container.webhook_inbox().counts()["done"] == 1 and hooks.imports == 1


# --- secrets -----------------------------------------------------------------------------------------------------


def test_secrets_never_appear_in_logs_or_responses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("BB_TEST_HOOK_HEADER", HEADER_VALUE)
    caplog.set_level(logging.DEBUG)
    app, container, hooks = build_app(tmp_path, monkeypatch, webhook_custom_header="X-Hook",
                                      webhook_custom_header_env="BB_TEST_HOOK_HEADER")
    hooks.fail_imports = True
    seen: list[str] = []
    with TestClient(app) as client:
        body = payload()
        good = {**signed_headers(body), "X-Hook": HEADER_VALUE}
        for headers in (good, {**good, "X-Hook": "nope"}, {**good, "webhook-signature": "v1,AAAA"}, {}):
            answer = client.post("/webhooks/bigcommerce", content=body, headers=headers)
            seen.append(answer.text + json.dumps(dict(answer.headers)))
        for headers in ({}, {"Authorization": "Bearer nope"}, admin()):
            for path in ("/api/runs", "/api/exceptions", "/api/plan", "/api/upcoming", "/metrics", "/readyz",
                         "/openapi.json", "/dashboard"):
                answer = client.get(path, headers=headers)
                seen.append(answer.text + json.dumps(dict(answer.headers)))
        login = client.post("/login", content=f"token={ADMIN_TOKEN}",
                            headers={"content-type": "application/x-www-form-urlencoded"}, follow_redirects=False)
        seen.append(login.text + json.dumps(dict(login.headers)))
        seen.append(client.get("/dashboard").text)
        app.state.bookbridge.worker.process_due()
    assert "webhook delivery refused" in caplog.text  # the failures were logged...
    for secret in (ADMIN_TOKEN, CLIENT_SECRET, HEADER_VALUE):
        assert secret not in caplog.text  # ...without the secrets
        assert not any(secret in text for text in seen)


def test_a_failing_plan_is_a_502_naming_no_detail(client: TestClient, app_parts) -> None:  # type: ignore[no-untyped-def]
    def broken() -> dict[str, object]:
        raise ConnectionError(f"cannot reach the source with token {ADMIN_TOKEN}")

    app_parts[0].state.bookbridge.plan = broken
    answer = client.get("/api/plan", headers=admin())
    assert answer.status_code == 502 and answer.json()["detail"] == "planning failed (ConnectionError); see the " \
                                                                     "service log"


def test_a_plan_the_source_or_the_store_refuses_says_why_as_the_cli_does(  # type: ignore[no-untyped-def]
        client: TestClient, app_parts) -> None:
    """`GET /api/plan` says why nothing was planned in the words of `bookbridge plan`: one helper makes both."""
    from bookbridge.application.sync import PlannedSync
    from bookbridge.domain.ports import SourceRead, SourceUnreadable, StoreError, StoreErrorKind
    from bookbridge.entrypoints.documents import planned_or_why

    def unreadable() -> PlannedSync:
        raise SourceUnreadable("Consonance unavailable after 5 attempts: 503")

    def refused() -> PlannedSync:
        error = StoreError(StoreErrorKind.CREDENTIALS, "401 Unauthorized: BigCommerce does not accept the token")
        return PlannedSync(SourceRead(families=()), (), None, {}, {}, store_refused=error)  # type: ignore[arg-type]

    for plan, words in ((unreadable, "nothing was planned: reading source 'consonance' failed: Consonance "
                                     "unavailable after 5 attempts: 503"),
                        (refused, "nothing was planned: store 'shop' refused the credentials: 401 Unauthorized: "
                                  "BigCommerce does not accept the token")):
        app_parts[0].state.bookbridge.plan = lambda plan=plan: planned_or_why(plan, "consonance", "shop")
        answer = client.get("/api/plan", headers=admin())
        assert (answer.status_code, answer.json()["detail"]) == (502, words)
