"""validate_item: a valid item passes; each broken rule is reported, naming its attribute."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bookbridge_merchant_feed.items import FeedItem
from bookbridge_merchant_feed.validate import validate_item

VALID = FeedItem(
    id="9780007232833", title="Roseanna (Paperback)", description="The first Martin Beck novel.",
    link="https://shop.example/roseanna-paperback-9780007232833/",
    image_link="https://covers.example/9780007232833.jpg",
    additional_image_link=("https://covers.example/9780007232833-back.jpg",),
    availability="in_stock", price="7.99 GBP", brand="HarperPerennial", gtin="9780007232833",
    item_group_id="A0220090000154FA", product_type="Books > Paperback",
)


def test_a_valid_item_passes() -> None:
    assert validate_item(VALID) == []


@pytest.mark.parametrize("changes", [
    {"availability": "preorder", "availability_date": "2027-02-04T00:00+0000"},
    {"availability": "backorder", "availability_date": "2027-02-04T00:00Z"},
    {"availability": "out_of_stock"},
    {"sale_price": "5.99 GBP", "sale_price_effective_date": "2026-12-01T00:00+0000/2026-12-31T23:59+0000"},
    {"sale_price": "5.99 GBP", "sale_price_effective_date": "2026-12-01T00:00:00+01:00/2026-12-31T23:59:59-05:00"},
    {"sale_price": "5.99 GBP"},  # without a window: the sale price applies until it is removed
    {"brand": ""},  # Google: brand is optional for books
    {"additional_image_link": ()},
    {"price": "12 USD"},
    {"id": "x" * 50, "title": "t" * 150, "description": "d" * 5000},
])
def test_valid_variations_pass(changes: dict[str, object]) -> None:
    assert validate_item(replace(VALID, **changes)) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(("changes", "attribute", "fragment"), [
    ({"id": ""}, "id", "required"),
    ({"title": " "}, "title", "required"),
    ({"description": ""}, "description", "required"),
    ({"link": ""}, "link", "required"),
    ({"image_link": ""}, "image_link", "required"),
    ({"availability": ""}, "availability", "required"),
    ({"price": ""}, "price", "required"),
    ({"gtin": ""}, "gtin", "required"),
    ({"id": "x" * 51}, "id", "51 characters; at most 50"),
    ({"title": "t" * 151}, "title", "151 characters; at most 150"),
    ({"description": "d" * 5001}, "description", "5001 characters; at most 5000"),
    ({"brand": "b" * 71}, "brand", "at most 70"),
    ({"item_group_id": "g" * 51}, "item_group_id", "at most 50"),
    ({"availability": "available"}, "availability", "is not one of"),
    ({"availability": "preorder"}, "availability_date", "required when availability is preorder"),
    ({"availability": "backorder"}, "availability_date", "required when availability is backorder"),
    ({"availability": "preorder", "availability_date": "2027-02-04"}, "availability_date", "ISO 8601"),
    ({"availability": "preorder", "availability_date": "04/02/2027 00:00"}, "availability_date", "ISO 8601"),
    ({"availability": "preorder", "availability_date": "2027-02-30T00:00+0000"}, "availability_date", "ISO 8601"),
    ({"price": "£7.99"}, "price", "ISO 4217"),
    ({"price": "7.99"}, "price", "ISO 4217"),
    ({"price": "7,99 GBP"}, "price", "ISO 4217"),
    ({"price": "7.99 XYZ"}, "price", "'XYZ' is not an ISO 4217 currency code"),
    ({"price": "0 GBP"}, "price", "more than zero"),
    ({"sale_price": "5.99 USD"}, "sale_price", "in USD, but price is in GBP"),
    ({"sale_price": "8.99 GBP"}, "sale_price", "is not below price"),
    ({"sale_price": "5.99 GBP", "sale_price_effective_date": "2026-12-01T00:00+0000"},
     "sale_price_effective_date", "range start/end"),
    ({"sale_price": "5.99 GBP", "sale_price_effective_date": "2026-12-01/2026-12-31"},
     "sale_price_effective_date", "range start/end"),
    ({"sale_price": "5.99 GBP", "sale_price_effective_date": "2026-12-31T00:00+0000/2026-12-01T00:00+0000"},
     "sale_price_effective_date", "does not end after it starts"),
    # The same instant in two offsets: an empty window.
    ({"sale_price": "5.99 GBP", "sale_price_effective_date": "2026-12-01T01:00+0100/2026-12-01T00:00Z"},
     "sale_price_effective_date", "does not end after it starts"),
    # Google wants both ends, each with its offset.
    ({"sale_price": "5.99 GBP", "sale_price_effective_date": "2026-12-01T00:00+0000/"},
     "sale_price_effective_date", "both ends given"),
    ({"sale_price": "5.99 GBP", "sale_price_effective_date": "/2026-12-01T00:00+0000"},
     "sale_price_effective_date", "both ends given"),
    ({"sale_price": "5.99 GBP", "sale_price_effective_date": "2026-12-01T00:00+0000/2026-12-31T00:00"},
     "sale_price_effective_date", "both ends given"),
    ({"sale_price_effective_date": "2026-12-01T00:00+0000/2026-12-31T00:00+0000"},
     "sale_price_effective_date", "without a sale_price"),
    ({"gtin": "9780007232834"}, "gtin", "valid check digit"),
    ({"gtin": "97800072"}, "gtin", "valid check digit"),
    ({"link": "shop.example/roseanna"}, "link", "http(s) URL"),
    ({"image_link": "ftp://covers.example/x.jpg"}, "image_link", "http(s) URL"),
    ({"additional_image_link": tuple(f"https://c.example/{n}.jpg" for n in range(11))},
     "additional_image_link", "at most 10"),
    ({"additional_image_link": ("not a url",)}, "additional_image_link", "http(s) URL"),
    ({"title": "Roseanna\x0b"}, "title", "control characters"),
])
def test_each_broken_rule_is_reported_with_its_attribute(changes: dict[str, object], attribute: str,
                                                         fragment: str) -> None:
    problems = validate_item(replace(VALID, **changes))  # type: ignore[arg-type]
    assert any(p.startswith(f"{attribute}: ") and fragment in p for p in problems), problems


def test_every_problem_is_reported_not_only_the_first() -> None:
    problems = validate_item(replace(VALID, id="", title="t" * 151, price="7.99"))
    assert [p.split(":")[0] for p in problems] == ["id", "title", "price"]
