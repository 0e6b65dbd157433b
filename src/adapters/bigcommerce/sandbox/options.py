"""Variant options (e.g. "Format": Hardback, Paperback) and their values.

Creating an option does not create variants; variants are created separately and name the
option values they combine (BigCommerce's catalog overview).
"""

from __future__ import annotations

from typing import Any

from .errors import conflict, not_found, unprocessable
from .state import Record, SandboxState
from .validation import OPTION_FIELDS, OPTION_VALUE_FIELDS, require_object, validate

VALUES_PER_OPTION = 250  # Platform Limits: 250 option values per option


def value_ref(option: Record, value: Record) -> Record:
    return {
        "id": value["id"],
        "label": value["label"],
        "option_id": option["id"],
        "option_display_name": option["display_name"],
    }


def new_option(state: SandboxState, product_id: int, body: Record) -> Record:
    option_id = state.next_id("option")
    option: Record = {
        "id": option_id,
        "product_id": product_id,
        "display_name": body["display_name"],
        "name": f"{body['display_name']}{option_id}",
        "type": body["type"],
        "sort_order": body.get("sort_order", 0),
        "option_values": [],
        "config": {},
    }
    state.options[option_id] = option
    for value in body.get("option_values") or []:
        new_value(state, option, value)
    return option


def new_value(state: SandboxState, option: Record, body: Record) -> Record:
    value = {
        "id": state.next_id("option_value"),
        "label": body["label"],
        "sort_order": body.get("sort_order", len(option["option_values"])),
        "is_default": bool(body.get("is_default", False)),
        "value_data": body.get("value_data"),
    }
    option["option_values"].append(value)
    return value


def render_option(option: Record) -> Record:
    return {**option, "option_values": [dict(v) for v in option["option_values"]]}


def create_option(state: SandboxState, product_id: int, body: Any) -> Record:
    """POST /catalog/products/{id}/options: one option per request; creates no variants."""
    if product_id not in state.products:
        raise not_found("product")
    body = require_object(body)
    validate(body, OPTION_FIELDS, ("display_name", "type"))
    for index, value in enumerate(body.get("option_values") or []):
        validate(
            require_object(value, f"option_values[{index}]"),
            OPTION_VALUE_FIELDS,
            ("label",),
            prefix=f"option_values[{index}].",
        )
    if any(o["display_name"] == body["display_name"] for o in state.children(state.options, product_id)):
        raise conflict("display_name", f"The option '{body['display_name']}' already exists.")
    return new_option(state, product_id, body)


def get_option(state: SandboxState, product_id: int, option_id: int) -> Record:
    option = state.options.get(option_id)
    if option is None or option["product_id"] != product_id:
        raise not_found("option")
    return option


def update_option(state: SandboxState, product_id: int, option_id: int, body: Any) -> Record:
    option = get_option(state, product_id, option_id)
    body = require_object(body)
    validate(body, OPTION_FIELDS)
    option.update({k: body[k] for k in ("display_name", "type", "sort_order") if k in body})
    return option


def delete_option(state: SandboxState, product_id: int, option_id: int) -> None:
    get_option(state, product_id, option_id)
    del state.options[option_id]
    for vid in [
        v["id"]
        for v in state.product_variants(product_id)
        if any(ov["option_id"] == option_id for ov in v["option_values"])
    ]:
        del state.variants[vid]  # deleting an option deletes the variants built on it


def create_option_value(state: SandboxState, product_id: int, option_id: int, body: Any) -> Record:
    option = get_option(state, product_id, option_id)
    body = require_object(body)
    validate(body, OPTION_VALUE_FIELDS, ("label",))
    if len(option["option_values"]) >= VALUES_PER_OPTION:
        raise unprocessable({"option_values": f"An option can have at most {VALUES_PER_OPTION} values."})
    return new_value(state, option, body)


def update_option_value(state: SandboxState, product_id: int, option_id: int, value_id: int, body: Any) -> Record:
    option = get_option(state, product_id, option_id)
    value: Record | None = next((v for v in option["option_values"] if v["id"] == value_id), None)
    if value is None:
        raise not_found("option value")
    body = require_object(body)
    validate(body, OPTION_VALUE_FIELDS)
    value.update({k: body[k] for k in ("label", "sort_order", "is_default", "value_data") if k in body})
    return value


def delete_option_value(state: SandboxState, product_id: int, option_id: int, value_id: int) -> None:
    option = get_option(state, product_id, option_id)
    before = len(option["option_values"])
    option["option_values"] = [v for v in option["option_values"] if v["id"] != value_id]
    if len(option["option_values"]) == before:
        raise not_found("option value")
