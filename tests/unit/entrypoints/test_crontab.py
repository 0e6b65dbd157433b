"""Crontab lines run on the days cron would run them: crontab(5) counts the days of the week from Sunday (0 and 7),
APScheduler 3 from Monday (0), so `0 3 * * 0` must fire on Sundays, not Mondays."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookbridge.entrypoints.crontab import cron_trigger
from bookbridge.entrypoints.presentation import plain_schedule
from bookbridge.entrypoints.settings import ConfigurationError, load_settings
from cli_support import forget_configuration, sample_config, write_config

# crontab(5): "0-7 (0 or 7 is Sunday, or use names)"; names are the first three letters, any case.
NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
START = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # a Monday


def reference_days(field: str) -> set[int]:
    """The days (0 Sunday ... 6 Saturday) cron runs on, read item by item as crontab(5) says: a day matches an
    item when its number (or 7, for Sunday) is the item's value, or lies in its range and on its step."""
    def number(text: str) -> int:
        return NAMES.index(text.lower()) if text.lower() in NAMES else int(text)

    def matches(item: str, value: int) -> bool:
        span, _, step = item.partition("/")
        low, _, high = span.partition("-")
        first, last = (0, 7) if span == "*" else (number(low), number(high or low))
        return first <= value <= last and (value - first) % int(step or 1) == 0

    return {day for day in range(7) for item in field.split(",")
            if matches(item, day) or (day == 0 and matches(item, 7))}


def fire_days(line: str, weeks: int = 2) -> set[int]:
    """The days of the week (0 Sunday) on which the trigger fires within `weeks` from START."""
    trigger = cron_trigger(line)
    days, previous, now = set(), None, START
    while (at := trigger.get_next_fire_time(previous, now)) is not None and at < START + timedelta(weeks=weeks):
        assert (at.hour, at.minute) == (3, 0), at
        days.add(at.isoweekday() % 7)
        previous = now = at
    return days


def day() -> st.SearchStrategy[str]:
    named = st.integers(0, 6).flatmap(lambda n: st.sampled_from([NAMES[n], NAMES[n].upper(), NAMES[n].title()]))
    return st.one_of(st.integers(0, 7).map(str), named)


@st.composite
def weekday_items(draw: st.DrawFn) -> str:
    """One item of a day-of-week field: *, */n, a day, a range, a range with a step; days by number or name."""
    shape = draw(st.sampled_from(["star", "star-step", "day", "range", "range-step"]))
    if shape == "star":
        return "*"
    if shape == "star-step":
        return f"*/{draw(st.integers(1, 8))}"
    if shape == "day":
        return draw(day())
    first, last = sorted([draw(st.integers(0, 7)), draw(st.integers(0, 7))])
    as_text = [str(n) if n == 7 or draw(st.booleans()) else NAMES[n] for n in (first, last)]
    return f"{as_text[0]}-{as_text[1]}" + (f"/{draw(st.integers(1, 8))}" if shape == "range-step" else "")


@given(st.lists(weekday_items(), min_size=1, max_size=4).map(",".join))
def test_a_trigger_fires_on_exactly_the_days_crontab_names(field: str) -> None:
    assert fire_days(f"0 3 * * {field}") == reference_days(field)


@pytest.mark.parametrize(("field", "days", "words"), [
    ("0", {0}, "every Sunday at 03:00 UTC"),
    ("7", {0}, "every Sunday at 03:00 UTC"),
    ("1-5", {1, 2, 3, 4, 5}, "Monday to Friday at 03:00 UTC"),
    ("sun,sat", {0, 6}, "on Saturday and Sunday at 03:00 UTC"),
    ("*/2", {0, 2, 4, 6}, "on Tuesday, Thursday, Saturday and Sunday at 03:00 UTC"),
    ("5-7", {5, 6, 0}, "Friday to Sunday at 03:00 UTC"),
    ("MON", {1}, "every Monday at 03:00 UTC"),
    ("*", set(range(7)), "daily at 03:00 UTC"),
])
def test_crontab_days_of_the_week_and_their_words(field: str, days: set[int], words: str) -> None:
    assert fire_days(f"0 3 * * {field}") == days
    assert plain_schedule(str(cron_trigger(f"0 3 * * {field}"))) == words


