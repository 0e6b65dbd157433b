"""The dashboard's world, shared by its integration and browser tests: a stored catalogue over two storefronts
(London and New York) with launches, campaign ends, an edition held back and one not in the store, exceptions,
runs, scheduled jobs and sales."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers
from fastapi import FastAPI

from bookbridge.application.launches import KeyIndex, classify
from bookbridge.application.sales_report import sales_report
from bookbridge.application.upcoming import held_by_exceptions
from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.formats import Format
from bookbridge.domain.lifecycle import start_of
from bookbridge.domain.ports import ExceptionKind, FixedClock, SalesFact
from bookbridge.domain.ports.scheduling import UpcomingJob
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.entrypoints.container import Container, build_unit_of_work
from bookbridge.entrypoints.http.app import create_app
from bookbridge.entrypoints.settings import load_settings
from examples import EBOOK, HARDBACK, PAPERBACK, edition, family, gbp, usd
from http_support import ADMIN_TOKEN, CLIENT_SECRET, FactsLedger, FakeHooks

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
HELD = "9780306406157"  # an open exception on the US storefront, and no product in the store
UNPRICED = "9781861972712"  # no USD price: held back on the US storefront
STORE_HASH = "abc123"
PUBLISHED = date(2026, 5, 20)  # the hardback: on sale at midnight in London, then in New York
CAMPAIGN_UNTIL = date(2026, 5, 14)  # the paperback's US campaign price, through this day
HELD_CAMPAIGN_UNTIL = date(2026, 5, 12)
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
    # Not in the store: its US campaign end is not shown there. Sold only in GBP: held back on the US storefront.
    unpriced = edition(isbn=UNPRICED, family_id="martin", title="The Fire Engine That Disappeared",
                       format=Format.PAPERBACK, form_code="BC", prices=(gbp("8.99"),))
    held = edition(isbn=HELD, family_id="martin", title="The Man Who Went Up in Smoke", prices=(
        gbp("9.99"), usd("5.99", qualifier="08", valid_from=date(2026, 4, 1), valid_until=HELD_CAMPAIGN_UNTIL)))
    return {"roseanna": family(hardback, ebook),
            "laughing": family(paperback, family_id="laughing", title="The Laughing Policeman"),
            "martin": family(held, unpriced, family_id="martin", title="The Man Who Went Up in Smoke")}


def jobs_as_the_service_schedules_them(container: Container, families: dict[str, Any]) -> list[UpcomingJob]:
    """One precise job per instant, with the kind and detail `classify` gives it (as the service does: leaving out
    the editions an open exception keeps out of the store)."""
    settings, now = container.settings(), container.clock().now()
    uow = build_unit_of_work(container.engine(), container.clock(), settings)
    with uow:
        held = held_by_exceptions(uow.exceptions.open_items(), uow.state.applied(settings.store.name).values())
    instants = {
        start_of(PUBLISHED, LONDON.zone): [str(HARDBACK)],
        start_of(PUBLISHED, NEW_YORK.zone): [str(HARDBACK)],
        start_of(CAMPAIGN_UNTIL + timedelta(days=1), NEW_YORK.zone): [str(PAPERBACK)],
        start_of(HELD_CAMPAIGN_UNTIL + timedelta(days=1), NEW_YORK.zone): [HELD],
        start_of(PREORDER_FROM, LONDON.zone): [str(EBOOK)],
        start_of(PREORDER_FROM, NEW_YORK.zone): [str(EBOOK)],
        datetime(2026, 9, 1, tzinfo=UTC): ["9790000000001"],  # a key no longer in the catalogue
    }
    jobs = []
    for instant, keys in sorted(instants.items()):
        kind, detail = classify(keys, instant, KeyIndex(families), storefronts=settings.storefronts,
                                mapping=settings.mapping, now=now, held=held)
        jobs.append(UpcomingJob(id=f"at:store:{instant.isoformat()}", kind=kind, run_at=instant.astimezone(UTC),
                                store="store", detail=detail))
    return [UpcomingJob(id="order-import:store", kind="order-import", run_at=NOW + timedelta(minutes=5), store=None,
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


def dashboard_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[FastAPI, Container, FakeHooks]:
    """The app over a SQLite database holding the catalogue above, two runs (one good, one still running), three
    open exceptions (one of them on an edition whose product is in the store), jobs as the service schedules
    them, and the sales above."""
    monkeypatch.setenv("BB_TEST_ADMIN", ADMIN_TOKEN)
    monkeypatch.setenv("BB_TEST_WEBHOOK_SECRET", CLIENT_SECRET)
    settings = load_settings(None, database_url=f"sqlite:///{tmp_path / 'bookbridge.db'}",
                             http={"admin_token_env": "BB_TEST_ADMIN", "webhook_secret_env": "BB_TEST_WEBHOOK_SECRET"},
                             store={"kind": "bigcommerce", "name": "store", "store_hash": STORE_HASH},
                             storefronts=[LONDON.model_dump(), NEW_YORK.model_dump()])
    container = Container()
    container.settings.override(providers.Object(settings))
    container.clock.override(providers.Object(FixedClock(NOW)))
    families = catalogue()
    uow = build_unit_of_work(container.engine(), container.clock(), settings)
    with uow:
        uow.state.save_catalogue(str(settings.source.options().get("name") or settings.source.kind), families)
        good = uow.runs.start_run("store", at=NOW - timedelta(hours=3))
        uow.runs.finish_run(good.id, at=NOW - timedelta(hours=2, minutes=59), counts={"created": 3}, outcome="ok")
        uow.runs.start_run("store", at=NOW)  # still running: no counts yet
        uow.exceptions.report(ExceptionKind.SOURCE_ERROR, isbn=None, storefront="source:sample", field=None,
                              message="the feed could not be read", at=NOW)
        uow.exceptions.report(ExceptionKind.STORE_REJECTION, isbn=str(HARDBACK), storefront="uk", field="name",
                              message="name: too long", at=NOW)
        uow.exceptions.report(ExceptionKind.BLOCKING_READINESS, isbn=HELD, storefront="us", field="prices.USD",
                              message="no USD price", at=NOW)
        uow.state.record_applied("store", AppliedListing(key=str(HARDBACK), hashes={}, product_id=77))
        uow.commit()
    hooks = FakeHooks(jobs=jobs_as_the_service_schedules_them(container, families))

    def report(start: date, end: date, group_by: str) -> Any:
        return sales_report(FactsLedger(sales(NOW.date())), start, end, group_by,  # type: ignore[arg-type]
                            catalogue=families)

    return create_app(container, hooks, sales=report, worker_poll_seconds=0.2), container, hooks


