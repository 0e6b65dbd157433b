"""The Storefront contract: what every store adapter must do for the planner to be right.

Subclass it in a pytest module as `Test…` and implement the hooks::

    class TestMyStore(StorefrontContract):
        def make_storefront(self) -> Storefront: ...
        def inspect(self, storefront, sku) -> StoredProduct | None: ...
        def writes(self, storefront) -> int: ...
        def make_rejected(self, storefront, listing) -> StoreListing: ...

The checks: a CREATE applied twice (a retry after a lost record) gives one product; a HIDE leaves the product
in the store, invisible; an empty plan makes no writes; `find_by_skus` finds what the store holds (reading only),
and an ADOPT planned from it takes the product over in place; a rejected item comes back as
`ActionOutcome(ok=False, error=StoreError(...))` with a message, never as an exception, and the rest of the
batch still goes through; in a sync run every action gets exactly one final outcome (a `Buffering` store may
answer `pending` until a `flush` reports it; any other store never does). `InMemoryStorefront` passes all of
them: it is the reference behaviour.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import replace
from datetime import UTC, datetime

from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.listing import StoreListing, build_listings, with_hashes
from bookbridge.domain.plan import ActionKind, StoreAction, applied_after, plan_changes
from bookbridge.domain.ports import ActionOutcome, Buffering, StoredProduct, Storefront
from bookbridge.domain.storefront import StorefrontSettings

AT = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
STOREFRONT = StorefrontSettings(name="contract", channel_id=1, countries=frozenset({"GB"}), currency="GBP",
                                timezone="Europe/London")


def listings(count: int = 3) -> list[StoreListing]:
    """Listed, one-product-per-edition listings from the bundled sample catalogue (deterministic)."""
    found = [li for li in build_listings(sample_catalogue(AT.date(), families=4), STOREFRONT, at=AT) if li.listed]
    assert len(found) >= count, "the sample catalogue has too few listed editions for the contract"
    return found[:count]


def create(listing: StoreListing) -> StoreAction:
    return StoreAction(ActionKind.CREATE, listing.key, listing, tuple(listing.hashes))


def record(actions: list[StoreAction], outcomes: list[ActionOutcome],
           applied: dict[str, AppliedListing] | None = None) -> dict[str, AppliedListing]:
    """What the sync use case would keep after `outcomes` (successful ones only)."""
    kept = dict(applied or {})
    for action, outcome in zip(actions, outcomes, strict=True):
        if outcome.ok:
            kept[action.key] = applied_after(action, kept.get(action.key), outcome.product_id, outcome.remote)
    return kept


class StorefrontContract(ABC):
    """Subclass as `Test…`; each test gets a fresh, empty store from `make_storefront`."""

    @abstractmethod
    def make_storefront(self) -> Storefront:
        """A new storefront over an empty store."""

    @abstractmethod
    def inspect(self, storefront: Storefront, sku: str) -> StoredProduct | None:
        """The product holding `sku` as the store itself has it (not as the adapter remembers it), or None."""

    @abstractmethod
    def writes(self, storefront: Storefront) -> int:
        """How many writes the store has received so far (HTTP requests other than GET, for a REST store)."""

    @abstractmethod
    def make_rejected(self, storefront: Storefront, listing: StoreListing) -> StoreListing:
        """A variant of `listing` that the store will refuse (invalid data, or a fault the store double injects)."""

    # --- idempotent upsert ------------------------------------------------------------------------------------

    def test_a_create_applied_twice_gives_one_product(self) -> None:
        store = self.make_storefront()
        listing = listings(1)[0]
        first = store.apply([create(listing)], {})
        again = store.apply([create(listing)], {})  # the record of the first was lost: a retry
        assert first[0].ok and again[0].ok, (first, again)
        assert first[0].product_id is not None and again[0].product_id == first[0].product_id
        stored = self.inspect(store, listing.sku)
        assert stored is not None and stored.product_id == first[0].product_id and stored.name == listing.name
        assert [p.sku.casefold() for p in store.read_back()].count(listing.sku.casefold()) == 1

    def test_outcomes_come_back_one_per_action_in_order(self) -> None:
        store = self.make_storefront()
        batch = [create(li) for li in listings(3)]
        outcomes = store.apply(batch, {})
        assert [o.key for o in outcomes] == [a.key for a in batch]
        assert all(o.ok and o.error is None for o in outcomes), outcomes
        assert len({o.product_id for o in outcomes}) == 3

    def test_an_update_changes_the_stored_product(self) -> None:
        store = self.make_storefront()
        listing = listings(1)[0]
        actions = [create(listing)]
        applied = record(actions, store.apply(actions, {}))
        renamed = with_hashes(replace(listing, name=listing.name + " (Special Edition)"))
        plan = plan_changes(STOREFRONT.name, [renamed], applied)
        assert [a.kind for a in plan.actions] == [ActionKind.UPDATE]
        [outcome] = store.apply(list(plan.actions), applied)
        assert outcome.ok, outcome
        stored = self.inspect(store, listing.sku)
        assert stored is not None and stored.name == renamed.name

    # --- hiding -------------------------------------------------------------------------------------------------

    def test_a_hide_leaves_the_product_invisible(self) -> None:
        store = self.make_storefront()
        listing = listings(1)[0]
        actions = [create(listing)]
        applied = record(actions, store.apply(actions, {}))
        plan = plan_changes(STOREFRONT.name, [], applied)  # gone from a complete source
        assert [a.kind for a in plan.actions] == [ActionKind.HIDE]
        [outcome] = store.apply(list(plan.actions), applied)
        assert outcome.ok, outcome
        stored = self.inspect(store, listing.sku)
        assert stored is not None, "a HIDE must never delete the product"
        assert stored.is_visible is False

    # --- hash-driven no-ops -------------------------------------------------------------------------------------

    def test_an_empty_plan_writes_nothing(self) -> None:
        store = self.make_storefront()
        batch = [create(li) for li in listings(3)]
        applied = record(batch, store.apply(batch, {}))
        before = self.writes(store)
        plan = plan_changes(STOREFRONT.name, [a.listing for a in batch if a.listing], applied)
        assert plan.actions == () and plan.unchanged == 3
        assert store.apply(list(plan.actions), applied) == []
        assert self.writes(store) == before

    # --- a sync run ---------------------------------------------------------------------------------------------

    def test_in_a_sync_run_every_action_gets_one_final_outcome(self) -> None:
        store = self.make_storefront()
        found = listings(4)
        batches = [[create(li) for li in found[:2]], [create(li) for li in found[2:]]]
        buffering = store if isinstance(store, Buffering) else None
        final: dict[str, ActionOutcome] = {}

        def keep(outcomes: list[ActionOutcome]) -> None:
            for outcome in outcomes:
                assert outcome.key not in final, f"{outcome.key}: a second final outcome"
                if not outcome.pending:
                    final[outcome.key] = outcome

        if buffering is not None:
            buffering.begin([a for batch in batches for a in batch], {})
        for batch in batches:
            outcomes = store.apply(batch, {})
            assert [o.key for o in outcomes] == [a.key for a in batch]
            assert buffering is not None or not any(o.pending for o in outcomes), "pending outside `Buffering`"
            keep(outcomes)
            if buffering is not None:
                keep(buffering.flush(final=False))
        if buffering is not None:
            keep(buffering.flush(final=True))
        assert sorted(final) == sorted(li.key for li in found)
        assert all(o.ok and o.product_id is not None for o in final.values()), final
        assert all(self.inspect(store, li.sku) is not None for li in found)

    # --- adopting an existing shop ------------------------------------------------------------------------------

    def test_find_by_skus_reads_the_products_held_under_those_skus_and_writes_nothing(self) -> None:
        store = self.make_storefront()
        batch = [create(li) for li in listings(3)]
        outcomes = store.apply(batch, {})
        before = self.writes(store)
        first, second = (a.listing for a in batch[:2] if a.listing is not None)
        found = store.find_by_skus([first.sku, second.sku, "BB-NOT-IN-THE-STORE"])
        assert self.writes(store) == before, "find_by_skus must only read"
        by_sku = {p.sku.casefold(): p for p in found}
        assert set(by_sku) == {first.sku.casefold(), second.sku.casefold()}, found
        assert by_sku[first.sku.casefold()].product_id == outcomes[0].product_id
        assert by_sku[second.sku.casefold()].name == second.name
        assert store.find_by_skus([]) == []

    def test_an_adopt_planned_from_the_store_takes_the_product_over_in_place(self) -> None:
        store = self.make_storefront()
        listing = listings(1)[0]
        [made] = store.apply([create(listing)], {})  # a product the state does not know (a fresh state database)
        renamed = with_hashes(replace(listing, name=listing.name + " (Special Edition)"))
        found = {p.sku.casefold(): p for p in store.find_by_skus([listing.sku])}
        plan = plan_changes(STOREFRONT.name, [renamed], {}, found=found)
        assert [a.kind for a in plan.actions] == [ActionKind.ADOPT], plan
        if "name" in found[listing.sku.casefold()].fields:  # the diff shows the fields the store reports
            assert any(c.field == "name" and c.before == listing.name for c in plan.actions[0].changes(None))
        [outcome] = store.apply(list(plan.actions), {})
        assert outcome.ok and outcome.product_id == made.product_id, outcome
        stored = self.inspect(store, listing.sku)
        assert stored is not None and stored.name == renamed.name
        assert [p.sku.casefold() for p in store.read_back()].count(listing.sku.casefold()) == 1
        applied = record(list(plan.actions), [outcome])
        assert plan_changes(STOREFRONT.name, [renamed], applied).actions == (), "after adoption, nothing to do"

    # --- errors ---------------------------------------------------------------------------------------------------

    def test_a_rejected_item_is_an_outcome_with_a_message_not_an_exception(self) -> None:
        store = self.make_storefront()
        good, other = listings(2)
        bad = self.make_rejected(store, other)
        outcomes = store.apply([create(good), create(bad)], {})
        assert [o.key for o in outcomes] == [good.key, bad.key]
        assert outcomes[0].ok, outcomes[0]
        failed = outcomes[1]
        assert failed.ok is False and failed.error is not None
        assert failed.error.message.strip(), "a rejection must say why"
        assert self.inspect(store, good.sku) is not None
