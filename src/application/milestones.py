"""Milestone actions: each transition found between two syncs triggers its configured store action.

The sync that read the new data has already applied what the lifecycle rules derive from it (an editorial
edition whose metadata is locked is created hidden, a status change hides or shows it, a new date moves its
launch). The actions below add what a sync alone does not do, and check and record the outcome of each:

- `create-hidden` (default for metadata locked): verify and record. The sync that saw the lock created the
  edition's product (`bookbridge.domain.lifecycle.created_hidden`: hidden, availability disabled, on no channel) if the
  edition is still editorial, or already had one if it is announced or on sale. Success if the store holds a
  product for it; otherwise a failure naming why: the store's refusal of this sync's write, the edition's lifecycle
  stage (withdrawn: no product is made for it; not the store's doing), or "no product" (never synced).
- `attach-assets` (default for final approval): resend the media section (images, samples) of the edition's
  product, even though their hashes did not change, so that assets approved at final approval reach the store.

Both wait while rights or a blocking problem hold the edition back (held back is not a failure): queued, naming
the open exceptions that hold it back, and carried out by the sync that lists it (`settle_pending`).
- `schedule-launch` (default for publication date confirmed or changed): make sure a precise job flips the
  edition at its release instant; fails when the edition has no publication date. It needs the service's
  scheduler: a sync without one (`bookbridge sync`) queues it (the record is `pending`), and the service carries
  it out at its next sync (`settle_pending`).
- `sync` (default for the status changes): the sync that detected it applied it; success unless the store
  refused this sync's own action on the edition's product.
- `none`: recorded only.

A retry (`bookbridge exceptions retry`, the dashboard's "Retry edition") writes only its edition's product, yet
reads the whole catalogue and so finds other editions' transitions too. Those whose action depends on the store
being written (`sync`, `create-hidden`, `attach-assets`) are queued (`pending`, shown `queued`) with the reason,
never recorded as done nor dropped: the next sync writes those products and carries them out (`settle_pending`).

An outcome is judged only by its own store action: an exception the edition has for another reason (a missing
price on another storefront, a rights conflict) does not fail a milestone. Every outcome goes to the milestone log;
a failure also opens an exception, with no storefront and the field `milestone <transition>` (so that it never
merges with the sync's own exceptions), its message naming the milestone, the edition and the action in the words
of `bookbridge milestones`. Its kind says what happened: `store-rejection` when the store refused the write the
action needs; `action-not-possible` when the edition as the catalogue has it rules the action out (withdrawn, not
yet announced, no publication date, no longer in the catalogue), where no store was asked anything.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from bookbridge.application.exception_words import kind_words, place_words
from bookbridge.domain.lifecycle import lifecycle_hold, listing_state
from bookbridge.domain.listing import edition_name
from bookbridge.domain.milestones import MilestoneEvent, MilestoneRecord, Transition
from bookbridge.domain.model import Edition
from bookbridge.domain.ports import Clock, ExceptionKind, MilestoneLog, UnitOfWork
from bookbridge.domain.words import named_edition

logger = logging.getLogger(__name__)
UTC = ZoneInfo("UTC")


class MilestoneAction(StrEnum):
    CREATE_HIDDEN = "create-hidden"
    ATTACH_ASSETS = "attach-assets"
    SCHEDULE_LAUNCH = "schedule-launch"
    SYNC = "sync"
    NONE = "none"


DEFAULT_ACTIONS: Mapping[Transition, MilestoneAction] = {
    Transition.METADATA_LOCKED: MilestoneAction.CREATE_HIDDEN,
    Transition.FINAL_APPROVAL: MilestoneAction.ATTACH_ASSETS,
    Transition.DATE_CONFIRMED: MilestoneAction.SCHEDULE_LAUNCH,
    Transition.DATE_CHANGED: MilestoneAction.SCHEDULE_LAUNCH,
    Transition.FORTHCOMING: MilestoneAction.SYNC,
    Transition.ACTIVE: MilestoneAction.SYNC,
    Transition.OUT_OF_PRINT: MilestoneAction.SYNC,
}


# Each transition and action in the glossary's words (docs/glossary.md, milestone), for what people read; the
# codes stay in `[milestones]` and the JSON.
TRANSITION_WORDS: Mapping[str, str] = {
    Transition.METADATA_LOCKED: "metadata locked",
    Transition.FINAL_APPROVAL: "final approval",
    Transition.DATE_CONFIRMED: "publication date confirmed",
    Transition.DATE_CHANGED: "publication date changed",
    Transition.FORTHCOMING: "status forthcoming",
    Transition.ACTIVE: "status active",
    Transition.OUT_OF_PRINT: "status out of print",
}
ACTION_WORDS: Mapping[str, str] = {
    MilestoneAction.CREATE_HIDDEN: "create its product hidden",
    MilestoneAction.ATTACH_ASSETS: "attach its approved assets",
    MilestoneAction.SCHEDULE_LAUNCH: "schedule its launch",
    MilestoneAction.SYNC: "sync it",
    MilestoneAction.NONE: "record it only",
}


def transition_words(transition: str) -> str:
    """`final-approval` -> "final approval"; a code not known is shown as it is."""
    return TRANSITION_WORDS.get(transition, transition)  # a StrEnum member is its text


def action_words(action: str) -> str:
    """`attach-assets` -> "attach its approved assets"; a code not known is shown as it is."""
    return ACTION_WORDS.get(action, action)  # a StrEnum member is its text


class ActionNotPossible(Exception):
    """The edition as the catalogue has it rules the milestone action out (no publication date to launch on, no
    longer in the catalogue): no store refused anything. The message says why, in words for the exception queue."""


class ActionQueued(Exception):
    """The action needs the service's scheduler, which this sync does not have: queued for it. The message is the
    note kept with the pending record."""


class MilestoneEffects(Protocol):
    """What the sync's runner (the service, or `bookbridge sync`) does for the actions a sync does not cover."""

    def edition(self, isbn: str) -> Edition | None:
        """The edition as the catalogue the sync read holds it; None when it holds it no more."""
        ...

    def has_product(self, isbn: str) -> bool:
        """The store holds a product (hidden or not) for this edition, as last applied."""
        ...

    def own_failure(self, isbn: str) -> str | None:
        """Why the sync that found the transition failed its own action on this edition's product; None when that
        action succeeded or there was nothing to send."""
        ...

    def resend_media(self, isbns: Sequence[str]) -> Mapping[str, str | None]:
        """Resend the media section of these editions' products now; ISBN -> None, or why it failed."""
        ...

    def schedule_launch(self, isbn: str) -> str:
        """Ensure a precise job at the edition's next lifecycle instant; says what was scheduled. ActionNotPossible, or
        ActionQueued when there is no scheduler to do it now."""
        ...


