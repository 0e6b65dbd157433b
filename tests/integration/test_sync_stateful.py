"""The sync engine against the BigCommerce sandbox and a SQLite state, driven by a state machine.

Rules interleave catalogue edits, syncs, store weather (5xx, dropped connections, bare 429s, 207 partial
successes), crashes part-way through a sync (the store has acted, bookbridge has not recorded it) and clock
advances across launch and campaign instants. Invariants: one product per SKU and per name, only products
bookbridge owns, nothing on sale before its release or outside its rights; and a fault-free sync after any
history converges the store to the desired listing at that instant.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bookbridge.adapters.bigcommerce.sandbox import (
    ChannelSeed,
    FaultConfig,
    RateLimitConfig,
    SandboxConfig,
    SandboxServer,
)
from bookbridge.adapters.bigcommerce.storefront import BigCommerceStorefront
from bookbridge.adapters.memory import InMemoryCatalogSource
from bookbridge.adapters.persistence import make_engine, upgrade
from bookbridge.adapters.sample.catalogue import make_isbn, sample_catalogue
from bookbridge.application.sync import SyncReport, sync_store
from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.listing import build_store_listings
from bookbridge.domain.model import Edition, ResourceKind, TitleFamily
from bookbridge.domain.plan import StoreAction
from bookbridge.domain.ports import ActionOutcome, ExceptionKind, FixedClock, StoredProduct
from sync_drills import (
    COMMAND,
    NOW,
    STOREFRONTS,
    bigcommerce_store,
    divergence,
    duplicates,
    sold_too_early_or_unlicensed,
    sqlite_uow,
    strangers,
)

FAMILIES = 8


class Crash(Exception):
    """The process died here."""


class DyingStorefront:
    """Dies during its `batch`-th apply call: the first `survivors` actions reach the store, the rest do not,
    and no outcome is returned to be recorded."""

    def __init__(self, inner: BigCommerceStorefront, *, batch: int, survivors: int) -> None:
        self.inner, self.name = inner, inner.name
        self.batch, self.survivors = batch, survivors

    def apply(self, actions: Sequence[StoreAction], applied: Mapping[str, AppliedListing]) -> list[ActionOutcome]:
        self.batch -= 1
        if self.batch == 0:
            self.inner.apply(actions[: self.survivors], applied)
            raise Crash(f"killed after {self.survivors} of {len(actions)} actions")
        return self.inner.apply(actions, applied)

    def find_by_skus(self, skus: Sequence[str]) -> list[StoredProduct]:
        return self.inner.find_by_skus(skus)  # reads: the crash is in `apply`


class DyingUnitOfWork:
    """Dies instead of its `commit`-th commit: whatever the store did since the last commit goes unrecorded."""

    def __init__(self, inner: Any, *, commit: int) -> None:
        self.inner, self.left = inner, commit

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def __enter__(self) -> DyingUnitOfWork:
        self.inner.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.inner.__exit__(*exc)

    def commit(self) -> None:
        self.left -= 1
        if self.left == 0:
            raise Crash("killed before the commit")
        self.inner.commit()


def _bump_prices(edition: Edition, delta: Decimal) -> Edition:
    rows = tuple(r.model_copy(update={"amount": max(Decimal("0.99"), r.amount + delta)}) for r in edition.prices)
    return edition.model_copy(update={"prices": rows})


def _new_cover(edition: Edition, version: int) -> Edition:
    resources = tuple(
        r.model_copy(update={"url": f"{r.url.split('?')[0]}?v={version}", "sha256": f"{version:064x}"})
        if r.kind is ResourceKind.FRONT_COVER else r
        for r in edition.resources
    )
    return edition.model_copy(update={"resources": resources})


class SyncMachine(RuleBasedStateMachine):
    def __init__(self, sandbox: SandboxServer, template: Path, workdir: Path) -> None:
        super().__init__()
        self.sandbox = sandbox
        sandbox.reset()
        sandbox.faults.configure(FaultConfig())
        self.clock = FixedClock(NOW)
        self.source = InMemoryCatalogSource(sample_catalogue(NOW.date(), families=FAMILIES))
        self.editions: dict[str, Edition] = {str(e.isbn): e for f in self.source.families for e in f.editions}
        self.removed: dict[str, TitleFamily] = {}
        self.counter = 0
        self.crashed = False  # a sync died since the last one that finished
        workdir.mkdir(parents=True, exist_ok=True)
        self.db = workdir / f"state-{id(self)}.db"
        shutil.copyfile(template, self.db)
        self.uow = sqlite_uow(str(self.db), self.clock)
        self.store = self._fresh_store()

    def _fresh_store(self) -> BigCommerceStorefront:
        s = self.sandbox
        return bigcommerce_store(s.base_url_v3, s.base_url_v2, s.config.store_hash, s.config.token)

    def teardown(self) -> None:
        self.store.close()
        self.db.unlink(missing_ok=True)

    def _family(self, index: int) -> TitleFamily:
        families = self.source.families
        return families[index % len(families)]

    def _put(self, family: TitleFamily, editions: Sequence[Edition], **update: Any) -> None:
        self.source.put(family.model_copy(update={"editions": tuple(editions), **update}))

    def _sync(self, store: Any = None, uow: Any = None) -> SyncReport:
        try:
            report = sync_store(COMMAND, self.source, store or self.store, uow or self.uow, self.clock)
        except Crash:
            self.crashed = True
            raise
        self.crashed = False
        return report

    def _desired(self) -> list[Any]:
        """Removed families stay in the catalogue as delisted (ONIX delete: hidden, never destroyed), and their
        hidden products keep holding their names (unique store-wide), so they take part in the listing.

        A removed family takes part as bookbridge last read it: a delete names only ISBNs, so an edit made to the
        family after the last read (a title borrowed from another family, say) never reached bookbridge, and its
        hidden product keeps the name it had (seed 18815123099908327629367598875540350420)."""
        with self.uow:
            known = self.uow.state.catalogue(self.source.name)
        gone = [f.model_copy(update={"editions": tuple(e.model_copy(update={"delisted": True}) for e in f.editions)})
                for f in (known.get(family_id, family) for family_id, family in self.removed.items())]
        return build_store_listings([*self.source.families, *gone], STOREFRONTS, at=self.clock.now(),
                                    store=COMMAND.store)

    # --- the start: a first sync, perhaps cut short -------------------------------------------------------------

    @initialize(batch=st.integers(0, 3), survivors=st.integers(0, 9))
    def first_sync(self, batch: int, survivors: int) -> None:
        """Every listed edition is created; sometimes the process dies in the `batch`-th batch (0: it doesn't)."""
        if batch == 0:
            assert self._sync().ok
            return
        with contextlib.suppress(Crash):
            self._sync(store=DyingStorefront(self.store, batch=batch, survivors=survivors))
        self._restart()

    # --- catalogue edits ----------------------------------------------------------------------------------------

    @rule(index=st.integers(0, 50), delta=st.sampled_from([Decimal("-1.50"), Decimal("0.01"), Decimal("2.00")]))
    def change_price(self, index: int, delta: Decimal) -> None:
        family = self._family(index)
        self._put(family, [_bump_prices(e, delta) for e in family.editions])

    @rule(index=st.integers(0, 50), other=st.integers(0, 50), borrow=st.booleans())
    def change_title(self, index: int, other: int, borrow: bool) -> None:
        """A new title, sometimes one another family already has (names must stay unique store-wide)."""
        family = self._family(index)
        self.counter += 1
        title = self._family(other).title if borrow else f"{family.title.split(' Vol.')[0]} Vol. {self.counter}"
        self._put(family, [e.model_copy(update={"title": title}) for e in family.editions], title=title)

    @rule(index=st.integers(0, 50))
    def change_cover(self, index: int) -> None:
        family = self._family(index)
        self.counter += 1
        self._put(family, [_new_cover(e, self.counter) for e in family.editions])

    @rule(index=st.integers(0, 50), which=st.integers(0, 5))
    def go_out_of_print(self, index: int, which: int) -> None:
        family = self._family(index)
        editions = list(family.editions)
        i = which % len(editions)
        editions[i] = editions[i].model_copy(update={"publishing_status": "07", "availability": "51"})  # List 64/65
        self._put(family, editions)

    # KNOWN GAP (reported): a product created by a sync that died before recording it or saving the catalogue,
    # whose family is then removed, is never hidden (bookbridge has no record of it). Until writes are recorded
    # as intents before they are sent, removals here follow a sync that finished.
    @precondition(lambda self: len(self.source.families) > 1 and not self.crashed)
    @rule(index=st.integers(0, 50))
    def remove_family(self, index: int) -> None:
        family = self._family(index)
        self.source.remove(family.id)
        self.removed[family.id] = family

    @precondition(lambda self: bool(self.removed))
    @rule(data=st.data())
    def readd_family(self, data: st.DataObject) -> None:
        family_id = data.draw(st.sampled_from(sorted(self.removed)))
        self.source.put(self.removed.pop(family_id))

    @rule(index=st.integers(0, 50))
    def add_edition(self, index: int) -> None:
        """A new ISBN in the family, in the format of its first edition (so two editions share a name)."""
        family = self._family(index)
        self.counter += 1
        isbn = make_isbn(5000 + self.counter)
        edition = family.editions[0].model_copy(update={"isbn": isbn, "record_reference": str(isbn)})
        self.editions[str(isbn)] = edition
        self._put(family, [*family.editions, edition])

    # --- time -----------------------------------------------------------------------------------------------

    @rule(hours=st.sampled_from([1, 13, 25, 49, 24 * 6 + 1]))
    def advance_clock(self, hours: int) -> None:
        self.clock.advance_to(self.clock.now() + timedelta(hours=hours))

    @rule()
    def advance_to_next_change(self) -> None:
        """Straight onto the next launch, pre-order or campaign instant."""
        changes = [li.next_change for li in self._desired() if li.next_change and li.next_change > self.clock.now()]
        if changes:
            self.clock.advance_to(min(changes))

    # --- store weather --------------------------------------------------------------------------------------

    @rule(kind=st.sampled_from(["error", "drop", "bare_429", "partial_207"]), count=st.integers(1, 4),
          method=st.sampled_from([None, "GET", "POST", "PUT"]),
          where=st.sampled_from(["/v3/catalog/products", "/v3/catalog/products/channel-assignments", "/v3/pricelists",
                                 "/v3/catalog/variants", "/v3"]))
    def schedule_fault(self, kind: str, count: int, method: str | None, where: str) -> None:
        self.sandbox.faults.schedule(kind, count=count, method=method, path_prefix=where)  # type: ignore[arg-type]

    @rule(seed=st.integers(0, 2**16))
    def bad_weather(self, seed: int) -> None:
        self.sandbox.faults.configure(FaultConfig(seed=seed, error_rate=0.05, drop_rate=0.03, bare_429_rate=0.03,
                                                  partial_207_rate=0.2))

    # --- syncs and crashes ----------------------------------------------------------------------------------

    @rule()
    def sync(self) -> None:
        """Whatever the weather: failures become outcomes and exceptions, never a raised error."""
        self._sync()

    @rule(batch=st.integers(1, 4), survivors=st.integers(0, 9))
    def crash_mid_batch(self, batch: int, survivors: int) -> None:
        with contextlib.suppress(Crash):
            self._sync(store=DyingStorefront(self.store, batch=batch, survivors=survivors))
        self._restart()

    @rule(commit=st.integers(2, 6))
    def crash_before_commit(self, commit: int) -> None:
        with contextlib.suppress(Crash):
            self._sync(uow=DyingUnitOfWork(self.uow, commit=commit))
        self._restart()

    def _restart(self) -> None:
        """A new process: nothing survives but the store and the SQLite file."""
        self.store.close()
        self.uow = sqlite_uow(str(self.db), self.clock)
        self.store = self._fresh_store()

    @rule()
    def fault_free_sync_converges(self) -> None:
        self.sandbox.faults.clear()
        self.sandbox.faults.configure(FaultConfig())
        report = self._sync()
        assert report.ok, report.exceptions_opened
        assert divergence(self.sandbox.state, self._desired()) == []
        with self.uow:
            open_store = [e for e in self.uow.exceptions.open_items()
                          if e.kind in (ExceptionKind.STORE_REJECTION, ExceptionKind.TRANSIENT_EXHAUSTED)]
        assert open_store == []
        again = self._sync()  # converged means settled: nothing left to write
        assert (again.created, again.updated, again.hidden, again.failed) == (0, 0, 0, 0)

    # --- invariants -------------------------------------------------------------------------------------------

    @invariant()
    def one_product_per_sku_and_name(self) -> None:
        assert duplicates(self.sandbox.state) == []

    @invariant()
    def only_products_bookbridge_owns(self) -> None:
        assert strangers(self.sandbox.state, self.editions) == []

    @invariant()
    def nothing_on_sale_early_or_unlicensed(self) -> None:
        assert sold_too_early_or_unlicensed(self.sandbox.state, self.editions.values(), self.clock.now()) == []


@pytest.fixture(scope="module")
def sandbox():
    config = SandboxConfig(
        extra_channels=(ChannelSeed(id=2, name="US storefront"),), rate_limit=RateLimitConfig(time_scale=0.001)
    )
    with SandboxServer(config) as server:
        yield server


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A migrated SQLite file, copied for each example (migrating once keeps the examples fast)."""
    path = tmp_path_factory.mktemp("state") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def test_sync_survives_edits_faults_crashes_and_time(sandbox, template, tmp_path):
    run_state_machine_as_test(
        lambda: SyncMachine(sandbox, template, tmp_path),
        # More examples when asked (`BOOKBRIDGE_STATEFUL_EXAMPLES=200 ... --hypothesis-profile=dev`); derandomized
        # under the ci profile, random under dev.
        settings=settings(max_examples=int(os.environ.get("BOOKBRIDGE_STATEFUL_EXAMPLES", "25")),
                          stateful_step_count=20, deadline=None),
    )


def test_a_title_borrowed_then_removed_before_any_sync_read_it(sandbox, template, tmp_path):
    """Regression (seed 18815123099908327629367598875540350420): a family borrows another's title and is removed
    before any sync reads the new title. Its hidden product keeps its old name, so the lender keeps its untagged
    name, and a fault-free sync converges on that."""
    state = SyncMachine(sandbox, template, tmp_path)
    try:
        state.first_sync(batch=0, survivors=0)
        state.fault_free_sync_converges()
        state.change_title(borrow=True, index=31, other=0)
        state.advance_clock(hours=1)
        state.remove_family(index=7)
        state.fault_free_sync_converges()
        state.one_product_per_sku_and_name()
        state.only_products_bookbridge_owns()
    finally:
        state.teardown()


def test_related_links_refused_in_part_are_written_again(sandbox, template, tmp_path):
    """Regression (issue #15's random run: first_sync, add_edition(30), sync, go_out_of_print(38), bad_weather(54683),
    add_edition(23), sync, fault_free_sync_converges). An edition goes out of print and is hidden, so its siblings'
    related products must be written again without it; the store answers that write with a 207. The storefront had
    already kept the new link ids as written, so no later sync saw the links as stale: the siblings' exceptions
    stayed open through every fault-free sync, and their links in the store kept the hidden product.

    The reported steps reached the 207 by the weather's draws, one a request, so any change in the requests a sync
    sends moves it (before adoption's SKU look-up, weather seeds 3 and 4 hit it and 54683 did not; since a first
    sync writes fewer links, 54683 no longer does). These steps reach it by a scheduled fault instead: a sync
    through a storefront that does not link related products hides the edition, so that the next sync's first
    product write is the relink."""
    state = SyncMachine(sandbox, template, tmp_path)
    try:
        state.first_sync(batch=0, survivors=0)
        state.add_edition(index=30)  # The Amber Tide: a second hardback, related to the hardback and the audio CD
        state.sync()
        state.go_out_of_print(index=38, which=0)  # the first hardback: hidden, so no longer linked to
        state.crash_mid_batch(batch=2, survivors=0)  # hides it; no relink (the dying storefront links nothing)
        state.schedule_fault(kind="partial_207", count=1, method="PUT", where="/v3/catalog/products")
        state.sync()  # the relinks of the audio CD and the second hardback: 207
        second = str(make_isbn(5001))
        with state.uow:
            items = state.uow.exceptions.open_items()
        refused = sorted(e.isbn for e in items if e.kind is ExceptionKind.STORE_REJECTION)
        assert refused == ["9781800000179", second]
        state.fault_free_sync_converges()  # written again: the exceptions close
        with sandbox.state.lock:
            ids = {p["sku"]: p["id"] for p in sandbox.state.products.values()}
            related = sandbox.state.products[ids["9781800000179"]]["related_products"]
        assert related == [ids[second]], "the audio CD links the hardback on sale only"
    finally:
        state.teardown()



def _readd(state: SyncMachine, family_id: str) -> None:
    """`readd_family` drawing `family_id`."""
    state.source.put(state.removed.pop(family_id))


def test_a_hide_the_process_died_before_recording_is_undone_when_the_title_returns(sandbox, template, tmp_path):
    """Regression (a random run: first_sync, remove_family(0), a 500 on channel assignments, crash_before_commit(4),
    readd_family('work-1000'), fault_free_sync_converges). The sync hid the removed family's products and died
    before recording it, so the state still held them visible with their old hashes; when the family came back its
    listings equalled those hashes and nothing was sent: the products stayed hidden. The sections a write sends
    are now recorded as in doubt before it is sent, so the next plan sends them again."""
    state = SyncMachine(sandbox, template, tmp_path)
    try:
        state.first_sync(batch=0, survivors=0)
        state.remove_family(index=0)
        state.schedule_fault(count=1, kind="error", method=None, where="/v3/catalog/products/channel-assignments")
        state.crash_before_commit(commit=4)
        _readd(state, "work-1000")
        state.fault_free_sync_converges()
    finally:
        state.teardown()


def test_a_write_that_may_have_been_applied_is_sent_again_and_its_exception_closes(sandbox, template, tmp_path):
    """Regression (a random run: first_sync, remove_family(0), three 500s on products, crash_before_commit(5),
    readd_family('work-1000'), two advances, change_cover(26), crash_mid_batch(2, 5), fault_free_sync_converges).
    The hides failed after their retries ("it may have been applied") and kept the old hashes; with the family
    back, the fault-free sync found nothing to send, so the products stayed hidden and the transient exceptions
    stayed open."""
    state = SyncMachine(sandbox, template, tmp_path)
    try:
        state.first_sync(batch=0, survivors=0)
        state.remove_family(index=0)
        state.schedule_fault(count=3, kind="error", method=None, where="/v3/catalog/products")
        state.crash_before_commit(commit=5)
        _readd(state, "work-1000")
        state.advance_to_next_change()
        state.advance_to_next_change()
        state.change_cover(index=26)
        state.crash_mid_batch(batch=2, survivors=5)
        state.fault_free_sync_converges()
    finally:
        state.teardown()
