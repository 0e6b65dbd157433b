"""The BigCommerce sandbox over real loopback HTTP: catalogue rules, pagination, channels, price lists,
orders and webhooks. Transport behaviour (rate limits, faults, auth) is in test_bigcommerce_sandbox_transport.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bookbridge.adapters.bigcommerce.sandbox import ChannelSeed, RateLimitConfig, SandboxConfig, SandboxServer

ERROR_TYPE = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"
START = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


class WallClock:
    """A settable wall clock for date_created/date_modified."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture(scope="module")
def module_clock() -> WallClock:
    return WallClock(START)


@pytest.fixture(scope="module")
def module_server(module_clock: WallClock) -> Iterator[SandboxServer]:
    config = SandboxConfig(
        extra_channels=(ChannelSeed(2, "UK storefront"),),
        rate_limit=RateLimitConfig(quota=100_000),  # these tests are about the catalogue, not the quota
        now=module_clock,
    )
    with SandboxServer(config) as running:
        yield running


@pytest.fixture
def clock(module_clock: WallClock) -> WallClock:
    module_clock.current = START
    return module_clock


@pytest.fixture
def server(module_server: SandboxServer, clock: WallClock) -> SandboxServer:
    module_server.reset()  # one server for the module, a fresh store for every test
    return module_server


@pytest.fixture(scope="module")
def module_v3(module_server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=module_server.base_url_v3, headers=module_server.auth_headers, timeout=5) as client:
        yield client


@pytest.fixture(scope="module")
def module_v2(module_server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=module_server.base_url_v2, headers=module_server.auth_headers, timeout=5) as client:
        yield client


@pytest.fixture
def v3(server: SandboxServer, module_v3: httpx.Client) -> httpx.Client:
    return module_v3


@pytest.fixture
def v2(server: SandboxServer, module_v2: httpx.Client) -> httpx.Client:
    return module_v2


def book(n: int = 1, **fields: Any) -> dict[str, Any]:
    return {
        "name": f"Book {n}",
        "type": "physical",
        "weight": 0.4,
        "price": 9.99,
        "sku": f"97800000000{n:02d}",
        **fields,
    }


def create(v3: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = v3.post("/catalog/products", json=body)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()["data"]
    return created


# -- create, required fields and limits -------------------------------------------------------------
def test_create_gives_integer_ids_and_a_base_variant_carrying_the_sku(v3: httpx.Client, server: SandboxServer) -> None:
    product = create(v3, book(1))

    assert isinstance(product["id"], int)
    assert product["date_created"] == product["date_modified"] == "2026-05-01T12:00:00+00:00"
    [variant] = product["variants"]
    assert product["base_variant_id"] == variant["id"]
    assert variant["sku"] == "9780000000001" and variant["option_values"] == []
    assert server.state.find_by_sku("9780000000001") == server.state.products[product["id"]]
    assert v3.get(f"/catalog/products/{product['id']}").json()["data"]["name"] == "Book 1"


def test_missing_required_fields_give_bigcommerce_422_body(v3: httpx.Client, server: SandboxServer) -> None:
    response = v3.post("/catalog/products", json={"sku": "X"})

    assert response.status_code == 422
    assert response.json() == {
        "status": 422,
        "title": "Missing Required Fields",
        "type": ERROR_TYPE,
        "errors": {
            "name": "Please provide a name.",
            "type": "Please provide a type.",
            "weight": "Please provide a weight.",
            "price": "Please provide a price.",
        },
    }
    assert server.state.products == {}


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"name": ""}, "name"),
        ({"name": "N" * 251}, "name"),  # name 1–250
        ({"sku": "S" * 256}, "sku"),  # sku ≤255
        ({"gtin": "9" * 15}, "gtin"),  # gtin ≤14
        ({"upc": "9" * 15}, "upc"),  # upc ≤14
        ({"availability": "soon"}, "availability"),  # available|disabled|preorder
        ({"type": "ebook"}, "type"),  # physical|digital
        ({"weight": -1}, "weight"),
        ({"price": "9.99"}, "price"),
        ({"is_visible": "yes"}, "is_visible"),
        ({"preorder_release_date": "next spring"}, "preorder_release_date"),
        ({"custom_fields": [{"name": "ISBN", "value": "9" * 251}]}, "custom_fields[0].value"),  # 1–250
        ({"custom_fields": [{"name": "", "value": "x"}]}, "custom_fields[0].name"),
        ({"custom_url": {"url": "u" * 256, "is_customized": True}}, "custom_url.url"),
    ],
)
def test_field_limits_give_422_naming_the_field(v3: httpx.Client, fields: dict[str, Any], bad_field: str) -> None:
    response = v3.post("/catalog/products", json=book(1, **fields))

    assert response.status_code == 422
    body = response.json()
    assert body["status"] == 422 and body["type"] == ERROR_TYPE
    assert list(body["errors"]) == [bad_field]


