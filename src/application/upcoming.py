"""What changes at the precise instants the scheduler holds (launches and campaign flips), per edition and storefront,
for the dashboard.

    upcoming_changes(families, storefronts, instants, *, now, mapping=None) -> dict[datetime, list[UpcomingChange]]
    upcoming_changes(families, storefronts, None, now=now)  # every change ahead, at each of its instants

The scheduler's precise job names only its instant. Here each edition's listing is built per storefront (not
merged over the store, where a launch on one storefront hides behind another still on pre-order, and only the
default currency's price shows) and followed from `now` through its changes up to the last instant asked for;
a change at one of the `instants` is said in words ("goes on sale", "pre-order opens", "campaign price ends"),
with any price in that storefront's currency. `in_store` decides which of them are listed (the dashboard, the
precise jobs' detail that /api/upcoming and `bookbridge jobs` show): not those of editions held back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bookbridge.application.field_words import availability_words
from bookbridge.application.money import money_text
from bookbridge.application.reconcile import isbn_of
from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.lifecycle import Availability, Stage
from bookbridge.domain.listing import (
    ListingCaches,
    ListingPrice,
    MappingSettings,
    StoreListing,
    build_edition_listing,
    edition_parts,
)
from bookbridge.domain.model import DateOrInstant, Edition, TitleFamily
from bookbridge.domain.ports import SyncException
from bookbridge.domain.storefront import StorefrontSettings, storefront_words
from bookbridge.domain.words import named_edition

GOES_ON_SALE, CAMPAIGN_PRICE = "goes on sale", "campaign price"  # how a launch's and a campaign flip's words begin
MAX_CHANGES = 100  # per edition and storefront: a listing changes at its own dates (a handful), then never again


@dataclass(frozen=True)
class UpcomingChange:
    at: datetime
    storefront: str
    isbn: str
    title: str  # the product name: title and format
    what: str  # in words, prices in the storefront's currency
    launch: bool = False  # its sale status changes (else only a price: a campaign flip)
    listed: bool = True  # listed after the change; False: held back there, so nothing reaches the store


def upcoming_changes(families: Iterable[TitleFamily], storefronts: Sequence[StorefrontSettings],
                     instants: Iterable[datetime] | None, *, now: datetime, mapping: MappingSettings | None = None,
                     memo: ChangesMemo | None = None) -> dict[datetime, list[UpcomingChange]]:
    """Per instant (as given), the storefront listings that change then, by ISBN then storefront order. `instants`
    None: every instant ahead at which one changes (in UTC), each listing followed through all its changes, not
    only its next: the precise jobs' instants (`launches_ahead`); a `memo` then keeps each family's changes for
    the next call."""
    every = instants is None
    wanted = {instant: instant for instant in instants or ()}  # aware datetimes compare (and hash) by their instant
    found: dict[datetime, list[UpcomingChange]] = {instant: [] for instant in wanted.values()}
    if not wanted and not every:
        return found
    last = None if every else max(wanted)
    mapping = mapping or MappingSettings()
    caches = ListingCaches()
    context = (tuple(storefronts), mapping)
    for family in families:
        kept = memo.changes(family, context, now) if memo is not None and every else None
        if kept is None:
            kept = _family_changes(family, storefronts, now=now, until=last, mapping=mapping, caches=caches,
                                   wanted=None if every else wanted)
            if memo is not None and every:
                memo.keep(family, context, now, kept)
        for change in kept:
            at = wanted[change.at] if not every else change.at
            found.setdefault(at, []).append(change if change.at is at else replace(change, at=at))
    for changes in found.values():
        changes.sort(key=lambda c: c.isbn)  # stable: storefronts keep their configured order
    return found


class ChangesMemo:
    """Each family's changes ahead from the last walk (`upcoming_changes(..., None, memo=...)`), reused while the
    family's content and the settings are the same: a listing's changes are a pure function of its edition, the
    storefront, the mapping and the instant, and those after a later instant are the same changes, fewer. The
    service keeps one for its life, so that a sync that changed nothing walks nothing again."""

    def __init__(self) -> None:
        self._context: tuple[Any, ...] | None = None
        self._entries: dict[str, tuple[TitleFamily, bytes, datetime, list[UpcomingChange]]] = {}

    def changes(self, family: TitleFamily, context: tuple[Any, ...], now: datetime) -> list[UpcomingChange] | None:
        """The family's changes after `now`, if its walk is kept and still holds; else None."""
        entry = self._entries.get(family.id) if context == self._context else None
        if entry is None or now < entry[2]:  # a walk knows nothing before the instant it started from
            return None
        if entry[0] is not family and _fingerprint(family) != entry[1]:
            return None
        return [c for c in entry[3] if c.at > now]

    def keep(self, family: TitleFamily, context: tuple[Any, ...], now: datetime,
             changes: list[UpcomingChange]) -> None:
        """The family's changes after `now`, as walked from it."""
        if context != self._context:
            self._context, self._entries = context, {}
        self._entries[family.id] = (family, _fingerprint(family), now, changes)


