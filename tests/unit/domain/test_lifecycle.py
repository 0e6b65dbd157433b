from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bookbridge.domain.lifecycle import Availability, Stage, lifecycle, listing_state, release_instant
from examples import edition

LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")
NOON = datetime(2026, 6, 1, 12, tzinfo=UTC)


def stage(at: datetime = NOON, tz: ZoneInfo = LONDON, **changes: object) -> Stage:
    return listing_state(edition(**changes), at=at, tz=tz).stage


@pytest.mark.parametrize("status", ["01", "03", "05", "07", "08", "10", "11", "12", "15", "17"])
def test_list_64_statuses_that_delist(status: str) -> None:
    assert stage(publishing_status=status) is Stage.DELISTED


@pytest.mark.parametrize("availability", ["01", "09", "40", "46", "51", "52"])
def test_list_65_availabilities_that_delist(availability: str) -> None:
    assert stage(availability=availability) is Stage.DELISTED


def test_a_notification_05_delete_delists() -> None:
    assert stage(delisted=True) is Stage.DELISTED


@pytest.mark.parametrize(("status", "availability"), [("06", "20"), ("16", "20"), ("04", "30"), ("04", "31"),
                                                      ("04", "34")])
def test_temporarily_unavailable_is_visible_but_not_purchasable(status: str, availability: str) -> None:
    state = listing_state(edition(publishing_status=status, availability=availability), at=NOON, tz=LONDON)
    assert state.stage is Stage.TEMPORARILY_UNAVAILABLE
    assert (state.visible, state.purchasable, state.availability) == (True, False, Availability.DISABLED)


@pytest.mark.parametrize("status", [None, "00", "09"])
def test_no_status_is_editorial_and_hidden(status: str | None) -> None:
    state = listing_state(edition(publishing_status=status), at=NOON, tz=LONDON)
    assert (state.stage, state.visible, state.purchasable) == (Stage.EDITORIAL, False, False)


def test_before_the_announcement_date_is_editorial() -> None:
    # List 163 09: public announcement date.
    forthcoming = {"publishing_status": "02", "publication_date": date(2026, 9, 1),
                   "announcement_date": date(2026, 7, 1)}
    assert stage(**forthcoming) is Stage.EDITORIAL
    assert stage(at=datetime(2026, 7, 1, tzinfo=LONDON), **forthcoming) is Stage.PREORDER


def test_active_with_a_past_publication_date_is_live() -> None:
    state = listing_state(edition(), at=NOON, tz=LONDON)
    assert (state.stage, state.visible, state.purchasable, state.availability) == (
        Stage.LIVE, True, True, Availability.AVAILABLE)


def test_forthcoming_with_a_future_date_is_on_preorder() -> None:
    state = listing_state(edition(publishing_status="02", publication_date=date(2026, 9, 1)), at=NOON, tz=LONDON)
    assert state.stage is Stage.PREORDER
    assert (state.visible, state.purchasable, state.availability) == (True, False, Availability.PREORDER)
    assert state.preorder_release == datetime(2026, 9, 1, tzinfo=LONDON)


def test_preorder_only_after_the_preorder_embargo() -> None:
    # List 163 27: preorder embargo date.
    forthcoming = edition(publishing_status="02", publication_date=date(2026, 9, 1),
                          preorder_embargo=date(2026, 8, 1))
    assert listing_state(forthcoming, at=datetime(2026, 7, 31, 22, 59, tzinfo=UTC), tz=LONDON).stage is Stage.ANNOUNCED
    # 2026-08-01 00:00 in London is 2026-07-31 23:00 UTC.
    assert listing_state(forthcoming, at=datetime(2026, 7, 31, 23, tzinfo=UTC), tz=LONDON).stage is Stage.PREORDER
    announced = listing_state(forthcoming, at=NOON, tz=LONDON)
    assert (announced.visible, announced.purchasable, announced.message) == (True, False, "Coming 2026-09-01")


def test_forthcoming_without_a_date_is_announced_and_never_purchasable() -> None:
    state = listing_state(edition(publishing_status="02", publication_date=None), at=NOON, tz=LONDON)
    assert (state.stage, state.purchasable, state.message) == (Stage.ANNOUNCED, False, "Coming soon")


def test_active_without_any_date_is_live() -> None:
    assert stage(publication_date=None) is Stage.LIVE


def test_never_purchasable_before_the_sales_embargo() -> None:
    # List 163 02: the sales embargo lifts later than the publication date.
    embargoed = edition(publication_date=date(2026, 5, 1), sales_embargo=date(2026, 6, 2))
    assert not listing_state(embargoed, at=NOON, tz=LONDON).purchasable
    assert listing_state(embargoed, at=NOON, tz=LONDON).stage is Stage.PREORDER
    assert release_instant(embargoed, LONDON) == datetime(2026, 6, 2, tzinfo=LONDON)
    assert listing_state(embargoed, at=datetime(2026, 6, 1, 23, tzinfo=UTC), tz=LONDON).purchasable


