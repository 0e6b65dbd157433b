"""The dashboard's content over a real SQLite database and a stored catalogue: what each upcoming launch or campaign
flip does (edition, storefront, price in that storefront's currency), the sales figures' windows, plurals and
empty cells. The precise jobs carry the detail the real service gives them (`Service.classify`)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from bookbridge.application.launches import KeyIndex, classify
from bookbridge.application.sales_report import sales_report
from bookbridge.application.scheduling import UpcomingJob
from bookbridge.domain.formats import Format
from bookbridge.domain.lifecycle import start_of
from bookbridge.domain.ports import ExceptionKind, FixedClock, SalesFact
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.entrypoints.container import Container, build_unit_of_work
from bookbridge.entrypoints.http.app import create_app
from bookbridge.entrypoints.http.security import SESSION_COOKIE
from bookbridge.entrypoints.settings import load_settings
from examples import EBOOK, HARDBACK, PAPERBACK, edition, family, gbp, usd
from http_support import ADMIN_TOKEN, CLIENT_SECRET, FactsLedger, FakeHooks

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
PUBLISHED = date(2026, 5, 20)  # the hardback: on sale at midnight in London, then in New York
CAMPAIGN_UNTIL = date(2026, 5, 14)  # the paperback's US campaign price, through this day
PREORDER_FROM = date(2026, 6, 1)  # the ebook: announced, pre-orders from this day
LONDON = StorefrontSettings(name="uk", countries=frozenset({"GB"}), currency="GBP", timezone="Europe/London")
NEW_YORK = StorefrontSettings(name="us", countries=frozenset({"US"}), currency="USD", timezone="America/New_York",
                              tax_inclusive=False, channel_id=2, default_currency=False)


def catalogue() -> dict[str, Any]:
    hardback = edition(isbn=HARDBACK, publishing_status="02", availability="10", publication_date=PUBLISHED,
                       prices=(gbp("16.99"), usd("24.99")), stock=2)
    paperback = edition(isbn=PAPERBACK, format=Format.PAPERBACK, form_code="BC", family_id="laughing",
                        title="The Laughing Policeman", prices=(gbp("8.99"), usd("12.99"),
                                usd("6.99", qualifier="08", valid_from=date(2026, 4, 1),
                                    valid_until=CAMPAIGN_UNTIL)))
    ebook = edition(isbn=EBOOK, format=Format.EBOOK_EPUB, form_code="ED", publishing_status="02", availability="10",
                    publication_date=date(2026, 7, 1), preorder_embargo=PREORDER_FROM,
                    prices=(gbp("6.99"), usd("9.99")))
    return {"roseanna": family(hardback, ebook),
            "laughing": family(paperback, family_id="laughing", title="The Laughing Policeman")}


def jobs_as_the_service_schedules_them(container: Container, families: dict[str, Any]) -> list[UpcomingJob]:
    """One precise job per instant, with the kind and detail `classify` gives it (as the service does)."""
    settings, now = container.settings(), container.clock().now()
    instants = {
        start_of(PUBLISHED, LONDON.zone): [str(HARDBACK)],
        start_of(PUBLISHED, NEW_YORK.zone): [str(HARDBACK)],
        start_of(CAMPAIGN_UNTIL + timedelta(days=1), NEW_YORK.zone): [str(PAPERBACK)],
        start_of(PREORDER_FROM, LONDON.zone): [str(EBOOK)],
        start_of(PREORDER_FROM, NEW_YORK.zone): [str(EBOOK)],
        datetime(2026, 9, 1, tzinfo=UTC): ["9790000000001"],  # a key no longer in the catalogue
    }
    jobs = []
    for instant, keys in sorted(instants.items()):
        kind, detail = classify(keys, instant, KeyIndex(families), storefronts=settings.storefronts,
                                mapping=settings.mapping, now=now)
        jobs.append(UpcomingJob(id=f"launch:store:{instant.isoformat()}", kind=kind, run_at=instant.astimezone(UTC),
                                store="store", detail=detail))
    return [UpcomingJob(id="order-import", kind="order-import", run_at=NOW + timedelta(minutes=5), store=None,
                        detail="interval[0:05:00]"), *jobs]


def sales(today: date) -> list[SalesFact]:
    """A hardback sold steadily for 12 weeks; one ebook sale, long ago; one paperback sale this week."""
    facts = [SalesFact(isbn=str(HARDBACK), format="hardback", storefront="uk", day=today - timedelta(days=d),
                       quantity=2, net_amount=Decimal("33.98"), currency="GBP") for d in range(0, 84, 7)]
    return [*facts,
            SalesFact(isbn=str(EBOOK), format="ebook-epub", storefront="us", day=today - timedelta(days=60),
                      quantity=70, net_amount=Decimal("699.30"), currency="USD"),
            SalesFact(isbn=str(PAPERBACK), format="paperback", storefront="uk", day=today - timedelta(days=1),
                      quantity=1, net_amount=Decimal("8.99"), currency="GBP")]


@pytest.fixture
def dashboard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[TestClient, Container]:
    monkeypatch.setenv("BB_TEST_ADMIN", ADMIN_TOKEN)
    monkeypatch.setenv("BB_TEST_WEBHOOK_SECRET", CLIENT_SECRET)
    settings = load_settings(None, database_url=f"sqlite:///{tmp_path / 'bookbridge.db'}",
                             http={"admin_token_env": "BB_TEST_ADMIN", "webhook_secret_env": "BB_TEST_WEBHOOK_SECRET"},
                             storefronts=[LONDON.model_dump(), NEW_YORK.model_dump()])
    container = Container()
    container.settings.override(providers.Object(settings))
    container.clock.override(providers.Object(FixedClock(NOW)))
    families = catalogue()
    uow = build_unit_of_work(container.engine(), container.clock(), settings)
    with uow:
        uow.state.save_catalogue(str(settings.source.options().get("name") or settings.source.kind), families)
        uow.exceptions.report(ExceptionKind.SOURCE_ERROR, isbn=None, storefront="source:sample", field=None,
                              message="the feed could not be read", at=NOW)
        uow.runs.start_run("store", at=NOW)  # still running: no counts yet
        uow.commit()
    hooks = FakeHooks(jobs=jobs_as_the_service_schedules_them(container, families))

    def report(start: date, end: date, group_by: str) -> Any:
        return sales_report(FactsLedger(sales(NOW.date())), start, end, group_by,  # type: ignore[arg-type]
                            catalogue=families)

    client = TestClient(create_app(container, hooks, sales=report, worker_poll_seconds=0.2))
    assert client.post("/login", data={"token": ADMIN_TOKEN}, follow_redirects=False).status_code == 303
    assert client.cookies.get(SESSION_COOKIE)
    return client, container


def section(page: str, element_id: str) -> str:
    found = re.search(rf'<table id="{element_id}">.*?</table>', page, re.S)
    assert found, f"no table #{element_id} in the page"
    return found.group(0)


def rows(table: str) -> list[list[str]]:
    return [[unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S) if "<td" in row]


def test_every_upcoming_flip_says_what_happens_to_which_edition_where(dashboard: tuple[TestClient, Container]) -> None:
    client, _ = dashboard
    page = client.get("/dashboard").text
    flips = rows(section(page, "upcoming"))
    assert flips and all(all(cell for cell in row) for row in flips), flips  # no blank cell
    by_what = {(row[1], row[2], row[4]) for row in flips}  # storefront, ISBN, what
    # London's midnight comes first; the one product the storefronts share waits for New York's (merge_storefronts)
    assert ("uk", str(HARDBACK), "goes on sale (the product the storefronts share stays on pre-order until us "
                                 "follows)") in by_what, flips
    assert ("us", str(HARDBACK), "goes on sale") in by_what
    assert ("uk", str(EBOOK), "pre-order opens (the product the storefronts share stays not for sale until us "
                              "follows)") in by_what
    assert ("us", str(EBOOK), "pre-order opens") in by_what
    assert ("us", str(PAPERBACK), "campaign price ends: back to USD 12.99") in by_what, flips
    assert not any(row[1] == "uk" and row[2] == str(PAPERBACK) for row in flips)  # the UK price does not change
    hardback = next(row for row in flips if row[2] == str(HARDBACK))
    assert hardback[3] == "Roseanna (Hardback)"
    assert "GBP" not in " ".join(cell for row in flips if row[1] == "us" for cell in row)
    gone = next(row for row in flips if row[0].startswith("2026-09-01"))
    assert "nothing in the stored catalogue changes" in gone[4]
    assert not re.search(r"\b1 listings\b", page)


def test_periodic_jobs_name_their_store(dashboard: tuple[TestClient, Container]) -> None:
    client, _ = dashboard
    jobs = rows(section(client.get("/dashboard").text, "jobs"))
    assert jobs == [["2026-05-01 12:05:00", "order-import", "store", "interval[0:05:00]"]]


def test_format_velocity_and_reprint_share_one_labelled_window(dashboard: tuple[TestClient, Container]) -> None:
    client, _ = dashboard
    page = client.get("/dashboard").text
    assert "Fastest-moving formats (last 28 days)" in page
    assert "Reprint signal: weeks of cover left (sales of the last 28 days)" in page
    assert "Units by title (last 12 weeks)" in page
    formats = re.search(r'<svg[^>]*aria-label="Fastest-moving formats[^"]*".*?</svg>', page, re.S)
    assert formats, page
    # Over the last 28 days: 4 hardback sales of 2 (2/week) and 1 paperback (0.25/week); the ebook sold 60 days
    # ago, outside the window the reprint signal uses, so it is not among the fastest-moving formats.
    assert "hardback: 2 units/week" in formats.group(0) and "paperback: 0.25 units/week" in formats.group(0)
    assert "ebook" not in formats.group(0)


def test_plurals_and_empty_cells(dashboard: tuple[TestClient, Container]) -> None:
    client, _ = dashboard
    page = client.get("/dashboard").text
    units = re.search(r'<svg[^>]*aria-label="Units by title[^"]*".*?</svg>', page, re.S)
    assert units and ": 1 unit<" in units.group(0) and "1 units" not in page  # the paperback's one sale
    reprint = re.search(r'<svg[^>]*aria-label="Reprint signal[^"]*".*?</svg>', page, re.S)
    assert reprint and ": 1 week<" in reprint.group(0), page  # 2 in stock, 2 sold a week
    assert rows(section(page, "runs"))[0][4:] == ["—", "—", "—", "—"]
    exceptions = rows(section(page, "exceptions"))
    assert exceptions[0][2] == "—" and exceptions[0][4] == "—", exceptions  # no ISBN, no field: said, not blank


def test_the_api_and_jobs_detail_name_each_change_its_storefront_and_currency(
        dashboard: tuple[TestClient, Container]) -> None:
    """`Service.classify` writes the job's detail, which /api/upcoming and `bookbridge jobs` show as it is."""
    client, _ = dashboard
    upcoming = client.get("/api/upcoming", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()
    details = {job["run_at"]: (job["kind"], job["detail"]) for job in upcoming if job["id"].startswith("launch:")}
    launch = next(d for d in details.values() if f"{HARDBACK} goes on sale (us)" in d[1])
    assert launch[0] == "launch"
    campaign = next(d for d in details.values() if str(PAPERBACK) in d[1])
    assert campaign == ("campaign", f"{PAPERBACK} campaign price ends: back to USD 12.99 (us)")
    assert not any(re.search(r"\b1 listings\b|listings in all", d[1]) for d in details.values())
    assert ("launch", "1 listing change") in details.values()  # a key no longer in the catalogue
