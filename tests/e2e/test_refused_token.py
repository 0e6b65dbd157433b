"""A wrong BigCommerce token, end to end over loopback: `bookbridge sync` against the sandbox fails once, at the
store, in `bookbridge check`'s words, and stops at the first refusal; with the right token the next sync resolves
that exception and creates the products."""

from __future__ import annotations

import json
import re
import socket
from datetime import UTC, datetime

import pytest

from bookbridge.adapters.bigcommerce.sandbox import SandboxServer
from bookbridge.adapters.persistence import SqlAlchemyUnitOfWork, make_engine, make_session_factory
from bookbridge.domain.ports import FixedClock
from cli_support import UK_STOREFRONT, forget_configuration, run, sandbox_store, write_config

TOKEN_SOURCE = "[store] access_token_env (the variable 'SHOP_BC_TOKEN')"
REFUSED = ("401 Unauthorized: BigCommerce does not accept the access token (GET /v3/catalog/products); check "
           f"{TOKEN_SOURCE}: it must hold the access token of a store-level API account of the store with hash "
           "'sandbox'")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    forget_configuration(monkeypatch)


def test_a_wrong_token_is_one_failure_at_the_store_resolved_by_the_next_sync_with_the_right_one(tmp_path):
    with SandboxServer() as store:
        config = write_config(tmp_path, '[source]\nkind = "sample"\nfamilies = 12\n'
                              + sandbox_store(store, token='access_token_env = "SHOP_BC_TOKEN"') + UK_STOREFRONT)

        def state() -> tuple[list[tuple[str, str | None, str, int]], str]:
            """The open exceptions at the store (kind, ISBN, message, count), and the last run's outcome."""
            engine = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
            try:
                uow = SqlAlchemyUnitOfWork(make_session_factory(engine), clock=FixedClock(datetime.now(UTC)))
                with uow:
                    return ([(str(e.kind), e.isbn, e.message, e.count) for e in uow.exceptions.open_items()
                             if e.storefront == "shop"], uow.runs.recent_runs(limit=1)[0].outcome)
            finally:
                engine.dispose()

        wrong = run("sync", "-c", str(config), env={"SHOP_BC_TOKEN": "not-the-token"})

        assert wrong.exit_code == 1, wrong.output
        lines = wrong.output.splitlines()
        # Every planned product is counted: those the refusal kept from the store, as not sent.
        [stopped] = [line for line in lines if line.startswith("the sync stopped: ")]
        assert re.fullmatch(r"the sync stopped: store 'shop' refused the credentials, so (\d+) products were not "
                            r"sent \(the exception below\)", stopped), wrong.output
        assert f"exception credentials refused: store 'shop': {REFUSED}" in lines, wrong.output
        assert "refused by the store" not in wrong.output and "not-the-token" not in wrong.output
        assert state() == ([("credentials-refused", None, REFUSED, 1)], "failed")
        not_sent = re.search(r"so (\d+) products", stopped).group(1)  # type: ignore[union-attr]
        assert int(not_sent) > 0
        runs = run("runs", "-c", str(config), columns=400)
        # In the run's row, under `not sent` (its last column), as the dashboard and /api/runs count it.
        [header] = [line for line in runs.stdout.splitlines() if "created" in line]
        [row] = [line.strip("│ ").split("│") for line in runs.stdout.splitlines() if line.startswith("│ 1 ")]
        assert header.rstrip("┃ ").endswith("not sent") and row[-1].strip() == not_sent, runs.output
        assert "not sent: planned and not sent, the store having refused the credentials (run 1)" in \
            runs.stdout.splitlines(), runs.output
        # Planning's SKU look-up was answered 401 and ended the run: nothing more was asked or sent.
        assert [(r.method, r.status) for r in store.requests] == [("GET", 401)], store.requests
        # The log says it once, as the sync stopping: no warning before it of creates planned for the SKUs it could
        # not look up, nor of a store it could not tell was empty.
        logged = [line for line in wrong.stderr.splitlines() if '"level": "warning"' in line
                  or '"level": "error"' in line]
        assert len(logged) == 1 and "sync of store 'shop' stopped: the store refused the credentials" in logged[0], \
            logged

        again = run("sync", "-c", str(config), env={"SHOP_BC_TOKEN": "not-the-token"})  # counted on the same one
        assert again.exit_code == 1 and f"{stopped.removesuffix(' (the exception below)')}: {REFUSED}" \
            in again.output.splitlines(), again.output
        assert not [line for line in again.output.splitlines() if line.startswith("exception ")], again.output
        assert state() == ([("credentials-refused", None, REFUSED, 2)], "failed")
        # A retry of it syncs the store (it is about no edition); still refused, it stays open and says why.
        [refused] = json.loads(run("exceptions", "list", "-c", str(config), "--kind", "credentials-refused",
                                   "--json").stdout)
        retried = run("exceptions", "retry", str(refused["id"]), "-c", str(config),
                      env={"SHOP_BC_TOKEN": "not-the-token"})
        assert retried.exit_code == 1, retried.output
        assert f"exception {refused['id']} is still open: {REFUSED}" in retried.output, retried.output

        right = run("sync", "-c", str(config), env={"SHOP_BC_TOKEN": store.config.token})

        assert right.exit_code == 0, right.output
        assert state() == ([], "ok")
        assert len(store.state.products) > 20  # the sample's listed editions: created
        settled = run("sync", "-c", str(config), env={"SHOP_BC_TOKEN": store.config.token})
        assert settled.exit_code == 0 and "nothing to send: the store was not called" in settled.output, \
            settled.output  # every one of them: nothing was left for later


