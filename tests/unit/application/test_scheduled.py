"""The service's job bodies over in-memory ports: leases decide who runs, a busy launch comes back, precise jobs
follow the catalogue's instants. No scheduler, no database: the schedule and the leases are fakes written as data."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bookbridge.adapters.memory import (
    InMemoryCatalogSource,
    InMemoryMilestoneLog,
    InMemoryStorefront,
    InMemoryUnitOfWork,
)
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.application.listing_memos import ListingMemos
from bookbridge.application.milestones import DEFAULT_ACTIONS
from bookbridge.application.scheduled import SKIPS_BEFORE_EXCEPTION, ScheduledRuns, ServiceConfig, ServicePorts
from bookbridge.application.sync import SyncStore
from bookbridge.domain.listing import MappingSettings, Section
from bookbridge.domain.model import Milestones, PriceRow, Rights, SalesRights, TitleFamily
from bookbridge.domain.ports import CatalogSource, ExceptionKind, FixedClock, SourceRead, UnitOfWork
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.domain.territory import Territory

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
STORE = "shop"
UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP", tax_inclusive=True,
                        timezone="Europe/London")
RETRY = timedelta(seconds=5)


@dataclass
class Schedule:
    """LaunchSchedule as data: the launches kept per store, the retries asked for."""

    launches: dict[str, dict[datetime, tuple[str, str]]] = field(default_factory=dict)
    retries: list[tuple[str, datetime, str, int, datetime]] = field(default_factory=list)

    def replace_launches(self, store: str, launches: Mapping[datetime, tuple[str, str]]) -> list[str]:
        self.launches[store] = dict(launches)
        return [f"at:{store}:{instant.isoformat()}" for instant in launches]

    def retry_launch(self, store: str, instant: datetime, *, kind: str, detail: str, attempt: int,
                     at: datetime) -> None:
        self.retries.append((store, instant, kind, attempt, at))

    def ensure_launch(self, store: str, instant: datetime, *, kind: str, detail: str) -> str:
        self.launches.setdefault(store, {}).setdefault(instant, (kind, detail))
        return f"at:{store}:{instant.isoformat()}"


@dataclass
class Held:
    taken: bool

    def __bool__(self) -> bool:
        return self.taken

    def renew(self) -> bool:
        return self.taken


@dataclass
class Leases:
    """Names held by another instance are busy; every lease asked for is recorded."""

    busy: set[str] = field(default_factory=set)
    asked: list[tuple[str, str]] = field(default_factory=list)

    @contextmanager
    def __call__(self, name: str, holder: str, ttl: timedelta, /) -> Iterator[Held]:
        self.asked.append((name, holder))
        yield Held(name not in self.busy)


class Source(InMemoryCatalogSource):
    """The in-memory source; `during_read`, when set, runs once as a sync reads it (a job of another thread)."""

    during_read: Callable[[], None] | None = None

    def read(self, cursor: str | None = None) -> SourceRead:
        if (then := self.during_read) is not None:
            self.during_read = None
            then()
        return super().read(cursor)


@dataclass
class World:
    runs: ScheduledRuns
    schedule: Schedule
    leases: Leases
    store: InMemoryStorefront
    uow: InMemoryUnitOfWork
    imports: list[str]
    stopping: list[bool]
    source: Source


@pytest.fixture
def world() -> World:
    uow, store, schedule, leases = InMemoryUnitOfWork(), InMemoryStorefront(STORE), Schedule(), Leases()
    source = Source(sample_catalogue(NOW.date(), families=12))
    imports: list[str] = []
    stopping = [False]

    def new_source(given: UnitOfWork) -> CatalogSource:
        assert given is uow  # the source reads through the run's own unit of work
        return source

    config = ServiceConfig(store=STORE, instance="test:1", storefronts=(UK,), mapping=MappingSettings(),
                           drift_policies={}, milestone_actions=DEFAULT_ACTIONS, launch_retry=RETRY)
    ports = ServicePorts(clock=FixedClock(NOW), new_uow=lambda: uow, new_source=new_source,
                         storefront=lambda: store, open_lease=leases, milestone_log=InMemoryMilestoneLog(),
                         sync_command=lambda full: SyncStore(store=STORE, storefronts=(UK,), full=full),
                         import_orders=lambda: imports.append("imported") or "1 order",
                         deliver_sales=lambda sink: imports.append(f"delivered to {sink}") or "1 day sent")
    runs = ScheduledRuns(config, ports, schedule, lambda: stopping[0])
    return World(runs, schedule, leases, store, uow, imports, stopping, source)


def test_a_sync_under_its_lease_applies_the_plan_and_keeps_a_job_at_each_future_instant(world: World) -> None:
    report = world.runs.sync(STORE, reason="delta-sync")
    assert report is not None and report.created > 0 and len(world.store.products) == report.created
    assert world.leases.asked == [(f"sync:{STORE}", "test:1")]
    kept = world.schedule.launches[STORE]
    assert kept and all(instant > NOW and kind in {"launch", "campaign"} and detail
                        for instant, (kind, detail) in kept.items())


def test_a_busy_lease_skips_the_sync_and_a_busy_launch_comes_back_after_the_retry_delay(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    world.leases.busy.add(f"sync:{STORE}")
    assert world.runs.sync(STORE) is None and world.store.products == {}
    instant = NOW + timedelta(seconds=1)
    with caplog.at_level("INFO", logger="bookbridge.application.scheduled"):
        world.runs.launch(STORE, instant, kind="launch", detail="goes on sale", attempt=2)
    assert world.schedule.retries == [(STORE, instant, "launch", 3, NOW + RETRY)]
    assert "launch at 2026-11-28 10:00 UTC: store busy, trying again in 5 seconds" in caplog.messages


def test_a_launch_due_while_this_process_syncs_makes_that_sync_run_again_at_once(world: World) -> None:
    instant = NOW + timedelta(seconds=1)
    world.source.during_read = lambda: world.runs.launch(STORE, instant, kind="campaign", detail="price ends")
    report = world.runs.sync(STORE, reason="delta-sync")
    assert report is not None
    assert world.schedule.retries == []  # no comeback after `launch_retry`: the running sync went again
    assert [run.storefront for run in world.uow.runs.recent_runs()] == [STORE, STORE]
    assert world.leases.asked == [(f"sync:{STORE}", "test:1")]  # under the lease it already held
    world.runs.launch(STORE, instant, kind="campaign", detail="price ends")  # nothing running: it syncs itself
    assert len(world.uow.runs.recent_runs()) == 3 and world.schedule.retries == []


def test_a_sync_triggered_while_this_process_syncs_runs_when_that_sync_is_done(world: World) -> None:
    asked: list[object] = []
    world.source.during_read = lambda: asked.append(world.runs.sync(STORE, reason="triggered"))
    assert world.runs.sync(STORE, reason="delta-sync") is not None
    assert asked == [None]  # not run then: the running sync went once more instead of skipping the trigger
    assert len(world.uow.runs.recent_runs()) == 2


def test_syncs_skipped_in_a_row_for_a_held_lease_open_one_exception_that_the_next_sync_resolves(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    world.leases.busy.add(f"sync:{STORE}")
    where = f"lease:sync:{STORE}"

    def lease_exceptions() -> list[str]:
        with world.uow:
            return [e.message for e in world.uow.exceptions.open_items() if e.storefront == where]

    with caplog.at_level("WARNING", logger="bookbridge.application.scheduled"):
        for _ in range(SKIPS_BEFORE_EXCEPTION - 1):
            assert world.runs.sync(STORE) is None
    assert lease_exceptions() == []
    assert [r.levelname for r in caplog.records] == ["WARNING"] * (SKIPS_BEFORE_EXCEPTION - 1)
    assert world.runs.sync(STORE) is None
    [message] = lease_exceptions()
    assert f"{SKIPS_BEFORE_EXCEPTION} syncs of store 'shop' in a row did not run" in message
    assert world.runs.sync(STORE) is None
    assert len(lease_exceptions()) == 1  # the same exception, counted again

    world.leases.busy.clear()
    assert world.runs.sync(STORE) is not None
    assert lease_exceptions() == []


def test_jobs_at_an_instant_are_logged_with_their_count_in_words_and_the_next_instant_in_utc(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    new_year_in_new_york = datetime(2026, 12, 31, 19, 0, tzinfo=ZoneInfo("America/New_York"))
    with caplog.at_level("INFO", logger="bookbridge.application.scheduled"):
        world.runs.schedule_wakeups([("9781800000018", new_year_in_new_york)], {})
    assert "1 job at an instant scheduled; next at 2027-01-01 00:00 UTC" in caplog.messages
    assert world.schedule.launches[STORE] == {new_year_in_new_york: ("launch", "1 listing change")}


def test_jobs_of_another_store_or_after_a_stop_do_nothing(world: World) -> None:
    assert world.runs.sync("elsewhere") is None
    world.runs.launch("elsewhere", NOW, kind="launch", detail="")
    world.stopping[0] = True
    assert world.runs.sync(STORE) is None
    world.runs.launch(STORE, NOW, kind="launch", detail="")  # stopping: no retry either
    world.runs.import_orders()
    world.runs.reconcile(STORE)
    assert world.leases.asked == [] and world.schedule.retries == [] and world.imports == []


def test_the_order_import_runs_once_under_its_lease(world: World) -> None:
    world.runs.import_orders()
    world.leases.busy.add(f"order-import:{STORE}")
    world.runs.import_orders()
    assert world.imports == ["imported"]
    assert [name for name, _ in world.leases.asked] == [f"order-import:{STORE}"] * 2


def test_the_transient_retry_syncs_only_when_a_failure_is_open(world: World) -> None:
    world.runs.retry_transient(STORE)
    assert world.leases.asked == []
    with world.uow:
        world.uow.exceptions.report(ExceptionKind.TRANSIENT_EXHAUSTED, isbn=None, storefront=STORE,
                                    message="store timed out", field="sync", at=NOW)
        world.uow.commit()
    world.runs.retry_transient(STORE)
    assert world.leases.asked == [(f"sync:{STORE}", "test:1")] and world.store.products


def test_a_requested_retry_waits_for_this_process_sync_in_flight_and_a_periodic_one_skips(world: World) -> None:
    """A retry of one edition asked for while this process syncs the store runs after that sync (which may have read the
    catalogue before the change the person wants to see); a periodic sync meeting it skips, as before."""
    inside, release = threading.Event(), threading.Event()
    opened = world.leases

    @contextmanager
    def slow_lease(name: str, holder: str, ttl: timedelta, /) -> Iterator[Held]:
        with opened(name, holder, ttl) as held:
            if len(opened.asked) == 1:  # the first sync holds the store until released
                inside.set()
                assert release.wait(10)
            yield held

    world.runs.ports = dataclasses.replace(world.runs.ports, open_lease=slow_lease)
    results: dict[str, object] = {}
    first = threading.Thread(target=lambda: results.setdefault("first", world.runs.sync(STORE, reason="delta-sync")))
    first.start()
    assert inside.wait(10)
    assert world.runs.sync(STORE, reason="delta-sync") is None  # periodic: skipped while this process syncs
    isbn = next(iter(world.store.products), None) or "9781800000018"
    requested = threading.Thread(target=lambda: results.setdefault("now", world.runs.sync(STORE, reason="triggered",
                                                                                        isbn=isbn)))
    requested.start()
    requested.join(0.2)
    assert requested.is_alive(), "the requested sync waits for the one in flight"
    release.set()
    first.join(10)
    requested.join(10)
    assert results["first"] is not None and results["now"] is not None, results
    assert [name for name, _ in opened.asked] == [f"sync:{STORE}"] * 2


def _changed(family: TitleFamily, **changes: object) -> TitleFamily:
    first = family.editions[0].model_copy(update=changes)
    return family.model_copy(update={"editions": (first, *family.editions[1:])})


def test_a_retry_queues_the_milestones_of_other_editions_and_the_next_sync_carries_them_out(world: World) -> None:
    """A retry writes only its edition's product: another edition's milestone found by the same read is not done
    (its product was not written), so it is queued, never recorded as done nor dropped, and the next sync both
    writes the product and settles the record."""
    assert world.runs.sync(STORE) is not None
    families = world.source.families
    retried, ended, approved = (str(f.editions[0].isbn) for f in families[:3])
    assert all(world.store.by_sku(isbn) is not None for isbn in (retried, ended, approved))
    world.source.put(_changed(families[1], publishing_status="07", availability="51"))  # out of print: hide it
    world.source.put(_changed(families[2], milestones=Milestones(final_approval=True)))  # resend its media
    log = world.runs.ports.milestone_log
    assert isinstance(log, InMemoryMilestoneLog)

    assert world.runs.sync(STORE, reason="triggered", isbn=retried) is not None
    product = world.store.by_sku(ended)
    assert product is not None and product.is_visible, "a retry writes no other edition's product"
    queued = {r.event.isbn: r for r in log.records}
    assert {(isbn, r.action, r.pending, r.ok) for isbn, r in queued.items()} == {
        (ended, "sync", True, False), (approved, "attach-assets", True, False)}
    assert all(f"retry of {retried}" in r.detail and "next sync" in r.detail for r in queued.values())
    with world.uow:
        assert [e for e in world.uow.exceptions.open_items() if (e.field or "").startswith("milestone")] == []

    # A sync stopped before its first batch (SIGTERM while it read) wrote nothing: the records stay queued.
    world.source.during_read = lambda: world.stopping.__setitem__(0, True)
    stopped = world.runs.sync(STORE, reason="delta-sync")
    assert stopped is not None and stopped.stopped
    assert {r.event.isbn for r in log.pending(STORE)} == {ended, approved}
    world.stopping[0] = False

    assert world.runs.sync(STORE, reason="delta-sync") is not None
    product = world.store.by_sku(ended)
    assert product is not None and not product.is_visible
    settled = {r.event.isbn: r for r in log.records}
    assert {(isbn, r.pending, r.ok) for isbn, r in settled.items()} == {(ended, False, True),
                                                                        (approved, False, True)}, settled
    assert settled[approved].detail.endswith("media section resent")
    assert log.pending(STORE) == []


# --- a flip planned ahead of its instant ----------------------------------------------------------------------

INSTANT = NOW + timedelta(minutes=10)
REGULAR, PROMO, CHANGED = Decimal("10.00"), Decimal("7.50"), Decimal("12.00")


def campaign_family(family: TitleFamily, regular: Decimal = REGULAR) -> TitleFamily:
    """`family`'s first edition alone, live worldwide, at PROMO until INSTANT (Until is inclusive) and then at
    `regular` (GBP, List 58: 02 tax inclusive; 08 the promotional qualifier)."""
    edition = family.editions[0].model_copy(update={
        "publication_date": NOW.date() - timedelta(days=100), "publishing_status": "04", "availability": "21",
        "preorder_embargo": None, "sales_embargo": None,
        "rights": Rights(sales_rights=(SalesRights(type="01", territory=Territory.world()),)),
        "prices": (PriceRow(amount=regular, currency="GBP", price_type="02", qualifier="05"),
                   PriceRow(amount=PROMO, currency="GBP", price_type="02", qualifier="08",
                            valid_until=INSTANT - timedelta(microseconds=1)))})
    return family.model_copy(update={"editions": (edition,)})


@pytest.fixture
def campaign(world: World) -> tuple[World, str]:
    """The world's catalogue made one campaign title, synced at NOW at its promotional price; its ISBN."""
    family = campaign_family(sample_catalogue(NOW.date(), families=1)[0])
    world.source = Source([family])
    world.runs.ports = dataclasses.replace(world.runs.ports, new_source=lambda uow: world.source,
                                           memos=ListingMemos())
    world.runs.sync(STORE, reason="delta-sync")
    isbn = str(family.editions[0].isbn)
    assert price_of(world, isbn) == PROMO and INSTANT in world.schedule.launches[STORE]
    return world, isbn


