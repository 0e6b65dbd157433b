"""A step that fails half-way through one action: the ids already created in BigCommerce are kept, so the retry
converges with no duplicate product, image, custom field or variant (the sandbox over real HTTP on loopback)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from bookbridge.adapters.bigcommerce.storefront import BigCommerceStorefront
from bookbridge.adapters.memory import InMemoryCatalogSource, InMemoryUnitOfWork
from bookbridge.application.sync import SyncStore, plan_store, sync_store
from bookbridge.domain.model import ResourceKind, SeriesMembership, TitleFamily
from bookbridge.domain.storefront import FormatStrategy, StorefrontSettings

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP", timezone="Europe/London")
US = StorefrontSettings(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD", tax_inclusive=False,
                        timezone="Europe/London", default_currency=False)
COMMAND = SyncStore(store="shop", storefronts=(UK, US))
VARIANTS = SyncStore(store="shop", storefronts=tuple(s.model_copy(update={"format_strategy": FormatStrategy.VARIANTS})
                                                    for s in (UK, US)))


@pytest.fixture
def world(make_world):
    return make_world(families=6)


def _listed(command: SyncStore, world) -> list:
    source, _, uow, clock = world
    return [li for li in plan_store(command, source, uow, clock).listings if li.listed]


def _edit_first_edition(source: InMemoryCatalogSource, family: TitleFamily, **changes: object) -> str:
    edition = family.editions[0]
    source.put(family.model_copy(update={"editions": (edition.model_copy(update=changes), *family.editions[1:])}))
    return str(edition.isbn)


def _applied(uow: InMemoryUnitOfWork, key: str):
    with uow:
        return uow.state.applied("shop")[key]


def test_images_added_before_a_refused_one_are_kept_and_not_added_again(sandbox, world):
    source, store, uow, clock = world
    assert sync_store(COMMAND, source, store, uow, clock).ok
    family = next(f for f in source.families
                  if sum(r.kind in (ResourceKind.FRONT_COVER, ResourceKind.BACK_COVER, ResourceKind.AUTHOR_PHOTO)
                         and r.approved for r in f.editions[0].resources) >= 2)
    # Every image of the first edition is new (new URLs and checksums): two or more POSTs in one action.
    resources = tuple(r.model_copy(update={"url": r.url + "?v=2", "sha256": f"{i:064x}"})
                      for i, r in enumerate(family.editions[0].resources, start=1))
    isbn = _edit_first_edition(source, family, resources=resources)
    product_id = sandbox.state.find_by_sku(isbn)["id"]
    sandbox.faults.schedule("error", status=422, method="POST", path_prefix=f"/v3/catalog/products/{product_id}/images",
                            after=1)
    failed = sync_store(COMMAND, source, store, uow, clock)
    assert failed.failed == 1
    images = sandbox.state.children(sandbox.state.images, product_id)
    kept = _applied(uow, isbn).remote["images"]
    assert set(kept.values()) == {i["id"] for i in images}  # the one image that was added is known

    retried = sync_store(COMMAND, source, store, uow, clock)
    assert retried.ok and retried.updated == 1
    listing = next(li for li in _listed(COMMAND, world) if li.sku == isbn)
    images = sandbox.state.children(sandbox.state.images, product_id)
    assert len(images) == len(listing.images)  # not one more: the first new image was not added twice
    assert sorted(i["description"] for i in images) == sorted(i.description for i in listing.images)
    assert not sync_store(COMMAND, source, store, uow, clock).outcomes  # converged


def test_custom_fields_added_before_a_failure_are_kept_and_the_retry_converges(sandbox, world):
    source, store, uow, clock = world
    family = source.families[1]
    isbn = _edit_first_edition(source, family, series=None)
    assert sync_store(COMMAND, source, store, uow, clock).ok
    _edit_first_edition(source, source.families[1], series=SeriesMembership(name="Night Trains", number="4"))
    product_id = sandbox.state.find_by_sku(isbn)["id"]
    sandbox.faults.schedule("error", status=422, method="POST",
                            path_prefix=f"/v3/catalog/products/{product_id}/custom-fields", after=1)
    assert sync_store(COMMAND, source, store, uow, clock).failed == 1

    retried = sync_store(COMMAND, source, store, uow, clock)
    assert retried.ok, retried.exceptions_opened  # before: the first field was posted again and refused (409)
    fields = sandbox.state.children(sandbox.state.custom_fields, product_id)
    assert Counter(f["name"] for f in fields)["Series"] == 1
    assert {(f["name"], f["value"]) for f in fields} >= {("Series", "Night Trains"), ("Series number", "4")}
    with uow:
        assert not [e for e in uow.exceptions.open_items() if e.isbn == isbn]  # resolved by the success


def test_a_create_whose_price_list_step_fails_keeps_the_product_id(sandbox, world):
    source, store, uow, clock = world
    sandbox.faults.schedule("error", status=422, method="PUT", path_prefix="/v3/pricelists/", count=50)
    first = sync_store(COMMAND, source, store, uow, clock)
    assert first.failed > 0
    with uow:
        applied = uow.state.applied("shop")
    for listing in _listed(COMMAND, world):
        product = sandbox.state.find_by_sku(listing.sku)
        assert product is not None
        assert applied[listing.key].product_id == product["id"]  # known although the action failed
        assert applied[listing.key].remote["images"] or not listing.images
    sandbox.faults.clear()
    start = len(sandbox.requests)
    retried = sync_store(COMMAND, source, store, uow, clock)
    assert retried.ok, retried.exceptions_opened
    calls = list(sandbox.requests)[start:]
    assert not [r for r in calls if r.method == "POST" and r.api_path == "/v3/catalog/products"]
    assert not [r for r in calls if r.api_path.startswith("/v3/catalog/products") and "sku:in" in r.query]
    skus = [p["sku"].casefold() for p in sandbox.state.products.values()]
    assert len(skus) == len(set(skus))
    assert not sync_store(COMMAND, source, store, uow, clock).outcomes


def test_a_family_product_keeps_a_variant_added_before_a_later_step_failed(sandbox, world):
    source, store, uow, clock = world
    product = next(li for li in _listed(VARIANTS, world) if len(li.variants) >= 2)
    family = next(f for f in source.families if f.id == product.family_id)
    kept = next(e for e in family.editions if str(e.isbn) == str(product.variants[0].isbn))
    source.put(family.model_copy(update={"editions": (kept,)}))
    assert sync_store(VARIANTS, source, store, uow, clock).ok
    source.put(family)
    product_id = sandbox.state.find_by_sku(product.sku)["id"]
    # The new edition becomes a variant; then its price in the other currency is refused.
    sandbox.faults.schedule("error", status=422, method="PUT", path_prefix="/v3/pricelists/", count=10)
    assert sync_store(VARIANTS, source, store, uow, clock).failed >= 1
    assert set(_applied(uow, product.key).remote["variants"]) == {v.sku.casefold() for v in product.variants}

    sandbox.faults.clear()
    retried = sync_store(VARIANTS, source, store, uow, clock)
    assert retried.ok, retried.exceptions_opened  # before: the new variant's SKU was posted again (409)
    variants = sandbox.state.children(sandbox.state.variants, product_id)
    assert sorted(v["sku"] for v in variants) == sorted(v.sku for v in product.variants)
    assert not sync_store(VARIANTS, source, store, uow, clock).outcomes


@pytest.mark.parametrize("kind", ["error", "drop", "bare_429"])
@pytest.mark.parametrize("where", ["/v3/pricelists", "/v3/pricelists/assignments"])
def test_faults_on_price_list_creation_or_assignment_converge(sandbox, world, kind, where):
    """The case the stateful test once found: a price list created (or assigned) while the store faulted."""
    source, store, uow, clock = world
    sandbox.faults.schedule(kind, count=4, method="POST", path_prefix=where, status=429 if kind == "bare_429" else 500)
    sync_store(COMMAND, source, store, uow, clock)
    sandbox.faults.clear()
    fresh = BigCommerceStorefront(store.client, name="shop")  # a new process: nothing cached
    report = sync_store(COMMAND, source, fresh, uow, clock)
    assert report.ok, report.exceptions_opened
    [price_list] = sandbox.state.price_lists.values()  # one list, however often its creation was tried
    assignments = [(a["price_list_id"], a.get("channel_id")) for a in sandbox.state.price_list_assignments.values()]
    assert assignments == [(price_list["id"], US.channel_id)]
    for listing in _listed(COMMAND, world):
        for price in listing.extra_prices:
            shown = sandbox.state.shopper_price(listing.sku, channel_id=US.channel_id, currency=price.currency)
            assert shown is not None and float(shown) == float(price.sale_price or price.price)
    assert not sync_store(COMMAND, source, fresh, uow, clock).outcomes
