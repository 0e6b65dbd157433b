"""The service's jobs on SQLite and PostgreSQL: kept in the state database across a restart, run under leases
(a busy lease skips the job; a launch comes back shortly), triggered at once, listed with their kinds."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from dependency_injector import providers
from sqlalchemy import Engine, event, select

from bookbridge.adapters.memory import InMemoryCatalogSource, InMemoryStorefront
from bookbridge.adapters.persistence import make_leases
from bookbridge.adapters.persistence.engine import make_engine
from bookbridge.adapters.persistence.milestones import SqlAlchemyMilestoneLog
from bookbridge.adapters.persistence.tables import EditionOutcomeRow, SchedulerJobRow, SyncRunRow
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.domain.instants import start_of
from bookbridge.domain.model import Milestones, PriceRow
from bookbridge.domain.ports import ExceptionKind
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.entrypoints import scheduler
from bookbridge.entrypoints.container import Container
from bookbridge.entrypoints.jobs import import_orders_now
from bookbridge.entrypoints.metrics import metrics
from bookbridge.entrypoints.scheduler import (
    AHEAD,
    BUSY_RETRY,
    JOBS_TABLE,
    SharedJobStore,
    job_words,
    make_scheduler,
    plan_ahead_job_id,
    stored_jobs,
)
from bookbridge.entrypoints.service import Service, upcoming_job
from bookbridge.entrypoints.settings import (
    AdapterSettings,
    OrderSettings,
    ScheduleSettings,
    ServiceSettings,
    Settings,
    StoreSettings,
)
from examples import edition, family, gbp

UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP", tax_inclusive=True,
                        timezone="Europe/London")
STORE = "shop"


def _container(engine: Engine, schedules: ScheduleSettings | None = None) -> Container:
    container = Container()
    container.settings.override(Settings(
        source=AdapterSettings(kind="sample"), store=StoreSettings(kind="memory", name=STORE), storefronts=[UK],
        database_url=engine.url.render_as_string(hide_password=False),
        service=ServiceSettings(launch_retry_seconds=1), schedules=schedules or ScheduleSettings()))
    container.source.override(providers.Object(InMemoryCatalogSource(sample_catalogue(datetime.now(UTC).date(),
                                                                                      families=3))))
    container.storefront.override(providers.Object(InMemoryStorefront(STORE)))
    return container


@pytest.fixture
def services(engine: Engine) -> Iterator[Callable[..., Service]]:
    """Start services on the test database; every one is shut down afterwards."""
    started: list[tuple[Service, Container]] = []
    imports: list[Container] = []
    deliveries: list[str] = []

    def start(schedules: ScheduleSettings | None = None, **options: object) -> Service:
        container = _container(engine, schedules)
        service = Service(container, instance=f"test-{len(started)}", order_import=imports.append,
                          deliver_sales=lambda _, sink: deliveries.append(sink))
        service.imports = imports  # type: ignore[attr-defined]
        service.deliveries = deliveries  # type: ignore[attr-defined]
        service.start(sync_at_start=False, **options)  # type: ignore[arg-type]
        started.append((service, container))
        return service

    yield start
    for service, container in started:
        service.shutdown(wait=True)
        container.shutdown_resources()


def _runs(engine: Engine) -> list[tuple[str, str]]:
    """Sync runs by (store, outcome), oldest first; empty while any is still running."""
    with engine.connect() as connection:
        runs = [(r.storefront, r.outcome) for r in connection.execute(select(SyncRunRow).order_by(SyncRunRow.id))]
    return [] if any(outcome == "running" for _, outcome in runs) else runs


def _started(engine: Engine) -> int:
    with engine.connect() as connection:
        return len(connection.execute(select(SyncRunRow.id)).all())


def _eventually(check: Callable[[], object], seconds: float = 10) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.05)
    raise AssertionError(f"not true within {seconds} s: {check}")


def test_the_periodic_jobs_are_listed_with_their_kinds_and_stores(services):
    service = services()
    assert service.scheduler_running()
    kinds = {(j.kind, j.store) for j in service.upcoming()}
    assert {j.id for j in service.upcoming()} == {f"{kind}:{STORE}" for kind, _ in kinds}  # each names its store
    assert kinds == {("delta-sync", STORE), ("order-import", STORE), ("reconcile", STORE),
                     ("retry-transient", STORE)}  # the order import's store too: /api/upcoming says it
    runs = [j.run_at for j in service.upcoming()]
    assert runs == sorted(runs) and all(t.tzinfo is not None for t in runs)


def test_a_restart_loses_no_scheduled_job(services, engine):
    first = services()
    instant = datetime.now(UTC) + timedelta(seconds=2)
    [job_id] = first.schedule_wakeups([("9781800000018", instant)], {})
    first.shutdown(wait=True)
    with engine.connect() as connection:
        assert job_id in set(connection.scalars(select(SchedulerJobRow.id)))
    assert _started(engine) == 0

    second = services()
    assert job_id in {j.id for j in second.upcoming()}
    assert _eventually(lambda: _runs(engine)) == [(STORE, "ok")]  # the job ran, once, on the new scheduler
    assert job_id not in {j.id for j in second.upcoming()}


def _store_former_jobs(engine: Engine, *jobs: tuple[str, datetime, str]) -> None:
    """Jobs at an instant as an earlier version stored them: `launch:{store}:{instant}` (`id`, run at, kind)."""
    old = make_scheduler(engine, RecordingRunner())
    old.start(paused=True)
    try:
        for job_id, run_at, kind in jobs:
            instant = job_id.split(":", 2)[2].removesuffix(":retry1")
            old.add_job("bookbridge.entrypoints.scheduler:launch", DateTrigger(run_at), id=job_id,
                        misfire_grace_time=None, kwargs={"store": job_id.split(":")[1], "instant": instant,
                                                         "kind": kind, "detail": f"{kind} at {instant}"})
    finally:
        old.shutdown(wait=False)


def test_jobs_stored_under_their_former_ids_are_renamed_at_start_and_run_once(services, engine):
    """Earlier versions named every job at an instant `launch:{store}:{instant}`, a campaign flip's too. At start
    each of the store's (a retry too) takes the id `at:…`, keeping its function, kind, detail and time; it runs
    once; a sync that wants its instant finds it and adds no second job."""
    campaign, soon = datetime.now(UTC) + timedelta(days=2), datetime.now(UTC) + timedelta(seconds=1)
    retry_of = datetime.now(UTC) - timedelta(minutes=1)
    _store_former_jobs(engine, (f"launch:{STORE}:{campaign.isoformat()}", campaign, "campaign"),
                       (f"launch:{STORE}:{soon.isoformat()}", soon, "launch"),
                       (f"launch:{STORE}:{retry_of.isoformat()}:retry1", campaign + timedelta(hours=1), "launch"),
                       (f"launch:elsewhere:{campaign.isoformat()}", campaign, "launch"))

    service = services()
    upcoming = {j.id: (j.kind, j.detail, j.run_at) for j in service.upcoming(limit=100)
                if j.kind in ("launch", "campaign")}
    assert upcoming == {
        f"at:{STORE}:{campaign.isoformat()}": ("campaign", f"campaign at {campaign.isoformat()}", campaign),
        f"at:{STORE}:{soon.isoformat()}": ("launch", f"launch at {soon.isoformat()}", soon),
        f"at:{STORE}:{retry_of.isoformat()}:retry1": ("launch", f"launch at {retry_of.isoformat()}",
                                                      campaign + timedelta(hours=1)),
        f"launch:elsewhere:{campaign.isoformat()}": ("launch", f"launch at {campaign.isoformat()}", campaign),
    }  # another store's jobs are that store's service's to rename
    [renamed] = [j for j in stored_jobs(engine) if j.id == f"at:{STORE}:{campaign.isoformat()}"]
    assert renamed.func is scheduler.launch  # the stored function reference, unchanged

    assert _eventually(lambda: _runs(engine)) == [(STORE, "ok")]  # the one due soon ran
    time.sleep(1.5)  # a second run, under either id, would have started by now
    assert _runs(engine) == [(STORE, "ok")]
    service.schedule_wakeups([("9781800000018", campaign)], {})
    ids = sorted(j.id for j in service.upcoming(limit=100) if j.run_at == campaign)
    assert ids == [f"at:{STORE}:{campaign.isoformat()}", f"launch:elsewhere:{campaign.isoformat()}"]
    with engine.connect() as connection:
        assert not any(i.startswith(f"launch:{STORE}:") for i in connection.scalars(select(SchedulerJobRow.id)))


def test_a_job_at_an_instant_added_under_its_former_id_while_running_is_replaced(services, engine):
    """An instance of an earlier version, still running beside this one, adds its jobs at an instant under the
    former id: the next sync's jobs replace them, so no instant has two jobs."""
    service = services()
    instant = datetime.now(UTC) + timedelta(days=2)
    _store_former_jobs(engine, (f"launch:{STORE}:{instant.isoformat()}", instant, "launch"))
    [job_id] = service.schedule_wakeups([("9781800000018", instant)], {})
    assert job_id == f"at:{STORE}:{instant.isoformat()}"
    assert [j.id for j in service.upcoming(limit=100) if j.run_at == instant] == [job_id]


