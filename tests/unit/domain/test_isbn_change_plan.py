"""A record whose ISBN changed in the source: planning holds it instead of hiding the old product and making a new
one (`applied.isbn_changes`), until the source gives the old ISBN again or a person accepts the change."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st
from test_plan import NOON, apply, kinds

from bookbridge.domain.applied import AppliedListing, accepted
from bookbridge.domain.listing import build_edition_listing
from bookbridge.domain.plan import ActionKind, applied_after, plan_changes
from examples import EBOOK, HARDBACK, PAPERBACK, edition, storefront
from strategies import isbn13s

RECORD = "consonance:work:101/product:1001"


def listing(isbn: object = HARDBACK, record: str | None = RECORD, **changes: object):
    return build_edition_listing(edition(isbn=isbn, record_reference=record, **changes), storefront(), at=NOON)


def live(isbn: object = HARDBACK, record: str | None = RECORD) -> dict[str, AppliedListing]:
    """What bookbridge applied after syncing the record under `isbn`: its product, on sale."""
    return apply(plan_changes("uk", [listing(isbn, record)], {}), {})


def test_an_applied_product_keeps_the_record_it_was_made_of() -> None:
    assert live()[str(HARDBACK)].record == RECORD


def test_a_record_whose_isbn_changed_is_held_neither_hidden_nor_made_again() -> None:
    plan = plan_changes("uk", [listing(PAPERBACK)], live())
    assert kinds(plan) == []
    [change] = plan.isbn_changed
    assert (change.record, change.old, change.listing.key) == (RECORD, str(HARDBACK), str(PAPERBACK))
    assert plan.counts["held_back"] == 1 and plan.counts["hide"] == plan.counts["create"] == 0


def test_the_isbn_fixed_in_the_source_plans_nothing() -> None:
    assert kinds(plan_changes("uk", [listing(HARDBACK)], live())) == []
    assert plan_changes("uk", [listing(HARDBACK)], live()).isbn_changed == ()


def test_an_accepted_change_hides_the_old_product_and_creates_the_new_one_as_for_an_edition_that_left() -> None:
    applied = live()
    applied[str(HARDBACK)] = accepted(applied[str(HARDBACK)])
    plan = plan_changes("uk", [listing(PAPERBACK)], applied)
    assert kinds(plan) == [(ActionKind.CREATE, str(PAPERBACK)), (ActionKind.HIDE, str(HARDBACK))]
    after = apply(plan, applied)
    assert after[str(PAPERBACK)].record == RECORD and plan_changes("uk", [listing(PAPERBACK)], after).actions == ()


def test_products_applied_before_records_were_kept_are_planned_as_before_and_learn_their_record() -> None:
    old = {key: replace(record, record=None) for key, record in live().items()}
    assert kinds(plan_changes("uk", [listing(PAPERBACK)], old)) == [(ActionKind.CREATE, str(PAPERBACK)),
                                                                   (ActionKind.HIDE, str(HARDBACK))]
    plan = plan_changes("uk", [listing(HARDBACK)], old)  # unchanged: nothing to send, the record is kept
    assert kinds(plan) == [] and [(r.key, r.record) for r in plan.recorded] == [(str(HARDBACK), RECORD)]


def test_a_record_that_left_the_source_is_hidden_as_before() -> None:
    plan = plan_changes("uk", [listing(EBOOK, "consonance:work:102/product:1006")], live())
    assert kinds(plan) == [(ActionKind.CREATE, str(EBOOK)), (ActionKind.HIDE, str(HARDBACK))]
    assert plan.isbn_changed == ()


def test_an_isbn_another_record_took_is_that_records() -> None:
    """Two records swapped ISBNs: each old key is still desired, so nothing is held."""
    applied = apply(plan_changes("uk", [listing(HARDBACK), listing(PAPERBACK, "b")], {}), {})
    plan = plan_changes("uk", [listing(PAPERBACK), listing(HARDBACK, "b")], applied)
    assert plan.isbn_changed == ()
    assert all(applied_after(a, applied.get(a.key), None).record == a.listing.record
               for a in plan.actions if a.listing is not None)


@given(isbn13s(), isbn13s(), st.booleans(), st.booleans())
def test_a_record_renumbered_is_never_hidden_nor_created_until_accepted(
    old: object, new: object, complete: bool, visible: bool
) -> None:
    """Whatever the two ISBNs, the read and whether the old product was on sale: a record's new ISBN plans no
    action at all, and once the change is accepted, exactly a hide of the old (when it was visible in a complete
    read) and a create of the new."""
    applied = live(old)
    applied = {k: replace(r, visible=visible) for k, r in applied.items()}
    plan = plan_changes("uk", [listing(new)], applied, source_complete=complete)
    if old == new:
        assert plan.isbn_changed == ()
        return
    assert plan.actions == () and [(c.old, c.listing.key) for c in plan.isbn_changed] == [(str(old), str(new))]
    applied[str(old)] = accepted(applied[str(old)])
    expected = [(ActionKind.CREATE, str(new))] + ([(ActionKind.HIDE, str(old))] if complete and visible else [])
    assert kinds(plan_changes("uk", [listing(new)], applied, source_complete=complete)) == expected


def test_a_product_whose_record_the_source_could_not_read_is_kept_not_hidden() -> None:
    """A check digit mistyped in the source: the record is not read, its edition leaves the catalogue, and its
    product is kept as it is, whether the problem names the record (an invalid ISBN) or its ISBN (no title)."""
    applied = live()
    plan = plan_changes("uk", [], applied, unread={RECORD})
    assert kinds(plan) == [] and plan.kept_unread == (str(HARDBACK),)
    assert plan_changes("uk", [], applied, unread={str(HARDBACK)}).kept_unread == (str(HARDBACK),)
    assert kinds(plan_changes("uk", [], applied, unread={"consonance:work:9/product:9"})) == [
        (ActionKind.HIDE, str(HARDBACK))]


@given(st.lists(isbn13s(), min_size=1, max_size=6, unique=True), st.data())
def test_no_product_whose_record_was_not_read_is_ever_hidden(isbns: list, data: st.DataObject) -> None:
    """Whatever left the source, a product is hidden exactly when its record was read or is not named unread."""
    records = {str(isbn): f"record-{i}" for i, isbn in enumerate(isbns)}
    applied = apply(plan_changes("uk", [listing(isbn, records[str(isbn)]) for isbn in isbns], {}), {})
    still = data.draw(st.lists(st.sampled_from(isbns), unique=True))
    unread = set(data.draw(st.lists(st.sampled_from(sorted(records.values())), unique=True)))
    plan = plan_changes("uk", [listing(isbn, records[str(isbn)]) for isbn in still], applied, unread=unread)
    gone = {str(isbn) for isbn in isbns} - {str(isbn) for isbn in still}
    assert {a.key for a in plan.actions if a.kind is ActionKind.HIDE} == {k for k in gone if records[k] not in unread}
    assert set(plan.kept_unread) == {k for k in gone if records[k] in unread}
