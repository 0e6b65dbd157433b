"""db upgrade, runs and exceptions commands, over the SQLite state database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bookbridge.adapters.persistence.migrate import head_revision
from cli_support import UK_STOREFRONT, OnixProduct, forget_configuration, run, sample_config, write_config, write_onix


@pytest.fixture
def config(tmp_path: Path, monkeypatch) -> Path:
    forget_configuration(monkeypatch)
    return write_config(tmp_path, sample_config(families=25))


def test_db_upgrade_reports_the_revision(config):
    result = run("db", "upgrade", "-c", str(config))
    assert result.exit_code == 0, result.output
    head = head_revision()
    assert head is not None and f"empty -> {head}" in result.output
    assert f"{head} -> {head}" in run("db", "upgrade", "-c", str(config)).output


def test_runs_are_recorded_and_state_survives_between_commands(config):
    assert run("sync", "-c", str(config)).exit_code == 0
    second = run("sync", "-c", str(config))
    assert second.exit_code == 0
    listed = run("runs", "-c", str(config))
    assert listed.exit_code == 0, listed.output
    rows = [line for line in listed.output.splitlines() if "│ store 'shop'" in line]
    assert len(rows) == 2 and all("│ ok" in row and "│ sync " in row for row in rows)
    # The second run created, adopted, updated and hid nothing; every count `sync` prints is there.
    assert "│       0 │       0 │       0 │      0 │" in rows[0]
    assert all(word in listed.output for word in ("adopted", "unchanged", "held back from every storefront"))
    assert all(row.count(" UTC") == 1 for row in rows)  # started, naming its zone; then how long it took


def test_exceptions_can_be_listed_shown_and_resolved_with_a_note(config):
    run("sync", "-c", str(config))  # the sample catalogue has titles with no cover or description
    listed = run("exceptions", "list", "-c", str(config))
    assert listed.exit_code == 0 and "blocking-readiness" in listed.output
    first_id = next(int(line.split("│")[1]) for line in listed.output.splitlines()
                    if line.startswith("│") and line.split("│")[1].strip().isdigit())
    shown = run("exceptions", "show", str(first_id), "-c", str(config))
    assert shown.exit_code == 0 and "blocking-readiness" in shown.output
    resolved = run("exceptions", "resolve", str(first_id), "--note", "cover on its way", "-c", str(config))
    assert resolved.exit_code == 0 and "cover on its way" in resolved.output
    # The edition by name, as `exceptions list` and the dashboard name it; the kind's code with its words beside,
    # as `exceptions show` gives it (the glossary: the CLI shows the code).
    assert re.search(r"resolved \d+, blocking-readiness \(blocking problem\), .+ \(\w.*\), ISBN 97\d{11}: "
                     r"cover on its way", resolved.output), resolved.output
    after = run("exceptions", "list", "-c", str(config)).output
    ids = [line.split("│")[1].strip() for line in after.splitlines() if line.startswith("│")]
    assert str(first_id) not in ids and ids, after
    assert run("exceptions", "resolve", "999", "--note", "x", "-c", str(config)).exit_code == 2  # no such id


@pytest.mark.parametrize("extra", [(), ("1", "--kind", "drift")], ids=["no ids", "ids and a filter"])
def test_resolve_with_neither_ids_nor_a_filter_is_framed_as_a_refused_argument(config, extra):
    result = run("exceptions", "resolve", *extra, "--note", "x", "-c", str(config))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Usage: "), result.stderr
    assert "Error: Invalid value for 'ID': name the exceptions to resolve: their ids, or " \
           "--kind/--storefront/--where/--isbn" in " ".join(result.stderr.replace("│", " ").split()), result.stderr


@pytest.mark.parametrize("command", [("show", "999"), ("resolve", "999", "--note", "x"), ("retry", "999"),
                                     ("resolve", "999", "1", "--note", "x")])
def test_an_id_that_names_no_exception_is_one_error_on_stderr_whatever_the_command(config, command):
    """Bad input, as an id that is not a number is (exit 2, README's exit codes), said in one wording; nothing
    is changed, even for another id given with it."""
    _reported(config, "drift", where="shop", message="price edited in the store", field="price", isbn="9781800000018")
    result = run("exceptions", *command, "-c", str(config))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""  # errors go to stderr, as every not-found error does
    assert result.stderr.startswith("Usage: ")  # framed as typer frames a refused argument
    assert "Error: Invalid value for 'ID': no exception with id 999 (`bookbridge exceptions list` shows the open " \
           "ones)" in result.stderr, result.stderr
    assert [e["id"] for e in _open(config)] == [1]  # still open


def test_show_shows_a_resolved_exception_too_and_an_unknown_id_as_a_read_says_it(config):
    """`show` reads: a resolved exception is shown with its state, when and how it was resolved; an id that is
    not there is "no exception with id" (nothing was to change, so nothing is said of changes). It names the
    edition as the list does, and its kind in the dashboard's words beside the code."""
    run("sync", "-c", str(config))
    [item, *_] = [e for e in _open(config, "--kind", "blocking-readiness") if e["isbn"]]
    shown = run("exceptions", "show", str(item["id"]), "-c", str(config))
    assert shown.exit_code == 0 and re.search(r"^\s+state  open$", shown.output, re.M), shown.output
    edition = re.search(r"^\s+edition  (.+)$", shown.output, re.M)
    formats = r"Hardback|Paperback|eBook.*|Audiobook|Audio CD"
    assert edition and re.fullmatch(rf".+ \(({formats})\)", edition[1]), shown.output
    assert re.search(r"^\s+kind  blocking-readiness \(blocking problem\)$", shown.output, re.M), shown.output
    resolved = run("exceptions", "resolve", str(item["id"]), "--note", "cover on its way", "-c", str(config))
    assert resolved.exit_code == 0, resolved.output
    again = run("exceptions", "show", str(item["id"]), "-c", str(config))
    assert again.exit_code == 0, again.output
    resolved_at = r"^\s+state  resolved \d{4}-\d\d-\d\d \d\d:\d\d .+: cover on its way$"
    assert re.search(resolved_at, again.output, re.M), again.output
    missing = run("exceptions", "show", "999", "-c", str(config))
    assert missing.exit_code == 2 and missing.stdout == ""  # bad input (README, exit codes): 1 is a failed run
    assert "Invalid value for 'ID': no exception with id 999 " in missing.stderr, missing.stderr
    assert "nothing was changed" not in missing.stderr


def _open(config: Path, *filters: str) -> list[dict]:
    listed = run("exceptions", "list", "--json", *filters, "-c", str(config))
    assert listed.exit_code == 0, listed.output
    return json.loads(listed.output)


def test_exceptions_are_filtered_and_resolved_in_bulk_and_a_resolved_one_is_left_alone(config):
    run("sync", "-c", str(config))
    everything = _open(config)
    readiness = _open(config, "--kind", "blocking-readiness", "--storefront", "uk")
    assert readiness and all(e["kind"] == "blocking-readiness" and e["storefront"] == "uk" for e in readiness)
    one = readiness[0]["isbn"]
    assert {e["isbn"] for e in _open(config, "--isbn", one)} == {one}
    assert run("exceptions", "resolve", "--note", "x", "-c", str(config)).exit_code == 2  # nothing named

    bulk = run("exceptions", "resolve", "--kind", "blocking-readiness", "--note", "covers commissioned",
               "-c", str(config))
    assert bulk.exit_code == 0, bulk.output
    assert bulk.output.count("resolved ") == len(readiness)
    assert _open(config, "--kind", "blocking-readiness") == []
    assert len(_open(config)) == len(everything) - len(readiness)

    again = run("exceptions", "resolve", str(readiness[0]["id"]), "--note", "second note", "-c", str(config))
    # As the admin API's 409 says it: when it was resolved and how (its note), and that nothing changed.
    said = (rf"exception {readiness[0]['id']} is resolved already \(resolved \d{{4}}-\d\d-\d\d \d\d:\d\d \S+ "
            r"\(Europe/London\): covers commissioned\); nothing was changed for it")
    assert again.exit_code == 1 and re.match(said, again.stderr), again.stderr
    assert "second note" not in again.output


def test_sync_refuses_while_another_instance_holds_the_store_lease(config, tmp_path):
    from datetime import timedelta

    from bookbridge.adapters.persistence import lease, make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    upgrade(engine)
    try:
        with lease(engine, "sync:shop", "other-host:1", timedelta(minutes=5)) as held:
            assert held
            busy = run("sync", "-c", str(config))
            assert busy.exit_code == 3
            assert "another bookbridge instance is syncing store 'shop'" in busy.output
            assert run("runs", "-c", str(config)).output.count("│ store 'shop'") == 0  # nothing ran
        assert run("sync", "-c", str(config)).exit_code == 0  # released: the next sync goes ahead
    finally:
        engine.dispose()


@pytest.mark.parametrize("edition", [True, False], ids=["an edition's", "a record's (a sync of the store)"])
def test_a_retry_that_syncs_takes_the_store_lease_and_refuses_while_another_instance_holds_it(config, tmp_path,
                                                                                            edition):
    """A retry writes to the store as a sync does, so it syncs under the store's sync lease: exit 3, nothing run."""
    from datetime import timedelta

    from bookbridge.adapters.persistence import lease, make_engine, upgrade

    item = (_reported(config, "store-rejection", where="shop", message="refused", field="price",
                      isbn="9781800000018") if edition else
            _reported(config, "source-error", where=None, message="invalid ISBN", field="isbn",
                      isbn="sample:work:101/product:1001"))
    engine = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    upgrade(engine)
    try:
        with lease(engine, "sync:shop", "other-host:1", timedelta(minutes=5)) as held:
            assert held
            busy = run("exceptions", "retry", str(item), "-c", str(config))
            assert busy.exit_code == 3, busy.output
            assert "another bookbridge instance is syncing store 'shop'" in busy.output
            assert run("runs", "-c", str(config)).output.count("│ store 'shop'") == 0  # nothing ran
    finally:
        engine.dispose()


def test_reconcile_reports_what_it_checked_and_an_unknown_section_is_named(config):
    result = run("reconcile", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert "checked 0 products in store 'shop'" in result.output
    config.write_text(config.read_text(encoding="utf-8") + '\n[field_ownership]\nblurb = "report"\n', encoding="utf-8")
    bad = run("reconcile", "-c", str(config))
    assert bad.exit_code != 0 and "blurb" in bad.output


def test_counts_of_one_agree_with_their_words(tmp_path, monkeypatch):
    forget_configuration(monkeypatch)
    onix = tmp_path / "feed.xml"
    write_onix(onix, [OnixProduct("9780007232833")])
    config = write_config(tmp_path, f'[source]\nkind = "onix-file"\npath = "{onix}"\n[store]\nkind = "memory"\n'
                                    f'name = "shop"\n{UK_STOREFRONT}')
    checked = run("check", "-c", str(config))
    assert ("Into an empty store, a sync would create 1 product and hold back 0 editions from every storefront"
            in " ".join(checked.output.split())), checked.output
    assert run("sync", "-c", str(config)).exit_code == 0
    # The in-memory store starts empty in each process: the product the sync applied is found deleted.
    reconciled = run("reconcile", "-c", str(config))
    assert "checked 0 products in store 'shop': 1 drift finding, 1 exception opened" in reconciled.output


def test_lease_list_and_release(tmp_path, monkeypatch):
    from datetime import timedelta

    from typer.testing import CliRunner

    from bookbridge.adapters.persistence import make_engine, make_leases, upgrade
    from bookbridge.entrypoints.cli import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOOKBRIDGE_CONFIG", raising=False)
    config = tmp_path / "bookbridge.toml"
    config.write_text(f'database_url = "sqlite:///{tmp_path / "leases.db"}"\n')
    engine = make_engine(f"sqlite:///{tmp_path / 'leases.db'}")
    upgrade(engine)
    leases = make_leases(engine)
    assert leases.acquire("sync:shop", "other-host.example:4242", timedelta(minutes=5))
    runner = CliRunner()
    listed = runner.invoke(app, ["lease", "list", "--json", "--config", str(config)])
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.output)
    assert (row["name"], row["holder"], row["holder_gone"]) == ("sync:shop", "other-host.example:4242", False)
    released = runner.invoke(app, ["lease", "release", "sync:shop", "--config", str(config)])
    assert released.exit_code == 0 and "released" in released.output
    assert leases.held() == []
    again = runner.invoke(app, ["lease", "release", "sync:shop", "--config", str(config)])
    assert again.exit_code == 2  # a name that names no held lease: bad input, as an unknown exception id
    engine.dispose()


def _reported(config: Path, kind: str, *, where: str | None, message: str, field: str | None,
              isbn: str | None = None) -> int:
    """An open exception in the configuration's state database, as a run would report it; its id."""
    from datetime import UTC, datetime

    from bookbridge.domain.ports import ExceptionKind
    from bookbridge.entrypoints.cli.common import configured

    assert run("db", "upgrade", "-c", str(config)).exit_code == 0
    container = configured(config)
    try:
        uow = container.unit_of_work()
        with uow:
            item = uow.exceptions.report(ExceptionKind(kind), isbn=isbn, storefront=where, message=message,
                                         field=field, at=datetime(2026, 11, 28, 10, tzinfo=UTC))
            uow.commit()
    finally:
        container.shutdown_resources()
    return item.id


def test_show_omits_the_field_row_of_an_exception_with_no_field(config):
    """No empty row: an exception about no field (a source that could not be read) says nothing of one, as the
    dashboard's confirmation omits it; one about a field names it."""
    bare = _reported(config, "transient-exhausted", where="source:sample", message="the source timed out", field=None)
    shown = run("exceptions", "show", str(bare), "-c", str(config))
    assert shown.exit_code == 0 and "the source timed out" in shown.output, shown.output
    assert not re.search(r"^\s+field\b", shown.output, re.M), shown.output
    fielded = _reported(config, "store-rejection", where="shop", message="refused", field="categories")
    assert re.search(r"^\s+field  \S", run("exceptions", "show", str(fielded), "-c", str(config)).output, re.M)


def test_an_exception_on_the_store_itself_is_shown_and_resolved_as_the_stores(config):
    """A storefront is never the store's name: `store 'shop'`, in `show` and in what `resolve` says."""
    item = _reported(config, "store-rejection", where="shop", message="the store refused the category tree",
                     field="categories")
    shown = run("exceptions", "show", str(item), "-c", str(config))
    assert shown.exit_code == 0 and "where  store 'shop'" in shown.output, shown.output
    resolved = run("exceptions", "resolve", str(item), "--note", "tree fixed", "-c", str(config))
    assert resolved.exit_code == 0, resolved.output
    said = "resolved 1, store-rejection (refused by the store), store 'shop': tree fixed"
    assert said in resolved.output, resolved.output


def test_a_store_s_exception_is_seen_in_utc_with_each_storefront_s_time_beside_it(config):
    """The store's instant (docs/glossary.md): in UTC, and in each storefront's zone naming it; off a terminal a
    row is one line, the glossary's sentence, as `orders import` says the store's instants."""
    item = _reported(config, "store-rejection", where="shop", message="refused", field="categories")
    shown = run("exceptions", "show", str(item), "-c", str(config))
    assert shown.exit_code == 0, shown.output
    at = "2026-11-28 10:00 UTC (storefront 'uk': 2026-11-28 10:00 GMT (Europe/London))"
    assert re.search(rf"^first seen  {re.escape(at)}$", shown.output, re.M), shown.output
    assert re.search(rf"^ last seen  {re.escape(at)}$", shown.output, re.M), shown.output
    assert re.search(r"^\s+seen  1 time$", shown.output, re.M), shown.output
    resolved = run("exceptions", "resolve", str(item), "--note", "fixed", "-c", str(config))
    assert resolved.exit_code == 0, resolved.output
    shown = run("exceptions", "show", str(item), "-c", str(config))
    resolved_at = r"\d{4}-\d\d-\d\d \d\d:\d\d UTC \(storefront 'uk': .+ \(Europe/London\)\)"
    assert re.search(rf"^\s+state  resolved {resolved_at}: fixed$", shown.output, re.M), shown.output


def test_exceptions_show_json_is_the_list_s_document_with_its_edition_and_outcomes(config):
    run("sync", "-c", str(config))
    listed = _open(config)
    for item in listed[:3]:
        shown = run("exceptions", "show", str(item["id"]), "--json", "-c", str(config))
        assert shown.exit_code == 0, shown.output
        document = json.loads(shown.stdout)
        outcomes, edition = document.pop("outcomes"), document.pop("edition")
        assert document == item
        assert (edition is None) == (item["isbn"] is None), document
        assert all(set(o) == {"run", "at", "action", "sections", "ok", "error"} for o in outcomes), outcomes
    assert run("exceptions", "show", "999", "--json", "-c", str(config)).exit_code == 2


def test_exceptions_show_prints_a_message_with_brackets_as_it_is(config):
    """A message that quotes a TOML table or a title's bracketed part is text, not rich markup that swallows it."""
    item = _reported(config, "source-error", where="source:[feed]", message="no [[storefronts]] named [bold]us[/bold]",
                     field="[store] kind")
    shown = run("exceptions", "show", str(item), "-c", str(config))
    assert shown.exit_code == 0, shown.output
    out = shown.output
    assert "no [[storefronts]] named [bold]us[/bold]" in out and "[store] kind" in out, out
    assert "source '[feed]'" in out, out


BAD_ISBNS = [("12345", "an ISBN has 10 or 13 digits; this has 5"), ("9781999990016", "its check digit is wrong")]


@pytest.mark.parametrize("command", [("exceptions", "list"), ("exceptions", "resolve", "--note", "x"),
                                     ("milestones",)])
@pytest.mark.parametrize(("value", "reason"), BAD_ISBNS)
def test_an_isbn_option_that_is_not_an_isbn_is_refused_naming_the_option_and_the_value(config, command, value,
                                                                                       reason):
    result = run(*command, "--isbn", value, "-c", str(config))
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '--isbn': invalid ISBN '{value}'" in result.output and reason in result.output


def test_an_isbn_option_is_read_with_hyphens_or_as_an_isbn_10(config):
    run("sync", "-c", str(config))
    one = next(e["isbn"] for e in _open(config) if e["isbn"] and e["isbn"].startswith("978"))
    hyphenated = f"{one[:3]}-{one[3]}-{one[4:9]}-{one[9:12]}-{one[12]}"
    assert _open(config, "--isbn", hyphenated) == _open(config, "--isbn", one) != []
    from stdnum import isbn

    assert _open(config, "--isbn", isbn.to_isbn10(one)) == _open(config, "--isbn", one)


@pytest.mark.parametrize("command", [("exceptions", "list"), ("exceptions", "resolve", "--note", "x")])
@pytest.mark.parametrize(("value", "hint"), [("UK", "did you mean 'uk'? "), ("de", "")])
def test_a_storefront_filter_that_names_no_storefront_is_refused_naming_the_configured_ones(config, command, value,
                                                                                          hint):
    result = run(*command, "--storefront", value, "-c", str(config))
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '--storefront': no storefront is named '{value}' ({hint}configured: " \
           "storefront 'uk')" in result.stderr, result.stderr
    assert "Usage: " in result.stderr, result.stderr  # framed as the --isbn and --kind refusals are


def test_a_place_that_is_not_a_storefront_is_filtered_by_where_in_words_or_by_key(config):
    """`--where` takes a place in words (`source 'sample'`), its first word (`source`) or its key
    (`source:sample`); `--storefront` a storefront alone, and says so to a place that is not one."""
    record = _reported(config, "source-error", where=None, message="invalid ISBN", field="isbn", isbn="sample:r/1")
    lease = _reported(config, "transient-exhausted", where="lease:sync:shop", message="busy", field="lease")
    for place in ("source", "source 'sample'", "source:sample", "SOURCE"):
        assert [e["id"] for e in _open(config, "--where", place)] == [record], place
    assert [e["id"] for e in _open(config, "--where", "sync lease of store 'shop'")] == [lease]
    assert _open(config, "--where", "orders:shop") == []  # the order import's place, by the store's name
    refused = run("exceptions", "list", "--storefront", "source:sample", "-c", str(config))
    assert refused.exit_code == 2 and "Usage: " in refused.stderr, refused.output
    assert "--where 'source:sample'" in refused.stderr, refused.stderr
    unknown = run("exceptions", "list", "--where", "warehouse", "-c", str(config))
    assert unknown.exit_code == 2 and "Usage: " in unknown.stderr, unknown.output
    assert "Invalid value for '--where': no place is 'warehouse'" in unknown.stderr, unknown.stderr
    resolved = run("exceptions", "resolve", "--where", "source", "--note", "record fixed", "-c", str(config))
    said = f"resolved {record}, source-error (source error), record sample:r/1: record fixed"
    assert resolved.exit_code == 0 and said in resolved.output, resolved.output


def test_a_filter_that_matches_nothing_says_so_not_that_nothing_is_open(config):
    run("sync", "-c", str(config))
    total = len(_open(config))
    absent = "9780306406157"  # a valid ISBN the sample catalogue does not have
    listed = run("exceptions", "list", "--isbn", absent, "--kind", "drift", "-c", str(config))
    assert listed.exit_code == 0, listed.output
    assert listed.output.strip() == f"No open exceptions of kind 'drift' about ISBN {absent} ({total} open " \
                                    "exceptions in all).", listed.output
    milestones = run("milestones", "--isbn", "978-0-306-40615-7", "-c", str(config))
    assert milestones.exit_code == 0 and milestones.output.strip() == f"No milestones for ISBN {absent}.", \
        milestones.output


def test_an_id_or_a_kind_that_is_not_one_is_said_in_words_not_in_a_parsers(config):
    shown = run("exceptions", "show", "abc", "-c", str(config))
    assert shown.exit_code == 2 and "must be an exception id, a whole number" in shown.output, shown.output
    assert "Input should be" not in shown.output
    kind = run("exceptions", "list", "--kind", "drfit", "-c", str(config))
    assert kind.exit_code == 2 and "'drfit' is not an exception kind (did you mean 'drift'? the kinds: " \
        "blocking-readiness," in kind.output, kind.output
    assert "Value error" not in kind.output
    assert _open(config, "--kind", "drift") == []  # a right code still reads


def test_a_record_not_read_is_its_sources_and_its_retry_syncs_the_store_never_as_an_edition(config):
    """A record not read (stored, as before, under no place): its id is the source's record, not an edition's."""
    record = "sample:work:101/product:1001"
    item = _reported(config, "source-error", where=None, message="invalid ISBN '9781999990016'", field="isbn",
                     isbn=record)
    [document] = json.loads(run("exceptions", "list", "--json", "-c", str(config)).output)
    assert document["where"] == "source 'sample'", document
    shown = run("exceptions", "show", str(item), "-c", str(config)).output
    assert f"record  {record}" in shown and "where  source 'sample'" in shown, shown
    unread = _reported(config, "source-error", where="source:sample", message="the feed could not be read",
                       field="source", isbn=None)
    shown = run("exceptions", "show", str(unread), "-c", str(config)).output
    assert "ISBN" not in shown and "record" not in shown and "where  source 'sample'" in shown, shown  # no row
    retried = run("exceptions", "retry", str(item), "-c", str(config))
    assert "Retry of edition" not in retried.output, retried.output
    assert f"Retry of exception {item}: sync of store 'shop'" in retried.output, retried.output
    assert f"exception {item} is retried by a sync of store 'shop', reading the source again" in retried.output, \
        retried.output
    assert retried.exit_code == 1, retried.output  # the record is still not read
    # The run says what it was, and its outcome agrees with the command's exit.
    [row] = [line for line in run("runs", "-c", str(config)).output.splitlines() if "│ store 'shop'" in line]
    assert f"│ retry of exception {item} " in row and "│ failed " in row, row


def test_where_takes_every_place_the_configuration_makes_even_with_nothing_open_there(tmp_path, monkeypatch):
    """The places come from the configuration, not from the open exceptions: the store, its storefronts, its
    source, its order import (`orders:shop`, by the store's name, never by its kind), each sales sink and its sync
    lease; each said in words when nothing is open there. A key the configuration does not make is refused,
    naming the places, as `orders:bigcommerce` was printed as a place that merely had nothing open."""
    forget_configuration(monkeypatch)
    config = write_config(tmp_path, sample_config(families=5) + '''
[[sales_sinks]]
kind = "memory"
name = "ledger"
''')
    _reported(config, "source-error", where="source:sample", message="the feed could not be read", field="source")
    for place, words in (("sync lease of store 'shop'", "sync lease of store 'shop'"),
                         ("lease:sync:shop", "sync lease of store 'shop'"),
                         ("order import of store 'shop'", "order import of store 'shop'"),
                         ("orders:shop", "order import of store 'shop'"),
                         ("sales sink 'ledger'", "sales sink 'ledger'"), ("sales-sink:ledger", "sales sink 'ledger'"),
                         ("store", "store 'shop'"), ("storefront 'uk'", "storefront 'uk'")):
        listed = run("exceptions", "list", "--where", place, "-c", str(config))
        assert listed.exit_code == 0, (place, listed.output)
        assert listed.output.strip() == f"No open exceptions in {words} (1 open exception in all).", listed.output
    refused = run("exceptions", "list", "--where", "orders:bigcommerce", "-c", str(config))
    assert refused.exit_code == 2, refused.output
    # It offers what it takes, words and key alike, for each place the configuration makes.
    refusal = " ".join(refused.stderr.split())
    assert ("no place is 'orders:bigcommerce' (give one in words or by its key: store 'shop' (key shop), "
            "storefront 'uk' (key uk), source 'sample' (key source:sample), order import of store 'shop' (key "
            "orders:shop), sales sink 'ledger' (key sales-sink:ledger), sync lease of store 'shop' (key "
            "lease:sync:shop))") in refusal, refusal


@pytest.mark.parametrize("command", [("exceptions", "list"), ("exceptions", "resolve")], ids=" ".join)
def test_the_help_names_each_place_in_words_and_by_its_real_key(command):
    """The keys as they are stored (a storefront's and the store's name, `source:…`, `orders:…`, `sales-sink:…`,
    `lease:sync:…`): `store` and `source` are no keys, but the words' first part, for every such place."""
    said = " ".join(run(*command, "--help").output.split())
    for words, key in (("storefront 'us'", "us"), ("store 'shop'", "shop"), ("source 'consonance'",
                                                                          "source:consonance"),
                       ("order import of store 'shop'", "orders:shop"), ("sales sink 'ledger'", "sales-sink:ledger"),
                       ("sync lease of store 'shop'", "lease:sync:shop")):
        assert f"\"{words}\" (key `{key}`" in said, (words, said)
    assert "or by the words' first part, for every place of that kind: `storefront`, `store`, `source`" in said, said
    assert "in words or by key: `store`, `source`" not in said and "orders:bigcommerce" not in said, said


def test_retrying_the_order_import_s_exception_imports_the_orders_and_a_sales_sink_s_delivers_to_it(tmp_path,
                                                                                                   monkeypatch):
    """A sync of the store can never fix the order import or a sales sink: retrying the import's exception reads
    the store's orders again, a sink's sends it its pending days; each resolves when that succeeds, and no sync
    runs."""
    forget_configuration(monkeypatch)
    config = write_config(tmp_path, sample_config(families=5) + '''
[[sales_sinks]]
kind = "memory"
name = "ledger"
''')
    orders = _reported(config, "transient-exhausted", where="orders:shop", field="orders",
                       message="reading orders from store 'shop' failed: status 401")
    sink = _reported(config, "transient-exhausted", where="sales-sink:ledger", field="sales",
                     message="sales sink 'ledger' failed for 1 day(s) (2026-11-27): disk full")
    for item, does, shows in ((sink, "a delivery of the pending sales days to sales sink 'ledger'",
                               "sales sink 'ledger': 0 days sent"),
                              (orders, "an order import of store 'shop', reading its orders again", "Order import")):
        retried = run("exceptions", "retry", str(item), "-c", str(config))
        assert retried.exit_code == 0, retried.output
        said = " ".join(retried.output.split())
        assert said.startswith(f"exception {item} is retried by {does}"), said
        assert shows in said and f"exception {item} is resolved" in said, said
        assert "the whole store is synced" not in said and "Retry of exception" not in said, said
    assert _open(config) == []
    assert not [line for line in run("runs", "-c", str(config)).output.splitlines() if "│ store 'shop'" in line]


def test_retrying_the_order_import_s_exception_with_the_import_disabled_exits_2_as_its_help_says(tmp_path,
                                                                                                 monkeypatch):
    forget_configuration(monkeypatch)
    config = write_config(tmp_path, sample_config(families=5))
    orders = _reported(config, "transient-exhausted", where="orders:shop", field="orders",
                       message="reading orders from store 'shop' failed: status 401")
    retried = run("exceptions", "retry", str(orders), "-c", str(config), env={"BOOKBRIDGE_ORDERS__ENABLED": "false"})
    assert retried.exit_code == 2, retried.output
    assert "order import is disabled ([orders] enabled = false)" in retried.output, retried.output
    helped = " ".join(run("exceptions", "retry", "--help").output.split())
    assert "the order import is disabled ([orders] enabled = false)" in helped, helped


@pytest.mark.parametrize(("filters", "words"), [
    ((), "No open exceptions."),
    (("--where", "store"), "No open exceptions in store 'shop' (none open in all)."),
    (("--kind", "drift"), "No open exceptions of kind 'drift' (none open in all)."),
], ids=lambda value: " ".join(value) if isinstance(value, tuple) else None)
def test_an_empty_queue_is_said_in_a_sentence_not_an_empty_table(config, filters, words):
    listed = run("exceptions", "list", *filters, "-c", str(config))
    assert listed.exit_code == 0, listed.output
    assert listed.output.strip() == words, listed.output


def test_no_runs_yet_is_said_in_a_sentence_not_an_empty_table(config):
    listed = run("runs", "-c", str(config))
    assert listed.exit_code == 0, listed.output
    assert listed.output.strip() == "No runs yet: bookbridge sync makes one.", listed.output


def test_resolving_by_a_filter_that_matches_nothing_says_so_as_the_list_does(config):
    _reported(config, "source-error", where="source:sample", message="the feed could not be read", field="source")
    result = run("exceptions", "resolve", "--kind", "drift", "--where", "storefront 'uk'", "--note", "x",
                 "-c", str(config))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "No open exceptions of kind 'drift' in storefront 'uk' (1 open exception in " \
                                    "all); nothing was resolved", result.output


def test_exceptions_show_lists_a_retry_s_outcome_whether_it_failed_or_resolved_the_exception(tmp_path, monkeypatch):
    """`show` promises "the last outcomes logged for it": a retry that leaves the exception open (its edition still
    has no US price, so nothing is written) is logged as the retry's outcome, failed and why, in text and JSON;
    one of no edition that resolves it too, under the exception, as `runs` lists the retry's run."""
    forget_configuration(monkeypatch)
    config = write_config(tmp_path, sample_config(families=25) + '[[storefronts]]\nname = "us"\nchannel_id = 2\n'
                          'countries = ["US"]\ncurrency = "USD"\ntimezone = "America/New_York"\n'
                          'default_currency = false\n')
    run("sync", "-c", str(config))
    held = next(e for e in _open(config) if e["kind"] == "blocking-readiness" and e["storefront"] == "us"
                and "price" in e["message"])
    retried = run("exceptions", "retry", str(held["id"]), "-c", str(config))
    assert retried.exit_code == 1, retried.output  # still open
    [row] = [line for line in run("runs", "-c", str(config)).output.splitlines()
             if f"retry of exception {held['id']}: edition" in line]
    retry_run = row.split("│")[1].strip()
    document = json.loads(run("exceptions", "show", str(held["id"]), "--json", "-c", str(config)).stdout)
    [outcome] = [o for o in document["outcomes"] if o["run"] == int(retry_run)]
    assert (outcome["action"], outcome["ok"]) == ("retry", False), outcome
    assert outcome["error"] == f"the exception is still open: {held['message']}", outcome
    shown = run("exceptions", "show", str(held["id"]), "-c", str(config)).output
    assert re.search(rf"│ {retry_run}\s+│.*│ retry\s+│ failed: the exception is still open: ", shown), shown

    unread = _reported(config, "source-error", where="source:sample", message="the feed could not be read",
                       field="source")
    assert run("exceptions", "retry", str(unread), "-c", str(config)).exit_code == 0  # read now: resolved
    document = json.loads(run("exceptions", "show", str(unread), "--json", "-c", str(config)).stdout)
    assert [(o["action"], o["ok"], o["error"]) for o in document["outcomes"]] == [("retry", True, None)], document
    shown = run("exceptions", "show", str(unread), "-c", str(config)).output
    assert f"1 outcome of exception {unread} in the last" in shown, shown