def price_of(world: World, isbn: str) -> Decimal:
    product = world.store.by_sku(isbn)
    assert product is not None
    price = product.fields["price"]  # the shopper's: the sale price while a promotion runs
    return Decimal(price.get("sale_price") or price["price"])


def at(world: World, instant: datetime) -> None:
    clock = world.runs.ports.clock
    assert isinstance(clock, FixedClock)
    clock.advance_to(instant)


def test_a_flip_planned_ahead_is_sent_at_its_instant_and_nothing_before(
        campaign: tuple[World, str], caplog: pytest.LogCaptureFixture) -> None:
    world, isbn = campaign
    writes = world.store.writes
    at(world, INSTANT - timedelta(seconds=60))
    world.runs.plan_ahead(STORE, INSTANT)
    assert len(world.runs.plans_ahead) == 1
    assert world.store.writes == writes and price_of(world, isbn) == PROMO  # planning ahead writes nothing
    assert len(world.uow.runs.recent_runs()) == 1
    at(world, INSTANT)
    with caplog.at_level("INFO", logger="bookbridge.application.scheduled"):
        world.runs.launch(STORE, INSTANT, kind="campaign", detail="price ends")
    assert "sending the plan made ahead of" in caplog.text
    assert price_of(world, isbn) == REGULAR and len(world.runs.plans_ahead) == 0
    [last, _] = world.uow.runs.recent_runs()
    assert last.outcome == "ok" and last.counts["updated"] == 1  # recorded as any sync
    with world.uow:
        assert [o.key for o in world.uow.runs.outcomes(last.id)] == [isbn]
        price = world.uow.state.applied(STORE)[isbn].payloads[Section.PRICING]["price"]
    assert price["sale_price"] is None and Decimal(price["price"]) == REGULAR


