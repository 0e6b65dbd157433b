"""The sample catalogue as a CatalogSource plugin (`source = "sample"`)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from pydantic import Field

from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.ports import CatalogSource, SourceRead
from bookbridge.plugin import AdapterContext, AdapterOptions, ConfigInt, PluginRegistrar, hookimpl


class SampleCatalogSource(CatalogSource):
    """Always returns the whole generated catalogue, anchored on `today`; a family in `edits` (a JSON file of
    families, as `bookbridge demo --keep` writes the demo's edits) replaces the generated one of its id."""

    def __init__(self, today: date, *, families: int = 50, name: str = "sample", edits: Path | None = None) -> None:
        self.name = name
        self.today = today
        self.families = families
        self.edits = edits

    def read(self, cursor: str | None = None) -> SourceRead:
        edited = read_edits(self.edits) if self.edits is not None else {}
        return SourceRead(
            families=tuple(edited.get(f.id, f) for f in sample_catalogue(self.today, families=self.families)),
            cursor=self.today.isoformat(),
            complete=True,
        )


def read_edits(path: Path) -> dict[str, TitleFamily]:
    """The edited families in `path` (`write_edits`) by id; none when the file is not there yet."""
    if not path.is_file():
        return {}
    families = (TitleFamily.model_validate(f) for f in json.loads(path.read_text(encoding="utf-8")))
    return {f.id: f for f in families}


def write_edits(path: Path, families: list[TitleFamily]) -> None:
    """`families` to `path`, as the `edits` option reads them."""
    path.write_text(json.dumps([f.model_dump(mode="json") for f in families], indent=1), encoding="utf-8")


class SampleOptions(AdapterOptions):
    families: ConfigInt = Field(default=50, ge=1)
    today: date | None = None  # the day the catalogue is anchored on (the demo's first day); default: the clock's
    edits: Path | None = None  # families that replace the generated ones (the demo's edits, with --keep)


def _factory(options: SampleOptions, context: AdapterContext) -> SampleCatalogSource:
    # Without `today`, anchored on the clock's day when it is built: a source per job run follows the calendar.
    anchor = options.today or context.clock.now().date()
    return SampleCatalogSource(anchor, families=options.families, name=context.name,
                              edits=options.edits)


@hookimpl
def bookbridge_register_adapters(registry: PluginRegistrar) -> None:
    registry.add_source("sample", _factory, options=SampleOptions,
                        description="the bundled, generated sample catalogue (demo and tests)")
