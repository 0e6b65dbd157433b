"""Schedules and instants in words: APScheduler's trigger text as people say it, times in a named zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bookbridge.entrypoints.presentation import local_time, plain_schedule, time_ago, utc_time


@pytest.mark.parametrize(("trigger", "words"), [
    ("interval[0:05:00]", "every 5 minutes"),
    ("interval[0:01:00]", "every minute"),
    ("interval[1:00:00]", "every hour"),
    ("interval[2:30:00]", "every 2 hours 30 minutes"),
    ("interval[1 day, 0:00:00]", "every day"),
    ("interval[7 days, 0:00:00]", "every 7 days"),
    ("cron[month='*', day='*', day_of_week='*', hour='3', minute='0']", "daily at 03:00 UTC"),
    ("cron[month='*', day='*', day_of_week='mon', hour='6', minute='30']", "every Monday at 06:30 UTC"),
    ("cron[month='*', day='1', day_of_week='*', hour='4', minute='15']", "monthly on day 1 at 04:15 UTC"),
    ("cron[month='*', day='*', day_of_week='*', hour='*', minute='*/15']", "every 15 minutes"),
    ("cron[month='1-6', day='*', day_of_week='*', hour='3', minute='0']",
     'on the schedule "0 3 * 1-6 *" (crontab, UTC)'),  # no shorter words: its crontab line, never APScheduler's
    ("date[2026-12-07 09:12:00 UTC]", "once"),  # a one-off job (sync now): its instant is shown beside it
    ("9781800000018 goes on sale (storefront 'us')", "9781800000018 goes on sale (storefront 'us')"),
])
def test_triggers_in_plain_words(trigger: str, words: str) -> None:
    assert plain_schedule(trigger) == words


def test_times_name_their_zone() -> None:
    midnight_in_new_york = datetime(2026, 5, 20, 4, 0, tzinfo=UTC)
    assert local_time(midnight_in_new_york, "America/New_York") == "2026-05-20 00:00 EDT (America/New_York)"
    assert local_time(midnight_in_new_york, "Europe/London") == "2026-05-20 05:00 BST (Europe/London)"
    assert utc_time(midnight_in_new_york) == "2026-05-20 04:00 UTC"


@pytest.mark.parametrize(("elapsed", "words"), [
    (timedelta(seconds=5), "just now"), (timedelta(minutes=1), "1 minute ago"),
    (timedelta(minutes=59), "59 minutes ago"),
    (timedelta(hours=2, minutes=59), "2 hours ago"), (timedelta(days=3, hours=1), "3 days ago"),
    (timedelta(minutes=-5), "in the future"),
])
def test_time_ago(elapsed: timedelta, words: str) -> None:
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert time_ago(now - elapsed, now) == words
