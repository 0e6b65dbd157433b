"""The demo's shop before bookbridge: one product made in the sandbox by hand (as a shop manager or another
connector would), under the SKU of a title in the catalogue, which the first sync then adopts instead of creating."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
from rich.console import Console
from rich.markup import escape

from bookbridge.application.field_words import change_texts, field_label
from bookbridge.domain.listing import StoreListing
from bookbridge.domain.plan import ActionKind, Plan
from bookbridge.entrypoints.presentation import where_words

if TYPE_CHECKING:
    from bookbridge.entrypoints.container import DemoSandbox


def make_by_hand(console: Console, sandbox: DemoSandbox, store: str, listing: StoreListing) -> int:
    """`POST /v3/catalog/products` straight to the sandbox (`store`, as configured): the title without its format,
    at a placeholder price."""
    name = listing.name.rsplit(" (", 1)[0]
    body = {"name": name, "type": "physical", "sku": listing.sku, "price": 1.0, "weight": 0.5}
    response = httpx.post(f"{sandbox.base_url_v3}/catalog/products", json=body, timeout=10,
                          headers={"X-Auth-Token": sandbox.config.token, "Accept": "application/json"})
    response.raise_for_status()
    product_id = int(response.json()["data"]["id"])
    console.print(f"Already in {escape(str(where_words(store, store)))}: {escape(name)} (SKU {listing.sku}, product "
                  f"{product_id}, made by hand before bookbridge): the first sync adopts it.")
    return product_id


def print_adoptions(console: Console, plan: Plan) -> None:
    for action in plan.of_kind(ActionKind.ADOPT)[:2]:
        changes = action.changes(None)
        shown = "; ".join("{}: {} → {}".format(field_label(c.field), *change_texts(c)) for c in changes
                          if c.field in ("name", "price", "availability"))
        console.print(f"  adopt {escape(action.key)} (product {action.found.product_id if action.found else '?'}): "
                      f"{len(changes)} fields change, among them {escape(shown)}")

