"""The milestone actions a sync does not cover, for the sync that just ran (under its lease), and the one place a
sync's runner (the service's job, or `bookbridge sync`) turns the catalogue before and after into milestones."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from bookbridge.application.milestones import (
    ActionNotPossible,
    ActionQueued,
    ApplyMilestones,
    MilestoneAction,
    MilestoneEffects,
    apply_milestones,
)
from bookbridge.application.sync import SyncReport
from bookbridge.domain.listing import Section, edition_name
from bookbridge.domain.milestones import MilestoneRecord, Transition, catalogue_transitions
from bookbridge.domain.model import Edition, TitleFamily
from bookbridge.domain.ports import Clock, MilestoneLog, UnitOfWork
from bookbridge.domain.words import named_edition


class SyncEffects(MilestoneEffects):
    """`MilestoneEffects` over the store's applied state; `sync_again` runs a follow-up sync under the same
    lease, `schedule_launch` keeps a precise job at an edition's next lifecycle instant."""

    def __init__(self, store: str, uow: UnitOfWork, catalogue: Mapping[str, TitleFamily], *,
                 sync_again: Callable[[], SyncReport], schedule_launch: Callable[[Edition], str],
                 report: SyncReport | None = None) -> None:
        self._store = store
        self._uow = uow
        self._report = report
        self._sync_again = sync_again
        self._schedule_launch = schedule_launch
        self._editions = {str(e.isbn): (f.id, e) for f in catalogue.values() for e in f.editions}

    def _keys(self, isbn: str) -> list[str]:
        family = self._editions[isbn][0] if isbn in self._editions else None
        with self._uow:
            applied = self._uow.state.applied(self._store)
        return [k for k, a in applied.items() if a.product_id is not None
                and (k == isbn or (family is not None and k.startswith(f"family:{family}:")))]

    def edition(self, isbn: str) -> Edition | None:
        return self._editions[isbn][1] if isbn in self._editions else None

    def has_product(self, isbn: str) -> bool:
        return bool(self._keys(isbn))

    def own_failure(self, isbn: str) -> str | None:
        """The sync's failed outcomes on the edition's product (its ISBN, or its family's product)."""
        if self._report is None:
            return None
        family = self._editions[isbn][0] if isbn in self._editions else None
        failed = [o.error.message if o.error else "the store refused it" for o in self._report.outcomes
                  if not o.ok and (o.key == isbn or (family is not None and o.key.startswith(f"family:{family}:")))]
        return "; ".join(failed) or None

    def resend_media(self, isbns: Sequence[str]) -> Mapping[str, str | None]:
        """Forget the media hash of these products, so that the next sync sends the section again, and sync."""
        keys = {isbn: self._keys(isbn) for isbn in isbns}
        if not any(keys.values()):  # no product to resend (held back, say, its action waiting): no sync either
            return {}
        with self._uow:
            applied = self._uow.state.applied(self._store)
            for key in {k for ks in keys.values() for k in ks}:
                record = applied[key]
                hashes: dict[Section, str] = {s: h for s, h in record.hashes.items() if s is not Section.MEDIA}
                self._uow.state.record_applied(self._store, replace(record, hashes=hashes))
            self._uow.commit()
        report = self._sync_again()
        if report.stopped:
            return {isbn: "the service stopped before the media was sent; the next sync sends it"
                    for isbn, ks in keys.items() if ks}
        failed = {o.key: (o.error.message if o.error else "the store refused it") for o in report.outcomes
                  if not o.ok}
        return {isbn: next((failed[k] for k in ks if k in failed), None) for isbn, ks in keys.items() if ks}

    def schedule_launch(self, isbn: str) -> str:
        if isbn not in self._editions:
            raise ActionNotPossible("the edition is no longer in the catalogue")
        return self._schedule_launch(self._editions[isbn][1])


def sync_milestones(store: str, before: Mapping[str, TitleFamily], after: Mapping[str, TitleFamily],
                    report: SyncReport, *, actions: Mapping[Transition, MilestoneAction], uow: UnitOfWork,
                    log: MilestoneLog, clock: Clock, sync_again: Callable[[], SyncReport],
                    schedule_launch: Callable[[Edition], str],
                    only: frozenset[str] | None = None) -> list[MilestoneRecord]:
    """The transitions between the stored catalogue before and after one sync, each turned into its configured
    action and recorded. A sync that read nothing (the source failed) has none, nor does one the store refused (its
    catalogue is not kept: the next sync reads the changes again, and finds them). A retry (`only`: the editions it
    wrote) queues the other editions' store-written actions for the next sync (`apply_milestones`)."""
    if report.source_error is not None or report.store_refused is not None:
        return []
    events = catalogue_transitions(before, after)
    if not events:
        return []
    effects = SyncEffects(store, uow, after, sync_again=sync_again, schedule_launch=schedule_launch, report=report)
    return apply_milestones(ApplyMilestones(store=store, events=tuple(events), actions=actions, only=only), effects,
                            uow, log, clock)


def queue_for_the_service(edition: Edition) -> str:
    """`schedule_launch` for a sync that has no scheduler (`bookbridge sync`): the action is queued, never dropped."""
    raise ActionQueued(f"queued for the service: `bookbridge serve` schedules the launch of "
                       f"{named_edition(str(edition.isbn), edition_name(edition))} (a job "
                       "at an instant) at its next sync; while no service runs, the edition changes at the first "
                       "`bookbridge sync` after its instant")