def test_a_rename_keeps_a_job_already_stored_under_the_new_id(engine):
    """Two instances starting at once, or one of this version that added the job already: the job stored under
    the new id stays (its arguments are the newer), and the one under the former id goes; nothing is renamed."""
    instant = datetime.now(UTC) + timedelta(days=2)
    _store_former_jobs(engine, (f"launch:{STORE}:{instant.isoformat()}", instant, "launch"),
                       (f"at:{STORE}:{instant.isoformat()}", instant, "campaign"))
    assert scheduler.rename_former_jobs(engine, STORE) == []
    assert [(j.id, j.kwargs["kind"]) for j in stored_jobs(engine)] == [(f"at:{STORE}:{instant.isoformat()}",
                                                                        "campaign")]


def test_a_stored_crontab_trigger_is_replaced_at_start_and_fires_on_crontabs_day(services, engine):
    """A release that handed crontab lines to APScheduler as they were stored `0 3 * * 0` (Sunday to cron) firing
    on Mondays (APScheduler counts from Monday). The next start replaces the stored trigger with the configured
    line, read as cron reads it."""
    old = make_scheduler(engine, RecordingRunner())
    old.start(paused=True)
    try:
        old.add_job("bookbridge.entrypoints.scheduler:reconcile", CronTrigger.from_crontab("0 3 * * 0", timezone=UTC),
                    args=[STORE], id=f"reconcile:{STORE}")
    finally:
        old.shutdown(wait=False)
    [stored] = [j for j in stored_jobs(engine) if j.id == f"reconcile:{STORE}"]
    assert stored.next_run_time.strftime("%A") == "Monday"  # the old release's trigger, a day late

    service = services(ScheduleSettings(reconcile_cron="0 3 * * 0", retry_transient_cron="30 6 * * 1-5"))
    upcoming = {j.kind: j for j in service.upcoming()}
    assert upcoming["reconcile"].run_at.strftime("%A %H:%M") == "Sunday 03:00"
    assert upcoming["reconcile"].detail == "every Sunday at 03:00 UTC"
    assert upcoming["retry-transient"].run_at.strftime("%A") in {"Monday", "Tuesday", "Wednesday", "Thursday",
                                                                 "Friday"}
    assert upcoming["retry-transient"].detail == "Monday to Friday at 06:30 UTC"
    [stored] = [j for j in stored_jobs(engine) if j.id == f"reconcile:{STORE}"]
    assert stored.next_run_time.strftime("%A") == "Sunday"  # replaced in the job table, not only in memory


