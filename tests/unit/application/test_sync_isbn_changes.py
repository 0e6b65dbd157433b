"""A record whose ISBN changed in the source (a typo while editing), synced against in-memory fakes: the live
product stays listed, one exception says what happened and what to do, and it resolves by itself once the source
is fixed; resolving it by hand accepts the change, and the next sync replaces the product."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bookbridge.adapters.memory import InMemoryCatalogSource, InMemoryStorefront, InMemoryUnitOfWork
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.application.isbn_changes import NOT_HELD
from bookbridge.application.reconcile import release_drift
from bookbridge.application.sync import SyncStore, plan_store, sync_store
from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.ports import ExceptionKind, FixedClock
from bookbridge.domain.storefront import StorefrontSettings

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
SHOP = StorefrontSettings(name="shop", countries=frozenset({"GB"}), currency="GBP", timezone="Europe/London")
RECORD = "consonance:work:101/product:1001"
TYPO = ISBN13("9780306406157")  # a valid ISBN the sample catalogue does not hold


def renumbered(family: TitleFamily, isbn: ISBN13) -> TitleFamily:
    """`family` with its one edition (the record `RECORD`) under `isbn`."""
    [edition] = family.editions
    return family.model_copy(update={"editions": (edition.model_copy(update={"isbn": isbn,
                                                                            "record_reference": RECORD}),)})


def setup() -> tuple[InMemoryCatalogSource, InMemoryStorefront, InMemoryUnitOfWork, FixedClock, TitleFamily]:
    families = sample_catalogue(NOW.date(), families=12)
    source, store, uow, clock = InMemoryCatalogSource(families), InMemoryStorefront("shop"), InMemoryUnitOfWork(), \
        FixedClock(NOW)
    planned = plan_store(SyncStore.single(SHOP), source, uow, clock)
    listed = {str(li.isbns[0]) for li in planned.listings if li.listed}
    family = next(f for f in families if len(f.editions) == 1 and str(f.editions[0].isbn) in listed)
    family = renumbered(family, family.editions[0].isbn)
    source.put(family)
    return source, store, uow, clock, family


def sync(source, store, uow, clock):
    return sync_store(SyncStore.single(SHOP), source, store, uow, clock)


def isbn_changes(uow: InMemoryUnitOfWork) -> list:
    with uow:
        return [e for e in uow.exceptions.open_items() if e.kind is ExceptionKind.ISBN_CHANGED]


def test_an_isbn_typo_keeps_the_live_product_and_opens_one_exception_that_the_fix_resolves() -> None:
    source, store, uow, clock, family = setup()
    sync(source, store, uow, clock)
    old = family.editions[0].isbn
    product = store.by_sku(old)
    assert product is not None and product.is_visible
    products, writes = len(store.products), store.writes

    source.put(renumbered(family, TYPO))
    report = sync(source, store, uow, clock)
    assert store.by_sku(old) is not None and store.by_sku(old).is_visible  # still listed
    assert store.by_sku(TYPO) is None and len(store.products) == products and store.writes == writes
    assert (report.hidden, report.created, report.gone) == (0, 0, [])
    [item] = isbn_changes(uow)
    assert (item.isbn, item.storefront, item.field) == (str(old), "shop", "ISBN")
    name = store.by_sku(old).name
    assert item.message.startswith(f"record {RECORD} ({name}) now has ISBN {TYPO}, not ISBN {old} under which its "
                                   "product is in the store: the product is kept as it is")
    assert "correct it in the source: the next sync resolves this exception" in item.message
    assert f"resolve this exception: the next sync hides the product of ISBN {old} and creates one for ISBN {TYPO}" \
        in item.message
    assert report.exceptions_opened == [f"ISBN changed in the source: {name}, ISBN {old} on store 'shop': "
                                        f"{item.message}"]
    assert sync(source, store, uow, clock).exceptions_opened == []  # counted again, not opened again
    assert [e.count for e in isbn_changes(uow)] == [2]

    source.put(renumbered(family, old))  # the typo fixed in the source
    assert sync(source, store, uow, clock).exceptions_opened == []
    assert isbn_changes(uow) == []
    with uow:
        assert uow.exceptions.get(item.id).resolution == f"resolved: the source gives the record ISBN {old} again"
    assert store.by_sku(old).is_visible and store.writes == writes


def test_resolving_the_exception_accepts_the_change_and_the_next_sync_replaces_the_product() -> None:
    source, store, uow, clock, family = setup()
    sync(source, store, uow, clock)
    old = family.editions[0].isbn
    source.put(renumbered(family, TYPO))
    sync(source, store, uow, clock)
    [item] = isbn_changes(uow)

    release_drift(uow, item.id, note="the new ISBN is right", clock=clock)
    report = sync(source, store, uow, clock)
    assert (report.hidden, report.created, report.gone) == (1, 1, [str(old)])
    assert not store.by_sku(old).is_visible and store.by_sku(TYPO).is_visible
    assert isbn_changes(uow) == []
    with uow:
        assert uow.exceptions.get(item.id).resolution == "the new ISBN is right"
        assert uow.state.applied("shop")[str(TYPO)].record == RECORD
    again = sync(source, store, uow, clock)
    assert (again.hidden, again.created, again.exceptions_opened) == (0, 0, [])


def test_a_held_change_no_longer_in_the_source_resolves_itself() -> None:
    source, store, uow, clock, family = setup()
    sync(source, store, uow, clock)
    source.put(renumbered(family, TYPO))
    sync(source, store, uow, clock)
    [item] = isbn_changes(uow)
    source._families.pop(family.id)  # the record left the catalogue: its product is hidden as before
    report = sync_store(SyncStore.single(SHOP, full=True), source, store, uow, clock)
    assert report.gone == [str(family.editions[0].isbn)] and isbn_changes(uow) == []
    with uow:
        assert uow.exceptions.get(item.id).resolution == NOT_HELD


def test_products_synced_before_records_were_kept_learn_their_record_without_a_store_write() -> None:
    source, store, uow, clock, family = setup()
    sync(source, store, uow, clock)
    with uow:  # as an upgraded database holds them: no record
        for record in uow.state.applied("shop").values():
            uow.state.record_applied("shop", replace(record, record=None))
        uow.commit()
    calls = store.calls
    sync(source, store, uow, clock)
    assert store.calls == calls
    source.put(renumbered(family, TYPO))
    sync(source, store, uow, clock)
    assert len(isbn_changes(uow)) == 1 and store.by_sku(family.editions[0].isbn).is_visible


def test_a_record_not_read_keeps_its_product_until_a_later_read_brings_it() -> None:
    """A check digit mistyped in the source: the record is not read (its exception on the source), its edition
    leaves the catalogue, and its product stays on sale; the next read of changes, which does not report the
    record again, keeps it while its exception is open; the fix brings it back with nothing to write."""
    from bookbridge.domain.problems import Problem, Severity

    source, store, uow, clock, family = setup()
    sync(source, store, uow, clock)
    isbn = str(family.editions[0].isbn)
    source.problems = [Problem(code="invalid-isbn", severity=Severity.BLOCKING, record=RECORD, field="isbn.isbn13",
                               message="invalid ISBN '9781800000095' (check digit); not read")]
    others = [f for f in sample_catalogue(NOW.date(), families=12) if f.id != family.id]
    source._families.pop(family.id)
    report = sync_store(SyncStore.single(SHOP, full=True), source, store, uow, clock)
    assert (report.hidden, report.gone, report.kept_unread) == (0, [], [isbn])
    assert store.by_sku(isbn).is_visible
    writes = store.writes
    source.problems = []
    source.put(others[0])  # a read of changes that does not bring the record
    assert sync(source, store, uow, clock).kept_unread == [isbn] and store.by_sku(isbn).is_visible
    source.put(family)  # the ISBN fixed
    again = sync(source, store, uow, clock)
    assert (again.kept_unread, again.hidden, again.created) == ([], 0, 0) and store.writes == writes
    with uow:
        assert [e for e in uow.exceptions.open_items() if e.kind is ExceptionKind.SOURCE_ERROR] == []


def test_reconcile_leaves_alone_a_product_kept_while_its_record_is_not_read() -> None:
    """What a sync keeps as it is (its record not read) a reconcile neither calls gone from the source nor says the
    next sync restores: the next sync keeps it as it is. It says so, in one line of its own."""
    from bookbridge.application.reconcile import ReconcileStore, reconcile_store
    from bookbridge.domain.problems import Problem, Severity

    source, store, uow, clock, family = setup()
    sync(source, store, uow, clock)
    isbn = str(family.editions[0].isbn)
    source.problems = [Problem(code="invalid-isbn", severity=Severity.BLOCKING, record=RECORD, field="isbn.isbn13",
                               message="invalid ISBN '9781800000095' (check digit); not read")]
    source._families.pop(family.id)
    assert sync_store(SyncStore.single(SHOP, full=True), source, store, uow, clock).kept_unread == [isbn]
    product = store.by_sku(isbn)
    assert product is not None
    product.fields["description"] = "Edited by hand"
    report = reconcile_store(ReconcileStore("shop", source.name), store, uow, clock)
    assert [f.isbn for f in report.findings] == [] and report.kept_unread == [isbn]
    assert report.exceptions_opened == []


def test_a_record_not_read_whose_product_is_kept_is_not_counted_for_the_hint_about_hidden_products() -> None:
    """The hint under products hidden ("this read also had 1 record not read: if one of them is such an edition")
    leaves out records whose product is kept: that product is not hidden. Its words point at the command that lists
    the exceptions, which a later sync (whose exception is not new) does not print below."""
    from bookbridge.domain.problems import Problem, Severity
    from bookbridge.entrypoints.cli.render import kept_words

    source, store, uow, clock, family = setup()
    sync(source, store, uow, clock)
    source.problems = [Problem(code="invalid-isbn", severity=Severity.BLOCKING, record=RECORD, field="isbn.isbn13",
                               message="invalid ISBN '9781800000095' (check digit); not read")]
    source._families.pop(family.id)
    report = sync_store(SyncStore.single(SHOP, full=True), source, store, uow, clock)
    assert len(report.kept_unread) == 1 and report.records_not_read == 0
    words = kept_words(report.kept_unread)
    assert "below" not in words and "`bookbridge exceptions list --kind source-error`" in words


def test_the_rows_of_an_isbn_change_name_its_edition_by_its_product_as_the_sync_did() -> None:
    """The catalogue no longer holds the old ISBN, so the rows of `exceptions list` and `show` and the dashboard
    name the edition by the name its product was last written with, as the sync's line named it."""
    from bookbridge.entrypoints.presentation import exception_edition_names

    source, store, uow, clock, family = setup()
    sync(source, store, uow, clock)
    old = str(family.editions[0].isbn)
    source.put(renumbered(family, TYPO))
    report = sync(source, store, uow, clock)
    [item] = isbn_changes(uow)
    with uow:
        catalogue = uow.state.catalogue(source.name)
        applied = uow.state.applied("shop")
    assert old not in {str(e.isbn) for f in catalogue.values() for e in f.editions}
    name = exception_edition_names(catalogue.values(), [item], applied).get(old)
    assert name == store.by_sku(old).name and f"{name}, ISBN {old} on store 'shop'" in report.exceptions_opened[0]


