"""The BigCommerce plugin: registration, configuration, and the token never shown."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bookbridge.adapters.bigcommerce import plugin
from bookbridge.adapters.bigcommerce.storefront import BigCommerceStorefront
from bookbridge.plugin import AdapterKind, AdapterRegistry
from bookbridge.testing import context, registry_of

TOKEN = "s3cr3t-token-value"


def _registry() -> AdapterRegistry:
    return registry_of(plugin)


def _storefront(table: dict[str, object], name: str = "bigcommerce") -> BigCommerceStorefront:
    store = _registry().create_storefront("bigcommerce", table, context(name))
    assert isinstance(store, BigCommerceStorefront)
    return store


def test_registers_the_bigcommerce_storefront_and_its_order_source() -> None:
    spec = _registry().get(AdapterKind.STOREFRONT, "bigcommerce")
    assert spec.description == "BigCommerce store (REST V3/V2)"
    orders = _registry().get(AdapterKind.ORDER_SOURCE, "bigcommerce")
    assert orders.options is spec.options  # one `[store]` table for both


def test_builds_a_storefront_from_the_config_mapping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BC_TOKEN", TOKEN)
    store = _storefront({
        "kind": "bigcommerce", "name": "shop", "store_hash": "abc123", "access_token_env": "BC_TOKEN",
        "v3_base_url": "http://127.0.0.1:9/stores/{store_hash}/v3", "max_in_flight": 2,
        "price_lists": {"usd": "7"}, "delete_on_delist": False}, name="shop")
    assert isinstance(store, BigCommerceStorefront)
    assert (store.name, store.price_lists, store.delete_on_delist) == ("shop", {"USD": 7}, False)
    assert TOKEN not in repr(store.client) and TOKEN not in repr(store.__dict__)
    store.close()


def test_reads_the_token_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text(TOKEN + "\n", encoding="utf-8")
    store = _storefront({"store_hash": "abc123", "access_token_file": str(secret)})
    assert store.name == "bigcommerce"
    store.close()


@pytest.mark.parametrize(("config", "expected"), [
    ({"access_token": TOKEN}, "store_hash"),
    ({"store_hash": "abc123"}, "exactly one of"),
    ({"store_hash": "abc123", "access_token": TOKEN, "access_token_env": "X"}, "exactly one of"),
    ({"store_hash": "abc123", "access_token_env": "BOOKBRIDGE_TEST_UNSET_TOKEN"}, "is not set"),
    ({"store_hash": "abc123", "access_token_file": "/nonexistent/token"}, "cannot read"),
    ({"store_hash": "abc123", "access_token": TOKEN + " x"}, "whitespace"),
    ({"store_hash": "abc123", "access_token": TOKEN, "price_lists": {"dollars": 1}}, "ISO 4217"),
    ({"store_hash": "abc123", "access_token": TOKEN, "delete_on_delist": "maybe"}, "true or false"),
])
def test_bad_configuration_is_refused_without_showing_the_token(
    config: dict[str, object], expected: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG), pytest.raises(ValueError) as error:
        _storefront(config)
    assert expected in str(error.value)
    assert TOKEN not in str(error.value) and TOKEN not in caplog.text


def test_the_store_hash_can_come_from_an_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BC_HASH", "abc123")
    store = _storefront({"kind": "bigcommerce", "store_hash_env": "BC_HASH", "access_token": TOKEN})
    assert store.client.config.store_hash == "abc123"
    store.close()


@pytest.mark.parametrize(("options", "message"), [
    ({"store_hash_env": "BC_HASH_UNSET"}, "store_hash_env: environment variable 'BC_HASH_UNSET' is not set"),
    ({"store_hash_env": "BC_HASH_UNSET", "store_hash": "abc"}, "not both"),
    ({}, "needs 'store_hash' (or 'store_hash_env'"),
])
def test_store_hash_errors_name_the_key(monkeypatch: pytest.MonkeyPatch, options: dict[str, str],
                                        message: str) -> None:
    monkeypatch.delenv("BC_HASH_UNSET", raising=False)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _storefront({"kind": "bigcommerce", "access_token": TOKEN, **options})


@pytest.mark.parametrize("key", ["v3_base_url", "v2_base_url"])
def test_a_base_url_that_names_another_store_hash_is_refused_naming_both(key: str) -> None:
    """Calls go to the store the URL names: a different `store_hash` would be shown (`check`, messages, the
    dashboard's links) for a store bookbridge never calls."""
    url = f"http://127.0.0.1:8765/stores/sandbox/{key[:2]}"
    with pytest.raises(ValueError) as error:
        _storefront({"store_hash": "sandbx", "access_token": TOKEN, key: url})
    assert str(error.value).startswith(f"store_hash: 'sandbx' is not the store hash {key} names ('sandbox', in "
                                       f"{url})"), error.value
    assert "store_hash = 'sandbox'" in str(error.value) and "{store_hash}" in str(error.value), error.value


def test_the_store_hash_from_a_variable_is_held_to_the_base_url_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BC_HASH", "sandbx")
    with pytest.raises(ValueError, match=r"^store_hash_env: 'sandbx' \(the variable 'BC_HASH'\) is not the store"):
        _storefront({"store_hash_env": "BC_HASH", "access_token": TOKEN,
                     "v3_base_url": "http://127.0.0.1:8765/stores/sandbox/v3"})


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765/stores/sandbox/v3", "http://127.0.0.1:8765/stores/{store_hash}/v3",
                                 "http://127.0.0.1:8765/v3"])
def test_a_base_url_that_agrees_with_the_store_hash_or_names_none_is_taken(url: str) -> None:
    store = _storefront({"store_hash": "sandbox", "access_token": TOKEN, "v3_base_url": url})
    store.close()


def test_a_refused_token_is_fixed_where_the_configuration_gives_it(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """`bookbridge check`'s fix for a 401 names the key that gave the token (access_token, access_token_env or
    access_token_file), and all three for a client configured without one."""
    import httpx

    from bookbridge.adapters.bigcommerce.client import BigCommerceConfig
    from bookbridge.adapters.bigcommerce.probe import probe_store

    refuse = httpx.MockTransport(lambda request: httpx.Response(401, json={"title": "Unauthorized"}))
    secret = tmp_path / "token"
    secret.write_text(TOKEN, encoding="utf-8")
    monkeypatch.setenv("BC_TOKEN", TOKEN)
    for table, named in (
            ({"access_token": TOKEN}, "check [store] access_token:"),
            ({"access_token_env": "BC_TOKEN"}, "check [store] access_token_env (the variable 'BC_TOKEN'):"),
            ({"access_token_file": str(secret)}, f"check [store] access_token_file (the file {str(secret)!r}):")):
        store = _storefront({"store_hash": "abc123", **table})
        [finding] = probe_store(store.client.config, transport=refuse).findings
        store.close()
        assert finding.fix is not None and finding.fix.startswith(named), finding.fix
        assert TOKEN not in finding.fix
    [finding] = probe_store(BigCommerceConfig(store_hash="abc123", access_token=TOKEN), transport=refuse).findings
    assert finding.fix is not None and finding.fix.startswith(
        "check [store] access_token, access_token_env or access_token_file (whichever it sets):"), finding.fix
