"""Milestones under `bookbridge sync` (a publisher's cron, no service): every sync evaluates the transitions between
the catalogue before and after; what needs the service's scheduler is queued in the state database, shown as queued,
and carried out by the service at its next sync."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bookbridge.adapters.persistence.engine import make_engine
from bookbridge.adapters.persistence.milestones import SqlAlchemyMilestoneLog
from bookbridge.domain.milestones import MilestoneEvent, MilestoneRecord, Transition
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.entrypoints.container import Container
from bookbridge.entrypoints.service import Service
from bookbridge.entrypoints.settings import AdapterSettings, Settings, StoreSettings
from cli_support import UK_STOREFRONT, forget_configuration, run, write_config

ISBN = "9780007232833"
UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP", timezone="Europe/London")
FEED = """<ONIXMessage release="3.0" xmlns="http://ns.editeur.org/onix/3.0/reference"><Header><Sender>
<SenderName>Test</SenderName></Sender><SentDateTime>20261128</SentDateTime></Header>
<Product><RecordReference>r1</RecordReference><NotificationType>03</NotificationType>
<ProductIdentifier><ProductIDType>15</ProductIDType><IDValue>{isbn}</IDValue></ProductIdentifier>
<DescriptiveDetail><ProductComposition>00</ProductComposition><ProductForm>BC</ProductForm>
<TitleDetail><TitleType>01</TitleType><TitleElement><TitleElementLevel>01</TitleElementLevel>
<TitleText>Roseanna</TitleText></TitleElement></TitleDetail>
<Contributor><SequenceNumber>1</SequenceNumber><ContributorRole>A01</ContributorRole>
<PersonName>Maj Sjowall</PersonName></Contributor></DescriptiveDetail>
<CollateralDetail><TextContent><TextType>03</TextType><ContentAudience>00</ContentAudience>
<Text>A body in a lake.</Text></TextContent><SupportingResource><ResourceContentType>01</ResourceContentType>
<ContentAudience>00</ContentAudience><ResourceMode>03</ResourceMode><ResourceVersion><ResourceForm>02</ResourceForm>
<ResourceLink>https://covers.example/r.jpg</ResourceLink></ResourceVersion></SupportingResource></CollateralDetail>
<PublishingDetail><PublishingStatus>{status}</PublishingStatus><PublishingDate><PublishingDateRole>01</PublishingDateRole>
<Date>{date}</Date></PublishingDate><SalesRights><SalesRightsType>01</SalesRightsType><Territory>
<RegionsIncluded>WORLD</RegionsIncluded></Territory></SalesRights></PublishingDetail>
<ProductSupply><SupplyDetail><Supplier><SupplierRole>01</SupplierRole></Supplier>
<ProductAvailability>{availability}</ProductAvailability>
<Price><PriceType>02</PriceType><PriceAmount>7.99</PriceAmount><CurrencyCode>GBP</CurrencyCode></Price>
</SupplyDetail></ProductSupply></Product></ONIXMessage>"""


def feed(path: Path, *, status: str, date: str, availability: str = "10") -> None:
    path.write_text(FEED.format(isbn=ISBN, status=status, date=date, availability=availability), encoding="utf-8")


@pytest.fixture
def setup(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    forget_configuration(monkeypatch)
    onix = tmp_path / "feed.xml"
    config = write_config(tmp_path, f'[source]\nkind = "onix-file"\npath = "{onix}"\n\n[store]\nkind = "memory"\n'
                                    f'name = "shop"\n{UK_STOREFRONT}')
    return onix, config


def log(tmp_path: Path) -> SqlAlchemyMilestoneLog:
    return SqlAlchemyMilestoneLog(make_engine(f"sqlite:///{tmp_path / 'state.db'}"))


def test_bookbridge_sync_applies_milestones_and_queues_a_launch_for_the_service(setup, tmp_path):
    onix, config = setup
    feed(onix, status="02", date="20990301")  # forthcoming, far ahead
    first = run("sync", "-c", str(config))
    assert first.exit_code == 0, first.output
    assert "milestone" not in first.output  # the first read is the baseline
    feed(onix, status="02", date="20990215")  # the publication date moved: schedule-launch
    second = run("sync", "-c", str(config))
    assert second.exit_code == 0, second.output
    # In the words and the edition naming of `bookbridge milestones`, not the codes of `[milestones]`.
    assert f"milestone publication date changed of Roseanna (Paperback), ISBN {ISBN}: schedule its launch (queued)" \
        in " ".join(second.output.split()), second.output
    [queued] = log(tmp_path).pending("shop")
    assert (queued.event.isbn, queued.action, queued.ok) == (ISBN, "schedule-launch", False)
    assert "queued for the service" in queued.detail
    listed = run("milestones", "-c", str(config))
    assert listed.exit_code == 0 and "queued" in listed.output, listed.output

    feed(onix, status="04", date="20990215", availability="21")  # became active: the sync action, judged by itself
    third = run("sync", "-c", str(config))
    assert third.exit_code == 0, third.output
    [active] = [r for r in log(tmp_path).recent() if r.event.transition == "status-active"]
    assert (active.action, active.ok, active.pending) == ("sync", True, False)
    assert log(tmp_path).pending("shop") == [queued], "still waiting for the service"

    # The service's next sync carries the queued launch out and settles its record.
    container = Container()
    container.settings.override(Settings(source=AdapterSettings(kind="onix-file", path=str(onix)),
                                         store=StoreSettings(kind="memory", name="shop"),
                                         storefronts=[UK],
                                         database_url=f"sqlite:///{tmp_path / 'state.db'}"))
    service = Service(container, instance="cron-then-service")
    service.start(sync_at_start=False)
    try:
        assert service.run_sync("shop") is not None
        [settled] = [r for r in log(tmp_path).recent() if r.id == queued.id]
        assert (settled.ok, settled.pending) == (True, False), settled
        assert "carried out by the service" in settled.detail and "launch job at:shop:" in settled.detail
        assert log(tmp_path).pending("shop") == []
    finally:
        service.shutdown(wait=True)
        container.shutdown_resources()



def test_milestones_are_at_a_store_instant_in_utc_with_each_storefronts_local_time(tmp_path, monkeypatch):
    """A milestone is an edition's, store-wide: its time in UTC and in each storefront's zone, naming it, as `runs`
    and `jobs` say a store's instant."""
    forget_configuration(monkeypatch)
    config = write_config(tmp_path, f'[store]\nkind = "memory"\nname = "shop"\n{UK_STOREFRONT}\n[[storefronts]]\n'
                                    'name = "in"\nchannel_id = 2\ncountries = ["IN"]\ncurrency = "INR"\n'
                                    'default_currency = false\ntimezone = "Asia/Kolkata"\n')
    assert run("db", "upgrade", "-c", str(config)).exit_code == 0
    log(tmp_path).record(MilestoneRecord(
        at=datetime(2026, 12, 7, 18, 30, tzinfo=UTC), store="shop", action="sync", ok=True, detail="synced",
        event=MilestoneEvent(ISBN, Transition.ACTIVE, "02", "04")))
    listed = run("milestones", "-c", str(config))
    assert listed.exit_code == 0, listed.output
    words = " ".join(listed.output.split())
    assert "2026-12-07 18:30 UTC" in words, listed.output
    assert "storefront 'uk': 2026-12-07 18:30 GMT (Europe/London); storefront 'in': 2026-12-08 00:00 IST " \
           "(Asia/Kolkata)" in words, listed.output
    # No catalogue is stored: the edition is `not in the catalogue (ISBN …)`, as the sales report says it, never a
    # bare `ISBN …` posing as its name, and a note under the table says how many.
    assert re.search(rf"│ not in the catalogue \(ISBN {ISBN}\)\s+│", listed.output), listed.output
    assert "note: 1 edition is not in the catalogue (a title since removed from the source, or another source's), " \
           "each named `not in the catalogue (ISBN …)`" in words, words


def test_milestones_name_the_edition_as_the_catalogue_knows_it(setup):
    """`Title (Format)` beside the ISBN (docs/glossary.md), as `exceptions list` names an edition."""
    onix, config = setup
    feed(onix, status="02", date="20990301")
    assert run("sync", "-c", str(config)).exit_code == 0
    feed(onix, status="02", date="20990215")  # the publication date moved: a milestone
    assert run("sync", "-c", str(config)).exit_code == 0
    listed = run("milestones", "-c", str(config))
    assert listed.exit_code == 0, listed.output
    assert re.search(rf"│ Roseanna \(Paperback\), ISBN {ISBN} │", listed.output), listed.output
    # The transition and the action in words, as the demo and the glossary say them, not their codes.
    assert "│ publication date changed │" in listed.output and "date-changed" not in listed.output, listed.output
    assert "│ schedule its launch │" in listed.output and "schedule-launch" not in listed.output, listed.output
    assert "precise" not in listed.output, listed.output

