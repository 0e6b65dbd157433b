"""A sync over two storefronts of one store opens one exception per cause: a title for sale only in the British
Isles (ROW 03, the US 06) is listed in the UK and, on the US storefront, not licensed: that is what opens,
naming the rights row, never its missing USD price."""

from __future__ import annotations

from datetime import UTC, datetime

from bookbridge.adapters.memory import InMemoryCatalogSource, InMemoryStorefront, InMemoryUnitOfWork
from bookbridge.application.sync import SyncStore, sync_store
from bookbridge.domain.model import Rights, SalesRights
from bookbridge.domain.ports import ExceptionKind, FixedClock
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.domain.territory import Territory
from examples import cover, edition, family, gbp

NOW = datetime(2026, 11, 28, 10, tzinfo=UTC)
UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP",
                        timezone="Europe/London")
US = StorefrontSettings(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD", tax_inclusive=False,
                        timezone="Europe/London", default_currency=False)
ISLES = Rights(sales_rights=(SalesRights(type="01", territory=Territory.of("GB GG IE IM JE")),
                             SalesRights(type="06", territory=Territory.of("US"))), row_type="03")


def test_the_us_storefront_opens_not_licensed_and_never_the_missing_usd_price() -> None:
    isles = edition(rights=ISLES, prices=(gbp("12.99"),), resources=(cover(),))
    store, uow = InMemoryStorefront("shop"), InMemoryUnitOfWork()
    report = sync_store(SyncStore(store="shop", storefronts=(UK, US)), InMemoryCatalogSource([family(isles)]),
                        store, uow, FixedClock(NOW))
    assert report.ok and report.created == 1  # listed on the UK storefront
    with uow:
        items = uow.exceptions.open_items()
    assert [(e.kind, e.isbn, e.storefront, e.field) for e in items] == [
        (ExceptionKind.RIGHTS_CONFLICT, str(isles.isbn), "us", "SalesRights")]
    assert items[0].message == "not licensed for sale in US (SalesRights 06 (US))"
    assert not any("no consumer price" in e.message for e in items)
