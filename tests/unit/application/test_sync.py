"""The sync use case against in-memory fakes of every port."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookbridge.adapters.memory import InMemoryCatalogSource, InMemoryStorefront, InMemoryUnitOfWork
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.application.sync import (
    SyncStore,
    due_first,
    instants_closed,
    plan_store,
    retry_edition,
    sync_store,
)
from bookbridge.domain.plan import ActionKind, StoreAction
from bookbridge.domain.ports import ExceptionKind, FixedClock, SourceUnreadable
from bookbridge.domain.storefront import StorefrontSettings

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
UK = StorefrontSettings(
    name="uk", countries=frozenset({"GB"}), currency="GBP", tax_inclusive=True, timezone="Europe/London"
)


@pytest.fixture
def world() -> tuple[InMemoryCatalogSource, InMemoryStorefront, InMemoryUnitOfWork, FixedClock]:
    families = sample_catalogue(NOW.date(), families=25)
    return InMemoryCatalogSource(families), InMemoryStorefront("uk"), InMemoryUnitOfWork(), FixedClock(NOW)


def _sync(world, **kw):
    source, store, uow, clock = world
    return sync_store(SyncStore.single(UK, **kw), source, store, uow, clock)


def test_first_sync_creates_every_listed_edition_and_the_second_writes_nothing(world):
    source, store, uow, clock = world
    planned = plan_store(SyncStore.single(UK), source, uow, clock)
    listed = [li for li in planned.listings if li.listed]
    first = _sync(world)
    assert first.created == len(listed) > 0
    assert {p.sku for p in store.products.values()} == {li.sku for li in listed}
    writes = store.writes
    second = _sync(world, full=False)
    assert (second.created, second.updated, second.hidden, second.failed) == (0, 0, 0, 0)
    assert store.writes == writes


def test_plan_is_a_dry_run(world):
    source, store, uow, clock = world
    plan_store(SyncStore.single(UK), source, uow, clock)
    assert store.calls == 0
    with uow:
        assert uow.state.applied("uk") == {}


def test_a_launch_flips_at_its_instant_and_not_before(world):
    source, store, uow, clock = world
    report = _sync(world)
    launch = report.wakeups[0][1]
    clock.advance_to(launch - timedelta(seconds=1))
    assert _sync(world).updated == 0
    clock.advance_to(launch)
    assert _sync(world).updated > 0


def test_rejection_opens_one_exception_and_a_later_success_resolves_it(world):
    source, store, uow, clock = world
    planned = plan_store(SyncStore.single(UK), source, uow, clock)
    victim = next(a.listing for a in planned.plan.actions if a.kind is ActionKind.CREATE)
    store.rejected_skus[victim.sku] = "name: too long"
    first = _sync(world)
    # Said as a readiness exception is: the kind in words, the edition by name, the store named (`… on store 'uk'`).
    assert (f"refused by the store: {victim.name}, ISBN {victim.isbns[0]} on store 'uk': name: too long"
            in first.exceptions_opened), first
    _sync(world)
    with uow:
        items = [e for e in uow.exceptions.open_items() if e.isbn == victim.sku]
    assert [(e.kind, e.count, e.message) for e in items] == [(ExceptionKind.STORE_REJECTION, 2, "name: too long")]
    del store.rejected_skus[victim.sku]
    _sync(world)
    with uow:
        assert not [e for e in uow.exceptions.open_items() if e.isbn == victim.sku]
    assert store.by_sku(victim.sku) is not None


def test_retry_of_one_edition_sends_only_its_product_and_keeps_its_exception_id(world):
    source, store, uow, clock = world
    planned = plan_store(SyncStore.single(UK), source, uow, clock)
    creates = [a.listing for a in planned.plan.actions if a.kind is ActionKind.CREATE and a.listing is not None]
    victim, other = creates[0], creates[1]
    isbn = str(victim.isbns[0])
    store.rejected_skus[victim.sku] = "name: too long"
    store.rejected_skus[other.sku] = "stock: refused"
    _sync(world)
    with uow:
        (item,) = [e for e in uow.exceptions.open_items() if e.isbn == victim.sku]
    del store.rejected_skus[other.sku]  # the other product would now succeed, but a retry of one leaves it alone
    # Still rejected: a retry sends that product alone, and the same exception counts it (no new id).
    writes = store.writes
    report = retry_edition(SyncStore.single(UK), source, store, uow, clock, isbn=isbn)
    assert (report.created, report.updated, report.failed) == (0, 0, 1)
    assert store.writes == writes  # a refused create writes nothing, and nothing else was sent
    with uow:
        again = [e for e in uow.exceptions.open_items() if e.isbn == victim.sku]
    assert [(e.id, e.count) for e in again] == [(item.id, 2)]
    # Fixed: the retry creates it alone, and its exception resolves.
    del store.rejected_skus[victim.sku]
    report = retry_edition(SyncStore.single(UK), source, store, uow, clock, isbn=isbn)
    assert (report.created + report.updated, report.failed) == (1, 0)  # the recorded create intent: an update
    assert store.by_sku(victim.sku) is not None and store.by_sku(other.sku) is None
    with uow:
        assert not [e for e in uow.exceptions.open_items() if e.isbn == victim.sku]
        assert uow.runs.recent_runs(limit=1)[0].outcome == "ok"


def test_a_crash_mid_sync_converges_without_duplicates(world):
    source, store, uow, clock = world
    original = store.apply
    calls = {"n": 0}

    def crashing(actions, applied):
        calls["n"] += 1
        if calls["n"] == 3:
            original(actions[:4], applied)  # half a batch reached the store, then the process died
            raise RuntimeError("killed")
        return original(actions, applied)

    store.apply = crashing  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        _sync(world)
    store.apply = original  # type: ignore[method-assign]
    _sync(world)
    skus = [p.sku.casefold() for p in store.products.values()]
    assert len(skus) == len(set(skus))
    assert _sync(world).created == 0


def test_a_family_removed_from_a_complete_source_is_hidden_never_deleted(world):
    source, store, uow, clock = world
    _sync(world)
    family = next(f for f in source.families if all(store.by_sku(e.isbn) for e in f.editions))
    source._families.pop(family.id)  # gone from the full catalogue, not a delete notification
    report = sync_store(SyncStore.single(UK, full=True), source, store, uow, clock)
    assert report.hidden == len(family.editions)
    for edition in family.editions:
        product = store.by_sku(edition.isbn)
        assert product is not None and product.is_visible is False


def test_delete_notifications_hide(world):
    source, store, uow, clock = world
    _sync(world)
    family = next(f for f in source.families if all(store.by_sku(e.isbn) for e in f.editions))
    source.remove(family.id)
    report = _sync(world)
    assert report.hidden == len(family.editions)
    assert all(not store.by_sku(e.isbn).is_visible for e in family.editions)


def test_blocking_readiness_problems_keep_editions_out_and_open_exceptions(world):
    source, store, uow, clock = world
    _sync(world)
    with uow:
        readiness = [e for e in uow.exceptions.open_items() if e.kind is ExceptionKind.BLOCKING_READINESS]
    assert readiness, "the sample catalogue has titles with no cover or description"
    for item in readiness:
        assert store.by_sku(item.isbn) is None
        assert item.field


class _Unreadable:
    """A source whose file is not ONIX at all, until it is fixed."""

    def __init__(self, source: InMemoryCatalogSource, *, transient: bool = False) -> None:
        self.name, self.inner, self.broken, self.transient = source.name, source, True, transient

    def read(self, cursor=None):
        if self.broken:
            error = SourceUnreadable("drop/feed.xml, line 1: not well-formed XML")
            error.transient = self.transient
            raise error
        return self.inner.read(cursor)


@pytest.mark.parametrize("transient", [False, True])
def test_a_source_that_cannot_be_read_changes_nothing_and_is_queued_until_a_read_succeeds(world, transient):
    source, store, uow, clock = world
    first = _sync(world)
    writes = store.writes
    broken = _Unreadable(source, transient=transient)
    for _ in range(2):
        report = sync_store(SyncStore.single(UK), broken, store, uow, clock)
        assert not report.ok and report.counts == dict.fromkeys(report.counts, 0)
        assert report.source_error == "reading source 'memory' failed: drop/feed.xml, line 1: not well-formed XML"
    assert store.writes == writes  # nothing hidden: a source that cannot be read is not an empty catalogue
    with uow:
        [item] = [e for e in uow.exceptions.open_items() if e.storefront == "source:memory"]
        runs = uow.runs.recent_runs("uk", limit=3)
    kind = ExceptionKind.TRANSIENT_EXHAUSTED if transient else ExceptionKind.SOURCE_ERROR
    assert (item.kind, item.isbn, item.count, item.message) == (kind, None, 2, report.source_error)
    assert [r.outcome for r in runs] == ["failed", "failed", "ok"]
    broken.broken = False
    assert sync_store(SyncStore.single(UK), broken, store, uow, clock).ok and first.ok
    with uow:
        assert [e for e in uow.exceptions.open_items() if e.storefront == "source:memory"] == []


def test_a_record_not_read_is_kept_under_its_source_and_resolves_when_read(world):
    """A record the read could not use is its source's (`source:memory`, `source 'memory'` in words); one kept
    before that under no place goes on counting there, and both resolve once the record is read."""
    from bookbridge.domain.problems import Problem, Severity

    source, store, uow, clock = world
    record, old = "memory:work:101/product:1001", "memory:work:102/product:1002"
    with uow:
        kept = uow.exceptions.report(ExceptionKind.SOURCE_ERROR, isbn=old, storefront=None, message="no title",
                                     at=clock.now())
        uow.commit()
    source.problems = [Problem(code="invalid-isbn", severity=Severity.BLOCKING, message="invalid ISBN '9781999990016'",
                               record=r, field="isbn") for r in (record, old)]
    _sync(world)
    with uow:
        items = {e.isbn: e for e in uow.exceptions.open_items() if e.kind is ExceptionKind.SOURCE_ERROR}
    assert (items[record].storefront, items[old].storefront) == ("source:memory", None)
    assert (items[old].id, items[old].count) == (kept.id, 2)
    source.problems = []  # a later read brings both records as editions, without a problem
    family = source.families[0]
    editions = [e.model_copy(update={"record_reference": r}) for e, r in zip(family.editions, (record, old),
                                                                             strict=False)]
    assert len(editions) == 2
    source.put(family.model_copy(update={"editions": (*editions, *family.editions[2:])}))
    _sync(world)
    with uow:
        assert [e for e in uow.exceptions.open_items() if e.kind is ExceptionKind.SOURCE_ERROR] == []


@given(st.lists(st.tuples(st.integers(0, 3), st.none() | st.integers(-3, 3)), max_size=30))
def test_changes_that_came_due_go_first_earliest_instant_first(keys: list[tuple[int, int | None]]) -> None:
    """`SyncStore.due` (a key's instant from an earlier sync's wake-ups) orders a run: the actions whose instant has
    passed, earliest first, then the rest; each group keeps the plan's order, and nothing is lost or added."""
    actions = [StoreAction(ActionKind.HIDE, f"k{i}", None, reason=str(n)) for i, (n, _) in enumerate(keys)]
    due = {f"k{i}": NOW + timedelta(minutes=m) for i, (_, m) in enumerate(keys) if m is not None}
    ordered = due_first(actions, due, NOW)
    assert sorted(ordered, key=actions.index) == actions
    late = [a for a in ordered if a.key in due and due[a.key] <= NOW]
    assert ordered[:len(late)] == late
    assert [due[a.key] for a in late] == sorted(due[a.key] for a in late)
    rest = ordered[len(late):]
    assert rest == [a for a in actions if a not in late]
    same_instant = [a for a in late if due[a.key] == NOW]
    assert same_instant == [a for a in actions if a in same_instant]  # ties keep the plan's order