@dataclass(frozen=True)
class ApplyMilestones:
    """Command: the transitions one sync found, and the configured action per transition."""

    store: str
    events: tuple[MilestoneEvent, ...]
    actions: Mapping[Transition, MilestoneAction]
    only: frozenset[str] | None = None  # a retry: the editions whose product it wrote; None: a sync of them all


HELD_BACK = "waits until the edition is listed: held back by"  # a queued action's note, while the edition is held back
# What a sync writes to the store decides these outcomes: a retry of another edition cannot carry them out.
STORE_WRITTEN = frozenset({MilestoneAction.SYNC, MilestoneAction.CREATE_HIDDEN, MilestoneAction.ATTACH_ASSETS})


def apply_milestones(cmd: ApplyMilestones, effects: MilestoneEffects, uow: UnitOfWork, log: MilestoneLog,
                     clock: Clock) -> list[MilestoneRecord]:
    """Carry out and record each event's action, in event order; media resends are batched into one sync. A
    retry (`only`) queues the store-written actions of other editions for the next sync."""
    actions = {event: cmd.actions.get(event.transition, MilestoneAction.NONE) for event in cmd.events}
    waiting = {e for e, a in actions.items() if cmd.only is not None and e.isbn not in cmd.only
               and a in STORE_WRITTEN}
    media = sorted({e.isbn for e, a in actions.items() if a is MilestoneAction.ATTACH_ASSETS and e not in waiting})
    resent = effects.resend_media(media) if media else {}
    records = []
    for event, action in actions.items():
        if event in waiting:
            note = (f"queued for the next sync: the retry of {', '.join(sorted(cmd.only or ()))} wrote only that "
                    f"edition's product, not this one's")
            logger.info("milestone %s of %s: %s %s", event.transition, event.isbn, action, note)
            records.append(log.record(MilestoneRecord(at=clock.now(), store=cmd.store, event=event,
                                                      action=str(action), ok=False, detail=note, pending=True)))
            continue
        try:
            ok, detail, kind = _outcome(event, action, effects, resent, uow, cmd.store, now=clock.now())
        except ActionQueued as queued:
            # `queued` says what it waits for ("queued for the service: ...", "waits until the edition is listed: ...")
            logger.info("milestone %s of %s: %s %s", event.transition, event.isbn, action, queued)
            records.append(log.record(MilestoneRecord(at=clock.now(), store=cmd.store, event=event,
                                                      action=str(action), ok=False, detail=str(queued), pending=True)))
            continue
        exception_id = None if ok else _failed(event, str(action), detail, kind, effects, uow, clock)
        if ok:
            logger.info("milestone %s of %s: %s: %s", event.transition, event.isbn, action, detail)
        records.append(log.record(MilestoneRecord(at=clock.now(), store=cmd.store, event=event, action=str(action),
                                                  ok=ok, detail=detail, exception_id=exception_id)))
    return records


