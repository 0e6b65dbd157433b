"""The sample catalogue as a CatalogSource plugin (`source = "sample"`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from bookbridge.adapters.hookspecs import AdapterRegistry, hookimpl
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.domain.ports import SourceRead


class SampleCatalogSource:
    """Always returns the whole generated catalogue, anchored on `today`."""

    def __init__(self, today: date, *, families: int = 50, name: str = "sample") -> None:
        self.name = name
        self.today = today
        self.families = families

    def read(self, cursor: str | None = None) -> SourceRead:
        return SourceRead(
            families=tuple(sample_catalogue(self.today, families=self.families)),
            cursor=self.today.isoformat(),
            complete=True,
        )


def _factory(cfg: Mapping[str, Any]) -> SampleCatalogSource:
    today = cfg.get("today")
    anchor = date.fromisoformat(today) if isinstance(today, str) else today
    if anchor is None:
        raise ValueError("source 'sample' needs a 'today' date (the composition root passes the clock's day)")
    return SampleCatalogSource(anchor, families=int(cfg.get("families", 50)))


@hookimpl
def bookbridge_register_adapters(registry: AdapterRegistry) -> None:
    registry.add_source("sample", _factory, "the bundled, generated sample catalogue (demo and tests)",
                        options=("families",))  # and `today`, which the composition root passes
