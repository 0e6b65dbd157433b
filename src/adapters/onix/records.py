"""One parsed ONIX Product, before it becomes an Edition, and the NotificationType 04 block merge."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.model import Edition, Rights
from bookbridge.domain.problems import Problem, Severity

# Which Edition fields each block owns (ONIX 3.0 blocks 1–6). A 04 record replaces exactly these.
BLOCK_FIELDS: dict[str, tuple[str, ...]] = {
    "DescriptiveDetail": ("format", "form_code", "form_details", "title", "subtitle", "contributors", "series",
                          "subjects", "dimensions", "page_count", "duration_minutes"),
    "CollateralDetail": ("texts", "resources"),
    "ContentDetail": (),
    "PublishingDetail": ("imprint", "publisher", "publishing_status", "publication_date", "preorder_embargo",
                         "announcement_date", "rights"),
    "RelatedMaterial": ("related_isbns",),
    "ProductSupply": ("prices", "availability", "expected_availability"),
}


@dataclass(frozen=True)
class WorkKey:
    """RelatedWork/WorkIdentifier with WorkRelationCode 01 (List 164): the family key."""

    id_type: str  # List 16
    type_name: str | None
    value: str


@dataclass
class OnixRecord:
    """A Product as read. `fields` are Edition keyword arguments for the blocks present (no isbn, family_id)."""

    record_reference: str | None
    notification_type: str | None
    line: int | None
    isbn: ISBN13 | None = None
    raw_isbn: str | None = None
    blocks_present: frozenset[str] = frozenset()
    fields: dict[str, Any] = field(default_factory=dict)
    work: WorkKey | None = None
    alternative_formats: tuple[ISBN13, ...] = ()  # RelatedProduct 06/13/27 (List 51)
    # Sales embargo by source, since it may come from block 4 (List 163: 02) or block 6 (List 166: 02).
    publishing_embargo: Any = None
    supply_embargo: Any = None
    market_restrictions: tuple[Any, ...] = ()  # ProductSupply/Market/SalesRestriction
    problems: list[Problem] = field(default_factory=list)
    source: str | None = None  # the file (or URL) the record came from

    @property
    def key(self) -> str | None:
        """How problems name the record: its ISBN when valid, else its RecordReference."""
        return str(self.isbn) if self.isbn else self.record_reference

    @property
    def usable(self) -> bool:
        return self.isbn is not None and not any(p.severity is Severity.BLOCKING for p in self.problems)

    def edition_fields(self) -> dict[str, Any]:
        """Edition keyword arguments for this record as a full record (blocks absent take the defaults)."""
        values = dict(self.fields)
        values["record_reference"] = self.record_reference
        values["sales_embargo"] = self.publishing_embargo or self.supply_embargo
        if "PublishingDetail" in self.blocks_present or self.market_restrictions:
            rights: Rights = values.get("rights", Rights())
            values["rights"] = rights.model_copy(
                update={"restrictions": (*rights.restrictions, *self.market_restrictions)}
            )
        return values

    def to_edition(self, family_id: str) -> Edition:
        if self.isbn is None:
            raise ValueError(f"record {self.record_reference!r} has no valid ISBN")
        return Edition(isbn=self.isbn, family_id=family_id, **self.edition_fields())


def merge(previous: Edition, update: OnixRecord, *, family_id: str | None = None) -> Edition:
    """Apply a NotificationType 04 block update: the blocks sent replace the stored ones; the rest stay.

    Rights live in block 4 but `Market/SalesRestriction` lives in block 6, and the Edition keeps both in
    `rights.restrictions` without saying which came from where. So: when only block 6 is sent, the stored
    rights are kept and the new Market restrictions are added (duplicates dropped); when block 4 is sent
    without block 6, the stored restrictions are kept beside the new block-4 ones, because some of them may
    be Market restrictions. That errs on the safe side: a restriction the publisher removed lingers until a
    full record or a ProductSupply block arrives, but a title is never put on sale outside its rights.
    (An Edition field for Market restrictions would remove this ambiguity.) The sales embargo (List 163: 02
    in block 4, List 166: 02 in block 6) is recomputed from the blocks sent and kept when neither is sent.
    """
    changes: dict[str, Any] = {}
    values = update.edition_fields()
    for block in update.blocks_present:
        for name in BLOCK_FIELDS.get(block, ()):
            if name in values:
                changes[name] = values[name]
            else:
                changes[name] = Edition.model_fields[name].get_default(call_default_factory=True)
    sent_publishing = "PublishingDetail" in update.blocks_present
    sent_supply = "ProductSupply" in update.blocks_present
    if sent_publishing or sent_supply:
        embargo = update.publishing_embargo if sent_publishing else None
        embargo = embargo or (update.supply_embargo if sent_supply else None)
        if embargo is not None or (sent_publishing and sent_supply):
            changes["sales_embargo"] = embargo
    if sent_publishing and not sent_supply and previous.rights.restrictions:
        fresh: Rights = changes.get("rights", previous.rights)
        kept = tuple(r for r in previous.rights.restrictions if r not in fresh.restrictions)
        changes["rights"] = fresh.model_copy(update={"restrictions": (*fresh.restrictions, *kept)})
    if sent_supply and not sent_publishing and update.market_restrictions:
        kept = previous.rights.restrictions
        added = tuple(r for r in update.market_restrictions if r not in kept)
        changes["rights"] = previous.rights.model_copy(update={"restrictions": (*kept, *added)})
    if update.record_reference:
        changes["record_reference"] = update.record_reference
    if family_id is not None:
        changes["family_id"] = family_id
    changes["delisted"] = False
    merged: Mapping[str, Any] = {**dict(previous), **changes}
    return Edition(**merged)
