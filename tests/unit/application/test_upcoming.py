"""Upcoming changes for the dashboard: the cheap date filter never drops a change that building every listing finds."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

import bookbridge.application.upcoming as upcoming
from bookbridge.domain.listing import build_edition_listing
from bookbridge.domain.storefront import StorefrontSettings
from strategies import editions_for, instants, title_families

UK = StorefrontSettings(name="uk", countries=frozenset({"GB"}), currency="GBP", timezone="Europe/London")
US = StorefrontSettings(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD", tax_inclusive=False,
                        timezone="America/New_York", default_currency=False)


def _instants(families, now: datetime, days: int) -> list[datetime]:
    """The instants the scheduler would hold: every listing's next changes within `days`."""
    found: set[datetime] = set()
    for family in families:
        for edition in family.editions:
            for storefront in (UK, US):
                at = now
                while (listing := build_edition_listing(edition, storefront, at=at)).next_change is not None:
                    if listing.next_change > now + timedelta(days=days):
                        break
                    at = listing.next_change
                    found.add(at)
    return sorted(found)


@given(families=st.lists(title_families(edition=editions_for(UK)), min_size=1, max_size=3),
       now=instants(), days=st.integers(1, 60))
def test_the_date_filter_keeps_every_change(families, now, days):
    wanted = _instants(families, now, days)
    filtered = upcoming.upcoming_changes(families, [UK, US], wanted, now=now)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(upcoming, "_may_change", lambda *_: True)
        everything = upcoming.upcoming_changes(families, [UK, US], wanted, now=now)
    assert filtered == everything


@given(families=st.lists(title_families(edition=editions_for(UK)), min_size=1, max_size=3), now=instants())
def test_every_change_ahead_of_every_storefront_is_an_instant_of_its_own(families, now):
    """The precise jobs' instants: each listing followed through all its changes on each storefront, not only its
    next (the date filter drops none), each naming the editions that change then."""
    found = upcoming.upcoming_changes(families, [UK, US], None, now=now)
    assert sorted(found) == _instants(families, now, days=365 * 200)
    assert found == upcoming.upcoming_changes(families, [UK, US], list(found), now=now)  # said as for given instants


def test_an_edition_whose_dates_are_all_outside_the_window_is_skipped():
    from datetime import date

    from examples import edition

    first, last = date(2026, 11, 27), date(2026, 12, 5)
    assert not upcoming._may_change(edition(publication_date=date(2026, 1, 10)), first, last)
    assert upcoming._may_change(edition(publication_date=date(2026, 12, 1)), first, last)
    # An inclusive end changes the listing the next day: a window ending the day before still counts.
    assert upcoming._may_change(edition(publication_date=date(2026, 1, 10), prices=(
        *edition().prices, edition().prices[0].model_copy(update={"valid_until": date(2026, 11, 26)}))), first, last)


def test_a_price_change_of_an_edition_held_back_says_it_is_held_back():
    """Its campaign ends, but it is not in the store (not licensed there): the words say nothing reaches the store,
    as a held-back launch's do."""
    from datetime import UTC, date

    from bookbridge.domain.model import Rights, SalesRights
    from bookbridge.domain.territory import Territory
    from examples import edition, gbp

    jersey_only = Rights(sales_rights=(SalesRights(type="01", territory=Territory.of("JE")),))
    held = edition(rights=jersey_only, prices=(gbp("16.99"), gbp("12.99", valid_until=date(2026, 12, 31))))
    before = build_edition_listing(held, UK, at=datetime(2026, 12, 31, 23, tzinfo=UTC))
    after = build_edition_listing(held, UK, at=datetime(2027, 1, 1, 1, tzinfo=UTC))
    words = upcoming.describe_change(before, after)
    assert words.startswith("campaign price ends: back to £16.99") or words.startswith("price changes: £12.99 → £16.99")
    assert words.endswith(f", but it is held back ({after.not_listed_reason})"), words