def test_values_at_the_limits_are_accepted(v3: httpx.Client) -> None:
    product = create(
        v3,
        book(
            1,
            name="N" * 250,
            sku="S" * 255,
            gtin="9" * 14,
            availability="preorder",
            custom_fields=[{"name": "n" * 250, "value": "v" * 250}],
        ),
    )

    assert len(product["name"]) == 250 and product["availability"] == "preorder"


def test_a_failing_nested_part_creates_nothing(v3: httpx.Client, server: SandboxServer) -> None:
    twice = [{"name": "ISBN", "value": "9780000000001"}] * 2  # name+value pairs are unique per product

    response = v3.post("/catalog/products", json=book(1, custom_fields=twice))

    assert response.status_code == 409
    assert server.state.products == {} and server.state.variants == {} and server.state.custom_fields == {}
    assert v3.post("/catalog/products", json=book(1)).status_code == 200  # name and SKU are still free


def test_channels_are_not_accepted_on_create(v3: httpx.Client) -> None:
    response = v3.post("/catalog/products", json=book(1, channels=[1]))

    assert response.status_code == 422 and "channels" in response.json()["errors"]


# -- uniqueness ---------------------------------------------------------------------------------------
def test_duplicate_name_is_409(v3: httpx.Client) -> None:
    create(v3, book(1))

    response = v3.post("/catalog/products", json=book(2, name="Book 1"))

    assert response.status_code == 409
    assert response.json()["status"] == 409 and "name" in response.json()["errors"]


def test_sku_clashes_case_insensitively_with_a_variant_sku(v3: httpx.Client, server: SandboxServer) -> None:
    variants = [{"sku": "ABC-HB", "option_values": [{"option_display_name": "Format", "label": "Hardback"}]}]
    create(v3, book(1, sku="", variants=variants))

    as_product = v3.post("/catalog/products", json=book(2, sku="abc-hb"))
    other = create(v3, book(3))
    as_variant_update = v3.put(
        f"/catalog/products/{other['id']}/variants/{other['base_variant_id']}", json={"sku": "Abc-Hb"}
    )

    assert as_product.status_code == 409 and "sku" in as_product.json()["errors"]
    assert as_variant_update.status_code == 409
    owner = server.state.find_variant_by_sku("abc-hb")
    assert owner is not None and owner["product_id"] != other["id"]


def test_duplicate_custom_url_is_409_on_create_even_when_derived_from_the_name(v3: httpx.Client) -> None:
    create(v3, book(1, name="Wolf Hall!"))

    response = v3.post("/catalog/products", json=book(2, name="Wolf Hall?"))  # both derive /wolf-hall/

    assert response.status_code == 409 and "custom_url" in response.json()["errors"]


