"""Every request the sandbox receives, recorded so tests can count calls and replay them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Never recorded: the credential (the X-Auth-Token header).
SECRET_HEADERS = frozenset({"x-auth-token"})
# The fault of a request whose client disconnected before its body arrived: the sandbox neither acted on it nor
# answered it (as BigCommerce, which never saw the request whole).
CLIENT_GONE = "client-gone"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # full path, e.g. /stores/abc123/v3/catalog/products
    api_path: str  # path after the store prefix, e.g. /v3/catalog/products
    query: dict[str, str]
    query_string: str
    headers: dict[str, str]  # lower-case names, without X-Auth-Token
    json: Any  # parsed JSON body, or None when absent or not JSON
    status: int | None  # None when the connection was dropped
    fault: str | None = None  # kind of injected fault, if any, or CLIENT_GONE
    # The sandbox's wall clock (`SandboxConfig.now`) when the request arrived and when its answer was sent;
    # None for an answer not sent yet (or a dropped connection).
    received: datetime | None = None
    answered: datetime | None = None

    @property
    def version(self) -> str:
        """`v2` or `v3` (empty for paths outside the API)."""
        parts = self.api_path.split("/")
        return parts[1] if len(parts) > 1 and parts[1] in ("v2", "v3") else ""


class RequestLog:
    """Thread-safe, append-only list of `RecordedRequest` (the server runs in another thread)."""

    def __init__(self) -> None:
        self._items: list[RecordedRequest] = []
        self._generation = 0
        self._lock = threading.Lock()

    def append(self, request: RecordedRequest) -> tuple[int, int]:
        """Record `request` in arrival order; returns a slot for `replace`."""
        with self._lock:
            self._items.append(request)
            return self._generation, len(self._items) - 1

    def replace(self, slot: tuple[int, int], request: RecordedRequest) -> None:
        """Complete an earlier entry (e.g. with the response status) without changing its position."""
        generation, index = slot
        with self._lock:
            if generation == self._generation:  # not cleared in the meantime
                self._items[index] = request

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._generation += 1

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(self.snapshot())

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __getitem__(self, index: int) -> RecordedRequest:
        with self._lock:
            return self._items[index]

    def matching(self, method: str | None = None, path_prefix: str = "") -> list[RecordedRequest]:
        """Requests with this method (any if None) whose `api_path` starts with `path_prefix`."""
        wanted = method.upper() if method else None
        return [
            r for r in self.snapshot() if (wanted is None or r.method == wanted) and r.api_path.startswith(path_prefix)
        ]

    def count(self, method: str | None = None, path_prefix: str = "") -> int:
        return len(self.matching(method, path_prefix))
