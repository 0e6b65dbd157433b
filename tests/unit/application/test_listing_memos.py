"""The listing memos are the caller's: a service that keeps its `ListingMemos` reuses a store's unchanged families
in its next plan; a plan given none keeps nothing after it, and the plans are the same either way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bookbridge.adapters.memory import InMemoryCatalogSource, InMemoryStorefront, InMemoryUnitOfWork
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.application.listing_memos import ListingMemos
from bookbridge.application.sync import SyncStore, plan_store, sync_store
from bookbridge.domain.ports import FixedClock
from bookbridge.domain.storefront import StorefrontSettings

NOW = datetime(2026, 11, 28, 10, tzinfo=UTC)
UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP", timezone="Europe/London")


def test_a_kept_memo_reuses_unchanged_families_and_plans_as_without_one() -> None:
    families = sample_catalogue(NOW.date(), families=12)
    source, uow, cmd = InMemoryCatalogSource(families), InMemoryUnitOfWork(), SyncStore.single(UK)
    memos = ListingMemos()
    sync_store(cmd, source, InMemoryStorefront("uk"), uow, FixedClock(NOW), memos=memos)
    assert memos.for_store("uk") is memos.for_store("uk") and memos.for_store("uk").entries
    later = FixedClock(NOW + timedelta(minutes=5))
    with_memo = plan_store(cmd, source, uow, later, memos=memos)
    assert memos.for_store("uk").reused > 0
    without = plan_store(cmd, source, uow, later)
    assert with_memo.listings == without.listings and with_memo.plan == without.plan
    assert ListingMemos().for_store("uk").entries == {}  # nothing is shared between owners


def test_a_full_plan_starts_the_stores_memo_over() -> None:
    families = sample_catalogue(NOW.date(), families=6)
    source, uow = InMemoryCatalogSource(families), InMemoryUnitOfWork()
    memos = ListingMemos()
    plan_store(SyncStore.single(UK), source, uow, FixedClock(NOW), memos=memos)
    plan_store(SyncStore.single(UK, full=True), source, uow, FixedClock(NOW), memos=memos)
    assert memos.for_store("uk").reused == 0
