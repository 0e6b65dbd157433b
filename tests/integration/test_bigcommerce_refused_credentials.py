"""The BigCommerce store adapter over loopback: a 401 or 403 from the sandbox is the store refusing the credentials
(`StoreErrorKind.CREDENTIALS`), said in `bookbridge check`'s words; the sync stops there with one exception."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from bookbridge.adapters.bigcommerce.client import BigCommerceClient, BigCommerceConfig
from bookbridge.adapters.bigcommerce.orders import BigCommerceOrderSource
from bookbridge.adapters.bigcommerce.sandbox import SandboxServer
from bookbridge.adapters.bigcommerce.storefront import BigCommerceStorefront
from bookbridge.adapters.memory import InMemoryCatalogSource, InMemoryUnitOfWork
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.application.reconcile import ReconcileStore, reconcile_store
from bookbridge.application.sync import SyncStore, plan_store, sync_store
from bookbridge.domain.ports import FixedClock
from bookbridge.domain.sales import OrderSourceError
from bookbridge.domain.storefront import StorefrontSettings

NOW = datetime(2026, 11, 28, 10, tzinfo=UTC)
UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP", tax_inclusive=True,
                        timezone="Europe/London")
SOURCE = "[store] access_token_env (the variable 'SHOP_TOKEN')"


@pytest.fixture
def sandbox():
    with SandboxServer() as server:
        yield server


def _store(sandbox: SandboxServer, token: str) -> BigCommerceStorefront:
    return BigCommerceStorefront(BigCommerceClient(BigCommerceConfig(
        store_hash=sandbox.config.store_hash, access_token=token, v3_base_url=sandbox.base_url_v3,
        v2_base_url=sandbox.base_url_v2, token_source=SOURCE)), name="shop")


def _sync(store: BigCommerceStorefront):
    uow = InMemoryUnitOfWork()
    report = sync_store(SyncStore(store="shop", storefronts=(UK,)),
                        InMemoryCatalogSource(sample_catalogue(NOW.date(), families=12)), store, uow, FixedClock(NOW))
    with uow:
        return report, [(str(e.kind), e.isbn, e.storefront, e.message) for e in uow.exceptions.open_items()
                        if e.storefront == "shop"]


def test_the_sandbox_answers_a_wrong_token_with_bigcommerces_documented_401(sandbox):
    answer = httpx.get(f"{sandbox.base_url_v3}/catalog/products", headers={"X-Auth-Token": "wrong"})
    # reference/webhooks.v3.yml, components.responses.401_Unauthorized
    assert (answer.status_code, answer.json()) == (401, {
        "status": 401, "type": "/api-docs/getting-started/api-status-codes",
        "title": "Unauthorized - the v3 Auth client ID or token in the request are not a valid combination for this "
                 "store."})


def test_a_401_is_the_store_refusing_the_token_in_checks_words(sandbox):
    report, exceptions = _sync(_store(sandbox, "wrong"))
    refused = ("401 Unauthorized: BigCommerce does not accept the access token (GET /v3/catalog/products); check "
               f"{SOURCE}: it must hold the access token of a store-level API account of the store with hash "
               f"'{sandbox.config.store_hash}'")
    assert exceptions == [("credentials-refused", None, "shop", refused)]
    assert (report.store_refused, report.failed) == (refused, 0)


def test_a_403_on_a_write_is_a_missing_scope_of_the_store_not_an_editions_refusal(sandbox):
    sandbox.faults.fail_next(1, "POST", "/v3/catalog/products", status=403)
    report, exceptions = _sync(_store(sandbox, sandbox.config.token))
    refused = ("403 Forbidden: the API account lacks a scope for this request (POST /v3/catalog/products); give "
               f"{SOURCE} the token of a store-level API account with the scopes 'Products: modify', 'Channel "
               "Listings: modify', 'Channel Settings: read-only'; scopes cannot be changed after an account is created")
    assert exceptions == [("credentials-refused", None, "shop", refused)]
    assert (report.store_refused, report.failed) == (refused, 0)
    assert sandbox.requests.count("POST", "/v3/catalog/products") == 1  # the first refusal ended the run


def _reconcile(store: BigCommerceStorefront, uow: InMemoryUnitOfWork):
    report = reconcile_store(ReconcileStore(store="shop", source="sample"), store, uow, FixedClock(NOW))
    with uow:
        return report, [(str(e.kind), e.isbn, e.storefront, e.message, e.count) for e in uow.exceptions.open_items()]


def test_a_reconcile_the_store_refuses_opens_the_syncs_one_exception_at_the_store(sandbox):
    """Reconcile reads the store whole: a wrong token is the store's one refusal, in the sync's words and on the
    sync's exception (counted there), never an error that ends the command."""
    store, uow = _store(sandbox, "wrong"), InMemoryUnitOfWork()
    refused = ("401 Unauthorized: BigCommerce does not accept the access token (GET /v3/catalog/products); check "
               f"{SOURCE}: it must hold the access token of a store-level API account of the store with hash "
               f"'{sandbox.config.store_hash}'")

    report, exceptions = _reconcile(store, uow)

    assert exceptions == [("credentials-refused", None, "shop", refused, 1)]
    assert (report.store_refused, report.store_failure, report.checked) == (True, refused, 0)
    assert report.exceptions_opened == [f"credentials refused: store 'shop': {refused}"]
    synced = sync_store(SyncStore(store="shop", storefronts=(UK,)),
                        InMemoryCatalogSource(sample_catalogue(NOW.date(), families=2)), store, uow, FixedClock(NOW))
    assert synced.store_refused == refused
    with uow:
        assert [(str(e.kind), e.count) for e in uow.exceptions.open_items() if e.storefront == "shop"] == [
            ("credentials-refused", 2)]