def test_a_jobs_detail_lists_only_editions_in_the_store_and_counts_the_held_back():
    """`classify` (the precise job's detail that /api/upcoming and `bookbridge jobs` show) lists what the dashboard
    lists: not the flip of an edition held back from every storefront (not licensed there), nor of one an open
    exception keeps out of the store; those are a count."""
    from datetime import UTC, date

    from bookbridge.application.launches import KeyIndex, classify
    from bookbridge.domain.listing import MappingSettings
    from bookbridge.domain.model import Rights, SalesRights
    from bookbridge.domain.territory import Territory
    from examples import EBOOK, HARDBACK, PAPERBACK, edition, family, gbp

    campaign = (gbp("16.99"), gbp("12.99", valid_until=date(2026, 12, 31)))
    jersey_only = Rights(sales_rights=(SalesRights(type="01", territory=Territory.of("JE")),))
    held = edition(isbn=HARDBACK, rights=jersey_only, prices=campaign)
    listed = edition(isbn=PAPERBACK, prices=campaign)
    refused = edition(isbn=EBOOK, prices=campaign)
    families = {"roseanna": family(held, listed, refused)}
    midnight = datetime(2027, 1, 1, tzinfo=UTC)  # London's, in winter
    now = datetime(2026, 12, 20, tzinfo=UTC)

    def detail(keys: list[str], refusals: frozenset[tuple[str, str | None]] = frozenset()) -> tuple[str, str]:
        return classify(keys, midnight, KeyIndex(families), storefronts=[UK], mapping=MappingSettings(), now=now,
                        held=refusals)

    ends = "price changes: £12.99 → £16.99 (storefront 'uk')"  # the reduced price's window closes
    name = "Roseanna (Hardback)"  # each edition by its product's name and its ISBN (this family's are all one name)
    assert detail([str(HARDBACK), str(PAPERBACK)]) == (
        "campaign",
        f"{name}, ISBN {PAPERBACK} {ends}; {name}, ISBN {EBOOK} {ends}; 1 change of a held-back edition not shown")
    kind, words = detail([str(HARDBACK)], frozenset({(str(EBOOK), "uk")}))  # the store refused the ebook
    assert (kind, words) == ("campaign", f"{name}, ISBN {PAPERBACK} {ends}; 2 changes of held-back editions not shown")
    assert "held back (" not in words
    only_held = {"roseanna": family(held)}
    assert classify([str(HARDBACK)], midnight, KeyIndex(only_held), storefronts=[UK], mapping=MappingSettings(),
                    now=now)[1] == "no change in the store (1 change of a held-back edition not shown)"


def test_the_changes_memo_reuses_a_walk_while_the_family_is_unchanged_and_only_the_changes_still_ahead():
    from datetime import UTC, date

    from examples import edition, family, gbp

    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    book = family(edition(publishing_status="02", availability="10", publication_date=date(2026, 12, 8),
                          prices=(gbp("16.99"), gbp("12.99", qualifier="08", valid_until=date(2026, 12, 15)))))
    memo = upcoming.ChangesMemo()
    walked = upcoming.upcoming_changes([book], [UK], None, now=now, memo=memo)
    assert sorted(walked) == [datetime(2026, 12, 8, 0, tzinfo=UTC), datetime(2026, 12, 16, 0, tzinfo=UTC)]
    context = ((UK,), upcoming.MappingSettings())
    same = book.model_copy(deep=True)  # read again: equal content, another object
    later = datetime(2026, 12, 9, tzinfo=UTC)
    assert memo.changes(same, context, later) == walked[datetime(2026, 12, 16, 0, tzinfo=UTC)]  # the end only
    assert upcoming.upcoming_changes([same], [UK], None, now=later, memo=memo) == upcoming.upcoming_changes(
        [same], [UK], None, now=later)
    moved = family(edition(publishing_status="02", availability="10", publication_date=date(2026, 12, 8),
                           prices=(gbp("16.99"), gbp("12.99", qualifier="08", valid_until=date(2026, 12, 20)))))
    assert memo.changes(moved, context, later) is None  # the campaign moved: walked again
    assert memo.changes(same, ((UK, US), upcoming.MappingSettings()), later) is None  # other storefronts: again
    assert memo.changes(same, context, now - timedelta(hours=1)) is None  # before the walk: walked again
