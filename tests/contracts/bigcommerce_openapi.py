"""Validate recorded BigCommerce requests against the official OpenAPI specs (openapi-core).

The specs are read in place from `<repo>/../shared/bigcommerce-openapi/bigcommerce-docs/reference/`
and are never copied into the project (their licence is unconfirmed). When that folder is
absent, `contract_validator()` skips the calling test with a clear reason.

    validator = contract_validator()             # in a test or a fixture
    for request in sandbox.requests:
        assert validator.validate(request) == []

`validate_recorded_request(req)` is the one-shot form. A recorded request is anything with
`method`, `query`, `json` and either `api_path` ("/v3/catalog/products") or a full `path`
("/stores/{hash}/v3/catalog/products"); `bookbridge.adapters.bigcommerce.sandbox.RecordedRequest` fits.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml

from bookbridge.adapters.bigcommerce.sandbox.recording import CLIENT_GONE

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_ROOT = REPO_ROOT.parent / "shared" / "bigcommerce-openapi" / "bigcommerce-docs" / "reference"
# Every spec's servers block: https://api.bigcommerce.com/stores/{store_hash}/v3 (or /v2).
HOST_URL = "https://api.bigcommerce.com"
SPEC_FILES = {
    "v3": (
        "catalog/products_catalog.v3.yml",
        "catalog/product-variants_catalog.v3.yml",
        "catalog/product-variant-options_catalog.v3.yml",
        "catalog/product-modifiers_catalog.v3.yml",
        "catalog/categories_catalog.v3.yml",
        "catalog/category-trees_catalog.v3.yml",
        "catalog/brands_catalog.v3.yml",
        "price_lists.v3.yml",
        "channels.v3.yml",
        "sites.v3.yml",
        "webhooks.v3.yml",
        "inventory.v3.yml",
        "locations.v3.yml",
        "orders.v3.yml",
    ),
    "v2": ("orders.v2.oas2.yml", "customers.v2.yml", "currencies.v2.yml"),
}
API_PATH = re.compile(r"^(?:/stores/(?P<hash>[^/]+))?/(?P<version>v[23])(?P<rest>/.*)$")


class RecordedLike(Protocol):
    method: str
    query: Mapping[str, str]
    json: Any


def specs_available() -> bool:
    return SPEC_ROOT.is_dir()


def skip_reason() -> str:
    return f"BigCommerce OpenAPI specs not found at {SPEC_ROOT} (shared reference folder absent)"


def contract_validator() -> ContractValidator:
    """For tests and fixtures: the shared validator, or `pytest.skip` when the specs are absent."""
    import pytest

    if not specs_available():
        pytest.skip(skip_reason())
    return _validator()


def validate_recorded_request(req: Any) -> list[str]:
    """Errors (empty when valid) for one recorded request; raises if the specs are absent."""
    if not specs_available():
        raise FileNotFoundError(skip_reason())
    return _validator().validate(req)


@functools.cache
def _validator() -> ContractValidator:
    return ContractValidator(SPEC_ROOT)


@dataclass(frozen=True)
class _Request:
    """The request protocol openapi-core validates (`openapi_core.protocols.Request`)."""

    host_url: str
    path: str
    method: str
    parameters: Any
    content_type: str
    body: bytes | None
    full_url_pattern: str | None = None


@dataclass(frozen=True)
class _Response:
    """The response protocol openapi-core validates (`openapi_core.protocols.Response`)."""

    status_code: int
    data: bytes
    content_type: str
    headers: Any


def _request(method: str, version: str, rest: str, query: Mapping[str, str], body: Any, store_hash: str) -> _Request:
    from openapi_core.datatypes import RequestParameters
    from werkzeug.datastructures import Headers, ImmutableMultiDict

    # The recording drops the token; security is not what this contract checks.
    headers = {"X-Auth-Token": "redacted", "Accept": "application/json", "Content-Type": "application/json"}
    return _Request(
        host_url=HOST_URL,
        path=f"/stores/{store_hash}/{version}{rest}",
        method=method.lower(),
        parameters=RequestParameters(
            query=ImmutableMultiDict(list(query.items())),
            header=Headers(headers),
            cookie=ImmutableMultiDict(),
            path={},
        ),
        content_type="application/json",
        body=None if body is None else json.dumps(body).encode(),
    )


class ContractValidator:
    def __init__(self, root: Path) -> None:
        self._root = root

    def validate(self, req: Any) -> list[str]:
        path = getattr(req, "api_path", "") or req.path
        match = API_PATH.match(path)
        if match is None:
            return [f"{req.method} {path}: not a BigCommerce API path (/stores/{{hash}}/v2|v3/...)"]
        version, rest = match["version"], match["rest"]
        spec_file = self._spec_for(version, rest)
        if spec_file is None:
            return [f"{req.method} {path}: no operation in the {version} specs matches this path"]
        return self.validate_parts(
            req.method, version, rest, dict(req.query), req.json, spec_file, store_hash=match["hash"] or "store"
        )

    def validate_parts(
        self,
        method: str,
        version: str,
        rest: str,
        query: Mapping[str, str],
        body: Any,
        spec_file: str,
        store_hash: str = "store",
    ) -> list[str]:
        request = _request(method, version, rest, query, body, store_hash)
        label = f"{method.upper()} /{version}{rest}"
        return [
            f"{label}: {message}" for message in _messages(self._api(spec_file).iter_request_errors(request), method)
        ]

    def response_errors(self, method: str, path: str, query: Mapping[str, str], body: Any, status: int,
                        answer: bytes) -> list[str]:
        """What in the answer to `method path` (status and JSON body) the spec's response schema does not allow:
        for checking that the sandbox answers as BigCommerce does."""
        from werkzeug.datastructures import Headers

        match = API_PATH.match(path)
        spec_file = None if match is None else self._spec_for(match["version"], match["rest"])
        if match is None or spec_file is None:
            return [f"{method} {path}: no operation in the specs matches this path"]
        request = _request(method, match["version"], match["rest"], query, body, match["hash"] or "store")
        response = _Response(status_code=status, data=answer, content_type="application/json",
                             headers=Headers({"Content-Type": "application/json"}))
        return [f"{method.upper()} {path} -> {status}: {error}"
                for error in self._api(spec_file).iter_response_errors(request, response)]

    def _spec_for(self, version: str, rest: str) -> str | None:
        best: tuple[int, str] | None = None
        for spec_file in SPEC_FILES[version]:
            for template in self._paths(spec_file):
                literal = _template_score(template, rest)
                if literal is not None and (best is None or literal > best[0]):
                    best = (literal, spec_file)
        return None if best is None else best[1]

    def _paths(self, spec_file: str) -> list[str]:
        return list(_load_spec(self._root, spec_file).get("paths", {}))

    def _api(self, spec_file: str) -> Any:
        return _load_api(self._root, spec_file)


@functools.cache
def _load_spec(root: Path, spec_file: str) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with (root / spec_file).open(encoding="utf-8") as handle:
        spec: dict[str, Any] = yaml.load(handle, Loader=loader)
    return spec


@functools.cache
def _load_api(root: Path, spec_file: str) -> Any:
    from openapi_core import Config, OpenAPI

    spec = _load_spec(root, spec_file)
    try:
        return OpenAPI.from_dict(spec)
    except Exception:  # a spec quirk the spec validator rejects: still validate requests
        return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


def _template_score(template: str, path: str) -> int | None:
    """Number of literal segments if `path` fits the `/a/{b}/c` template, else None."""
    parts, actual = template.strip("/").split("/"), path.strip("/").split("/")
    if len(parts) != len(actual):
        return None
    score = 0
    for part, value in zip(parts, actual, strict=True):
        if part.startswith("{") and part.endswith("}"):
            continue
        if part != value:
            return None
        score += 1
    return score


def _messages(errors: Iterable[Exception], method: str) -> list[str]:
    messages: list[str] = []
    for error in errors:
        cause = error.__cause__
        if _sort_with_direction(error):
            continue
        schema_errors = list(getattr(cause, "schema_errors", None) or getattr(error, "schema_errors", None) or [])
        if not schema_errors:
            messages.append(f"{error} ({cause})" if cause else str(error))
            continue
        for schema_error in schema_errors:
            if not _known_spec_defect(schema_error, method):
                where = "/".join(str(p) for p in schema_error.absolute_path) or "(root)"
                messages.append(f"{type(error).__name__} at {where}: {schema_error.message}")
    return messages


def _sort_with_direction(error: Exception) -> bool:
    """v2 `sort=date_modified:asc`: BigCommerce's docs allow `:asc|:desc`, the enum omits it."""
    if getattr(error, "name", None) != "sort":
        return False
    schema_errors = getattr(error.__cause__, "schema_errors", None) or []
    return all(
        e.validator == "enum"
        and isinstance(e.instance, str)
        and e.instance.partition(":")[0] in e.validator_value
        and e.instance.partition(":")[2] in ("asc", "desc")
        for e in schema_errors
    ) and bool(schema_errors)


