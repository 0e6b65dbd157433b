"""A sync run's quota economy against the sandbox: one read that finds the store empty replaces the per-batch SKU
look-ups, and channel assignments and price-list records are buffered across batches and sent in bulk, with
their actions recorded only once they are sent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from bookbridge.adapters.bigcommerce.storefront import BigCommerceStorefront
from bookbridge.adapters.memory.state import InMemorySyncState
from bookbridge.application.sync import plan_store, sync_store
from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.model import PriceRow
from bookbridge.domain.plan import StoreAction
from bookbridge.domain.ports import ActionOutcome
from sync_drills import COMMAND, US


def _calls(sandbox, start: int = 0) -> list[tuple[str, str]]:
    return [(r.method, r.api_path) for r in list(sandbox.requests)[start:]]


def _assert_converged(sandbox, source, store, uow, clock) -> None:
    planned = plan_store(COMMAND, source, uow, clock)
    assert planned.plan.actions == ()
    for listing in (li for li in planned.listings if li.listed):
        product = sandbox.state.find_by_sku(listing.sku)
        assert product is not None, listing.sku
        assert sandbox.state.product_channels(product["id"]) == list(listing.channels)
        if listing.extra_prices and not listing.variants:
            usd = listing.extra_prices[0]
            assert Decimal(str(sandbox.state.shopper_price(listing.sku, channel_id=US.channel_id, currency="USD"))) \
                == (usd.sale_price or usd.price)


@pytest.mark.parametrize("workers", [1, 4])  # with 4, the formats of a work are still made one after the other
def test_a_first_sync_into_an_empty_store_reads_it_once_and_sends_assignments_and_prices_in_bulk(sandbox,
                                                                                                    make_world,
                                                                                                    workers):
    source, store, uow, clock = make_world(families=30, workers=workers)
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.failed == 0, report.exceptions_opened
    calls = _calls(sandbox)
    creates = calls.count(("POST", "/v3/catalog/products"))
    assert creates == report.created > 10  # several sync batches
    # Planning's look-up of the new SKUs (to adopt what the store holds) finds the store empty in one read; the
    # creates it planned are not looked up again, so that read is the run's only one.
    assert calls.count(("GET", "/v3/catalog/products")) == 1
    assert calls.count(("PUT", "/v3/catalog/products/channel-assignments")) == 1
    assert sum(1 for m, p in calls if m == "PUT" and p.endswith("/records")) == 1
    # Of a work's k formats, the k - 1 made before another are written again for their links, 10 to a request.
    relinks = [len(r.json) for r in sandbox.requests if (r.method, r.api_path) == ("PUT", "/v3/catalog/products")]
    assert sum(relinks) == _made_before_a_sibling(sandbox) > 10
    assert all(n == 10 for n in relinks[:-1]) and 0 < relinks[-1] <= 10
    _assert_converged(sandbox, source, store, uow, clock)
    _assert_linked(sandbox, source, uow, clock)
    assert sync_store(COMMAND, source, store, uow, clock).outcomes == []


def _links(sandbox) -> dict[int, set[int]]:
    return {pid: set(p.get("related_products") or []) for pid, p in sandbox.state.products.items()}


def _made_before_a_sibling(sandbox) -> int:
    """Per group of products that all link each other (a work's formats), all but one."""
    links = _links(sandbox)
    groups = {frozenset({pid, *linked}) for pid, linked in links.items() if linked}
    assert all(links[pid] == group - {pid} for group in groups for pid in group)  # each group links all its own
    return sum(len(group) - 1 for group in groups)


def _assert_linked(sandbox, source, uow, clock) -> None:
    """Every product links the shown products of its listing's related ISBNs, and no other."""
    state = sandbox.state
    for listing in plan_store(COMMAND, source, uow, clock).listings:
        if not listing.listed or (product := state.find_by_sku(listing.sku)) is None or listing.variants:
            continue
        wanted = {p["id"] for isbn in listing.related_isbns if (p := state.find_by_sku(str(isbn))) and p["is_visible"]}
        assert set(product["related_products"]) == wanted, listing.sku


def _raise_prices(sandbox, source, count: int) -> None:
    """Raise every price of `count` editions the store lists."""
    listed = {p["sku"] for p in sandbox.state.products.values()}
    changed = 0
    for family in source.families:
        if changed >= count:
            break
        editions = []
        for e in family.editions:
            if changed < count and str(e.isbn) in listed:
                e = e.model_copy(update={"prices": tuple(_raised(r) for r in e.prices)})
                changed += 1
            editions.append(e)
        source.put(family.model_copy(update={"editions": tuple(editions)}))
    assert changed == count


def test_a_hundred_price_changes_cost_ten_product_puts_and_one_price_list_upsert(sandbox, make_world):
    source, store, uow, clock = make_world(families=60)
    sync_store(COMMAND, source, store, uow, clock)
    _raise_prices(sandbox, source, 100)
    start = len(sandbox.requests)
    uow.committed_state = RecordingState.of(uow.committed_state)
    report = sync_store(COMMAND, source, store, uow, clock)
    assert (report.updated, report.failed) == (100, 0)
    calls = _calls(sandbox, start)
    assert calls.count(("PUT", "/v3/catalog/products")) == 10
    assert sum(1 for m, p in calls if p.startswith("/v3/pricelists")) == 1
    # Each changed product is recorded twice, each time with the record it replaces (so a SQL state rewrites only
    # its pricing section): its pricing section as in doubt before its batch is sent (a crash after the store took
    # it resends it), and once applied, when its price-list record is sent; its store ids, unchanged, are not
    # recorded again between.
    recorded = uow.committed_state.recorded
    assert len(recorded) == 200 and all(with_previous for _, with_previous in recorded)
    assert set(Counter(key for key, _ in recorded).values()) == {2}
    _assert_converged(sandbox, source, store, uow, clock)


def test_a_run_meeting_two_instants_sends_the_first_ones_price_records_before_the_second_ones_products(
        sandbox, make_world):
    """The changes of two instants that passed (`SyncStore.due`), interleaved in the plan as two campaigns' titles
    are: the run sends the earlier instant's, product PUTs and then its USD price-list records, before any
    product PUT of the later one's alone; the buffers are not left to fill with the later instant's records."""
    source, store, uow, clock = make_world(families=60)
    sync_store(COMMAND, source, store, uow, clock)
    _raise_prices(sandbox, source, 100)
    keys = [a.key for a in plan_store(COMMAND, source, uow, clock).plan.actions]
    assert len(keys) == 100
    earlier, later = clock.now() - timedelta(minutes=2), clock.now() - timedelta(minutes=1)
    due = {key: earlier if i % 3 == 0 else later for i, key in enumerate(keys)}  # 34 and 66: a batch holds both
    start = len(sandbox.requests)
    report = sync_store(replace(COMMAND, due=due), source, store, uow, clock)
    assert (report.updated, report.failed) == (100, 0)
    with uow:
        applied = uow.state.applied("shop")
    instant_of = {applied[key].product_id: at for key, at in due.items()}
    product_of_variant = {v["id"]: product_id for product_id in instant_of
                          for v in sandbox.state.product_variants(product_id)}
    writes: list[tuple[str, set]] = []  # (what, the instants of the products it touches), in the order sent
    for r in list(sandbox.requests)[start:]:
        if (r.method, r.api_path) == ("PUT", "/v3/catalog/products"):
            writes.append(("products", {instant_of[p["id"]] for p in r.json}))
        elif r.method == "PUT" and r.api_path.endswith("/records"):
            writes.append(("prices", {instant_of[product_of_variant[rec["variant_id"]]] for rec in r.json}))
    assert [w for w, _ in writes].count("products") == 10
    last_earlier_price = max(i for i, (w, instants) in enumerate(writes) if w == "prices" and earlier in instants)
    first_later_alone = min(i for i, (w, instants) in enumerate(writes) if w == "products" and instants == {later})
    assert last_earlier_price < first_later_alone, writes
    # Two upserts, as without the instants: the earlier one's 34 records with the 6 of the batch that holds both
    # instants, then the later one's other 60.
    assert [w for w, _ in writes].count("prices") == 2
    _assert_converged(sandbox, source, store, uow, clock)


class RecordingState(InMemorySyncState):
    """The in-memory state, noting each record: its key, and whether the previous record came with it."""

    def __init__(self) -> None:
        super().__init__()
        self.recorded: list[tuple[str, bool]] = []

    @classmethod
    def of(cls, state: InMemorySyncState) -> RecordingState:
        recording = cls()
        recording.listings, recording.cursors, recording.catalogues = state.listings, state.cursors, state.catalogues
        return recording

    def record_applied(self, storefront: str, listing: AppliedListing, *,
                       previous: AppliedListing | None = None) -> None:
        self.recorded.append((listing.key, previous is not None))
        super().record_applied(storefront, listing, previous=previous)


def _raised(row: PriceRow) -> PriceRow:
    return row.model_copy(update={"amount": row.amount + Decimal("1.00")})


class Crash(Exception):
    """The process died here."""


class DiesBeforeFlushing(BigCommerceStorefront):
    """Applies every batch but dies at its final flush: the buffered assignments and records never leave."""

    def flush(self, *, final: bool, every: bool = False) -> list[ActionOutcome]:
        if final:
            raise Crash("killed with writes still buffered")
        return super().flush(final=final, every=every)


def test_a_crash_with_writes_still_buffered_resends_them_and_never_duplicates(sandbox, make_world):
    source, store, uow, clock = make_world(families=12)
    dying = DiesBeforeFlushing(store.client, name="shop")
    try:
        sync_store(COMMAND, source, dying, uow, clock)
    except Crash:
        pass
    else:
        raise AssertionError("the run should have died")
    products = len(sandbox.state.products)
    assert products > 10 and not sandbox.state.price_records  # created, but nothing buffered was sent
    with uow:  # the products' ids were recorded, their sections were not
        applied = uow.state.applied("shop")
    assert sum(1 for a in applied.values() if a.product_id is not None) == products
    assert all(not a.hashes for a in applied.values())
    start = len(sandbox.requests)
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.failed == 0, report.exceptions_opened
    assert ("POST", "/v3/catalog/products") not in _calls(sandbox, start)
    assert len(sandbox.state.products) == products
    _assert_converged(sandbox, source, store, uow, clock)


class HandMadeMidRun(BigCommerceStorefront):
    """Someone makes a product by hand, with the SKU of an edition of the run's second batch, after the run found
    the store empty."""

    sku = ""

    def apply(self, actions: Sequence[StoreAction], applied: Mapping[str, AppliedListing]) -> list[ActionOutcome]:
        if not self.sku and len(actions) == 10 and applied:
            self.sku = next(a.listing.sku for a in actions if a.listing is not None)
            with httpx.Client(base_url=str(self.client.config.v3_base_url),
                              headers={"X-Auth-Token": self.client.config.access_token}) as v3:
                v3.post("/catalog/products", json={"name": "Made by hand", "type": "physical", "weight": 1,
                                                   "price": 1, "sku": self.sku}).raise_for_status()
        return super().apply(actions, applied)


def test_a_sku_made_after_the_store_was_found_empty_is_looked_up_on_conflict_and_adopted(sandbox, make_world):
    source, store, uow, clock = make_world(families=12)
    racing = HandMadeMidRun(store.client, name="shop")
    report = sync_store(COMMAND, source, racing, uow, clock)
    assert racing.sku and report.failed == 0, report.exceptions_opened
    assert sum(1 for p in sandbox.state.products.values() if p["sku"] == racing.sku) == 1
    assert sandbox.state.find_by_sku(racing.sku)["name"] != "Made by hand"  # adopted and brought in line
    _assert_converged(sandbox, source, store, uow, clock)


def test_a_create_intent_from_an_earlier_run_is_still_looked_up(sandbox, make_world):
    source, store, uow, clock = make_world(families=4)
    planned = plan_store(COMMAND, source, uow, clock)
    key = planned.plan.actions[0].key
    with uow:  # an earlier run recorded its intent and died: the product may exist (here it does not)
        uow.state.record_applied("shop", AppliedListing(key=key, hashes={}, visible=True))
        uow.commit()
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.failed == 0
    sku = planned.plan.actions[0].listing.sku
    lookups = [r.query["sku:in"].split(",") for r in sandbox.requests
               if r.method == "GET" and r.api_path == "/v3/catalog/products" and "sku:in" in r.query]
    # Planning's adoption look-up asks only for SKUs never applied; the run looks up the one with an intent.
    assert [skus for skus in lookups if sku in skus] == [[sku]]


class DiesAtTheLinks(BigCommerceStorefront):
    """Applies the plan's batches, then dies as the stale-link pass begins: no link made after the fact is sent."""

    def apply(self, actions: Sequence[StoreAction], applied: Mapping[str, AppliedListing]) -> list[ActionOutcome]:
        if any(a.reason.startswith("related products") for a in actions):
            raise Crash("killed before the related-product links were written")
        return super().apply(actions, applied)


def test_links_not_written_before_a_crash_are_written_by_the_next_sync(sandbox, make_world):
    source, store, uow, clock = make_world(families=12)
    try:
        sync_store(COMMAND, source, DiesAtTheLinks(store.client, name="shop"), uow, clock)
    except Crash:
        pass
    else:
        raise AssertionError("the run should have died")
    assert not any((r.method, r.api_path) == ("PUT", "/v3/catalog/products") for r in sandbox.requests)
    products = len(sandbox.state.products)
    start = len(sandbox.requests)
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.failed == 0 and report.created == 0, report.exceptions_opened
    calls = _calls(sandbox, start)
    assert set(calls) == {("PUT", "/v3/catalog/products")}  # the links alone, from the state: nothing looked up
    relinked = [r.json for r in list(sandbox.requests)[start:]]
    assert sum(map(len, relinked)) == _made_before_a_sibling(sandbox) > 0 and len(sandbox.state.products) == products
    _assert_linked(sandbox, source, uow, clock)
    assert sync_store(COMMAND, source, store, uow, clock).outcomes == []
