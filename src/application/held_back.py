"""Why editions are held back: each storefront's listing of each stored edition, grouped by the reason it is
not listed, for the dashboard's status header.

    held_back(families, storefronts, *, now, mapping=None) -> list[HeldBackGroup]

An edition is held back on a storefront when its listing there is not listed: a blocking problem (grouped by the
problem's code, in its readiness message's words: "no approved front cover (SupportingResource 01)", "sales
rights contradict each other", ...), no licence in a storefront's countries ("not licensed for sale"), or a
lifecycle stage that is never listed ("withdrawn (out of print, PublishingStatus 07)"). An edition shows under
each of its causes, and counts once per reason, however many storefronts share it.
Those held back on every storefront are not in the store at all: a plan and a sync run count them.

Each count has its label (docs/glossary.md, held back): `FROM_EVERY_STOREFRONT` and `FROM_SOME_STOREFRONT`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bookbridge.domain.lifecycle import lifecycle_hold
from bookbridge.domain.listing import (
    ListingCaches,
    MappingSettings,
    StoreListing,
    build_edition_listing,
    edition_name,
    edition_parts,
)
from bookbridge.domain.model import Edition, TitleFamily
from bookbridge.domain.storefront import StorefrontSettings

# The two counts of held-back editions, each under its own label wherever it is shown (docs/glossary.md):
FROM_EVERY_STOREFRONT = "held back from every storefront"  # not in the store: a plan's count, a sync run's
FROM_SOME_STOREFRONT = "held back from one storefront or more"  # the dashboard's status header; includes the above


@dataclass(frozen=True)
class HeldBackGroup:
    reason: str  # in words: "no approved front cover (SupportingResource 01)", "not licensed for sale", ...
    editions: tuple[str, ...]  # ISBNs, sorted
    storefronts: tuple[str, ...]  # where, in configured order
    everywhere: tuple[str, ...] = ()  # of `editions`, those held back on every storefront: not in the store
    # Of `editions` not held back everywhere, those held back on each storefront (configured order; none omitted),
    # and each edition's name (`Title (Format)`), so that a line about one edition can name it.
    some: tuple[tuple[str, tuple[str, ...]], ...] = ()
    names: tuple[tuple[str, str], ...] = ()


def held_back(families: Iterable[TitleFamily], storefronts: Sequence[StorefrontSettings], *, now: datetime,
              mapping: MappingSettings | None = None) -> list[HeldBackGroup]:
    """The reasons editions are held back, the most editions first (then by reason)."""
    mapping = mapping or MappingSettings()
    caches = ListingCaches()
    isbns: dict[str, set[str]] = defaultdict(set)
    where: dict[str, set[str]] = defaultdict(set)
    on: dict[tuple[str, str], set[str]] = defaultdict(set)  # (reason, storefront) -> ISBNs
    names: dict[str, str] = {}
    everywhere: set[str] = set()
    for family in families:
        for edition in family.editions:
            parts = edition_parts(edition, mapping, caches)
            held = 0
            for storefront in storefronts:
                listing = build_edition_listing(edition, storefront, at=now, parts=parts, caches=caches)
                if listing.listed:
                    continue
                held += 1
                for reason in reasons(listing, edition):
                    isbns[reason].add(str(edition.isbn))
                    where[reason].add(storefront.name)
                    on[reason, storefront.name].add(str(edition.isbn))
                    names[str(edition.isbn)] = edition_name(edition)
            if storefronts and held == len(storefronts):
                everywhere.add(str(edition.isbn))
    groups = [HeldBackGroup(reason=r, editions=tuple(sorted(found)),
                            storefronts=tuple(s.name for s in storefronts if s.name in where[r]),  # configured order
                            everywhere=tuple(sorted(found & everywhere)),
                            some=tuple((s.name, tuple(sorted(on[r, s.name] - everywhere))) for s in storefronts
                                       if on[r, s.name] - everywhere),
                            names=tuple((i, names[i]) for i in sorted(found)))
              for r, found in isbns.items()]
    return sorted(groups, key=lambda g: (-len(g.editions), g.reason))


def reasons(listing: StoreListing, edition: Edition) -> list[str]:
    """Why one storefront listing is not listed, in words that group: every cause, the main one first (not
    licensed, then a blocking problem in its code's words (`_CODE_WORDS`: its message less the edition's own
    values), then the lifecycle stage that keeps it out as well (`withdrawn (out of print, PublishingStatus 07)`),
    so that an edition out of print and not licensed in the US shows under both."""
    found = list(dict.fromkeys(_CODE_WORDS.get(p.code, p.code.replace("-", " "))
                               for p in listing.problems if p.blocking))
    if (listing.not_listed_reason or "").startswith("not licensed") and NOT_LICENSED not in found:
        found.insert(0, NOT_LICENSED)  # out of print too: no `not-licensed` problem (nothing to fix), yet a cause
    if (hold := lifecycle_hold(edition, listing.stage)) is not None:
        found.append(hold)
    return found or [listing.not_listed_reason or "not listed"]


NOT_LICENSED = "not licensed for sale"
# One reason, one set of words: each blocking problem's code in the words of its readiness message (what plan, sync,
# check and the exceptions say), less the edition's own values (its currency, countries, bytes), so that editions
# group. A `not-licensed` problem and a listing's "not licensed ..." reason are the same reason.
_CODE_WORDS = {
    "not-licensed": NOT_LICENSED,  # "not licensed for sale in US (ROWSalesRightsType 06)"
    "missing-title": "no title",
    "forthcoming-without-date": "forthcoming (PublishingStatus 02) with no publication date",
    "missing-cover": "no approved front cover (SupportingResource 01)",
    "cover-type": "front cover not JPEG, PNG or GIF",
    "cover-too-large": "front cover larger than the store takes",
    "missing-description": "no approved description (TextContent 03 or 02)",
    "no-price": "no consumer price",  # "no consumer price in USD (storefront 'us', countries US)"
    "no-current-price": "no consumer price in force now",
    "price-tax-mismatch": "no price taxed as the storefront shows prices",  # tax-inclusive or -exclusive
    "rights-conflict": "sales rights contradict each other",
    "no-default-currency-price": "no price in the store's default currency",
}