def test_a_plan_made_ahead_is_never_sent_before_its_instant(
        campaign: tuple[World, str], caplog: pytest.LogCaptureFixture) -> None:
    world, isbn = campaign
    at(world, INSTANT - timedelta(seconds=60))
    world.runs.plan_ahead(STORE, INSTANT)
    at(world, INSTANT - timedelta(seconds=1))  # a launch job that fired early
    with caplog.at_level("INFO", logger="bookbridge.application.scheduled"):
        world.runs.launch(STORE, INSTANT, kind="campaign", detail="price ends")
    assert "has not come" in caplog.text
    assert price_of(world, isbn) == PROMO
    at(world, INSTANT)
    world.runs.launch(STORE, INSTANT, kind="campaign", detail="price ends")  # planned at the instant, as ever
    assert price_of(world, isbn) == REGULAR


def test_a_sync_between_the_plan_and_its_instant_makes_the_instant_plan_again(
        campaign: tuple[World, str], caplog: pytest.LogCaptureFixture) -> None:
    """The plan made ahead would set the old regular price: a sync in between sent the new one, which stays. The
    sync stored a changed catalogue, so the plan is not carried past it (the listings it holds are not those of
    the catalogue now); kept all the same, it would be refused at its instant for the sync's record."""
    world, isbn = campaign
    at(world, INSTANT - timedelta(seconds=60))
    world.runs.plan_ahead(STORE, INSTANT)
    world.source.put(campaign_family(world.source.families[0], regular=CHANGED))
    at(world, INSTANT - timedelta(seconds=30))
    with caplog.at_level("INFO", logger="bookbridge.application.scheduled"):
        world.runs.sync(STORE, reason="delta-sync")
    assert f"the plan made ahead of {INSTANT.isoformat()} is dropped: the catalogue changed" in caplog.text
    assert price_of(world, isbn) == PROMO  # the promotion still runs
    at(world, INSTANT)
    world.runs.launch(STORE, INSTANT, kind="campaign", detail="price ends")
    assert price_of(world, isbn) == CHANGED