def test_each_instant_is_planned_ahead_by_a_job_kept_in_memory_only(services, engine):
    """`service.plan_ahead_seconds` (60 by default) before each precise job, a plan-ahead job in the process's own
    job store: not in the state database, not listed; replaced with the instants; at once for an instant nearer."""
    service = services()
    near, far = datetime.now(UTC) + timedelta(seconds=30), datetime.now(UTC) + timedelta(hours=1)
    service.schedule_wakeups([("9781800000018", far), ("9781800000025", far + timedelta(hours=1))], {})
    scheduler = service._require_scheduler()

    def ahead() -> dict[str, datetime]:
        return {job.id: job.next_run_time for job in scheduler.get_jobs(jobstore=AHEAD)}

    assert ahead() == {plan_ahead_job_id(STORE, far): far - timedelta(seconds=60),
                       plan_ahead_job_id(STORE, far + timedelta(hours=1)): far + timedelta(minutes=59)}
    assert all(j.id.startswith(f"at:{STORE}:") for j in service.upcoming() if j.kind in ("launch", "campaign"))
    assert not any(j.id.startswith("plan-ahead:") for j in service.upcoming(limit=100))
    with engine.connect() as connection:
        assert not any(i.startswith("plan-ahead:") for i in connection.scalars(select(SchedulerJobRow.id)))
    # Due at once, so a running scheduler may carry it out (and drop it) before it is read: hold it still.
    scheduler.pause()
    service.schedule_wakeups([("9781800000018", near)], {})
    assert list(ahead()) == [plan_ahead_job_id(STORE, near)]
    assert ahead()[plan_ahead_job_id(STORE, near)] <= datetime.now(UTC)  # less than a lead ahead: at once


