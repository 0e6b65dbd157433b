"""Query-string conventions: `:in` lists, date filters and offset pagination with `meta.pagination`."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any, TypeVar

from .errors import ApiError, limit_too_large, unprocessable

T = TypeVar("T")

# `limit` defaults to 50, maximum 250 (BigCommerce's common query parameters, LimitParam).
DEFAULT_LIMIT = 50
MAX_LIMIT = 250


def int_list(query: Mapping[str, str], name: str) -> list[int] | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise unprocessable({name: f"{name} must be a comma-separated list of integers."}) from None


def str_list(query: Mapping[str, str], name: str) -> list[str] | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    return [part for part in raw.split(",") if part]


def int_param(query: Mapping[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise unprocessable({name: f"{name} must be an integer."}) from None


def bool_param(query: Mapping[str, str], name: str) -> bool | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise unprocessable({name: f"{name} must be true or false."})


def date_param(query: Mapping[str, str], name: str, now: datetime) -> datetime | None:
    """ISO 8601 date or date-time filter value.

    A bare date gets the *current time of the request* added, as BigCommerce does for
    `date_modified:min` (BigCommerce's Catalog API spec; bigcommerce/docs PR #766): "today" matches nothing.
    """
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    try:
        if len(raw) == 10:
            day = datetime.fromisoformat(raw).date()
            current = now.astimezone(UTC).timetz()
            return datetime.combine(day, time(current.hour, current.minute, current.second, tzinfo=UTC))
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise unprocessable({name: f"{name} must be an ISO 8601 date or date-time."}) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True)
class PageRequest:
    page: int
    limit: int


def page_request(query: Mapping[str, str], max_limit: int = MAX_LIMIT, default: int = DEFAULT_LIMIT) -> PageRequest:
    page = int_param(query, "page") or 1
    limit = int_param(query, "limit")
    limit = default if limit is None else limit
    if limit > max_limit:
        raise limit_too_large(max_limit)
    if page < 1 or limit < 1:
        raise unprocessable({"page" if page < 1 else "limit": "must be a positive integer."})
    return PageRequest(page, limit)


def paginate(items: Sequence[T], request: PageRequest, query: Mapping[str, str]) -> tuple[list[T], dict[str, Any]]:
    """Slice one page and build `meta` = {pagination: pagination_Full} (BigCommerce's Catalog API spec)."""
    total = len(items)
    start = (request.page - 1) * request.limit
    chunk = list(items[start : start + request.limit])
    total_pages = max(1, math.ceil(total / request.limit)) if total else 0

    def link(page: int) -> str:
        params = {k: v for k, v in query.items() if k not in ("page", "limit")}
        params.update(page=str(page), limit=str(request.limit))
        return "?" + "&".join(f"{k}={v}" for k, v in params.items())

    links: dict[str, str] = {"current": link(request.page)}
    if request.page > 1:
        links["previous"] = link(request.page - 1)
    if request.page < total_pages:
        links["next"] = link(request.page + 1)
    pagination = {
        "total": total,
        "count": len(chunk),
        "per_page": request.limit,
        "current_page": request.page,
        "total_pages": total_pages,
        "links": links,
    }
    return chunk, {"pagination": pagination}


def select(items: Sequence[T], *checks: Callable[[T], bool]) -> list[T]:
    return [item for item in items if all(check(item) for check in checks)]


def require_filter(query: Mapping[str, str], names: Sequence[str]) -> None:
    """Bulk DELETEs need at least one filter so they cannot wipe a collection by accident."""
    if not any(query.get(name) for name in names):
        raise ApiError(
            422,
            "A filter is required for this request.",
            {"filter": f"Provide at least one of: {', '.join(names)}."},
        )
