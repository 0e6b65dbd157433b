"""Names held by hidden products: BigCommerce names are unique store-wide, and a hidden product keeps its name, so
the planner never sends a name another product of the store still holds."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.listing import Section, build_store_listings
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.plan import ActionKind, applied_after, plan_changes
from examples import edition, storefront
from strategies import isbn13s as isbns

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
TITLES = ("Roseanna", "ROSEANNA", "The Laughing Policeman", "Fog")


def _family(index: int, title: str, isbn: object) -> TitleFamily:
    return TitleFamily(id=f"f{index}", title=title, editions=(edition(isbn=isbn, family_id=f"f{index}", title=title),))


@given(st.lists(st.tuples(st.sampled_from(TITLES), isbns()), min_size=2, max_size=6, unique_by=lambda t: str(t[1])),
       st.data())
def test_names_sent_never_collide_with_names_hidden_products_hold(titles, data):
    families = [_family(i, title, isbn) for i, (title, isbn) in enumerate(titles)]
    shop = storefront()
    first = build_store_listings(families, [shop], at=NOW, store="uk")
    applied: dict[str, AppliedListing] = {}
    for action in plan_changes("uk", first, {}).actions:
        applied[action.key] = applied_after(action, None, product_id=len(applied) + 1)
    # Some titles leave the source (their products are hidden and keep their names); new ones arrive.
    leaving = data.draw(st.sets(st.sampled_from(range(len(families))), min_size=1))
    staying = [f for i, f in enumerate(families) if i not in leaving]
    arriving = [_family(100 + i, title, isbn) for i, (title, isbn) in enumerate(
        data.draw(st.lists(st.tuples(st.sampled_from(TITLES), isbns()), max_size=3, unique_by=lambda t: str(t[1]))))
        if str(isbn) not in {str(e.isbn) for f in families for e in f.editions}]
    desired = build_store_listings([*staying, *arriving], [shop], at=NOW, store="uk")
    plan = plan_changes("uk", desired, applied)

    store: dict[str, str] = {}  # what the store holds after the plan: key -> name
    for key, record in applied.items():
        store[key] = record.payloads[Section.CORE]["name"]
    for action in plan.actions:
        if action.listing is not None and action.kind is not ActionKind.HIDE:
            store[action.key] = action.listing.name
    names = [name.casefold() for name in store.values()]
    assert len(names) == len(set(names)), store
    # Settled: the next plan over the same catalogue changes nothing.
    after = dict(applied)
    for action in plan.actions:
        after[action.key] = applied_after(action, after.get(action.key), product_id=len(after) + 1)
    assert plan_changes("uk", desired, after).actions == ()