def test_no_plan_ahead_job_when_its_lead_is_zero(engine):
    container = _container(engine)
    container.settings.override(container.settings().model_copy(update={"service": ServiceSettings(
        plan_ahead_seconds=0)}))
    service = Service(container, instance="no-lead")
    service.start(sync_at_start=False)
    try:
        service.schedule_wakeups([("9781800000018", datetime.now(UTC) + timedelta(hours=1))], {})
        assert service._require_scheduler().get_jobs(jobstore=AHEAD) == []
    finally:
        service.shutdown(wait=True)
        container.shutdown_resources()


def test_a_job_that_finds_its_lease_busy_returns_and_a_launch_comes_back_shortly(services, engine):
    service = services()
    other = make_leases(engine)
    assert other.acquire(f"sync:{STORE}", "another-instance", timedelta(minutes=5))
    try:
        assert service.run_sync(STORE, reason="delta-sync") is None
        instant = datetime.now(UTC)
        service.run_launch(STORE, instant, kind="launch", detail="9781800000018 goes on sale")
        assert _started(engine) == 0
        retry = next(j for j in service.upcoming() if j.id.endswith(":retry1"))
        assert retry.kind == "launch" and retry.detail == "9781800000018 goes on sale"
        assert retry.run_at - datetime.now(UTC) <= timedelta(seconds=1)
    finally:
        other.close()
    assert _eventually(lambda: _runs(engine)) == [(STORE, "ok")]  # the retry ran once the lease was free


def test_triggers_run_at_once(services, engine):
    service = services()
    assert service.trigger_order_import() == "order-import-now"
    assert _eventually(lambda: service.imports) == [service.container]  # type: ignore[attr-defined]
    assert service.trigger_sync() == f"sync-now:{STORE}"
    assert _eventually(lambda: _runs(engine)) == [(STORE, "ok")]


def test_a_sales_sink_s_retry_sends_it_its_pending_days_at_once_reading_no_order(services, engine):
    """The retry of a sales sink's exception (the dashboard's, the API's) is a delivery to that sink alone, under
    the order import's lease: no order import, no sync."""
    service = services()
    assert service.trigger_delivery("ledger") == "sales-delivery-now:ledger"
    assert _eventually(lambda: service.deliveries) == ["ledger"]  # type: ignore[attr-defined]
    assert service.imports == [] and _started(engine) == 0  # type: ignore[attr-defined]


def test_a_retry_of_one_edition_sends_that_product_alone(services, engine):
    service = services()
    store = service.container.storefront()
    isbn = "9781800000018"
    assert service.trigger_sync(isbn=isbn) == f"sync-now:{STORE}:{isbn}"
    assert _eventually(lambda: _runs(engine)) == [(STORE, "ok")]
    assert [p.sku for p in store.products.values()] == [isbn]  # the rest of the store waits for its own sync


def test_a_retry_of_an_exception_is_a_run_that_says_so(services, engine):
    """The dashboard's and the API's retry record their run as `bookbridge exceptions retry` does: `retry of
    exception 7` (a record not read: a sync of the store), `retry of exception 8: edition … only`."""
    service = services()
    isbn = "9781800000018"
    service.trigger_sync(retry_of=7)
    assert _eventually(lambda: _runs(engine)) == [(STORE, "ok")]
    service.trigger_sync(isbn=isbn, retry_of=8)
    assert _eventually(lambda: _runs(engine)[1:]) == [(STORE, "ok")]
    with engine.connect() as connection:
        whats = [r.what for r in connection.execute(select(SyncRunRow).order_by(SyncRunRow.id))]
    assert whats == ["retry of exception 7", f"retry of exception 8: edition {isbn} only"]