def test_a_schedule_with_no_shorter_words_shows_a_crontab_line_that_reads_as_it_runs() -> None:
    trigger = cron_trigger("0 3 * 1-6 1,3")
    assert plain_schedule(str(trigger)) == 'on the schedule "0 3 * 1-6 mon,wed" (crontab, UTC)'
    # A trigger stored before the translation names days by APScheduler's numbers: read as it runs (Monday).
    assert plain_schedule("cron[month='*', day='*', day_of_week='0', hour='3', minute='0']") == \
        "every Monday at 03:00 UTC"


@pytest.mark.parametrize(("line", "reason"), [
    ("0 3 * * 8", "day of week 8 is out of range 0-7 (0 and 7 are Sunday)"),
    ("0 3 * * funday", "day of week 'funday' is neither a number nor a day name"),
    ("0 3 * * ²", "day of week '²' is neither a number nor a day name"),
    ("0 3 * * 5-1", "day of week '5-1': the range runs backwards"),
    ("0 3 * * 3/2", "day of week '3/2': a step needs a range or * before it"),
    ("0 3 * * */0", "day of week '*/0': a step is at least 1"),
    ("0 3 1 * 1", "cron runs on days matching either"),  # cron's OR of the two day fields
    ("0 3 * *", "4 fields where crontab has 5"),
    # The other four fields in the same words, never the scheduler library's ("Error validating expression").
    ("0 25 * * *", "hour 25 is out of range 0-23"),
    ("60 3 * * *", "minute 60 is out of range 0-59"),
    ("0 3 0 * *", "day of month 0 is out of range 1-31"),
    ("0 3 * 1-13 *", "month 13 is out of range 1-12"),
    ("0 3 * smarch *", "month 'smarch' is neither a number nor a month name (jan, feb, ... dec)"),
    ("0 x * * *", "hour 'x' is not a number"),
    ("0 5-2 * * *", "hour '5-2': the range runs backwards"),
    ("*/0 3 * * *", "minute '*/0': a step is at least 1"),
])
def test_a_crontab_line_cron_would_read_otherwise_is_refused_naming_the_key(tmp_path, monkeypatch, line,
                                                                             reason) -> None:
    forget_configuration(monkeypatch)
    config = write_config(tmp_path, sample_config(2) + f'[schedules]\nreconcile_cron = "{line}"\n')
    with pytest.raises(ConfigurationError, match=re.escape("[schedules] reconcile_cron: ")) as raised:
        load_settings(config)
    assert reason in str(raised.value)
    assert "Error validating" not in str(raised.value) and "Unrecognized expression" not in str(raised.value)


def test_a_crontab_line_from_the_environment_names_its_variable(tmp_path, monkeypatch) -> None:
    forget_configuration(monkeypatch)
    monkeypatch.setenv("BOOKBRIDGE_SCHEDULES__RECONCILE_CRON", "0 25 * * *")
    with pytest.raises(ConfigurationError) as raised:
        load_settings(write_config(tmp_path, sample_config(2)))
    assert ("[schedules] reconcile_cron: '0 25 * * *' is not a crontab expression (minute hour day month weekday): "
            "hour 25 is out of range 0-23 (from the environment variable BOOKBRIDGE_SCHEDULES__RECONCILE_CRON)"
            ) in str(raised.value)


def test_a_configured_crontab_line_with_no_shorter_words_is_shown_as_written() -> None:
    """`retry_transient_cron = "*/20 9-17 * * 1-5"`: `bookbridge jobs`, the dashboard and the log show that line,
    not the trigger's own form of it (`mon-fri`)."""
    from apscheduler.job import Job

    from bookbridge.entrypoints.scheduler import job_words
    from bookbridge.entrypoints.service import upcoming_job

    line = "*/20 9-17 * * 1-5"
    configured = ("0 2 * * *", line)
    assert plain_schedule(str(cron_trigger(line)), configured) == f'on the schedule "{line}" (crontab, UTC)'
    job = Job.__new__(Job)
    job.id, job.args, job.kwargs, job.trigger = "retry-transient:shop", ("shop",), {}, cron_trigger(line, UTC)
    job.next_run_time = datetime(2026, 12, 8, 9, tzinfo=UTC)
    assert upcoming_job(job, "shop", configured).detail == f'on the schedule "{line}" (crontab, UTC)'
    assert job_words(job, configured)[1] == f'on the schedule "{line}" (crontab, UTC)'
