"""Lifecycle: where an edition stands at an instant, what the store should show, and when that changes.

Store rules (docs/mapping.md states them for people):
- Withdrawn (the code `delisted`): PublishingStatus (List 64) 01, 03, 05, 07, 08, 10, 11, 12, 13, 15, 17; or
  ProductAvailability (List 65) 01, 09, 40-52; or a NotificationType 05 delete.
- Editorial: no status (00, 09 or none), or before the public announcement date: hidden, whatever the
  availability says. Kept out of the store, unless its metadata is locked (`created_hidden`): then its product
  is created hidden, not purchasable and on no channel, ahead of its announcement.
- Temporarily unavailable: status 06 or 16, or availability 30-34: visible, not purchasable.
- Before release (release = the later of the publication date and the sales embargo): announced
  (visible, not purchasable), or pre-order once any pre-order embargo (List 163: 27) has passed.
- From release: live (purchasable). Never purchasable before the sales embargo or the publication date.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from bookbridge.domain.codelists import AVAILABILITY, PUBLISHING_STATUS, labelled
from bookbridge.domain.instants import require_aware, start_of
from bookbridge.domain.model import Edition

# List 64; 13 "active, but not sold separately" is never a product of its own in our shop.
DELISTED_STATUSES = frozenset({"01", "03", "05", "07", "08", "10", "11", "12", "13", "15", "17"})
UNAVAILABLE_STATUSES = frozenset({"06", "16"})
EDITORIAL_STATUSES = frozenset({"00", "09"})
SELLING_STATUSES = frozenset({"02", "04", "18"})  # forthcoming, active, active-but-not-sold-as-set
DELISTED_AVAILABILITY = frozenset({"01", "09"} | {str(n) for n in range(40, 53)})
UNAVAILABLE_AVAILABILITY = frozenset({"30", "31", "32", "33", "34"})


class Stage(StrEnum):
    EDITORIAL = "editorial"
    ANNOUNCED = "announced"
    PREORDER = "preorder"
    LIVE = "live"
    TEMPORARILY_UNAVAILABLE = "temporarily-unavailable"
    DELISTED = "delisted"

    @property
    def words(self) -> str:
        """The stage as people read it (docs/glossary.md); the value stays the code JSON carries."""
        return _STAGE_WORDS[self]


# One word per stage in every message, page and document: "delisted" is the code, "withdrawn" the word.
_STAGE_WORDS = {Stage.EDITORIAL: "not yet announced", Stage.ANNOUNCED: "announced", Stage.PREORDER: "pre-order",
                Stage.LIVE: "live", Stage.TEMPORARILY_UNAVAILABLE: "temporarily unavailable",
                Stage.DELISTED: "withdrawn"}


class Availability(StrEnum):
    """Store-neutral availability; BigCommerce's `availability` takes the same three values."""

    AVAILABLE = "available"
    PREORDER = "preorder"
    DISABLED = "disabled"


class ListingState(BaseModel):
    model_config = ConfigDict(frozen=True)

    stage: Stage
    visible: bool
    purchasable: bool  # can be bought for delivery now
    availability: Availability
    preorder_release: datetime | None = None
    message: str | None = None


class Lifecycle(BaseModel):
    """A state and the next instant at which it changes (None: it won't change by the clock alone)."""

    model_config = ConfigDict(frozen=True)

    state: ListingState
    next_change: datetime | None


def release_instant(edition: Edition, tz: ZoneInfo) -> datetime | None:
    """The later of the publication date and the sales embargo (List 163: 01, 02)."""
    candidates = [start_of(d, tz) for d in (edition.publication_date, edition.sales_embargo) if d is not None]
    return max(candidates) if candidates else None


def _stage(edition: Edition, at: datetime, tz: ZoneInfo) -> tuple[Stage, datetime | None]:
    status = edition.publishing_status
    availability = edition.availability
    if edition.delisted or status in DELISTED_STATUSES or availability in DELISTED_AVAILABILITY:
        return Stage.DELISTED, None
    # Editorial and not-yet-announced titles stay hidden whatever their availability says.
    if status not in SELLING_STATUSES and status not in UNAVAILABLE_STATUSES:
        return Stage.EDITORIAL, None
    if edition.announcement_date is not None and at < start_of(edition.announcement_date, tz):
        return Stage.EDITORIAL, None
    if status in UNAVAILABLE_STATUSES or availability in UNAVAILABLE_AVAILABILITY:
        return Stage.TEMPORARILY_UNAVAILABLE, None
    release = release_instant(edition, tz)
    if release is None:
        # Active with no date: on sale. Forthcoming with no date: announced, never purchasable.
        return (Stage.LIVE, None) if status != "02" else (Stage.ANNOUNCED, None)
    if at >= release:
        return Stage.LIVE, release
    if edition.preorder_embargo is not None and at < start_of(edition.preorder_embargo, tz):
        return Stage.ANNOUNCED, release
    return Stage.PREORDER, release


def listing_state(edition: Edition, *, at: datetime, tz: ZoneInfo) -> ListingState:
    return _state(_state_values(edition, require_aware(at), tz))