@pytest.mark.parametrize("status", [503, 429])
def test_a_reconcile_of_an_unreachable_or_busy_store_opens_the_stores_outage_exception(sandbox, status):
    """A store that does not answer (5xx, 429s past the retries) is the store's outage, as a sync says it: `store
    unreachable` at the store; the next reconcile that reads the store resolves it."""
    sandbox.faults.fail_next(1, "GET", "/v3/catalog/products", status=status)
    store = BigCommerceStorefront(BigCommerceClient(BigCommerceConfig(
        store_hash=sandbox.config.store_hash, access_token=sandbox.config.token, v3_base_url=sandbox.base_url_v3,
        v2_base_url=sandbox.base_url_v2, max_attempts=1, max_throttled=1)), name="shop")
    uow = InMemoryUnitOfWork()

    report, exceptions = _reconcile(store, uow)

    [(kind, isbn, where, message, count)] = exceptions
    assert (kind, isbn, where, count) == ("transient-exhausted", None, "shop", 1)
    assert message.startswith("reading the store back: the store ") and \
        "after 1 attempt (GET /v3/catalog/products: " in message, message
    assert (report.store_refused, report.store_failure) == (False, message)
    assert report.exceptions_opened == [f"store unreachable: store 'shop': {message}"]

    report, exceptions = _reconcile(store, uow)  # the store answers again
    assert exceptions == [] and report.store_failure is None


def test_a_plan_the_store_refuses_says_so_instead_of_planning_creates(sandbox):
    """Planning asks the store which new SKUs it holds; a refused token is the plan's answer (the sync stops there
    too), not a warning before a plan of creates."""
    planned = plan_store(SyncStore(store="shop", storefronts=(UK,)),
                         InMemoryCatalogSource(sample_catalogue(NOW.date(), families=2)), InMemoryUnitOfWork(),
                         FixedClock(NOW), store=_store(sandbox, "wrong"))
    assert planned.store_refused is not None
    assert planned.store_refused.message.startswith(
        "401 Unauthorized: BigCommerce does not accept the access token (GET /v3/catalog/products); check "
        f"{SOURCE}")


def test_a_run_the_store_refuses_from_its_start_warns_of_no_store_it_could_not_tell_was_empty(sandbox, caplog):
    """A run whose plan was made without asking the store (planned ahead of an instant) asks at its start whether
    the store is empty; refused, that is not a warning of its own: the run's first write is refused and says it."""
    planned = plan_store(SyncStore(store="shop", storefronts=(UK,)),
                         InMemoryCatalogSource(sample_catalogue(NOW.date(), families=2)), InMemoryUnitOfWork(),
                         FixedClock(NOW))
    with caplog.at_level("WARNING"):
        _store(sandbox, "wrong").begin(planned.plan.actions, {})
    assert sandbox.requests.count("GET", "/v3/catalog/products") == 1  # it asked
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == []


def test_a_403_on_the_order_read_names_the_order_imports_scope_not_the_syncs(sandbox):
    """The fix names the scope the refused request needs: the order import reads with `Orders: read-only`, which a
    sync never uses."""
    sandbox.faults.fail_next(1, "GET", "/v2/orders", status=403)
    client = BigCommerceClient(BigCommerceConfig(
        store_hash=sandbox.config.store_hash, access_token=sandbox.config.token, v3_base_url=sandbox.base_url_v3,
        v2_base_url=sandbox.base_url_v2, token_source=SOURCE))
    with pytest.raises(OrderSourceError) as raised:
        list(BigCommerceOrderSource(client, name="shop").orders_modified_since(None))
    assert raised.value.refused
    assert str(raised.value) == (
        "403 Forbidden: the API account lacks a scope for this request (GET /v2/orders); give "
        f"{SOURCE} the token of a store-level API account with the scope 'Orders: read-only'; scopes cannot be "
        "changed after an account is created")
