"""`/v3/channels`, channel assignments, `/v3/pricelists` and `/v3/hooks`."""

from __future__ import annotations

from urllib.parse import urlparse

from starlette.routing import Route

from . import pricing
from .endpoints import Call, Handler, Reply, data, deleting, listing, no_content, routes
from .errors import conflict, not_found, unprocessable
from .query import int_list, require_filter
from .state import Record
from .validation import HOOK_FIELDS, require_array, require_object, validate

# "10 hooks per store_id + client_id + scope" (BigCommerce's webhooks overview).
HOOKS_PER_SCOPE = 10


# -- channels ---------------------------------------------------------------------------------------
def get_channel(call: Call) -> Reply:
    channel = call.state.channels.get(call.arg("channel_id"))
    if channel is None:
        raise not_found("channel")
    return data(channel)


def list_channels(call: Call) -> Reply:
    return listing(call, [c for _, c in sorted(call.state.channels.items())])


def assign_channels(call: Call) -> Reply:
    """PUT /catalog/products/channel-assignments: [{product_id, channel_id}] → 204, 422 per bad item."""
    items = require_array(call.body)
    errors: dict[str, str] = {}
    for index, item in enumerate(items):
        item = require_object(item, f"[{index}]")
        if item.get("product_id") not in call.state.products:
            errors[f"[{index}].product_id"] = f"Product {item.get('product_id')} does not exist."
        if item.get("channel_id") not in call.state.channels:
            errors[f"[{index}].channel_id"] = f"Channel {item.get('channel_id')} does not exist."
    if errors:
        raise unprocessable(errors)
    for item in items:
        call.state.channel_assignments.add((item["product_id"], item["channel_id"]))
    return no_content()


def _assignments(call: Call) -> list[tuple[int, int]]:
    products = int_list(call.query, "product_id:in")
    channels = int_list(call.query, "channel_id:in")
    return call.state.channel_assignments.select(products, channels)


def list_assignments(call: Call) -> Reply:
    return listing(call, _assignments(call), lambda a: {"product_id": a[0], "channel_id": a[1]})


def delete_assignments(call: Call) -> Reply:
    require_filter(call.query, ("product_id:in", "channel_id:in"))
    for pair in _assignments(call):
        call.state.channel_assignments.discard(pair)
    return no_content()


# -- price lists ------------------------------------------------------------------------------------
def _price_list_handlers() -> list[tuple[str, str, Handler]]:
    base = "/v3/pricelists"
    one = base + "/{price_list_id:int}"
    lid = "price_list_id"
    p = pricing

    def records_upsert(c: Call) -> Reply:
        p.upsert_records(c.state, c.arg(lid), c.body)
        return data({})

    def records_delete(c: Call) -> Reply:
        p.get_list(c.state, c.arg(lid))
        p.delete_records(c.state, c.arg(lid), c.query)
        return no_content()

    def assign_one(c: Call) -> Reply:
        body = require_object(c.body)
        p.get_list(c.state, c.arg(lid))
        p.check_assignment(c.state, {**body, "price_list_id": c.arg(lid)}, 0)
        return data(p.assign(c.state, c.arg(lid), body.get("channel_id"), body.get("customer_group_id")))

    return [
        ("GET", base, lambda c: listing(c, [r for _, r in sorted(c.state.price_lists.items())])),
        ("POST", base, lambda c: data(p.create_list(c.state, c.body))),
        ("GET", one, lambda c: data(p.get_list(c.state, c.arg(lid)))),
        ("PUT", one, lambda c: data(p.update_list(c.state, c.arg(lid), c.body))),
        ("DELETE", one, deleting(lambda c: p.delete_list(c.state, c.arg(lid)))),
        ("GET", one + "/records", lambda c: listing(c, p.query_records(c.state, c.arg(lid), c.query))),
        ("PUT", one + "/records", records_upsert),
        ("DELETE", one + "/records", records_delete),
        ("PUT", one + "/assignments", assign_one),
        ("GET", base + "/assignments", lambda c: listing(c, p.query_assignments(c.state, c.query))),
        ("POST", base + "/assignments", lambda c: data(p.create_assignments(c.state, c.body))),
        ("DELETE", base + "/assignments", deleting(lambda c: p.delete_assignments(c.state, c.query))),
    ]


