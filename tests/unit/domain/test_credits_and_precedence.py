"""Credits cut at a whole name, and the precedence of reasons: not licensed, then a missing price, then missing
content (ONIX List 17 roles; List 46 sales rights)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bookbridge.application.readiness import _piles  # the check command's piles
from bookbridge.domain.listing import build_edition_listing
from bookbridge.domain.listing.credits import Credit, byline, credits, names_phrase
from bookbridge.domain.model import Contributor, Rights, SalesRights, TextContent, TextKind
from bookbridge.domain.territory import Territory
from examples import cover, edition, gbp, storefront, usd, world_rights

NOON = datetime(2026, 6, 15, 12, tzinfo=UTC)
names = st.lists(st.text(st.characters(categories=("L",)), min_size=1, max_size=40), min_size=1, max_size=30,
                 unique=True)
WORDS = ("by", "edited by", "illustrated by", "translated by")


@given(st.lists(names, min_size=1, max_size=4), st.integers(min_value=0, max_value=400))
def test_a_byline_is_cut_at_a_whole_name_within_its_limit(groups: list[list[str]], limit: int) -> None:
    credited = [Credit(w, tuple(n)) for w, n in zip(WORDS, groups, strict=False)]
    line = byline(credited, limit)
    assert len(line) <= limit
    full = byline(credited, 10_000)
    if len(full) <= limit:
        assert line == full
        return
    # Each group shown is a prefix of its names, whole, then "and N others" when some are left out.
    shown = [g for g in credited if line.startswith(f"{g.words} ") or f", {g.words} " in line]
    assert shown == credited[: len(shown)]
    for g in shown:
        assert any(names_phrase(g.names, n) in line for n in range(1, len(g.names) + 1))


def test_names_read_as_a_sentence() -> None:
    assert names_phrase(("A",)) == "A"
    assert names_phrase(("A", "B")) == "A and B"
    assert names_phrase(("A", "B", "C")) == "A, B and C"
    assert names_phrase(("A", "B", "C", "D"), 2) == "A, B and 2 others"
    assert names_phrase(("A", "B"), 1) == "A and 1 other"


def test_roles_are_credited_in_order_whatever_the_sequence_of_the_record() -> None:
    people = (Contributor(role="B06", name="E", sequence=1), Contributor(role="A12", name="D", sequence=2),
              Contributor(role="B01", name="C", sequence=3), Contributor(role="A01", name="B", sequence=5),
              Contributor(role="A01", name="A", sequence=4), Contributor(role="A32", name="X", sequence=6),
              Contributor(role="A23", name="F", sequence=7))
    assert byline(credits(people), 255) == "by A and B, edited by C, illustrated by D, translated by E"


# A title for sale only in the British Isles: ROW not for sale (03), the US held by another publisher (06).
ISLES = Rights(sales_rights=(SalesRights(type="01", territory=Territory.of("GB GG IE IM JE")),
                             SalesRights(type="06", territory=Territory.of("US"))), row_type="03")
US = storefront(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD", tax_inclusive=False)


def test_not_licensed_beats_a_missing_price_and_opens_one_reason_naming_the_rights_row() -> None:
    e = edition(rights=ISLES, prices=(gbp("12.99"),), resources=(cover(),))
    listing = build_edition_listing(e, US, at=NOON)
    assert not listing.listed
    assert listing.not_listed_reason == "not licensed for sale in US (SalesRights 06 (US))"
    blocking = [p for p in listing.problems if p.blocking]
    assert [(p.code, p.field) for p in blocking] == [("not-licensed", "SalesRights")]
    # The missing USD price is still said, as a warning: it opens no exception of its own.
    assert any(p.code == "no-price" and not p.blocking for p in listing.problems)


def test_a_missing_price_beats_missing_content_where_the_title_is_licensed() -> None:
    e = edition(prices=(gbp("12.99"),), resources=(), texts=())
    listing = build_edition_listing(e, US.model_copy(update={"require_cover": True}), at=NOON)
    reasons = [p.code for p in listing.problems if p.blocking]
    assert reasons[0] == "no-price" and "missing-cover" in reasons
    assert (listing.not_listed_reason or "").startswith("no consumer price in USD")


def test_check_counts_an_unlicensed_unpriced_title_as_not_licensed() -> None:
    from bookbridge.application.sync import SyncStore
    from bookbridge.domain.ports import FixedClock

    e = edition(rights=ISLES, prices=(gbp("12.99"),), resources=(cover(),))
    piles = _piles(US, [e], SyncStore.single(US), FixedClock(NOON))
    assert (piles.not_licensed, piles.blocked, piles.listed) == (1, 0, 0)


@given(licensed=st.booleans(), priced=st.booleans(), with_cover=st.booleans(), described=st.booleans())
def test_reasons_come_in_precedence_one_per_cause(licensed: bool, priced: bool, with_cover: bool,
                                                  described: bool) -> None:
    """Not licensed beats a missing price, which beats missing content; only the first cause opens anything
    when the title is not licensed, and a missing price names its currency and the storefront's countries."""
    e = edition(rights=world_rights() if licensed else ISLES,
                prices=(gbp("12.99"), usd("15.00")) if priced else (gbp("12.99"),),
                resources=(cover(),) if with_cover else (),
                texts=(TextContent(kind=TextKind.DESCRIPTION, text="<p>Text.</p>"),) if described else ())
    store = US.model_copy(update={"require_cover": True, "require_description": True})
    listing = build_edition_listing(e, store, at=NOON)
    codes = [p.code for p in listing.problems if p.blocking]
    reason = listing.not_listed_reason or ""
    if not licensed:
        assert codes == ["not-licensed"] and reason.startswith("not licensed for sale in US (SalesRights 06")
    elif not priced:
        assert codes[0] == "no-price" and reason.startswith("no consumer price in USD (storefront 'us', countries US)")
    elif not (with_cover and described):
        assert set(codes) <= {"missing-cover", "missing-description"} and codes
    else:
        assert listing.listed and codes == []
