"""The demo's catalogue edits and the flows they show: an approved cover reaching the product page once (and the
milestone that approval fires), and a title family sold as variants of one product.

The demo edits its catalogue as Consonance would change it: `EditableCatalogue` serves the sample catalogue with
the demo's edits laid over it, through the same `CatalogSource` port every sync reads.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from bookbridge.application.milestone_effects import SyncEffects
from bookbridge.application.milestones import (
    DEFAULT_ACTIONS,
    ActionNotPossible,
    ApplyMilestones,
    action_words,
    apply_milestones,
    transition_words,
)
from bookbridge.application.money import money_text
from bookbridge.application.sync import SyncReport, SyncStore, sync_store
from bookbridge.domain.milestones import MilestoneRecord, catalogue_transitions
from bookbridge.domain.model import Edition, ResourceKind, TitleFamily
from bookbridge.domain.ports import CatalogSource, Clock, MilestoneLog, SourceRead, Storefront, UnitOfWork
from bookbridge.domain.storefront import FormatStrategy, StorefrontSettings
from bookbridge.entrypoints.cli.common import heading
from bookbridge.entrypoints.container import Container, build_unit_of_work, write_sample_edits
from bookbridge.entrypoints.presentation import edition_name, edition_names, named_edition, plural
from bookbridge.entrypoints.settings import StoreSettings, embedded_settings

if TYPE_CHECKING:
    from bookbridge.entrypoints.container import DemoSandbox


VARIANTS_STATE = "variants.db"  # the second store's SQLite state, beside the demo's own


class EditableCatalogue(CatalogSource):
    """A catalogue source with the demo's edits over it: a family put here replaces the source's own. With
    `kept` (`demo --keep`), the edits are written there as they are made, for the kept configuration's sample
    source (its `edits` option) to read the catalogue the demo ended with."""

    def __init__(self, source: CatalogSource, *, only: str | None = None, kept: Path | None = None) -> None:
        self.name = source.name
        self._source = source
        self._only = only
        self._kept = kept
        self._edits: dict[str, TitleFamily] = {}

    def edit(self, family: TitleFamily) -> None:
        self._edits[family.id] = family
        if self._kept is not None:
            write_sample_edits(self._kept, list(self._edits.values()))

    def read(self, cursor: str | None = None) -> SourceRead:
        read = self._source.read(cursor)
        families = tuple(self._edits.get(f.id, f) for f in read.families if self._only in (None, f.id))
        return replace(read, families=families)


@dataclass
class DemoStore:
    """What a demo sync needs: the catalogue, the store, the state, the clock, the sandbox behind the store."""

    catalogue: EditableCatalogue
    store: Storefront
    uow: UnitOfWork
    clock: Clock
    command: SyncStore
    sandbox: DemoSandbox

    def sync(self) -> SyncReport:
        return sync_store(self.command, self.catalogue, self.store, self.uow, self.clock)

    def image_calls(self, since: int) -> list[tuple[str, str]]:
        return [(r.method, r.api_path) for r in list(self.sandbox.requests)[since:]
                if "/images" in r.api_path and r.method != "GET"]


def _with_edition(family: TitleFamily, edition: Edition) -> TitleFamily:
    return family.model_copy(update={"editions": tuple(edition if e.isbn == edition.isbn else e
                                                       for e in family.editions)})


def _cover_candidate(demo: DemoStore) -> tuple[TitleFamily, Edition] | None:
    """An edition on sale in the store with an approved front cover."""
    for family in demo.catalogue.read().families:
        for edition in family.editions:
            product = demo.sandbox.state.find_by_sku(str(edition.isbn))
            if product and product.get("is_visible") and edition.resource(ResourceKind.FRONT_COVER):
                return family, edition
    return None


def _on_timeline(edition: Edition) -> str:
    raise ActionNotPossible(f"the demo schedules no jobs; {edition.isbn}'s launch is on its timeline")


def approved_cover(console: Console, demo: DemoStore, milestone_log: MilestoneLog) -> list[MilestoneRecord]:
    """A new cover of an edition arrives unapproved (nothing is sent), is approved with the edition's final
    approval (the cover is replaced once, and the milestone's action runs), and the next sync sends nothing more.
    A cover and a final approval are an edition's (one ISBN), so the edition is named `Title (Format)`."""
    heading(console, "Approved assets, and a milestone")
    found = _cover_candidate(demo)
    if found is None:
        console.print("No edition on sale has a cover to replace.")
        return []
    family, edition = found
    old = edition.resource(ResourceKind.FRONT_COVER)
    assert old is not None
    url = f"https://covers.bookbridge.example/{edition.isbn}-v2.jpg"
    new = old.model_copy(update={"url": url, "sha256": hashlib.sha256(url.encode()).hexdigest(), "md5": None,
                                 "approved": False})
    draft = edition.model_copy(update={"resources": (*edition.resources, new)})
    demo.catalogue.edit(_with_edition(family, draft))
    start = len(demo.sandbox.requests)
    demo.sync()
    name = escape(edition_name(edition))
    console.print(f"A new cover for {name}, ISBN {edition.isbn}, arrives from Consonance, not yet approved: the "
                  f"sync sends {len(demo.image_calls(start))} images (only approved assets reach the store).")
    approved = edition.model_copy(update={
        "resources": tuple(new.model_copy(update={"approved": True}) if r is old else r for r in edition.resources),
        "milestones": edition.milestones.model_copy(update={"final_approval": True})})
    demo.catalogue.edit(_with_edition(family, approved))
    start = len(demo.sandbox.requests)
    with demo.uow:
        before = demo.uow.state.catalogue(demo.catalogue.name)
    demo.sync()
    with demo.uow:
        after = demo.uow.state.catalogue(demo.catalogue.name)
    calls = demo.image_calls(start)
    console.print(f"{name} gets its final approval, with the new cover: the sync replaces its product's cover "
                  f"({sum(m == 'POST' for m, _ in calls)} image sent, {sum(m == 'DELETE' for m, _ in calls)} "
                  "old one deleted).")
    events = tuple(catalogue_transitions(before, after))
    effects = SyncEffects(demo.command.store, demo.uow, after, sync_again=demo.sync, schedule_launch=_on_timeline)
    records = apply_milestones(ApplyMilestones(store=demo.command.store, events=events, actions=DEFAULT_ACTIONS),
                               effects, demo.uow, milestone_log, demo.clock)
    names = edition_names(after.values())
    for record in records:
        isbn = record.event.isbn
        named = named_edition(isbn, escape(names[isbn]) if isbn in names else None)
        console.print(f"Milestone {transition_words(record.event.transition)} of {named}, fires its action, to "
                      f"{action_words(record.action)}: {'done' if record.ok else 'failed'} ({escape(record.detail)}).")
    start = len(demo.sandbox.requests)
    demo.sync()
    console.print(f"The next sync sends {len(demo.image_calls(start))} images: a cover is sent once.")
    return records


def sandbox_store(sandbox: DemoSandbox, name: str) -> StoreSettings:
    """The `[store]` table of a BigCommerce store served by the sandbox."""
    return StoreSettings(kind="bigcommerce", name=name, store_hash=sandbox.config.store_hash,
                         access_token=sandbox.config.token, v3_base_url=sandbox.base_url_v3,
                         v2_base_url=sandbox.base_url_v2, max_in_flight=2)


def variants(console: Console, directory: Path, family: TitleFamily, source: CatalogSource, clock: Clock,
             storefront: StorefrontSettings) -> None:
    """One title family in a second stand-in store that sells formats as variants of one product."""
    heading(console, "Formats as variants")
    container = Container()
    try:
        sandbox = container.demo_sandbox()
        settings = embedded_settings(store=sandbox_store(sandbox, "variants demo store"), database_url=(
            f"sqlite:///{directory / VARIANTS_STATE}"), storefronts=[storefront.model_copy(
                update={"format_strategy": FormatStrategy.VARIANTS})])
        container.settings.override(settings)
        command = SyncStore(store=settings.store.name, storefronts=tuple(settings.storefronts))
        report = sync_store(command, EditableCatalogue(source, only=family.id), container.storefront(),
                            build_unit_of_work(container.engine(), clock, settings), clock)
        console.print(f"A second stand-in store sells each title as one product with a Format option "
                      f'({escape("[[storefronts]]")} format_strategy = "variants"). {escape(family.title)} becomes '
                      f"{plural(report.created, 'product')} there (print and digital editions are separate "
                      "products, as BigCommerce's product types require):")
        for product in sorted(sandbox.state.products.values(), key=lambda p: p["id"]):
            # The name as the store has it, then BigCommerce's product type in words: a type in brackets after
            # the name would read as part of it.
            console.print(f"  {escape(product['name'])}: a {product['type']} product")
            for variant in sandbox.state.product_variants(product["id"]):
                labels = ", ".join(str(v.get("label", "")) for v in variant.get("option_values") or [])
                price = variant.get("price")
                shown = money_text(Decimal(str(price)), storefront.currency) if price is not None else "no price"
                console.print(f"    variant {variant['sku']}: {escape(labels) or 'base'}, {shown}")
    finally:
        container.shutdown_resources()