# -- webhooks ---------------------------------------------------------------------------------------
def _hook(call: Call) -> Record:
    hook = call.state.hooks.get(call.arg("webhook_id"))
    if hook is None:
        raise not_found("webhook")
    return hook


def _check_hook(call: Call, body: Record, hook_id: int | None) -> None:
    destination = body.get("destination")
    if destination is not None:
        parsed = urlparse(destination)
        # Destinations must be HTTPS on port 443; custom ports are not supported (webhooks overview).
        if parsed.scheme != "https" or parsed.port not in (None, 443):
            raise unprocessable({"destination": "The destination must be an https URL on port 443."})
    hooks = [h for h in call.state.hooks.values() if h["id"] != hook_id]
    scope = body.get("scope")
    if any(h["scope"] == scope and h["destination"] == destination for h in hooks):
        # Only one hook per store + client + scope + destination (status code UNCONFIRMED).
        raise conflict("destination", "A webhook for this scope and destination already exists.")
    if hook_id is None and sum(1 for h in hooks if h["scope"] == scope) >= HOOKS_PER_SCOPE:
        raise unprocessable({"scope": f"At most {HOOKS_PER_SCOPE} webhooks per scope."})


def create_hook(call: Call) -> Reply:
    body = require_object(call.body)
    validate(body, HOOK_FIELDS, ("scope", "destination"))
    _check_hook(call, body, None)
    stamp = int(call.state.now().timestamp())  # hooks use unix seconds, not ISO dates
    hook_id = call.state.next_id("hook")
    hook: Record = {
        "id": hook_id,
        "client_id": call.state.config.client_id,
        "store_hash": call.state.config.store_hash,
        "scope": body["scope"],
        "destination": body["destination"],
        "is_active": body.get("is_active", True),
        "headers": body.get("headers"),
        "events_history_enabled": body.get("events_history_enabled", False),
        "created_at": stamp,
        "updated_at": stamp,
    }
    call.state.hooks[hook_id] = hook
    return data(hook)


def update_hook(call: Call) -> Reply:
    hook = _hook(call)
    body = require_object(call.body)
    validate(body, HOOK_FIELDS)
    _check_hook(call, {"scope": hook["scope"], "destination": hook["destination"], **body}, hook["id"])
    hook.update(
        {k: body[k] for k in ("scope", "destination", "is_active", "headers", "events_history_enabled") if k in body}
    )
    hook["updated_at"] = int(call.state.now().timestamp())
    return data(hook)


def delete_hook(call: Call) -> Reply:
    hook = _hook(call)
    del call.state.hooks[hook["id"]]
    return data(hook)  # DELETE /hooks/{id} answers with the deleted hook


def list_hooks(call: Call) -> Reply:
    hooks = [h for _, h in sorted(call.state.hooks.items())]
    if "is_active" in call.query:
        hooks = [h for h in hooks if h["is_active"] == (call.query["is_active"] == "true")]
    if "scope" in call.query:
        hooks = [h for h in hooks if h["scope"] == call.query["scope"]]
    return listing(call, hooks)


def store_routes() -> list[Route]:
    assignments = "/v3/catalog/products/channel-assignments"
    table: list[tuple[str, str, Handler]] = [
        ("GET", "/v3/channels", list_channels),
        ("GET", "/v3/channels/{channel_id:int}", get_channel),
        ("PUT", assignments, assign_channels),
        ("GET", assignments, list_assignments),
        ("DELETE", assignments, delete_assignments),
        *_price_list_handlers(),
        ("GET", "/v3/hooks", list_hooks),
        ("POST", "/v3/hooks", create_hook),
        ("GET", "/v3/hooks/{webhook_id:int}", lambda c: data(_hook(c))),
        ("PUT", "/v3/hooks/{webhook_id:int}", update_hook),
        ("DELETE", "/v3/hooks/{webhook_id:int}", delete_hook),
    ]
    return routes(table)
