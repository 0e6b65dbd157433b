"""BigCommerce error responses, raised as `ApiError` by handlers and rendered by the app."""

from __future__ import annotations

from typing import Any

# Every v3 error body carries this `type` (BigCommerce's Catalog API spec: errorResponse).
ERROR_TYPE = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"


class ApiError(Exception):
    """An HTTP error the sandbox answers with, in BigCommerce's body shape."""

    def __init__(self, status: int, title: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {title}")
        self.status = status
        self.title = title
        self.errors = dict(errors or {})

    def v3_body(self, instance: str = "") -> dict[str, Any]:
        if self.status == 404:
            # 404 = {status, title, type, instance} (errorResponse_404).
            return {"status": 404, "title": self.title, "type": ERROR_TYPE, "instance": instance}
        # 409/413/422 = {status, title, type, errors{}} (errorResponse_409 / _422).
        return {"status": self.status, "title": self.title, "type": ERROR_TYPE, "errors": self.errors}

    def v2_body(self) -> list[dict[str, Any]]:
        # v2 answers errors as a list of {status, message} (bigcommerce-api-python#59).
        body: dict[str, Any] = {"status": self.status, "message": self.title}
        if self.errors:
            body["details"] = self.errors
        return [body]


def unprocessable(errors: dict[str, str], title: str = "JSON data is missing or invalid") -> ApiError:
    return ApiError(422, title, errors)


def missing_required(errors: dict[str, str]) -> ApiError:
    # Real example: "Missing Required Fields" with "Please provide a name." (BigCommerce's API error guide).
    return ApiError(422, "Missing Required Fields", errors)


def conflict(field: str, message: str) -> ApiError:
    return ApiError(409, message, {field: message})


def not_found(what: str) -> ApiError:
    return ApiError(404, f"The requested {what} was not found.")


def too_many_items(limit: int) -> ApiError:
    # Exact wording from the batch limit docs (https://github.com/bigcommerce/dev-docs/pull/41).
    return ApiError(413, f"The request payload is too large. The maximum items allowed in the array is {limit}.")


def limit_too_large(limit: int) -> ApiError:
    # `limit` above the maximum returns 413 (BigCommerce's API status codes).
    return ApiError(413, f"The limit is too large. The maximum limit is {limit}.", {"max_limit": str(limit)})
