"""A faithful loopback stand-in for the BigCommerce REST API (catalog v3, price lists, channels,
webhooks, orders v2), with BigCommerce's validation rules, rate-limit headers and fault injection.

    config = SandboxConfig(rate_limit=RateLimitConfig(time_scale=0.01), faults=FaultConfig(seed=3))
    with SandboxServer(config) as server:
        httpx.get(f"{server.base_url_v3}/catalog/products", headers=server.auth_headers)
        server.state.find_by_sku("9780000000001")
        server.faults.fail_next(2, "PUT", "/v3/catalog/products", status=503)
        server.state.add_order([{"sku": "9780000000001", "quantity": 1}])
        server.requests.count("PUT", "/v3/catalog/products")

Choices where BigCommerce is silent or a test needs a knob:
* Per request: unknown store hash → 404; bad `X-Auth-Token` → 401 (spends no quota); quota
  spent → 429 with `X-Retry-After`; then a scheduled or seeded fault; then the route.
* `time_scale` shrinks the 30 s window in real time and every `X-Rate-Limit-*-Ms` header reports
  real (scaled) ms; `X-Retry-After` is whole seconds at scale 1, else fractional ("0.300").
* Fault `partial_207` (batch PUTs only) applies the main write and fails the first item's
  `custom_url`/`inventory_level` sub-part; `drop` aborts the TCP connection without a response.
* Products are on no channel until assigned (`SandboxConfig.auto_assign_channel` changes that).
* Custom field name/value: 1–250 characters (the spec's limit; Platform Limits says 255).
* Webhooks are stored, never delivered.
"""

from __future__ import annotations

from .app import Sandbox, create_app
from .config import ChannelSeed, FaultConfig, RateLimitConfig, SandboxConfig
from .errors import ApiError
from .faults import Fault, FaultInjector
from .recording import RecordedRequest, RequestLog
from .server import SandboxServer
from .state import SandboxState

__all__ = [
    "ApiError",
    "ChannelSeed",
    "Fault",
    "FaultConfig",
    "FaultInjector",
    "RateLimitConfig",
    "RecordedRequest",
    "RequestLog",
    "Sandbox",
    "SandboxConfig",
    "SandboxServer",
    "SandboxState",
    "create_app",
]