@given(st.lists(st.tuples(st.integers(0, 3), st.none() | st.integers(-3, 3)), max_size=30))
def test_a_run_sends_its_buffers_after_the_last_change_of_each_instant_that_passed(
        keys: list[tuple[int, int | None]]) -> None:
    """`instants_closed`: in `due_first`'s order, one position per instant that passed, just past its last
    action; none for instants still ahead or for actions without one."""
    actions = [StoreAction(ActionKind.HIDE, f"k{i}", None, reason=str(n)) for i, (n, _) in enumerate(keys)]
    due = {f"k{i}": NOW + timedelta(minutes=m) for i, (_, m) in enumerate(keys) if m is not None}
    ordered = due_first(actions, due, NOW)
    closed = instants_closed(ordered, due, NOW)
    passed = {at for at in due.values() if at <= NOW}
    assert len(closed) == len(passed)
    for i in closed:
        last = due[ordered[i - 1].key]
        assert last <= NOW
        assert i == len(ordered) or due.get(ordered[i].key) != last
        assert all(due.get(a.key) != last for a in ordered[i:])  # nothing of that instant comes after


def test_a_run_says_when_it_did_not_call_the_store(world):
    """A run with nothing to send never reaches the store, so it cannot say whether the store is reachable (a
    wrong token goes unnoticed): its report says the store was not called, exactly when the store saw no call."""
    source, store, uow, clock = world

    def untouched_as_seen(report_of):
        calls = store.calls
        report = report_of()
        assert report.store_untouched == (store.calls == calls), (report, store.calls, calls)
        return report.store_untouched

    assert not untouched_as_seen(lambda: _sync(world))  # the first sync creates
    assert untouched_as_seen(lambda: _sync(world))  # nothing changed
    assert untouched_as_seen(lambda: _sync(world, full=True)) is False  # a full sync sends every section again
    edition = next(iter(sample_catalogue(NOW.date(), families=25)[0].editions))
    assert untouched_as_seen(lambda: retry_edition(SyncStore.single(UK), source, store, uow, clock,
                                                   isbn=str(edition.isbn)))
    store.add_by_hand("9780000000002", "another title")  # nothing of ours: still nothing to send
    assert untouched_as_seen(lambda: _sync(world))


