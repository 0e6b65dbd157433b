"""A wrong BigCommerce token, end to end over loopback: `bookbridge sync` against the sandbox fails once, at the
store, in `bookbridge check`'s words, and stops at the first refusal; with the right token the next sync resolves
that exception and creates the products."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bookbridge.adapters.bigcommerce.sandbox import SandboxServer
from bookbridge.adapters.persistence import SqlAlchemyUnitOfWork, make_engine, make_session_factory
from bookbridge.domain.ports import FixedClock
from cli_support import UK_STOREFRONT, forget_configuration, run, sandbox_store, write_config

TOKEN_SOURCE = "[store] access_token_env (the variable 'SHOP_BC_TOKEN')"
REFUSED = ("401 Unauthorized: BigCommerce does not accept the access token (GET catalog/products); check "
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
        assert "the sync stopped: store 'shop' refused the credentials, so nothing more was sent (the exception " \
               "below)" in lines, wrong.output
        assert f"exception credentials refused: store 'shop': {REFUSED}" in lines, wrong.output
        assert "refused by the store" not in wrong.output and "not-the-token" not in wrong.output
        assert state() == ([("credentials-refused", None, REFUSED, 1)], "failed")
        # Every request was answered 401: planning's SKU look-up, the check for an empty store, then the first batch,
        # which ended the run (its creates take 3 batches).
        assert {r.status for r in store.requests} == {401}
        assert len(store.requests) <= 3, [f"{r.method} {r.api_path}" for r in store.requests]

        again = run("sync", "-c", str(config), env={"SHOP_BC_TOKEN": "not-the-token"})  # counted on the same one
        assert again.exit_code == 1 and "the sync stopped: store 'shop' refused the credentials, so nothing more " \
               f"was sent: {REFUSED}" in again.output.splitlines(), again.output
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
