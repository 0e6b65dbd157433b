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