def test_reconcile_leaves_alone_the_product_kept_while_its_isbn_change_is_open() -> None:
    """The old ISBN's product is kept as it is while its ISBN change is open: a reconcile neither calls it gone
    from the source (the next sync hides nothing) nor says the next sync restores a hand edit. It says so, in one
    line of its own, pointing at the exceptions to decide."""
    from bookbridge.application.reconcile import ReconcileStore, reconcile_store
    from bookbridge.entrypoints.cli.render import kept_changed_words

    source, store, uow, clock, family = setup()
    sync(source, store, uow, clock)
    old = str(family.editions[0].isbn)
    source.put(renumbered(family, TYPO))
    sync(source, store, uow, clock)
    store.by_sku(old).fields["description"] = "Edited by hand"
    report = reconcile_store(ReconcileStore("shop", source.name), store, uow, clock)
    assert report.findings == [] and report.exceptions_opened == []
    assert (report.kept_unread, report.kept_isbn_changed) == ([], [old])
    assert kept_changed_words(report.kept_isbn_changed) == (
        f"1 product ({old}) (`bookbridge exceptions list --kind isbn-changed`)")
    assert (sync(source, store, uow, clock).hidden, store.by_sku(old).is_visible) == (0, True)


def accepted_change() -> tuple[InMemoryCatalogSource, InMemoryStorefront, InMemoryUnitOfWork, FixedClock, str, str]:
    """A record synced, its ISBN changed in the source, and the change accepted by hand: the old ISBN and the name
    its product was last written with."""
    source, store, uow, clock, family = setup()
    sync(source, store, uow, clock)
    old = str(family.editions[0].isbn)
    name = store.by_sku(old).name
    source.put(renumbered(family, TYPO))
    sync(source, store, uow, clock)
    [item] = isbn_changes(uow)
    release_drift(uow, item.id, note="the new ISBN is right", clock=clock)
    return source, store, uow, clock, old, name


