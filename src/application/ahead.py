"""A flip known in advance, planned before its instant, so that its precise job only has to send.

At a launch or campaign instant the service's precise job syncs the store; reading the catalogue and planning
5,000 titles takes seconds (more on a busy machine), and they sit between the instant and the first write. Some
lead time before a known instant (`service.plan_ahead_seconds`), `plan_ahead` reads and plans the store as of the
instant (the plan's clock is the instant) and notes what the plan was made from. It writes nothing, to the store
or to the state: nothing can reach the store before the instant.

At the instant, `current_plan` answers that plan only if nothing it depends on has changed since:
- the instant has come (never earlier), and no listing of the plan changes again by then (`until`);
- the state's generation (`SyncState.generation`) is the same: no sync, reconcile, drift release or milestone wrote
  the store's applied listings, the stored catalogue or the source's cursor in between;
- the source, read again from the same cursor, says what it said then.
Otherwise the caller plans as it always did. The plans live in the service's memory (`PlansAhead`), nowhere else:
after a crash the precise job simply plans at its instant.

Several instants close together (campaigns ending a minute apart): the run at the first writes the state, so the
plans made ahead of the later ones would all be stale. After that run, still under the lease, `carry_plans` plans
each of them again from the state as it is then, reusing only its listings (the costly build) when the catalogue
they were built from is the one stored now: listings are a function of the catalogue, the settings and the instant,
so the plan carried is the plan a fresh one would be, with a new generation to be checked at its instant as above.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bookbridge.application.adoption import find_existing
from bookbridge.application.listing_memos import ListingMemos
from bookbridge.application.sync import PlannedSync, SyncStore, plan_store
from bookbridge.domain.catalogue import merge_catalogue
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.plan import next_wakeups, plan_changes
from bookbridge.domain.ports import CatalogSource, SourceRead, SourceUnreadable, Storefront, UnitOfWork


@dataclass(frozen=True)
class AtInstant:
    """The clock a plan made ahead is made on: always its instant."""

    instant: datetime

    def now(self) -> datetime:
        return self.instant


@dataclass(frozen=True)
class PlanAhead:
    """The store planned as of `instant`, and what that plan was made from."""

    store: str
    instant: datetime
    generation: int  # `SyncState.generation` before anything was read
    cursor: str | None  # the stored cursor the source was read from
    stored: Mapping[str, TitleFamily]  # the stored catalogue it was merged into (the milestones' "before")
    planned: PlannedSync
    until: datetime | None  # the first instant after `instant` at which one of its listings changes again


def plan_ahead(cmd: SyncStore, source: CatalogSource, store: Storefront, uow: UnitOfWork, instant: datetime, *,
               memos: ListingMemos | None = None) -> PlanAhead:
    """Read the catalogue and plan the store as of `instant` (reads only: the store is asked only which SKUs of
    listings never applied it holds). `memos`: the store's listing memos, as for any plan (the caller holds the
    store's lease): the next plan reuses these listings from the instant on; one made before the instant builds
    them again. May raise what `plan_store` raises."""
    cmd = replace(cmd, full=False)
    with uow:  # the generation first: a write after it, even during the reads below, makes the plan stale
        generation = uow.state.generation(cmd.store, source.name)
        cursor = uow.state.cursor(source.name)
        stored = uow.state.catalogue(source.name)
    planned = plan_store(cmd, source, uow, AtInstant(instant), memos=memos, store=store, stored=stored)
    until = min((at for _, at in next_wakeups(planned.listings) if at > instant), default=None)
    return PlanAhead(cmd.store, instant, generation, cursor, stored, planned, until)


def carry_plans(plans: Sequence[PlanAhead], cmd: SyncStore, source: CatalogSource, store: Storefront,
                uow: UnitOfWork) -> list[PlanAhead]:
    """`plans` (made ahead of instants still to come, stale since a run wrote the state) planned again from the
    state as it is now, each as of its own instant: every step of `plan_store` (the generation first, the cursor,
    the stored catalogue, the source read from that cursor, the applied listings, the store's SKUs of listings
    never applied, the diff), except that a plan's listings are reused where the catalogue merged now equals the
    one they were built from. A plan whose catalogue differs is left out: its instant plans as it always did.
    Reads only; may raise what `plan_store` raises."""
    cmd = replace(cmd, full=False)
    with uow:
        generation = uow.state.generation(cmd.store, source.name)
        cursor = uow.state.cursor(source.name)
        stored = uow.state.catalogue(source.name)
    read = source.read(cursor)
    catalogue = merge_catalogue(stored, read)
    complete = read.complete or bool(stored)
    carried: list[PlanAhead] = []
    applied = None
    for ahead in plans:
        if ahead.store != cmd.store or ahead.planned.catalogue != catalogue:
            continue
        listings = ahead.planned.listings
        if applied is None:  # the same records for every plan (`desired` only spares decoding payloads)
            with uow:
                applied = uow.state.applied(cmd.store, desired={listing.key: listing for listing in listings})
        found, refused = find_existing(listings, applied, store)
        plan = plan_changes(cmd.store, listings, applied, source_complete=complete, found=found)
        carried.append(replace(ahead, generation=generation, cursor=cursor, stored=stored,
                               planned=PlannedSync(read, listings, plan, applied, catalogue, store_refused=refused)))
    return carried


def current_plan(ahead: PlanAhead, source: CatalogSource, uow: UnitOfWork, now: datetime
                 ) -> tuple[PlannedSync | None, str]:
    """The plan made ahead, if it is still the plan at `now`, else None; and why not (empty when it is)."""
    if now < ahead.instant:
        return None, f"its instant {ahead.instant.isoformat()} has not come"
    if ahead.until is not None and now >= ahead.until:
        return None, f"a listing changed again at {ahead.until.isoformat()}"
    with uow:
        generation = uow.state.generation(ahead.store, source.name)
    if generation != ahead.generation:
        return None, "the store's applied listings, the stored catalogue or the source's cursor changed since"
    try:
        read = source.read(ahead.cursor)
    except SourceUnreadable as exc:
        return None, f"the source could not be read again ({exc})"
    if not _same(read, ahead.planned.read):
        return None, "the source changed since"
    return replace(ahead.planned, read=read), ""  # the same content; its cursor may be the newer


def _same(read: SourceRead, before: SourceRead) -> bool:
    return (read.families == before.families and read.delisted == before.delisted
            and read.problems == before.problems and read.complete == before.complete)


class PlansAhead:
    """The plans made ahead by one service process, by store and instant; each is taken once, at its instant."""

    def __init__(self) -> None:
        self._plans: dict[tuple[str, datetime], PlanAhead] = {}
        self._lock = threading.Lock()

    def keep(self, plan: PlanAhead, *, now: datetime) -> None:
        """Keep `plan` (replacing one for the same instant); plans whose instant is past are dropped."""
        with self._lock:
            self._plans = {k: p for k, p in self._plans.items() if p.instant > now}
            self._plans[(plan.store, plan.instant)] = plan

    def take_due(self, store: str, now: datetime) -> PlanAhead | None:
        """The plan of the store's latest instant at or before `now` (a run that meets several instants sends as of
        the last, if nothing changes between it and `now`); the store's plans of earlier instants are dropped."""
        with self._lock:
            due = sorted(k for k in self._plans if k[0] == store and k[1] <= now)
            taken = [self._plans.pop(k) for k in due]
            return taken[-1] if taken else None

    def stale(self, store: str, generation: int) -> list[PlanAhead]:
        """The store's plans made at another generation than `generation`, taken out (to be carried or dropped)."""
        with self._lock:
            keys = [k for k, p in self._plans.items() if k[0] == store and p.generation != generation]
            return [self._plans.pop(k) for k in keys]

    def put_back(self, plans: Sequence[PlanAhead]) -> None:
        """Keep plans brought up to date (`carry_plans`), their instants past or not."""
        with self._lock:
            for plan in plans:
                self._plans[(plan.store, plan.instant)] = plan

    def __len__(self) -> int:
        with self._lock:
            return len(self._plans)
