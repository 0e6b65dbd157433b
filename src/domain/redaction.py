"""Secret redaction, in one place: every configured secret is masked before an error's text is kept or shown.

The rule is pure: a `Redactor` holds the secret values it was given (the composition root gives it every
configured secret: API keys, tokens, webhook secrets, URLs with passwords, and the password inside them) and
masks them, and values written as `token=...`, `"api_key": "..."` or `Bearer ...`, wherever they appear. The
unit of work applies it to exception messages (and so to the outbox, the API, the pages and the CLI, which all
read them from there), the run log's errors, and the logs. It lives in the domain so that adapters may
apply it too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# `name=value`, `name: value`, `"name": "value"` for secret-looking names; and HTTP bearer credentials.
_ASSIGNED = re.compile(
    r"""(?P<name>["']?[\w-]*(?:token|secret|passw(?:or)?d|api[_-]?key|_key|authorization)["']?)"""
    r"""(?P<sep>\s*[:=]\s*)(?P<quote>["']?)(?P<value>(?:Bearer\s+)?[^\s"',;&}]+)""",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(Bearer\s+)[^\s\"',;]+", re.IGNORECASE)
MASK = "***"
MIN_SECRET = 6  # shorter values ("1", "true") would mask ordinary words


class Redactor:
    """The secrets to mask, by value; longest first so that a secret containing another is masked whole."""

    def __init__(self, values: Iterable[str | None] = ()) -> None:
        self._values: set[str] = set()
        for value in values:
            self.add(value)

    def add(self, value: str | None) -> None:
        """A secret, as it may appear (the caller adds its other forms: URL-quoted, a URL's password...)."""
        if value and len(value.strip()) >= MIN_SECRET:
            self._values.add(value.strip())

    def __call__(self, text: str) -> str:
        return self.mask(text)

    def mask(self, text: str) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            text = text.replace(value, MASK)
        text = _ASSIGNED.sub(lambda m: f"{m['name']}{m['sep']}{m['quote']}{MASK}", text)
        return _BEARER.sub(rf"\g<1>{MASK}", text)

    def mask_optional(self, text: str | None) -> str | None:
        return None if text is None else self.mask(text)


NO_SECRETS = Redactor()
