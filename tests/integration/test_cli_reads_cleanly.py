"""The command line as a new user meets it: each defect of issue 16 stays fixed (exit codes and messages), output
off a terminal is never wrapped, help reads as plain text, and times name their zone."""

from __future__ import annotations

import json
import logging
import re
import shutil
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from bookbridge.entrypoints.cli import app
from bookbridge.entrypoints.cli.app import HUMAN_ONLY, LOG_COMMANDS
from bookbridge.entrypoints.cli.demo import CATEGORIES, STOREFRONTS
from bookbridge.entrypoints.cli.demo_timeline import when
from bookbridge.entrypoints.container import Container
from bookbridge.entrypoints.logs import level_for
from bookbridge.entrypoints.presentation import plural
from bookbridge.entrypoints.service import Service
from bookbridge.entrypoints.settings import load_settings
from cli_support import (
    UK_STOREFRONT,
    OnixProduct,
    forget_configuration,
    run,
    sample_config,
    write_config,
    write_onix,
)

US_STOREFRONT = ('[[storefronts]]\nname = "us"\nchannel_id = 2\ncountries = ["US"]\ncurrency = "USD"\n'
                 'timezone = "America/New_York"\ndefault_currency = false\n')
BIGCOMMERCE = 'kind = "bigcommerce"\nname = "shop"\nstore_hash = "abc123"\naccess_token = "t0ken"\n'


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    forget_configuration(monkeypatch)


def plain(*args: str, env: dict[str, str] | None = None):
    """`bookbridge *args` with stdout not a terminal and no COLUMNS: what a pipe, a file or CI gets."""
    return CliRunner().invoke(app, list(args), env=env)


def test_plan_validates_the_store_as_check_and_sync_do(tmp_path):
    config = write_config(tmp_path, f'[source]\nkind = "sample"\nfamilies = 2\n[store]\n{BIGCOMMERCE}'
                                    f"max_inflight = 4\n{UK_STOREFRONT}")
    for command in ("plan", "sync", "check"):
        result = plain(command, "-c", str(config))
        assert result.exit_code == 2, (command, result.output)
        assert ("[store] max_inflight: unknown key of kind 'bigcommerce' (did you mean 'max_in_flight'?"
                in result.output), result.output
        assert "storefront adapter" not in result.output and "t0ken" not in result.output


def test_a_missing_file_named_by_bookbridge_config_is_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "nowhere.toml"
    result = plain("plan", env={"BOOKBRIDGE_CONFIG": str(missing)})
    assert result.exit_code == 2, result.output
    assert f"configuration file {missing} (from $BOOKBRIDGE_CONFIG) does not exist" in result.output
    assert "no [[storefronts]] configured" not in result.output and not (tmp_path / "bookbridge.db").exists()


def test_a_missing_file_named_by_c_is_an_error(tmp_path):
    result = plain("plan", "-c", str(tmp_path / "missing.toml"))
    assert result.exit_code == 2 and f"configuration file {tmp_path / 'missing.toml'} does not exist" in result.output


def test_relative_paths_resolve_against_the_configuration_files_folder(tmp_path, monkeypatch):
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    (home / "feed.xml").write_text("this is a price list, not ONIX\n", encoding="utf-8")
    config = home / "bookbridge.toml"
    config.write_text(f'[source]\nkind = "onix-file"\npath = "feed.xml"\n[store]\nkind = "memory"\n{UK_STOREFRONT}'
                      '[[sales_sinks]]\nkind = "csv"\ndirectory = "sales"\n[http]\nadmin_token_file = "token"\n',
                      encoding="utf-8")
    monkeypatch.chdir(elsewhere)
    settings = load_settings(Path("../home/bookbridge.toml"))
    assert settings.source.options()["path"] == str(home / "feed.xml")
    assert settings.sales_sinks[0].options()["directory"] == str(home / "sales")
    assert settings.http.admin_token_file == home / "token"
    assert settings.database_url == f"sqlite:///{home / 'bookbridge.db'}", "the state lives next to its file"
    shutil.copy(CATEGORIES, home / "categories.toml")
    config.write_text(config.read_text(encoding="utf-8") + '[mapping]\ncategories = "categories.toml"\n',
                      encoding="utf-8")
    assert load_settings(Path("../home/bookbridge.toml")).mapping.categories, "the mapping file is found and read"
    result = plain("plan", "-c", "../home/bookbridge.toml")
    assert result.exit_code == 1, result.output  # the file was found (and is not ONIX): not "does not exist"
    assert (f"nothing was planned: reading source 'onix-file' failed: {home / 'feed.xml'}, line 1: not well-formed "
            "XML") in result.output
    assert not (elsewhere / "bookbridge.db").exists() and (home / "bookbridge.db").exists()


