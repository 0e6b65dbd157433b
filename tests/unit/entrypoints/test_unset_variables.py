"""An `*_env` option whose variable is not set is said one way, by the start-up check every command runs
(`unset_env`) and by the adapter itself when it is built without that check (a test, `bookbridge check`'s own
building, a plugin's caller): `api_key_env: environment variable 'X' is not set`, the table put before it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bookbridge.entrypoints.cli.common import unset_env
from bookbridge.entrypoints.http.security import HttpSecrets, secret_problems
from bookbridge.entrypoints.plugins import collect_adapters, make_plugin_manager
from bookbridge.entrypoints.settings import ConfigurationError, HttpSettings
from bookbridge.plugin import AdapterKind
from bookbridge.testing import context

UNSET = "BOOKBRIDGE_TEST_UNSET_VARIABLE"
CASES = [
    (AdapterKind.STOREFRONT, "bigcommerce", {"store_hash_env": UNSET, "access_token": "t0ken"}, "store_hash_env"),
    (AdapterKind.STOREFRONT, "bigcommerce", {"store_hash": "abc123", "access_token_env": UNSET}, "access_token_env"),
    (AdapterKind.ORDER_SOURCE, "bigcommerce", {"store_hash": "abc123", "access_token_env": UNSET},
     "access_token_env"),
    (AdapterKind.SOURCE, "consonance", {"base_url": "http://127.0.0.1:9", "api_key_env": UNSET}, "api_key_env"),
    (AdapterKind.SALES_SINK, "consonance-graphql", {"base_url": "http://127.0.0.1:9", "api_key_env": UNSET,
                                                    "document": "{document}"}, "api_key_env"),
    (AdapterKind.NOTIFIER, "webhook", {"url_env": UNSET}, "url_env"),
    (AdapterKind.NOTIFIER, "webhook", {"url": "https://hooks.example/x", "secret_env": UNSET}, "secret_env"),
    (AdapterKind.NOTIFIER, "amqp", {"url_env": UNSET}, "url_env"),
]


@pytest.mark.parametrize(("kind", "name", "table", "key"), CASES,
                         ids=[f"{name}-{key}" for _, name, _, key in CASES])
def test_an_adapter_says_an_unset_variable_as_the_start_up_check_does(kind, name, table, key, tmp_path: Path,
                                                                      monkeypatch):
    monkeypatch.setenv(UNSET, "  ")  # blank is unset, to both
    document = tmp_path / "sales.graphql"
    document.write_text("mutation { recordSales }", encoding="utf-8")
    table = {k: str(v).format(document=document) for k, v in table.items()}
    registry, failures = collect_adapters(make_plugin_manager())
    assert failures == []
    create: dict[AdapterKind, Any] = {
        AdapterKind.STOREFRONT: registry.create_storefront, AdapterKind.ORDER_SOURCE: registry.create_order_source,
        AdapterKind.SOURCE: registry.create_source, AdapterKind.SALES_SINK: registry.create_sales_sink,
        AdapterKind.NOTIFIER: registry.create_notifier}
    with pytest.raises(ValueError) as caught:
        create[kind](name, table, context(name))
    assert unset_env(table) == [str(caught.value)] == [f"{key}: environment variable {UNSET!r} is not set"]


def test_an_http_secret_s_file_is_named_as_its_table_and_key(tmp_path: Path, monkeypatch):
    monkeypatch.setenv(UNSET, "")
    empty = tmp_path / "token"
    empty.write_text("\n", encoding="utf-8")
    settings = HttpSettings(admin_token_file=empty, webhook_secret_env=UNSET)
    assert secret_problems(settings) == [f"[http] admin_token_file: {str(empty)!r} is empty",
                                         f"[http] webhook_secret_env: environment variable {UNSET!r} is not set"]


def test_a_webhook_secret_that_is_not_a_key_is_named_as_the_key_that_supplied_it(tmp_path: Path, monkeypatch):
    """No key `webhook_secret` exists: the error names `webhook_secret_env` or `webhook_secret_file` and what it
    names, never the secret."""
    broken = "whsec_***"
    reason = "the webhook secret starts with whsec_ but the rest is not base64"
    monkeypatch.setenv(UNSET, broken)
    by_variable = HttpSettings(webhook_secret_env=UNSET)
    assert secret_problems(by_variable) == [f"[http] webhook_secret_env (the variable {UNSET!r}): {reason}"]
    with pytest.raises(ConfigurationError) as caught:
        HttpSecrets.from_settings(by_variable)
    assert str(caught.value) == f"[http] webhook_secret_env (the variable {UNSET!r}): {reason}"
    file = tmp_path / "secret"
    file.write_text(broken + "\n", encoding="utf-8")
    assert secret_problems(HttpSettings(webhook_secret_file=file)) == [
        f"[http] webhook_secret_file (the file {str(file)!r}): {reason}"]
