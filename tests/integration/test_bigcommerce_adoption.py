"""Adopting an existing shop on the BigCommerce sandbox over real HTTP on loopback: products made in the store before
bookbridge's first sync (by a shop manager, or another connector) are found by SKU, shown as `adopt` with the
store's fields in the plan, adopted by the sync in place, and a product that is clearly another title is held."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from bookbridge.adapters.bigcommerce.sandbox import catalog
from bookbridge.adapters.bigcommerce.storefront import BigCommerceStorefront
from bookbridge.adapters.memory import InMemoryUnitOfWork
from bookbridge.application.sync import SyncStore, plan_store, sync_store
from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.listing import StoreListing
from bookbridge.domain.plan import ActionKind, StoreAction
from bookbridge.domain.ports import ActionOutcome, ExceptionKind
from bookbridge.entrypoints.documents import plan_document
from sync_drills import UK, duplicates

COMMAND = SyncStore.single(UK, batch_size=4)
OTHER_ISBN = "9780306406157"  # no edition of the sample catalogue


@pytest.fixture
def world(make_world):
    return make_world(families=6, name="uk")


def writes(sandbox) -> int:
    return sum(r.method != "GET" for r in sandbox.requests.snapshot())


def listed(world) -> list[StoreListing]:
    source, _, _, clock = world
    return [li for li in plan_store(COMMAND, source, InMemoryUnitOfWork(), clock).listings if li.listed]


def by_hand(store: BigCommerceStorefront, sku: str, name: str, **fields: Any) -> int:
    """`POST /catalog/products` as another tool would: not through bookbridge's storefront."""
    body = {"name": name, "type": "physical", "sku": sku, "price": 1.0, "weight": 0.5, **fields}
    return int(store.client.request("POST", "catalog/products", json=body).data["id"])


def product(store: BigCommerceStorefront, product_id: int) -> dict[str, Any]:
    return dict(store.client.request("GET", f"catalog/products/{product_id}").data)


def test_plan_shows_adopt_and_sync_adopts_in_place_then_the_next_sync_writes_nothing(world, sandbox):
    source, store, uow, clock = world
    listings = listed(world)
    ours = {li.sku: by_hand(store, li.sku, f"{li.name} [shop]", gtin=str(li.isbns[0])) for li in listings[:3]}
    before = writes(sandbox)
    planned = plan_store(COMMAND, source, uow, clock, store=store)
    assert writes(sandbox) == before, "plan reads the store and never writes"
    adopt = planned.plan.of_kind(ActionKind.ADOPT)
    assert {a.listing.sku for a in adopt if a.listing} == set(ours)
    changes = {c.field: (c.before, c.after) for c in adopt[0].changes(None)}
    assert changes["price"][0]["price"] == 1.0 and "name" in changes and "description" in changes
    document = plan_document(planned)  # `bookbridge plan --json` and `/api/plan`
    adopted = [a for a in document["actions"] if a["action"] == "adopt"]
    assert sorted(a["product_id"] for a in adopted) == sorted(ours.values())
    assert all(any(c["field"] == "name" for c in a["changes"]) for a in adopted)
    # The store's price in the form of ours: its currency named, amounts as strings with its minor units.
    prices = [c for a in adopted for c in a["changes"] if c["field"] == "price"]
    assert prices and all(c["before"]["currency"] == c["after"]["currency"] == "GBP" for c in prices), prices
    assert all(c["before"]["price"] == "1.00" for c in prices), prices
    assert document["counts"]["adopt"] == 3 and document["counts"]["create"] == len(listings) - 3
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.ok and (report.adopted, report.created) == (3, len(listings) - 3), report
    assert duplicates(sandbox.state) == []
    for li in listings[:3]:
        stored = product(store, ours[li.sku])
        assert (stored["name"], stored["sku"]) == (li.name, li.sku) and stored["price"] != 1.0
    with uow:
        applied = uow.state.applied("uk")
    assert {applied[li.key].product_id for li in listings[:3]} == set(ours.values())
    before = writes(sandbox)
    again = sync_store(COMMAND, source, store, uow, clock)
    assert (again.created, again.adopted, again.updated, again.hidden, again.failed) == (0, 0, 0, 0, 0)
    assert writes(sandbox) == before