def test_the_plan_names_the_old_product_it_hides_once_the_change_is_accepted() -> None:
    """Accepted, the change hides the old ISBN's product, which no listing names any more: the plan's row and its
    JSON name it by the name it was last written with, never by nothing."""
    import io

    from rich.console import Console

    from bookbridge.entrypoints.cli.render import print_plan
    from bookbridge.entrypoints.documents import plan_document

    source, store, uow, clock, old, name = accepted_change()
    planned = plan_store(SyncStore.single(SHOP, full=True), source, uow, clock)
    [hide] = [a for a in plan_document(planned)["actions"] if a["action"] == "hide"]
    assert (hide["sku"], hide["name"]) == (old, name)
    console = Console(width=250, record=True, file=io.StringIO())
    print_plan(console, planned, storefronts=[SHOP], limit=1000)
    [row] = [line for line in console.export_text().splitlines() if line.startswith("│ hide")]
    assert f"│ {old} │ {name} " in row


def test_the_held_back_count_of_the_dashboard_is_the_plans_with_an_isbn_change_open() -> None:
    """`held_back` (the dashboard's header) counts the edition of the changed ISBN held back from every storefront,
    under the plan's words, as the plan and the sync do: the two counts never diverge."""
    from bookbridge.application.held_back import held_back

    source, store, uow, clock, family = setup()
    sync(source, store, uow, clock)
    source.put(renumbered(family, TYPO))
    report = sync(source, store, uow, clock)
    planned = plan_store(SyncStore.single(SHOP), source, uow, clock)
    with uow:
        catalogue, applied = uow.state.catalogue(source.name), uow.state.applied("shop")
        items = uow.exceptions.open_items()
    groups = held_back(catalogue.values(), [SHOP], now=NOW, applied=applied, exceptions=items)
    everywhere = {isbn for group in groups for isbn in group.everywhere}
    assert len(everywhere) == planned.plan.counts["held_back"] == report.skipped
    [changed] = [g for g in groups if g.reason == "ISBN changed in the source"]
    assert changed.everywhere == (str(TYPO),) and changed.storefronts == ("shop",)
    without = held_back(catalogue.values(), [SHOP], now=NOW)  # the listing rules alone: one fewer
    assert len({isbn for group in without for isbn in group.everywhere}) == len(everywhere) - 1


def test_a_failed_hide_of_the_old_product_names_it_by_its_last_name_in_the_sync_report() -> None:
    """The old ISBN's product that an accepted change hides has no listing: a sync whose hide of it fails names it
    by the name it was last written with, as the plan does, never by its bare number."""
    source, store, uow, clock, old, name = accepted_change()
    store.transient_failures = 1000  # every write fails
    report = sync(source, store, uow, clock)
    assert any(line.startswith(f"store unreachable: {name}, ISBN {old} on store 'shop': ")
               for line in report.exceptions_opened), report.exceptions_opened