def _fingerprint(family: TitleFamily) -> bytes:
    return hashlib.sha256(family.model_dump_json().encode()).digest()


def _family_changes(family: TitleFamily, storefronts: Sequence[StorefrontSettings], *, now: datetime,
                    until: datetime | None, mapping: MappingSettings, caches: ListingCaches,
                    wanted: Collection[datetime] | None) -> list[UpcomingChange]:
    """The changes of the family's editions after `now` (up to `until`; only at the `wanted` instants, if given),
    in UTC when all are wanted."""
    # A day either side: a date is midnight in a storefront's zone, up to 14 hours from UTC.
    first_day = (now - timedelta(days=1)).date()
    last_day = date.max if until is None else (until + timedelta(days=1)).date()
    found = []
    for edition in family.editions:
        if not _may_change(edition, first_day, last_day):
            continue  # a catalogue of 100,000 editions: build only those with a date in the window
        parts = edition_parts(edition, mapping, caches)
        for storefront in storefronts:
            for at, listing, after in _changes(edition, storefront, now=now, until=until, parts=parts,
                                               caches=caches):
                if wanted is not None and at not in wanted:
                    continue
                what = describe_change(listing, after)
                launch = bool(_sale_change(listing, after))
                if launch:
                    what += _held_by_others(after, [
                        build_edition_listing(edition, other, at=at, parts=parts, caches=caches)
                        for other in storefronts if other is not storefront])
                found.append(UpcomingChange(at=at if wanted is not None else at.astimezone(UTC),
                                            storefront=storefront.name, isbn=str(edition.isbn),
                                            title=parts["name"], what=what, launch=launch,
                                            listed=listing.listed or after.listed))
    return found


def _changes(edition: Edition, storefront: StorefrontSettings, *, now: datetime, until: datetime | None,
             parts: dict[str, Any], caches: ListingCaches) -> Iterator[tuple[datetime, StoreListing, StoreListing]]:
    """Each change of the edition's listing on the storefront after `now` (up to `until`, inclusive), in order:
    (its instant, the listing before, the listing after). A listing changes only at the edition's own dates, so
    the chain ends; MAX_CHANGES guards against one that would not."""
    listing = build_edition_listing(edition, storefront, at=now, parts=parts, caches=caches)
    previous = now
    for _ in range(MAX_CHANGES):
        at = listing.next_change
        if at is None or at <= previous or (until is not None and at > until):
            return
        after = build_edition_listing(edition, storefront, at=at, parts=parts, caches=caches)
        yield at, listing, after
        listing, previous = after, at


def held_by_exceptions(items: Iterable[SyncException],
                       applied: Iterable[AppliedListing]) -> frozenset[tuple[str, str | None]]:
    """(ISBN, storefront) of the open exceptions on editions the store has no product for: a listing the rules
    would list, which a refusal or an unreachable store kept out of the store."""
    products = {isbn_of(a) for a in applied if a.product_id is not None}
    return frozenset((i.isbn, i.storefront) for i in items if i.isbn and i.isbn not in products)


def in_store(changes: Iterable[UpcomingChange],
             held: Collection[tuple[str, str | None]] = frozenset()) -> tuple[list[UpcomingChange], int]:
    """The changes the dashboard, /api/upcoming and `bookbridge jobs` list: those of editions that are (or the
    change puts) in the store on that storefront, not held back there by the listing rules or by an open exception
    (`held`, from `held_by_exceptions`); and how many others there are, said only as a count (`held_back_note`)."""
    changes = list(changes)
    shown = [c for c in changes if c.listed and (c.isbn, c.storefront) not in held]
    return shown, len(changes) - len(shown)


def change_words(change: UpcomingChange) -> str:
    """One change at an instant, naming its storefront and the edition as every message does, as `bookbridge
    jobs`, the dashboard's jobs, /api/upcoming and the demo say it: `The Northern Library (Hardback), ISBN
    9781800000063 campaign price starts: £14.00 (regular £20.00) (storefront 'uk')`."""
    return f"{named_edition(change.isbn, change.title)} {change.what} ({storefront_words(change.storefront)})"


def is_launch(change: UpcomingChange) -> bool:
    """A launch: the edition goes on sale on the change's storefront (docs/glossary.md), not pre-order opening."""
    return change.what.startswith(GOES_ON_SALE)


def is_campaign_flip(change: UpcomingChange) -> bool:
    """A campaign flip: a campaign price starts, ends or gives way to another on the change's storefront."""
    return any(part.startswith(CAMPAIGN_PRICE) for part in change.what.split("; "))