def _failed(event: MilestoneEvent, action: str, detail: str, kind: ExceptionKind, effects: MilestoneEffects,
            uow: UnitOfWork, clock: Clock) -> int:
    """Open (or count again) the failure's exception, of `kind`, naming the milestone, the edition and the action as
    `bookbridge milestones` says them: `milestone final approval of Roseanna (Hardback), ISBN 9780007232833: could
    not attach its approved assets: <why>`."""
    isbn, transition = event.isbn, str(event.transition)
    edition = effects.edition(isbn)
    named = named_edition(isbn, edition_name(edition) if edition else None)
    with uow:
        # The field is the key the failure is counted under (a code); the message is what a person reads: words.
        item = uow.exceptions.report(kind, isbn=isbn, storefront=None, field=f"milestone {transition}",
                                     message=f"milestone {transition_words(transition)} of {named}: could not "
                                             f"{action_words(action)}: {detail}", at=clock.now())
        uow.commit()
    logger.warning("milestone %s of %s: %s failed (%s): %s", transition, isbn, action, kind, detail)
    return item.id


def settle_pending(store: str, effects: MilestoneEffects, uow: UnitOfWork, log: MilestoneLog, clock: Clock, *,
                   only: frozenset[str] | None = None) -> list[MilestoneRecord]:
    """After a sync, carry out the actions queued before it (oldest first) and settle their records: the launches
    a sync without the service queued for it, and what a retry of another edition queued for the next sync. A
    retry (`only`) settles those of its own editions only; media resends are batched into one sync."""
    pending = [(r.id, r) for r in log.pending(store) if r.id is not None and (only is None or r.event.isbn in only)]
    media = sorted({r.event.isbn for _, r in pending if r.action == MilestoneAction.ATTACH_ASSETS})
    resent = effects.resend_media(media) if media else {}
    settled = []
    for record_id, record in pending:
        action = MilestoneAction(record.action)
        try:
            ok, detail, kind = _outcome(record.event, action, effects, resent, uow, store, now=clock.now(),
                                        found_by="this sync")
        except ActionQueued as queued:  # still no scheduler, or still held back: leave it queued
            logger.info("milestone %s of %s still queued: %s", record.event.transition, record.event.isbn, queued)
            continue
        detail = (f"queued by a sync without the service, carried out by the service: {detail}"
                  if action not in STORE_WRITTEN
                  else f"waited while the edition was held back, carried out by the sync that listed it: {detail}"
                  if record.detail.startswith(HELD_BACK) else f"queued by a retry of another edition, carried out by "
                                                              f"the next sync: {detail}")
        exception_id = None if ok else _failed(record.event, record.action, detail, kind, effects, uow, clock)
        if (done := log.settle(record_id, ok=ok, detail=detail, at=clock.now(), exception_id=exception_id)):
            settled.append(done)
    return settled


