"""Milestones: the workflow transitions an edition goes through between two reads of the source.

Compared field by field, the previous stored edition against the new one:
- metadata locked, final approval, publication date confirmed: a `Milestones` flag turning from False to True
  (Consonance fills them from the product's metadata status and actual publication date; ONIX and the sample
  catalogue leave them False, so they never fire there);
- publication date changed: both reads have a date and the dates differ;
- status changes into forthcoming (List 64: 02), active (04), or out of print (07, and the other codes that
  end the edition's life in the trade: 08 inactive, 11 withdrawn from sale, 17 permanently withdrawn).

An edition seen for the first time has no transitions: its first read is the baseline, so that the first sync
of an established catalogue does not replay every title's history.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bookbridge.domain.model import DateOrInstant, Edition, TitleFamily

FORTHCOMING = "02"  # List 64
ACTIVE = "04"
OUT_OF_PRINT_STATUSES = frozenset({"07", "08", "11", "17"})  # out of print, inactive, withdrawn, permanently


class Transition(StrEnum):
    METADATA_LOCKED = "metadata-locked"
    FINAL_APPROVAL = "final-approval"
    DATE_CONFIRMED = "publication-date-confirmed"
    DATE_CHANGED = "publication-date-changed"
    FORTHCOMING = "status-forthcoming"
    ACTIVE = "status-active"
    OUT_OF_PRINT = "status-out-of-print"


@dataclass(frozen=True)
class MilestoneEvent:
    """One transition of one edition, with the values before and after, as text for the record."""

    isbn: str
    transition: Transition
    before: str | None = None
    after: str | None = None


def _text(value: DateOrInstant | str | bool | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value if isinstance(value, str) else value.isoformat()


def _status_class(status: str | None) -> Transition | None:
    if status == FORTHCOMING:
        return Transition.FORTHCOMING
    if status == ACTIVE:
        return Transition.ACTIVE
    if status in OUT_OF_PRINT_STATUSES:
        return Transition.OUT_OF_PRINT
    return None


def edition_transitions(previous: Edition | None, current: Edition) -> list[MilestoneEvent]:
    """The transitions from `previous` (None: first seen, so none) to `current`, in Transition order."""
    if previous is None:
        return []
    isbn = str(current.isbn)
    events: list[MilestoneEvent] = []
    flags = (
        (Transition.METADATA_LOCKED, previous.milestones.metadata_locked, current.milestones.metadata_locked),
        (Transition.FINAL_APPROVAL, previous.milestones.final_approval, current.milestones.final_approval),
        (Transition.DATE_CONFIRMED, previous.milestones.publication_date_confirmed,
         current.milestones.publication_date_confirmed),
    )
    for transition, before, after in flags:
        if after and not before:
            # A confirmed date is recorded with the date it confirms.
            confirmed = _text(current.publication_date) if transition is Transition.DATE_CONFIRMED else None
            events.append(MilestoneEvent(isbn, transition, "no", confirmed or "yes"))
    old_date, new_date = previous.publication_date, current.publication_date
    if old_date is not None and new_date is not None and _text(old_date) != _text(new_date):
        events.append(MilestoneEvent(isbn, Transition.DATE_CHANGED, _text(old_date), _text(new_date)))
    if previous.publishing_status != current.publishing_status:
        into = _status_class(current.publishing_status)
        if into is not None and into is not _status_class(previous.publishing_status):
            events.append(MilestoneEvent(isbn, into, previous.publishing_status, current.publishing_status))
    return events


def _editions(families: Mapping[str, TitleFamily]) -> Iterator[Edition]:
    for family in families.values():
        yield from family.editions


def catalogue_transitions(before: Mapping[str, TitleFamily], after: Mapping[str, TitleFamily]) -> list[MilestoneEvent]:
    """Every edition's transitions between two stored catalogues (family id -> family), by ISBN then Transition."""
    previous = {str(e.isbn): e for e in _editions(before)}
    events: list[MilestoneEvent] = []
    for edition in sorted(_editions(after), key=lambda e: str(e.isbn)):
        events += edition_transitions(previous.get(str(edition.isbn)), edition)
    return events


@dataclass(frozen=True)
class MilestoneRecord:
    """A transition and what its store action did: kept in `milestone_events`, shown by `bookbridge milestones`."""

    at: datetime
    store: str
    event: MilestoneEvent
    action: str
    ok: bool
    detail: str
    exception_id: int | None = None
    id: int | None = None
    # Queued: the action needs the service's scheduler and a sync without one (`bookbridge sync`) queued it for the
    # service, or it needs the edition's product written and a retry of another edition found it. A later sync
    # carries it out and settles the record (ok, detail) then.
    pending: bool = False