def test_url_clash_on_put_is_a_207_partial_success(v3: httpx.Client, server: SandboxServer) -> None:
    first = create(v3, book(1))
    second = create(v3, book(2))

    response = v3.put(
        f"/catalog/products/{second['id']}",
        json={"price": 12.5, "custom_url": {"url": first["custom_url"]["url"], "is_customized": True}},
    )

    assert response.status_code == 207
    body = response.json()
    assert body["data"]["price"] == 12.5  # the main write succeeded
    assert body["errors"]["status"] == 207 and body["errors"]["errors"]
    assert server.state.products[second["id"]]["custom_url"]["url"] == "/book-2/"


# -- batch update and delete -------------------------------------------------------------------------
def test_batch_put_over_ten_products_is_413(v3: httpx.Client, server: SandboxServer) -> None:
    ids = [create(v3, book(n))["id"] for n in range(1, 12)]

    too_many = v3.put("/catalog/products", json=[{"id": i, "price": 1.0} for i in ids])
    ten = v3.put("/catalog/products", json=[{"id": i, "price": 2.0} for i in ids[:10]])

    assert too_many.status_code == 413
    assert too_many.json()["title"].endswith("The maximum items allowed in the array is 10.")
    assert ten.status_code == 200 and [p["price"] for p in ten.json()["data"]] == [2.0] * 10
    assert server.state.products[ids[10]]["price"] == 9.99


def test_batch_put_needs_ids_and_is_all_or_nothing_on_conflict(v3: httpx.Client, server: SandboxServer) -> None:
    first, second = create(v3, book(1)), create(v3, book(2))

    without_id = v3.put("/catalog/products", json=[{"price": 1.0}])
    clash = v3.put(
        "/catalog/products", json=[{"id": first["id"], "price": 5.0}, {"id": second["id"], "name": "Book 1"}]
    )

    assert without_id.status_code == 422
    assert clash.status_code == 409
    assert server.state.products[first["id"]]["price"] == 9.99


def test_batch_delete_needs_a_filter(v3: httpx.Client, server: SandboxServer) -> None:
    first, second = create(v3, book(1)), create(v3, book(2))

    unfiltered = v3.delete("/catalog/products")
    filtered = v3.delete("/catalog/products", params={"id:in": str(first["id"])})

    assert unfiltered.status_code == 422
    assert filtered.status_code == 204 and filtered.content == b""
    assert list(server.state.products) == [second["id"]]
    assert server.state.find_variant_by_sku(first["sku"]) is None


def test_date_modified_moves_on_update_and_date_created_does_not(v3: httpx.Client, clock: WallClock) -> None:
    product = create(v3, book(1))
    clock.advance(minutes=5)

    updated = v3.put(f"/catalog/products/{product['id']}", json={"price": 11.0}).json()["data"]

    assert updated["date_created"] == "2026-05-01T12:00:00+00:00"
    assert updated["date_modified"] == "2026-05-01T12:05:00+00:00"


# -- listing, filters and pagination ----------------------------------------------------------------------
def test_pages_hold_at_most_250_with_bigcommerce_pagination_meta(v3: httpx.Client) -> None:
    for n in range(1, 262):
        create(v3, book(n, sku=f"SKU-{n}"))

    first = v3.get("/catalog/products", params={"limit": 250}).json()
    second = v3.get("/catalog/products", params={"limit": 250, "page": 2}).json()
    default = v3.get("/catalog/products").json()
    too_big = v3.get("/catalog/products", params={"limit": 251})

    assert first["meta"]["pagination"] == {
        "total": 261,
        "count": 250,
        "per_page": 250,
        "current_page": 1,
        "total_pages": 2,
        "links": {"current": "?page=1&limit=250", "next": "?page=2&limit=250"},
    }
    assert second["meta"]["pagination"]["count"] == 11
    assert second["meta"]["pagination"]["links"]["previous"] == "?page=1&limit=250"
    assert {p["id"] for p in first["data"]}.isdisjoint(p["id"] for p in second["data"])
    assert len(default["data"]) == 50  # default limit
    assert too_big.status_code == 413


