"""A store run by the clock: a scheduler that syncs only when told to and at each listing's next_change.

Rules advance the clock, edit rights, schedule campaigns and withdraw or reinstate editions; invariants say
that the store is never on sale before the embargo, never offers a title where it is not licensed, drops a
campaign price when its window closes, and holds one product per edition. If `next_change` missed an
instant, the store would drift from the desired state between wakeups, and `in_step` would fail.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.instants import start_of
from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.listing import StoreListing, build_listings
from bookbridge.domain.model import Edition, PriceRow, Rights, TitleFamily
from bookbridge.domain.plan import ActionKind, applied_after, plan_changes
from bookbridge.domain.pricing import in_window, is_campaign
from bookbridge.domain.rights import RightsResolver, eligible
from bookbridge.domain.storefront import StorefrontSettings
from examples import EBOOK, HARDBACK, PAPERBACK, edition, gbp, storefront
from strategies import rights, sales_restrictions, sales_rights, territories

START = datetime(2026, 3, 1, 9, tzinfo=UTC)
ISBNS = (HARDBACK, PAPERBACK, EBOOK)
STORE: StorefrontSettings = storefront(countries=frozenset({"GB", "IE"}), timezone="Europe/London")
days = st.dates(date(2026, 3, 1), date(2026, 9, 30))
uk_rights = rights(min_size=1, max_size=2, composites=sales_rights(
    types=("01", "02", "03", "06"), territory=territories(among=("GB", "IE", "US")),
    restrictions=st.tuples() | st.tuples(sales_restrictions())))


class ScheduledStore(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = START
        self.editions: dict[ISBN13, Edition] = {
            isbn: edition(isbn=isbn, family_id=f"f{n}", publishing_status="02", publication_date=date(2026, 4, 1 + n),
                          sales_embargo=date(2026, 4, 10), preorder_embargo=date(2026, 3, 15))
            for n, isbn in enumerate(ISBNS)
        }
        self.applied: dict[str, AppliedListing] = {}
        self.ids = iter(range(1, 10_000))
        self._desired: tuple[datetime, list[StoreListing]] | None = None
        self.sync()

    # --- the scheduler ------------------------------------------------------------------------------------

    def catalogue(self) -> list[TitleFamily]:
        return [TitleFamily(id=e.family_id, title=e.title, editions=(e,)) for e in self.editions.values()]

    def desired(self) -> list[StoreListing]:
        if self._desired is None or self._desired[0] != self.now:
            self._desired = (self.now, build_listings(self.catalogue(), STORE, at=self.now))
        return self._desired[1]

    def edit(self, isbn: ISBN13, **changes: object) -> None:
        if isbn in self.editions:  # an edition dropped from the source stays dropped
            self.editions[isbn] = self.editions[isbn].model_copy(update=changes)
            self._desired = None
            self.sync()

    def sync(self) -> None:
        plan = plan_changes(STORE.name, self.desired(), self.applied)
        for action in plan.actions:
            before = self.applied.get(action.key)
            product_id = next(self.ids) if action.kind is ActionKind.CREATE else None
            self.applied[action.key] = applied_after(action, before, product_id)

    def wakeup(self) -> datetime | None:
        return min((li.next_change for li in self.desired() if li.next_change is not None), default=None)

    # --- rules: every change to the catalogue is followed by a sync, as a webhook would trigger ----------

    @rule(hours=st.integers(1, 24 * 40))
    def advance_clock(self, hours: int) -> None:
        """Time passes; the scheduler wakes at each next_change on the way, and at no other time."""
        target = self.now + timedelta(hours=hours)
        while (wake := self.wakeup()) is not None and wake <= target:
            assert wake > self.now, f"next_change {wake} is not after now {self.now}"
            self.now = wake
            self.sync()
        self.now = target

    @rule(isbn=st.sampled_from(ISBNS), new=uk_rights)
    def edit_rights(self, isbn: ISBN13, new: Rights) -> None:
        self.edit(isbn, rights=new)

    @rule(isbn=st.sampled_from(ISBNS), start=days, length=st.integers(0, 20), cents=st.integers(99, 1599),
          qualifier=st.sampled_from(["08", "17"]))
    def schedule_campaign(self, isbn: ISBN13, start: date, length: int, cents: int, qualifier: str) -> None:
        # List 59 08 (promotional) with From/Until, or 17 (introductory) with an Until date.
        row = gbp(str(Decimal(cents) / 100), qualifier=qualifier, valid_from=start if qualifier == "08" else None,
                  valid_until=start + timedelta(days=length))
        if isbn in self.editions:
            self.edit(isbn, prices=(*self.editions[isbn].prices, row))

    @rule(isbn=st.sampled_from(ISBNS), status=st.sampled_from(["04", "07", "06", "02"]))
    def change_status(self, isbn: ISBN13, status: str) -> None:
        self.edit(isbn, publishing_status=status)

    @precondition(lambda self: len(self.editions) > 1)
    @rule(isbn=st.sampled_from(ISBNS))
    def drop_from_source(self, isbn: ISBN13) -> None:
        self.editions.pop(isbn, None)
        self._desired = None
        self.sync()

    # --- invariants ---------------------------------------------------------------------------------------

    @invariant()
    def in_step(self) -> None:
        """Syncing at the wakeups alone keeps the store exactly as desired."""
        assert plan_changes(STORE.name, self.desired(), self.applied).actions == ()

    @invariant()
    def never_on_sale_before_the_embargo(self) -> None:
        for li in self.desired():
            e = self.editions[ISBN13(li.key)]
            if li.purchasable:
                assert e.sales_embargo is not None and self.now >= start_of(e.sales_embargo, STORE.zone)
                assert e.publication_date is not None and self.now >= start_of(e.publication_date, STORE.zone)

    @invariant()
    def never_offered_where_not_licensed(self) -> None:
        for li in self.desired():
            resolver = RightsResolver(self.editions[ISBN13(li.key)].rights, our_outlets=STORE.outlet_names,
                                      on=self.now.astimezone(STORE.zone).date())
            if li.is_visible:
                assert eligible(resolver, STORE.countries, STORE.eligibility)
                assert self.applied[li.key].visible

    @invariant()
    def prices_revert_when_a_window_closes(self) -> None:
        for li in self.desired():
            rows: tuple[PriceRow, ...] = self.editions[ISBN13(li.key)].prices
            campaigns = [r for r in rows if is_campaign(r) and in_window(r, self.now, STORE.zone)]
            if not campaigns:
                assert li.price is None or li.price.sale_price is None
            else:
                assert li.price is not None and li.price.price == Decimal("16.99")

    @invariant()
    def one_product_per_edition(self) -> None:
        assert set(self.applied) <= {str(i) for i in ISBNS}
        keys = [li.key for li in self.desired()]
        assert sorted(keys) == sorted(str(i) for i in self.editions)


# Short runs (a season of ten events), as many as the profile asks for.
TestScheduledStore = ScheduledStore.TestCase
TestScheduledStore.settings = settings(settings(), stateful_step_count=10)