def test_the_service_s_retry_logs_its_outcome_against_its_exception(services, engine):
    """The dashboard's and the API's retry (a job of the service) log what it did for the exception, as
    `bookbridge exceptions retry` does, so that `exceptions show` lists it: failed while the exception stays open,
    ok once the retry resolved it."""
    service = services()
    isbn, other = "9781800000018", "9781800000025"
    uow = service.container.unit_of_work()
    with uow:
        # A rejection whose edition the retry writes (and so resolves); a problem of the edition a retry cannot fix.
        rejected = uow.exceptions.report(ExceptionKind.STORE_REJECTION, isbn=isbn, storefront=STORE,
                                         message="refused", at=datetime.now(UTC))
        conflict = uow.exceptions.report(ExceptionKind.RIGHTS_CONFLICT, isbn=other, storefront="elsewhere",
                                         message="not licensed there", at=datetime.now(UTC))
        uow.commit()
    service.trigger_sync(isbn=isbn, retry_of=rejected.id)
    assert _eventually(lambda: _runs(engine)) == [(STORE, "ok")]
    service.trigger_sync(isbn=other, retry_of=conflict.id)
    assert _eventually(lambda: _runs(engine)[1:]) == [(STORE, "failed")]
    with engine.connect() as connection:
        runs = [r.id for r in connection.execute(select(SyncRunRow).order_by(SyncRunRow.id))]
        logged = [(o.run_id, o.key, o.isbn, o.ok, o.error) for o in connection.execute(
            select(EditionOutcomeRow).where(EditionOutcomeRow.action == "retry").order_by(EditionOutcomeRow.id))]
    assert logged == [(runs[0], f"exception:{rejected.id}", isbn, True, None),
                      (runs[1], f"exception:{conflict.id}", other, False,
                       "the exception is still open: not licensed there")]


def test_a_job_for_another_store_or_after_a_stop_does_nothing(services, engine):
    service = services()
    assert service.run_sync("elsewhere") is None
    service.request_stop()
    assert not service.scheduler_running()
    assert service.run_sync(STORE) is None
    assert _started(engine) == 0


def test_milestones_found_between_two_syncs_trigger_their_actions_and_each_outcome_is_recorded(services, engine):
    service = services()
    source = service.container.source()
    families = sample_catalogue(datetime.now(UTC).date(), families=3)
    assert service.run_sync(STORE) is not None  # the first read is the baseline: no milestones
    # Family 0's first edition (backlist): locked, approved, and a confirmed date 30 days ahead (a reissue);
    # family 1's first edition is approved too, but it is delisted now, so its product cannot take assets.
    edition = families[0].editions[0]
    moved = datetime.now(UTC).date() + timedelta(days=30)
    source.put(families[0].model_copy(update={"editions": (edition.model_copy(update={
        "publication_date": moved, "publishing_status": "02", "availability": "10",
        "milestones": Milestones(metadata_locked=True, final_approval=True, publication_date_confirmed=True)}),
        *families[0].editions[1:])}))
    gone = families[1].editions[0]
    source.put(families[1].model_copy(update={"editions": (gone.model_copy(update={
        "publishing_status": "07", "milestones": Milestones(final_approval=True)}), *families[1].editions[1:])}))

    assert service.run_sync(STORE) is not None
    records = {(r.event.isbn, str(r.event.transition)): r for r in SqlAlchemyMilestoneLog(engine).recent()}
    isbn, other = str(edition.isbn), str(gone.isbn)
    assert {k: (r.action, r.ok) for k, r in records.items()} == {
        (isbn, "metadata-locked"): ("create-hidden", True),
        (isbn, "final-approval"): ("attach-assets", True),
        (isbn, "publication-date-confirmed"): ("schedule-launch", True),
        (isbn, "publication-date-changed"): ("schedule-launch", True),
        (isbn, "status-forthcoming"): ("sync", True),
        (other, "final-approval"): ("attach-assets", True),  # its product still exists, now hidden
        (other, "status-out-of-print"): ("sync", True),
    }
    launch = records[(isbn, "publication-date-confirmed")].detail
    assert launch.startswith(f"launch job at:{STORE}:")
    assert launch.removeprefix("launch job ") in {j.id for j in service.upcoming(limit=100)}
    with engine.connect() as connection:
        resent = connection.execute(select(EditionOutcomeRow.sections).where(EditionOutcomeRow.isbn == isbn)
                                    .order_by(EditionOutcomeRow.id)).scalars().all()
    assert resent[-1] == ["media"]  # attach-assets: the follow-up sync resent the media section alone


def test_a_failed_milestone_action_opens_an_exception(services, engine):
    service = services()
    source = service.container.source()
    families = sample_catalogue(datetime.now(UTC).date(), families=3)
    assert service.run_sync(STORE) is not None
    edition = families[2].editions[0]
    source.put(families[2].model_copy(update={"editions": (edition.model_copy(update={
        "publication_date": None, "milestones": Milestones(publication_date_confirmed=True)}),
        *families[2].editions[1:])}))
    assert service.run_sync(STORE) is not None
    [record] = SqlAlchemyMilestoneLog(engine).recent()
    assert (record.event.transition, record.action, record.ok) == ("publication-date-confirmed", "schedule-launch",
                                                                   False)
    assert "no publication date" in record.detail
    uow = service._uow()
    with uow:
        [item] = [e for e in uow.exceptions.open_items() if e.id == record.exception_id]
    assert item.isbn == str(edition.isbn) and item.field == "milestone publication-date-confirmed"