def test_a_source_change_since_the_plan_makes_the_instant_plan_again(campaign: tuple[World, str]) -> None:
    world, isbn = campaign
    at(world, INSTANT - timedelta(seconds=60))
    world.runs.plan_ahead(STORE, INSTANT)
    world.source.put(campaign_family(world.source.families[0], regular=CHANGED))  # no sync has read it yet
    at(world, INSTANT)
    world.runs.launch(STORE, INSTANT, kind="campaign", detail="price ends")
    assert price_of(world, isbn) == CHANGED


def test_applied_state_changed_outside_a_sync_makes_the_instant_plan_again(campaign: tuple[World, str]) -> None:
    """A reconcile under `overwrite` forgot a section's hash (a field edited in the store) after the plan was made:
    the instant resends that section, as a plan made then would."""
    world, isbn = campaign
    at(world, INSTANT - timedelta(seconds=60))
    world.runs.plan_ahead(STORE, INSTANT)
    product = world.store.by_sku(isbn)
    assert product is not None
    product.fields["name"] = "Edited in the store"
    with world.uow:
        record = world.uow.state.applied(STORE)[isbn]
        hashes = {s: h for s, h in record.hashes.items() if s is not Section.CORE}
        world.uow.state.record_applied(STORE, dataclasses.replace(record, hashes=hashes), previous=record)
        world.uow.commit()
    at(world, INSTANT)
    world.runs.launch(STORE, INSTANT, kind="campaign", detail="price ends")
    assert price_of(world, isbn) == REGULAR and product.fields["name"] != "Edited in the store"