def test_list_filters(v3: httpx.Client, clock: WallClock) -> None:
    early = create(v3, book(1, is_visible=False))
    clock.advance(hours=1)
    late = create(v3, book(2))
    v3.put("/catalog/products/channel-assignments", json=[{"product_id": late["id"], "channel_id": 2}])

    def ids(**params: str) -> list[int]:
        response = v3.get("/catalog/products", params=params)
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()["data"]]

    assert ids(sku="9780000000002") == [late["id"]]
    assert ids(**{"sku:in": "9780000000001,9780000000002"}) == [early["id"], late["id"]]
    assert ids(**{"id:in": str(early["id"])}) == [early["id"]]
    assert ids(name="Book 2") == [late["id"]]
    assert ids(is_visible="false") == [early["id"]]
    assert ids(**{"channel_id:in": "2"}) == [late["id"]]
    assert ids(**{"date_modified:min": "2026-05-01T12:30:00+00:00"}) == [late["id"]]
    # A bare date gets the request's current time added (docs PR #766): "today" matches nothing yet.
    assert ids(**{"date_modified:min": "2026-05-01"}) == [late["id"]]
    clock.advance(hours=1)
    assert ids(**{"date_modified:min": "2026-05-01"}) == []


def test_include_adds_sub_resources(v3: httpx.Client) -> None:
    product = create(
        v3,
        book(
            1,
            custom_fields=[{"name": "ISBN", "value": "9780000000001"}],
            images=[{"image_url": "https://img.example.com/cover.jpg"}],
        ),
    )
    v3.put("/catalog/products/channel-assignments", json=[{"product_id": product["id"], "channel_id": 1}])

    plain = v3.get(f"/catalog/products/{product['id']}").json()["data"]
    full = v3.get("/catalog/products", params={"include": "variants,images,custom_fields,channels"}).json()["data"][0]

    assert not {"variants", "images", "custom_fields", "channels"} & plain.keys()
    assert [v["sku"] for v in full["variants"]] == ["9780000000001"]
    assert full["images"][0]["is_thumbnail"] is True and full["images"][0]["url_standard"].startswith("https://")
    assert [(f["name"], f["value"]) for f in full["custom_fields"]] == [("ISBN", "9780000000001")]
    assert full["channels"] == [1]


def test_including_options_limits_pages_to_ten(v3: httpx.Client) -> None:
    for n in range(1, 13):
        create(v3, book(n))

    with_options = v3.get("/catalog/products", params={"include": "options", "limit": 50}).json()
    without = v3.get("/catalog/products", params={"include": "variants", "limit": 50}).json()

    assert len(with_options["data"]) == 10 and with_options["meta"]["pagination"]["total_pages"] == 2
    assert len(without["data"]) == 12


def test_product_put_updates_its_variants_by_id(v3: httpx.Client, server: SandboxServer) -> None:
    product, other = create(v3, book(1)), create(v3, book(2))
    base = product["base_variant_id"]

    updated = v3.put(f"/catalog/products/{product['id']}", json={"variants": [{"id": base, "price": 4.5}]})
    foreign = v3.put(
        f"/catalog/products/{product['id']}", json={"variants": [{"id": other["base_variant_id"], "price": 1.0}]}
    )

    assert updated.status_code == 200 and server.state.variants[base]["calculated_price"] == 4.5
    assert foreign.status_code == 422 and server.state.variants[other["base_variant_id"]]["price"] is None


