"""What BigCommerce would refuse for a known reason, found before any request: typed errors naming the edition
and the field."""

from __future__ import annotations

from bookbridge.adapters.bigcommerce import payloads
from bookbridge.domain.listing import Section, StoreListing
from bookbridge.domain.ports import StoreError, StoreErrorKind


def listing_refusal(listing: StoreListing, sections: tuple[Section, ...]) -> StoreError | None:
    """What BigCommerce must not be sent, found before any request: images and variant counts."""
    isbns = ", ".join(map(str, listing.isbns))
    if listing.variants and Section.CORE in sections and (why := payloads.variants_refusal(listing)):
        return StoreError(StoreErrorKind.REJECTED, f"{listing.key} ({isbns}): not sent: {why}", field="variants")
    if Section.MEDIA not in sections:
        return None
    for image in listing.images:
        # ListingImage carries no type or size yet; a subclass (or a later domain field) that does is honoured.
        why = payloads.image_refusal(image.url, mime_type=getattr(image, "mime_type", None),
                                     size_bytes=getattr(image, "size_bytes", None))
        if why:
            owner = next((str(v.isbn) for v in listing.variants if v.image_url == image.url), isbns)
            return StoreError(StoreErrorKind.REJECTED, f"{owner}: not sent: {why}", field="images")
    for variant in listing.variants:
        if variant.image_url and (why := payloads.image_refusal(variant.image_url)):
            return StoreError(StoreErrorKind.REJECTED, f"{variant.isbn}: not sent: {why}", field="variants.image_url")
    return None


def refused_error(context: str, refused: dict[str, str]) -> StoreError:
    """A value BigCommerce would reject, caught before any request: the error names the field."""
    return StoreError(StoreErrorKind.REJECTED, f"{context}: {'; '.join(refused.values())}",
                      field=next(iter(refused)).rsplit(".", 1)[-1])