def test_a_lost_plan_or_one_not_made_leaves_the_instant_to_plan_as_ever(campaign: tuple[World, str]) -> None:
    """A crash between the plan and its instant (a new process knows no plan), or a lease another instance held."""
    world, isbn = campaign
    at(world, INSTANT - timedelta(seconds=60))
    world.leases.busy.add(f"sync:{STORE}")
    world.runs.plan_ahead(STORE, INSTANT)
    assert len(world.runs.plans_ahead) == 0
    world.leases.busy.clear()
    world.runs.plan_ahead(STORE, INSTANT)
    restarted = ScheduledRuns(world.runs.config, world.runs.ports, world.schedule, lambda: False)
    at(world, INSTANT)
    restarted.launch(STORE, INSTANT, kind="campaign", detail="price ends")
    assert price_of(world, isbn) == REGULAR


# --- several instants close together: the later plans carried past the earlier runs --------------------------

INSTANT2 = INSTANT + timedelta(seconds=20)


@pytest.fixture
def two_campaigns(world: World) -> tuple[World, str, str]:
    """Two campaign titles, the first's promotion ending at INSTANT, the second's at INSTANT2; synced at NOW."""
    first, second = sample_catalogue(NOW.date(), families=2)
    later = campaign_family(second)
    edition = later.editions[0]
    prices = tuple(row.model_copy(update={"valid_until": INSTANT2 - timedelta(microseconds=1)})
                   if row.valid_until is not None else row for row in edition.prices)
    later = later.model_copy(update={"editions": (edition.model_copy(update={"prices": prices}),)})
    world.source = Source([campaign_family(first), later])
    world.runs.ports = dataclasses.replace(world.runs.ports, new_source=lambda uow: world.source,
                                           memos=ListingMemos())
    world.runs.sync(STORE, reason="delta-sync")
    isbns = [str(f.editions[0].isbn) for f in world.source.families]
    assert [price_of(world, isbn) for isbn in isbns] == [PROMO, PROMO]
    at(world, INSTANT - timedelta(seconds=60))
    world.runs.plan_ahead(STORE, INSTANT)
    at(world, INSTANT2 - timedelta(seconds=60))
    world.runs.plan_ahead(STORE, INSTANT2)
    assert len(world.runs.plans_ahead) == 2
    return world, isbns[0], isbns[1]


