"""Adopting an existing shop (in memory): products already in the store under a listing's SKU are adopted, not
created; a product that is clearly another title is held with an exception; nothing is ever duplicated."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookbridge.adapters.memory import InMemoryCatalogSource, InMemoryStorefront, InMemoryUnitOfWork
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.application.sync import SyncStore, plan_store, sync_store
from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.listing import StoreListing
from bookbridge.domain.plan import ActionKind, StoreAction
from bookbridge.domain.ports import ActionOutcome, ExceptionKind, FixedClock
from bookbridge.domain.storefront import StorefrontSettings

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
UK = StorefrontSettings(name="uk", countries=frozenset({"GB"}), currency="GBP", tax_inclusive=True,
                        timezone="Europe/London")
COMMAND = SyncStore.single(UK, batch_size=3)
OTHER_ISBN = "9780306406157"  # a valid ISBN-13 that is no edition of the sample catalogue


class Crashing(InMemoryStorefront):
    """Applies `crash_after` batches, then dies in the middle of the next one (after the store applied it)."""

    def __init__(self, crash_after: int) -> None:
        super().__init__("uk")
        self.crash_after = crash_after

    def apply(self, actions: Sequence[StoreAction], applied: Mapping[str, AppliedListing]) -> list[ActionOutcome]:
        outcomes = super().apply(actions, applied)
        if self.crash_after == 0:
            raise KeyboardInterrupt("the process died before recording the batch")
        self.crash_after -= 1
        return outcomes


def world(store: InMemoryStorefront | None = None):
    source = InMemoryCatalogSource(sample_catalogue(NOW.date(), families=6))
    return source, store or InMemoryStorefront("uk"), InMemoryUnitOfWork(), FixedClock(NOW)


def listed(source, uow, clock) -> list[StoreListing]:
    planned = plan_store(COMMAND, source, InMemoryUnitOfWork(), clock)
    return [li for li in planned.listings if li.listed]


def by_hand(store: InMemoryStorefront, listing: StoreListing, **fields) -> int:
    """The product a shop manager made before bookbridge: same SKU, the title without its format, another price."""
    name = fields.pop("name", listing.name.rsplit(" (", 1)[0])
    return store.add_by_hand(listing.sku, name, price={"price": "1.00"}, **fields).id


def test_plan_shows_adopt_with_the_stores_fields_before_and_writes_nothing():
    source, store, uow, clock = world()
    listings = listed(source, uow, clock)
    ids = {li.sku: by_hand(store, li) for li in listings[:3]}
    writes = store.writes
    planned = plan_store(COMMAND, source, uow, clock, store=store)
    adopt = planned.plan.of_kind(ActionKind.ADOPT)
    assert {a.listing.sku for a in adopt if a.listing} == set(ids)
    assert len(planned.plan.of_kind(ActionKind.CREATE)) == len(listings) - 3
    assert planned.plan.counts["adopt"] == 3
    changes = {(c.field, str(c.before)) for c in adopt[0].changes(None)}
    assert ("price", "{'price': '1.00'}") in changes and any(f == "name" for f, _ in changes)
    assert all(a.found is not None and a.found.product_id == ids[a.found.sku] for a in adopt)
    # The creates' SKUs were looked up and not found: the run need not look them up again (StoreAction.absent).
    assert all(a.absent for a in planned.plan.of_kind(ActionKind.CREATE))
    assert not any(a.absent for a in plan_store(COMMAND, source, uow, clock).plan.actions)  # no store: not read
    assert store.writes == writes
    with uow:
        assert uow.state.applied("uk") == {}


def test_sync_reports_adopted_keeps_the_product_ids_and_the_next_sync_is_minimal():
    source, store, uow, clock = world()
    listings = listed(source, uow, clock)
    ids = {li.sku: by_hand(store, li) for li in listings[:4]}
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.ok and (report.adopted, report.created) == (4, len(listings) - 4)
    assert report.counts["adopted"] == 4
    assert Counter(p.sku for p in store.products.values()).most_common(1)[0][1] == 1
    for sku, product_id in ids.items():
        product = store.by_sku(sku)
        assert product is not None and product.id == product_id and product.fields["price"]["price"] != "1.00"
    with uow:
        applied = uow.state.applied("uk")
        [run] = uow.runs.recent_runs("uk", limit=1)
        logged = {o.action for o in uow.runs.outcomes(run.id)}
    assert {applied[li.key].product_id for li in listings[:4]} == set(ids.values())
    assert all(applied[li.key].hashes == li.hashes for li in listings)
    assert run.counts["adopted"] == 4 and logged == {"adopt", "create"}
    writes, calls = store.writes, store.calls
    again = sync_store(COMMAND, source, store, uow, clock)
    assert (again.created, again.adopted, again.updated, again.hidden) == (0, 0, 0, 0)
    assert store.writes == writes and store.calls == calls, "a steady store is not even asked for SKUs"


def test_a_product_that_is_clearly_another_title_is_held_with_an_exception_naming_both():
    source, store, uow, clock = world()
    victim, other = listed(source, uow, clock)[:2]
    stranger = by_hand(store, victim, name="A Cookery Book Nobody Ordered", gtin=OTHER_ISBN)
    by_hand(store, other, name="Another Name Entirely")  # no identifier: not clearly another title, adopted
    planned = plan_store(COMMAND, source, uow, clock, store=store)
    assert [m.listing.sku for m in planned.plan.mismatched] == [victim.sku]
    assert victim.key not in {a.key for a in planned.plan.actions}
    report = sync_store(COMMAND, source, store, uow, clock)
    held = store.products[stranger]
    assert held.name == "A Cookery Book Nobody Ordered" and held.fields["gtin"] == OTHER_ISBN, "never overwritten"
    assert report.adopted == 1 and report.skipped >= 1
    with uow:
        [item] = [e for e in uow.exceptions.open_items() if e.isbn == str(victim.isbns[0])]
        assert uow.state.applied("uk").get(victim.key) is None
    assert (item.kind, item.field, item.storefront) == (ExceptionKind.STORE_REJECTION, "sku", "uk")
    assert "A Cookery Book Nobody Ordered" in item.message and victim.name in item.message
    assert str(stranger) in item.message and OTHER_ISBN in item.message
    assert sum(p.sku == victim.sku for p in store.products.values()) == 1
    # The shop manager renames the product (it was this title after all): the next sync adopts it and resolves.
    held.name, held.fields["gtin"] = victim.name, str(victim.isbns[0])
    assert sync_store(COMMAND, source, store, uow, clock).adopted == 1
    with uow:
        assert not [e for e in uow.exceptions.open_items() if e.isbn == str(victim.isbns[0])]


@pytest.mark.parametrize("crash_after", [0, 1, 2])
def test_a_crash_in_the_middle_of_adoption_converges_without_duplicates(crash_after):
    store = Crashing(crash_after)
    source, _, uow, clock = world(store)
    listings = listed(source, uow, clock)
    ids = {li.sku: by_hand(store, li) for li in listings[::2]}
    with pytest.raises(KeyboardInterrupt):
        sync_store(COMMAND, source, store, uow, clock)
    store.crash_after = -1  # the process comes back
    sync_store(COMMAND, source, store, uow, clock)
    assert Counter(p.sku for p in store.products.values()) == Counter(li.sku for li in listings)
    assert all(store.by_sku(sku).id == product_id for sku, product_id in ids.items())  # type: ignore[union-attr]
    last = sync_store(COMMAND, source, store, uow, clock)
    assert (last.created, last.adopted, last.updated, last.hidden, last.failed) == (0, 0, 0, 0, 0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(existing=st.sets(st.integers(0, 40), max_size=20), strangers=st.sets(st.integers(0, 40), max_size=6),
       crash_after=st.none() | st.integers(0, 8), with_case=st.booleans())
def test_adoption_never_creates_a_duplicate_sku(existing, strangers, crash_after, with_case):
    """Whatever the shop holds (the same titles, other titles under our SKUs, SKUs in another case) and wherever a
    sync dies, every SKU is held by at most one product, and every listed edition whose SKU is not another
    title's ends up in the store with the catalogue's fields."""
    store = Crashing(-1 if crash_after is None else crash_after)
    source, _, uow, clock = world(store)
    listings = listed(source, uow, clock)
    for index in sorted(existing | strangers):
        if index < len(listings):
            li = listings[index]
            sku = li.sku.lower() if with_case else li.sku
            if index in strangers:
                store.add_by_hand(sku, f"Stranger {index}", gtin=OTHER_ISBN)
            else:
                store.add_by_hand(sku, li.name)
    with contextlib.suppress(KeyboardInterrupt):  # the first sync may die part-way
        sync_store(COMMAND, source, store, uow, clock)
    store.crash_after = -1
    sync_store(COMMAND, source, store, uow, clock)
    held = Counter(p.sku.casefold() for p in store.products.values())
    assert max(held.values(), default=1) == 1, held
    others = {listings[i].sku for i in strangers if i < len(listings)}
    for li in listings:
        product = store.by_sku(li.sku)
        assert product is not None
        if li.sku in others:
            assert product.name.startswith("Stranger"), "another title's product is never overwritten"
        else:
            assert product.name == li.name


class UnreadableStore(InMemoryStorefront):
    """The store's SKU look-up fails (5xx past the retries, a timeout); writes still work."""

    def find_by_skus(self, skus: Sequence[str]) -> list:  # type: ignore[override]
        raise ConnectionError("store unreachable")


def test_a_store_that_cannot_be_read_for_adoption_does_not_stop_the_sync(caplog: pytest.LogCaptureFixture):
    source, store, uow, clock = world(UnreadableStore("uk"))
    listings = listed(source, uow, clock)
    with caplog.at_level("WARNING", logger="bookbridge.application.adoption"):
        report = sync_store(COMMAND, source, store, uow, clock)
    assert report.created == len(listings) and report.adopted == 0 and not report.failed
    assert not any(a.absent for a in plan_store(COMMAND, source, InMemoryUnitOfWork(), clock, store=store).plan.actions)
    assert any("looking up" in r.getMessage() and "store unreachable" in r.getMessage() for r in caplog.records)
