"""The sandbox's records: plain dicts in the shape the API returns, so tests compare them with responses."""

from __future__ import annotations

from typing import Any

Record = dict[str, Any]
