"""Milestone actions: each transition found between two syncs triggers its configured store action.

The sync that read the new data has already applied what the lifecycle rules derive from it (an editorial
edition whose metadata is locked is created hidden, a status change hides or shows it, a new date moves its
launch). The actions below add what a sync alone does not do, and check and record the outcome of each:

- `create-hidden` (default for metadata locked): verify and record. The sync that saw the lock created the
  edition's product (`bookbridge.domain.lifecycle.created_hidden`: hidden, availability disabled, on no channel) if the
  edition is still editorial, or already had one if it is announced or on sale. Success if the store holds a
  product for it; otherwise a failure naming why: an open store or readiness exception (rights, a blocking
  problem, a store refusal), or "no product" (delisted, or never synced).
- `attach-assets` (default for final approval): resend the media section (images, samples) of the edition's
  product, even though their hashes did not change, so that assets approved at final approval reach the store.
- `schedule-launch` (default for publication date confirmed or changed): make sure a precise job flips the
  edition at its release instant; fails when the edition has no publication date.
- `sync` (default for the status changes): the sync that detected it applied it; success unless the store
  refused that sync's own action on the edition (a store rejection or exhausted retries on the store). A
  readiness or rights exception elsewhere (the edition not priced on another storefront, say) is no outcome of
  this action and is not cited: the status change did what the listing rules say.
- `none`: recorded only.

Every outcome goes to the milestone log; a failure also opens an exception (kind store-rejection, with no
storefront and the field `milestone <transition>`, so that it never merges with the sync's own exceptions).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bookbridge.domain.milestones import MilestoneEvent, MilestoneRecord, Transition
from bookbridge.domain.ports import Clock, ExceptionKind, MilestoneLog, UnitOfWork

logger = logging.getLogger(__name__)
STORE_KINDS = (ExceptionKind.STORE_REJECTION, ExceptionKind.TRANSIENT_EXHAUSTED,
               ExceptionKind.BLOCKING_READINESS, ExceptionKind.RIGHTS_CONFLICT)
# What the store said of the sync's own action on an edition: its outcome, and nothing else.
STORE_ACTION_KINDS = (ExceptionKind.STORE_REJECTION, ExceptionKind.TRANSIENT_EXHAUSTED)


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


class ActionFailed(Exception):
    """A milestone action could not be carried out; the message says why, in words for the exception queue."""


class MilestoneEffects(Protocol):
    """What the running service does for the actions a sync does not cover."""

    def has_product(self, isbn: str) -> bool:
        """The store holds a product (hidden or not) for this edition, as last applied."""
        ...

    def resend_media(self, isbns: Sequence[str]) -> Mapping[str, str | None]:
        """Resend the media section of these editions' products now; ISBN -> None, or why it failed."""
        ...

    def schedule_launch(self, isbn: str) -> str:
        """Ensure a precise job at the edition's next lifecycle instant; says what was scheduled. ActionFailed."""
        ...


@dataclass(frozen=True)
class ApplyMilestones:
    """Command: the transitions one sync found, and the configured action per transition."""

    store: str
    events: tuple[MilestoneEvent, ...]
    actions: Mapping[Transition, MilestoneAction]


def _store_problem(uow: UnitOfWork, isbn: str, kinds: tuple[ExceptionKind, ...] = STORE_KINDS,
                   store: str | None = None) -> str | None:
    """The open exceptions of `kinds` for the edition (on `store` when given), in words; never a milestone's own
    failure (field `milestone ...`): one milestone's outcome is not another's."""
    with uow:
        items = [e for e in uow.exceptions.open_items() if e.isbn == isbn and e.kind in kinds
                 and not (e.field or "").startswith("milestone ") and (store is None or e.storefront == store)]
    return "; ".join(f"{e.kind}: {e.message}" for e in items) or None


def apply_milestones(cmd: ApplyMilestones, effects: MilestoneEffects, uow: UnitOfWork, log: MilestoneLog,
                     clock: Clock) -> list[MilestoneRecord]:
    """Carry out and record each event's action, in event order; media resends are batched into one sync."""
    actions = {event: cmd.actions.get(event.transition, MilestoneAction.NONE) for event in cmd.events}
    media = sorted({e.isbn for e, a in actions.items() if a is MilestoneAction.ATTACH_ASSETS})
    resent = effects.resend_media(media) if media else {}
    records = []
    for event, action in actions.items():
        ok, detail = _outcome(event, action, effects, uow, resent, cmd.store)
        exception_id = None
        if not ok:
            with uow:
                item = uow.exceptions.report(ExceptionKind.STORE_REJECTION, isbn=event.isbn, storefront=None,
                                             field=f"milestone {event.transition}",
                                             message=f"{event.transition}: {action} failed: {detail}", at=clock.now())
                uow.commit()
            exception_id = item.id
            logger.warning("milestone %s of %s: %s failed: %s", event.transition, event.isbn, action, detail)
        else:
            logger.info("milestone %s of %s: %s: %s", event.transition, event.isbn, action, detail)
        records.append(log.record(MilestoneRecord(at=clock.now(), store=cmd.store, event=event, action=str(action),
                                                  ok=ok, detail=detail, exception_id=exception_id)))
    return records


def _outcome(event: MilestoneEvent, action: MilestoneAction, effects: MilestoneEffects, uow: UnitOfWork,
             resent: Mapping[str, str | None], store: str) -> tuple[bool, str]:
    isbn = event.isbn
    if action is MilestoneAction.NONE:
        return True, "recorded; no store action configured"
    if action is MilestoneAction.SYNC:
        # Judged by its own store action only: the store refusing the sync's write of this edition.
        problem = _store_problem(uow, isbn, STORE_ACTION_KINDS, store)
        return (False, problem) if problem else (True, "applied by the sync that found it")
    if action is MilestoneAction.CREATE_HIDDEN:
        if effects.has_product(isbn):
            return True, "the store holds its product (hidden while the edition is editorial)"
        return False, _store_problem(uow, isbn) or "no product in the store (held back by the listing rules)"
    if action is MilestoneAction.ATTACH_ASSETS:
        if isbn not in resent:
            return False, "no product in the store to attach assets to"
        error = resent[isbn]
        return (False, error) if error else (True, "media section resent")
    try:
        return True, effects.schedule_launch(isbn)
    except ActionFailed as failure:
        return False, str(failure)
