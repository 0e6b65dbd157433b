"""Planning: the minimal store actions that turn what was last applied into what is desired.

`plan_changes(desired, applied)` is a pure function. Applying its actions and recording the new hashes
leaves an empty plan; it never creates a key twice; it never creates a product that is not listed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from bookbridge.domain.adoption import Mismatch, StoredProduct, store_differences, title_mismatch
from bookbridge.domain.applied import SECTIONS, AppliedListing, IsbnChange, ListingPayloads, isbn_changes
from bookbridge.domain.listing import Section, StoreListing, section_payloads, unique_names


class ActionKind(StrEnum):
    CREATE = "create"
    ADOPT = "adopt"  # a product the store already holds under the listing's SKU: taken over, every section sent
    UPDATE = "update"
    HIDE = "hide"


RESENT = "nothing differs from what was last sent; a full sync sends every section again"
# An update of sections whose last write is not known to be what the store holds: reconcile found the product
# edited or deleted by hand (and the policy overwrites it), a drift resolved without keeping the store's value, a
# write whose outcome was never recorded (`in_doubt`). Nothing may differ from what was last sent, field by field.
NOT_KNOWN = ("sent again: what the store holds is not known to be what was last sent (edited or deleted in the "
             "store since, or a write not confirmed)")


@dataclass(frozen=True)
class FieldChange:
    section: Section
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class StoreAction:
    kind: ActionKind
    key: str
    listing: StoreListing | None  # None only for HIDE of a key the source no longer has
    sections: tuple[Section, ...] = ()
    reason: str = ""
    found: StoredProduct | None = None  # ADOPT: the store's product, as it was read when planning
    # CREATE: planning read the store (`found`) and no product held the SKU, so the run need not look it up again
    absent: bool = False

    def changes(self, applied: AppliedListing | None) -> list[FieldChange]:
        """Field-level before/after, as far as the applied payloads are known; for an ADOPT, the store's fields
        (as far as it reports them) before, ours after."""
        if self.listing is None:
            return []
        if self.kind is ActionKind.ADOPT and self.found is not None:
            return [FieldChange(*change) for change in store_differences(self.listing, self.found)]
        after = section_payloads(self.listing)
        out: list[FieldChange] = []
        for section in self.sections:
            before = dict(applied.payloads.get(section, {})) if applied else {}
            for name, value in after[section].items():
                if not _same(name, before.get(name), value):
                    out.append(FieldChange(section, name, before.get(name), value))
        return out


_MEASURES = frozenset({"weight", "width", "height", "depth"})  # the core section's numbers, JSON text of decimals


def _same(name: str, before: Any, after: Any) -> bool:
    """Whether a field's value last sent and its value now are the same: equal, or a measure written two ways
    (`0.0` and `0`). The section's hash, over the text, is not changed by this: a plan does not list such a field,
    though a full sync resends it."""
    if before == after:
        return True
    if name in _MEASURES and isinstance(before, str | int | float) and isinstance(after, str | int | float):
        try:
            return Decimal(str(before)) == Decimal(str(after))
        except InvalidOperation:
            return False
    return False
    return False


@dataclass(frozen=True)
class Plan:
    storefront: str
    actions: tuple[StoreAction, ...]
    unchanged: int
    skipped: tuple[StoreListing, ...] = ()  # not listed and not in the store: nothing to do
    mismatched: tuple[Mismatch, ...] = ()  # the store holds the SKU for another title: held, never overwritten
    isbn_changed: tuple[IsbnChange, ...] = ()  # a record's ISBN changed in the source: held for a person
    # Applied records that now keep the source record their listing is made of, with nothing to send: recorded
    # by the sync (records made before records were kept, a product whose record the source renumbered).
    recorded: tuple[AppliedListing, ...] = ()
    # Products gone from a complete source whose record the source could not read (`unread`): kept as they are.
    kept_unread: tuple[str, ...] = ()

    def of_kind(self, kind: ActionKind) -> list[StoreAction]:
        return [a for a in self.actions if a.kind is kind]

    @property
    def counts(self) -> dict[str, int]:
        counts = {kind.value: len(self.of_kind(kind)) for kind in ActionKind}
        counts["unchanged"] = self.unchanged
        # The glossary's word, as in SyncReport: an edition whose ISBN change is held has no product of its own.
        counts["held_back"] = len(self.skipped) + len(self.mismatched) + len(self.isbn_changed)
        return counts


def plan_changes(
    storefront: str,
    desired: Sequence[StoreListing],
    applied: Mapping[str, AppliedListing],
    *,
    source_complete: bool = True,
    full: bool = False,
    found: Mapping[str, StoredProduct] | None = None,
    unread: Collection[str] = frozenset(),
) -> Plan:
    """Diff desired listings against last-applied hashes.

    - desired & listed, never applied: CREATE (every section); or ADOPT (every section) when `found` (the store's
      products by casefolded SKU, read before planning) holds its SKU in a product bookbridge has not applied
      under another key; or, when that product is clearly another title (`adoption.title_mismatch`), held in
      `mismatched`: neither created (the SKU is taken) nor overwritten; a CREATE whose SKU `found` was read for
      and not found is marked `absent`;
    - applied, some section hash differs (or `full`): UPDATE those sections; a not-listed listing that is
      still visible in the store becomes a HIDE carrying the changed sections;
    - desired but not listed and never applied: skipped (kept out of the store);
    - applied but no longer in a complete source: HIDE (delist, never delete); unless the source could not read
      its record (`unread`: the records of blocking problems, by the source's id or by ISBN), when it is kept as
      it is, in `kept_unread`: an ISBN mistyped in the source (a check digit that fails) must not take a live
      title off sale;
    - a record whose ISBN changed since its product was written (`isbn_changes`): held in `isbn_changed`, its
      old product neither hidden nor updated, nothing made for the new ISBN.
    """
    changed_isbns = isbn_changes(desired, applied)  # named as the source names them (held, a name is not tagged)
    desired = _clear_of_held_names(desired, applied)
    moved = {change.old for change in changed_isbns.values()}
    recorded: list[AppliedListing] = []
    kept: list[str] = []
    actions: list[StoreAction] = []
    unchanged = 0
    skipped: list[StoreListing] = []
    mismatched: list[Mismatch] = []
    seen: set[str] = set()
    owned = {a.product_id for a in applied.values() if a.product_id is not None} if found else set()
    for listing in desired:
        if listing.key in seen:
            raise ValueError(f"two desired listings share the key {listing.key!r} on storefront {storefront!r}")
        seen.add(listing.key)
        if listing.key in changed_isbns:
            continue
        before = applied.get(listing.key)
        if before is None:
            stored = found.get(listing.sku.casefold()) if found and listing.listed else None
            if stored is not None and stored.product_id not in owned:
                if (why := title_mismatch(listing, stored)) is not None:
                    mismatched.append(Mismatch(listing, stored, why))
                else:
                    actions.append(StoreAction(ActionKind.ADOPT, listing.key, listing, SECTIONS,
                                               reason=f"the store holds SKU {stored.sku} as product "
                                                      f"{stored.product_id}", found=stored))
            elif listing.listed:
                absent = found is not None and stored is None and bool(listing.sku)
                actions.append(StoreAction(ActionKind.CREATE, listing.key, listing, SECTIONS, absent=absent))
            else:
                skipped.append(listing)
            continue
        hashes = before.hashes
        # One comparison first (a stored record's hashes may be packed: their `==` is one comparison of bytes).
        if not full and hashes == listing.hashes:
            changed: tuple[Section, ...] = ()
        else:
            changed = tuple(s for s in SECTIONS
                            if s not in before.held and (full or hashes.get(s) != listing.hashes[s]))
        if not changed:
            unchanged += 1
            if listing.record is not None and before.record != listing.record:
                recorded.append(replace(before, record=listing.record))
        elif not listing.listed and before.visible:
            actions.append(StoreAction(ActionKind.HIDE, listing.key, listing, changed,
                                       reason=listing.not_listed_reason or "not listed"))
        else:
            # A full sync resends sections nothing changed in, and a section whose last write is in doubt is sent
            # again: say so, rather than leave a person looking for the difference (a hand edit in the store, which
            # reconcile finds, is overwritten all the same).
            doubtful = any(hashes.get(s, UNKNOWN_HASH) == UNKNOWN_HASH for s in changed)
            same = all(hashes.get(s, UNKNOWN_HASH) in (UNKNOWN_HASH, listing.hashes[s]) for s in changed)
            reason = (NOT_KNOWN if doubtful else RESENT if full else "") if same else ""
            actions.append(StoreAction(ActionKind.UPDATE, listing.key, listing, changed, reason=reason))
    if source_complete:
        families = {li.family_id for li in desired}
        for key in sorted(set(applied) - seen - moved):
            if not applied[key].visible:
                continue
            if key in unread or applied[key].record in unread:
                kept.append(key)
            else:
                actions.append(StoreAction(ActionKind.HIDE, key, None, reason=_gone_reason(key, families)))
    return Plan(storefront=storefront, actions=tuple(actions), unchanged=unchanged, skipped=tuple(skipped),
                mismatched=tuple(mismatched), isbn_changed=tuple(changed_isbns.values()), recorded=tuple(recorded),
                kept_unread=tuple(kept))


_FAMILY_KEY = re.compile(r"family:(.+):(?:physical|digital)(?::[^:]+)?")


def _gone_reason(key: str, families: set[str]) -> str:
    """Why an applied key is no longer desired. A family product (`family:<id>:<type>[:<sku>]`) whose family is
    still in the source lost its editions to another product of that family (a launch or a rights change
    regrouped them); anything else left the source."""
    found = _FAMILY_KEY.fullmatch(key)
    if found and found[1] in families:
        return f"its editions moved to another product of family {found[1]}"
    return GONE


GONE = "no longer in the source"  # a HIDE's reason when its key left the source


def _clear_of_held_names(
    desired: Sequence[StoreListing], applied: Mapping[str, AppliedListing]
) -> Sequence[StoreListing]:
    """Products bookbridge applied that are not desired now (hidden when their titles left the source, or being
    hidden by this plan; never deleted) still hold their names, and BigCommerce names are unique store-wide: a
    desired listing wanting such a name is tagged (`unique_names`)."""
    keys = {listing.key for listing in desired}
    held = {str(name).casefold() for key, before in applied.items()
            if key not in keys and (name := before.payloads.get(Section.CORE, {}).get("name"))}
    # Reading an applied name decodes a packed payload: the names of every desired listing's own product are read
    # only when some desired listing wants a held name.
    if not held or not any(listing.name.casefold() in held for listing in desired):
        return desired
    # A name a desired listing's own product already holds is its to keep.
    held -= {str(applied[li.key].payloads.get(Section.CORE, {}).get("name", "")).casefold()
             for li in desired if li.key in applied}
    if not held or not any(listing.name.casefold() in held for listing in desired):
        return desired
    return unique_names(desired, held)


UNKNOWN_HASH = ""  # a section whose store-side content is in doubt: it equals no listing's hash, so it is resent


def in_doubt(action: StoreAction, previous: AppliedListing | None) -> AppliedListing | None:
    """The record to keep while `action` is being sent to a product already applied: what it writes is in doubt
    until its outcome is recorded. The sections it sends get `UNKNOWN_HASH` (a HIDE of a key the source no
    longer has: every section), and visibility stays as last known. If the process dies after the store took
    the write but before its outcome was recorded, or the store fails in a way that may have applied it, the
    next plan resends those sections instead of trusting the old hashes: a title hidden and then listed again,
    or a price changed and then changed back, is written again rather than left as the store last took it.
    None when nothing is in doubt (a create or adoption, with no record yet: create intents cover those)."""
    if previous is None or action.kind in (ActionKind.CREATE, ActionKind.ADOPT):
        return None
    doubtful = set(previous.hashes) if action.listing is None else set(action.sections)
    if all(previous.hashes.get(s, UNKNOWN_HASH) == UNKNOWN_HASH for s in doubtful):
        return None
    hashes = {s: (UNKNOWN_HASH if s in doubtful else h) for s, h in previous.hashes.items()}
    if action.listing is not None:
        hashes.update({s: UNKNOWN_HASH for s in doubtful})
    return replace(previous, hashes=hashes)


def applied_after(
    action: StoreAction,
    previous: AppliedListing | None,
    product_id: int | None,
    remote: Mapping[str, Any] | None = None,
) -> AppliedListing:
    """The applied record once `action` has succeeded. `remote` replaces the store-side ids when given."""
    if action.listing is None:
        assert previous is not None, "a HIDE without a listing needs the previous record"
        # Forget the hashes: if the title comes back, every section is sent again and it is shown. Keep the name:
        # the hidden product still holds it in the store, where names are unique (`_clear_of_held_names`).
        name = previous.payloads.get(Section.CORE, {}).get("name")
        return AppliedListing(key=previous.key, hashes={}, visible=False, product_id=previous.product_id,
                              payloads={Section.CORE: {"name": name}} if name else {},
                              remote=dict(remote) if remote is not None else dict(previous.remote),
                              held=previous.held, record=previous.record)
    held = previous.held if previous else frozenset()
    payloads: Mapping[Section, Mapping[str, Any]]
    hashes: Mapping[Section, str]
    if previous is None or not held:
        # The listing's own hashes (never modified) and its payloads as it gives them when read: no copies.
        hashes, payloads = action.listing.hashes, ListingPayloads(action.listing)
    else:
        # A held section was not sent: keep what was last applied for it, so releasing the hold resends it.
        hashes, sent = dict(action.listing.hashes), section_payloads(action.listing)
        for section in held:
            hashes[section] = previous.hashes.get(section, "")
            sent[section] = dict(previous.payloads.get(section, {}))
        payloads = sent
    return AppliedListing(
        key=action.key,
        hashes=hashes,
        visible=action.listing.is_visible,
        product_id=product_id if product_id is not None else (previous.product_id if previous else None),
        payloads=payloads,
        remote=dict(remote) if remote is not None else (dict(previous.remote) if previous else {}),
        held=held,
        record=action.listing.record,
    )


def next_wakeups(listings: Iterable[StoreListing]) -> list[tuple[str, Any]]:
    """(key, instant) pairs at which a listing will change by the clock alone: launches and campaign flips."""
    return sorted(((li.key, li.next_change) for li in listings if li.next_change is not None), key=lambda x: x[1])
