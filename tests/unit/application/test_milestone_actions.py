"""Milestone actions: each event's configured action runs, its outcome is recorded, failures reach the queue."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import pytest

from bookbridge.adapters.memory import (
    InMemoryCatalogSource,
    InMemoryMilestoneLog,
    InMemoryStorefront,
    InMemoryUnitOfWork,
)
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.application.exception_words import kind_words
from bookbridge.application.milestone_effects import SyncEffects
from bookbridge.application.milestones import (
    DEFAULT_ACTIONS,
    ActionNotPossible,
    ActionQueued,
    ApplyMilestones,
    MilestoneAction,
    action_words,
    apply_milestones,
    settle_pending,
    transition_words,
)
from bookbridge.application.sync import SyncStore, sync_store
from bookbridge.domain.milestones import MilestoneEvent, MilestoneRecord, Transition, catalogue_transitions
from bookbridge.domain.model import Edition, Milestones, Rights, SalesRights
from bookbridge.domain.ports import ExceptionKind, FixedClock
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.domain.territory import Territory
from examples import EBOOK, HARDBACK, PAPERBACK, edition

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
LOCKED, UNLISTED, APPROVED, DATED, UNDATED, ACTIVE = ("9780306406157", "9780306406158", "9781861972712",
                                                     "9780131103627", "9780262033848", "9780201633610")


ListLog = InMemoryMilestoneLog


class Effects:
    """The service's side, as data: which products exist, which media resends fail, which launches can't be."""

    def __init__(self) -> None:
        self.products = {LOCKED, APPROVED, ACTIVE}
        self.media_errors = {APPROVED: None}
        self.resent: list[list[str]] = []
        self.scheduled: list[str] = []
        self.failures: dict[str, str] = {}  # ISBN -> why the sync's own action on its product failed
        self.editions: dict[str, Edition] = {}  # the catalogue the sync read; an ISBN not here is not in it
        self.undated = {UNDATED}  # editions with no publication date to launch on

    def edition(self, isbn: str) -> Edition | None:
        return self.editions.get(isbn)

    def has_product(self, isbn: str) -> bool:
        return isbn in self.products

    def own_failure(self, isbn: str) -> str | None:
        return self.failures.get(isbn)

    def resend_media(self, isbns: Sequence[str]) -> Mapping[str, str | None]:
        self.resent.append(list(isbns))
        return {i: self.media_errors[i] for i in isbns if i in self.media_errors}

    def schedule_launch(self, isbn: str) -> str:
        if isbn in self.undated:
            raise ActionNotPossible("the edition has no publication date (List 163: 01) to launch on")
        self.scheduled.append(isbn)
        return f"launch job for {isbn}"


def _run(events: list[MilestoneEvent], actions: Mapping[Transition, MilestoneAction] = DEFAULT_ACTIONS,
         effects: Effects | None = None, uow: InMemoryUnitOfWork | None = None) -> tuple[list[MilestoneRecord], Effects,
                                                                                     InMemoryUnitOfWork, ListLog]:
    effects, uow, log = effects or Effects(), uow or InMemoryUnitOfWork(), ListLog()
    records = apply_milestones(ApplyMilestones(store="shop", events=tuple(events), actions=actions), effects, uow,
                               log, FixedClock(NOW))
    return records, effects, uow, log


def test_the_default_actions_run_and_every_outcome_is_recorded():
    events = [MilestoneEvent(LOCKED, Transition.METADATA_LOCKED, "no", "yes"),
              MilestoneEvent(APPROVED, Transition.FINAL_APPROVAL, "no", "yes"),
              MilestoneEvent(DATED, Transition.DATE_CONFIRMED, "no", "2027-03-01"),
              MilestoneEvent(ACTIVE, Transition.ACTIVE, "02", "04")]
    records, effects, uow, log = _run(events)
    assert [(r.event.isbn, r.action, r.ok) for r in records] == [
        (LOCKED, "create-hidden", True), (APPROVED, "attach-assets", True), (DATED, "schedule-launch", True),
        (ACTIVE, "sync", True)]
    assert effects.resent == [[APPROVED]] and effects.scheduled == [DATED]
    assert log.records == records and all(r.at == NOW and r.store == "shop" for r in records)
    with uow:
        assert uow.exceptions.open_items() == []


def test_each_failure_is_recorded_and_opens_an_exception_naming_the_edition_and_the_transition():
    effects = Effects()
    effects.media_errors[APPROVED] = "image 1: 422 the URL is not reachable"
    events = [MilestoneEvent(UNLISTED, Transition.METADATA_LOCKED, "no", "yes"),
              MilestoneEvent(APPROVED, Transition.FINAL_APPROVAL, "no", "yes"),
              MilestoneEvent(DATED, Transition.FINAL_APPROVAL, "no", "yes"),  # no product to attach to
              MilestoneEvent(UNDATED, Transition.DATE_CONFIRMED, "no", None)]
    records, _, uow, _ = _run(events, effects=effects)
    assert [r.ok for r in records] == [False, False, False, False]
    assert "no product in the store" in records[0].detail
    assert records[1].detail == "image 1: 422 the URL is not reachable"
    assert records[2].detail == "no product in the store to attach assets to"
    assert "no publication date" in records[3].detail
    with uow:
        items = {e.id: e for e in uow.exceptions.open_items()}
    assert sorted(r.exception_id for r in records) == sorted(items)  # type: ignore[type-var]
    for record in records:
        item = items[record.exception_id]  # type: ignore[index]
        # The store refused nothing when there is no publication date to launch on: the edition rules it out.
        kind = ExceptionKind.ACTION_NOT_POSSIBLE if record.event.isbn == UNDATED else ExceptionKind.STORE_REJECTION
        assert (item.kind, item.isbn, item.storefront) == (kind, record.event.isbn, None)
        assert item.field == f"milestone {record.event.transition}"  # the key it is counted under
        # What a person reads is in words, as `bookbridge milestones` says it (docs/glossary.md, milestone); an
        # edition the catalogue does not hold is named as it names one.
        assert item.message == (f"milestone {transition_words(record.event.transition)} of not in the catalogue "
                                f"(ISBN {record.event.isbn}): could not {action_words(record.action)}: "
                                f"{record.detail}"), item.message


def test_an_action_the_edition_rules_out_is_no_store_refusal_and_names_the_edition():
    """A withdrawn edition's create-hidden and attach-assets, a launch with no publication date: the store refused
    nothing. Each exception says what happened, naming the edition `Title (Format), ISBN …`, the milestone and the
    action as `bookbridge milestones` says them."""
    effects = Effects()
    effects.editions = {str(HARDBACK): edition(title="Roseanna", publishing_status="07"),
                        str(EBOOK): edition(isbn=EBOOK, title="Sidetracked", availability="40"),
                        str(PAPERBACK): edition(isbn=PAPERBACK, title="Undated", publication_date=None)}
    effects.undated.add(str(PAPERBACK))
    events = [MilestoneEvent(str(HARDBACK), Transition.METADATA_LOCKED, "no", "yes"),
              MilestoneEvent(str(EBOOK), Transition.FINAL_APPROVAL, "no", "yes"),
              MilestoneEvent(str(PAPERBACK), Transition.DATE_CONFIRMED, "no", "yes")]
    records, _, uow, _ = _run(events, effects=effects)
    assert [(r.ok, r.pending) for r in records] == [(False, False)] * 3
    with uow:
        items = {e.id: e for e in uow.exceptions.open_items()}
    said = [items[r.exception_id] for r in records]  # type: ignore[index]
    assert {(e.kind, kind_words(e.kind, e.storefront)) for e in said} == {
        (ExceptionKind.ACTION_NOT_POSSIBLE, "milestone action not possible")}
    assert [e.message for e in said] == [
        f"milestone metadata locked of Roseanna (Hardback), ISBN {HARDBACK}: could not create its product hidden: "
        "the edition is withdrawn (out of print, PublishingStatus 07): it has no product in the store, and a "
        "withdrawn edition gets none",
        f"milestone final approval of Sidetracked (Hardback), ISBN {EBOOK}: could not attach its approved assets: the "
        "edition is withdrawn (no longer available, ProductAvailability 40 Not available (reason unspecified)): it "
        "has no product in the store, and a withdrawn edition gets none",
        f"milestone publication date confirmed of Undated (Hardback), ISBN {PAPERBACK}: could not schedule its "
        "launch: the edition has no publication date (List 163: 01) to launch on"]
    assert "refused" not in " ".join(e.message for e in said)


def test_a_metadata_lock_on_a_withdrawn_edition_after_a_real_sync_is_not_possible_not_refused():
    """The walkthrough: the lock arrives for an edition the catalogue says is out of print. The sync creates
    nothing (a withdrawn edition is held back on every storefront), and the action's exception says why."""
    families = sample_catalogue(NOW.date(), families=2)
    gone = families[0].editions[0].model_copy(update={"publishing_status": "07"})
    source = InMemoryCatalogSource([families[0].model_copy(update={"editions": (gone, *families[0].editions[1:])}),
                                    families[1]])
    store, uow, clock = InMemoryStorefront("uk"), InMemoryUnitOfWork(), FixedClock(NOW)
    cmd = SyncStore.single(UK)
    assert sync_store(cmd, source, store, uow, clock).ok
    with uow:
        before = uow.state.catalogue(source.name)
    locked = gone.model_copy(update={"milestones": Milestones(metadata_locked=True)})
    source.put(families[0].model_copy(update={"editions": (locked, *families[0].editions[1:])}))
    report = sync_store(cmd, source, store, uow, clock)
    with uow:
        after = uow.state.catalogue(source.name)
    effects = SyncEffects("uk", uow, after, sync_again=lambda: report, schedule_launch=lambda e: "", report=report)
    [record] = apply_milestones(ApplyMilestones(store="uk", events=tuple(catalogue_transitions(before, after)),
                                                actions=DEFAULT_ACTIONS), effects, uow, ListLog(), clock)
    assert (record.event.isbn, record.action, record.ok) == (str(gone.isbn), "create-hidden", False)
    assert store.by_sku(str(gone.isbn)) is None
    with uow:
        item = uow.exceptions.get(record.exception_id)  # type: ignore[arg-type]
    assert item.kind is ExceptionKind.ACTION_NOT_POSSIBLE, item
    assert item.message.startswith(f"milestone metadata locked of {gone.display_title} ({gone.format.label}), "
                                    f"ISBN {gone.isbn}: could not create its product hidden: the edition is "
                                    "withdrawn (out of print, PublishingStatus 07)"), item.message