def test_the_plan_for_a_later_instant_is_brought_up_to_date_by_the_earlier_run_and_sent_at_its_instant(
        two_campaigns: tuple[World, str, str], caplog: pytest.LogCaptureFixture) -> None:
    world, first, second = two_campaigns
    at(world, INSTANT)
    with caplog.at_level("INFO", logger="bookbridge.application.scheduled"):
        world.runs.launch(STORE, INSTANT, kind="campaign", detail="price ends")
        assert [price_of(world, first), price_of(world, second)] == [REGULAR, PROMO]
        assert len(world.runs.plans_ahead) == 1  # the second instant's, made stale by the run and carried
        assert f"the plan made ahead of {INSTANT2.isoformat()} is brought up to date" in caplog.text
        caplog.clear()
        at(world, INSTANT2)
        world.runs.launch(STORE, INSTANT2, kind="campaign", detail="price ends")
    assert f"sending the plan made ahead of {INSTANT2}" in caplog.text and "planning now" not in caplog.text
    assert [price_of(world, first), price_of(world, second)] == [REGULAR, REGULAR]
    last = world.uow.runs.recent_runs()[0]
    assert last.counts["updated"] == 1  # the first title was not sent again


def test_a_run_asked_again_by_a_later_instant_sends_that_instants_plan_carried_past_the_run(
        two_campaigns: tuple[World, str, str], caplog: pytest.LogCaptureFixture) -> None:
    """The second instant comes while the first instant's run sends: that run syncs again as soon as it ends,
    and that second run sends the second instant's plan, brought up to date with what the first wrote."""
    world, first, second = two_campaigns
    at(world, INSTANT)

    def second_instant_comes() -> None:
        at(world, INSTANT2 + timedelta(seconds=3))
        world.runs.launch(STORE, INSTANT2, kind="campaign", detail="price ends")

    world.source.during_read = second_instant_comes  # the source is read again as the first plan is checked
    with caplog.at_level("INFO", logger="bookbridge.application.scheduled"):
        world.runs.launch(STORE, INSTANT, kind="campaign", detail="price ends")
    assert "syncs again when done" in caplog.text
    assert f"sending the plan made ahead of {INSTANT}" in caplog.text
    assert f"sending the plan made ahead of {INSTANT2}" in caplog.text and "planning now" not in caplog.text
    assert [price_of(world, first), price_of(world, second)] == [REGULAR, REGULAR]
    assert len(world.runs.plans_ahead) == 0