def test_the_order_import_job_calls_the_orders_use_case_and_is_not_scheduled_when_disabled(services, engine):
    service = services()
    report = import_orders_now(service.container)  # the memory store's order book is empty
    assert (report.orders_read, report.source_error) == (0, None)
    service.shutdown(wait=True)
    container = _container(engine)
    container.settings.override(container.settings().model_copy(update={"orders": OrderSettings(enabled=False)}))
    again = Service(container, instance="no-orders", order_import=lambda c: None)
    again.start(sync_at_start=False)
    try:
        assert f"order-import:{STORE}" not in {j.id for j in again.upcoming()}  # removed, not only skipped
    finally:
        again.shutdown(wait=True)
        container.shutdown_resources()


def test_two_schedulers_share_the_job_table_and_a_row_gone_is_no_error(engine):
    """APScheduler removes a date job's row after running it; on a shared table the other instance may have
    removed it first. That must not raise inside the scheduler's loop (it would stop the scheduler)."""
    first, second = make_scheduler(engine, RecordingRunner()), make_scheduler(engine, RecordingRunner())
    first.start(paused=True)
    second.start(paused=True)
    try:
        job = first.add_job("bookbridge.entrypoints.scheduler:delta_sync",
                            DateTrigger(datetime.now(UTC) + timedelta(hours=1)),
                            args=[STORE], id="at:shop:test")
        seen = second.get_job("at:shop:test")
        assert seen is not None and seen.args == (STORE,)
        first.remove_job("at:shop:test")
        store = second._jobstores["default"]
        store.update_job(seen)  # already gone: logged, not raised
        store.remove_job(job.id)
        assert second.get_job("at:shop:test") is None
    finally:
        first.shutdown(wait=False)
        second.shutdown(wait=False)


class RecordingRunner:
    """A JobRunner that records the calls the job functions make on it."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []

    def run_sync(self, store: str, *, full: bool = False, reason: str = "sync", isbn: str | None = None,
                 retry_of: int | None = None) -> None:
        self.calls.append(("sync", store, full, reason, *((isbn,) if isbn else ()),
                           *((f"retry of {retry_of}",) if retry_of is not None else ())))

    def run_launch(self, store: str, instant: datetime, *, kind: str, detail: str, attempt: int = 0) -> None:
        self.calls.append(("launch", store, instant, kind, detail, attempt))

    def run_reconcile(self, store: str) -> None:
        self.calls.append(("reconcile", store))

    def run_retry_transient(self, store: str) -> None:
        self.calls.append(("retry-transient", store))

    def run_order_import(self) -> None:
        self.calls.append(("order-import",))

    def run_sales_delivery(self, sink: str) -> None:
        self.calls.append(("sales-delivery", sink))


def test_a_stored_job_runs_on_the_runner_of_the_scheduler_that_fires_it(engine):
    """Jobs keep only a function reference and plain arguments: the scheduler that fires a job (not the one
    that stored it, and no process-global) hands it the runner, and the job names its call on that runner."""
    writer, runner = make_scheduler(engine, RecordingRunner()), RecordingRunner()
    writer.start(paused=True)
    instant = datetime(2030, 1, 1, tzinfo=UTC)
    try:
        soon = DateTrigger(datetime.now(UTC) + timedelta(milliseconds=300))
        writer.add_job("bookbridge.entrypoints.scheduler:launch", soon, id="at:shop:x",
                       kwargs={"store": STORE, "instant": instant.isoformat(), "kind": "campaign", "detail": "d"})
        writer.add_job("bookbridge.entrypoints.scheduler:sync_now", soon, args=[STORE, True], id="sync-now:shop")
        writer.add_job("bookbridge.entrypoints.scheduler:sync_now", soon, args=[STORE, False, "9781800000018"],
                       id="sync-now:shop:9781800000018")  # as stored before a retry named its exception
        writer.add_job("bookbridge.entrypoints.scheduler:sync_now", soon, args=[STORE, False, None, 12],
                       id="sync-now:shop:exception-12")
        delivery = writer.add_job("bookbridge.entrypoints.scheduler:sales_delivery", soon, kwargs={"sink": "ledger"},
                                  id="sales-delivery-now:ledger")  # as `Service.trigger_delivery` stores it
        assert job_words(delivery)[0] == "delivery to a sales sink asked for"  # a sink is no store
        assert upcoming_job(delivery, STORE).store == STORE
    finally:
        writer.shutdown(wait=False)
    reader = make_scheduler(engine, runner)
    reader.start()
    try:
        assert sorted(_eventually(lambda: runner.calls if len(runner.calls) == 5 else []), key=str) == [
            ("launch", STORE, instant, "campaign", "d", 0), ("sales-delivery", "ledger"),
            ("sync", STORE, False, "triggered", "9781800000018"),
            ("sync", STORE, False, "triggered", "retry of 12"), ("sync", STORE, True, "triggered")]
    finally:
        reader.shutdown(wait=True)


class GatedStorefront(InMemoryStorefront):
    """Holds its first write until the test opens the gate: a sync caught in the middle of a batch."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.entered, self.gate = threading.Event(), threading.Event()

    def apply(self, actions, applied):  # type: ignore[no-untyped-def]
        self.entered.set()
        assert self.gate.wait(10)
        return super().apply(actions, applied)


