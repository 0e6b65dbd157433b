"""A loopback stand-in for Consonance's GraphQL API, for tests and the demo (§1.3).

Importing this package starts nothing: build a `ConsonanceData`, then `create_app(...)` for an ASGI
app or `ConsonanceStandinServer(...)` for a running server.
"""

from __future__ import annotations

from adapters.consonance.standin.app import DEFAULT_PAGE_SIZE, RecordedRequest, create_app
from adapters.consonance.standin.dataset import ConsonanceData
from adapters.consonance.standin.faults import Fault, FaultPlan
from adapters.consonance.standin.sample import SAMPLE_CATALOGUE, synthetic_catalogue
from adapters.consonance.standin.server import ConsonanceStandinServer

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "SAMPLE_CATALOGUE",
    "ConsonanceData",
    "ConsonanceStandinServer",
    "Fault",
    "FaultPlan",
    "RecordedRequest",
    "create_app",
    "synthetic_catalogue",
]
