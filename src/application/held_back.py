"""Why editions are held back: each storefront's listing of each stored edition, grouped by the reason it is
not listed, for the dashboard's status header.

    held_back(families, storefronts, *, now, mapping=None) -> list[HeldBackGroup]

An edition is held back on a storefront when its listing there is not listed: a blocking problem (grouped by the
problem's code, in its readiness message's words: "no approved front cover (SupportingResource 01)", "sales
rights contradict each other", ...), no licence in a storefront's countries ("not licensed for sale"), or a
lifecycle stage that is never listed ("withdrawn (out of print, PublishingStatus 07)"). An edition shows under
each of its causes, and counts once per reason, however many storefronts share it.
Those held back on every storefront are not in the store at all: a plan and a sync run count them. Given what
was applied to the store and the open exceptions, so are those a person must decide on first, as the plan holds
them (`plan.plan_changes`): an edition whose record's ISBN changed in the source (`applied.isbn_changes`, the
plan's own rule), and one whose SKU the store's product holds for another title (`not adopted`: its open
`store-rejection` exception on the SKU, the last sync's finding), so that the dashboard counts what plan and sync
count.

Each count has its label (docs/glossary.md, held back): `FROM_EVERY_STOREFRONT` and `FROM_SOME_STOREFRONT`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bookbridge.application.adoption import ADOPTION_FIELD
from bookbridge.application.isbn_changes import CHANGED
from bookbridge.domain.applied import AppliedListing, isbn_changes
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
from bookbridge.domain.ports import ExceptionKind, SyncException
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
              mapping: MappingSettings | None = None, applied: Mapping[str, AppliedListing] | None = None,
              exceptions: Iterable[SyncException] = ()) -> list[HeldBackGroup]:
    """The reasons editions are held back, the most editions first (then by reason); with `applied` (the store's
    records) and `exceptions` (the open ones), those held back until a person decides too (`held_for_a_person`)."""
    mapping = mapping or MappingSettings()
    caches = ListingCaches()
    isbns: dict[str, set[str]] = defaultdict(set)
    where: dict[str, set[str]] = defaultdict(set)
    on: dict[tuple[str, str], set[str]] = defaultdict(set)  # (reason, storefront) -> ISBNs
    names: dict[str, str] = {}
    everywhere: set[str] = set()
    desired: list[tuple[StoreListing, Edition]] = []  # one listing per edition: its key and record
    for family in families:
        for edition in family.editions:
            parts = edition_parts(edition, mapping, caches)
            held = 0
            for index, storefront in enumerate(storefronts):
                listing = build_edition_listing(edition, storefront, at=now, parts=parts, caches=caches)
                if not index:
                    desired.append((listing, edition))
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
    for (isbn, reason), edition in held_for_a_person(desired, applied or {}, exceptions).items():
        isbns[reason].add(isbn)
        where[reason].update(s.name for s in storefronts)
        for storefront in storefronts:
            on[reason, storefront.name].add(isbn)
        names[isbn] = edition_name(edition)
        everywhere.add(isbn)
    groups = [HeldBackGroup(reason=r, editions=tuple(sorted(found)),
                            storefronts=tuple(s.name for s in storefronts if s.name in where[r]),  # configured order
                            everywhere=tuple(sorted(found & everywhere)),
                            some=tuple((s.name, tuple(sorted(on[r, s.name] - everywhere))) for s in storefronts
                                       if on[r, s.name] - everywhere),
                            names=tuple((i, names[i]) for i in sorted(found)))
              for r, found in isbns.items()]
    return sorted(groups, key=lambda g: (-len(g.editions), g.reason))


NOT_ADOPTED = "not adopted (the store holds its SKU for another title)"


def held_for_a_person(desired: Sequence[tuple[StoreListing, Edition]], applied: Mapping[str, AppliedListing],
                      exceptions: Iterable[SyncException]) -> dict[tuple[str, str], Edition]:
    """(ISBN, cause) of the editions held back from every storefront until a person decides, whatever the listing
    rules say, as a plan holds them: a record whose ISBN changed in the source (the plan's `isbn_changed`, by the
    same rule), and an edition the store has no product for whose SKU a product of another title holds (the plan's
    `mismatched`, known here by its open `store-rejection` exception on the SKU)."""
    editions = {listing.key: edition for listing, edition in desired}
    held = {(key, CHANGED): editions[key] for key in isbn_changes([li for li, _ in desired], applied)}
    products = {a.key for a in applied.values() if a.product_id is not None}
    for item in exceptions:
        if (item.kind is ExceptionKind.STORE_REJECTION and item.field == ADOPTION_FIELD and item.isbn in editions
                and item.isbn not in products):
            held[item.isbn, NOT_ADOPTED] = editions[item.isbn]
    return held


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