# -- variants, options, images, custom fields, metafields -------------------------------------------------
def test_variant_sku_filter_is_separate_from_product_sku(v3: httpx.Client) -> None:
    variants = [{"sku": "FMT-PB", "option_values": [{"option_display_name": "Format", "label": "Paperback"}]}]
    product = create(v3, book(1, sku="PARENT", variants=variants))

    by_product_filter = v3.get("/catalog/products", params={"sku": "FMT-PB"}).json()["data"]
    by_variant_filter = v3.get("/catalog/variants", params={"sku": "fmt-pb"}).json()["data"]

    assert product["base_variant_id"] is None  # products with options have no base variant
    assert by_product_filter == []
    assert [v["product_id"] for v in by_variant_filter] == [product["id"]]


def test_adding_an_option_variant_replaces_the_base_variant(v3: httpx.Client, server: SandboxServer) -> None:
    product = create(v3, book(1))
    option = v3.post(
        f"/catalog/products/{product['id']}/options",
        json={
            "display_name": "Format",
            "type": "rectangles",
            "option_values": [{"label": "Hardback"}, {"label": "Paperback"}],
        },
    ).json()["data"]
    value = option["option_values"][1]

    response = v3.post(
        f"/catalog/products/{product['id']}/variants",
        json={"sku": "PB-1", "price": 7.99, "option_values": [{"id": value["id"], "option_id": option["id"]}]},
    )

    assert response.status_code == 200, response.text
    assert server.state.products[product["id"]]["base_variant_id"] is None
    assert [v["sku"] for v in server.state.product_variants(product["id"])] == ["PB-1"]
    assert response.json()["data"]["option_values"][0]["label"] == "Paperback"
    without_values = v3.post(f"/catalog/products/{product['id']}/variants", json={"sku": "PB-2"})
    assert without_values.status_code == 422


def test_batch_variant_put_updates_and_creates_and_caps_at_50(v3: httpx.Client, server: SandboxServer) -> None:
    product = create(v3, book(1))
    option = v3.post(
        f"/catalog/products/{product['id']}/options",
        json={"display_name": "Format", "type": "dropdown", "option_values": [{"label": "Audio"}]},
    ).json()["data"]
    ref = {"id": option["option_values"][0]["id"], "option_id": option["id"]}

    response = v3.put(
        "/catalog/variants",
        json=[
            {"id": product["base_variant_id"], "purchasing_disabled": True},
            {"product_id": product["id"], "sku": "AUDIO-1", "option_values": [ref]},
        ],
    )
    too_many = v3.put("/catalog/variants", json=[{"id": product["base_variant_id"]}] * 51)

    assert response.status_code == 200, response.text
    assert [v["sku"] for v in response.json()["data"]] == ["9780000000001", "AUDIO-1"]
    assert server.state.find_variant_by_sku("AUDIO-1") is not None
    assert too_many.status_code == 413


def test_images_custom_fields_and_metafields(v3: httpx.Client) -> None:
    pid = create(v3, book(1))["id"]

    image = v3.post(f"/catalog/products/{pid}/images", json={"image_url": "https://img.example.com/a.jpg"})
    bad_image = v3.post(f"/catalog/products/{pid}/images", json={"image_url": "not a url"})
    field = v3.post(f"/catalog/products/{pid}/custom-fields", json={"name": "Pages", "value": "320"})
    same_field = v3.post(f"/catalog/products/{pid}/custom-fields", json={"name": "Pages", "value": "320"})
    meta = {"permission_set": "app_only", "namespace": "pms", "key": "work_id", "value": "W-1"}
    metafield = v3.post(f"/catalog/products/{pid}/metafields", json=meta)
    same_key = v3.post(f"/catalog/products/{pid}/metafields", json=meta)
    bad_namespace = v3.post(f"/catalog/products/{pid}/metafields", json={**meta, "namespace": "n" * 65})

    assert image.status_code == 200 and image.json()["data"]["is_thumbnail"] is True
    assert bad_image.status_code == 422
    assert field.status_code == 200 and same_field.status_code == 409
    assert metafield.status_code == 200 and same_key.status_code == 409 and bad_namespace.status_code == 422
    field_id = field.json()["data"]["id"]
    assert v3.put(f"/catalog/products/{pid}/custom-fields/{field_id}", json={"value": "321"}).status_code == 200
    assert [f["value"] for f in v3.get(f"/catalog/products/{pid}/custom-fields").json()["data"]] == ["321"]
    assert v3.delete(f"/catalog/products/{pid}/images/{image.json()['data']['id']}").status_code == 204
    assert v3.get(f"/catalog/products/{pid}/images").json()["data"] == []
    assert v3.get("/catalog/products/999/images").status_code == 404