# A ListingState's fields as a tuple, in field order: (stage, visible, purchasable, availability,
# preorder_release, message). `lifecycle` compares these at each instant instead of building states.
_StateValues = tuple[Stage, bool, bool, Availability, datetime | None, str | None]


def _state_values(edition: Edition, at: datetime, tz: ZoneInfo) -> _StateValues:
    stage, release = _stage(edition, at, tz)
    if stage is Stage.LIVE:
        return stage, True, True, Availability.AVAILABLE, None, None
    if stage is Stage.PREORDER:
        return stage, True, False, Availability.PREORDER, release, "Pre-order now: released %%DATE%%"
    if stage is Stage.ANNOUNCED:
        when = f" {release.astimezone(tz).date().isoformat()}" if release else " soon"
        return stage, True, False, Availability.DISABLED, release, f"Coming{when}"
    if stage is Stage.TEMPORARILY_UNAVAILABLE:
        return stage, True, False, Availability.DISABLED, None, "Temporarily unavailable"
    return stage, False, False, Availability.DISABLED, None, None


def _state(values: _StateValues) -> ListingState:
    """The ListingState of `_state_values` (built as `listing_state` always has: the same fields set)."""
    stage, _, _, availability, release, message = values
    if stage is Stage.LIVE:
        return ListingState(stage=stage, visible=True, purchasable=True, availability=Availability.AVAILABLE)
    if stage is Stage.PREORDER or stage is Stage.ANNOUNCED:
        return ListingState(stage=stage, visible=True, purchasable=False, availability=availability,
                            preorder_release=release, message=message)
    if stage is Stage.TEMPORARILY_UNAVAILABLE:
        return ListingState(stage=stage, visible=True, purchasable=False, availability=Availability.DISABLED,
                            message=message)
    return ListingState(stage=stage, visible=False, purchasable=False, availability=Availability.DISABLED)


def created_hidden(edition: Edition, stage: Stage) -> bool:
    """An editorial edition whose metadata is locked (milestone `metadata-locked`) has a product in the store
    ahead of its announcement, so that assets and dates can reach it: hidden, disabled, on no channel. Without
    the lock an editorial edition stays out of the store: an unannounced title is never shown."""
    return stage is Stage.EDITORIAL and edition.milestones.metadata_locked


def lifecycle_hold(edition: Edition, stage: Stage) -> str | None:
    """Why an edition's lifecycle stage keeps it out of the store, in words naming the ONIX value (`withdrawn (out
    of print, PublishingStatus 07)`), or None when the stage lets it in. A stage is not a problem to fix: it opens no
    exception, but a person reading why an edition is held back needs to see it beside any other cause."""
    if created_hidden(edition, stage) or stage not in (Stage.EDITORIAL, Stage.DELISTED):
        return None
    status, availability = edition.publishing_status, edition.availability
    if stage is Stage.EDITORIAL:
        if status in SELLING_STATUSES or status in UNAVAILABLE_STATUSES:  # only the announcement date is to come
            return f"not yet announced (announcement date {edition.announcement_date})"
        return f"not yet announced (PublishingStatus {labelled(status, PUBLISHING_STATUS)})" if status else (
            "not yet announced (no PublishingStatus)")
    # The stage's one word first (`Stage.words`: the glossary's "withdrawn"), then its cause.
    if edition.delisted:
        return "withdrawn (deleted from the catalogue, NotificationType 05)"
    if status in DELISTED_STATUSES:
        return f"withdrawn ({PUBLISHING_STATUS[status].lower()}, PublishingStatus {status})"
    return f"withdrawn (no longer available, ProductAvailability {labelled(availability, AVAILABILITY)})"


def _instants(edition: Edition, tz: ZoneInfo) -> list[datetime]:
    dates = (edition.announcement_date, edition.preorder_embargo, edition.publication_date, edition.sales_embargo)
    return sorted({start_of(d, tz) for d in dates if d is not None})


def lifecycle(edition: Edition, *, at: datetime, tz: ZoneInfo,
              shared: dict[tuple[Any, ...], Lifecycle] | None = None) -> Lifecycle:
    """The state at `at`, and the first later instant at which the state differs.

    Lifecycles are frozen values, and most editions share a few (live with no change ahead above all): a planner
    passes `shared` (its own dict, kept as long as it likes) to get one object per value, instead of building and
    validating two models per edition and storefront time zone."""
    state = _state_values(edition, require_aware(at), tz)
    change = next((instant for instant in _instants(edition, tz)
                   if instant > at and _state_values(edition, instant, tz) != state), None)
    release = state[4]
    # Aware datetimes at one instant are equal whatever their zone: the key tells their zones apart as well.
    if shared is None:
        return Lifecycle(state=_state(state), next_change=change)
    key = (state, change, release and (release.tzinfo, release.fold), change and (change.tzinfo, change.fold))
    found = shared.get(key)
    if found is None:
        if len(shared) >= 4096:
            shared.clear()
        found = shared[key] = Lifecycle(state=_state(state), next_change=change)
    return found