def test_the_store_refusing_the_syncs_own_action_fails_its_sync_action():
    effects = Effects()
    effects.failures[ACTIVE] = "name taken"
    records, *_ = _run([MilestoneEvent(ACTIVE, Transition.ACTIVE, "02", "04")], effects=effects)
    assert not records[0].ok and records[0].detail == "name taken"


def test_an_unrelated_exception_of_the_edition_does_not_fail_its_milestone():
    """04 -> 02 on a live title became a pre-order; the US storefront's missing USD price is its own exception."""
    uow = InMemoryUnitOfWork()
    with uow:
        uow.exceptions.report(ExceptionKind.BLOCKING_READINESS, isbn=ACTIVE, storefront="us",
                              message="no consumer price in USD", field="prices", at=NOW)
        uow.commit()
    records, *_ = _run([MilestoneEvent(ACTIVE, Transition.FORTHCOMING, "04", "02")], uow=uow)
    assert records[0].ok and records[0].exception_id is None, records[0]
    with uow:
        assert [e.field for e in uow.exceptions.open_items()] == ["prices"]


def test_a_launch_without_the_scheduler_is_queued_then_carried_out_by_the_service():
    class NoScheduler(Effects):
        def schedule_launch(self, isbn: str) -> str:
            raise ActionQueued("queued for the service")

    records, _, uow, log = _run([MilestoneEvent(DATED, Transition.DATE_CONFIRMED, "no", "2027-03-01")],
                                effects=NoScheduler())
    assert [(r.pending, r.ok, r.exception_id) for r in records] == [(True, False, None)]
    assert log.pending("shop") == records and log.pending("other") == []
    with uow:
        assert uow.exceptions.open_items() == []
    assert settle_pending("shop", NoScheduler(), uow, log, FixedClock(NOW)) == []  # still no scheduler: kept
    service = Effects()
    [settled] = settle_pending("shop", service, uow, log, FixedClock(NOW))
    assert (settled.id, settled.ok, settled.pending) == (records[0].id, True, False)
    assert "launch job for" in settled.detail and service.scheduled == [DATED]
    assert log.pending("shop") == [] and settle_pending("shop", service, uow, log, FixedClock(NOW)) == []


