"""Every message names an edition one way, as docs/glossary.md says: `Title (Format)`, with `, ISBN …` in a message
(`Roseanna (Hardback), ISBN 9780007232833`), whole, never cut; a field by its words (`Subject (Thema)`)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from functools import partial

import pytest
from rich.console import Console

from bookbridge.application.milestone_effects import queue_for_the_service
from bookbridge.application.milestones import ActionQueued
from bookbridge.application.sync import PlannedSync, SyncReport
from bookbridge.application.upcoming import UpcomingChange, change_words
from bookbridge.domain.listing import build_edition_listing
from bookbridge.domain.plan import plan_changes
from bookbridge.domain.ports import SourceRead
from bookbridge.domain.problems import Problem, Severity
from bookbridge.entrypoints.cli.render import print_plan, print_report
from examples import HARDBACK, edition, storefront

NOW = datetime(2026, 11, 28, 10, tzinfo=UTC)
NAMED = f"Roseanna (Hardback), ISBN {HARDBACK}"
LONG = "The Salt Road: A Harbour Quartet novel, being the first of four books set along the northern coast"


def _printed(fn, *args) -> str:
    console = Console(width=250, record=True, file=io.StringIO())
    fn(console, *args)
    return console.export_text()


def test_a_plan_names_an_edition_held_back_as_every_message_does_with_its_title_whole():
    listing = build_edition_listing(edition(resources=(), title=LONG), storefront(), at=NOW)  # no cover: held back
    assert not listing.listed
    planned = PlannedSync(read=SourceRead(families=()), listings=(listing,),
                          plan=plan_changes("shop", [listing], {}), applied={}, catalogue={})
    out = _printed(partial(print_plan, storefronts=(storefront(),)), planned)
    assert f"held back {LONG} (Hardback), ISBN {HARDBACK}: " in out, out
    assert "…" not in out


def test_a_change_at_an_instant_names_its_edition_as_every_message_does():
    change = UpcomingChange(at=NOW, storefront="uk", isbn=str(HARDBACK), title="Roseanna (Hardback)",
                            what="goes on sale")
    assert change_words(change) == f"{NAMED} goes on sale (storefront 'uk')"


def test_a_retry_of_an_exception_names_its_edition():
    out = _printed(partial(print_report, isbn=str(HARDBACK), retry_of=6, name="Roseanna (Hardback)"),
                   SyncReport(storefront="shop", started=NOW))
    assert f"Retry of exception 6: {NAMED} in store 'shop'" in out, out


def test_a_launch_queued_for_the_service_names_its_edition():
    with pytest.raises(ActionQueued) as queued:
        queue_for_the_service(edition())
    assert f"schedules the launch of {NAMED} (a job at an instant)" in str(queued.value)


def test_checks_example_names_an_edition_by_title_and_a_record_not_read_by_the_sources_id():
    from bookbridge.entrypoints.cli.check import example_words

    names = {str(HARDBACK): "Roseanna (Hardback)"}
    licence = Problem(code="not-licensed", severity=Severity.BLOCKING, message="not licensed for sale in US",
                      record=str(HARDBACK))
    record = Problem(code="no-isbn", severity=Severity.BLOCKING, message="no valid ISBN",
                     record="consonance:work:101/product:1001")
    assert example_words(licence, names) == f"{NAMED}: not licensed for sale in US"
    assert example_words(record, names) == "record consonance:work:101/product:1001: no valid ISBN"


@pytest.mark.parametrize(("field", "words"), [
    ("Subject/thema", "Subject (Thema)"), ("Subject/bisac", "Subject (BISAC)"),
    ("Subject/04", "Subject (04 LC subject heading)"), ("SalesRights", "SalesRights"), ("Price", "Price")])
def test_an_unmapped_subjects_field_is_said_in_words_like_the_other_fields(field, words):
    from bookbridge.domain.categories import field_words

    assert field_words(field) == words


def test_a_jobs_kind_is_said_in_the_words_of_the_services_log():
    from apscheduler.job import Job
    from apscheduler.triggers.interval import IntervalTrigger

    from bookbridge.domain.ports.scheduling import job_kind_words
    from bookbridge.entrypoints.scheduler import job_words

    for kind in ("delta-sync", "retry-transient"):  # the log's words are the dashboard's and `jobs`'
        job = Job.__new__(Job)
        job.id, job.args, job.kwargs, job.trigger = f"{kind}:shop", ("shop",), {}, IntervalTrigger(minutes=15)
        assert job_words(job)[0] == f"{job_kind_words(kind)} of store 'shop'"
    assert [job_kind_words(k) for k in ("delta-sync", "order-import", "retry-transient", "launch")] == [
        "delta sync", "order import", "retry of transient failures", "launch"]


def test_a_planned_hide_no_listing_names_is_named_by_its_last_name_else_as_not_in_the_catalogue() -> None:
    from bookbridge.domain.applied import AppliedListing
    from bookbridge.domain.listing import Section
    from bookbridge.domain.plan import ActionKind, StoreAction
    from bookbridge.entrypoints.presentation import action_name

    hide = StoreAction(ActionKind.HIDE, "9780306406157", None, reason="no longer in the source")
    named = AppliedListing("9780306406157", {}, payloads={Section.CORE: {"name": "Roseanna (Hardback)"}})
    assert action_name(hide, named) == "Roseanna (Hardback)"
    assert action_name(hide, AppliedListing("9780306406157", {})) == "not in the catalogue (ISBN 9780306406157)"
    assert action_name(hide, None) == "not in the catalogue (ISBN 9780306406157)"