def test_a_relative_database_in_the_file_is_next_to_it_and_the_environment_still_wins(tmp_path, monkeypatch):
    config = tmp_path / "bookbridge.toml"
    config.write_text('database_url = "sqlite:///state/here.db"\n' + sample_config(2), encoding="utf-8")
    monkeypatch.chdir("/")
    assert load_settings(config).database_url == f"sqlite:///{tmp_path / 'state' / 'here.db'}"
    monkeypatch.setenv("BOOKBRIDGE_DATABASE_URL", "sqlite:///from-env.db")
    assert load_settings(config).database_url == "sqlite:///from-env.db"


@pytest.mark.parametrize(("body", "expected"), [
    ('databse_url = "sqlite:///x.db"\n' + sample_config(2),
     "databse_url: unknown top-level key (did you mean 'database_url'? known: database_url, "),
    (sample_config(2).replace('currency = "GBP"', 'currency = "GBP"\ncurency = "GBP"'),
     "[[storefronts]] 'uk' curency: unknown key (did you mean 'currency'? known: "),
    (sample_config(2) + "[schedules]\ndelta_sync_minute = 3\n",
     "[schedules] delta_sync_minute: unknown key (did you mean 'delta_sync_minutes'? known: "),
])
def test_table_typos_get_did_you_mean_naming_the_storefront(tmp_path, body, expected):
    path = tmp_path / "bookbridge.toml"
    path.write_text(body, encoding="utf-8")
    result = plain("plan", "-c", str(path))
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "storefronts.0" not in result.output and "Extra inputs" not in result.output


def test_version():
    result = plain("--version")
    assert result.exit_code == 0 and re.fullmatch(r"bookbridge \S+\n", result.output), result.output


