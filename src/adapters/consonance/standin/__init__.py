"""A loopback stand-in for Consonance's GraphQL API, for tests and the demo.

Importing this package starts nothing: build a `ConsonanceData`, then `create_app(...)` for an ASGI
app or `ConsonanceStandinServer(...)` for a running server.
"""

from __future__ import annotations

from bookbridge.adapters.consonance.standin.app import DEFAULT_PAGE_SIZE, RecordedRequest, create_app
from bookbridge.adapters.consonance.standin.dataset import ConsonanceData
from bookbridge.adapters.consonance.standin.faults import Fault, FaultPlan
from bookbridge.adapters.consonance.standin.sample import SAMPLE_CATALOGUE, synthetic_catalogue
from bookbridge.adapters.consonance.standin.schema import LEAN_TENANT
from bookbridge.adapters.consonance.standin.server import ConsonanceStandinServer

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "LEAN_TENANT",
    "SAMPLE_CATALOGUE",
    "ConsonanceData",
    "ConsonanceStandinServer",
    "Fault",
    "FaultPlan",
    "RecordedRequest",
    "create_app",
    "synthetic_catalogue",
]