def _wait_if_held_back(uow: UnitOfWork, store: str, isbn: str) -> None:
    """ActionQueued, naming in words the open readiness and rights exceptions that hold the edition back, if any:
    a held-back edition is not a failure (docs/glossary.md), so its action waits until the edition is listed; the
    sync that lists it settles it. Never another milestone's failure (field `milestone ...`)."""
    with uow:
        items = [e for e in uow.exceptions.open_items() if e.isbn == isbn
                 and e.kind in (ExceptionKind.RIGHTS_CONFLICT, ExceptionKind.BLOCKING_READINESS)
                 and not (e.field or "").startswith("milestone ")]
    if items:
        # A readiness or rights exception is on a storefront, or (a problem of no storefront) on the store.
        held = "; ".join(f"exception {e.id} ({kind_words(e.kind, e.storefront)} on "
                         f"{place_words(e.storefront, store, [e.storefront or ''])}: {e.message})" for e in items)
        raise ActionQueued(f"{HELD_BACK} {held}")


def _lifecycle_rules_out(effects: MilestoneEffects, isbn: str, now: datetime) -> None:
    """ActionNotPossible when the edition's lifecycle stage keeps it out of the store (withdrawn, not yet announced
    and not locked): an action on its product cannot apply, and no store was asked. The stage is read in UTC; only
    an announcement date differs by time zone, and an edition announced in any storefront's zone has its product."""
    edition = effects.edition(isbn)
    if edition is None:
        return
    stage = listing_state(edition, at=now, tz=UTC).stage
    if hold := lifecycle_hold(edition, stage):
        raise ActionNotPossible(f"the edition is {hold}: it has no product in the store, and a {stage.words} "
                                "edition gets none")


def _outcome(event: MilestoneEvent, action: MilestoneAction, effects: MilestoneEffects,
             resent: Mapping[str, str | None], uow: UnitOfWork, store: str, *, now: datetime,
             found_by: str = "the sync that found it") -> tuple[bool, str, ExceptionKind]:
    """Whether the action was carried out, how or why not, and, for a failure, its exception's kind: the store's
    refusal, or an action the edition rules out (`ActionNotPossible`). `found_by`: the sync whose writes a `sync`
    action is judged by (the one that found the transition, or the one that settles what a retry queued)."""
    try:
        ok, detail = _carried_out(event.isbn, action, effects, resent, uow, store, now=now, found_by=found_by)
    except ActionNotPossible as ruled_out:
        return False, str(ruled_out), ExceptionKind.ACTION_NOT_POSSIBLE
    return ok, detail, ExceptionKind.STORE_REJECTION


def _carried_out(isbn: str, action: MilestoneAction, effects: MilestoneEffects, resent: Mapping[str, str | None],
                 uow: UnitOfWork, store: str, *, now: datetime, found_by: str) -> tuple[bool, str]:
    if action is MilestoneAction.NONE:
        return True, "recorded; no store action configured"
    if action is MilestoneAction.SYNC:
        problem = effects.own_failure(isbn)
        return (False, problem) if problem else (True, f"applied by {found_by}")
    if action is MilestoneAction.CREATE_HIDDEN:
        if effects.has_product(isbn):
            return True, "the store holds its product (hidden while the edition is editorial)"
        if problem := effects.own_failure(isbn):
            return False, problem
        _lifecycle_rules_out(effects, isbn, now)
        _wait_if_held_back(uow, store, isbn)
        return False, "no product in the store (held back by the listing rules)"
    if action is MilestoneAction.ATTACH_ASSETS:
        if isbn not in resent:
            _lifecycle_rules_out(effects, isbn, now)
            _wait_if_held_back(uow, store, isbn)
            return False, "no product in the store to attach assets to"
        error = resent[isbn]
        return (False, error) if error else (True, "media section resent")
    return True, effects.schedule_launch(isbn)