@pytest.mark.parametrize("action", list(MilestoneAction))
def test_a_configured_action_replaces_the_default(action):
    records, effects, *_ = _run([MilestoneEvent(LOCKED, Transition.METADATA_LOCKED, "no", "yes")],
                                actions={Transition.METADATA_LOCKED: action})
    assert records[0].action == action.value
    assert (effects.resent == [[LOCKED]]) == (action is MilestoneAction.ATTACH_ASSETS)
    assert (effects.scheduled == [LOCKED]) == (action is MilestoneAction.SCHEDULE_LAUNCH)


def test_an_unconfigured_transition_is_recorded_only():
    records, effects, *_ = _run([MilestoneEvent(ACTIVE, Transition.OUT_OF_PRINT, "04", "07")], actions={})
    assert (records[0].action, records[0].ok) == ("none", True)
    assert effects.resent == [] and effects.scheduled == []


class SyncedEffects:
    """The service's side after a real sync: has_product reads what the sync recorded as applied to the store."""

    def __init__(self, uow: InMemoryUnitOfWork, store: str) -> None:
        self.uow, self.store = uow, store

    def edition(self, isbn: str) -> Edition | None:
        return None  # the lifecycle stage is the sync's to apply here; these editions are not withdrawn

    def has_product(self, isbn: str) -> bool:
        with self.uow:
            applied = self.uow.state.applied(self.store)
        return isbn in applied and applied[isbn].product_id is not None

    def own_failure(self, isbn: str) -> str | None:
        return None

    def resend_media(self, isbns: Sequence[str]) -> Mapping[str, str | None]:
        return {}

    def schedule_launch(self, isbn: str) -> str:
        return f"launch job for {isbn}"


