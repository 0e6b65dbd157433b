"""The dashboard's content over a real SQLite database and a stored catalogue: the status header, exceptions with
titles, filters, search, control-panel links, resolve after confirmation and the edition-only retry; what each
upcoming launch or campaign flip does per storefront in its local time (only for editions in the store, paged);
jobs in plain words; sales over time and revenue per currency. The precise jobs carry the detail the real service
gives them (`Service.classify`)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bookbridge.application.sales_report import sales_report
from bookbridge.domain.lifecycle import start_of
from bookbridge.domain.ports import ExceptionKind, SalesFact, SyncException
from bookbridge.domain.ports.scheduling import UpcomingJob
from bookbridge.entrypoints.cli.app import app as cli
from bookbridge.entrypoints.container import Container, build_unit_of_work
from bookbridge.entrypoints.http.app import create_app
from bookbridge.entrypoints.http.dashboard import router as dashboard_routes
from bookbridge.entrypoints.http.dashboard_view import AT_JOBS_SHOWN
from bookbridge.entrypoints.http.security import SESSION_COOKIE
from bookbridge.entrypoints.settings import load_settings
from dashboard_support import HELD, HELD_CAMPAIGN_UNTIL, NEW_YORK, NOW, STORE_HASH, catalogue, dashboard_app
from examples import EBOOK, HARDBACK, PAPERBACK, edition, family, gbp, usd
from http_support import ADMIN_TOKEN, FactsLedger, FakeHooks, seed_exception


@pytest.fixture
def dashboard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[TestClient, Container, FakeHooks]:
    app, container, hooks = dashboard_app(tmp_path, monkeypatch)
    client = TestClient(app)
    assert client.post("/login", data={"token": ADMIN_TOKEN}, follow_redirects=False).status_code == 303
    assert client.cookies.get(SESSION_COOKIE)
    return client, container, hooks


def section(page: str, element_id: str, tag: str = "table") -> str:
    found = re.search(rf'<{tag}[^>]* id="{element_id}"[^>]*>.*?</{tag}>', page, re.S)
    assert found, f"no {tag} #{element_id} in the page"
    return found.group(0)


def rows(table: str) -> list[list[str]]:
    return [[text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S) if "<td" in row]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def flips(page: str, storefront: str) -> list[list[str]]:
    return rows(section(page, f"flips-{storefront}", "div"))


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_the_status_header_says_last_good_sync_open_exceptions_and_what_is_held_back_and_why(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    client, _, _ = dashboard
    page = client.get("/dashboard").text
    # The last good sync is the store's instant: in UTC, with each storefront's local time beside it.
    assert text(section(page, "status-sync", "div")).startswith(
        "Last good sync 2026-05-01 09:01 UTC (2 hours ago) storefront 'uk': 2026-05-01 10:01 BST (Europe/London) "
        "storefront 'us': 2026-05-01 05:01 EDT (America/New_York) Latest run 2: running")
    assert "Open exceptions 3" in text(section(page, "status-exceptions", "div"))
    held = text(section(page, "status-held-back", "div"))
    # Held back from one storefront or more is not the same count as a plan's or a run's, held back from every
    # storefront (so not in the store): each has its label (docs/glossary.md).
    assert held == ("Held back from one storefront or more 1 edition 0 of them held back from every storefront (not "
                    "in the store), as plan and sync count 1 no consumer price (storefront 'us')"), held


def test_every_upcoming_flip_says_what_happens_per_storefront_in_its_local_time(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    client, _, _ = dashboard
    page = client.get("/dashboard").text
    assert "times in Europe/London" in section(page, "flips-uk", "div")
    uk, us = flips(page, "uk"), flips(page, "us")
    assert all(all(cell for cell in row) for row in uk + us)  # no blank cell
    # London's midnight comes first; the one product the storefronts share waits for New York's (merge_storefronts)
    assert ["2026-05-20 00:00 BST (Europe/London)", f"Roseanna (Hardback) {HARDBACK}",
            "goes on sale (the product the storefronts share stays on pre-order until storefront 'us' follows)"
            ] in uk, uk
    assert ["2026-05-20 00:00 EDT (America/New_York)", f"Roseanna (Hardback) {HARDBACK}", "goes on sale"] in us
    assert ["2026-05-15 00:00 EDT (America/New_York)", f"The Laughing Policeman (Paperback) {PAPERBACK}",
            "campaign price ends: back to US$12.99"] in us, us
    assert not any(str(PAPERBACK) in row[1] for row in uk)  # the UK price does not change
    assert not any(HELD in row[1] for row in us)  # held back on the US storefront: not in the store there
    assert "GBP" not in " ".join(cell for row in us for cell in row)
    assert not re.search(r"\b1 listings\b", page)


def test_upcoming_flips_page_through_every_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    client, container, hooks = dashboard
    launches = {f"978000000{n:03d}": date(2026, 6, 1) + timedelta(days=n) for n in range(23)}
    books = {isbn: edition(isbn=_isbn13(isbn), family_id=f"w{n}", title=f"Book {n:02d}", publishing_status="02",
                           availability="10", publication_date=day, prices=(gbp("5.00"), usd("7.00")))
             for n, (isbn, day) in enumerate(launches.items())}
    uow = build_unit_of_work(container.engine(), container.clock(), container.settings())
    with uow:
        uow.state.save_catalogue("sample", {b.family_id: family(b, family_id=b.family_id, title=b.title)
                                            for b in books.values()})
        uow.commit()
    hooks.jobs = [UpcomingJob(id=f"at:store:{i}", kind="launch", run_at=start_of(b.publication_date, NEW_YORK.zone),
                              store="store", detail="") for i, b in enumerate(books.values())]
    seen: list[str] = []
    page_number, pages = 1, None
    while True:
        page = client.get("/dashboard", params={"flips_storefront": "us", "flips_page": page_number}).text
        block = section(page, "flips-us", "div")
        seen += [row[1].split(" ")[1] for row in flips(page, "us")]  # "Book 07 (Hardback) 978…"
        found = re.search(r"Page (\d+) of (\d+) · (\d+) changes", text(block))
        assert found, block
        assert int(found.group(1)) == page_number and int(found.group(3)) == 23
        pages = int(found.group(2))
        if 'rel="next"' not in block:
            break
        page_number += 1
    assert pages == 3 and page_number == 3
    assert seen == [f"{n:02d}" for n in range(23)]  # every change, once, in time order
    assert "more change" not in page and "Page" not in text(section(page, "flips-uk", "div"))  # UK: no flips
    assert "Query parameter" not in text(page)
    # A page past the last shows the last, and the page says so; the storefront with no flips has one page.
    past = client.get("/dashboard", params={"flips_storefront": "us", "flips_page": 7}).text
    assert "Page 3 of 3 · 23 changes" in text(section(past, "flips-us", "div"))
    assert "Query parameter flips_page: 7 is past the last page (3), so page 3 is shown." in text(past), text(past)
    uk = text(client.get("/dashboard", params={"flips_storefront": "uk", "flips_page": 2}).text)
    assert "Query parameter flips_page: 2 is past the last page (1), so page 1 is shown." in uk, uk
    # A page of no storefront's flips: each storefront's first page, said.
    unnamed = text(client.get("/dashboard", params={"flips_page": 2}).text)
    assert ("Query parameter flips_page: 2 names no storefront's flips (flips_storefront is not given), so every "
            "storefront's flips show page 1.") in unnamed, unnamed


def _isbn13(stem: str) -> str:
    digits = [int(c) for c in stem[:12]]
    check = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return stem[:12] + str(check)


def test_exceptions_carry_titles_and_a_link_to_the_product_and_filter_by_kind_storefront_and_search(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    client, _, _ = dashboard
    page = client.get("/dashboard").text
    listed = {row[0]: row for row in rows(section(page, "exceptions-table"))}
    assert len(listed) == 3
    rejected = next(row for row in listed.values() if row[1] == "refused by the store")
    assert rejected[2] == f"Roseanna (Hardback) {HARDBACK}" and rejected[3] == "storefront 'uk'", rejected
    assert f'href="https://store-{STORE_HASH}.mybigcommerce.com/manage/products/edit/77"' in page
    assert page.count("mybigcommerce.com") == 1  # only the edition whose product id is known
    source = next(row for row in listed.values() if row[1] == "source error")
    assert source[2] == "—" and source[4] == "—"  # no ISBN, no field: said, not blank
    by_kind = rows(section(client.get("/dashboard", params={"kind": "blocking-readiness"}).text,
                           "exceptions-table"))
    assert [row[2] for row in by_kind] == [f"The Man Who Went Up in Smoke (Hardback) {HELD}"]
    on_uk = client.get("/dashboard", params={"storefront": "uk", "kind": ""}).text
    assert [row[3] for row in rows(section(on_uk, "exceptions-table"))] == ["storefront 'uk'"]
    assert "1 of 3 open exceptions" in on_uk
    for needle in ("roseANNA", str(HARDBACK)[-6:]):  # a title in any case, or part of an ISBN
        found = rows(section(client.get("/dashboard", params={"q": needle}).text, "exceptions-table"))
        assert [row[1] for row in found] == ["refused by the store"], needle
    nothing = client.get("/dashboard", params={"q": "no such book"}).text
    assert "No open exceptions matching 'no such book' (3 open exceptions in all)." in text(nothing)


def test_a_kind_filter_naming_no_kind_says_so_listing_the_kinds(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """As the Where filter does for a place: the dashboard's page, saying so in words, the filter not applied."""
    client, _, _ = dashboard
    answer = client.get("/dashboard", params={"kind": "not-a-kind"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    notice = text(section(answer.text, "kind-unknown", "p"))
    assert notice.startswith("No exception kind is named 'not-a-kind', so the Kind filter is not applied; the kinds "
                             "are blocking problem, "), notice
    for words in ("refused by the store", "rights conflict", "edited in the store", "subject without a category"):
        assert words in notice, notice
    assert "store-rejection" not in notice  # the codes are the form's values, never shown
    assert len(rows(section(answer.text, "exceptions-table"))) == 3  # not applied: every open exception shows
    assert 'id="kind-unknown"' not in client.get("/dashboard", params={"kind": "drift"}).text
    both = client.get("/dashboard", params={"kind": "bogus", "where": "bogus"}).text
    assert 'id="kind-unknown"' in both and 'id="where-unknown"' in both


def test_a_where_filter_naming_no_place_says_so_listing_the_places(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    client, _, _ = dashboard
    answer = client.get("/dashboard", params={"where": "bogus"})
    assert answer.status_code == 200
    notice = text(section(answer.text, "where-unknown", "p"))
    assert notice.startswith("No exception place is named 'bogus'"), notice
    assert notice.endswith("the places are order import of store 'store', source 'sample', store 'store', "
                           "storefront 'uk', storefront 'us', sync lease of store 'store'."), notice
    assert len(rows(section(answer.text, "exceptions-table"))) == 3  # not applied: every open exception shows
    assert 'id="where-unknown"' not in client.get("/dashboard", params={"where": "uk"}).text


def test_the_confirmation_omits_the_field_of_an_exception_with_no_field(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """As `bookbridge exceptions show` does: no empty (or "—") field row; one about a field names it."""
    client, container, _ = dashboard
    uow = build_unit_of_work(container.engine(), container.clock(), container.settings())
    with uow:
        bare = uow.exceptions.report(ExceptionKind.TRANSIENT_EXHAUSTED, isbn=None, storefront="source:sample",
                                     message="the source timed out", at=NOW).id
        uow.commit()
    assert "<dt>Field</dt>" not in client.get(f"/dashboard/exceptions/{bare}/resolve").text
    fielded = client.get(f"/dashboard/exceptions/{seed_exception(container)}/resolve").text
    assert "<dt>Field</dt><dd>prices.GBP</dd>" in fielded, fielded


def test_resolve_asks_for_confirmation_and_a_note(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    client, container, _ = dashboard
    page = client.get("/dashboard").text
    item = int(re.search(r'href="/dashboard/exceptions/(\d+)/resolve"', page).group(1))  # type: ignore[union-attr]
    assert f'<form method="post" action="/dashboard/exceptions/{item}/resolve"' not in page  # no one-click resolve
    confirm = client.get(f"/dashboard/exceptions/{item}/resolve").text
    assert f"Resolve exception {item}?" in confirm
    assert re.search(r'<label for="note">Note: what was done about it[^<]*</label>\s*<textarea id="note" name="note"'
                     r'[^>]*></textarea>', confirm), confirm
    assert re.search(r'<textarea id="note" name="note"[^>]* required', confirm), confirm  # the browser asks too
    for blank in ("", "  \r\n "):  # a note is needed, as `bookbridge exceptions resolve` and the API need one
        again = client.post(f"/dashboard/exceptions/{item}/resolve", data={"csrf": csrf(confirm), "note": blank},
                            follow_redirects=False)
        assert again.status_code == 422 and again.headers["content-type"].startswith("text/html"), again.text
        assert text(section(again.text, "note-needed", "p")) == "A note is needed: say what was done about it."
        assert f'<form method="post" action="/dashboard/exceptions/{item}/resolve"' in again.text  # the form again
        uow = build_unit_of_work(container.engine(), container.clock(), container.settings())
        with uow:
            assert uow.exceptions.get(item).resolved_at is None
    done = client.post(f"/dashboard/exceptions/{item}/resolve",
                       data={"csrf": csrf(confirm), "note": " cover on its way"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith(f"/dashboard?done=resolved&exception={item}")
    uow = build_unit_of_work(container.engine(), container.clock(), container.settings())
    with uow:
        assert uow.exceptions.get(item).resolution == "cover on its way"
    # Resolved meanwhile, or a wrong address: each said as the admin API and `bookbridge exceptions resolve` say it.
    gone = client.get(f"/dashboard/exceptions/{item}/resolve")
    assert gone.status_code == 409 and gone.headers["content-type"].startswith("text/html"), gone.text
    assert re.search(rf"Exception {item} is resolved already \(resolved .+: cover on its way\); nothing was changed "
                     r"for it\.", text(gone.text)), text(gone.text)
    assert 'href="/dashboard#exceptions"' in gone.text
    unknown = client.get("/dashboard/exceptions/99999/resolve")
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("text/html"), unknown.text
    assert "No exception with id 99999." in text(unknown.text) and 'href="/dashboard#exceptions"' in unknown.text
    assert client.post(f"/dashboard/exceptions/{item}/resolve", data={"note": "x"}).status_code == 403  # no CSRF


# A bad value of each of the page's query parameters: the page, page 1 (or the filter left out), and a note
# naming the parameter, what it takes and what it was given.
BAD_QUERY = [
    ("editions_page", "-1", "Query parameter editions_page: must be at least 1; it is -1, so page 1 is shown."),
    ("editions_page", "abc", "Query parameter editions_page: must be a whole number; it is 'abc', so page 1 is "
                             "shown."),
    ("editions_page", "100001", "Query parameter editions_page: must be at most 100000; it is 100001, so page 1 "
                                "is shown."),
    ("flips_page", "0", "Query parameter flips_page: must be at least 1; it is 0, so page 1 is shown."),
    ("flips_page", "1.5", "Query parameter flips_page: must be a whole number; it is '1.5', so page 1 is shown."),
    ("exception", "abc", "Query parameter exception: must be a whole number; it is 'abc', so the message names no "
                         "exception."),
    ("done", "bogus", "Query parameter done: must be 'resolved', 'retried', 'retried-sync' or 'synced'; it is "
                      "'bogus', so no message is shown."),
    ("flips_storefront", "mars", "Query parameter flips_storefront: must be 'uk' or 'us'; it is 'mars', so every "
                                 "storefront's flips show page 1."),
    ("q", "x" * 101, "Query parameter q (its value is not shown here): must be at most 100 characters, so the "
                     "search is not applied."),
    ("q", "a\x00b", "Query parameter q (its value is not shown here): control characters (such as NUL or a "
                     "newline) are not allowed, so the search is not applied."),
    ("kind", "a\nb", "Query parameter kind (its value is not shown here): control characters (such as NUL or a "
                      "newline) are not allowed, so the Kind filter is not applied."),
    ("where", "w" * 201, "Query parameter where (its value is not shown here): must be at most 200 characters, so "
                         "the Where filter is not applied."),
    ("storefront", "\x01", "Query parameter storefront (its value is not shown here): control characters (such as "
                            "NUL or a newline) are not allowed, so the Where filter is not applied."),
]


@pytest.mark.parametrize(("name", "value", "note"), BAD_QUERY, ids=[f"{n}={v[:8]!r}" for n, v, _ in BAD_QUERY])
def test_a_query_parameter_the_dashboard_cannot_use_is_noted_on_the_page(
        dashboard: tuple[TestClient, Container, FakeHooks], name: str, value: str, note: str) -> None:
    client, _, _ = dashboard
    answer = client.get("/dashboard", params={name: value})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html"), answer.text
    assert note in text(answer.text), text(answer.text)[:600]
    assert len(rows(section(answer.text, "exceptions-table"))) == 3  # no filter applied: every open exception shows


def test_every_dashboard_parameter_is_walked_with_a_bad_value(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    client, _, _ = dashboard
    described = client.get("/openapi.json").json()["paths"]["/dashboard"]["get"]["parameters"]
    assert {p["name"] for p in described} == {name for name, _, _ in BAD_QUERY}
    page = client.get("/dashboard", params={"done": "resolved"}).text  # no exception to name: no message, no note
    assert 'id="flash"' not in page and "Query parameter" not in text(page)


def test_every_dashboard_route_refuses_in_a_page_never_in_json(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """Each /dashboard route with a bad value of each of its parameters: an HTML page saying what is wrong, with
    the way back, with the status the API would give; never FastAPI's JSON."""
    client, _, _ = dashboard
    token = csrf(client.get("/dashboard").text)
    bad = [  # (method, address, form, status, what the page says)
        ("GET", "/dashboard/exceptions/999/resolve", None, 404, "No exception with id 999."),
        ("GET", "/dashboard/exceptions/abc/resolve", None,
            404, "Exception id: must be an exception id, a whole number from 1 to 2147483647; it is 'abc'."),
        ("GET", "/dashboard/exceptions/0/resolve", None,
            404, "Exception id: must be an exception id, a whole number from 1 to 2147483647; it is 0."),
        ("POST", "/dashboard/exceptions/999/resolve", {"csrf": token}, 404, "No exception with id 999."),
        ("POST", "/dashboard/exceptions/abc/resolve", {"csrf": token},
            404, "Exception id: must be an exception id, a whole number from 1 to 2147483647; it is 'abc'."),
        ("POST", "/dashboard/exceptions/1/resolve", {"note": "x"},
            403, "The form's CSRF token is missing or wrong; reload the dashboard."),
        ("POST", "/dashboard/exceptions/1/resolve", {"csrf": token, "note": "a\x00b"},
            422, "Form field note: control characters (such as NUL) are not allowed."),
        ("POST", "/dashboard/exceptions/999/retry", {"csrf": token}, 404, "No exception with id 999."),
        ("POST", "/dashboard/exceptions/99999999999/retry", {"csrf": token},
            404, "Exception id: must be an exception id, a whole number from 1 to 2147483647; it is 99999999999."),
        ("POST", "/dashboard/exceptions/1/retry", {"csrf": "wrong"},
            403, "The form's CSRF token is missing or wrong; reload the dashboard."),
        ("POST", "/dashboard/sync", {"csrf": "wrong"},
            403, "The form's CSRF token is missing or wrong; reload the dashboard."),
        ("POST", "/dashboard/sync", {"csrf": token, "pad": "x" * 70_000}, 413, "Form larger than 65536 bytes."),
        ("GET", "/dashboard/static/nothing.css", None, 404, "No static file 'nothing.css'."),
    ]
    elsewhere = [  # an address no route takes, a method the route does not take
        ("GET", "/dashboard/nothing", None, 404, "Nothing is at /dashboard/nothing."),
        ("DELETE", "/dashboard/sync", None, 405, "/dashboard/sync does not take DELETE; it takes POST."),
    ]
    routes = {(m, r.path) for r in dashboard_routes.routes if isinstance(r, APIRoute)
              and r.path.startswith("/dashboard/") for m in r.methods}
    walked = {(m, re.sub(r"/exceptions/[^/]+/", "/exceptions/{exception_id}/", a).replace("nothing.css", "{name}"))
              for m, a, *_ in bad}
    assert routes == walked, routes ^ walked  # every /dashboard route is walked (GET /dashboard: the tests above)
    for method, address, form, status, said in bad + elsewhere:
        answer = client.request(method, address, data=form, follow_redirects=False)
        assert answer.status_code == status, (method, address, answer.text)
        assert answer.headers["content-type"].startswith("text/html"), (method, address, answer.text)
        assert said in text(answer.text) and 'href="/dashboard#exceptions"' in answer.text, (address, text(answer.text))
    client.cookies.clear()
    signed_out = client.post("/dashboard/sync", data={"csrf": token}, follow_redirects=False)
    assert signed_out.status_code == 401 and signed_out.headers["content-type"].startswith("text/html")
    assert "Sign in at /login first." in text(signed_out.text)

def test_retry_sends_that_edition_only(dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    client, _, hooks = dashboard
    page = client.get("/dashboard").text
    row = section(page, "exceptions-table")
    rejected = next(r for r in re.findall(r'<tr id="exception-(\d+)" data-kind="store-rejection"', row))
    answer = client.post(f"/dashboard/exceptions/{rejected}/retry", data={"csrf": csrf(page)})
    assert answer.status_code == 200, answer.text
    assert (f"Retry queued for exception {rejected}: edition {HARDBACK} only (its product is written to the store); "
            "it resolves itself if that now succeeds.") in text(answer.text), text(answer.text)
    assert hooks.retries == [("store", str(HARDBACK))] and hooks.syncs == []  # not a sync of the whole store
    assert hooks.retried == [int(rejected)]  # its run says it was this exception's retry
    synced = client.post("/dashboard/sync", data={"csrf": csrf(page)})
    assert synced.status_code == 200 and hooks.syncs == [("store", False)]
    assert "Sync of store 'store' queued." in text(synced.text), text(synced.text)  # the store by name


def test_the_where_filter_offers_every_place_the_configuration_makes_and_says_none_open_there_in_words(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """The places come from the configuration (the order import and the sync lease among them), not from the
    open exceptions, as `bookbridge exceptions list --where` takes them; a place with nothing open says so in
    the words the CLI uses."""
    client, _, _ = dashboard
    page = client.get("/dashboard").text
    filters = unescape(section(page, "filters", "form"))
    for key, words in (("orders:store", "order import of store 'store'"), ("lease:sync:store",
                                                                           "sync lease of store 'store'")):
        assert f'<option value="{key}">{words}</option>' in filters, filters
    lease = client.get("/dashboard", params={"where": "lease:sync:store"}).text
    assert 'id="where-unknown"' not in lease
    assert text(section(lease, "no-matches", "p")) == ("No open exceptions in sync lease of store 'store' "
                                                       "(3 open exceptions in all)."), lease


def _record_not_read(container: Container) -> SyncException:
    """An open exception on a record not read: it names the source's record, no edition."""
    uow = build_unit_of_work(container.engine(), container.clock(), container.settings())
    with uow:
        record = uow.exceptions.report(ExceptionKind.SOURCE_ERROR, isbn="sample:work:101/product:1001",
                                       storefront=None, field="isbn", message="invalid ISBN '9781999990016'", at=NOW)
        uow.commit()
    return record


def test_retry_of_a_record_not_read_says_it_syncs_the_store(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """A record not read has no edition: its "Retry sync" syncs the store, reading the source again, and the
    message says so (not that only its edition is sent); the run is the exception's retry, as the CLI's is."""
    client, container, hooks = dashboard
    record = _record_not_read(container)
    page = client.get("/dashboard").text
    answer = client.post(f"/dashboard/exceptions/{record.id}/retry", data={"csrf": csrf(page)})
    flash = text(answer.text)
    assert answer.status_code == 200 and "its product is written" not in flash, flash
    assert f"Retry queued for exception {record.id}: a sync of store 'store', reading the source again" in flash, \
        flash
    assert hooks.syncs == [("store", False)] and hooks.retried == [record.id]


def test_retry_of_the_order_import_or_a_sales_sink_imports_or_delivers_never_syncs(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """A sync of the store can never fix the order import or a sales sink: the order import's exception offers
    "Retry import" and queues an order import, a sink's "Retry delivery" and queues the sending of its pending
    days; each says so, in the dashboard and the API alike."""
    client, container, hooks = dashboard
    uow = build_unit_of_work(container.engine(), container.clock(), container.settings())
    with uow:
        orders = uow.exceptions.report(ExceptionKind.TRANSIENT_EXHAUSTED, isbn=None, storefront="orders:store",
                                       message="reading orders from store 'store' failed: status 401", at=NOW)
        sink = uow.exceptions.report(ExceptionKind.TRANSIENT_EXHAUSTED, isbn=None, storefront="sales-sink:ledger",
                                     message="sales sink 'ledger' failed for 1 day(s) (2026-04-30): disk full",
                                     at=NOW)
        uow.commit()
    page = client.get("/dashboard").text
    buttons = {row[0]: row[7] for row in rows(section(page, "exceptions-table"))}
    assert "Retry import" in buttons[str(orders.id)] and "Retry delivery" in buttons[str(sink.id)], buttons
    answer = client.post(f"/dashboard/exceptions/{orders.id}/retry", data={"csrf": csrf(page)})
    assert (f"Retry queued for exception {orders.id}: an order import of store 'store', reading its orders again; "
            "it resolves itself if that now succeeds.") in text(answer.text), text(answer.text)
    assert hooks.imports == 1 and hooks.syncs == [] and hooks.retried == []
    answer = client.post(f"/dashboard/exceptions/{sink.id}/retry", data={"csrf": csrf(page)})
    assert (f"Retry queued for exception {sink.id}: a delivery of the pending sales days to sales sink 'ledger'; "
            "it resolves itself if that now succeeds.") in text(answer.text), text(answer.text)
    assert hooks.deliveries == ["ledger"] and hooks.syncs == []
    api = client.post(f"/api/exceptions/{orders.id}/retry", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert api.status_code == 202 and api.json() == {
        "job_id": "order-import-2", "detail": f"retry of exception {orders.id} queued: an order import of store "
                                              "'store', reading its orders again; it resolves itself if that now "
                                              "succeeds"}, api.json()


def test_resolving_a_record_not_read_names_the_record_not_an_edition(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    client, container, _ = dashboard
    record = _record_not_read(container)
    facts = text(section(client.get(f"/dashboard/exceptions/{record.id}/resolve").text, "confirm", "section"))
    assert "Record record sample:work:101/product:1001 Where" in facts and "Edition" not in facts, facts


def test_jobs_read_in_plain_words(dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    client, _, _ = dashboard
    page = client.get("/dashboard").text
    jobs = rows(section(page, "jobs"))
    # A job's next run is the store's instant: in UTC, with each storefront's local time beside it, as `bookbridge
    # jobs` says it; the store named as every page names it.
    assert jobs[0] == ["order import", "store 'store'", "every 5 minutes",  # the kind in words, as the log says
                       "2026-05-01 12:05 UTC storefront 'uk': 2026-05-01 13:05 BST (Europe/London) "
                       "storefront 'us': 2026-05-01 08:05 EDT (America/New_York)"]
    cell = re.search(r'<td data-label="next run">(.*?)</td>', section(page, "jobs"), re.S)
    assert cell and re.findall(r'<span class="(utc|local)">', cell.group(1)) == ["utc", "local", "local"]  # a line each


def test_scheduled_jobs_list_the_jobs_at_an_instant_too_as_bookbridge_jobs_does(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """Every regular job and the next AT_JOBS_SHOWN jobs at an instant, next first; the rest counted, with where
    to see them."""
    client, _, hooks = dashboard
    page = client.get("/dashboard").text
    jobs = rows(section(page, "jobs"))
    at_jobs = sorted((j for j in hooks.upcoming(limit=500) if j.kind in ("launch", "campaign")),
                     key=lambda j: j.run_at)
    assert len(at_jobs) > AT_JOBS_SHOWN  # the fixture has more than are shown
    assert [row[0] for row in jobs] == ["order import", *(j.kind for j in at_jobs[:AT_JOBS_SHOWN])], jobs
    assert jobs[2] == ["campaign", "store 'store'", f"The Laughing Policeman (Paperback), ISBN {PAPERBACK} campaign "
                       "price ends: back to US$12.99 (storefront 'us')", "2026-05-15 04:00 UTC storefront 'uk': "
                       "2026-05-15 05:00 BST (Europe/London) storefront 'us': 2026-05-15 00:00 EDT "
                       "(America/New_York)"], jobs
    more = section(page, "jobs-more", "p")
    assert text(more).startswith(f"… and {len(at_jobs) - AT_JOBS_SHOWN} more jobs at an instant (launches and "
                                 "campaign flips)"), more
    assert 'href="#flips"' in more and 'href="/api/upcoming"' in more


def test_no_instant_on_the_dashboard_can_break_inside(dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """Each instant's time, and its zone's name, is whole in a span the style sheet keeps on one line (not "2026-12-"
    / "07 11:38 EST" at 1280 px); a phone's narrow card may break between the two."""
    client, _, _ = dashboard
    page = client.get("/dashboard").text
    time, zone = r"\d{4}-\d\d-\d\d \d\d:\d\d [A-Z]{3,4}", r"\([A-Z][a-z]+/[A-Za-z_]+\)"
    every = re.findall(rf"{time}(?:</span>)? (?:<span[^>]*>)?{zone}|{time}", page)  # a time, and its zone if named
    whole = re.findall(rf'<span class="instant">{time}</span> <span class="instant">{zone}</span>|'
                       rf'<span class="instant">{time}</span>(?! <span class="instant">\()', page)
    assert len(every) > 20 and len(whole) == len(every), every
    css = client.get("/dashboard/static/dashboard.css").text
    assert re.search(r"\.instant \{ white-space: nowrap; \}", css), css


def test_sales_over_time_and_revenue_per_currency_with_titles_as_labels(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    client, _, _ = dashboard
    page = client.get("/dashboard").text
    totals = text(section(page, "revenue", "p"))
    assert "Last 12 weeks, 2026-02-09 to 2026-05-01: 95 units, revenue £416.75 · US$699.30." in totals
    assert "the storefronts' local days" in text(section(page, "sales-days", "p"))
    weekly = text(section(page, "chart-units-per-week", "figure"))
    assert weekly.startswith("Units sold per week, from Monday (last 12 weeks) week of 2026-02-09 2 units week of "
                             "2026-02-16")
    assert weekly.count(" units") + weekly.count(" unit ") + weekly.endswith(" unit") == 12, weekly  # 12 bars
    assert all(f"week of {w} units" in weekly for w in ("2026-04-27 (to 2026-05-01) 3", "2026-03-02 72",
                                                         "2026-03-30 2")), weekly
    usd_weeks = text(section(page, "chart-revenue-USD", "figure"))
    assert "week of 2026-03-02 US$699.30" in usd_weeks and "week of 2026-03-09 US$0.00" in usd_weeks
    assert "£42.97" in text(section(page, "chart-revenue-GBP", "figure"))
    titles = text(section(page, "chart-units-by-edition", "figure"))
    # By edition over the days `bookbridge sales report` and /api/sales cover by default (the ebook's 70 units, sold
    # 60 days ago, are in the weekly charts, not here), its dates named.
    assert titles == ("Units by edition, all currencies (last 28 days, 2026-04-04 to 2026-05-01) Roseanna (Hardback) 8 "
                      "units "
                      "The Laughing Policeman (Paperback) 1 unit"), titles  # whole titles, no internal ids
    assert "work-" not in page and "…" not in titles
    api = client.get("/api/sales", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()
    assert (api["start"], api["end"]) == ("2026-04-04", "2026-05-01")
    by_isbn: dict[str, int] = {}
    for row in api["rows"]:  # a row per currency
        by_isbn[row["group"]] = by_isbn.get(row["group"], 0) + row["units"]
    assert by_isbn == {str(HARDBACK): 8, str(PAPERBACK): 1}  # the same units by edition as the chart


def test_the_weekly_charts_name_a_week_as_the_sales_report_does(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """A week by its Monday, in ISO (`week of 2026-03-02`), as `bookbridge sales report --by week` and /api/sales
    name it over the chart's days, the week in progress saying which of its days it counts; weeks from Monday
    in both."""
    client, _, _ = dashboard
    page = client.get("/dashboard").text
    labels = [text(label) for label in re.findall(r'<span class="label">(.*?)</span>\s*<span class="track">',
                                                  section(page, "chart-units-per-week", "figure"), re.S)]
    assert labels[0] == "week of 2026-02-09" and labels[-1] == "week of 2026-04-27 (to 2026-05-01)", labels
    assert all(date.fromisoformat(label.split()[2]).weekday() == 0 for label in labels), labels
    api = client.get("/api/sales", params={"start": "2026-02-09", "end": "2026-05-01", "group_by": "week"},
                     headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()
    reported = {row["label"] for row in api["rows"]}
    assert reported and reported <= set(labels), (reported, labels)
    revenue = [text(label) for label in re.findall(r'<span class="label">(.*?)</span>\s*<span class="track">',
                                                   section(page, "chart-revenue-USD", "figure"), re.S)]
    assert revenue == labels
    # Each day whole on one line, as an instant is: a narrow chart breaks "week of" / "2026-02-09", never inside it.
    assert '<span class="label">week of <span class="instant">2026-02-09</span></span>' in page


def test_units_by_edition_says_it_shows_the_best_selling_and_pages_through_the_rest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """More editions sold than the chart shows at once: it says which ones it shows of how many, and pages
    through every one, best-selling first, as the upcoming flips do."""
    _, container, hooks = dashboard_app(tmp_path, monkeypatch)
    sold = [_isbn13(f"978100000{n:03d}") for n in range(37)]
    facts = [SalesFact(isbn=isbn, format="paperback", storefront="uk", day=NOW.date() - timedelta(days=2),
                       quantity=100 - n, net_amount=Decimal(100 - n), currency="GBP") for n, isbn in enumerate(sold)]

    def report(start: date, end: date, group_by: str) -> Any:
        return sales_report(FactsLedger(facts), start, end, group_by,  # type: ignore[arg-type]
                            catalogue=catalogue())

    client = TestClient(create_app(container, hooks, sales=report, worker_poll_seconds=0.2))
    assert client.post("/login", data={"token": ADMIN_TOKEN}, follow_redirects=False).status_code == 303
    seen: list[str] = []
    page_number = 1
    while True:
        page = client.get("/dashboard", params={"editions_page": page_number}).text
        chart = section(page, "chart-units-by-edition", "figure")
        seen += re.findall(r'<span class="label">not in the catalogue \(ISBN <span class="instant">(978\d{10})\)</span>'
                           r'</span>', chart)  # the ISBN whole
        if page_number == 1:
            assert "The 15 best-selling of 37 editions sold" in text(chart), text(chart)
            assert "the best-selling first, 15 to a page; the report and /api/sales list every edition" in text(
                section(page, "sales-days", "p"))
        else:
            first = 15 * (page_number - 1) + 1
            assert f"Editions {first} to {min(first + 14, 37)} of 37 sold, by units" in text(chart), text(chart)
        assert f"Page {page_number} of 3" in text(chart)
        if 'rel="next"' not in chart:
            break
        assert 'href="/dashboard?editions_page=' in chart and "#chart-units-by-edition" in chart
        page_number += 1
    assert page_number == 3 and seen == sold  # every edition, once, best-selling first
    assert 'rel="prev"' in chart
    # A page past the last shows the last, and the page says so, as it says of a page number that is none.
    past = client.get("/dashboard", params={"editions_page": 9}).text
    assert "Page 3 of 3" in text(section(past, "chart-units-by-edition", "figure"))
    assert "Query parameter editions_page: 9 is past the last page (3), so page 3 is shown." in text(past)
    assert "Query parameter" not in text(client.get("/dashboard", params={"editions_page": 3}).text)


def test_format_velocity_and_reprint_share_one_labelled_window(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    client, _, _ = dashboard
    page = client.get("/dashboard").text
    formats = text(section(page, "chart-formats", "figure"))
    # Over the last 28 days: 4 hardback sales of 2 (2/week) and 1 paperback (0.25/week, one decimal as everywhere:
    # 0.3); the ebook sold 60 days ago, outside the window the reprint signal uses, so it is not among the
    # fastest-moving formats.
    assert formats == ("Fastest-moving formats (last 28 days, 2026-04-04 to 2026-05-01) Hardback 2.0 units a week "
                       "Paperback 0.3 units a week")  # as the CLI, JSON and CSV say it (rate_text)
    reprint = text(section(page, "chart-reprint", "figure"))
    assert reprint == ("Reprint signal: weeks of cover left (sales of the last 28 days, 2026-04-04 to 2026-05-01) "
                       "Roseanna (Hardback) 1.0 weeks"), reprint  # 2 in stock, 2 sold a week
    assert "1 units" not in page


def test_runs_name_the_store_and_say_what_is_still_running(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    client, _, _ = dashboard
    runs = rows(section(client.get("/dashboard").text, "runs"))
    # Every count `bookbridge sync` and `bookbridge runs` show, under the same words.
    # A run is the store's: named as the glossary names it, its start in UTC and in each storefront's local time, as
    # `bookbridge runs` says it.
    assert runs[0][1:] == ["sync", "store 'store'", "2026-05-01 12:00 UTC storefront 'uk': 2026-05-01 13:00 BST "
                           "(Europe/London) storefront 'us': 2026-05-01 08:00 EDT (America/New_York)", "running", "—",
                           "—", "—", "—", "—", "—", "—", "—"]
    head = section(client.get("/dashboard").text, "runs")
    assert re.findall(r"<th>([^<]+)</th>", head)[5:] == ["created", "adopted", "updated", "hidden", "unchanged",
                                                          "held back from every storefront", "failed", "not sent"]
    assert runs[1][4:6] == ["ok", "3"] and runs[1][-1] == "0"  # a run the store did not refuse sent what it planned


def test_a_run_the_store_refused_shows_what_it_did_not_send_in_its_row(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """A refusal of the credentials stops a sync: the products it planned and did not send are counted in its row,
    under `not sent`, as `bookbridge runs` counts them; the note under the table says why."""
    client, container, _ = dashboard
    run, page, refused = failed_run(client, container, {
        "created": 0, "adopted": 0, "updated": 0, "hidden": 0, "unchanged": 3, "held_back": 1, "failed": 0,
        "not_sent": 24})
    assert refused[4:] == ["failed", "0", "0", "0", "0", "3", "1", "0", "24"], refused
    assert text(section(page, "runs-not-sent", "p")) == (
        f"not sent: planned and not sent, the store having refused the credentials (run {run})."), page


def failed_run(client: TestClient, container: Container, counts: dict[str, int]) -> tuple[int, str, list[str]]:
    """A failed run with `counts`, as a sync records it: its id, the dashboard, and the run's row in "Last runs"."""
    uow = container.unit_of_work()
    with uow:
        run = uow.runs.start_run("store", at=container.clock().now())
        uow.runs.finish_run(run.id, at=container.clock().now(), counts=counts, outcome="failed")
        uow.commit()
    page = client.get("/dashboard").text
    return run.id, page, next(r for r in rows(section(page, "runs")) if r[0] == str(run.id))


def test_signing_in_with_no_admin_token_configured_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(None, database_url=f"sqlite:///{tmp_path / 'bookbridge.db'}")  # no admin token
    container = Container()
    container.settings.override(providers.Object(settings))
    client = TestClient(create_app(container, FakeHooks()))
    form = client.get("/login")
    assert "No admin token is configured, so nobody can sign in" in form.text and 'name="token"' not in form.text
    refused = client.post("/login", data={"token": "anything"})
    assert refused.status_code == 503 and "[http] admin_token_env" in refused.text
    assert "That is not the admin token" not in refused.text


def test_the_api_docs_and_the_stylesheet_are_served_from_the_package(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    client, _, _ = dashboard
    docs = client.get("/docs").text
    assert "cdn" not in docs.lower() and "/docs/assets/swagger-ui-bundle.js" in docs
    script = client.get("/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.content) > 100_000
    assert client.get("/docs/assets/__init__.py").status_code == 404
    redoc = client.get("/redoc").text
    assert "cdn" not in redoc.lower() and "fonts.googleapis" not in redoc
    assert "/redoc/assets/redoc.standalone.js" in redoc
    script = client.get("/redoc/assets/redoc.standalone.js")
    assert script.status_code == 200 and len(script.content) > 100_000
    css = client.get("/dashboard/static/dashboard.css")
    assert css.status_code == 200 and "@media (max-width: 40rem)" in css.text
    assert client.get("/dashboard/static/..%2Fdashboard.py").status_code == 404
    page = client.get("/dashboard")
    assert "style-src 'self'" in page.headers["content-security-policy"] and "<style" not in page.text


def test_the_api_and_jobs_detail_name_each_change_its_storefront_and_currency(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """`Service.classify` writes the job's detail, which /api/upcoming and `bookbridge jobs` show as it is."""
    client, _, _ = dashboard
    upcoming = client.get("/api/upcoming", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()
    details = {job["run_at"]: (job["kind"], job["detail"]) for job in upcoming if job["id"].startswith("at:")}
    launch = next(d for d in details.values() if f"{HARDBACK} goes on sale (storefront 'us')" in d[1])
    assert launch[0] == "launch"
    campaign = next(d for d in details.values() if str(PAPERBACK) in d[1])
    assert campaign == ("campaign", f"The Laughing Policeman (Paperback), ISBN {PAPERBACK} campaign price ends: "
                                    "back to US$12.99 (storefront 'us')")  # an edition as the dashboard names it
    assert not any(re.search(r"\b1 listings\b|listings in all", d[1]) for d in details.values())
    assert ("launch", "1 listing change") in details.values()  # a key no longer in the catalogue


def report_unmapped_subject(container: Container) -> str:
    """An exception per edition and store (a subject without a category); the store's name."""
    store = container.settings().store.name
    uow = build_unit_of_work(container.engine(), container.clock(), container.settings())
    with uow:
        uow.exceptions.report(ExceptionKind.UNMAPPED_SUBJECT, isbn=str(PAPERBACK), storefront=store,
                              field="Subject/thema", message="thema code PD has no category", at=NOW)
        uow.commit()
    return store


def test_an_exception_on_the_store_is_never_called_a_storefront(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """Per edition and store (a subject without a category): the column and the filter say "where", as the CLI's
    `exceptions list` does, and the store's name reads as the store's, not as a storefront's."""
    client, container, _ = dashboard
    store = report_unmapped_subject(container)
    page = client.get("/dashboard").text
    table = section(page, "exceptions-table")
    assert "<th>where</th>" in table and "<th>storefront</th>" not in table
    [row] = [r for r in rows(table) if r[1] == "subject without a category"]
    assert row[3] == f"store '{store}'", row
    filters = section(page, "filters", "form")
    assert "Storefront" not in filters and re.search(r"<label>Where\b", filters), filters
    assert f'value="{store}">store \'{store}\'</option>' in unescape(filters)
    assert '<option value="uk">storefront \'uk\'</option>' in unescape(filters)
    confirm = client.get(f"/dashboard/exceptions/{row[0]}/resolve").text
    assert f"<dt>Where</dt><dd>store '{store}'</dd>" in unescape(confirm) and "Storefront" not in confirm


def test_sales_by_edition_name_each_rows_format_in_json_and_csv(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """One title in two formats is two rows by edition: the format tells them apart (by name, and by code in JSON)."""
    client, _, _ = dashboard
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    document = client.get("/api/sales", params={"start": "2026-01-01"}, headers=auth).json()
    roseanna = sorted((r["group"], r["label"], r["format"], r["format_name"]) for r in document["rows"]
                      if r["label"] == "Roseanna")
    assert roseanna == [(str(HARDBACK), "Roseanna", "hardback", "Hardback"),
                        (str(EBOOK), "Roseanna", "ebook-epub", "eBook (EPUB)")], roseanna
    by_store = client.get("/api/sales", params={"start": "2026-01-01", "group_by": "storefront"}, headers=auth).json()
    assert {(r["format"], r["format_name"]) for r in by_store["rows"]} == {(None, None)}  # a storefront has no format
    table = client.get("/api/sales.csv", params={"start": "2026-01-01"}, headers=auth).text
    rows = list(csv.DictReader(io.StringIO(table)))
    assert table.splitlines()[0] == "group,label,currency,units,revenue,format,format_name"
    described = client.get("/openapi.json").json()["paths"]["/api/sales.csv"]["get"]["responses"]["200"]
    assert described["description"] == table.splitlines()[0]  # the OpenAPI document says the header it sends
    assert sorted((r["label"], r["format"], r["format_name"]) for r in rows) == [
        ("Roseanna", "ebook-epub", "eBook (EPUB)"), ("Roseanna", "hardback", "Hardback"),
        ("The Laughing Policeman", "paperback", "Paperback")]
    # The velocity and the reprint signal name a format as the rows do: its code and its name.
    assert {(f["format"], f["format_name"]) for f in document["formats"] + document["reprint"]} >= {
        ("hardback", "Hardback"), ("ebook-epub", "eBook (EPUB)")}


def test_api_exceptions_name_the_store_the_storefront_and_where_as_the_dashboard_does(
        tmp_path: Path, dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """`storefront` is a storefront's name or null, never the store's; `where` reads as the dashboard's column."""
    client, container, _ = dashboard
    store = report_unmapped_subject(container)
    listed = client.get("/api/exceptions", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()
    places = {e["kind"]: (e["store"], e["storefront"], e["where"]) for e in listed}
    assert places == {"source-error": (store, None, "source 'sample'"),
                      "store-rejection": (store, "uk", "storefront 'uk'"),
                      "blocking-readiness": (store, "us", "storefront 'us'"),
                      "unmapped-subject": (store, None, f"store '{store}'")}, places
    table = rows(section(client.get("/dashboard").text, "exceptions-table"))
    assert {row[3] for row in table} == {p[2] for p in places.values()}
    json_cli = CliRunner().invoke(cli, ["exceptions", "list", "--json", "-c", str(cli_config(tmp_path, container))])
    assert json_cli.exit_code == 0, json_cli.output
    assert json.loads(json_cli.stdout) == listed  # the CLI's rows are the API's, instants written alike (Z)


def cli_config(tmp_path: Path, container: Container) -> Path:
    """A configuration of the dashboard's store, storefronts and database, for the CLI."""
    config = tmp_path / "bookbridge.toml"
    config.write_text(f'database_url = "{container.settings().database_url}"\n[store]\nkind = "memory"\n'
                      f'name = "{container.settings().store.name}"\n' + "".join(
                          f'[[storefronts]]\nname = "{s.name}"\ncountries = {sorted(s.countries)}\n'
                          f'currency = "{s.currency}"\ntimezone = "{s.timezone}"\nchannel_id = {s.channel_id}\n'
                          f'default_currency = {str(s.default_currency).lower()}\n'
                          for s in container.settings().storefronts), encoding="utf-8")
    return config


def test_the_cli_and_the_dashboard_name_a_column_one_way(
        tmp_path: Path, dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """One word per concept (docs/glossary.md): a run's id is `run`, how often an exception was seen `seen`, in
    `bookbridge runs` and `exceptions list` as on the dashboard."""
    client, container, _ = dashboard
    page = client.get("/dashboard").text
    config = str(cli_config(tmp_path, container))

    def headers(html: str) -> list[str]:
        return [text(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", html, re.S)]

    def cli_headers(*command: str) -> list[str]:
        shown = CliRunner().invoke(cli, [*command, "-c", config], env={"COLUMNS": "400"})
        assert shown.exit_code == 0, shown.output
        line = next(line for line in shown.stdout.splitlines() if line.startswith("┃"))
        return [cell.strip() for cell in line.strip("┃").split("┃")]

    runs, cli_runs = headers(section(page, "runs")), cli_headers("runs")
    assert runs[0] == cli_runs[0] == "run", (runs, cli_runs)
    listed, cli_listed = headers(section(page, "exceptions-table")), cli_headers("exceptions", "list")
    assert "seen" in listed and "seen" in cli_listed and "count" not in listed + cli_listed, (listed, cli_listed)


def test_an_unreachable_source_is_never_called_the_store_and_its_place_reads_in_words(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """`transient-exhausted` is said by where it happened (docs/glossary.md): a source that did not answer is
    *source unreachable* at `source 'consonance'`, the store that did not is *store unreachable*; the filter names
    the places as the column does, and the order import and a sales sink read in words too."""
    client, container, _ = dashboard
    store = container.settings().store.name
    uow = build_unit_of_work(container.engine(), container.clock(), container.settings())
    with uow:
        for isbn, where in ((None, "source:consonance"), (str(PAPERBACK), store), (None, "orders:store"),
                            (None, "sales-sink:ledger")):
            uow.exceptions.report(ExceptionKind.TRANSIENT_EXHAUSTED, isbn=isbn, storefront=where,
                                  message="no answer", at=NOW)
        uow.commit()
    page = client.get("/dashboard").text
    said = {(row[1], row[3]) for row in rows(section(page, "exceptions-table")) if row[5] == "no answer"}
    assert said == {("source unreachable", "source 'consonance'"), ("store unreachable", f"store '{store}'"),
                    ("store unreachable (order import)", f"order import of store '{store}'"),
                    ("sales sink unreachable", "sales sink 'ledger'")}, said
    filters = unescape(section(page, "filters", "form"))
    assert '<option value="source:consonance">source \'consonance\'</option>' in filters, filters
    assert ">store or source unreachable</option>" in filters and "source:" not in text(filters)


def test_a_record_not_read_and_a_milestones_failure_have_their_places_in_the_column_and_the_filter(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """Kept under no place (as before every exception had one): a record not read is its source's, labelled as
    the source's record, and retried by a sync; a milestone action's failure is the store's. The Where filter
    offers both places, and filtering by one shows its exceptions."""
    client, container, _ = dashboard
    store = container.settings().store.name
    uow = build_unit_of_work(container.engine(), container.clock(), container.settings())
    with uow:
        uow.exceptions.report(ExceptionKind.SOURCE_ERROR, isbn="sample:work:101/product:1001", storefront=None,
                              field="isbn", message="invalid ISBN '9781999990016'", at=NOW)
        uow.exceptions.report(ExceptionKind.STORE_REJECTION, isbn=str(PAPERBACK), storefront=None,
                              field="milestone final-approval", message="attach-assets failed", at=NOW)
        uow.commit()
    page = client.get("/dashboard").text
    table = {row[5]: row for row in rows(section(page, "exceptions-table"))}
    record, milestone = table["invalid ISBN '9781999990016'"], table["attach-assets failed"]
    assert "record sample:work:101/product:1001" in record[2] and record[3] == "source 'sample'", record
    assert milestone[3] == f"store '{store}'", milestone
    filters = unescape(section(page, "filters", "form"))
    assert '<option value="source:sample">source \'sample\'</option>' in filters, filters
    assert f'<option value="{store}">store \'{store}\'</option>' in filters, filters
    only = rows(section(client.get("/dashboard", params={"where": "source:sample"}).text, "exceptions-table"))
    assert {row[5] for row in only} == {"the feed could not be read", "invalid ISBN '9781999990016'"}, only
    assert "Retry sync" in section(page, "exceptions-table") and "Retry edition" in section(page, "exceptions-table")


def test_dashboard_exceptions_are_last_seen_in_their_storefronts_zone_or_in_utc(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    client, _, _ = dashboard
    seen = {row[1]: row[6] for row in rows(section(client.get("/dashboard").text, "exceptions-table"))}
    assert seen["refused by the store"] == "1 time · last 2026-05-01 13:00 BST (Europe/London) (just now)", seen
    assert seen["blocking problem"] == "1 time · last 2026-05-01 08:00 EDT (America/New_York) (just now)", seen
    # Not a storefront's: in UTC, with each storefront's local time beside it.
    assert seen["source error"] == ("1 time · last 2026-05-01 12:00 UTC (just now) storefront 'uk': "
                                    "2026-05-01 13:00 BST (Europe/London) storefront 'us': "
                                    "2026-05-01 08:00 EDT (America/New_York)"), seen


def test_the_api_lists_the_flips_the_dashboard_lists_and_counts_the_held_back(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """The edition an open exception keeps out of the store: its US campaign end is neither a row of the
    dashboard's US flips nor named in /api/upcoming; both say how many such changes they leave out."""
    client, _, _ = dashboard
    upcoming = client.get("/api/upcoming", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()
    assert not any(HELD in job["detail"] or "held back (" in job["detail"] for job in upcoming), upcoming
    held_end = start_of(HELD_CAMPAIGN_UNTIL + timedelta(days=1), NEW_YORK.zone)
    [job] = [j for j in upcoming if datetime.fromisoformat(j["run_at"]) == held_end]
    assert job["detail"] == "no change in the store (1 change of a held-back edition not shown)", job
    page = client.get("/dashboard").text
    assert not any(HELD in row[1] for row in flips(page, "us"))
    assert text(section(page, "flips-us-held-back", "p")) == "1 change of a held-back edition not shown."
    assert 'id="flips-uk-held-back"' not in page


def test_a_run_whose_source_could_not_be_read_shows_no_counts(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """Zeros would read as "nothing held back" of a catalogue never read: `—` in each count, and why."""
    client, container, _ = dashboard
    run, page, failed = failed_run(client, container, {})  # no counts, as sync records it
    assert failed[4:] == ["failed", "—", "—", "—", "—", "—", "—", "—", "—"], failed
    assert text(section(page, "runs-unread", "p")) == (
        f"—: the source could not be read (run {run}): none of the counts applies."), page


def test_an_exceptions_kind_and_field_are_said_in_the_clis_words(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """The column is "kind", as the Kind filter beside it and the CLI say; a subject's field in words."""
    client, container, _ = dashboard
    report_unmapped_subject(container)
    table = section(client.get("/dashboard").text, "exceptions-table")
    assert "<th>kind</th>" in table and "<th>what</th>" not in table, table
    [row] = [r for r in rows(table) if r[1] == "subject without a category"]
    assert row[4] == "Subject (Thema)", row
    confirm = unescape(client.get(f"/dashboard/exceptions/{row[0]}/resolve").text)
    assert "<dt>Kind</dt><dd>subject without a category</dd>" in confirm and "Subject (Thema)" in confirm, confirm


def test_api_exceptions_keep_the_field_s_key_and_give_its_words_beside_it(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """`field` is the key the exception is kept under (`Subject/thema`); `field_label` is what the dashboard's
    column and `exceptions list` say (`Subject (Thema)`); a field with no other words is its own label."""
    client, container, _ = dashboard
    report_unmapped_subject(container)
    listed = client.get("/api/exceptions", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()
    fields = {e["kind"]: (e["field"], e["field_label"]) for e in listed}
    assert fields["unmapped-subject"] == ("Subject/thema", "Subject (Thema)"), fields
    assert all(label == field for field, label in fields.values() if field != "Subject/thema"), fields
    [row] = [r for r in rows(section(client.get("/dashboard").text, "exceptions-table"))
             if r[1] == "subject without a category"]
    assert row[4] == fields["unmapped-subject"][1], row


def test_an_exception_no_retry_can_fix_offers_no_retry_and_its_retry_is_refused_saying_what_to_do(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """A milestone action the catalogue rules out, an edit in the store and an ISBN changed in the source each
    need a person's decision: no "Retry" button on the dashboard, and the API's retry is a 409 saying what to do
    instead (a retry would only fail again, and leave a failed run)."""
    client, container, hooks = dashboard
    uow = build_unit_of_work(container.engine(), container.clock(), container.settings())
    with uow:
        items = {kind: uow.exceptions.report(kind, isbn=str(HARDBACK), storefront="store", message="decide", at=NOW)
                 for kind in (ExceptionKind.ACTION_NOT_POSSIBLE, ExceptionKind.DRIFT, ExceptionKind.ISBN_CHANGED)}
        uow.commit()
    page = client.get("/dashboard").text
    buttons = {row[0]: row[7] for row in rows(section(page, "exceptions-table"))}
    instead = {ExceptionKind.ACTION_NOT_POSSIBLE: "resolve it with a note", ExceptionKind.DRIFT: "--keep-store-value",
               ExceptionKind.ISBN_CHANGED: "correct a typo in the source"}
    for kind, item in items.items():
        assert "Retry" not in buttons[str(item.id)] and "Resolve" in buttons[str(item.id)], buttons
        api = client.post(f"/api/exceptions/{item.id}/retry", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        detail = api.json()["detail"]
        assert api.status_code == 409 and detail.startswith(f"exception {item.id} is not retried: "), api.json()
        assert instead[kind] in detail and f"bookbridge exceptions resolve {item.id} --note" in detail, detail
    assert hooks.syncs == [] and hooks.retries == [] and hooks.imports == 0


def test_the_held_back_header_counts_what_plan_and_sync_count_isbn_changes_and_skus_not_adopted(
        dashboard: tuple[TestClient, Container, FakeHooks]) -> None:
    """An edition whose record's ISBN changed in the source, and one whose SKU the store's product holds for another
    title, are held back from every storefront until a person decides, whatever the listing rules say: the plan
    and the runs count them, so the header counts them too, each under its cause in the plan's words."""
    from bookbridge.domain.applied import AppliedListing
    from bookbridge.domain.listing import Section

    client, container, _ = dashboard
    record = "consonance:work:2/product:3"
    families = catalogue()
    laughing = families["laughing"]
    [paperback] = laughing.editions
    families["laughing"] = laughing.model_copy(update={"editions": (
        paperback.model_copy(update={"record_reference": record}),)})
    settings = container.settings()
    uow = build_unit_of_work(container.engine(), container.clock(), settings)
    with uow:
        uow.state.save_catalogue(str(settings.source.options().get("name") or settings.source.kind), families)
        uow.state.record_applied("store", AppliedListing(  # the product of the record's old ISBN
            key="9781999990039", hashes={}, product_id=78, record=record,
            payloads={Section.CORE: {"name": "The Laughing Policeman (Paperback)"}}))
        uow.exceptions.report(ExceptionKind.ISBN_CHANGED, isbn="9781999990039", storefront="store", field="ISBN",
                              message="record now has ISBN 9780141036144", at=NOW)
        uow.exceptions.report(ExceptionKind.STORE_REJECTION, isbn=str(EBOOK), storefront="store", field="sku",
                              message=f"SKU {EBOOK} is held in the store by product 90 'Another Book'", at=NOW)
        uow.commit()
    held = text(section(client.get("/dashboard").text, "status-held-back", "div"))
    assert held == ("Held back from one storefront or more 3 editions 2 of them held back from every storefront (not "
                    "in the store), as plan and sync count 1 ISBN changed in the source (storefronts 'uk' and 'us') "
                    "1 no consumer price (storefront 'us') 1 not adopted (the store holds its SKU for another title) "
                    "(storefronts 'uk' and 'us')"), held