def test_a_product_that_is_clearly_another_title_is_held_not_overwritten(world, sandbox):
    source, store, uow, clock = world
    victim = listed(world)[1]
    stranger = by_hand(store, victim.sku, "A Cookery Book Nobody Ordered", gtin=OTHER_ISBN)
    planned = plan_store(COMMAND, source, uow, clock, store=store)
    assert [m.listing.key for m in planned.plan.mismatched] == [victim.key]
    [held] = [h for h in plan_document(planned)["held_back"] if h["sku"] == victim.sku]
    assert (held["store_product_id"], held["store_name"]) == (stranger, "A Cookery Book Nobody Ordered")
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.adopted == 0 and report.failed == 0
    stored = product(store, stranger)
    assert (stored["name"], stored["gtin"], stored["price"]) == ("A Cookery Book Nobody Ordered", OTHER_ISBN, 1.0)
    assert duplicates(sandbox.state) == []
    with uow:
        [item] = [e for e in uow.exceptions.open_items() if e.isbn == str(victim.isbns[0])]
    assert item.kind is ExceptionKind.STORE_REJECTION and item.field == "sku"
    assert "A Cookery Book Nobody Ordered" in item.message and victim.name in item.message


class Dying(BigCommerceStorefront):
    """Dies after the store applied its first batch, before the sync recorded it."""

    dead = False

    def apply(self, actions: Sequence[StoreAction], applied: Mapping[str, AppliedListing]) -> list[ActionOutcome]:
        outcomes = super().apply(actions, applied)
        if not self.dead:
            self.dead = True
            raise KeyboardInterrupt("killed between the store's answer and the record")
        return outcomes


def test_a_crash_in_the_middle_of_adoption_converges_without_duplicates(world, sandbox):
    source, store, uow, clock = world
    dying = Dying(store.client, name="uk")
    listings = listed(world)
    ours = {li.sku: by_hand(store, li.sku, li.name) for li in listings[::2]}
    with pytest.raises(KeyboardInterrupt):
        sync_store(COMMAND, source, dying, uow, clock)
    sync_store(COMMAND, source, dying, uow, clock)
    assert duplicates(sandbox.state) == []
    with sandbox.state.lock:
        skus = sorted(str(p["sku"]) for p in sandbox.state.products.values())
    assert skus == sorted(li.sku for li in listings)
    assert all(product(store, pid)["sku"] == sku for sku, pid in ours.items())
    last = sync_store(COMMAND, source, dying, uow, clock)
    assert (last.created, last.adopted, last.updated, last.failed) == (0, 0, 0, 0)


def test_the_adoption_look_up_reads_an_empty_store_once_and_a_small_store_whole(world, sandbox):
    """More SKUs than one `sku:in` request takes: the store's size is read first. Empty: that read is all. Fewer
    pages than look-ups: the store is read whole. Otherwise the SKUs are looked up, 50 a request."""
    _, store, _, _ = world
    skus = [f"BB-{n:04d}" for n in range(120)]  # three look-ups of 50

    def reads(find: Sequence[str]) -> tuple[list[str], list[dict[str, str]]]:
        start = len(sandbox.requests)
        found = sorted(p.sku for p in store.find_by_skus(find))
        return found, [r.query for r in list(sandbox.requests)[start:]]

    found, queries = reads(skus)
    assert found == [] and [q.get("limit") for q in queries] == ["1"]
    with sandbox.state.lock:
        for n in range(5):
            catalog.create_product(sandbox.state, {"name": f"Shop {n}", "type": "physical", "weight": 1, "price": 1,
                                                   "sku": f"bb-{n:04d}" if n < 2 else f"OTHER-{n}"})
    found, queries = reads(skus)
    assert found == ["bb-0000", "bb-0001"]  # SKUs match case-insensitively
    assert len(queries) == 2 and "sku:in" not in queries[1]  # the size, then the whole store: one page
    with sandbox.state.lock:  # now three pages: as many as the look-ups
        for n in range(5, 3 * 250 - 249):
            catalog.create_product(sandbox.state, {"name": f"Shop {n}", "type": "physical", "weight": 1, "price": 1,
                                                   "sku": f"OTHER-{n}"})
    found, queries = reads(skus)
    assert found == ["bb-0000", "bb-0001"]
    assert len(queries) == 4 and all("sku:in" in q for q in queries[1:])
    found, queries = reads(skus[:50])  # one look-up: no size read before it
    assert found == ["bb-0000", "bb-0001"] and len(queries) == 1 and "sku:in" in queries[0]
