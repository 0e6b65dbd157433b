"""ONIX dates (List 55 dateformat): calendar days become `date`, exact times become aware `datetime`."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

from lxml import etree

DateOrInstant = date | datetime

# List 55: 00 YYYYMMDD, 01 YYYYMM, 05 YYYY, 06 YYYYMMDDYYYYMMDD (range), 13 YYYYMMDDThhmm, 14 YYYYMMDDThhmmss.
# 13 and 14 may end in Z or ±hhmm; without one the sender's zone is unknown and we read the time as UTC.
_TIME = re.compile(r"^(\d{8})T(\d{2})(\d{2})(\d{2})?(Z|[+-]\d{4})?$")


class OnixDateError(ValueError):
    """A date that does not match its declared List 55 format; the message names the value and the format."""

    def __init__(self, value: str, fmt: str, reason: str = "") -> None:
        super().__init__(f"date {value!r} does not match dateformat {fmt!r}" + (f": {reason}" if reason else ""))
        self.value = value
        self.fmt = fmt


def _day(text: str, fmt: str) -> date:
    try:
        return date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError as exc:
        raise OnixDateError(text, fmt, str(exc)) from None


def _instant(text: str, fmt: str) -> datetime:
    match = _TIME.match(text)
    if not match or (fmt == "13" and match.group(4)) or (fmt == "14" and not match.group(4)):
        raise OnixDateError(text, fmt)
    day = _day(match.group(1), fmt)
    zone_text = match.group(5)
    zone: timezone = UTC
    if zone_text and zone_text != "Z":
        sign = -1 if zone_text[0] == "-" else 1
        zone = timezone(sign * timedelta(hours=int(zone_text[1:3]), minutes=int(zone_text[3:5])))
    try:
        return datetime(day.year, day.month, day.day, int(match.group(2)), int(match.group(3)),
                        int(match.group(4) or 0), tzinfo=zone)
    except ValueError as exc:
        raise OnixDateError(text, fmt, str(exc)) from None


def parse_date(value: str, fmt: str | None = None) -> DateOrInstant:
    """One date in List 55 format `fmt` (default 00). Raises OnixDateError."""
    text = value.strip()
    fmt = (fmt or "00").strip()
    if fmt == "00" and len(text) == 8 and text.isdigit():
        return _day(text, fmt)
    if fmt == "01" and len(text) == 6 and text.isdigit():
        return _day(text + "01", fmt)
    if fmt == "05" and len(text) == 4 and text.isdigit():
        return _day(text + "0101", fmt)
    if fmt in ("13", "14"):
        return _instant(text, fmt)
    raise OnixDateError(text, fmt)


def parse_range(value: str, fmt: str | None = None) -> tuple[DateOrInstant, DateOrInstant]:
    """A from–until pair: List 55 06 (YYYYMMDDYYYYMMDD); any other format is a single day meaning both ends."""
    text = value.strip()
    if (fmt or "").strip() == "06":
        if len(text) != 16 or not text.isdigit():
            raise OnixDateError(text, "06")
        return _day(text[:8], "06"), _day(text[8:], "06")
    one = parse_date(text, fmt)
    return one, one


def date_of(composite: etree._Element, child: str = "Date") -> tuple[str, str | None] | None:
    """The raw text and format of a composite's date: `dateformat` attribute or (older files) `<DateFormat>`."""
    element = declared = None
    for node in composite:  # one pass: a composite has a few parts, and a search by tag costs more than this
        tag = node.tag
        if tag == child:
            element = node if element is None else element
        elif tag == "DateFormat" and declared is None:
            declared = node
    if element is None or not (element.text or "").strip():
        return None
    fmt = element.get("dateformat")
    if fmt is None and declared is not None:
        fmt = declared.text
    return element.text or "", fmt
