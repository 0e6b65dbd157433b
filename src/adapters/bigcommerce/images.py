"""Product images: matched to the listing by source checksum (or URL), never by BigCommerce's CDN URL; one
request per image (`POST`/`DELETE /catalog/products/{id}/images`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bookbridge.adapters.bigcommerce import payloads
from bookbridge.adapters.bigcommerce.client import BigCommerceClient
from bookbridge.adapters.bigcommerce.errors import BigCommerceError, store_error
from bookbridge.adapters.bigcommerce.work import ActionWork
from bookbridge.domain.listing import StoreListing


def remote_images(product: Mapping[str, Any], listing: StoreListing | None) -> dict[str, Any]:
    """{image ident: BigCommerce image id} for a product read back with `include=images`.

    Images are matched to the listing's by description and position (`sort_order` is the listing's order): the
    editions of a family share a title, so their covers share a description, and each must keep its own id.
    An image matching none is kept under its BigCommerce id (the next image sync deletes it).
    """
    wanted = list(listing.images) if listing else []
    images: dict[str, Any] = {}
    for image in sorted(product.get("images") or [], key=lambda i: (i.get("sort_order", 0), i.get("id", 0))):
        description, order = image.get("description", ""), image.get("sort_order")
        candidates = [img for img in wanted if img.description == description
                      and payloads.image_ident(img) not in images]
        at = wanted[order] if isinstance(order, int) and 0 <= order < len(wanted) else None
        match = at if at is not None and at in candidates else (candidates[0] if candidates else None)
        images[payloads.image_ident(match) if match else f"bc:{image['id']}"] = image["id"]
    return images


def sync_images(client: BigCommerceClient, work: ActionWork) -> None:
    """Delete the images the listing no longer has, then add the missing ones (one image per request)."""
    assert work.listing is not None
    known: dict[str, Any] = work.remote.setdefault("images", {})
    wanted = {payloads.image_ident(img): (i, img) for i, img in enumerate(work.listing.images)}
    thumb = payloads.thumbnail_index(work.listing.images)
    try:
        for ident, image_id in list(known.items()):
            if ident not in wanted:
                client.request("DELETE", f"catalog/products/{work.product_id}/images/{image_id}")
                del known[ident]
        for ident, (order, image) in wanted.items():
            if ident not in known:
                created = client.request("POST", f"catalog/products/{work.product_id}/images",
                                         json=payloads.image_body(image, order, thumbnail=order == thumb))
                known[ident] = (created.data or {}).get("id")
    except BigCommerceError as exc:
        work.errors.append(store_error(exc, context=f"syncing images of {work.listing.sku}"))
