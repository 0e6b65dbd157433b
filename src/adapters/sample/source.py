"""The sample catalogue as a CatalogSource plugin (`source = "sample"`)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.domain.ports import CatalogSource, SourceRead
from bookbridge.plugin import AdapterContext, AdapterOptions, PluginRegistrar, hookimpl


class SampleCatalogSource(CatalogSource):
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


class SampleOptions(AdapterOptions):
    families: int = Field(default=50, ge=1)
    today: date | None = None  # the day the catalogue is anchored on (the demo's first day); default: the clock's


def _factory(options: SampleOptions, context: AdapterContext) -> SampleCatalogSource:
    # Without `today`, anchored on the clock's day when it is built: a source per job run follows the calendar.
    anchor = options.today or context.clock.now().date()
    return SampleCatalogSource(anchor, families=options.families, name=context.name)


@hookimpl
def bookbridge_register_adapters(registry: PluginRegistrar) -> None:
    registry.add_source("sample", _factory, options=SampleOptions,
                        description="the bundled, generated sample catalogue (demo and tests)")
