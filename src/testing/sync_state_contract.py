"""The SyncState contract: last-applied listings per storefront, source cursors, and the merged catalogue."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.formats import Format
from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.listing import Section, StoreListing, build_store_listings, section_payloads
from bookbridge.domain.model import Contributor, Edition, PriceRow, TitleFamily
from bookbridge.domain.ports import SyncState
from bookbridge.domain.storefront import StorefrontSettings


def family(family_id: str = "roseanna", *, title: str = "Roseanna", price: str = "16.99") -> TitleFamily:
    """A small family with the value types that must survive storage: Decimal, date, tuples, accents."""
    edition = Edition(
        isbn=ISBN13("9780007232833"),
        family_id=family_id,
        format=Format.HARDBACK,
        title=title,
        contributors=(Contributor(role="A01", name="Maj Sjöwall"), Contributor(role="A01", name="Per Wahlöö",
                                                                              sequence=2)),
        publication_date=date(2026, 3, 5),
        prices=(PriceRow(amount=Decimal(price), currency="GBP", qualifier="05"),),
    )
    return TitleFamily(id=family_id, title=title, editions=(edition,))


def applied(key: str = "9780007232833", **changes: object) -> AppliedListing:
    fields: dict[str, object] = {
        "key": key,
        "hashes": {section: f"{section}-hash" for section in Section},
        "visible": True,
        "product_id": 77,
        "payloads": {
            Section.CORE: {"sku": key, "name": "Roseanna — Sjöwall & Wahlöö", "weight": "0.25", "related_isbns": []},
            Section.PRICING: {"price": "16.99", "extra_prices": {"us": {"price": "21.00"}}},
            Section.MEDIA: {"images": [{"url": "https://covers.example/a.jpg", "is_thumbnail": True}]},
            Section.CUSTOM_FIELDS: {"custom_fields": [{"name": "Format", "value": "Hardback"}]},
            Section.STOREFRONTS: {"channels": [1], "listed": True},
        },
        "remote": {"variants": {key: 101}, "images": {"cover": 9}, "custom_fields": {"Format": [5, "Hardback"]},
                   "base_variant_id": 101},
    }
    fields.update(changes)
    return AppliedListing(**fields)  # type: ignore[arg-type]


def desired_listing(title: str = "Roseanna", *, key: str | None = None) -> StoreListing:
    """The listing planning wants for `family(title=title)` on a UK storefront (under `key`, when given)."""
    uk = StorefrontSettings(name="uk", countries=frozenset({"GB"}), currency="GBP")
    [listing] = build_store_listings([family(title=title)], [uk], at=datetime(2026, 6, 1, tzinfo=UTC), store="uk")
    return listing if key is None else replace(listing, key=key)


class SyncStateContract(ABC):
    """Subclass as `Test…` and return a fresh, empty state from `make_state` for each test."""

    @abstractmethod
    def make_state(self) -> SyncState:
        ...

    # --- applied listings -------------------------------------------------------------------------------------

    def test_nothing_is_applied_on_a_new_storefront(self) -> None:
        assert self.make_state().applied("uk") == {}

    def test_an_applied_listing_reads_back_equal(self) -> None:
        state = self.make_state()
        record = applied()
        state.record_applied("uk", record)
        assert state.applied("uk") == {record.key: record}

    def test_recording_again_replaces_the_whole_record(self) -> None:
        state = self.make_state()
        state.record_applied("uk", applied())
        hidden = applied(hashes={}, visible=False, payloads={}, remote={})  # a HIDE forgets the hashes
        state.record_applied("uk", hidden)
        assert state.applied("uk") == {hidden.key: hidden}

    def test_held_sections_read_back_and_can_be_released(self) -> None:
        state = self.make_state()
        held = applied(held=frozenset({Section.CORE, Section.MEDIA}))
        state.record_applied("uk", held)
        assert state.applied("uk")[held.key].held == frozenset({Section.CORE, Section.MEDIA})
        state.record_applied("uk", applied())
        assert state.applied("uk")[held.key].held == frozenset()

    def test_a_partial_record_keeps_only_its_sections(self) -> None:
        state = self.make_state()
        record = applied(hashes={Section.CORE: "c1"}, payloads={Section.PRICING: {"price": "1.00"}}, product_id=None,
                         remote={})
        state.record_applied("uk", record)
        assert state.applied("uk") == {record.key: record}

    def test_recording_with_the_previous_record_reads_back_the_new_one(self) -> None:
        """`previous` lets a store rewrite only the sections whose hash changed; what reads back is the new record
        whatever changed: one section (a price flip), every section, the store-side ids alone, a hide and a return,
        a held section, a section with a payload and no hash."""
        state = self.make_state()
        first = applied()
        state.record_applied("uk", first)
        flipped = applied(hashes={**first.hashes, Section.PRICING: "pricing-hash-2"},
                          payloads={**first.payloads, Section.PRICING: {"price": "12.00"}})
        ids_only = applied(hashes=flipped.hashes, payloads=flipped.payloads, product_id=78, remote={"images": {}})
        held = applied(hashes={**flipped.hashes, Section.CORE: "core-hash-2"}, payloads=flipped.payloads,
                       product_id=78, remote={"images": {}}, held=frozenset({Section.MEDIA}))
        hidden = applied(hashes={}, visible=False, payloads={Section.CORE: {"name": "Roseanna"}}, remote={})
        renamed = applied(hashes={}, visible=False, payloads={Section.CORE: {"name": "Roseanna (2)"}}, remote={})
        back = applied()
        previous = first
        for record in (flipped, ids_only, held, hidden, renamed, back):
            state.record_applied("uk", record, previous=previous)
            assert state.applied("uk") == {record.key: record}
            previous = record

    def test_the_source_record_reads_back_also_when_it_is_all_that_changed(self) -> None:
        """A product recorded before records were kept has none; the sync then keeps its record alone (nothing
        else changed), and accepting an ISBN change forgets it."""
        state = self.make_state()
        old = applied()
        state.record_applied("uk", old)
        assert state.applied("uk")[old.key].record is None
        kept = replace(old, record="consonance:work:101/product:1001")
        state.record_applied_many("uk", [(kept, old)])
        assert state.applied("uk") == {kept.key: kept}
        forgotten = replace(kept, record=None)
        state.record_applied("uk", forgotten, previous=kept)
        assert state.applied("uk") == {kept.key: forgotten}
        listing = desired_listing()
        same = AppliedListing(key=listing.key, hashes=dict(listing.hashes), product_id=7,
                              payloads={s: dict(p) for s, p in section_payloads(listing).items()}, record="r")
        state.record_applied("uk", same)
        assert state.applied("uk", desired={listing.key: listing})[listing.key].record == "r"

    def test_records_made_together_read_back_as_if_made_one_by_one(self) -> None:
        """`record_applied_many`: new keys and known ones, with and without their previous records, in one call."""
        state = self.make_state()
        known, other = applied(), applied("9780141036144", product_id=78)
        state.record_applied_many("uk", [(known, None), (other, None)])
        assert state.applied("uk") == {known.key: known, other.key: other}
        flipped = applied(hashes={**known.hashes, Section.PRICING: "pricing-hash-2"},
                          payloads={**known.payloads, Section.PRICING: {"price": "12.00"}}, remote={"images": {}})
        hidden = applied(other.key, hashes={}, visible=False, payloads={Section.CORE: {"name": "Gone"}}, remote={})
        new = applied("9780241984567", product_id=None, remote={})
        state.record_applied_many("uk", [(flipped, known), (hidden, other), (new, None)])
        state.record_applied_many("uk", [])
        assert state.applied("uk") == {known.key: flipped, other.key: hidden, new.key: new}

    def test_storefronts_are_separate(self) -> None:
        state = self.make_state()
        state.record_applied("uk", applied(product_id=1))
        state.record_applied("us", applied(product_id=2))
        state.record_applied("us", applied("9780141036144", product_id=3))
        assert {k: r.product_id for k, r in state.applied("uk").items()} == {"9780007232833": 1}
        assert {k: r.product_id for k, r in state.applied("us").items()} == {"9780007232833": 2, "9780141036144": 3}

    def test_the_returned_dict_is_a_copy(self) -> None:
        state = self.make_state()
        state.record_applied("uk", applied())
        state.applied("uk").clear()
        assert len(state.applied("uk")) == 1

    def test_section_keys_come_back_as_sections(self) -> None:
        state = self.make_state()
        state.record_applied("uk", applied())
        record = state.applied("uk")["9780007232833"]
        assert all(isinstance(s, Section) for s in [*record.hashes, *record.payloads])

    # --- reading with planning's desired listings ----------------------------------------------------------------

    def test_with_the_desired_listings_records_read_back_equal(self) -> None:
        state = self.make_state()
        listing = desired_listing()
        same = AppliedListing(key=listing.key, hashes=dict(listing.hashes), product_id=7,
                              payloads=section_payloads(listing), remote={"base_variant_id": 101})
        held = applied("9780141036144", held=frozenset({Section.PRICING}))  # its hashes are not its listing's
        gone = applied("9780241950425", hashes={}, visible=False, payloads={Section.CORE: {"name": "Gone"}})
        for record in (same, held, gone):
            state.record_applied("uk", record)
        desired = {listing.key: listing, held.key: desired_listing("The Man on the Balcony", key=held.key)}
        expected = {same.key: same, held.key: held, gone.key: gone}
        assert state.applied("uk", desired=desired) == expected == state.applied("uk")
        assert state.applied("uk", desired=desired)[same.key].payloads == section_payloads(listing)

    def test_with_the_desired_listings_a_record_missing_a_payload_keeps_only_its_own(self) -> None:
        state = self.make_state()
        listing = desired_listing()
        core = section_payloads(listing)[Section.CORE]
        partial = AppliedListing(key=listing.key, hashes=dict(listing.hashes), payloads={Section.CORE: core})
        state.record_applied("uk", partial)
        assert state.applied("uk", desired={listing.key: listing})[listing.key].payloads == {Section.CORE: core}

    # --- cursors --------------------------------------------------------------------------------------------------

    def test_cursors_start_empty_and_can_be_set_replaced_and_cleared(self) -> None:
        state = self.make_state()
        assert state.cursor("consonance") is None
        state.set_cursor("consonance", "2026-11-28T09:00:00Z")
        state.set_cursor("onix", "feed-17")
        state.set_cursor("consonance", "2026-11-28T10:00:00Z")
        assert (state.cursor("consonance"), state.cursor("onix")) == ("2026-11-28T10:00:00Z", "feed-17")
        state.set_cursor("consonance", None)
        assert state.cursor("consonance") is None

    # --- the catalogue --------------------------------------------------------------------------------------------

    def test_a_saved_catalogue_reads_back_equal(self) -> None:
        state = self.make_state()
        families = {"roseanna": family(), "laughing": family("laughing", title="The Laughing Policeman")}
        state.save_catalogue("consonance", families)
        assert state.catalogue("consonance") == families
        assert state.catalogue("onix") == {}

    def test_saving_replaces_the_catalogue(self) -> None:
        state = self.make_state()
        state.save_catalogue("consonance", {"roseanna": family(), "laughing": family("laughing")})
        changed = {"roseanna": family(price="18.99")}
        state.save_catalogue("consonance", changed)
        assert state.catalogue("consonance") == changed

    def test_sources_keep_their_own_catalogues(self) -> None:
        state = self.make_state()
        state.save_catalogue("consonance", {"roseanna": family()})
        state.save_catalogue("onix", {"laughing": family("laughing")})
        state.save_catalogue("consonance", {})
        assert state.catalogue("consonance") == {}
        assert list(state.catalogue("onix")) == ["laughing"]

    # --- generations ----------------------------------------------------------------------------------------------

    def test_the_generation_changes_with_every_write_a_plan_reads(self) -> None:
        """Applied listings of the storefront, the catalogue and the cursor of the source: each write changes the
        generation; another storefront's or source's writes do not."""
        state = self.make_state()
        seen = [state.generation("uk", "consonance")]
        writes: list[Callable[[], None]] = [
                  lambda: state.record_applied("uk", applied()),
                  lambda: state.record_applied_many("uk", [(applied(hashes={}), applied())]),
                  lambda: state.save_catalogue("consonance", {"roseanna": family()}),
                  lambda: state.set_cursor("consonance", "c1")]
        for write in writes:
            state.record_applied("us", applied())
            state.save_catalogue("onix", {"laughing": family("laughing")})
            state.set_cursor("onix", "feed-17")
            assert state.generation("uk", "consonance") == seen[-1]
            write()
            seen.append(state.generation("uk", "consonance"))
        assert len(set(seen)) == len(seen)