def test_two_jobs_of_one_instance_never_sync_the_store_at_once(services, engine):
    service = services()
    store = GatedStorefront(STORE)
    service.container.storefront.override(providers.Object(store))
    first = threading.Thread(target=service.run_sync, args=(STORE,))
    first.start()
    try:
        assert store.entered.wait(10)
        # Same holder name: the SQLite lease alone would let it in again; the instance's own lock does not.
        assert service.run_sync(STORE, reason="launch") is None
    finally:
        store.gate.set()
        first.join()
    assert _runs(engine) == [(STORE, "ok")]


def _sample(name: str, **labels: str) -> float:
    from bookbridge.entrypoints.metrics import metrics

    value = metrics().registry.get_sample_value(name, labels)
    return value or 0.0


def test_a_sync_job_feeds_the_operations_and_job_lag_metrics(services, engine):
    created_before = _sample("bookbridge_operations_total", store=STORE, operation="created")
    lag_before = _sample("bookbridge_job_lag_seconds_count", kind="sync")
    service = services()
    service.trigger_sync()
    _eventually(lambda: _runs(engine))
    # The lag is observed by the scheduler's listener, on its own thread: wait for it rather than race it.
    _eventually(lambda: _sample("bookbridge_job_lag_seconds_count", kind="sync") > lag_before)
    _eventually(lambda: _sample("bookbridge_operations_total", store=STORE, operation="created") > created_before)
    time.sleep(0.2)  # a second observation for the one job would show here
    assert _sample("bookbridge_job_lag_seconds_count", kind="sync") == lag_before + 1


def test_a_locked_sqlite_database_delays_the_scheduler_loop_but_never_stops_it(tmp_path: Path,
                                                                               sqlite_template: Path) -> None:
    """A long write (a large first sync) can hold SQLite's lock past the busy timeout: the loop's look at the job
    table then fails. It used to end the scheduler's thread, and every job with it; now it looks again shortly."""
    path = tmp_path / "locked.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", lambda connection, _: connection.execute("PRAGMA busy_timeout=50"))
    store = SharedJobStore(engine=engine, tablename=JOBS_TABLE)
    store.start(make_scheduler(engine, RecordingRunner()), "default")
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another connection holds the write lock
        before = datetime.now(UTC)
        soon = store.get_next_run_time()
        store.remove_job("at:shop:gone")  # logged; the job would come due again
        writer.execute("ROLLBACK")
        assert soon is not None and before < soon <= datetime.now(UTC) + BUSY_RETRY
        assert store.get_next_run_time() is None  # readable again: no job kept
    finally:
        writer.close()
        engine.dispose()


