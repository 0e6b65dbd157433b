"""Is the catalogue ready for the store? A full read, the desired listings, and the problems tallied.

Nothing is written: not the store, not the sync state. `bookbridge check` prints the result.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from application.sync import SyncStore
from domain.listing import build_store_listings
from domain.ports import CatalogSource, Clock
from domain.problems import Problem, Severity


@dataclass(frozen=True)
class StorefrontReadiness:
    storefront: str
    editions: int  # editions that reach this storefront's listings
    blocked: int  # editions with at least one blocking problem here: they stay off (or are hidden)


@dataclass(frozen=True)
class ReadinessReport:
    families: int
    editions: int
    delisted: int
    by_code: dict[tuple[Severity, str], int]  # (severity, problem code) -> problems, source and listing together
    storefronts: tuple[StorefrontReadiness, ...]
    examples: dict[str, Problem] = field(default_factory=dict)  # code -> one problem, to show what it means

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
    by_code = Counter((p.severity, p.code) for p in problems)
    examples: dict[str, Problem] = {}
    for p in problems:
        examples.setdefault(p.code, p)
    names = [s.name for s in cmd.storefronts]
    isbns = {str(e.isbn) for f in read.families for e in f.editions}
    blocked: dict[str, set[str]] = {name: set() for name in names}
    for listing in listings:
        for p in listing.problems:
            if p.blocking and p.record is not None:
                # A merged listing names the storefront a problem belongs to in `source` (see sync._record_readiness).
                where = p.source if p.source in blocked else listing.storefront
                for name in ([where] if where in blocked else names):
                    blocked[name].add(p.record)
    return ReadinessReport(
        families=len(read.families),
        editions=len(isbns),
        delisted=len(read.delisted),
        by_code=dict(sorted(by_code.items(), key=lambda kv: (kv[0][0] is not Severity.BLOCKING, -kv[1], kv[0][1]))),
        storefronts=tuple(StorefrontReadiness(name, len(isbns), len(blocked[name])) for name in names),
        examples=examples,
    )