UK = StorefrontSettings(name="uk", countries=frozenset({"GB"}), currency="GBP", timezone="Europe/London")


def _editorial(edition: Edition, **changes: object) -> Edition:
    return edition.model_copy(update={"publishing_status": "00", **changes})


def test_a_metadata_lock_on_an_editorial_edition_is_created_hidden_by_the_sync_and_recorded_as_done():
    families = sample_catalogue(NOW.date(), families=3)
    kept, refused = families[0].editions[0], families[1].editions[0]
    us_only = Rights(sales_rights=(SalesRights(type="01", territory=Territory.of("US")),), row_type="06")
    source = InMemoryCatalogSource([
        families[0].model_copy(update={"editions": (_editorial(kept), *families[0].editions[1:])}),
        families[1].model_copy(update={"editions": (_editorial(refused, rights=us_only), *families[1].editions[1:])}),
        families[2]])
    store, uow, clock = InMemoryStorefront("uk"), InMemoryUnitOfWork(), FixedClock(NOW)
    cmd = SyncStore.single(UK)
    assert sync_store(cmd, source, store, uow, clock).ok
    assert store.by_sku(str(kept.isbn)) is None  # editorial and unlocked: never in the store

    with uow:
        before = uow.state.catalogue(source.name)
    locked = Milestones(metadata_locked=True)
    source.put(families[0].model_copy(update={"editions": (_editorial(kept, milestones=locked),
                                                           *families[0].editions[1:])}))
    source.put(families[1].model_copy(update={"editions": (_editorial(refused, rights=us_only, milestones=locked),
                                                           *families[1].editions[1:])}))
    report = sync_store(cmd, source, store, uow, clock)
    assert report.ok, report.exceptions_opened
    with uow:
        after = uow.state.catalogue(source.name)
    events = catalogue_transitions(before, after)
    assert {(e.isbn, e.transition) for e in events} == {(str(kept.isbn), Transition.METADATA_LOCKED),
                                                        (str(refused.isbn), Transition.METADATA_LOCKED)}
    records = apply_milestones(ApplyMilestones(store="uk", events=tuple(events), actions=DEFAULT_ACTIONS),
                               SyncedEffects(uow, "uk"), uow, ListLog(), clock)

    outcome = {r.event.isbn: r for r in records}
    assert (outcome[str(kept.isbn)].action, outcome[str(kept.isbn)].ok) == ("create-hidden", True)
    product = store.by_sku(str(kept.isbn))
    assert product is not None and product.is_visible is False
    assert (product.fields["availability"], product.fields["purchasable"], product.fields["channels"]) == (
        "disabled", False, [])
    # Locked, but not licensed for the storefront: rights win, nothing is created, and the action waits, naming
    # the rights exception; held back is not a failure, so no exception of its own is opened.
    assert store.by_sku(str(refused.isbn)) is None
    waiting = outcome[str(refused.isbn)]
    assert (waiting.ok, waiting.pending, waiting.exception_id) == (False, True, None)
    assert "not licensed for sale in GB (ROWSalesRightsType" in waiting.detail
    with uow:
        assert not [e for e in uow.exceptions.open_items() if (e.field or "").startswith("milestone ")]


