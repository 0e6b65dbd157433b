"""Launch and campaign instants: which listings change when, what each precise job will do, in words.

After a sync, `launches_ahead` groups the listings' future changes (each one, not only the next) by instant and
says for each whether it is a "launch" (an edition's sale status changes on a storefront) or a "campaign" (a price
flip), with a detail for the dashboard and `bookbridge jobs`. `next_launch_instant` is the `schedule-launch`
milestone action's instant.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime

from bookbridge.application.upcoming import (
    ChangesMemo,
    UpcomingChange,
    change_words,
    held_back_note,
    in_store,
    upcoming_changes,
)
from bookbridge.domain.lifecycle import lifecycle
from bookbridge.domain.listing import MappingSettings
from bookbridge.domain.model import Edition, TitleFamily
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.domain.words import plural

CLASSIFY_KEYS = 20  # per instant, how many listings are compared to say what will change


class KeyIndex:
    """A listing key (an ISBN, or family:<id>:<type>[:<isbn>] under the variant strategy) -> its family."""

    def __init__(self, catalogue: Mapping[str, TitleFamily]) -> None:
        self._catalogue = catalogue
        self._by_isbn = {str(e.isbn): f for f in catalogue.values() for e in f.editions}

    def family(self, key: str) -> TitleFamily | None:
        if key.startswith("family:"):
            return self._catalogue.get(key.split(":")[1])
        return self._by_isbn.get(key)


def classify(keys: Sequence[str], instant: datetime, families: KeyIndex, *,
             storefronts: Sequence[StorefrontSettings], mapping: MappingSettings, now: datetime,
             held: Collection[tuple[str, str | None]] = frozenset()) -> tuple[str, str]:
    """"launch" when an edition's sale status changes at the instant on a storefront, else "campaign" (a price
    flip); the detail names the first changes per edition and storefront, prices in that storefront's currency
    (`bookbridge.application.upcoming`), of editions in the store only (`in_store`; `held`: the open exceptions'
    `held_by_exceptions`), and counts the others. Looks at the families of at most CLASSIFY_KEYS listings."""
    found = [f for k in keys if (f := families.family(k)) is not None][:CLASSIFY_KEYS]
    chosen = list({f.id: f for f in found}.values())
    changes = upcoming_changes(chosen, storefronts, [instant], now=now,
                               mapping=mapping)[instant] if chosen and storefronts else []
    return described(keys, changes, held)


def described(keys: Sequence[str], changes: Sequence[UpcomingChange],
              held: Collection[tuple[str, str | None]] = frozenset()) -> tuple[str, str]:
    """`classify`'s kind and detail, of the changes at one instant of the listings `keys`."""
    if not changes:  # keys not in the catalogue, or no storefront: say no more than that
        return "launch", f"{plural(len(keys), 'listing')} change"
    listed, held_back = in_store(changes, held)
    shown = [change_words(c) for c in listed[:4]]
    more = len(listed) - len(shown)
    said = [*shown, *([f"and {plural(more, 'more change')}"] if more else [])]
    if not listed:
        said = [f"no change in the store ({held_back_note(held_back)})"]
    elif held_back:
        said.append(held_back_note(held_back))
    return ("launch" if any(c.launch for c in listed or changes) else "campaign"), "; ".join(said)


def launches_ahead(wakeups: Iterable[tuple[str, datetime]], catalogue: Mapping[str, TitleFamily], *,
                   storefronts: Sequence[StorefrontSettings], mapping: MappingSettings, now: datetime,
                   held: Collection[tuple[str, str | None]] = frozenset(),
                   memo: ChangesMemo | None = None) -> dict[datetime, tuple[str, str]]:
    """Each future instant (UTC) at which a listing changes -> its kind and detail (as `classify` says them): the
    listings' wake-ups (each listing's next change: the product the storefronts share carries only its nearest)
    and every later change of their editions on each storefront (`upcoming_changes`), so that each instant has its
    job now, not only once the sync at the one before has run. `memo`: the walks of the last call, reused for
    families that did not change."""
    by_instant: dict[datetime, list[str]] = {}
    for key, instant in wakeups:
        if instant > now:
            by_instant.setdefault(instant.astimezone(UTC), []).append(key)
    families = KeyIndex(catalogue)
    changing = {f.id: f for key in {k for keys in by_instant.values() for k in keys}
                if (f := families.family(key)) is not None}  # only these have a change ahead at all
    # One walk through every change of those editions on each storefront, described as the dashboard says them.
    changes = upcoming_changes(changing.values(), storefronts, None, now=now, mapping=mapping,
                               memo=memo) if storefronts else {}
    for instant, at in changes.items():
        keys = by_instant.setdefault(instant, [])
        keys += sorted({c.isbn for c in at} - set(keys))
    return {instant: described(keys, changes.get(instant, []), held) for instant, keys in by_instant.items()}


def next_launch_instant(edition: Edition, storefronts: Iterable[StorefrontSettings], *,
                        now: datetime) -> datetime | None:
    """The edition's next lifecycle instant on any storefront, or None when none is ahead."""
    instants = sorted({change for s in storefronts
                       if (change := lifecycle(edition, at=now, tz=s.zone).next_change) is not None})
    return instants[0] if instants else None
