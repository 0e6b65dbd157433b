"""Is the catalogue ready for the store? A full read, the desired listings, and the problems tallied.

Nothing is written: not the store, not the sync state. `bookbridge check` prints the result.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bookbridge.application.sync import SyncStore
from bookbridge.domain.listing import build_edition_listing, build_store_listings, edition_name
from bookbridge.domain.model import Edition
from bookbridge.domain.ports import CatalogSource, Clock
from bookbridge.domain.problems import Problem, Severity
from bookbridge.domain.storefront import StorefrontSettings


@dataclass(frozen=True)
class StorefrontReadiness:
    """Every edition of the catalogue, on one storefront, in exactly one of four piles (the listing rules'
    order: rights first, then a blocking problem, then the lifecycle)."""

    storefront: str
    editions: int  # editions that reach this storefront's listings
    blocked: int  # licensed here, with at least one blocking problem: they stay off (or are hidden)
    listed: int = 0  # in the store for this storefront (on sale, on pre-order, announced, or created hidden)
    not_licensed: int = 0  # the rights do not cover the storefront's countries (whatever else is missing)
    not_yet_or_withdrawn: int = 0  # editorial (not announced yet) or delisted (out of print, withdrawn)


@dataclass(frozen=True)
class ReadinessReport:
    families: int
    editions: int
    delisted: int
    by_code: dict[tuple[Severity, str], int]  # (severity, problem code) -> records with it (`tally`), each code once
    storefronts: tuple[StorefrontReadiness, ...]
    examples: dict[str, Problem] = field(default_factory=dict)  # code -> one problem, to show what it means
    products: int = 0  # store products a first sync would create (`bookbridge plan`: create)
    products_held: int = 0  # and hold back (`bookbridge plan`: held back)
    unmapped_subjects: dict[str, int] = field(default_factory=dict)  # scheme -> subject codes no category maps
    names: dict[str, str] = field(default_factory=dict)  # ISBN -> `Title (Format)`, to name an example's edition

    @property
    def blocking(self) -> int:
        return sum(n for (severity, _), n in self.by_code.items() if severity is Severity.BLOCKING)

    @property
    def warnings(self) -> int:
        return sum(n for (severity, _), n in self.by_code.items() if severity is Severity.WARNING)


def check_readiness(cmd: SyncStore, source: CatalogSource, clock: Clock) -> ReadinessReport:
    """Read the whole source and build every listing at `clock.now()`, as a first sync would."""
    read = source.read(None)
    listings = build_store_listings(read.families, cmd.storefronts, at=clock.now(), mapping=cmd.mapping,
                                    store=cmd.store)
    problems = [*read.problems, *(p for listing in listings for p in listing.problems)]
    by_code, examples = tally(problems)
    editions = {str(e.isbn): e for f in read.families for e in f.editions}
    return ReadinessReport(
        families=len(read.families),
        editions=len(editions),
        delisted=len(read.delisted),
        by_code=by_code,
        storefronts=tuple(_piles(storefront, list(editions.values()), cmd, clock) for storefront in cmd.storefronts),
        examples=examples,
        products=sum(1 for li in listings if li.listed),
        products_held=sum(1 for li in listings if not li.listed),
        unmapped_subjects=dict(sorted(Counter(str(p.field).removeprefix("Subject/") for p in problems
                                              if p.code == "unmapped-subject").items())),
        names={isbn: edition_name(e) for isbn, e in editions.items()},
    )


def tally(problems: list[Problem]) -> tuple[dict[tuple[Severity, str], int], dict[str, Problem]]:
    """Each problem code once: at its severest (a missing price blocks where the edition is licensed, and is only a
    warning where it is not, since not being licensed holds it back there already), counting the records that have
    it at that severity (an edition missing a cover on two storefronts counts once), with one of them as an
    example. Blocking codes first, then the most records."""
    severest: dict[str, Severity] = {}
    for p in problems:
        if p.blocking or p.code not in severest:
            severest[p.code] = p.severity
    records: dict[str, set[tuple[str | None, int | None, str | None]]] = {code: set() for code in severest}
    examples: dict[str, Problem] = {}
    for p in problems:
        if p.severity is severest[p.code]:
            # A record's problem on several storefronts is one; a source problem without a record is its own.
            records[p.code].add((p.record, None, None) if p.record else (None, p.line, p.message))
            examples.setdefault(p.code, p)
    counts = {(severest[code], code): len(found) for code, found in records.items()}
    return dict(sorted(counts.items(), key=lambda kv: (kv[0][0] is not Severity.BLOCKING, -kv[1], kv[0][1]))), examples


def _piles(storefront: StorefrontSettings, editions: list[Edition], cmd: SyncStore, clock: Clock
           ) -> StorefrontReadiness:
    piles: Counter[str] = Counter()
    for edition in editions:
        listing = build_edition_listing(edition, storefront, at=clock.now(), mapping=cmd.mapping)
        if listing.listed:
            piles["listed"] += 1
        elif (listing.not_listed_reason or "").startswith("not licensed"):  # not licensed beats every problem
            piles["rights"] += 1
        elif any(p.blocking for p in listing.problems):
            piles["blocked"] += 1
        else:  # editorial (not announced, not locked) or delisted
            piles["lifecycle"] += 1
    return StorefrontReadiness(storefront.name, len(editions), blocked=piles["blocked"], listed=piles["listed"],
                               not_licensed=piles["rights"], not_yet_or_withdrawn=piles["lifecycle"])
