"""A sync with nothing to send never reaches the store: `bookbridge sync` says so, rather than let its counts
(`unchanged 2`, exit 0) read as "the store is fine" when its token is wrong."""

from __future__ import annotations

import pytest

from bookbridge.adapters.bigcommerce.sandbox import SandboxServer
from cli_support import UK_STOREFRONT, forget_configuration, run, sandbox_store, write_config

NOT_CALLED = "nothing to send: the store was not called; `bookbridge check` tests the connection"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    forget_configuration(monkeypatch)


def test_a_sync_with_nothing_to_send_says_it_did_not_call_the_store(tmp_path):
    with SandboxServer() as store:
        def sync(token: str):
            config = write_config(tmp_path, '[source]\nkind = "sample"\nfamilies = 1\n'
                                  + sandbox_store(store, token=f'access_token = "{token}"') + UK_STOREFRONT)
            return run("sync", "-c", str(config))

        first = sync(store.config.token)
        assert first.exit_code == 0 and NOT_CALLED not in first.output, first.output  # it created the products
        calls = len(store.requests)
        wrong = sync("wrong-token")
        assert len(store.requests) == calls, "nothing changed, so nothing was sent"
        assert wrong.exit_code == 0 and NOT_CALLED in wrong.output, wrong.output


def test_a_plan_with_nothing_new_says_it_did_not_call_the_store_as_sync_does(tmp_path):
    """`plan` asks the store only about SKUs it would create: with none, a wrong token or host goes unnoticed, so
    it says so in sync's words, and its help says when it reads the store."""
    with SandboxServer() as store:
        def command(name: str, token: str, url: str = store.base_url_v3):
            config = write_config(tmp_path, f'''
[source]
kind = "sample"
families = 1
[store]
kind = "bigcommerce"
name = "shop"
store_hash = "sandbox"
access_token = "{token}"
v3_base_url = "{url}"
v2_base_url = "{store.base_url_v2}"
{UK_STOREFRONT}''')
            return run(name, "-c", str(config))

        first = command("plan", store.config.token)
        assert first.exit_code == 0 and NOT_CALLED not in first.output, first.output  # it asked for its SKUs
        assert store.requests, "a plan with products to create asks the store whether it holds them"
        assert command("sync", store.config.token).exit_code == 0
        calls = len(store.requests)
        for args in (("wrong-token",), (store.config.token, "http://127.0.0.1:9/v3/")):
            planned = command("plan", *args)
            assert planned.exit_code == 0 and NOT_CALLED in planned.output, planned.output
        assert len(store.requests) == calls, "nothing new, so the store was not called"
    assert "not called" in " ".join(run("plan", "--help").output.split())


def test_a_plan_with_changes_that_asked_nothing_does_not_say_nothing_to_send(tmp_path):
    """`plan --full` after a sync lists updates it asked the store nothing about: it says the store was not called,
    never "nothing to send" under a count of updates."""
    with SandboxServer() as store:
        config = write_config(tmp_path, '[source]\nkind = "sample"\nfamilies = 1\n'
                              + sandbox_store(store, token=f'access_token = "{store.config.token}"') + UK_STOREFRONT)
        assert run("sync", "-c", str(config)).exit_code == 0
        planned = run("plan", "--full", "-c", str(config))
        output = " ".join(planned.output.split())
        assert planned.exit_code == 0 and "nothing to send" not in output, planned.output
        assert ("the store was not called (a plan asks it only about SKUs it would create); `bookbridge check` "
                "tests the connection") in output, planned.output
