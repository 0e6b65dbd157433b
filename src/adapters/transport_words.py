"""A failed HTTP call in the words people read, for every adapter that speaks HTTP through httpx: "could not
connect to https://web.consonance.app/graphql: connection refused", "no answer from https://api.bigcommerce.com
within 30 s". The operator gets the address and the operating system's reason; httpx's class names (ConnectError,
ReadTimeout) are nobody's words, so they are not shown.
"""

from __future__ import annotations

import re

import httpx

_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")  # "[Errno 111] Connection refused": the number says nothing more


def os_reason(exc: BaseException) -> str:
    """The reason the operating system or the peer gave, without its errno: "connection refused", "name or
    service not known"; "" when there is none."""
    text = _ERRNO.sub("", str(exc).strip()).rstrip(".")
    return text[:1].lower() + text[1:]


def transport_failure(exc: httpx.TransportError, where: str, timeout: httpx.Timeout | None = None) -> str:
    """What happened to a call to `where` (an address, never one with a secret in it), in words."""
    def within(seconds: float | None) -> str:
        return f" within {seconds:g} s" if seconds else " in time"

    reason = os_reason(exc)
    because = f": {reason}" if reason else ""
    limits = timeout or httpx.Timeout(None)
    if isinstance(exc, httpx.ConnectTimeout):
        return f"could not connect to {where}{within(limits.connect)}"
    if isinstance(exc, httpx.PoolTimeout):
        return f"no free connection to {where}{within(limits.pool)}"
    if isinstance(exc, httpx.WriteTimeout):
        return f"could not send the request to {where}{within(limits.write)}"
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer from {where}{within(limits.read)}"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect to {where}{because}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{where} broke off the connection{because}"
    if isinstance(exc, httpx.ProxyError):
        return f"the proxy did not pass the request to {where} on{because}"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return f"{where} is not an http:// or https:// address{because}"
    return f"the connection to {where} failed{because}"
