"""Words for schedules, instants and places, shared by the dashboard and the CLI (money: `application.money`).

    plain_schedule("interval[0:05:00]") -> "every 5 minutes"
    plain_schedule("cron[month='*', day='*', day_of_week='*', hour='3', minute='0']") -> "daily at 03:00 UTC"
    plain_schedule("cron[month='*', day='*', day_of_week='mon-fri', hour='3', minute='0']")
        -> "Monday to Friday at 03:00 UTC"
    local_time(instant, "America/New_York") -> "2026-05-20 00:00 EDT (America/New_York)"
    storefront_times(instant, [("us", "America/New_York")])
        -> "storefront 'us': 2026-05-20 00:00 EDT (America/New_York)"
    store_time(instant, [("us", "America/New_York")])
        -> "2026-05-20 04:00 UTC (storefront 'us': 2026-05-20 00:00 EDT (America/New_York))"
    time_ago(then, now) -> "3 hours ago"
    instant_text(instant, None) -> "2026-05-20 04:00 UTC"; where_words("shop", "shop") -> "store 'shop'"

APScheduler describes a trigger as `interval[H:MM:SS]`, `cron[field='value', ...]` or `date[...]`; the scheduler
runs in UTC (`entrypoints.scheduler`), so cron times are UTC. APScheduler numbers the days of the week from
Monday (0), crontab from Sunday (`entrypoints.crontab`), so days are read as APScheduler means them and written
by name. A cron schedule with no shorter wording is given as its crontab line (`on the schedule "0 2 1-7 * *"
(crontab, UTC)`); text that is none of these is returned as it is.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bookbridge.application.exception_words import place_words
from bookbridge.application.held_back import FROM_EVERY_STOREFRONT
from bookbridge.application.reconcile import isbn_of
from bookbridge.domain.applied import AppliedListing, last_name
from bookbridge.domain.instants import utc_time as utc_time  # said the same in the application's words
from bookbridge.domain.listing import (
    edition_name as edition_name,  # as the store's product names: `Roseanna (Hardback)`
)
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.plan import StoreAction
from bookbridge.domain.ports import MAX_INTEGER, ExceptionKind, SyncException, SyncRun
from bookbridge.domain.storefront import storefront_words
from bookbridge.domain.words import given_words, not_in_catalogue
from bookbridge.domain.words import named_edition as named_edition  # one naming of an edition, every layer's
from bookbridge.domain.words import plural as plural  # one rule for every layer's messages and log lines
from bookbridge.entrypoints.crontab import WEEKDAYS, cron_trigger, read_weekdays, weekday_expression

_INTERVAL = re.compile(r"^interval\[(?:(\d+) days?, )?(\d+):(\d\d):(\d\d)(?:\.\d+)?\]$")
_CRON = re.compile(r"^cron\[(.*)\]$")
_DATE = re.compile(r"^date\[.*\]$")  # a one-off job: when it runs is shown beside it
_CRONTAB = ("minute", "hour", "day", "month", "day_of_week")
_FIELD = re.compile(r"(\w+)='([^']*)'")
_DAY_NAMES = dict(zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
                      strict=True))


def _span(seconds: int) -> str:
    units = [(86_400, "day"), (3_600, "hour"), (60, "minute"), (1, "second")]
    parts = []
    for size, word in units:
        if seconds >= size:
            parts.append(plural(seconds // size, word))
            seconds %= size
    return " ".join(parts)


def seen_time(at: datetime, storefront: str | None, zones: Mapping[str, str], *, lines: str | None = None) -> str:
    """When something of `storefront` happened: a storefront's in its zone, naming it; the store's (or a source's,
    `storefront` not in `zones`) in UTC with each storefront's local time beside it, in the one sentence of
    `store_time`, or (`lines`: what begins each line, a terminal's table cell) a line each."""
    zone = zones.get(storefront or "")
    if zone or not zones:
        return instant_text(at, zone)
    if lines is None:
        return store_time(at, zones.items())
    return utc_time(at) + lines + storefront_times(at, zones.items(), between=lines)


def resolved_words(item: SyncException, zones: Mapping[str, str], *, lines: str | None = None) -> str:
    """When and how an exception was resolved, as `exceptions show` states it: `resolved <when>: <its resolution>`
    (a person's note, or what resolved it by itself: `resolved by a later successful sync`), `when` as
    `seen_time` says it (`zones`: storefront -> time zone; `lines`: as `seen_time` takes it). A resolution that
    says `resolved: ` itself (what resolved it by itself) is said without it, so that "resolved" is said once."""
    when = seen_time(item.resolved_at, item.storefront, zones, lines=lines) if item.resolved_at else "earlier"
    return f"resolved {when}: {(item.resolution or 'no note').removeprefix('resolved: ')}"


def no_such_exception(exception_id: int) -> str:
    """An id that names no exception, open or resolved, as `bookbridge exceptions show|resolve|retry` (exit 2) and
    the admin API (404) say it."""
    return f"no exception with id {exception_id}"


def resolved_already(item: SyncException, zones: Mapping[str, str]) -> str:
    """An exception `resolve` or `retry` found resolved already, as `bookbridge exceptions resolve|retry` (exit 1)
    and the admin API (409) say it: when and how, and that nothing was done."""
    return f"exception {item.id} is resolved already ({resolved_words(item, zones)}); nothing was changed for it"


def duration_words(seconds: float) -> str:
    """How long something took, in words: "3 seconds", "1 minute 12 seconds"; "under a second"."""
    return _span(int(seconds)) or "under a second"


def plain_schedule(text: str, crontabs: Iterable[str] = ()) -> str:
    """A trigger's text in plain words ("every 5 minutes", "daily at 03:00 UTC", "every Monday at 06:30 UTC"); a
    cron schedule with no shorter wording as its crontab line, as configured when it is one of `crontabs` (the
    configured lines: `*/20 9-17 * * 1-5` as written, never as the trigger keeps it, `mon-fri`)."""
    if match := _INTERVAL.match(text):
        days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
        total = days * 86_400 + hours * 3_600 + minutes * 60 + seconds
        single = {86_400: "every day", 3_600: "every hour", 60: "every minute", 1: "every second"}
        return single.get(total) or f"every {_span(total)}"
    if match := _CRON.match(text):
        fields = dict(_FIELD.findall(match.group(1)))
        if (weekdays := _weekdays(fields.get("day_of_week", "*"))) is not None:
            fields["day_of_week"] = weekday_expression(weekdays)  # by name: APScheduler's numbers are not crontab's
        crontab = next((line for line in crontabs if str(cron_trigger(line, timezone=UTC)) == text),
                       " ".join(fields.get(name, "*") for name in _CRONTAB))
        return _cron_words(fields) or f'on the schedule "{crontab}" (crontab, UTC)'
    if _DATE.match(text):
        return "once"
    return text


def _cron_words(fields: dict[str, str]) -> str | None:
    star = {k for k, v in fields.items() if v == "*"}
    hour, minute = fields.get("hour", "*"), fields.get("minute", "*")
    rest = {k for k in fields if k not in ("hour", "minute", "second")} - star
    if minute.startswith("*/") and hour == "*" and not rest:
        return f"every {plural(int(minute[2:]), 'minute')}"
    if hour.startswith("*/") and minute.isdigit() and not rest:
        return f"every {plural(int(hour[2:]), 'hour')} at minute {int(minute)}"
    if not (hour.isdigit() and minute.isdigit()):
        return None
    at = f"at {int(hour):02d}:{int(minute):02d} UTC"
    if not rest:
        return f"daily {at}"
    if rest == {"day_of_week"} and (days := _weekdays(fields["day_of_week"])):
        return f"{_days_words(days)} {at}"
    if rest == {"day"} and fields["day"].isdigit():
        return f"monthly on day {int(fields['day'])} {at}"
    return None


def _weekdays(text: str) -> frozenset[str] | None:
    """The days an APScheduler day-of-week field selects (its numbers count from Monday), or None if unread."""
    try:
        return read_weekdays(text, numbers=WEEKDAYS)
    except ValueError:
        return None


def _days_words(days: frozenset[str]) -> str:
    """"daily", "every Sunday", "Monday to Friday", "on Saturday and Sunday" (Monday first)."""
    chosen = [i for i, day in enumerate(WEEKDAYS) if day in days]
    names = [_DAY_NAMES[WEEKDAYS[i]] for i in chosen]
    if len(names) == len(WEEKDAYS):
        return "daily"
    if len(names) == 1:
        return f"every {names[0]}"
    if len(names) > 2 and chosen[-1] - chosen[0] == len(names) - 1:  # one run of days
        return f"{names[0]} to {names[-1]}"
    return f"on {', '.join(names[:-1])} and {names[-1]}"


def local_time(at: datetime, zone: str) -> str:
    """The instant in the zone's local time, naming the zone: "2026-05-20 00:00 BST (Europe/London)"."""
    local = at.astimezone(ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({zone})"


def storefront_times(at: datetime, storefronts: Iterable[tuple[str, str]], *, between: str = "; ") -> str:
    """The instant in each storefront's time zone, naming the storefront and the zone (`storefronts`: (name, zone)
    pairs), beside a store's instant in UTC: a job's next run (`jobs`), a run (`runs`, `exceptions show`)."""
    return between.join(f"{storefront_words(name)}: {local_time(at, zone)}" for name, zone in storefronts)


def store_time(at: datetime, storefronts: Iterable[tuple[str, str]]) -> str:
    """A store's instant in a sentence: in UTC, with each storefront's local time beside it in brackets,
    `2026-12-05 05:00 UTC (storefront 'uk': 2026-12-05 05:00 GMT (Europe/London); storefront 'us': ...)`; in UTC
    alone when no storefront is given."""
    local = storefront_times(at, storefronts)
    return f"{utc_time(at)} ({local})" if local else utc_time(at)


def instant_text(at: datetime, zone: str | None) -> str:
    """An instant in a storefront's time zone, naming it, or (no zone: the store's, a source's) in UTC, saying so."""
    return local_time(at, zone) if zone else utc_time(at)


def run_what(run: SyncRun) -> str:
    """What a run was, as `bookbridge runs`, the dashboard's "Last runs" and /api/runs say it: `sync`, or a retry
    (`retry of exception 10`, `retry of exception 10: edition 9781999990022 only`, `retry of edition 9781999990022
    only`: `application.sync.run_words`)."""
    return run.what or "sync"


# A run's counts, as `bookbridge runs`, the dashboard's "Last runs" and /api/runs give them: `bookbridge sync`'s,
# then the products a sync stopped by the store's refusal of the credentials planned and did not send.
RUN_COUNTS = ("created", "adopted", "updated", "hidden", "unchanged", "held_back", "failed", "not_sent")
COUNT_WORDS = {"held_back": FROM_EVERY_STOREFRONT, "not_sent": "not sent"}  # the others are their own words
NOT_SENT_WHY = "planned and not sent, the store having refused the credentials"  # a `not sent` count, explained


def run_counts(run: SyncRun) -> dict[str, int]:
    """`run`'s counts with `not_sent` (0 for a run the store did not refuse: a run records it only when refused);
    none for a run with no counts (running, or its source could not be read)."""
    return {**run.counts, "not_sent": run.counts.get("not_sent", 0)} if run.counts else {}


def not_sent_runs(runs: Iterable[SyncRun]) -> str | None:
    """The note under a table of runs of which some did not send what they planned: `not sent: planned and not sent,
    the store having refused the credentials (run 7)`; None when every run sent what it planned."""
    ids = [str(r.id) for r in runs if r.counts.get("not_sent")]
    if not ids:
        return None
    return f"{COUNT_WORDS['not_sent']}: {NOT_SENT_WHY} ({'run' if len(ids) == 1 else 'runs'} {', '.join(ids)})"


def edition_names(families: Iterable[TitleFamily]) -> dict[str, str]:
    """ISBN -> the edition as the store's product names it (`Roseanna (Hardback)`), for a catalogue's families."""
    return {str(e.isbn): edition_name(e) for f in families for e in f.editions}


def action_name(action: StoreAction, before: AppliedListing | None) -> str:
    """The product a planned action writes, by name (a plan's row, `plan --json`): its listing's; a product no
    listing names any more (its edition gone from the source, the old ISBN of an accepted ISBN change) by the name
    it was last written with (`before`), else `not in the catalogue (ISBN …)`: never by nothing."""
    if action.listing is not None:
        return action.listing.name
    return last_name(before) or not_in_catalogue(isbn_of(before) if before is not None else action.key)


def exception_edition_names(families: Iterable[TitleFamily], items: Iterable[SyncException],
                            applied: Mapping[str, AppliedListing]) -> dict[str, str]:
    """ISBN -> the edition's name for the rows of exceptions (`exceptions list` and `show`, the dashboard): the
    catalogue's (`edition_names`); an `isbn-changed` exception's old ISBN, which the catalogue no longer holds, by
    the name its product was last written with (`The Salt Road (eBook (EPUB))`), as the sync named it."""
    names = edition_names(families)
    for item in items:
        if (item.kind is ExceptionKind.ISBN_CHANGED and item.isbn and item.isbn not in names
                and (name := last_name(applied.get(item.isbn)))):
            names[item.isbn] = name
    return names


def not_catalogued_note(count: int, editions: str = "edition") -> str:
    """The line under a listing that names editions the catalogue does not hold (`sales report`, `milestones`):
    how many, and why a title can be missing, so that the label is not read as a fault of the listing."""
    return (f"note: {plural(count, editions)} {'is' if count == 1 else 'are'} not in the catalogue (a title since "
            "removed from the source, or another source's), each named `not in the catalogue (ISBN …)`")


def where_words(key: str | None, store: str, storefronts: Collection[str] = ()) -> str | None:
    """Where an exception is, as every page and document says it (`application.exception_words.place_words`):
    `storefront 'uk'`, `store 'shop'`, `source 'consonance'`, `order import of store 'shop'`, ...; None when it
    names no place."""
    return place_words(key, store, storefronts)


def exception_id_number(value: str | int) -> int:
    """An exception's id: a whole number from 1 to the largest id the state database holds. Anything else is
    refused (ValueError) in the words the CLI's ID and the API's path parameter exception_id both say:
    `must be an exception id, a whole number from 1 to 2147483647; it is 'abc'` (a number unquoted: `it is 0`)."""
    text = value.strip() if isinstance(value, str) else ""
    number = value if isinstance(value, int) else int(text) if text.isascii() and text.isdigit() else None
    if number is not None and 1 <= number <= MAX_INTEGER:
        return number
    raise ValueError(f"must be an exception id, a whole number from 1 to {MAX_INTEGER}; it is "
                     f"{given_words(value, as_number=True)}")


def not_a_day(value: str, error: ValueError | None = None) -> str:
    """A value refused as a day, in the words the CLI's --from/--to and the API's start/end both say: `must be a
    day as YYYY-MM-DD; it is '2026-13-01' (month must be in 1..12)`, with Python's reason (`error`, from
    `date.fromisoformat`) when it says more than that the value is no date."""
    return f"must be a day as YYYY-MM-DD; it is {given_words(value)}{date_reason(error)}"


def date_reason(error: ValueError | None) -> str:
    """Why `date.fromisoformat` refused a value, when it says more than that it is no date: ` (month must be in
    1..12)`; else nothing."""
    return f" ({error})" if error and not str(error).startswith("Invalid isoformat string") else ""


def names_nothing(what: str, value: str, configured: Sequence[str], known: str, *, hint: str = "") -> str:
    """A name that names nothing configured, as a command refuses it (exit 2) and the API (422): `no storefront is
    named 'US' (did you mean 'us'? configured: storefronts 'uk' and 'us')`. `known`: the configured ones in words;
    `hint`: why it names nothing, where a near miss is not the reason."""
    same = [name for name in configured if name.casefold() == value.casefold()]
    close = same or difflib.get_close_matches(value, configured, n=1)
    hint = hint or (f"did you mean {close[0]!r}? " if close else "")
    return f"no {what} is named {value!r} ({hint}{known})"


def none_open(total: int, *, kinds: Iterable[str] = (), places: Iterable[str] = (), isbn: str | None = None,
              text: str | None = None) -> str:
    """A filter of the open exceptions that matches none, in words, as `bookbridge exceptions list` and the
    dashboard say it, each place in words: `No open exceptions of kind 'drift' in store 'shop' about ISBN
    9780306406157 (8 open exceptions in all).` (`kinds`: codes or words; `places`: either of them matches). With
    none open at all: `No open exceptions.`, or with filters `No open exceptions of kind 'drift' (none open in
    all).`"""
    kinds, places = list(kinds), list(places)
    parts = [f"of kind {' or '.join(map(repr, kinds))}"] if kinds else []
    parts += [f"in {' or '.join(places)}"] if places else []
    parts += [f"about ISBN {isbn}"] if isbn else []
    parts += [f"matching {text!r}"] if text else []
    if not total:
        return "No open exceptions" + (" " + " ".join(parts) + " (none open in all)." if parts else ".")
    return " ".join(["No open exceptions", *parts]) + f" ({plural(total, 'open exception')} in all)."


def time_ago(then: datetime, now: datetime) -> str:
    """"just now", "5 minutes ago", "3 hours ago", "2 days ago" (the largest whole unit); "in the future" if
    the clocks disagree."""
    seconds = int((now - then) / timedelta(seconds=1))
    if seconds < 0:
        return "in the future"
    if seconds < 60:
        return "just now"
    for size, word in ((86_400, "day"), (3_600, "hour")):
        if seconds >= size:
            return f"{plural(seconds // size, word)} ago"
    return f"{plural(seconds // 60, 'minute')} ago"
