"""A tenant whose schema lacks fields of the query documents, over real HTTP: introspected, named, and read
without the optional ones; a missing required field fails the read and the check, naming it.

The lean stand-in (`LEAN_TENANT`) lacks every field Consonance does not document. New fields (subjects with
headings and main flags, roles, corporate names, measures and extents) are followed into the domain model.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from bookbridge.adapters.consonance import ConsonanceClient
from bookbridge.adapters.consonance import plugin as consonance_plugin
from bookbridge.adapters.consonance.source import ConsonanceSource
from bookbridge.adapters.consonance.standin import (
    LEAN_TENANT,
    SAMPLE_CATALOGUE,
    ConsonanceData,
    ConsonanceStandinServer,
    Fault,
)
from bookbridge.adapters.consonance.tenant import REQUIRED_FIELDS, ConsonanceSchemaMismatch
from bookbridge.domain.model import Edition, SubjectScheme
from bookbridge.domain.ports import FixedClock, ProbeStatus, SourceRead
from bookbridge.domain.problems import Severity
from bookbridge.testing import context, registry_of

KEY = "Lant3rnHi11Key000000000000000abc"
TODAY = date(2026, 11, 28)


def source_for(server: ConsonanceStandinServer) -> ConsonanceSource:
    clock = FixedClock(datetime.combine(TODAY, time(10), tzinfo=UTC))
    source = registry_of(consonance_plugin).create_source(
        "consonance", {"base_url": server.url, "api_key": KEY, "timeout": 5}, context("consonance", clock=clock))
    assert isinstance(source, ConsonanceSource)
    return source


def editions(read: SourceRead) -> dict[str, Edition]:
    return {str(e.isbn): e for f in read.families for e in f.editions}


@pytest.fixture
def lean() -> Iterator[ConsonanceStandinServer]:
    with ConsonanceStandinServer(ConsonanceData.load_json(SAMPLE_CATALOGUE), KEY, omit_fields=LEAN_TENANT) as server:
        yield server


def test_a_lean_tenant_is_read_without_its_missing_fields_each_named_in_a_warning(
    lean: ConsonanceStandinServer,
) -> None:
    read = source_for(lean).read()

    gave_up = {p.field: p for p in read.problems if p.code == "consonance-field-unavailable"}
    assert set(gave_up) == set(LEAN_TENANT)
    assert all(p.severity is Severity.WARNING and p.source == "consonance" for p in gave_up.values())
    assert "go on sale on their publication date" in gave_up["Product.salesEmbargoDate"].message
    # The introspection, then the Works pages, none of which names a missing field.
    assert [r.operation_name for r in lean.requests][:2] == ["IntrospectionQuery", "Works"]
    works_query = lean.requests[1].query or ""
    assert "salesEmbargoDate" not in works_query and "durationMinutes" not in works_query
    assert "productHeight" in works_query
    # The sync proceeds: the same titles, prices and rights, without what was given up.
    found = editions(read)
    assert set(found) == {"9781999990015", "9781999990022", "9781999990039", "9781999990046", "9781999990053",
                          "9781999990060"}
    paperback, audio = found["9781999990022"], found["9781999990046"]
    assert paperback.sales_embargo is None and audio.duration_minutes is None
    assert [p.amount for p in paperback.prices] == [Decimal("9.99")]
    assert found["9781999990015"].dimensions.weight_g is None
    assert found["9781999990015"].dimensions.height_mm == Decimal(234)


def test_the_full_stand_in_gives_up_nothing() -> None:
    with ConsonanceStandinServer(ConsonanceData.load_json(SAMPLE_CATALOGUE), KEY) as server:
        read = source_for(server).read()
    assert not [p for p in read.problems if p.code == "consonance-field-unavailable"]
    assert editions(read)["9781999990022"].sales_embargo == date(2027, 2, 4)


@pytest.mark.parametrize("missing", ["Price.currencyCode", "Product.notForSaleCountryCodes", "Isbn.isbn13"])
def test_a_tenant_lacking_a_required_field_fails_the_read_naming_it(missing: str) -> None:
    assert missing in REQUIRED_FIELDS
    omit = (missing, "PhysicalBookProduct.weight")
    with ConsonanceStandinServer(ConsonanceData.load_json(SAMPLE_CATALOGUE), KEY, omit_fields=omit) as server:
        with pytest.raises(ConsonanceSchemaMismatch) as raised:
            source_for(server).read()
        assert [r.operation_name for r in server.requests] == ["IntrospectionQuery"]  # no Works query was sent
    assert raised.value.fields == (missing,)
    assert missing in str(raised.value) and "cannot do without" in str(raised.value)
    assert raised.value.__notes__ == ["while reading catalogue source 'consonance' (full read)"]


def test_a_tenant_refusing_introspection_is_read_with_the_documents_as_they_are() -> None:
    with ConsonanceStandinServer(ConsonanceData.load_json(SAMPLE_CATALOGUE), KEY) as server:
        server.faults.queue(Fault.graphql_error("Field '__schema' doesn't exist on type 'Query'"))
        read = source_for(server).read()
    [refused] = [p for p in read.problems if p.code == "consonance-introspection-refused"]
    assert refused.severity is Severity.WARNING and "__schema" in refused.message
    assert len(read.families) == 3


# -- the probe `bookbridge check` reports -----------------------------------------------------------------------


def test_the_probe_names_every_optional_field_a_lean_tenant_lacks(lean: ConsonanceStandinServer) -> None:
    result = source_for(lean).probe()
    reach, schema = result.findings
    assert reach.ok and schema.ok  # optional gaps are reported, not failed
    assert "lacks 15 optional field(s)" in schema.message
    for name in LEAN_TENANT:
        assert name in schema.message
    assert schema.call == "POST /graphql (introspection)"


def test_the_probe_fails_on_a_missing_required_field_and_says_what_to_do() -> None:
    omit = ("Price.effectiveTo", "Contact.biography")
    with ConsonanceStandinServer(ConsonanceData.load_json(SAMPLE_CATALOGUE), KEY, omit_fields=omit) as server:
        client = ConsonanceClient(server.url, KEY, timeout=5)
        with client:
            _, schema = ConsonanceSource(client, today=lambda: TODAY).probe().findings
    assert schema.status is ProbeStatus.FAILED
    assert "cannot do without: Price.effectiveTo" in schema.message
    assert "Contact.biography" in schema.message  # the optional gap is named too
    assert schema.fix is not None and "queries_dir" in schema.fix


def test_the_probe_on_a_complete_tenant() -> None:
    with ConsonanceStandinServer(ConsonanceData.load_json(SAMPLE_CATALOGUE), KEY) as server:
        _, schema = source_for(server).probe().findings
    assert schema.ok and schema.message == "the schema has every field the queries name"


# -- the new fields reach the domain model ----------------------------------------------------------------------


def test_subjects_roles_measures_and_extents_reach_the_editions() -> None:
    with ConsonanceStandinServer(ConsonanceData.load_json(SAMPLE_CATALOGUE), KEY) as server:
        found = editions(source_for(server).read())
    hardback, ebook, audio = found["9781999990015"], found["9781999990039"], found["9781999990046"]
    assert [(s.scheme, s.code, s.label, s.main) for s in hardback.subjects] == [
        (SubjectScheme.THEMA, "FFP", "Crime & mystery: police procedural", True),
        (SubjectScheme.BISAC, "FIC022000", "FICTION / Mystery & Detective / General", True),
    ]
    rain = found["9781999990053"]
    assert [(s.scheme, s.code, s.main) for s in rain.subjects] == [
        (SubjectScheme.BIC, "RBP", True),
        (SubjectScheme.OTHER, "04:Rain and rainfall -- Observations", False),  # Work.lcSubjectHeading
    ]
    [collective] = rain.contributors
    assert (collective.role, collective.name, collective.corporate) == ("A01", "The Field Studies Collective", True)
    assert [(c.sequence, c.role, c.name, c.corporate) for c in audio.contributors] == [
        (1, "A01", "Mara Quill", False), (2, "E07", "Tomas Reed", False)
    ]
    dims = hardback.dimensions
    assert (dims.height_mm, dims.width_mm, dims.thickness_mm, dims.weight_g) == (
        Decimal(234), Decimal(153), Decimal(28), Decimal(540)
    )
    assert (hardback.page_count, ebook.page_count) == (352, 352)  # the e-book: its print counterpart's (Extent 08)
    assert (audio.page_count, audio.duration_minutes) == (None, 612)
