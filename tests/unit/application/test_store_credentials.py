"""A store that refuses the credentials (a wrong token, an API account without a scope) fails the whole run once,
at the store: one exception, not one per edition; the sync stops writing at the first refusal, and the next sync the
store accepts resolves it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bookbridge.adapters.memory import InMemoryCatalogSource, InMemoryStorefront, InMemoryUnitOfWork
from bookbridge.adapters.memory.orders import InMemoryOrderSource, InMemorySalesLedger
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.application.orders import ImportOrders, import_orders
from bookbridge.application.reconcile import ReconcileStore, reconcile_store
from bookbridge.application.sync import SyncStore, plan_store, sync_store
from bookbridge.domain.ports import FixedClock
from bookbridge.domain.sales import OrderSourceError
from bookbridge.domain.storefront import StorefrontSettings

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
SHOP = StorefrontSettings(name="uk", countries=frozenset({"GB"}), currency="GBP", tax_inclusive=True,
                          timezone="Europe/London")
COMMAND = SyncStore(store="shop", storefronts=(SHOP,), batch_size=10)
REFUSED = ("401 Unauthorized: the store does not accept the access token (POST /v3/catalog/products); check [store] "
           "access_token_env (the variable 'SHOP_TOKEN')")
STORE_KINDS = {"store-rejection", "transient-exhausted", "credentials-refused"}


@pytest.fixture
def world() -> tuple[InMemoryCatalogSource, InMemoryStorefront, InMemoryUnitOfWork, FixedClock]:
    return (InMemoryCatalogSource(sample_catalogue(NOW.date(), families=25)), InMemoryStorefront("shop"),
            InMemoryUnitOfWork(), FixedClock(NOW))


def _store_exceptions(uow: InMemoryUnitOfWork) -> list[tuple[str, str | None, str | None, str, int]]:
    with uow:
        return [(str(e.kind), e.isbn, e.storefront, e.message, e.count) for e in uow.exceptions.open_items()
                if e.kind in STORE_KINDS]


def test_a_refused_token_is_one_exception_at_the_store_and_the_run_stops_at_the_first_refusal(world):
    source, store, uow, clock = world
    actions = len(plan_store(COMMAND, source, uow, clock).plan.actions)
    assert actions > 2 * COMMAND.batch_size  # several batches: the run must not send them all
    store.refused_credentials = REFUSED

    report = sync_store(COMMAND, source, store, uow, clock)

    assert _store_exceptions(uow) == [("credentials-refused", None, "shop", REFUSED, 1)]
    # Readiness exceptions are opened before any write, as in every sync; of the store's, this one alone.
    assert [line for line in report.exceptions_opened if "store 'shop'" in line] == [
        f"credentials refused: store 'shop': {REFUSED}"]
    assert report.store_refused == REFUSED and not report.ok
    assert report.failed == 0  # no edition was refused: the store refused bookbridge
    # The SKU look-up of planning was refused: nothing was sent after it.
    assert store.calls == 1
    with uow:
        assert uow.runs.recent_runs(limit=1)[0].outcome == "failed"
        # Not kept: the next sync reads the catalogue's changes again, and finds their milestones then.
        assert uow.state.catalogue(source.name) == {}

    again = sync_store(COMMAND, source, store, uow, clock)  # the same cause: counted on the same exception
    assert _store_exceptions(uow) == [("credentials-refused", None, "shop", REFUSED, 2)]
    assert again.store_refused == REFUSED and not again.ok
    assert not [line for line in again.exceptions_opened if "store 'shop'" in line]


def test_the_next_sync_the_store_accepts_resolves_it_and_sends_everything(world):
    source, store, uow, clock = world
    store.refused_credentials = REFUSED
    sync_store(COMMAND, source, store, uow, clock)
    with uow:
        [refused] = [e for e in uow.exceptions.open_items() if e.kind == "credentials-refused"]

    store.refused_credentials = None  # the token fixed
    report = sync_store(COMMAND, source, store, uow, clock)

    assert report.ok and report.store_refused is None and report.failed == 0
    assert _store_exceptions(uow) == []
    with uow:
        assert uow.exceptions.get(refused.id).resolution == "resolved: a later sync's write was accepted by the store"
    listed = [li for li in plan_store(COMMAND, source, InMemoryUnitOfWork(), clock).listings if li.listed]
    assert {p.sku for p in store.products.values()} == {li.sku for li in listed}


def test_a_sync_stopped_by_a_refused_token_counts_what_it_did_not_send(world):
    """Every planned product is counted somewhere: those the refusal kept from the store as `not_sent`, in the
    report's counts and in its run's, whether planning's look-up or a write was refused."""
    source, store, uow, clock = world
    actions = len(plan_store(COMMAND, source, uow, clock).plan.actions)
    store.refused_credentials = REFUSED
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.not_sent == actions and report.counts["not_sent"] == actions
    with uow:
        assert uow.runs.recent_runs(limit=1)[0].counts["not_sent"] == actions

    store.refused_credentials = None
    sync_store(COMMAND, source, store, uow, clock)  # every product in the store: a plan asks it nothing new
    full = SyncStore(store="shop", storefronts=(SHOP,), batch_size=10, full=True)
    products = len(plan_store(full, source, uow, clock).plan.actions)
    store.refused_credentials = REFUSED  # refused at the first write: nothing is sent
    stopped = sync_store(full, source, store, uow, clock)
    counted = stopped.counts
    assert stopped.store_refused == REFUSED and counted["not_sent"] == products > 2 * full.batch_size
    assert sum(counted[k] for k in ("created", "adopted", "updated", "hidden", "unchanged", "failed")) == 0


def test_the_exception_keeps_the_first_refused_request_while_other_runs_count_on_it(world):
    """Each run that meets the refusal counts on the store's one exception; its message stays the first refusal's
    (the request a sync stops at, what a person needs), not overwritten by the last run that met it (a reconcile,
    an order import, another request)."""
    source, store, uow, clock = world
    store.refused_credentials = REFUSED
    sync_store(COMMAND, source, store, uow, clock)
    later = REFUSED.replace("POST /v3/catalog/products", "GET /v2/orders")
    assert later != REFUSED
    sources = InMemoryOrderSource("shop")
    sources.fail_with = OrderSourceError(later, transient=False, refused=True)
    import_orders(ImportOrders(storefronts=(SHOP,), catalogue_source=source.name), sources,
                  InMemorySalesLedger(), [], uow, clock)
    store.refused_credentials = later
    reconcile_store(ReconcileStore(store="shop", source=source.name), store, uow, clock)

    assert _store_exceptions(uow) == [("credentials-refused", None, "shop", REFUSED, 3)]
