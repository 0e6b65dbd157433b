"""Product custom fields, diffed by name against the ids kept from the last run (one request per field)."""

from __future__ import annotations

from typing import Any

from bookbridge.adapters.bigcommerce.client import BigCommerceClient
from bookbridge.adapters.bigcommerce.errors import BigCommerceError, store_error
from bookbridge.adapters.bigcommerce.work import ActionWork


def sync_custom_fields(client: BigCommerceClient, work: ActionWork) -> None:
    """Delete departed custom fields, add new ones, and update changed values (one field per request)."""
    assert work.listing is not None
    known: dict[str, list[Any]] = work.remote.setdefault("custom_fields", {})
    wanted = {f.name: f.value for f in work.listing.custom_fields}
    path = f"catalog/products/{work.product_id}/custom-fields"
    try:
        for name in [n for n in known if n not in wanted]:
            client.request("DELETE", f"{path}/{known[name][0]}")
            del known[name]
        for name, value in wanted.items():
            if name not in known:
                created = client.request("POST", path, json={"name": name, "value": value})
                known[name] = [(created.data or {}).get("id"), value]
            elif known[name][1] != value:
                client.request("PUT", f"{path}/{known[name][0]}", json={"name": name, "value": value})
                known[name] = [known[name][0], value]
    except BigCommerceError as exc:
        work.errors.append(store_error(exc, context=f"syncing custom fields of {work.listing.sku}"))
