"""The OpenAPI contract helper: it accepts what the spec allows and names what it does not;
and everything the sandbox is sent in a typical sync passes the official specs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from bookbridge.adapters.bigcommerce.sandbox import ChannelSeed, SandboxConfig, SandboxServer
from contracts import bigcommerce_openapi
from contracts.bigcommerce_openapi import ContractValidator, contract_validator, validate_recorded_request


@dataclass(frozen=True)
class Sent:
    method: str
    api_path: str
    json: Any = None
    query: dict[str, str] = field(default_factory=dict)
    path: str = ""


@pytest.fixture(scope="module")
def contract() -> ContractValidator:
    return contract_validator()


def test_valid_product_create_passes(contract: ContractValidator) -> None:
    body = {
        "name": "Wolf Hall",
        "type": "physical",
        "weight": 0.6,
        "price": 12.99,
        "sku": "9780007230181",
        "gtin": "9780007230181",
        "custom_fields": [{"name": "ISBN", "value": "9780007230181"}],
    }

    assert contract.validate(Sent("POST", "/v3/catalog/products", body)) == []


def test_bad_field_type_fails_and_names_the_field(contract: ContractValidator) -> None:
    body = {"name": "Wolf Hall", "type": "physical", "weight": "heavy", "price": 12.99}

    errors = contract.validate(Sent("POST", "/v3/catalog/products", body))

    assert len(errors) == 1 and "weight" in errors[0] and "'heavy' is not of type 'number'" in errors[0]


def test_bad_enum_and_bad_query_fail(contract: ContractValidator) -> None:
    bad_enum = contract.validate(
        Sent("POST", "/v3/catalog/products", {"name": "X", "type": "ebook", "weight": 0, "price": 1})
    )
    bad_limit = contract.validate(Sent("GET", "/v3/catalog/products", query={"limit": "lots"}))

    assert bad_enum and "ebook" in bad_enum[0]
    assert bad_limit


def test_full_store_path_and_unknown_paths(contract: ContractValidator) -> None:
    full = Sent("GET", "", query={"include": "variants"}, path="/stores/abc123/v3/catalog/products/12")

    assert contract.validate(full) == []
    assert contract.validate(Sent("GET", "/v3/catalog/nonsense/1/2/3"))[0].endswith("matches this path")
    assert "not a BigCommerce API path" in contract.validate(Sent("GET", "/health"))[0]


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(extra_channels=(ChannelSeed(2, "US"),))) as running:
        yield running


def test_sandbox_traffic_of_a_typical_sync_matches_the_specs(
    contract: ContractValidator, server: SandboxServer
) -> None:
    with httpx.Client(base_url=server.base_url_v3, headers=server.auth_headers) as v3:
        format_option = [{"option_display_name": "Format", "label": "Hardback"}]
        product = v3.post(
            "/catalog/products",
            json={
                "name": "Bring Up the Bodies",
                "type": "physical",
                "weight": 0.5,
                "price": 14.99,
                "sku": "",
                "availability": "preorder",
                "preorder_release_date": "2027-03-01T00:00:00+00:00",
                "variants": [{"sku": "9780007315093", "price": None, "option_values": format_option}],
            },
        ).json()["data"]
        pid = product["id"]
        v3.get(
            "/catalog/products",
            params={"sku:in": "9780007315093", "include": "variants,channels", "limit": 250, "page": 1},
        )
        v3.put("/catalog/products", json=[{"id": pid, "is_visible": True, "availability": "available"}])
        v3.put(
            "/catalog/variants",
            json=[{"id": product["variants"][0]["id"], "purchasing_disabled": False, "sale_price": None}],
        )
        v3.get("/catalog/variants", params={"sku": "9780007315093"})
        v3.post(f"/catalog/products/{pid}/images", json={"image_url": "https://img.example.com/c.jpg"})
        v3.post(f"/catalog/products/{pid}/custom-fields", json={"name": "Pages", "value": "432"})
        v3.put("/catalog/products/channel-assignments", json=[{"product_id": pid, "channel_id": 2}])
        price_list = v3.post("/pricelists", json={"name": "US launch"}).json()["data"]
        v3.put(
            f"/pricelists/{price_list['id']}/records",
            json=[{"sku": "9780007315093", "currency": "USD", "price": 17.99}],
        )
        v3.post("/hooks", json={"scope": "store/order/statusUpdated", "destination": "https://x.example.com/h"})
        v3.delete("/catalog/products", params={"id:in": str(pid)})
    server.state.add_order([{"sku": "9780007315093", "quantity": 1}])
    httpx.get(
        f"{server.base_url_v2}/orders",
        headers=server.auth_headers,
        params={"min_date_modified": "2026-01-01T00:00:00+00:00", "sort": "date_modified:asc", "limit": 250},
    )

    recorded = server.requests.snapshot()
    assert len(recorded) == 13 and all(r.status is not None and r.status < 300 for r in recorded)
    assert {r.api_path: contract.validate(r) for r in recorded if contract.validate(r)} == {}


def test_missing_specs_skip_with_the_reason(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setattr(bigcommerce_openapi, "SPEC_ROOT", tmp_path / "absent")

    with pytest.raises(pytest.skip.Exception, match="BigCommerce OpenAPI specs not found"):
        contract_validator()
    with pytest.raises(FileNotFoundError, match="absent"):
        validate_recorded_request(Sent("GET", "/v3/channels"))


def test_one_shot_function_validates_a_recorded_request() -> None:
    if not bigcommerce_openapi.specs_available():
        pytest.skip(bigcommerce_openapi.skip_reason())

    assert validate_recorded_request(Sent("GET", "/v3/channels")) == []
    assert validate_recorded_request(Sent("POST", "/v3/hooks", {"scope": 5, "destination": "https://x.example"}))


def test_the_session_check_flags_an_invalid_adapter_request_and_ignores_other_clients() -> None:
    from contracts.bigcommerce_openapi import invalid_adapter_requests, specs_available

    if not specs_available():
        pytest.skip("BigCommerce OpenAPI specs not found")
    from bookbridge.adapters.bigcommerce.sandbox import RecordedRequest

    def request(user_agent: str, weight: float) -> RecordedRequest:
        return RecordedRequest(method="POST", path="/stores/abc/v3/catalog/products", api_path="/v3/catalog/products",
                               query={}, query_string="", headers={"user-agent": user_agent},
                               json={"name": "A", "type": "physical", "weight": weight, "price": 1}, status=422)

    over_the_limit = 2e10  # weight: 0-9999999999 in the spec
    assert invalid_adapter_requests([request("bookbridge/0.1", 1.0)]) == {}
    assert invalid_adapter_requests([request("python-httpx/0.27", over_the_limit)]) == {}
    [errors] = invalid_adapter_requests([request("bookbridge/0.1", over_the_limit)] * 3).values()
    assert errors
