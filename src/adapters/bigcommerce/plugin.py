"""The BigCommerce storefront as a bookbridge plugin (`store.kind = "bigcommerce"`).

Configuration (the `store` mapping):
    name               the store's name in bookbridge (default "bigcommerce")
    store_hash         BigCommerce's alphanumeric store hash, or
    store_hash_env     the name of an environment variable holding it (one of the two is required)
    access_token       the API account's token, or
    access_token_env   the name of an environment variable holding it (preferred), or
    access_token_file  a file holding it (e.g. a mounted secret); surrounding whitespace is stripped
    v3_base_url        default https://api.bigcommerce.com/stores/{store_hash}/v3 (tests: the sandbox)
    v2_base_url        default https://api.bigcommerce.com/stores/{store_hash}/v2; a base URL written out whole
                       names the store hash in /stores/<hash>/, which must be store_hash's
    max_in_flight      concurrent requests (default 4), and products written side by side; the store-wide
                       quota is paced either way
    price_lists        {currency: price list id} for currencies other than the default (else found by name)
    delete_on_delist   delete products that leave the source instead of hiding them (default false)

The factory opens nothing: `httpx.Client` connects on the first request. The token is never logged and never
appears in a repr or an error message (`BigCommerceConfig.access_token` is `repr=False`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field

from bookbridge.adapters.bigcommerce.client import BigCommerceClient, BigCommerceConfig
from bookbridge.adapters.bigcommerce.orders import BigCommerceOrderSource
from bookbridge.adapters.bigcommerce.storefront import BigCommerceStorefront
from bookbridge.plugin import (
    AdapterContext,
    AdapterOptions,
    ConfigBool,
    ConfigInt,
    PluginRegistrar,
    hookimpl,
    variable_value,
)

WHO = "store adapter 'bigcommerce'"  # how its errors name it: the [store] table's adapter, never a store


class BigCommerceOptions(AdapterOptions):
    """The `[store]` table of a BigCommerce store (the order source reads the same table)."""

    store_hash: str | None = None
    store_hash_env: str | None = None
    access_token: str | None = Field(default=None, repr=False)
    access_token_env: str | None = None
    access_token_file: str | None = None
    v3_base_url: str | None = None
    v2_base_url: str | None = None
    max_in_flight: ConfigInt | None = Field(default=None, ge=1)
    price_lists: Mapping[str, Any] | None = None
    delete_on_delist: ConfigBool = False


def _client_config(options: BigCommerceOptions) -> BigCommerceConfig:
    token, source = _access_token(options)
    values: dict[str, Any] = {"store_hash": _store_hash(options), "access_token": token, "token_source": source}
    for key in ("v3_base_url", "v2_base_url"):
        if getattr(options, key):
            values[key] = getattr(options, key)
            _same_store(options, values["store_hash"], key, values[key])
    if options.max_in_flight is not None:
        values["max_in_flight"] = options.max_in_flight
    return BigCommerceConfig(**values)


def create_bigcommerce_storefront(options: BigCommerceOptions, context: AdapterContext) -> BigCommerceStorefront:
    client_config = _client_config(options)
    return BigCommerceStorefront(
        BigCommerceClient(client_config),
        name=context.name,
        price_lists=_price_lists(options.price_lists),
        delete_on_delist=options.delete_on_delist,
        workers=client_config.max_in_flight,
    )


def create_bigcommerce_order_source(options: BigCommerceOptions, context: AdapterContext) -> BigCommerceOrderSource:
    """The store's orders (`GET /v2/orders`) as a `domain.ports.OrderSource`, from the same `[store]` table."""
    return BigCommerceOrderSource(BigCommerceClient(_client_config(options)), name=context.name,
                                  page_size=context.page_size)


def _store_hash(options: BigCommerceOptions) -> str:
    """The store hash from the config or from an environment variable (`store_hash_env`)."""
    if options.store_hash and options.store_hash_env:
        raise ValueError(f"{WHO}: give 'store_hash' or 'store_hash_env', not both")
    store_hash = options.store_hash
    if options.store_hash_env:
        store_hash = variable_value("store_hash_env", options.store_hash_env)
    if not isinstance(store_hash, str) or not store_hash.strip():
        raise ValueError(f"{WHO} needs 'store_hash' (or 'store_hash_env', an environment variable "
                         "name), the store's alphanumeric hash")
    return store_hash.strip()


def _same_store(options: BigCommerceOptions, store_hash: str, key: str, url: str) -> None:
    """A base URL written out whole (no `{store_hash}`) names the store the calls go to, in `/stores/<hash>/`:
    it must be the configured hash, which `check`, the messages and the dashboard's links name the store by."""
    named = re.search(r"/stores/([^/]+)(?:/|$)", urlsplit(url).path) if "{store_hash}" not in url else None
    if named is None or named.group(1) == store_hash:
        return
    given = (f"store_hash_env: {store_hash!r} (the variable {options.store_hash_env!r})" if options.store_hash_env
             else f"store_hash: {store_hash!r}")
    raise ValueError(f"{given} is not the store hash {key} names ({named.group(1)!r}, in {url}), where the calls "
                     f"go: give one hash to both (store_hash = {named.group(1)!r}), or write {key} with {{store_hash}} "
                     f"in place of the hash")


def _access_token(options: BigCommerceOptions) -> tuple[str, str]:
    """The token from the config, an environment variable or a file, and that source in words (`[store]
    access_token_env (the variable 'X')`); errors name the source, never the value."""
    cfg = options.model_dump()
    sources = [k for k in ("access_token", "access_token_env", "access_token_file") if cfg.get(k)]
    if len(sources) != 1:
        raise ValueError(f"{WHO} needs exactly one of 'access_token', 'access_token_env' (an "
                         f"environment variable name) or 'access_token_file' (got: {', '.join(sources) or 'none'})")
    source = sources[0]
    if source == "access_token_env":
        variable = str(cfg[source])
        token = variable_value(source, variable)
        where = f"[store] access_token_env (the variable {variable!r})"
    elif source == "access_token_file":
        path = Path(str(cfg[source]))
        try:
            token = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ValueError(f"{WHO}: cannot read access_token_file {str(path)!r} "
                             f"({exc.strerror or type(exc).__name__})") from None
        if not token:
            raise ValueError(f"{WHO}: access_token_file {str(path)!r} is empty")
        where = f"[store] access_token_file (the file {str(path)!r})"
    else:
        token = str(cfg[source]).strip()
        where = "[store] access_token"
    if any(c.isspace() or not c.isprintable() for c in token):
        raise ValueError(f"{WHO}: the access token ({source}) contains whitespace or control characters")
    return token, where


def _price_lists(value: Any) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"{WHO}: 'price_lists' must map currency codes to price list ids")
    lists: dict[str, int] = {}
    for currency, list_id in value.items():
        code = str(currency).strip().upper()
        if len(code) != 3 or not code.isalpha():  # BigCommerce price-list records take ISO 4217 codes
            raise ValueError(f"{WHO}: price_lists key {currency!r} is not an ISO 4217 currency code")
        try:
            lists[code] = int(list_id)
        except (TypeError, ValueError):
            raise ValueError(f"{WHO}: price list id for {code} must be an integer") from None
    return lists


@hookimpl
def bookbridge_register_adapters(registry: PluginRegistrar) -> None:
    registry.add_storefront("bigcommerce", create_bigcommerce_storefront, options=BigCommerceOptions,
                            description="BigCommerce store (REST V3/V2)")
    registry.add_order_source("bigcommerce", create_bigcommerce_order_source, options=BigCommerceOptions,
                              description="the BigCommerce store's orders (REST V2 /orders)")