def held_back_note(count: int) -> str:
    """"1 change of a held-back edition not shown", "3 changes of held-back editions not shown"; "" for none.
    A change, not a flip: a campaign flip is a price's start or end (docs/glossary.md), and these may be launches."""
    if not count:
        return ""
    if count == 1:
        return "1 change of a held-back edition not shown"
    return f"{count} changes of held-back editions not shown"


def _may_change(edition: Edition, first: date, last: date) -> bool:
    """Whether any of the edition's own dates (lifecycle, price windows, sales-restriction windows: all a listing's
    next change derives from) falls between `first` and `last`, inclusive. Cheap and conservative."""
    days: list[DateOrInstant | None] = [edition.announcement_date, edition.preorder_embargo, edition.publication_date,
                                        edition.sales_embargo]
    for row in edition.prices:
        days += [row.valid_from, row.valid_until]
    rights = edition.rights
    for restriction in (*rights.restrictions, *(r for c in rights.sales_rights for r in c.restrictions)):
        days += [restriction.start, restriction.end]
    for value in days:
        if value is None:
            continue
        day = value.astimezone(UTC).date() if isinstance(value, datetime) else value
        # An inclusive end (valid_until, a restriction's end) changes the listing the day after.
        if first <= day <= last or first <= day + timedelta(days=1) <= last:
            return True
    return False


def describe_change(before: StoreListing, after: StoreListing) -> str:
    """One storefront listing's change, in words; never empty."""
    sale, price = _sale_change(before, after), _price_change(before.price, after.price)
    if price and not sale and not before.listed and not after.listed:  # nothing reaches the store: say why
        return f"{price}, but it is held back ({after.not_listed_reason or 'not listed'})"
    said = [s for s in (sale, price) if s]
    return "; ".join(said) or "its listing is updated (sale status and price stay as they are)"


_RESTRICTIVENESS = {Availability.AVAILABLE: 0, Availability.PREORDER: 1, Availability.DISABLED: 2}
_STAGE_MOVES = {Stage.LIVE: "go on sale", Stage.PREORDER: "open for pre-order", Stage.ANNOUNCED: "be announced",
                Stage.DELISTED: "be withdrawn"}


def _sale_change(before: StoreListing, after: StoreListing) -> str:
    was, now = before.listed and before.is_visible, after.listed and after.is_visible
    if not before.listed and not after.listed and before.stage != after.stage:
        move = _STAGE_MOVES.get(after.stage, f"become {after.stage.words}")
        return f"would {move}, but is held back ({after.not_listed_reason or 'not listed'})"
    if (was, before.availability) == (now, after.availability):
        return ""
    if now and after.availability is Availability.AVAILABLE:
        return GOES_ON_SALE
    if now and after.availability is Availability.PREORDER:
        return "pre-order opens" if before.availability is not Availability.AVAILABLE else "goes back to pre-order"
    if now:
        return "is shown, not yet for sale" if not was else "stops selling (still shown)"
    reason = f" ({after.not_listed_reason})" if after.not_listed_reason else ""
    return f"comes off sale{reason}"


def _held_by_others(after: StoreListing, others: Sequence[StoreListing]) -> str:
    """The store's one product per edition takes the most restrictive availability of the storefronts listing it
    (`bookbridge.domain.listing.merge_storefronts`): say so when another storefront holds it back."""
    if not after.listed:
        return ""
    behind = [o for o in others if o.listed and _RESTRICTIVENESS[o.availability] > _RESTRICTIVENESS[after.availability]]
    if not behind:
        return ""
    worst = max((o.availability for o in behind), key=lambda a: _RESTRICTIVENESS[a])
    names = storefront_words([o.storefront for o in behind]) + (" follows" if len(behind) == 1 else " follow")
    return f" (the product the storefronts share stays {availability_words(worst)} until {names})"


def _price_change(before: ListingPrice | None, after: ListingPrice | None) -> str:
    if before is None and after is None:
        return ""
    if after is None:
        return "loses its price"
    if before is None:
        return f"priced at {_money(after.currency, after.sale_price or after.price)}"
    if (before.currency, before.price, before.sale_price) == (after.currency, after.price, after.sale_price):
        return ""
    if before.sale_price is None and after.sale_price is not None:
        return (f"campaign price starts: {_money(after.currency, after.sale_price)} "
                f"(regular {_money(after.currency, after.price)})")
    if before.sale_price is not None and after.sale_price is None:
        return f"campaign price ends: back to {_money(after.currency, after.price)}"
    label = "campaign price changes" if after.sale_price is not None else "price changes"
    return (f"{label}: {_money(before.currency, before.sale_price or before.price)} → "
            f"{_money(after.currency, after.sale_price or after.price)}")


def _money(currency: str, amount: Decimal) -> str:
    return money_text(amount, currency)
