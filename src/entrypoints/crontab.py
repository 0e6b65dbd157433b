"""Crontab lines as cron reads them, turned into APScheduler triggers that fire on the same days.

    read_weekdays("1-5") -> frozenset({"mon", "tue", "wed", "thu", "fri"})
    apscheduler_line("0 3 * * 0") -> "0 3 * * sun"
    cron_trigger("0 3 * * 0") -> CronTrigger firing on Sundays at 03:00 UTC

crontab(5) numbers the days of the week from Sunday: 0 and 7 are Sunday, 1 Monday, ... 6 Saturday; names
(`sun` ... `sat`) may stand for the numbers. APScheduler 3 numbers them from Monday (0 is Monday), so a crontab
line handed to `CronTrigger.from_crontab` as it is runs a day late: `0 3 * * 0` on Mondays, `1-5` Tuesday to
Saturday. The day-of-week field is therefore read here and given to APScheduler as day names, which both
agree on. The other four fields number alike in both and pass as they are.

Where cron restricts both the day of the month and the day of the week (neither starts with `*`), it runs on
days matching *either*; APScheduler runs only on days matching both. Such a line is refused rather than run on
other days than cron would.
"""

from __future__ import annotations

import re
from datetime import tzinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

# APScheduler's order and numbers (Monday is 0); crontab's numbers index CRONTAB_NUMBERS (0 and 7 are Sunday).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CRONTAB_NUMBERS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ITEM = re.compile(r"^(?:\*|(?P<first>\w+)(?:-(?P<last>\w+))?)(?:/(?P<step>\d+))?$")


def _day_number(text: str, numbers: tuple[str, ...]) -> int:
    lowered = text.lower()
    if lowered in WEEKDAYS:
        return numbers.index(lowered)
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"day of week {text!r} is neither a number nor a day name (sun, mon, ... sat)")
    if int(text) >= len(numbers):
        raise ValueError(f"day of week {text} is out of range 0-{len(numbers) - 1}"
                         + (" (0 and 7 are Sunday)" if numbers is CRONTAB_NUMBERS else ""))
    return int(text)


def read_weekdays(field: str, numbers: tuple[str, ...] = CRONTAB_NUMBERS) -> frozenset[str]:
    """The days (by name) a day-of-week field selects: lists, ranges, `*` and steps, names or numbers counted as
    `numbers` says: crontab's (0 is Sunday), or `WEEKDAYS` to read APScheduler's own (0 is Monday)."""
    days: set[str] = set()
    for item in field.split(","):
        match = _ITEM.match(item.strip())
        if not match:
            raise ValueError(f"day of week {item!r} is not a day, a range (1-5), * or a step (*/2, 1-5/2)")
        if match["first"] is None:
            first, last = 0, len(numbers) - 1
        else:
            first = _day_number(match["first"], numbers)
            last = _day_number(match["last"], numbers) if match["last"] else first
            if match["step"] and not match["last"]:
                raise ValueError(f"day of week {item!r}: a step needs a range or * before it (1-5/2, */2)")
        if first > last:
            raise ValueError(f"day of week {item!r}: the range runs backwards (across Sunday, give two: 5-1 as 5-7,1)")
        step = int(match["step"] or 1)
        if step < 1:
            raise ValueError(f"day of week {item!r}: a step is at least 1")
        days.update(numbers[n] for n in range(first, last + 1, step))
    return frozenset(days)


def weekday_expression(days: frozenset[str]) -> str:
    """APScheduler's day-of-week field for these days, by name: `*`, `sun`, `mon-fri`, `mon,wed,sun`."""
    if len(days) == len(WEEKDAYS):
        return "*"
    ordered = [i for i, day in enumerate(WEEKDAYS) if day in days]
    runs: list[list[int]] = []
    for i in ordered:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    parts = [f"{WEEKDAYS[r[0]]}-{WEEKDAYS[r[-1]]}" if len(r) > 2 else ",".join(WEEKDAYS[i] for i in r) for r in runs]
    return ",".join(parts)


# The other four fields, as crontab(5) numbers them: APScheduler numbers them alike, but says what is wrong in its
# own words ("Error validating expression '25': the last value (25) ..."), so they are read here first.
FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12))
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _field_number(name: str, text: str, low: int, high: int) -> int:
    if name == "month" and text.lower() in MONTHS:
        return MONTHS.index(text.lower()) + 1
    if not (text.isascii() and text.isdigit()):
        names = " nor a month name (jan, feb, ... dec)" if name == "month" else ""
        raise ValueError(f"{name} {text!r} is {'neither' if names else 'not'} a number{names}")
    if not low <= int(text) <= high:
        raise ValueError(f"{name} {text} is out of range {low}-{high}")
    return int(text)


def check_field(name: str, field: str, low: int, high: int) -> None:
    """ValueError, in the words the day-of-week field's are said in, when `field` is not a list of numbers,
    ranges, `*` and steps within `low`..`high`."""
    for item in field.split(","):
        match = _ITEM.match(item.strip())
        if not match:
            raise ValueError(f"{name} {item!r} is not a number, a range (1-5), * or a step (*/2, 1-5/2)")
        if match["first"] is not None:
            first = _field_number(name, match["first"], low, high)
            if match["last"] and _field_number(name, match["last"], low, high) < first:
                raise ValueError(f"{name} {item!r}: the range runs backwards")
        if match["step"] is not None and int(match["step"]) < 1:
            raise ValueError(f"{name} {item!r}: a step is at least 1")


def apscheduler_line(line: str) -> str:
    """The crontab line with its day-of-week field in day names, as APScheduler's `from_crontab` reads it alike."""
    fields = line.split()
    if len(fields) != 5:
        raise ValueError(f"{len(fields)} fields where crontab has 5 (minute hour day month weekday)")
    for (name, low, high), field in zip(FIELDS, fields, strict=False):
        check_field(name, field, low, high)
    day, weekday = fields[2], fields[4]
    if not day.startswith("*") and not weekday.startswith("*"):
        raise ValueError("both the day of the month and the day of the week are given: cron runs on days matching "
                         "either, which this scheduler cannot; give one of them as *")
    return " ".join([*fields[:4], weekday_expression(read_weekdays(weekday))])


def cron_trigger(line: str, timezone: tzinfo | str = "UTC") -> CronTrigger:
    """An APScheduler trigger that fires when cron would run `line`. ValueError says what is wrong with it."""
    from apscheduler.triggers.cron import CronTrigger  # here: settings validate with it, and load it only then

    return CronTrigger.from_crontab(apscheduler_line(line), timezone=timezone)