# -- channels and price lists ------------------------------------------------------------------------
def test_channels_and_assignments(v3: httpx.Client, server: SandboxServer) -> None:
    pid = create(v3, book(1))["id"]

    channels = v3.get("/channels").json()["data"]
    assigned = v3.put(
        "/catalog/products/channel-assignments",
        json=[{"product_id": pid, "channel_id": 1}, {"product_id": pid, "channel_id": 2}],
    )
    unknown = v3.put("/catalog/products/channel-assignments", json=[{"product_id": pid, "channel_id": 9}])
    wrong_verb = v3.post("/catalog/products/channel-assignments", json=[{"product_id": pid, "channel_id": 1}])
    listed = v3.get("/catalog/products/channel-assignments", params={"product_id:in": str(pid)}).json()["data"]
    unfiltered_delete = v3.delete("/catalog/products/channel-assignments")
    removed = v3.delete(
        "/catalog/products/channel-assignments", params={"product_id:in": str(pid), "channel_id:in": "2"}
    )

    assert [(c["id"], c["name"]) for c in channels] == [(1, "Default storefront"), (2, "UK storefront")]
    assert assigned.status_code == 204 and unknown.status_code == 422 and wrong_verb.status_code == 405
    assert listed == [{"product_id": pid, "channel_id": 1}, {"product_id": pid, "channel_id": 2}]
    assert unfiltered_delete.status_code == 422 and removed.status_code == 204
    assert server.state.product_channels(pid) == [1]


def test_price_lists_records_and_assignments(v3: httpx.Client, server: SandboxServer) -> None:
    product = create(v3, book(1))
    price_list = v3.post("/pricelists", json={"name": "UK launch"}).json()["data"]
    lid = price_list["id"]

    duplicate = v3.post("/pricelists", json={"name": "UK launch"})
    first = v3.put(f"/pricelists/{lid}/records", json=[{"sku": product["sku"], "currency": "GBP", "price": 8.0}])
    second = v3.put(
        f"/pricelists/{lid}/records", json=[{"variant_id": product["base_variant_id"], "currency": "gbp", "price": 7.5}]
    )
    unknown = v3.put(f"/pricelists/{lid}/records", json=[{"sku": "NOPE", "currency": "GBP", "price": 1.0}])
    records = v3.get(f"/pricelists/{lid}/records").json()["data"]
    too_many = v3.put(
        f"/pricelists/{lid}/records", json=[{"sku": product["sku"], "currency": "GBP", "price": 1.0}] * 1001
    )
    at_limit = v3.put(
        f"/pricelists/{lid}/records", json=[{"sku": product["sku"], "currency": "GBP", "price": 6.0}] * 1000
    )
    assignment = v3.post("/pricelists/assignments", json=[{"price_list_id": lid, "channel_id": 2}])
    too_many_assignments = v3.post("/pricelists/assignments", json=[{"price_list_id": lid, "channel_id": 1}] * 26)

    assert price_list["active"] is True and duplicate.status_code == 409
    assert first.status_code == second.status_code == 200 and unknown.status_code == 422
    assert [(r["variant_id"], r["currency"], r["price"]) for r in records] == [
        (product["base_variant_id"], "gbp", 7.5)
    ]  # upserted, keyed by variant and currency
    assert too_many.status_code == 413 and at_limit.status_code == 200
    assert assignment.status_code == 200 and too_many_assignments.status_code == 413
    assert v3.get("/pricelists/assignments", params={"channel_id": "2"}).json()["data"][0]["price_list_id"] == lid
    assert v3.delete(f"/pricelists/{lid}/records", params={"sku:in": product["sku"]}).status_code == 204
    assert server.state.price_records == {}