def _known_spec_defect(error: Any, method: str) -> bool:
    """Spec defects the live API does not share; each would reject requests BigCommerce accepts."""
    path = list(error.absolute_path)
    # Batch PUTs need `id` on every item (BigCommerce) though the item schema marks it readOnly.
    if error.validator == "readOnly" and method.upper() == "PUT" and path and path[-1] == "id":
        return True
    # Variants nested in a product create reuse the full variant schema, which requires the
    # server-assigned `id` and `product_id`; the create itself cannot know them.
    if (
        error.validator == "required"
        and method.upper() == "POST"
        and path[:1] == ["variants"]
        and any(f"'{name}' is a required property" == error.message for name in ("id", "product_id"))
    ):
        return True
    # Nullable variant fields are marked `x-nullable` (Swagger 2), which OpenAPI 3 validators ignore.
    schema = error.schema if isinstance(error.schema, dict) else {}
    return bool(error.validator == "type" and error.instance is None and schema.get("x-nullable"))


ADAPTER_USER_AGENT = "bookbridge/"  # BigCommerceConfig.user_agent: what marks the adapter's own requests


def invalid_adapter_requests(requests: Iterable[Any]) -> dict[str, list[str]]:
    """Every distinct request sent by the bookbridge adapter that the official specs reject, with the errors.

    Requests sent by tests themselves (plain httpx, other user agents) are not the adapter's and are skipped:
    some of them are invalid on purpose. So are requests whose client disconnected before their body arrived.
    """
    import json

    seen: set[tuple[str, str, str, str]] = set()
    invalid: dict[str, list[str]] = {}
    for req in requests:
        if not str(req.headers.get("user-agent", "")).startswith(ADAPTER_USER_AGENT):
            continue
        if req.fault == CLIENT_GONE:  # its body never arrived whole (the client timed out): nothing to check
            continue
        key = (req.method, req.path, req.query_string, json.dumps(req.json, sort_keys=True, default=str))
        if key in seen:
            continue
        seen.add(key)
        if errors := validate_recorded_request(req):
            invalid[f"{req.method} {req.api_path}?{req.query_string} {key[3][:200]}"] = errors
    return invalid