def test_never_purchasable_before_the_publication_date_even_if_active() -> None:
    early = edition(publishing_status="04", publication_date=date(2026, 6, 2), sales_embargo=date(2026, 5, 1))
    assert not listing_state(early, at=NOON, tz=LONDON).purchasable


def test_a_date_is_a_whole_day_in_the_store_time_zone() -> None:
    release = edition(publication_date=date(2026, 6, 2))
    # Sydney's 2026-06-02 starts at 2026-06-01 14:00 UTC (AEST, +10).
    assert not listing_state(release, at=datetime(2026, 6, 1, 13, 59, 59, tzinfo=UTC), tz=SYDNEY).purchasable
    assert listing_state(release, at=datetime(2026, 6, 1, 14, tzinfo=UTC), tz=SYDNEY).purchasable
    # The same instant is still 2026-06-01 in London.
    assert not listing_state(release, at=datetime(2026, 6, 1, 14, tzinfo=UTC), tz=LONDON).purchasable


def test_a_timestamp_is_honoured_to_the_instant() -> None:
    launch = datetime(2026, 6, 2, 9, 0, tzinfo=timezone(timedelta(hours=-4)))  # 13:00 UTC
    release = edition(publication_date=date(2026, 6, 1), sales_embargo=launch)
    assert not listing_state(release, at=datetime(2026, 6, 2, 12, 59, 59, tzinfo=UTC), tz=SYDNEY).purchasable
    assert listing_state(release, at=datetime(2026, 6, 2, 13, tzinfo=UTC), tz=SYDNEY).purchasable


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        listing_state(edition(), at=datetime(2026, 6, 1, 12), tz=LONDON)


def test_next_change_is_the_exact_instant_of_the_next_stage() -> None:
    forthcoming = edition(publishing_status="02", announcement_date=date(2026, 5, 1),
                          preorder_embargo=date(2026, 7, 1), publication_date=date(2026, 9, 1))
    steps = [(datetime(2026, 4, 1, tzinfo=UTC), Stage.EDITORIAL, datetime(2026, 5, 1, tzinfo=LONDON)),
             (datetime(2026, 5, 1, tzinfo=LONDON), Stage.ANNOUNCED, datetime(2026, 7, 1, tzinfo=LONDON)),
             (datetime(2026, 7, 1, tzinfo=LONDON), Stage.PREORDER, datetime(2026, 9, 1, tzinfo=LONDON)),
             (datetime(2026, 9, 1, tzinfo=LONDON), Stage.LIVE, None)]
    for at, expected_stage, expected_next in steps:
        life = lifecycle(forthcoming, at=at, tz=LONDON)
        assert (life.state.stage, life.next_change) == (expected_stage, expected_next)


def test_next_change_skips_dates_that_change_nothing() -> None:
    # On pre-order: a sales embargo lifting before the publication date changes nothing.
    live = edition(announcement_date=date(2026, 1, 1), sales_embargo=date(2026, 2, 1),
                   publication_date=date(2026, 3, 5))
    assert lifecycle(live, at=datetime(2026, 1, 15, tzinfo=UTC), tz=LONDON).state.stage is Stage.PREORDER
    assert lifecycle(live, at=datetime(2026, 1, 15, tzinfo=UTC), tz=LONDON).next_change == datetime(
        2026, 3, 5, tzinfo=LONDON)
    assert lifecycle(live, at=NOON, tz=LONDON).next_change is None


def test_delisted_never_changes_by_the_clock() -> None:
    out_of_print = edition(publishing_status="07", publication_date=date(2026, 9, 1))
    assert lifecycle(out_of_print, at=NOON, tz=LONDON).next_change is None


@pytest.mark.parametrize(
    "changes",
    [
        {"publishing_status": "02", "availability": "31", "announcement_date": date(2026, 9, 1)},
        {"publishing_status": "00", "availability": "30"},
        {"publishing_status": None, "availability": "32"},
    ],
)
def test_editorial_or_unannounced_titles_stay_hidden_whatever_their_availability(changes: dict[str, object]) -> None:
    state = listing_state(edition(**changes), at=NOON, tz=LONDON)
    assert (state.stage, state.visible) == (Stage.EDITORIAL, False)


def test_active_but_not_sold_separately_is_never_a_product_of_its_own() -> None:
    state = listing_state(edition(publishing_status="13", availability="21"), at=NOON, tz=LONDON)  # List 64: 13
    assert (state.stage, state.visible, state.purchasable) == (Stage.DELISTED, False, False)