def test_a_status_change_is_judged_by_its_own_store_action_not_by_unrelated_exceptions():
    """04 -> 02 on a live title that correctly became a pre-order: the sync applied it. Its missing USD price on
    another storefront, or an earlier milestone's failure, is no outcome of this action."""
    uow = InMemoryUnitOfWork()
    with uow:
        uow.exceptions.report(ExceptionKind.BLOCKING_READINESS, isbn=ACTIVE, storefront="us",
                              message="no consumer price in USD (storefront 'us', countries US)", field="Price", at=NOW)
        uow.exceptions.report(ExceptionKind.STORE_REJECTION, isbn=ACTIVE, storefront=None,
                              message="milestone metadata locked: could not create its product hidden",
                              field="milestone metadata-locked",
                              at=NOW)
        uow.exceptions.report(ExceptionKind.STORE_REJECTION, isbn=ACTIVE, storefront="another-store",
                              message="name taken", field="name", at=NOW)
        uow.commit()
    records, *_ = _run([MilestoneEvent(ACTIVE, Transition.FORTHCOMING, "04", "02")], uow=uow)
    assert (records[0].action, records[0].ok, records[0].exception_id) == ("sync", True, None)
    assert records[0].detail == "applied by the sync that found it"


def test_a_held_back_editions_milestone_waits_naming_the_exception_that_holds_it_back_and_opens_none():
    """Final approval of an edition not licensed on any storefront: nothing was refused by the store. The action
    waits (queued) for the edition to be listed, naming the rights exception in words, and opens no exception;
    once the edition is listed, the sync after carries it out."""
    uow = InMemoryUnitOfWork()
    with uow:
        rights = uow.exceptions.report(ExceptionKind.RIGHTS_CONFLICT, isbn=UNLISTED, storefront="us",
                                       message="not licensed for sale in US", field="SalesRights", at=NOW)
        uow.commit()
    effects = Effects()
    events = [MilestoneEvent(UNLISTED, Transition.FINAL_APPROVAL, "no", "yes"),
              MilestoneEvent(UNLISTED, Transition.METADATA_LOCKED, "no", "yes")]
    records, _, uow, log = _run(events, effects=effects, uow=uow)
    assert [(r.action, r.pending, r.ok, r.exception_id) for r in records] == [
        ("attach-assets", True, False, None), ("create-hidden", True, False, None)]
    for record in records:
        assert record.detail == (f"waits until the edition is listed: held back by exception {rights.id} "
                                 "(rights conflict on storefront 'us': not licensed for sale in US)")
    with uow:
        assert [e.id for e in uow.exceptions.open_items()] == [rights.id]  # no store refusal
    assert settle_pending("shop", effects, uow, log, FixedClock(NOW)) == []  # still held back: still waiting
    with uow:
        uow.exceptions.clear(isbn=UNLISTED, storefront="us", at=NOW)
        uow.commit()
    effects.products.add(UNLISTED)
    effects.media_errors[UNLISTED] = None
    settled = settle_pending("shop", effects, uow, log, FixedClock(NOW))
    assert [(r.action, r.ok, r.pending) for r in settled] == [("attach-assets", True, False),
                                                              ("create-hidden", True, False)]


def test_resending_the_media_of_editions_with_no_product_runs_no_follow_up_sync():
    """A held-back edition's waiting `attach-assets` is looked at after every sync: with no product to resend,
    it must not cost a follow-up sync each time."""
    follow_ups: list[int] = []

    def sync_again():
        follow_ups.append(1)
        raise AssertionError("no follow-up sync was needed")

    effects = SyncEffects("shop", InMemoryUnitOfWork(), {}, sync_again=sync_again, schedule_launch=lambda e: "")
    assert effects.resend_media([UNLISTED]) == {} and follow_ups == []


def test_a_queued_actions_log_line_says_what_it_waits_for_once(caplog):
    class NoScheduler(Effects):
        def schedule_launch(self, isbn: str) -> str:
            raise ActionQueued("queued for the service: `bookbridge serve` schedules the launch")

    with caplog.at_level(logging.INFO, logger="bookbridge"):
        _run([MilestoneEvent(DATED, Transition.DATE_CONFIRMED, "no", "2027-03-01")], effects=NoScheduler())
    [line] = [r.getMessage() for r in caplog.records if "schedule-launch" in r.getMessage()]
    assert line.count("queued for the service") == 1 and "schedule-launch queued for the service: `bookbridge" \
        in line, line