# -- orders v2 ---------------------------------------------------------------------------------------
def test_orders_empty_is_204_with_no_body(v2: httpx.Client) -> None:
    response = v2.get("/orders", params={"min_date_modified": "2026-01-01T00:00:00+00:00"})

    assert response.status_code == 204 and response.content == b""


def test_orders_incremental_pull(v3: httpx.Client, v2: httpx.Client, server: SandboxServer, clock: WallClock) -> None:
    product = create(v3, book(1))
    old = server.state.add_order([{"sku": product["sku"], "quantity": 2}])
    clock.advance(hours=1)
    new = server.state.add_order([{"sku": product["sku"], "quantity": 1, "price": 5}], channel_id=2)
    clock.advance(hours=1)
    server.state.cancel_order(old["id"])

    watermark = "Fri, 01 May 2026 12:30:00 +0000"  # RFC-2822 is accepted as well as ISO-8601
    changed = v2.get("/orders", params={"min_date_modified": watermark, "sort": "date_modified:asc", "limit": 250})
    by_channel = v2.get("/orders", params={"channel_id": 2}).json()
    lines = v2.get(f"/orders/{old['id']}/products").json()
    too_big = v2.get("/orders", params={"limit": 251})

    assert [(o["id"], o["status_id"]) for o in changed.json()] == [(new["id"], 11), (old["id"], 5)]
    assert changed.json()[1]["date_modified"] == "Fri, 01 May 2026 14:00:00 +0000"
    assert [o["id"] for o in by_channel] == [new["id"]]
    assert [(li["sku"], li["quantity"], li["product_id"], li["variant_id"]) for li in lines] == [
        (product["sku"], 2, product["id"], product["base_variant_id"])
    ]
    assert too_big.status_code == 413 and too_big.json()[0]["status"] == 413  # v2 error list
    assert v2.get("/orders/99999").status_code == 404


def test_refund_updates_order_and_lines(v2: httpx.Client, server: SandboxServer) -> None:
    order = server.state.add_order([{"sku": "UNKNOWN", "quantity": 1, "price": "4.50"}])

    server.state.refund_order(order["id"])
    fetched = v2.get(f"/orders/{order['id']}").json()
    lines = v2.get(f"/orders/{order['id']}/products").json()

    assert (fetched["status_id"], fetched["status"]) == (4, "Refunded")
    assert fetched["total_inc_tax"] == "4.5000"
    assert lines[0]["is_refunded"] is True and lines[0]["product_id"] == 0


# -- webhooks ------------------------------------------------------------------------------------------
def test_webhooks_crud(v3: httpx.Client) -> None:
    body = {"scope": "store/order/created", "destination": "https://hooks.example.com/bc", "is_active": True}

    created = v3.post("/hooks", json=body)
    duplicate = v3.post("/hooks", json=body)
    plain_http = v3.post("/hooks", json={**body, "destination": "http://hooks.example.com/bc"})
    missing_scope = v3.post("/hooks", json={"destination": body["destination"]})
    hook_id = created.json()["data"]["id"]
    updated = v3.put(f"/hooks/{hook_id}", json={"is_active": False})
    deleted = v3.delete(f"/hooks/{hook_id}")

    assert created.status_code == 200 and created.json()["data"]["scope"] == "store/order/created"
    assert duplicate.status_code == 409 and plain_http.status_code == 422 and missing_scope.status_code == 422
    assert updated.json()["data"]["is_active"] is False
    assert deleted.status_code == 200 and v3.get("/hooks").json()["data"] == []
    assert v3.get(f"/hooks/{hook_id}").status_code == 404
