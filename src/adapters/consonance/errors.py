"""What can go wrong talking to Consonance, as typed exceptions.

No message here ever includes the API key: it is not passed to any of these classes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bookbridge.domain.ports import SourceUnreadable
from bookbridge.domain.words import plural


class ConsonanceError(SourceUnreadable):
    """Base class: Consonance could not give us what we asked for."""


class ConsonanceAuthError(ConsonanceError):
    """401/403: the API key is missing, wrong or revoked. Retrying will not help."""

    def __init__(self, status: int) -> None:
        super().__init__("Consonance rejected the API key")
        self.status = status


class ConsonanceQueryError(ConsonanceError):
    """GraphQL `errors` in a 200 response: the query does not fit the tenant's schema, or a resolver failed.

    Not retried. The message names the first error and its path; `errors` holds them all.
    """

    def __init__(self, errors: Sequence[Mapping[str, Any]], operation: str | None = None) -> None:
        self.errors = [dict(e) for e in errors]
        self.operation = operation
        first = self.errors[0] if self.errors else {}
        self.message = str(first.get("message", "unknown error"))
        self.path = [str(p) for p in first.get("path") or []]
        where = f" at {'.'.join(self.path)}" if self.path else ""
        more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        label = f" in {operation}" if operation else ""
        super().__init__(f"Consonance GraphQL error{label}{where}: {self.message}{more}")


class ConsonanceUnavailable(ConsonanceError):
    """Consonance kept answering 429/5xx, timing out or refusing connections past the retry bound."""

    transient = True

    def __init__(self, attempts: int, last_problem: str) -> None:
        super().__init__(f"Consonance unavailable after {plural(attempts, 'attempt')}: {last_problem}")
        self.attempts = attempts
        self.last_problem = last_problem


class ConsonanceProtocolError(ConsonanceError):
    """An answer we cannot use: an unexpected status, a non-JSON body, or paging that does not advance."""