def test_a_carried_plan_is_still_dropped_when_the_source_changes_after_the_run(
        two_campaigns: tuple[World, str, str], caplog: pytest.LogCaptureFixture) -> None:
    world, first, second = two_campaigns
    at(world, INSTANT)
    world.runs.launch(STORE, INSTANT, kind="campaign", detail="price ends")
    assert len(world.runs.plans_ahead) == 1
    world.source.put(campaign_family(world.source.families[1], regular=CHANGED))  # the second title, reset to INSTANT
    at(world, INSTANT2)
    with caplog.at_level("INFO", logger="bookbridge.application.scheduled"):
        world.runs.launch(STORE, INSTANT2, kind="campaign", detail="price ends")
    assert "the source changed since; planning now" in caplog.text
    assert price_of(world, second) == CHANGED


def test_a_carried_plan_is_dropped_when_a_sync_between_reads_a_changed_catalogue(
        two_campaigns: tuple[World, str, str], caplog: pytest.LogCaptureFixture) -> None:
    """The run at the first instant carries the second's plan; a sync in between stores a changed catalogue, so
    the listings that plan was built from are no longer those of the catalogue: it is not carried again."""
    world, first, second = two_campaigns
    at(world, INSTANT)
    world.runs.launch(STORE, INSTANT, kind="campaign", detail="price ends")
    world.source.put(campaign_family(world.source.families[0], regular=CHANGED))  # the first title's new price
    at(world, INSTANT + timedelta(seconds=5))
    with caplog.at_level("INFO", logger="bookbridge.application.scheduled"):
        world.runs.sync(STORE, reason="delta-sync")
    assert f"the plan made ahead of {INSTANT2.isoformat()} is dropped: the catalogue changed" in caplog.text
    assert price_of(world, first) == CHANGED and len(world.runs.plans_ahead) == 0
    at(world, INSTANT2)
    world.runs.launch(STORE, INSTANT2, kind="campaign", detail="price ends")
    assert [price_of(world, first), price_of(world, second)] == [CHANGED, REGULAR]
