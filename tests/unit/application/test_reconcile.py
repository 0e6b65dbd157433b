"""Reconcile against in-memory fakes: a merchandiser's edits and deletions, under each drift policy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bookbridge.adapters.memory import InMemoryCatalogSource, InMemoryStorefront, InMemoryUnitOfWork
from bookbridge.adapters.memory.storefront import MemoryProduct
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.application.reconcile import ReconcileStore, reconcile_store, release_drift
from bookbridge.application.sync import SyncStore, sync_store
from bookbridge.domain.drift import DriftPolicy
from bookbridge.domain.listing import Section
from bookbridge.domain.ports import ExceptionKind, FixedClock
from bookbridge.domain.storefront import StorefrontSettings

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
UK = StorefrontSettings(
    name="uk", countries=frozenset({"GB"}), currency="GBP", tax_inclusive=True, timezone="Europe/London"
)
REPORT_CORE = {Section.CORE: DriftPolicy.REPORT}


@pytest.fixture
def world():
    families = sample_catalogue(NOW.date(), families=6)
    source, store, uow, clock = InMemoryCatalogSource(families), InMemoryStorefront("uk"), InMemoryUnitOfWork(), \
        FixedClock(NOW)
    sync_store(SyncStore.single(UK), source, store, uow, clock)
    return source, store, uow, clock


def sync(world):
    source, store, uow, clock = world
    return sync_store(SyncStore.single(UK), source, store, uow, clock)


def reconcile(world, policies=None):
    source, store, uow, clock = world
    return reconcile_store(ReconcileStore("uk", source.name, policies or {}), store, uow, clock)


def some_product(store: InMemoryStorefront) -> MemoryProduct:
    return sorted(store.products.values(), key=lambda p: p.id)[0]


def drift_items(uow):
    with uow:
        return [x for x in uow.exceptions.open_items() if x.kind is ExceptionKind.DRIFT]


def test_an_untouched_store_has_no_drift(world):
    report = reconcile(world)
    assert report.findings == [] and report.exceptions_opened == []
    assert report.checked == len(world[1].products) > 0


def test_an_edit_under_overwrite_is_restored_by_the_next_sync(world):
    store = world[1]
    product = some_product(store)
    ours = product.fields["description"]
    product.fields["description"] = "Edited by hand"
    report = reconcile(world)
    [finding] = report.findings
    assert (finding.field, finding.section, finding.policy) == ("description", Section.CORE, DriftPolicy.OVERWRITE)
    assert drift_items(world[2]) == []
    assert sync(world).updated == 1
    assert product.fields["description"] == ours
    assert reconcile(world).findings == []


def test_an_edit_under_report_is_held_and_an_exception_says_why(world):
    store, uow = world[1], world[2]
    product = some_product(store)
    product.fields["description"] = "Edited by hand"
    reconcile(world, REPORT_CORE)
    [item] = drift_items(uow)
    assert item.isbn == product.sku and item.field == "description"
    assert "description edited in store 'uk': store has “Edited by hand”, bookbridge has “<p>" in item.message
    assert "\n" not in item.message  # one line: a long value is cut, its line breaks are spaces
    full = sync_store(SyncStore.single(UK, full=True), *world)
    assert product.fields["description"] == "Edited by hand"
    assert full.updated > 0  # other sections (and other products) are still sent
    # Reconciling again reports the same, still-open exception rather than a second one.
    reconcile(world, REPORT_CORE)
    assert [x.count for x in drift_items(uow)] == [2]


def test_resolving_the_exception_by_default_overwrites_on_the_next_sync(world):
    store, uow, clock = world[1], world[2], world[3]
    product = some_product(store)
    ours = product.fields["description"]
    product.fields["description"] = "Edited by hand"
    reconcile(world, REPORT_CORE)
    [item] = drift_items(uow)
    release_drift(uow, item.id, note="ours wins", clock=clock)
    assert drift_items(uow) == []
    sync(world)
    assert product.fields["description"] == ours


@pytest.mark.parametrize("note", ["", "  \n"])
def test_resolving_by_hand_needs_a_note_and_keeps_it_without_its_spaces(world, note):
    store, uow, clock = world[1], world[2], world[3]
    some_product(store).fields["description"] = "Edited by hand"
    reconcile(world, REPORT_CORE)
    [item] = drift_items(uow)
    with pytest.raises(ValueError, match=r"^a note is needed: say what was done about it$"):
        release_drift(uow, item.id, note=note, clock=clock)
    assert drift_items(uow) == [item]  # still open, its fields still held
    assert release_drift(uow, item.id, note=" ours wins\n", clock=clock).resolution == "ours wins"


def test_resolving_with_keep_store_value_adopts_the_edit(world):
    store, uow, clock = world[1], world[2], world[3]
    product = some_product(store)
    product.fields["description"] = "Edited by hand"
    reconcile(world, REPORT_CORE)
    [item] = drift_items(uow)
    release_drift(uow, item.id, note="theirs wins", clock=clock, keep_store_value=True, store=store)
    assert sync(world).updated == 0
    assert product.fields["description"] == "Edited by hand"
    assert reconcile(world, REPORT_CORE).findings == []


def test_a_product_deleted_by_hand_is_reported_and_recreated(world):
    store, uow = world[1], world[2]
    product = some_product(store)
    del store.products[product.id]
    report = reconcile(world)
    [finding] = report.findings
    assert finding.what == "deleted" and finding.isbn == product.sku
    [item] = drift_items(uow)
    assert "deleted by hand" in item.message and item.storefront == "uk"
    assert "from store 'uk'" in item.message and "storefront" not in item.message  # the glossary: the store's name
    sync(world)
    assert store.by_sku(product.sku) is not None
    assert drift_items(uow) == []  # recreated: the notice closes by itself


def test_a_held_edit_stays_open_while_other_sections_sync(world):
    source, store, uow, _ = world
    product = some_product(store)
    product.fields["description"] = "Edited by hand"
    reconcile(world, {Section.CORE: DriftPolicy.REPORT})
    [item] = drift_items(uow)
    sync_store(SyncStore.single(UK, full=True), source, store, uow, world[3])
    assert [x.id for x in drift_items(uow)] == [item.id]


def test_a_foreign_isbn_product_is_reported_and_never_touched(world):
    store = world[1]
    store.products[999] = MemoryProduct(id=999, sku="9780000000002", name="Not ours", is_visible=True)
    report = reconcile(world)
    assert [(f.what, f.isbn) for f in report.findings] == [("foreign", "9780000000002")]
    sync(world)
    assert store.products[999].fields == {} and store.products[999].name == "Not ours"


def test_a_deletion_under_report_stays_deleted_until_the_exception_is_resolved(world):
    store, uow, clock = world[1], world[2], world[3]
    product = some_product(store)
    del store.products[product.id]
    reconcile(world, REPORT_CORE)
    report = sync_store(SyncStore.single(UK, full=True), *world)
    assert store.by_sku(product.sku) is None and report.failed == 0
    [item] = drift_items(uow)
    assert "left out of syncs until resolved" in item.message
    release_drift(uow, item.id, note="restore it", clock=clock)
    sync(world)
    assert store.by_sku(product.sku) is not None


def test_a_product_the_store_never_created_is_not_reported_as_deleted_by_hand():
    families = sample_catalogue(NOW.date(), families=6)
    source, store, uow, clock = InMemoryCatalogSource(families), InMemoryStorefront("uk"), InMemoryUnitOfWork(), \
        FixedClock(NOW)
    sync_store(SyncStore.single(UK), source, store, uow, clock)
    taken = some_product(store)
    # A merchandiser's product takes the name first: BigCommerce answers 409 and the product never exists.
    del store.products[taken.id]
    store.products[999] = MemoryProduct(id=999, sku="HAND-MADE", name=taken.name, is_visible=True)
    fresh = InMemoryUnitOfWork()
    sync_store(SyncStore.single(UK), source, store, fresh, clock)
    report = reconcile_store(ReconcileStore("uk", source.name, {}), store, fresh, clock)
    [finding] = [f for f in report.findings if f.isbn == taken.sku]
    assert finding.what == "never-created"
    assert "deleted by hand" not in finding.message and "never created in store 'uk'" in finding.message
    assert drift_items(fresh) == []


def test_the_log_line_says_the_counts_in_words(world, caplog):
    """`reconcile of store 'uk': checked 3 products, 0 findings, 0 exceptions opened`, never a Python dict."""
    caplog.set_level("INFO", logger="bookbridge.application.reconcile")
    report = reconcile(world)
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("reconcile of store"))
    assert line == (f"reconcile of store 'uk': checked {report.checked} products, 0 findings, "
                    "0 exceptions opened"), line
    assert "{" not in line


def test_products_deleted_by_hand_are_counted_as_created_when_the_next_sync_makes_them_again(world):
    store = world[1]
    gone = sorted(store.products.values(), key=lambda p: p.id)[:2]
    for product in gone:
        del store.products[product.id]
    reconcile(world)
    report = sync(world)
    assert (report.created, report.updated) == (2, 0), (report.created, report.updated)
    assert all(store.by_sku(p.sku) is not None for p in gone)


def test_an_edited_custom_field_is_named_with_the_stores_value_and_ours_whole(world):
    store, uow = world[1], world[2]
    product = some_product(store)
    ours = [dict(f) for f in product.fields["custom_fields"]]
    long_series = "The Harbour Lights Chronicles of a Very Long Series Name, Told in Nine Parts"
    theirs = [dict(f, value=long_series) if f["name"] == "Series" else dict(f) for f in ours]
    series = next(f["value"] for f in ours if f["name"] == "Series")
    product.fields["custom_fields"] = theirs
    [finding] = reconcile(world).findings
    assert f"Series: “{long_series}”, ours “{series}”" in finding.message, finding.message
    # The field in words, once, with its policy: `custom fields (overwrite): edited in the store (…)`.
    assert finding.words().startswith("custom fields (overwrite): edited in the store (Series: "), finding.words()
    assert "ISBN" not in finding.message and "…" not in finding.message, finding.message
    product.fields["custom_fields"] = theirs
    reconcile(world, {Section.CORE: DriftPolicy.REPORT, Section.CUSTOM_FIELDS: DriftPolicy.REPORT})
    [item] = drift_items(uow)
    assert f"Series: store has “{long_series}”, bookbridge has “{series}”" in item.message, item.message
    assert item.message.startswith("custom fields edited in store 'uk': "), item.message
    assert "…" not in item.message, item.message


def test_a_drift_exception_opened_names_its_edition_as_a_syncs_do(world):
    store = world[1]
    product = some_product(store)
    del store.products[product.id]
    report = reconcile(world)
    [line] = report.exceptions_opened
    assert line.startswith(f"edited in the store: {product.name}, ISBN {product.sku} on store 'uk': deleted by hand"), \
        line


def test_a_product_gone_from_the_source_but_visible_is_said_as_sync_says_it(world):
    """Not `withdrawn` (a lifecycle stage) nor "the catalogue": gone from the source, as a sync says it; and every
    finding's code has its words for the CLI."""
    from bookbridge.application.reconcile import FINDING_WORDS

    source, store, uow, clock = world
    product = some_product(store)
    family = next(f for f in source.families if any(str(e.isbn) == product.sku for e in f.editions))
    source._families.pop(family.id)  # gone from a complete read
    sync_store(SyncStore.single(UK, full=True), source, store, uow, clock)
    product.is_visible = True  # shown again by hand
    [finding] = [f for f in reconcile(world).findings if f.isbn == product.sku]
    assert finding.what == "gone" and FINDING_WORDS[finding.what] == "gone from the source"
    assert finding.message == "no longer in the source but still visible; the next sync hides it"
    assert set(FINDING_WORDS) == {"deleted", "field", "never-created", "foreign", "gone"}
