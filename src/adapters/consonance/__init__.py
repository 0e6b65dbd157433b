"""Consonance (the publisher's catalogue system) as a source: the raw GraphQL client and its errors.

The stand-in server for tests and the demo is in `bookbridge.adapters.consonance.standin`.
Importing this package starts nothing and opens no connection.
"""

from __future__ import annotations

from bookbridge.adapters.consonance.client import DEFAULT_QUERIES_DIR, ConsonanceClient, load_query
from bookbridge.adapters.consonance.errors import (
    ConsonanceAuthError,
    ConsonanceError,
    ConsonanceProtocolError,
    ConsonanceQueryError,
    ConsonanceUnavailable,
)

__all__ = [
    "DEFAULT_QUERIES_DIR",
    "ConsonanceAuthError",
    "ConsonanceClient",
    "ConsonanceError",
    "ConsonanceProtocolError",
    "ConsonanceQueryError",
    "ConsonanceUnavailable",
    "load_query",
]