def test_a_job_at_an_instant_observes_its_lag_under_its_kind(services):
    """`bookbridge_job_lag_seconds{kind}`: a campaign flip's lag is labelled `campaign`, a launch's `launch`
    (the scheduler's event knows only the job's id, shared by both kinds); a retry's back-off is not lag."""
    service = services()

    def count(kind: str) -> float:
        value = metrics().registry.get_sample_value("bookbridge_job_lag_seconds_count", {"kind": kind})
        return value or 0.0

    def total(kind: str) -> float:
        return metrics().registry.get_sample_value("bookbridge_job_lag_seconds_sum", {"kind": kind}) or 0.0

    before = {kind: count(kind) for kind in ("launch", "campaign")}
    summed = total("campaign")
    instant = datetime.now(UTC) - timedelta(seconds=2)
    service.run_launch(STORE, instant, kind="campaign", detail="a price ends")
    service.run_launch(STORE, instant, kind="launch", detail="9781800000018 goes on sale")
    service.run_launch(STORE, instant, kind="launch", detail="9781800000018 goes on sale", attempt=1)
    assert {kind: count(kind) - before[kind] for kind in before} == {"launch": 1, "campaign": 1}
    assert total("campaign") - summed >= 2  # from its instant, two seconds before it started


INDIA = StorefrontSettings(name="in", channel_id=2, countries=frozenset({"IN"}), currency="INR", tax_inclusive=True,
                           timezone="Asia/Kolkata", default_currency=False)


def test_every_future_instant_of_every_storefront_has_its_job(services, engine):
    """A store with storefronts 'uk' (London) and 'in' (Kolkata): a forthcoming hardback goes on sale at midnight in
    each, 5.5 hours apart, and its launch campaign price ends a week later, at midnight in each. The product the
    storefronts share changes at each of these four instants, and each has its job at an instant, now: not only
    the nearest, the next scheduled only when the sync at the one before has run."""
    today = datetime.now(UTC).date()
    published, campaign_ends = today + timedelta(days=3), today + timedelta(days=10)
    book = edition(publishing_status="02", availability="10", publication_date=published, prices=(
        gbp("16.99"), gbp("12.99", qualifier="08", valid_until=campaign_ends),
        PriceRow(amount=Decimal("1499"), currency="INR", price_type="02", qualifier="05"),
        PriceRow(amount=Decimal("999"), currency="INR", price_type="02", qualifier="08", valid_until=campaign_ends)))
    container = _container(engine)
    container.settings.override(container.settings().model_copy(update={"storefronts": [UK, INDIA]}))
    container.source.override(providers.Object(InMemoryCatalogSource([family(book)])))
    service = Service(container, instance="test-instants")
    service.start(sync_at_start=False)
    try:
        assert service.run_sync(STORE) is not None
        at = {j.run_at: j for j in service.upcoming() if j.id.startswith("at:")}
        london, kolkata = ZoneInfo("Europe/London"), ZoneInfo("Asia/Kolkata")
        launches = [start_of(published, kolkata), start_of(published, london)]
        ends = [start_of(campaign_ends + timedelta(days=1), z) for z in (kolkata, london)]  # valid_until: inclusive
        assert sorted(at) == [*launches, *ends], [(j.run_at, j.kind, j.detail) for j in at.values()]
        assert [at[i].kind for i in launches] == ["launch", "launch"]
        assert "storefront 'uk'" in at[launches[1]].detail and "goes on sale" in at[launches[1]].detail
        assert [at[i].kind for i in ends] == ["campaign", "campaign"], [at[i].detail for i in ends]
    finally:
        service.shutdown(wait=True)
        container.shutdown_resources()


def test_a_job_at_an_instant_is_rewritten_only_when_its_kind_or_detail_changes(services, engine):
    """Every sync hands the scheduler every instant ahead: a job stored as wanted stays as it is, one whose kind
    or detail changed is stored anew, one no longer wanted goes."""
    service = services()
    first, second = (datetime.now(UTC) + timedelta(days=d) for d in (2, 3))

    def stored() -> dict[str, tuple[str, str]]:
        return {j.id: (j.kind, j.detail) for j in service.upcoming() if j.id.startswith("at:")}

    ids = service.replace_launches(STORE, {first: ("launch", "goes on sale"), second: ("campaign", "price ends")})
    writes: list[str] = []

    def written(conn, cursor, statement, *_) -> None:
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")) and JOBS_TABLE in statement:
            writes.append(statement)

    event.listen(Engine, "before_cursor_execute", written)  # every engine: the job store has its own
    try:
        assert service.replace_launches(STORE, {first: ("launch", "goes on sale"),
                                                second: ("campaign", "price ends")}) == ids
    finally:
        event.remove(Engine, "before_cursor_execute", written)
    assert writes == []  # nothing changed: nothing written
    service.replace_launches(STORE, {first: ("launch", "goes on sale; and 1 more change")})
    assert stored() == {ids[0]: ("launch", "goes on sale; and 1 more change")}