def test_a_run_that_only_looked_the_store_up_called_it(world):
    """A new edition whose SKU the store holds for another title: nothing is sent, but the store was asked."""
    source, store, uow, clock = world
    families = sample_catalogue(NOW.date(), families=25)
    late = families[-1]
    source.remove(late.id)
    _sync(world)
    source.put(late)
    planned = plan_store(SyncStore.single(UK), source, uow, clock)
    new = [li for li in planned.listings if li.listed and li.family_id == late.id]
    assert new, "the sample's last family has a listed edition"
    for listing in new:  # each held: another title under our SKU
        store.add_by_hand(listing.sku, f"Not {listing.name}", gtin="9780000000002")
    calls = store.calls
    report = _sync(world)
    assert report.created == report.adopted == 0 and report.skipped >= len(new), report
    assert store.calls > calls and not report.store_untouched


def test_products_hidden_because_they_left_the_source_are_named_beside_the_records_not_read(world):
    """A typo in a record's ISBN takes its edition out of the read: its product is hidden as no longer in the
    source. The report names what was hidden so, and counts the records not read of the same read, so that a
    person can tell the two may be one edition (`bookbridge sync` says so)."""
    from bookbridge.domain.problems import Problem, Severity

    source, store, uow, clock = world
    _sync(world)
    family = source.families[0]
    listed = {str(e.isbn) for e in family.editions} | {f"family:{family.id}:{kind}" for kind in ("physical", "digital")}
    source.remove(family.id)
    source.problems = [Problem(code="invalid-isbn", severity=Severity.BLOCKING, message="invalid ISBN '97800'",
                               record="memory:work:1/product:1", field="isbn")]
    report = _sync(world, full=True)  # a complete read (a delta would bring the removal as a delete notification)
    assert report.gone and set(report.gone) <= listed, report
    assert report.records_not_read == 1
    source.problems = []
    again = _sync(world, full=True)
    assert (again.gone, again.records_not_read) == ([], 0)  # nothing more left the source, every record read


def test_a_run_whose_source_could_not_be_read_logs_no_count_as_zero(world, caplog):
    """`bookbridge runs` shows `—` for its counts (none applies); its log line says the same, never `held back 0`."""
    source, store, uow, clock = world
    with caplog.at_level(logging.INFO, logger="bookbridge"):
        sync_store(SyncStore.single(UK), _Unreadable(source), store, uow, clock)
    [line] = [m for m in caplog.messages if " finished: " in m]
    assert "held back —" in line and "failed —" in line and " 0" not in line, line
    assert line.endswith("; the source could not be read"), line