COMMANDS = [[], ["init"], ["check"], ["demo"], ["plugins"], ["plan"], ["sync"], ["runs"], ["reconcile"], ["serve"],
            ["jobs"], ["milestones"], ["source"], ["source", "inspect"], ["db"], ["db", "upgrade"], ["exceptions"],
            ["exceptions", "list"], ["exceptions", "show"], ["exceptions", "resolve"], ["exceptions", "retry"],
            ["exceptions", "deliver"], ["orders"], ["orders", "import"], ["sales"], ["sales", "report"],
            ["sales", "export"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "bookbridge")
def test_help_reads_as_plain_text(command):
    result = run(*command, "--help", columns=100)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "<bool>" not in out, "a flag takes no value"
    assert "{exception_id}" not in out and "mission" not in out
    # Paragraphs are reflowed: inside one, every line but the last reaches near the width (no hard-wrap breaks).
    description = out.split("\n\n", 1)[1].split("\nOptions:", 1)[0].split("\nArguments:", 1)[0]
    for paragraph in description.split("\n\n"):
        lines = [line for line in paragraph.splitlines() if line.strip()]
        for line, following in pairwise(lines):
            room = 78 - len(line)
            assert room <= len(following.split()[0]), f"{line!r} breaks before {following!r}"


def test_the_demo_is_described_in_plain_words():
    out = " ".join(run("demo", "--help").output.split())
    assert "Show bookbridge at work on a sample shop, start to finish." in out
    assert "where to look in the dashboard" in out


def test_output_off_a_terminal_is_never_wrapped_and_isbns_are_whole(tmp_path):
    config = write_config(tmp_path, sample_config(8))
    result = plain("source", "inspect", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert "8 title families, " in result.output and "1 families" not in result.output
    rows = [line for line in result.output.splitlines() if re.search(r"\b97[89]\d", line)]
    assert rows and all(re.search(r"\b97[89]\d{10}\b", line) for line in rows), "an ISBN is never cut"
    assert max(len(line) for line in result.output.splitlines()) > 120, "a row stays on one line"
    assert "…" not in result.output
    assert "eBook (EPUB)" in result.output and "ebook-epub" not in result.output
    assert re.search(r"£\d+\.\d\d", result.output) and not re.search(r"GBP \d", result.output)


def test_a_one_family_source_says_1_family_1_edition(tmp_path):
    config = write_config(tmp_path, sample_config(1))
    out = plain("source", "inspect", "-c", str(config), "--json").output
    editions = out.count('"isbn"')
    table = plain("source", "inspect", "-c", str(config)).output
    assert f"1 title family, {editions} edition{'s' if editions != 1 else ''}" in table


def test_info_logs_stay_out_of_human_output_unless_verbose():
    assert level_for(0, False, quiet_info=True) == logging.WARNING
    assert level_for(1, False, quiet_info=True) == logging.DEBUG
    assert level_for(0, True) == logging.WARNING and level_for(0, False) == logging.INFO
    assert "demo" in HUMAN_ONLY and "serve" in LOG_COMMANDS


def test_the_demo_writes_no_info_log_lines_between_its_tables(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert '"level": "info"' not in result.output and " INFO " not in result.output


def test_a_us_midnight_is_shown_in_utc_with_midnight_in_new_york_beside_it():
    """The demo's instants are the store's: in UTC, each storefront's local time beside it, as `jobs` shows them."""
    instant = datetime(2026, 12, 5, 5, 0, tzinfo=UTC)
    assert when(instant, STOREFRONTS) == ("2026-12-05 05:00 UTC (storefront 'uk': 2026-12-05 05:00 GMT "
                                          "(Europe/London); storefront 'us': 2026-12-05 00:00 EST "
                                          "(America/New_York))")


def test_jobs_show_each_storefronts_local_time_and_schedules_in_words(tmp_path):
    config = write_config(tmp_path, sample_config(2) + US_STOREFRONT)
    container = Container()
    container.config_path.override(config)
    service = Service(container, instance="cli-test", order_import=lambda c: None)
    service.start(sync_at_start=False)
    midnight_in_new_york = datetime(2031, 1, 15, 5, 0, tzinfo=UTC)
    service.schedule_wakeups([("9781800000018", midnight_in_new_york)], {})
    service.shutdown(wait=True)
    container.shutdown_resources()
    result = plain("jobs", "-c", str(config))
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "2031-01-15" in line)
    assert "2031-01-15 05:00 UTC" in row and "storefront 'us': 2031-01-15 00:00 EST (America/New_York)" in row
    assert "storefront 'uk': 2031-01-15 05:00 GMT (Europe/London)" in row
    assert "every 15 minutes" in result.output and "interval[" not in result.output and "cron[" not in result.output
    order_import = next(line for line in result.output.splitlines() if "every 5 minutes" in line)
    # The store's, named as the dashboard names it.
    assert re.search(r"│ order import\s+│ store 'shop'\s+│", order_import), order_import  # the kind in words


def test_jobs_list_the_flips_of_editions_in_the_store_and_count_the_held_back(tmp_path):
    """As the dashboard: a campaign flip of an edition held back from every storefront (not licensed there) is not
    listed, only counted."""
    from datetime import date

    from bookbridge.domain.model import Rights, SalesRights
    from bookbridge.domain.territory import Territory
    from examples import HARDBACK, PAPERBACK, edition, family, gbp

    config = write_config(tmp_path, sample_config(2))
    campaign = (gbp("16.99"), gbp("12.99", valid_until=date(2030, 12, 31)))
    jersey_only = Rights(sales_rights=(SalesRights(type="01", territory=Territory.of("JE")),))
    catalogue = {"roseanna": family(edition(isbn=HARDBACK, rights=jersey_only, prices=campaign),
                                    edition(isbn=PAPERBACK, prices=campaign))}
    midnight_in_london = datetime(2031, 1, 1, tzinfo=UTC)
    container = Container()
    container.config_path.override(config)
    service = Service(container, instance="cli-test", order_import=lambda c: None)
    service.start(sync_at_start=False)
    service.schedule_wakeups([(str(HARDBACK), midnight_in_london), (str(PAPERBACK), midnight_in_london)], catalogue)
    service.shutdown(wait=True)
    container.shutdown_resources()
    result = plain("jobs", "-c", str(config))
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "2031-01-01 00:00 UTC" in line)
    assert (f"{PAPERBACK} price changes: £12.99 → £16.99 (storefront 'uk'); 1 change of a held-back edition not shown"
            in row), row
    assert str(HARDBACK) not in result.output and "held back (" not in result.output
    assert "flip" not in row  # a campaign flip is a price's start or end; what is left out is counted as changes
    # A campaign flip's id names no launch: the job is at an instant, whatever changes then; no caption excuses it.
    assert re.search(r"│ campaign\s+│.*│ at:shop:2031-01-01T00:00:00\+00:00", row), row
    assert "launch:" not in result.output and "its kind says what it is" not in result.output, result.output
    # A shorter list says what it leaves out, never cutting silently.
    listed = sum(1 for line in result.output.splitlines() if re.search(r"│ \d{4}-\d\d-\d\d \d\d:\d\d UTC", line))
    cut = plain("jobs", "--limit", "1", "-c", str(config))
    assert cut.exit_code == 0, cut.output
    assert f"… and {listed - 1} more job" in cut.output and f"--limit {listed}`" in cut.output, cut.output
    assert "more job" not in result.output, result.output


def test_exceptions_retry_of_an_edition_keeps_its_exceptions_ids(tmp_path):
    config = write_config(tmp_path, sample_config(50))
    assert plain("sync", "-c", str(config)).exit_code == 0
    listed = json.loads(plain("exceptions", "list", "--json", "-c", str(config)).stdout)
    item = next(e for e in listed if e["isbn"])
    before = {e["id"] for e in listed}
    retried = plain("exceptions", "retry", str(item["id"]), "-c", str(config))
    assert retried.exit_code == 1, retried.output  # the sample edition still lacks what held it back
    assert f"exception {item['id']} is still open: {item['message']}" in retried.output  # and why
    after = {e["id"] for e in json.loads(plain("exceptions", "list", "--json", "-c", str(config)).stdout)}
    assert after == before


def test_plan_prints_a_changed_fields_whole_value_off_a_terminal(tmp_path):
    onix = tmp_path / "feed.xml"
    write_onix(onix, [OnixProduct("9780007232833")])
    config = write_config(tmp_path, f'[source]\nkind = "onix-file"\npath = "{onix}"\n[store]\nkind = "memory"\n'
                                    f'name = "shop"\n{UK_STOREFRONT}')
    assert plain("sync", "-c", str(config)).exit_code == 0
    longer = ("Stockholm, 1964: a body is dredged from Lake Vättern, and Inspector Martin Beck begins a search that "
              "takes him across the sea to an American city and a killer who writes letters.")
    write_onix(onix, [OnixProduct("9780007232833", description=longer)])
    result = plain("plan", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert longer in result.output, result.output  # whole, on one line: never cut at a width, never wrapped
    assert "…" not in result.output
    # The field in words, as the demo and reconcile name it: not the section's internal name before it.
    [line] = [line for line in result.output.splitlines() if longer in line]
    assert re.search(r"\bdescription\b", line) and not re.search(r"\w\.description", line), line


def test_help_lists_every_command_whole_and_shows_tables_without_escapes():
    listed = plain("--help")
    assert listed.exit_code == 0
    commands = listed.output.split("Commands:", 1)[1]
    assert "..." not in commands, commands  # no description cut short
    serve = plain("serve", "--help").output
    assert "(default: [service] host, 127.0.0.1)" in serve and "\\[" not in serve


def test_two_storefronts_on_one_channel_are_named(tmp_path):
    us = UK_STOREFRONT.replace('name = "uk"', 'name = "us"').replace('"GBP"', '"USD"')
    config = write_config(tmp_path, sample_config(2) + us + "default_currency = false\n")
    result = plain("check", "-c", str(config))
    assert result.exit_code == 2, result.output
    assert "storefronts 'uk' and 'us' both use channel_id = 1" in result.output, result.output


def test_an_unset_secret_names_the_store_adapter_by_its_kind(tmp_path, monkeypatch):
    monkeypatch.delenv("BB_WALK_UNSET_HASH", raising=False)
    config = write_config(tmp_path, '[source]\nkind = "sample"\n[store]\nkind = "bigcommerce"\nname = "shop"\n'
                                    'store_hash_env = "BB_WALK_UNSET_HASH"\naccess_token = "t0ken"\n' + UK_STOREFRONT)
    result = plain("check", "-c", str(config))
    assert result.exit_code == 2, result.output
    assert ("[store] store_hash_env: environment variable 'BB_WALK_UNSET_HASH' is not "
            "set") in result.output, result.output
    assert "store 'bigcommerce'" not in result.output  # the kind is the adapter's, not the store's name


def test_every_command_ends_an_invalid_configuration_the_same_way(tmp_path):
    misspelt = sample_config(2).replace('timezone = "Europe/London"', 'time_zone = "Europe/London"')
    config = write_config(tmp_path, misspelt)
    for command in ("check", "plan", "sync"):
        result = plain(command, "-c", str(config))
        assert result.exit_code == 2, (command, result.output)
        assert "time_zone: unknown key (did you mean 'timezone'?" in result.output, (command, result.output)
        assert result.output.rstrip().endswith(
            "(see docs/configuration.md, or `bookbridge init` for a commented example)"), (command, result.output)


def test_a_misspelt_key_is_a_key_and_a_misspelt_flag_an_option(tmp_path):
    """The file holds keys (README, docs/configuration.md); the command line takes options, in click's words."""
    config = write_config(tmp_path, sample_config(2).replace('timezone = "Europe/London"', 'timzone = "Europe/London"'))
    result = plain("plan", "-c", str(config))
    assert result.exit_code == 2 and "timzone: unknown key (did you mean 'timezone'?" in result.output, result.output
    assert "option" not in result.output, result.output
    flag = plain("plan", "--confg", str(config))
    assert flag.exit_code == 2 and "No such option: --confg" in flag.output, flag.output


def test_sync_off_a_terminal_starts_with_its_report_and_quotes_the_store(tmp_path):
    config = write_config(tmp_path, sample_config(2))
    plan = plain("plan", "-c", str(config))
    assert plan.stdout.startswith("Plan for store 'shop' (dry run: nothing was written)\n"), plan.stdout[:200]
    result = plain("sync", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Sync of store 'shop'\n"), repr(result.stdout[:200])  # no empty line first


def test_jobs_before_the_service_ever_ran_says_so(tmp_path):
    config = write_config(tmp_path, sample_config(2))
    result = plain("jobs", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("No scheduled jobs yet: `bookbridge serve` schedules them"), result.output


def test_empty_listings_say_so_in_words_as_the_dashboard_does(tmp_path):
    config = write_config(tmp_path, sample_config(2))
    milestones = plain("milestones", "-c", str(config))
    assert milestones.exit_code == 0 and milestones.output.startswith("No milestones yet"), milestones.output
    sales = plain("sales", "report", "-c", str(config), "--from", "2026-11-01", "--to", "2026-11-28")
    assert sales.exit_code == 0, sales.output
    assert sales.output.startswith("No sales from 2026-11-01 to 2026-11-28: `bookbridge orders import`"), sales.output


def _row_cells(output: str, border: str = "│") -> list[list[str]]:
    """A table's body rows off a terminal (a row is one line), as their cells; `border="┃"`: its header."""
    return [[cell.strip() for cell in line.strip(border).split(border)] for line in output.splitlines()
            if line.startswith(border)]


def _run_times(utc: str, local: str) -> tuple[datetime, str]:
    """A run's instant as `runs` and `exceptions show` give it: in UTC, and each storefront's local time naming its
    zone, as `jobs` does (`storefront 'uk': 2026-12-07 14:55 GMT (Europe/London); storefront 'us': …`). Checks the
    local times are that instant and returns it, with the storefronts' part."""
    at = datetime.strptime(utc, "%Y-%m-%d %H:%M UTC").replace(tzinfo=UTC)
    expected = {"uk": ZoneInfo("Europe/London"), "us": ZoneInfo("America/New_York")}
    assert [part.split(":", 1)[0] for part in local.split("; ")] == ["storefront 'uk'", "storefront 'us'"], local
    for part in local.split("; "):
        name, shown = part.split(": ", 1)
        zone = expected[name.split("'")[1]]
        here = at.astimezone(zone)
        assert shown == f"{here:%Y-%m-%d %H:%M} {here.tzname()} ({zone.key})", (utc, part)
    return at, local


def test_a_run_s_times_are_in_utc_and_each_storefront_s_zone_in_runs_and_exceptions_show(tmp_path):
    """A run is the store's: `runs` and the outcomes `exceptions show` lists give its times in UTC and in each
    storefront's time zone, naming it, as `jobs` gives a job's next run. When an exception was seen is said in its
    storefront's zone (naming it), or in UTC for the store, as `exceptions list` says it."""
    config = write_config(tmp_path, sample_config(50) + US_STOREFRONT)
    assert plain("sync", "-c", str(config)).exit_code == 0
    runs = plain("runs", "-c", str(config))
    assert runs.exit_code == 0, runs.output
    assert _row_cells(runs.stdout, "┃")[0][:6] == ["run", "what", "store", "started",
                                                  "started in the storefronts' time zones", "took"], runs.output
    [run] = _row_cells(runs.stdout)
    assert run[1] == "sync", run  # what the run was: a sync of the store, not a retry
    started, local = _run_times(run[3], run[4])
    assert re.fullmatch(r"under a second|(\d+ (second|minute)s?\s?)+", run[5]), run  # how long, not a 2nd instant
    listed = plain("exceptions", "list", "-c", str(config)).stdout
    zones = {"uk": r"GMT \(Europe/London\)", "us": r"E[SD]T \(America/New_York\)"}
    items = json.loads(plain("exceptions", "list", "--json", "-c", str(config)).stdout)
    assert {"uk", "us"} <= {item["storefront"] for item in items}, items
    outcomes: list[list[str]] = []
    with_outcomes = None
    for item in items:
        shown = plain("exceptions", "show", str(item["id"]), "-c", str(config))  # with its edition's outcomes
        assert shown.exit_code == 0, shown.output
        instant = r"\d{4}-\d\d-\d\d \d\d:\d\d " + zones.get(item["storefront"], "UTC")
        # The store's instant has each storefront's time beside it (`; storefront 'uk': ...`).
        first = re.search(rf"^first seen  ({instant})(; storefront .+)?$", shown.output, re.MULTILINE)
        last = re.search(rf"^ last seen  ({instant})(; storefront .+)?$", shown.output, re.MULTILINE)
        assert first and last and bool(last[2]) == (item["storefront"] is None), shown.output
        assert last[1] in listed, (last[1], listed)  # the last time as the list says it
        rows = _row_cells(shown.stdout)
        if rows:  # an edition held back everywhere has no outcome: the store was not written
            # The heading says what the table holds: its outcomes, of the edition named as the list names it.
            edition = re.search(r"^\s+edition  (.+)$", shown.output, re.M)
            assert edition and edition[1] in listed, shown.output
            assert f"{plural(len(rows), 'outcome')} of {edition[1]} in the last 1 sync run" in shown.output, \
                shown.output
            assert _row_cells(shown.stdout, "┃") == [["run", "at", "in the storefronts' time zones", "action",
                                                       "outcome"]]
        outcomes += rows
        with_outcomes = item["id"] if rows else with_outcomes
    assert outcomes, "an edition held back on one storefront and listed on the other has outcomes"
    for cells in outcomes:
        assert cells[0] == run[0], cells  # the one run
        at, _ = _run_times(cells[1], cells[2])
        assert abs((at - started).total_seconds()) < 120, (cells, run)  # during that run
    assert plain("sync", "-c", str(config)).exit_code == 0  # writes nothing: no outcome of the edition in it
    shown = plain("exceptions", "show", str(with_outcomes), "-c", str(config)).output
    heading = re.search(r"^(\d+) outcomes? of .+ in the last 2 sync runs$", shown, re.M)
    assert heading and len(_row_cells(shown)) == int(heading[1]), shown


def test_lease_list_off_a_terminal_is_not_wrapped_and_names_the_zone(tmp_path):
    from datetime import timedelta

    from bookbridge.adapters.persistence import make_engine, make_leases, upgrade

    config = write_config(tmp_path, sample_config(2))
    assert plain("lease", "list", "-c", str(config)).output.startswith("No lease is held"), "empty: said in words"
    database = next(line for line in config.read_text().splitlines() if line.startswith("database_url"))
    engine = make_engine(database.split("=", 1)[1].strip().strip('"'))
    upgrade(engine)
    holder = "a-build-host-with-a-very-long-name.ci.example.org:4242"
    assert make_leases(engine).acquire("sync:shop", holder, timedelta(minutes=5))
    engine.dispose()
    listed = plain("lease", "list", "-c", str(config))
    assert listed.exit_code == 0, listed.output
    row = next(line for line in listed.output.splitlines() if "sync:shop" in line)
    assert holder in row and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", row), listed.output


def test_the_demo_runs_on_embedded_defaults_whatever_configuration_is_around(tmp_path, monkeypatch):
    """A user's bookbridge.toml in the folder (or named by $BOOKBRIDGE_CONFIG) and BOOKBRIDGE_* variables stay out
    of the demo: its port, schedules, notifications and orders are the demo's own."""
    from types import SimpleNamespace

    from bookbridge.entrypoints.cli.demo import demo_settings

    (tmp_path / "bookbridge.toml").write_text(
        '[service]\nport = 18999\n[schedules]\ndelta_sync_minutes = 1\n'
        '[[exception_queues]]\nkind = "webhook"\nurl = "https://hooks.example.com/real-team"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOOKBRIDGE_ORDERS__OVERLAP_MINUTES", "99")
    sandbox = SimpleNamespace(config=SimpleNamespace(store_hash="sandbox", token="t"),
                              base_url_v3="http://127.0.0.1:1/v3", base_url_v2="http://127.0.0.1:1/v2")
    folder = tmp_path / "demo"
    folder.mkdir()
    settings = demo_settings(folder, sandbox)  # type: ignore[arg-type]
    assert settings.service.port == 8080 and settings.schedules.delta_sync_minutes == 15
    assert "real-team" not in settings.model_dump_json()
    assert "99" not in json.dumps(settings.model_dump(mode="json").get("orders"))


def test_exceptions_list_names_each_edition_as_the_dashboard_does(tmp_path):
    """`Title (Format)` beside the ISBN, as the dashboard's exceptions and the store's product names say it."""
    config = write_config(tmp_path, sample_config(50) + US_STOREFRONT)
    assert plain("sync", "-c", str(config)).exit_code == 0
    isbns = {i["isbn"] for i in json.loads(plain("exceptions", "list", "--json", "-c", str(config)).stdout)}
    rows = [[cell.strip() for cell in line.strip("│").split("│")]
            for line in plain("exceptions", "list", "-c", str(config)).stdout.splitlines() if line.startswith("│")]
    named = {row[3]: row[2] for row in rows if re.fullmatch(r"\d{13}", row[3])}  # ISBN -> edition
    assert set(named) == isbns - {None}, (named, isbns)
    assert all(re.fullmatch(r".+ \((Hardback|Paperback|eBook \(EPUB\)|eBook \(PDF\)|Audiobook|Audio CD)\)", name)
               for name in named.values()), named


def test_two_default_currencies_name_their_storefronts(tmp_path):
    """`storefronts 'uk' and 'us'`, never bare names (docs/glossary.md)."""
    us = UK_STOREFRONT.replace('name = "uk"', 'name = "us"').replace('"GBP"', '"USD"').replace(
        "channel_id = 1", "channel_id = 2")
    result = plain("check", "-c", str(write_config(tmp_path, sample_config(2) + us)))
    assert result.exit_code == 2, result.output
    assert "exactly one storefront must have default_currency = true (the store's currency); found storefronts 'uk' " \
           "and 'us'" in " ".join(result.output.split()), result.output
    # The key is true unless set: the message says which to set false, not only what is wrong.
    assert "set default_currency = false on storefront 'us' (on every one but the storefront in the store's " \
           "currency; the key is true unless set)" in " ".join(result.output.split()), result.output


def _open_exception(config: Path, kind: object) -> int:
    """An open exception of `kind` on the sample store's first edition, as a sync would have opened it."""
    from bookbridge.domain.ports import ExceptionKind

    assert isinstance(kind, ExceptionKind)
    container = Container()
    container.config_path.override(config)
    uow = container.unit_of_work()
    with uow:
        item = uow.exceptions.report(kind, isbn="9781800000018", storefront="shop", message="decide",
                                     at=datetime.now(UTC))
        uow.commit()
    container.shutdown_resources()
    return item.id


def test_exceptions_retry_refuses_a_kind_no_retry_can_fix_saying_what_to_do(tmp_path):
    """`retry` of a drift, an ISBN change or a milestone action not possible would only fail again, leaving a
    failed run: it is refused (exit 2) with what to do instead, and nothing runs."""
    from bookbridge.domain.ports import ExceptionKind

    config = write_config(tmp_path, sample_config(50))
    assert plain("sync", "-c", str(config)).exit_code == 0
    runs = plain("runs", "--json", "-c", str(config)).stdout
    for kind, instead in ((ExceptionKind.DRIFT, "--keep-store-value"),
                          (ExceptionKind.ACTION_NOT_POSSIBLE, "fix the edition in the source"),
                          (ExceptionKind.ISBN_CHANGED, "correct a typo in the source")):
        exception = _open_exception(config, kind)
        retried = plain("exceptions", "retry", str(exception), "-c", str(config))
        assert retried.exit_code == 2, retried.output
        said = " ".join(retried.output.split())
        assert f"exception {exception} is not retried:" in said and instead in said, said
        assert f"bookbridge exceptions resolve {exception} --note" in said, said
    assert plain("runs", "--json", "-c", str(config)).stdout == runs  # no run was started


def test_keep_store_value_is_refused_on_an_exception_that_is_no_drift(tmp_path):
    from bookbridge.domain.ports import ExceptionKind

    config = write_config(tmp_path, sample_config(50))
    exception = _open_exception(config, ExceptionKind.ISBN_CHANGED)
    result = plain("exceptions", "resolve", str(exception), "--keep-store-value", "--note", "checked", "-c",
                   str(config))
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "Invalid value for '--keep-store-value'" in said, said
    # The kind as `exceptions resolve` says it on success: its code, its words beside (docs/glossary.md).
    assert f"exception {exception} is isbn-changed (ISBN changed in the source); nothing was resolved" in said, said
    listed = json.loads(plain("exceptions", "list", "--json", "-c", str(config)).stdout)
    assert exception in {e["id"] for e in listed}  # nothing was resolved


OLD_ISBN, NEW_ISBN = "9780007232833", "9780306406157"


def _isbn_changed(tmp_path: Path) -> tuple[Path, int]:
    """An ONIX record (rec-1) synced to the store, then given another valid ISBN in the source and synced again:
    its `isbn-changed` exception's id, on the store under the old ISBN, which the catalogue no longer holds."""
    onix = tmp_path / "feed.xml"
    config = write_config(tmp_path, f'[source]\nkind = "onix-file"\npath = "{onix}"\n[store]\nkind = "memory"\n'
                                    f'name = "shop"\n{UK_STOREFRONT}')
    write_onix(onix, [OnixProduct(OLD_ISBN, record="rec-1")])
    assert plain("sync", "-c", str(config)).exit_code == 0
    write_onix(onix, [OnixProduct(NEW_ISBN, record="rec-1")])
    assert plain("sync", "-c", str(config)).exit_code == 0
    listed = json.loads(plain("exceptions", "list", "--json", "-c", str(config)).stdout)
    [item] = [e for e in listed if e["kind"] == "isbn-changed"]
    assert item["isbn"] == OLD_ISBN, item
    return config, item["id"]


def test_resolving_an_isbn_change_names_its_edition_as_every_other_kind_does(tmp_path):
    """`Title (Format), ISBN …` (docs/glossary.md), never the old ISBN bare: the catalogue no longer holds it, so
    the edition is named as its product was last written, as `exceptions list` and `show` name it."""
    config, exception = _isbn_changed(tmp_path)
    resolved = plain("exceptions", "resolve", str(exception), "--note", "accept", "-c", str(config))
    assert resolved.exit_code == 0, resolved.output
    assert resolved.stdout.strip() == (f"resolved {exception}, isbn-changed (ISBN changed in the source), Roseanna "
                                       f"(Hardback), ISBN {OLD_ISBN}: accept"), resolved.stdout


def test_an_exception_whose_edition_no_one_names_is_not_in_the_catalogue_when_resolved(tmp_path):
    """An edition the catalogue does not hold and the store has no product of: `not in the catalogue (ISBN …)`."""
    from bookbridge.domain.ports import ExceptionKind

    config = write_config(tmp_path, sample_config(2))
    assert plain("sync", "-c", str(config)).exit_code == 0
    container = Container()
    container.config_path.override(config)
    uow = container.unit_of_work()
    with uow:
        item = uow.exceptions.report(ExceptionKind.STORE_REJECTION, isbn=NEW_ISBN, storefront="uk",
                                     message="refused", at=datetime.now(UTC))
        uow.commit()
    container.shutdown_resources()
    resolved = plain("exceptions", "resolve", str(item.id), "--note", "gone", "-c", str(config))
    assert resolved.stdout.strip() == (f"resolved {item.id}, store-rejection (refused by the store), not in the "
                                       f"catalogue (ISBN {NEW_ISBN}): gone"), resolved.stdout


def test_a_plan_says_an_isbn_change_it_counts_held_back_is_held_back(tmp_path):
    """Counted under `held back from every storefront`, its line starts `held back` as every other such line
    does, naming the edition and why."""
    config, _ = _isbn_changed(tmp_path)
    planned = plain("plan", "-c", str(config))
    assert planned.exit_code == 0, planned.output
    [line] = [line for line in planned.stdout.splitlines() if "ISBN changed in the source" in line]
    assert line.startswith(f"held back Roseanna (Hardback), ISBN {NEW_ISBN}: ISBN changed in the source: record "
                           f"rec-1 (Roseanna (Hardback)) now has ISBN {NEW_ISBN}, not ISBN {OLD_ISBN}"), line
    counts = json.loads(plain("plan", "--json", "-c", str(config)).stdout)["counts"]
    assert counts["held_back"] == 1, counts
