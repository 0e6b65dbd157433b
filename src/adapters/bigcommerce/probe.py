"""Can bookbridge use this store? A few read-only calls, each turned into a finding a person can act on.

Reads only: a write scope cannot be proven without writing, so each finding names the scope a sync needs
(the store-level API account's scopes are fixed when it is created, per BigCommerce's API accounts guide).
One attempt per call: a check should answer at once, not back off for a minute on an unreachable host.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from bookbridge.adapters.bigcommerce.client import BigCommerceClient, BigCommerceConfig
from bookbridge.adapters.bigcommerce.errors import (
    ORDER_SCOPES,
    BigCommerceCredentialsRefused,
    BigCommerceError,
    BigCommerceRejected,
    BigCommerceTransientError,
    api_request,
)
from bookbridge.adapters.transport_words import os_reason
from bookbridge.domain.ports import ProbeFinding, ProbeResult, ProbeStatus, StoreChannel

_DNS_HINTS = ("name or service not known", "nodename nor servname", "getaddrinfo", "temporary failure in name",
              "no address associated", "name resolution")


@dataclass(frozen=True)
class _Call:
    path: str
    params: dict[str, Any]
    scopes: tuple[str, ...]  # the scopes a sync needs for this resource, as the control panel names them
    why: str
    api: Literal["v2", "v3"] = "v3"


# In the order a sync uses them. Scopes: the "OAuth scopes" table of each BigCommerce API spec.
CALLS = (
    _Call("channels", {"limit": 250}, ("Channel Settings: read-only",), "to map storefronts to channels"),
    _Call("catalog/products", {"limit": 1}, ("Products: modify",), "to create, update and hide products"),
    _Call("catalog/products/channel-assignments", {"limit": 1}, ("Products: modify", "Channel Listings: modify"),
          "to list products on each storefront's channel"),
    _Call("pricelists", {"limit": 1}, ("Products: modify",), "for prices in currencies other than the store's"),
    _Call("orders", {"limit": 1}, ORDER_SCOPES, "to import orders as sales; not needed with [orders] "
          "enabled = false", api="v2"),
)
ORDERS_CALL = api_request("GET", "v2", "orders")  # its finding, which `check` leaves out when order import is off


def probe_store(config: BigCommerceConfig, *, transport: httpx.BaseTransport | None = None) -> ProbeResult:
    """GET each resource a sync uses; stop at the first answer that says the store or the token is wrong."""
    quick = replace(config, max_attempts=1, max_throttled=3, timeout_s=min(config.timeout_s, 10.0))
    target = f"BigCommerce store hash {config.store_hash}"  # the hash only: `check` puts the store's name first
    host = urlsplit(config.v3_base_url.format(store_hash=config.store_hash)).netloc
    findings: list[ProbeFinding] = []
    channels: tuple[StoreChannel, ...] | None = None
    with BigCommerceClient(quick, transport=transport) as client:
        for call in CALLS:
            label = api_request("GET", call.api, call.path)
            try:
                response = client.request("GET", call.path, api=call.api, params=call.params)
            except BigCommerceError as exc:
                finding = _finding(exc, target, label, call, host, config)
                findings.append(finding)
                if finding.status in (ProbeStatus.BAD_CREDENTIALS, ProbeStatus.NOT_FOUND, ProbeStatus.UNREACHABLE):
                    break  # every other call would fail the same way
                continue
            if call.path == "channels":
                channels = tuple(_channel(c) for c in response.data or [] if isinstance(c, dict))
            findings.append(ProbeFinding(target, label, ProbeStatus.OK, f"answered {response.status}"))
    if findings and all(f.status is ProbeStatus.MISSING_SCOPE for f in findings):
        # 403 on every resource: not one missing scope, but a token that is not allowed anything here.
        fix = (f"check that the access token belongs to an API account of the store with hash "
               f"{config.store_hash!r}, with the "
               f"scopes {', '.join(sorted({scope for c in CALLS for scope in c.scopes}))}")
        findings = [replace(f, status=ProbeStatus.BAD_CREDENTIALS, fix=fix) for f in findings]
    return ProbeResult(findings=tuple(findings), channels=channels)


def _finding(exc: BigCommerceError, target: str, label: str, call: _Call, host: str,
             config: BigCommerceConfig) -> ProbeFinding:
    def make(status: ProbeStatus, message: str, fix: str) -> ProbeFinding:
        return ProbeFinding(target, label, status, message, fix)

    if isinstance(exc, BigCommerceCredentialsRefused):  # a 401 or a 403, in the words a sync says it
        if exc.status == 401:
            return make(ProbeStatus.BAD_CREDENTIALS, exc.reason, exc.fix)
        return make(ProbeStatus.MISSING_SCOPE, exc.reason,
                    f"create a store-level API account with the scope{'s' if len(call.scopes) > 1 else ''} "
                    f"{' and '.join(repr(scope) for scope in call.scopes)} ({call.why}); scopes cannot be "
                    "changed after an account is created")
    if isinstance(exc, BigCommerceRejected):
        if exc.status == 404:
            return make(ProbeStatus.NOT_FOUND, f"404 Not Found: no store with hash {config.store_hash!r}",
                        "check [store] store_hash (the part after /stores/ in the API path of the API account)")
        return make(ProbeStatus.FAILED, str(exc), "see the message; BigCommerce refused a plain read")
    if isinstance(exc, BigCommerceTransientError) and exc.last_status is None:
        cause = exc.__cause__  # the transport's failure; its reason in the operating system's words
        reason = os_reason(cause) if cause is not None else exc.last_reason
        if any(hint in reason.lower() for hint in _DNS_HINTS):
            return make(ProbeStatus.UNREACHABLE, f"cannot resolve {host}: {reason}",
                        "check the host name in [store] v3_base_url, and this machine's DNS")
        if isinstance(cause, httpx.TimeoutException):
            return make(ProbeStatus.UNREACHABLE, exc.last_reason,
                        "check the network path (proxy, firewall) to the host")
        return make(ProbeStatus.UNREACHABLE, f"cannot connect to {host}: {reason}",
                    "check [store] v3_base_url and that the host accepts connections from here")
    return make(ProbeStatus.FAILED, str(exc), "BigCommerce is failing or throttling; try again in a few minutes")


def _channel(raw: dict[str, Any]) -> StoreChannel:
    return StoreChannel(id=int(raw["id"]), name=str(raw.get("name") or ""), type=str(raw.get("type") or ""),
                        platform=str(raw.get("platform") or ""), status=str(raw.get("status") or ""))