def _store_exceptions(tmp_path) -> list[tuple[str, str | None, str, int]]:
    """The open exceptions at store 'shop': kind, ISBN, message, count."""
    engine = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        uow = SqlAlchemyUnitOfWork(make_session_factory(engine), clock=FixedClock(datetime.now(UTC)))
        with uow:
            return [(str(e.kind), e.isbn, e.message, e.count) for e in uow.exceptions.open_items()
                    if e.storefront == "shop"]
    finally:
        engine.dispose()


def test_a_wrong_token_stops_reconcile_with_the_syncs_one_exception_and_one_line(tmp_path):
    with SandboxServer() as store:
        config = write_config(tmp_path, '[source]\nkind = "sample"\nfamilies = 2\n'
                              + sandbox_store(store, token='access_token_env = "SHOP_BC_TOKEN"') + UK_STOREFRONT)

        for count in (1, 2):  # the same cause: counted on the same exception
            wrong = run("reconcile", "-c", str(config), env={"SHOP_BC_TOKEN": "not-the-token"})

            assert wrong.exit_code == 1 and isinstance(wrong.exception, SystemExit), wrong.output  # no traceback
            assert wrong.stdout.splitlines() == [
                f"the reconcile stopped: store 'shop' refused the credentials, so nothing was checked: {REFUSED}"]
            assert _store_exceptions(tmp_path) == [("credentials-refused", None, REFUSED, count)]
        synced = run("sync", "-c", str(config), env={"SHOP_BC_TOKEN": "not-the-token"})
        assert synced.exit_code == 1 and _store_exceptions(tmp_path) == [("credentials-refused", None, REFUSED, 3)]


def test_a_wrong_token_fails_plan_in_checks_words_and_plans_nothing(tmp_path):
    with SandboxServer() as store:
        config = write_config(tmp_path, '[source]\nkind = "sample"\nfamilies = 2\n'
                              + sandbox_store(store, token='access_token_env = "SHOP_BC_TOKEN"') + UK_STOREFRONT)

        for args in ((), ("--json",)):
            planned = run("plan", "-c", str(config), *args, env={"SHOP_BC_TOKEN": "not-the-token"})

            assert planned.exit_code == 1, planned.output
            assert planned.stdout == "", planned.stdout  # no plan of creates the store would refuse
            assert f"nothing was planned: store 'shop' refused the credentials: {REFUSED}" in \
                planned.stderr.splitlines(), planned.stderr
            assert "plans creates for them" not in planned.stderr, planned.stderr
        assert _store_exceptions(tmp_path) == []  # a plan writes nothing, exceptions included


def test_reconcile_of_an_unreachable_store_opens_the_stores_outage_exception_without_a_traceback(tmp_path):
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = write_config(tmp_path, f'''[source]
kind = "sample"
families = 2

[store]
kind = "bigcommerce"
name = "shop"
store_hash = "sandbox"
access_token = "a-token"
v3_base_url = "http://127.0.0.1:{port}/stores/sandbox/v3"
v2_base_url = "http://127.0.0.1:{port}/stores/sandbox/v2"
{UK_STOREFRONT}''')

    reconciled = run("reconcile", "-c", str(config))

    assert reconciled.exit_code == 1 and isinstance(reconciled.exception, SystemExit), reconciled.output
    [(kind, isbn, message, count)] = _store_exceptions(tmp_path)
    assert (kind, isbn, count) == ("transient-exhausted", None, 1)
    assert message.startswith("reading the store back: the store did not answer after 5 attempts (GET "
                              f"/v3/catalog/products: could not connect to http://127.0.0.1:{port}"), message
    assert reconciled.stdout.splitlines() == [
        f"the reconcile stopped: store 'shop' could not be read, so nothing was checked: {message}"]


def test_a_plan_that_does_not_ask_the_store_names_its_open_refusal_and_still_exits_0(tmp_path):
    """A plan asks the store only about new SKUs: with none, it looks fine while a sync would stop at the first
    refusal. It names the store's open `credentials-refused` exception in the glossary's words, with its id."""
    with SandboxServer() as store:
        config = str(write_config(tmp_path, '[source]\nkind = "sample"\nfamilies = 2\n'
                                  + sandbox_store(store, token='access_token_env = "SHOP_BC_TOKEN"') + UK_STOREFRONT))
        assert run("sync", "-c", config, env={"SHOP_BC_TOKEN": store.config.token}).exit_code == 0
        assert run("reconcile", "-c", config, env={"SHOP_BC_TOKEN": "not-the-token"}).exit_code == 1
        [(_, _, refused, _)] = _store_exceptions(tmp_path)
        [item] = json.loads(run("exceptions", "list", "-c", config, "--kind", "credentials-refused",
                                "--json").stdout)

        planned = run("plan", "-c", config, env={"SHOP_BC_TOKEN": "not-the-token"})

        assert planned.exit_code == 0, planned.output  # a plan was made (README's exit codes): it says the rest
        said = " ".join(planned.stdout.split())
        assert (f"credentials refused: store 'shop' refused the credentials (exception {item['id']}, open: "
                f"`bookbridge exceptions show {item['id']}`), so until they are fixed a sync stops at its first "
                f"refusal and sends nothing: {refused}") in said, planned.stdout
        document = json.loads(run("plan", "-c", config, "--json", env={"SHOP_BC_TOKEN": "not-the-token"}).stdout)
        assert document["credentials_refused"] == {"exception": item["id"], "message": refused}
        assert [(r.method, r.status) for r in store.requests][-1] == ("GET", 401)  # the reconcile's, not the plan's
