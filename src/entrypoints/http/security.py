"""Secrets by reference, the admin bearer token, and the dashboard's session cookie and CSRF tokens.

The admin token guards `/api/` (`Authorization: Bearer ...`) and the dashboard. The dashboard cannot send a
header from a plain link, so its login form takes the token once and sets a cookie holding a random session
token and an HMAC of it keyed with a key derived from the admin token: HttpOnly (no script reads it),
SameSite=Strict (no other site sends it), Secure behind HTTPS. The session itself is stored server-side
(protection.py), so signing out ends it; changing the admin token logs every session out. Each POST form
carries a CSRF token, an HMAC of the session cookie, checked in constant time. Secret values never appear in a
response or a log.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from bookbridge.entrypoints.http.signatures import SigningKey
from bookbridge.entrypoints.settings import ConfigurationError, HttpSettings
from bookbridge.plugin import variable_value

SESSION_COOKIE = "bookbridge_session"
SESSION_SECONDS = 12 * 3600


def read_secret(what: str, env: str | None, file: Path | None) -> str | None:
    """A secret from the environment variable or the file named in the settings; None when neither is named."""
    if env:
        try:
            return variable_value(f"{what}_env", env)
        except ValueError as exc:  # unset: said as every adapter's `*_env` option is
            raise ConfigurationError(f"[http] {exc}") from None
    if file is not None:
        try:
            value = file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigurationError(f"[http] {what}_file: cannot read {str(file)!r} "
                                     f"({exc.strerror or type(exc).__name__})") from None
        if not value:
            raise ConfigurationError(f"[http] {what}_file: {str(file)!r} is empty")
        return value
    return None


SECRETS = ("admin_token", "webhook_secret", "webhook_custom_header")  # [http] keys `*_env` / `*_file` name


def secret_problems(settings: HttpSettings) -> list[str]:
    """Every [http] secret that cannot be read, each naming its key (none: the app can start). `bookbridge serve`
    says these before anything starts, and `bookbridge check` with the rest of the configuration."""
    problems = []
    for what in SECRETS:
        try:
            value = read_secret(what, getattr(settings, f"{what}_env"), getattr(settings, f"{what}_file"))
            if what == "webhook_secret" and value is not None:
                signing_key(value, settings)
        except ConfigurationError as exc:
            problems.append(str(exc))
    return problems


def signing_key(secret: str, settings: HttpSettings) -> SigningKey:
    """The key of the webhook secret that `settings` named; a secret that is not one is said as the key that
    supplied it and what that key names (`[http] webhook_secret_env (the variable 'WH_SECRET'): ...`)."""
    try:
        return SigningKey.from_secret(secret)
    except ValueError as exc:
        source = (f"webhook_secret_env (the variable {settings.webhook_secret_env!r})" if settings.webhook_secret_env
                  else f"webhook_secret_file (the file {str(settings.webhook_secret_file)!r})")
        raise ConfigurationError(f"[http] {source}: {exc}") from None


@dataclass(frozen=True)
class HttpSecrets:
    admin_token: str | None = field(default=None, repr=False)
    webhook_key: SigningKey | None = field(default=None, repr=False)
    webhook_secret: str | None = field(default=None, repr=False)  # as configured, so that logs can mask it
    custom_header: str | None = None  # its name; the value is below
    custom_header_value: str | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: HttpSettings) -> HttpSecrets:
        secret = read_secret("webhook_secret", settings.webhook_secret_env, settings.webhook_secret_file)
        key = signing_key(secret, settings) if secret is not None else None
        return cls(
            admin_token=read_secret("admin_token", settings.admin_token_env, settings.admin_token_file),
            webhook_key=key,
            webhook_secret=secret,
            custom_header=settings.webhook_custom_header.lower() if settings.webhook_custom_header else None,
            custom_header_value=read_secret("webhook_custom_header", settings.webhook_custom_header_env,
                                            settings.webhook_custom_header_file),
        )

    def admin_matches(self, presented: str | None) -> bool:
        if not self.admin_token or presented is None:
            return False
        return hmac.compare_digest(presented.encode("utf-8", "replace"), self.admin_token.encode("utf-8"))

    def _key(self, purpose: str) -> bytes:
        assert self.admin_token is not None
        return hmac.new(self.admin_token.encode("utf-8"), f"bookbridge {purpose}".encode(), hashlib.sha256).digest()

    def new_session(self) -> str:
        """A new session cookie: a random token and its HMAC. It is valid once stored (protection.py)."""
        token = secrets.token_urlsafe(32)
        return f"{token}.{self._mac('session', token)}"

    def session_signed(self, cookie: str | None) -> bool:
        """True when `cookie` was made by `new_session` under the current admin token (whether or not its
        session is still open: the session store says that)."""
        if not self.admin_token or not cookie or "." not in cookie or len(cookie) > 200:
            return False
        token, _, mac = cookie.partition(".")
        return hmac.compare_digest(mac.encode("utf-8", "replace"), self._mac("session", token).encode())

    def csrf_token(self, session: str) -> str:
        return self._mac("csrf", session)

    def csrf_valid(self, session: str, presented: str | None) -> bool:
        return bool(presented) and hmac.compare_digest((presented or "").encode("utf-8", "replace"),
                                                       self.csrf_token(session).encode())

    def _mac(self, purpose: str, value: str) -> str:
        return hmac.new(self._key(purpose), value.encode("utf-8"), hashlib.sha256).hexdigest()
