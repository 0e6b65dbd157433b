"""The variant strategy against the sandbox: one product per family and type, a Format option, a variant per edition.

BigCommerce keeps `type`, availability and channel assignment on the product, not the variant, so print and
digital editions of a family are separate products; within one, editions are variants (SKU = ISBN).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from bookbridge.adapters.memory import InMemoryCatalogSource
from bookbridge.application.sync import SyncStore, plan_store, sync_store
from bookbridge.domain.formats import Format
from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.listing import VariantListing, with_hashes
from bookbridge.domain.model import Edition, TitleFamily
from bookbridge.domain.plan import ActionKind, StoreAction
from bookbridge.domain.ports import StoreErrorKind
from bookbridge.domain.storefront import FormatStrategy, StorefrontSettings
from sync_drills import duplicates

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP", timezone="Europe/London",
                        format_strategy=FormatStrategy.VARIANTS)
US = StorefrontSettings(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD", tax_inclusive=False,
                        timezone="Europe/London", default_currency=False, format_strategy=FormatStrategy.VARIANTS)
COMMAND = SyncStore(store="shop", storefronts=(UK, US))


@pytest.fixture
def world(make_world):
    return make_world(families=12)


def _calls_after(sandbox, start: int) -> list[tuple[str, str]]:
    return [(r.method, r.api_path) for r in list(sandbox.requests)[start:]]


def _writes(calls: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [c for c in calls if c[0] != "GET"]


def _variants_by_sku(sandbox) -> dict[str, dict]:
    return {v["sku"]: v for v in sandbox.state.variants.values() if v["option_values"]}


def _family(source: InMemoryCatalogSource, family_id: str) -> TitleFamily:
    return next(f for f in source.families if f.id == family_id)


def _replace(source: InMemoryCatalogSource, family: TitleFamily, isbn: str, **update: object) -> Edition:
    edition = next(e for e in family.editions if str(e.isbn) == isbn)
    changed = edition.model_copy(update=update)
    source.put(family.model_copy(update={"editions": tuple(changed if e is edition else e for e in family.editions)}))
    return changed


def _format_value(sandbox, variant: dict) -> dict:
    ref = next(v for v in variant["option_values"] if v["option_display_name"] == "Format")
    option = sandbox.state.options[ref["option_id"]]
    return next(v for v in option["option_values"] if v["id"] == ref["id"])


def test_families_become_products_with_a_format_option_and_a_variant_per_edition(sandbox, world):
    source, store, uow, clock = world
    planned = plan_store(COMMAND, source, uow, clock)
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.failed == 0, report.exceptions_opened
    listed = [li for li in planned.listings if li.listed]
    variants = _variants_by_sku(sandbox)
    for listing in listed:
        product = sandbox.state.find_by_sku(listing.sku)
        assert product is not None and product["type"] == listing.product_type
        assert product["base_variant_id"] is None  # a product with options has no base variant
        options = sandbox.state.children(sandbox.state.options, product["id"])
        assert [o["display_name"] for o in options] == ["Format"]
        for variant in listing.variants:
            stored = variants[str(variant.isbn)]
            assert stored["product_id"] == product["id"]
            assert _format_value(sandbox, stored)["label"] == variant.option_label
            assert Decimal(str(stored["price"])) == variant.price.price
    assert len(sandbox.state.products) == len(listed)  # one product per family and type, none per edition
    # Print and digital editions of one family are separate products: `type` lives on the product only.
    keys = {li.key for li in listed}
    assert {"family:work-1000:physical", "family:work-1000:digital"} <= keys
    assert all(len(li.variants) <= 600 for li in listed)
    # USD prices are price-list records per variant, never on the product.
    records = list(sandbox.state.price_records.values())
    assert {r["variant_id"] for r in records} <= {v["id"] for v in variants.values()}
    assert len(records) == sum(len(v.extra_prices) for li in listed for v in li.variants)


def test_a_second_sync_writes_nothing(sandbox, world):
    source, store, uow, clock = world
    sync_store(COMMAND, source, store, uow, clock)
    start = len(sandbox.requests)
    report = sync_store(COMMAND, source, store, uow, clock)
    assert (report.created, report.updated, report.failed) == (0, 0, 0)
    assert _calls_after(sandbox, start) == []


def test_a_price_change_on_one_edition_updates_only_that_variant(sandbox, world):
    source, store, uow, clock = world
    sync_store(COMMAND, source, store, uow, clock)
    ids = {sku: v["id"] for sku, v in _variants_by_sku(sandbox).items()}
    family = _family(source, "work-1000")
    hardback = next(e for e in family.editions if e.format is Format.HARDBACK)
    rows = tuple(r.model_copy(update={"amount": r.amount + Decimal("1.00")}) for r in hardback.prices)
    _replace(source, family, str(hardback.isbn), prices=rows)
    start = len(sandbox.requests)
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.failed == 0 and report.updated == 1
    calls = _calls_after(sandbox, start)
    price_list = next(iter(sandbox.state.price_lists))
    assert calls == [("PUT", "/v3/catalog/variants"), ("PUT", f"/v3/pricelists/{price_list}/records")]
    batch = next(r for r in list(sandbox.requests)[start:] if r.api_path == "/v3/catalog/variants")
    assert [item["id"] for item in batch.json] == [ids[str(hardback.isbn)]]
    assert set(batch.json[0]) == {"id", "price", "sale_price", "retail_price"}  # the pricing fields only
    upsert = next(r for r in list(sandbox.requests)[start:] if r.api_path.startswith("/v3/pricelists"))
    assert [rec["variant_id"] for rec in upsert.json] == [ids[str(hardback.isbn)]]
    assert Decimal(str(_variants_by_sku(sandbox)[str(hardback.isbn)]["price"])) == hardback.prices[0].amount + 1


def test_a_new_edition_adds_a_variant_and_keeps_every_other_variant_id(sandbox, world):
    source, store, uow, clock = world
    sync_store(COMMAND, source, store, uow, clock)
    before = {sku: v["id"] for sku, v in _variants_by_sku(sandbox).items()}
    family = _family(source, "work-1001")  # a paperback (print) and an ePub (digital)
    paperback = next(e for e in family.editions if e.format is Format.PAPERBACK)
    new_isbn = _isbn(999)
    hardback = paperback.model_copy(update={"isbn": new_isbn, "format": Format.HARDBACK})
    source.put(family.model_copy(update={"editions": (*family.editions, hardback)}))
    start = len(sandbox.requests)
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.failed == 0, report.exceptions_opened
    writes = _writes(_calls_after(sandbox, start))
    product = sandbox.state.find_by_sku(next(li.sku for li in plan_store(COMMAND, source, uow, clock).listings
                                             if li.key == "family:work-1001:physical"))
    assert ("POST", f"/v3/catalog/products/{product['id']}/variants") in writes
    assert not [c for c in writes if c[0] == "DELETE" or c == ("POST", "/v3/catalog/products")]
    after = {sku: v["id"] for sku, v in _variants_by_sku(sandbox).items()}
    assert {sku: after[sku] for sku in before} == before
    assert after[str(new_isbn)] not in before.values()
    assert _format_value(sandbox, _variants_by_sku(sandbox)[str(new_isbn)])["label"] == "Hardback"
    assert sync_store(COMMAND, source, store, uow, clock).updated == 0


def test_a_changed_format_label_renames_the_option_value_and_keeps_the_variant(sandbox, world):
    source, store, uow, clock = world
    sync_store(COMMAND, source, store, uow, clock)
    family = _family(source, "work-1000")
    paperback = next(e for e in family.editions if e.format is Format.PAPERBACK)
    before = _variants_by_sku(sandbox)[str(paperback.isbn)]
    value_before = _format_value(sandbox, before)
    _replace(source, family, str(paperback.isbn), format=Format.AUDIO_CD)
    start = len(sandbox.requests)
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.failed == 0, report.exceptions_opened
    writes = _writes(_calls_after(sandbox, start))
    assert not [c for c in writes if c[0] in ("DELETE", "POST")]  # nothing destroyed or recreated
    after = _variants_by_sku(sandbox)[str(paperback.isbn)]
    assert after["id"] == before["id"]
    value_after = _format_value(sandbox, after)
    assert (value_after["id"], value_after["label"]) == (value_before["id"], "Audio CD")
    assert sync_store(COMMAND, source, store, uow, clock).updated == 0


def test_swapped_format_labels_keep_both_variants(sandbox, world):
    source, store, uow, clock = world
    sync_store(COMMAND, source, store, uow, clock)
    family = _family(source, "work-1000")
    hardback, paperback = (next(e for e in family.editions if e.format is f) for f in (Format.HARDBACK,
                                                                                        Format.PAPERBACK))
    ids = {str(e.isbn): _variants_by_sku(sandbox)[str(e.isbn)]["id"] for e in (hardback, paperback)}
    swapped = {hardback.isbn: hardback.model_copy(update={"format": Format.PAPERBACK}),
               paperback.isbn: paperback.model_copy(update={"format": Format.HARDBACK})}
    source.put(family.model_copy(update={"editions": tuple(swapped.get(e.isbn, e) for e in family.editions)}))
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.failed == 0, report.exceptions_opened
    variants = _variants_by_sku(sandbox)
    assert {sku: variants[sku]["id"] for sku in ids} == ids
    assert _format_value(sandbox, variants[str(hardback.isbn)])["label"] == "Paperback"
    assert _format_value(sandbox, variants[str(paperback.isbn)])["label"] == "Hardback"


def test_an_edition_that_joins_its_siblings_at_launch_moves_its_variant(sandbox, world):
    source, store, uow, clock = world
    sync_store(COMMAND, source, store, uow, clock)
    # work-1007: hardback and paperback are on pre-order with different dates, so separate products
    # (availability and the release date live on the product). Once both are out, they share one product.
    assert _variants_by_sku(sandbox)["9781800000193"]["product_id"] != _variants_by_sku(sandbox)["9781800000186"][
        "product_id"]
    old_product = _variants_by_sku(sandbox)["9781800000193"]["product_id"]
    clock.advance_to(NOW + timedelta(days=400))
    start = len(sandbox.requests)
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.failed == 0, report.exceptions_opened
    # The SKU is unique store-wide: the variant leaves the product it was on (which is then hidden).
    assert ("DELETE", f"/v3/catalog/products/{old_product}/variants/") in [
        (m, p.rsplit("/", 1)[0] + "/") for m, p in _calls_after(sandbox, start)]
    assert sandbox.state.products[old_product]["is_visible"] is False
    listings = plan_store(COMMAND, source, uow, clock).listings
    listing = next(li for li in listings if li.key == "family:work-1007:physical")
    product = sandbox.state.find_by_sku(listing.sku)
    variants = _variants_by_sku(sandbox)
    assert {str(v.isbn) for v in listing.variants} == {"9781800000186", "9781800000193"}
    assert all(variants[str(v.isbn)]["product_id"] == product["id"] for v in listing.variants)
    assert sync_store(COMMAND, source, store, uow, clock).updated == 0


def _isbn(n: int) -> ISBN13:
    body = f"979{n:09d}"
    check = (10 - sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body)) % 10) % 10
    return ISBN13(body + str(check))


@pytest.mark.parametrize(("count", "distinct_labels"), [(601, False), (251, True)])
def test_more_variants_than_bigcommerce_allows_are_refused_before_any_request(sandbox, world, count, distinct_labels):
    source, store, uow, clock = world
    listing = next(li for li in plan_store(COMMAND, source, uow, clock).listings if li.listed and li.variants)
    template = listing.variants[0]
    variants = tuple(
        VariantListing(isbn=_isbn(i), sku=str(_isbn(i)), price=template.price,
                       option_label=f"Edition {i}" if distinct_labels else template.option_label)
        for i in range(count)
    )
    big = with_hashes(replace(listing, variants=variants, isbns=tuple(v.isbn for v in variants)))
    start = len(sandbox.requests)
    [outcome] = store.apply([StoreAction(ActionKind.CREATE, big.key, big)], {})
    assert outcome.ok is False and outcome.error is not None
    assert outcome.error.kind is StoreErrorKind.REJECTED and outcome.error.field == "variants"
    assert big.key in outcome.error.message and ("600" in outcome.error.message or "250" in outcome.error.message)
    assert len(sandbox.requests) == start


def test_a_refused_variant_is_reported_with_its_isbn_and_the_others_still_update(sandbox, world):
    source, store, uow, clock = world
    sync_store(COMMAND, source, store, uow, clock)
    family = _family(source, "work-1004")
    hardback, paperback = (next(e for e in family.editions if e.format is f) for f in (Format.HARDBACK,
                                                                                        Format.PAPERBACK))
    # BigCommerce takes weights up to 9,999,999,999 (store units: kg here); the paperback's is larger.
    heavy = paperback.model_copy(update={"dimensions": paperback.dimensions.model_copy(
        update={"weight_g": Decimal("20000000000000")})})
    dearer = hardback.model_copy(update={"prices": tuple(r.model_copy(update={"amount": r.amount + 1})
                                                         for r in hardback.prices)})
    changed = {hardback.isbn: dearer, paperback.isbn: heavy}
    source.put(family.model_copy(update={"editions": tuple(changed.get(e.isbn, e) for e in family.editions)}))
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.failed == 1
    [message] = report.exceptions_opened
    assert str(paperback.isbn) in message and "weight" in message
    stored = _variants_by_sku(sandbox)[str(hardback.isbn)]
    assert Decimal(str(stored["price"])) == hardback.prices[0].amount + 1


def test_family_images_and_thumbnail_survive_read_back_and_reconcile(sandbox, world):
    """Editions of a family share a title, so their images share descriptions: ids must not collapse."""
    from bookbridge.application.reconcile import ReconcileStore, reconcile_store

    source, store, uow, clock = world
    assert sync_store(COMMAND, source, store, uow, clock).ok
    listing = next(li for li in plan_store(COMMAND, source, uow, clock).listings
                   if li.listed and len(li.variants) >= 2 and len(li.images) >= 2)
    product_id = sandbox.state.find_by_sku(listing.sku)["id"]
    images = sandbox.state.children(sandbox.state.images, product_id)
    assert len(images) == len(listing.images)
    assert sum(bool(i["is_thumbnail"]) for i in images) == 1  # BigCommerce keeps one thumbnail per product

    report = reconcile_store(ReconcileStore("shop", source.name), store, uow, clock)
    assert [f for f in report.findings if f.key == listing.key] == []  # no image or thumbnail drift

    # Forget the kept ids: the adapter reads them back from the product, then resends every section.
    with uow:
        record = uow.state.applied("shop")[listing.key]
        uow.state.record_applied("shop", replace(record, remote={}))
        uow.commit()
    start = len(sandbox.requests)
    assert sync_store(replace(COMMAND, full=True), source, store, uow, clock).ok
    posted = [r for r in list(sandbox.requests)[start:] if r.method == "POST" and "/images" in r.api_path]
    assert posted == []
    after = sandbox.state.children(sandbox.state.images, product_id)
    assert sorted(i["id"] for i in after) == sorted(i["id"] for i in images)
    with uow:
        kept = uow.state.applied("shop")[listing.key].remote["images"]
    assert sorted(kept.values()) == sorted(i["id"] for i in images)  # one id per image, none collapsed


def _launch_family(source: InMemoryCatalogSource, *, paperback_first: bool, release: date) -> tuple[str, str]:
    """work-1004 with its hardback on sale and its paperback on pre-order until `release`; the paperback takes
    the lower ISBN when `paperback_first` (then the group on pre-order holds the family's main key)."""
    family = _family(source, "work-1004")
    low, high = (e for e in family.editions if e.format in (Format.HARDBACK, Format.PAPERBACK))
    hardback, paperback = (high, low) if paperback_first else (low, high)
    edits = {hardback.isbn: hardback.model_copy(update={"format": Format.HARDBACK}),
             paperback.isbn: paperback.model_copy(update={"format": Format.PAPERBACK, "publication_date": release})}
    source.put(family.model_copy(update={"editions": tuple(edits.get(e.isbn, e) for e in family.editions)}))
    return str(hardback.isbn), str(paperback.isbn)


def _store_problems(sandbox, listings) -> list[str]:
    """Duplicate SKUs or names, and visible products that no listed listing wants (orphans) or that sell nothing."""
    wanted = {li.sku for li in listings if li.listed}
    with sandbox.state.lock:
        visible = [p for p in sandbox.state.products.values() if p["is_visible"]]
        orphans = [f"{p['sku']}: visible but not desired" for p in visible if p["sku"] not in wanted]
        empty = [f"{p['sku']}: visible without variants" for p in visible
                 if not [v for v in sandbox.state.variants.values() if v["product_id"] == p["id"]]]
    return duplicates(sandbox.state) + orphans + empty


@pytest.mark.parametrize("paperback_first", [False, True], ids=["hardback-lower-isbn", "paperback-lower-isbn"])
def test_a_paperback_launch_moves_its_variant_without_duplicates_or_orphans(sandbox, world, paperback_first):
    source, store, uow, clock = world
    hardback, paperback = _launch_family(source, paperback_first=paperback_first, release=date(2026, 12, 20))
    main, other = "family:work-1004:physical", f"family:work-1004:physical:{hardback if paperback_first else paperback}"
    assert sync_store(COMMAND, source, store, uow, clock).ok
    listings = {li.key: li for li in plan_store(COMMAND, source, uow, clock).listings}
    assert {str(v.isbn) for v in listings[other].variants} == {hardback if paperback_first else paperback}
    assert _store_problems(sandbox, listings.values()) == []
    products = {key: sandbox.state.find_by_sku(listings[key].sku)["id"] for key in (main, other)}

    # The publisher moves the paperback's date: the same two products, the pre-order one updated in place.
    _launch_family(source, paperback_first=paperback_first, release=date(2026, 12, 27))
    start = len(sandbox.requests)
    assert sync_store(COMMAND, source, store, uow, clock).ok
    writes = _writes(_calls_after(sandbox, start))
    assert writes and not [c for c in writes if c[0] in ("POST", "DELETE")]
    assert {li.key for li in plan_store(COMMAND, source, uow, clock).listings} == set(listings)

    # The paperback launches: both editions share the product under the main key; the other one is hidden.
    clock.advance_to(datetime(2027, 1, 5, 10, tzinfo=UTC))
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.ok, report.exceptions_opened
    after = {li.key: li for li in plan_store(COMMAND, source, uow, clock).listings}
    assert other not in after and {str(v.isbn) for v in after[main].variants} == {hardback, paperback}
    variants = _variants_by_sku(sandbox)
    assert variants[hardback]["product_id"] == variants[paperback]["product_id"] == products[main]
    assert sandbox.state.products[products[other]]["is_visible"] is False
    assert _store_problems(sandbox, after.values()) == []
    start = len(sandbox.requests)
    again = sync_store(COMMAND, source, store, uow, clock)
    assert (again.created, again.updated, again.hidden, again.failed) == (0, 0, 0, 0)
    assert _writes(_calls_after(sandbox, start)) == []


@pytest.mark.parametrize("paperback_first", [False, True], ids=["hardback-lower-isbn", "paperback-lower-isbn"])
@pytest.mark.parametrize("leaves", ["out-of-stock", "date-pushed-back"])
def test_an_edition_that_leaves_again_gets_its_old_product_back_without_duplicates(sandbox, world, paperback_first,
                                                                                  leaves):
    """After the launch, an edition of the shared product leaves it again (out of stock, or its date pushed back):
    a retired key returns, and its hidden product, whose variant a sibling took, gets one again."""
    source, store, uow, clock = world
    hardback, paperback = _launch_family(source, paperback_first=paperback_first, release=date(2026, 12, 20))
    assert sync_store(COMMAND, source, store, uow, clock).ok
    clock.advance_to(datetime(2027, 1, 5, 10, tzinfo=UTC))
    assert sync_store(COMMAND, source, store, uow, clock).ok
    if leaves == "out-of-stock":  # List 65: 31 out of stock, visible but not purchasable
        _replace(source, _family(source, "work-1004"), paperback, availability="31")
    else:
        _launch_family(source, paperback_first=paperback_first, release=date(2027, 3, 1))
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.ok, report.exceptions_opened
    listings = plan_store(COMMAND, source, uow, clock).listings
    assert _store_problems(sandbox, listings) == []
    variants = _variants_by_sku(sandbox)
    for listing in (li for li in listings if li.listed and li.family_id == "work-1004"):
        product = sandbox.state.find_by_sku(listing.sku)
        assert product["is_visible"] and product["availability"] == listing.availability.value
        assert {sku for sku, v in variants.items() if v["product_id"] == product["id"]} == {
            str(v.isbn) for v in listing.variants}
        # The variant added again has its other-currency price records (price lists are per variant id).
        records = {(r["variant_id"], r["currency"].upper()) for r in sandbox.state.price_records.values()}
        assert {(variants[str(v.isbn)]["id"], p.currency.upper()) for v in listing.variants
                for p in v.extra_prices} <= records
        assert any(v.extra_prices for v in listing.variants)
    start = len(sandbox.requests)
    again = sync_store(COMMAND, source, store, uow, clock)
    assert (again.created, again.updated, again.hidden, again.failed) == (0, 0, 0, 0)
    assert _writes(_calls_after(sandbox, start)) == []
