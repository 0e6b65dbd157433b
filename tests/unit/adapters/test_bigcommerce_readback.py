"""BigCommerce product JSON → listing fields (the reverse of payloads.py)."""

from __future__ import annotations

from bookbridge.adapters.bigcommerce.readback import listing_fields

PRODUCT = {
    "id": 5, "sku": "9780007232833", "name": "Roseanna", "description": "<p>Blurb</p>", "availability": "available",
    "is_visible": True, "weight": 0.25, "width": 0, "height": 19.8, "depth": 0, "preorder_message": "",
    "price": 16.99, "sale_price": 0, "retail_price": 18.0, "brand_id": 3,
    "custom_url": {"url": "/roseanna/", "is_customized": True},
    "custom_fields": [{"id": 9, "name": "Format", "value": "Hardback"}],
    "images": [{"id": 2, "sort_order": 1, "description": "Back", "is_thumbnail": False, "url_standard": "https://cdn/b"},
               {"id": 1, "sort_order": 0, "description": "Front", "is_thumbnail": True, "url_standard": "https://cdn/a"}],
    "variants": [{"id": 11, "sku": "9780007232833"}],
    "channels": [2, 1],
}


def test_fields_come_back_under_listing_names_with_bigcommerce_blanks_as_none():
    fields = listing_fields(PRODUCT)
    assert fields["custom_url"] == "/roseanna/"
    assert fields["price"] == {"price": 16.99, "sale_price": None, "retail_price": 18.0}
    assert (fields["width"], fields["height"], fields["preorder_message"]) == (None, 19.8, None)
    assert fields["custom_fields"] == [{"name": "Format", "value": "Hardback"}]
    assert fields["images"] == [{"description": "Front", "is_thumbnail": True}, {"description": "Back"}]
    assert fields["channels"] == [1, 2]
    assert "brand_id" not in fields and "id" not in fields


def test_a_family_products_price_is_left_to_its_variants():
    family = PRODUCT | {"variants": [{"id": 11, "sku": "a"}, {"id": 12, "sku": "b"}]}
    assert "price" not in listing_fields(family)


def test_a_family_products_blank_gtin_and_single_thumbnail_show_no_drift():
    """A family product has no GTIN (BigCommerce holds ""), and one thumbnail where its listing marks each cover."""
    from bookbridge.domain.drift import find_drift
    from bookbridge.domain.listing import Section
    from bookbridge.domain.plan import AppliedListing

    family = PRODUCT | {"gtin": "", "images": [
        {"id": 1, "sort_order": 0, "description": "Front cover: Roseanna", "is_thumbnail": True},
        {"id": 2, "sort_order": 1, "description": "Front cover: Roseanna", "is_thumbnail": False}]}
    ours = [{"description": "Front cover: Roseanna", "is_thumbnail": True, "url": "https://covers/1.jpg"},
            {"description": "Front cover: Roseanna", "is_thumbnail": True, "url": "https://covers/2.jpg"}]
    applied = AppliedListing(key="family:roseanna:physical", hashes={},
                             payloads={Section.CORE: {"gtin": None}, Section.MEDIA: {"images": ours}})
    assert find_drift(applied, listing_fields(family)) == []
    moved = family | {"images": [{**family["images"][0], "is_thumbnail": False},
                                 {**family["images"][1], "is_thumbnail": True}]}
    assert find_drift(replace_images(applied, first_only=True), listing_fields(moved))  # a thumbnail moved by hand


def replace_images(applied, *, first_only: bool):
    from dataclasses import replace

    from bookbridge.domain.listing import Section

    images = [dict(i, is_thumbnail=(n == 0) if first_only else i["is_thumbnail"])
              for n, i in enumerate(applied.payloads[Section.MEDIA]["images"])]
    return replace(applied, payloads={**applied.payloads, Section.MEDIA: {"images": images}})
