"""What hangs off a product: images, custom fields and metafields."""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import ParseResult, urlparse

from .errors import conflict, not_found, unprocessable
from .state import Record, SandboxState
from .validation import CUSTOM_FIELD_FIELDS, IMAGE_FIELDS, METAFIELD_FIELDS, require_object, validate

IMAGES_PER_PRODUCT = 1000  # Platform Limits
CUSTOM_FIELDS_PER_PRODUCT = 200  # Platform Limits
METAFIELDS_PER_RESOURCE = 250  # "250 metafields per resource per client ID"


def _owned(table: dict[int, Record], product_id: int, record_id: int, what: str) -> Record:
    record = table.get(record_id)
    if record is None or record["product_id"] != product_id:
        raise not_found(what)
    return record


# -- images ---------------------------------------------------------------------------------------
def images_of(state: SandboxState, product_id: int) -> list[Record]:
    return sorted(state.children(state.images, product_id), key=lambda i: (i["sort_order"], i["id"]))


def check_image_url(url: str, field: str = "image_url") -> ParseResult:
    # image_url: "Any publicly available URL" (≤255, checked by IMAGE_FIELDS).
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise unprocessable({field: "image_url must be a publicly available http(s) URL."})
    return parsed


def add_image(state: SandboxState, product_id: int, body: Any) -> Record:
    """One image per request, by `image_url` (JSON); the first image becomes the thumbnail."""
    body = require_object(body)
    validate(body, IMAGE_FIELDS, ("image_url",))
    parsed = check_image_url(body["image_url"])
    existing = images_of(state, product_id)
    if len(existing) >= IMAGES_PER_PRODUCT:
        raise unprocessable({"images": f"A product can have at most {IMAGES_PER_PRODUCT} images."})
    image_id = state.next_id("image")
    # BigCommerce downloads the file and serves it from its CDN; it does not echo image_url back.
    name = posixpath.basename(parsed.path) or f"image-{image_id}.jpg"
    cdn = f"https://cdn11.bigcommerce.com/s-{state.config.store_hash}/products/{product_id}/images/{image_id}"
    thumbnail = bool(body.get("is_thumbnail")) or not existing
    if thumbnail:  # one thumbnail per product
        for other in existing:
            other["is_thumbnail"] = False
    image: Record = {
        "id": image_id,
        "product_id": product_id,
        "is_thumbnail": thumbnail,
        "sort_order": body.get("sort_order", len(existing)),
        "description": body.get("description", ""),
        "image_file": f"{image_id % 10}/{image_id}/{name}",
        "url_zoom": f"{cdn}/{name}?c=1",
        "url_standard": f"{cdn}/500x659/{name}?c=1",
        "url_thumbnail": f"{cdn}/220x290/{name}?c=1",
        "url_tiny": f"{cdn}/44x58/{name}?c=1",
        "date_modified": state.now_iso(),
    }
    state.images[image_id] = image
    return image


def get_image(state: SandboxState, product_id: int, image_id: int) -> Record:
    return _owned(state.images, product_id, image_id, "image")


def delete_image(state: SandboxState, product_id: int, image_id: int) -> None:
    image = get_image(state, product_id, image_id)
    del state.images[image_id]
    remaining = images_of(state, product_id)
    if image["is_thumbnail"] and remaining:
        remaining[0]["is_thumbnail"] = True


# -- custom fields --------------------------------------------------------------------------------
def _check_pair(state: SandboxState, product_id: int, name: str, value: str, field_id: int | None) -> None:
    # BigCommerce: each custom field's name+value pair must be unique within a product.
    for other in state.children(state.custom_fields, product_id):
        if other["name"] == name and other["value"] == value and other["id"] != field_id:
            raise conflict("name", f"The custom field '{name}: {value}' already exists on this product.")


def add_custom_field(state: SandboxState, product_id: int, body: Any) -> Record:
    body = require_object(body)
    validate(body, CUSTOM_FIELD_FIELDS, ("name", "value"))
    if len(state.children(state.custom_fields, product_id)) >= CUSTOM_FIELDS_PER_PRODUCT:
        raise unprocessable({"custom_fields": f"A product can have at most {CUSTOM_FIELDS_PER_PRODUCT} custom fields."})
    _check_pair(state, product_id, body["name"], body["value"], None)
    field_id = state.next_id("custom_field")
    record = {"id": field_id, "product_id": product_id, "name": body["name"], "value": body["value"]}
    state.custom_fields[field_id] = record
    return record


def update_custom_field(state: SandboxState, product_id: int, field_id: int, body: Any) -> Record:
    record = _owned(state.custom_fields, product_id, field_id, "custom field")
    body = require_object(body)
    validate(body, CUSTOM_FIELD_FIELDS)
    _check_pair(state, product_id, body.get("name", record["name"]), body.get("value", record["value"]), field_id)
    record.update({k: body[k] for k in ("name", "value") if k in body})
    return record


def delete_custom_field(state: SandboxState, product_id: int, field_id: int) -> None:
    _owned(state.custom_fields, product_id, field_id, "custom field")
    del state.custom_fields[field_id]


def render_custom_field(record: Record) -> Record:
    return {k: record[k] for k in ("id", "name", "value")}


# -- metafields -----------------------------------------------------------------------------------
def add_metafield(state: SandboxState, product_id: int, body: Any) -> Record:
    body = require_object(body)
    validate(body, METAFIELD_FIELDS, ("permission_set", "namespace", "key", "value"))
    siblings = state.children(state.metafields, product_id)
    if len(siblings) >= METAFIELDS_PER_RESOURCE:
        raise unprocessable({"metafields": f"At most {METAFIELDS_PER_RESOURCE} metafields per resource."})
    if any(m["namespace"] == body["namespace"] and m["key"] == body["key"] for m in siblings):
        raise conflict("key", f"A metafield {body['namespace']}.{body['key']} already exists.")
    stamp = state.now_iso()
    metafield_id = state.next_id("metafield")
    record: Record = {
        "id": metafield_id,
        "product_id": product_id,
        "resource_type": "product",
        "resource_id": product_id,
        "namespace": body["namespace"],
        "key": body["key"],
        "value": body["value"],
        "permission_set": body["permission_set"],
        "description": body.get("description", ""),
        "owner_client_id": state.config.client_id,
        "date_created": stamp,
        "date_modified": stamp,
    }
    state.metafields[metafield_id] = record
    return record


def get_metafield(state: SandboxState, product_id: int, metafield_id: int) -> Record:
    return _owned(state.metafields, product_id, metafield_id, "metafield")


def update_metafield(state: SandboxState, product_id: int, metafield_id: int, body: Any) -> Record:
    record = get_metafield(state, product_id, metafield_id)
    body = require_object(body)
    validate(body, METAFIELD_FIELDS)
    record.update({k: body[k] for k in ("namespace", "key", "value", "permission_set", "description") if k in body})
    record["date_modified"] = state.now_iso()
    return record


def delete_metafield(state: SandboxState, product_id: int, metafield_id: int) -> None:
    get_metafield(state, product_id, metafield_id)
    del state.metafields[metafield_id]


def render_metafield(record: Record) -> Record:
    return {k: v for k, v in record.items() if k != "product_id"}
