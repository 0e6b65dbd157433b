"""Turning ONIX dates into instants in a storefront's time zone.

A date is a whole day in the store's zone: it starts at local midnight, and an inclusive
"until" date ends at the next local midnight. A datetime carries its own offset and is honoured as is. An
instant said in UTC reads `2026-12-05 05:00 UTC` (`utc_time`), in every command, page and log line.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DateOrInstant = date | datetime


def start_of(value: DateOrInstant, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    return datetime.combine(value, time(0), tzinfo=tz)


def end_of(value: DateOrInstant, tz: ZoneInfo) -> datetime:
    """The first instant after an inclusive until-value."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=tz)) + timedelta(microseconds=1)
    return datetime.combine(value + timedelta(days=1), time(0), tzinfo=tz)


def utc_time(at: datetime) -> str:
    """`2026-12-05 05:00 UTC`: an instant in UTC, saying so."""
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def require_aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError(f"instant {at.isoformat()} has no time zone; rules take aware datetimes")
    return at
