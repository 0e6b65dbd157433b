"""An ONIX block update (NotificationType 04) in a later feed merges onto the edition stored by an earlier run."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bookbridge.application.sync import sync_store
from bookbridge.domain.ports import FixedClock
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.entrypoints.container import Container, build_command
from bookbridge.entrypoints.settings import AdapterSettings, Settings, StoreSettings

HEADER = """<ONIXMessage release="3.0" xmlns="http://ns.editeur.org/onix/3.0/reference"><Header><Sender>
<SenderName>Test</SenderName></Sender><SentDateTime>20261128</SentDateTime></Header>"""
FULL = HEADER + """<Product><RecordReference>r1</RecordReference><NotificationType>03</NotificationType>
<ProductIdentifier><ProductIDType>15</ProductIDType><IDValue>9780007232833</IDValue></ProductIdentifier>
<DescriptiveDetail><ProductComposition>00</ProductComposition><ProductForm>BC</ProductForm>
<TitleDetail><TitleType>01</TitleType><TitleElement><TitleElementLevel>01</TitleElementLevel>
<TitleText>Roseanna</TitleText></TitleElement></TitleDetail>
<Contributor><SequenceNumber>1</SequenceNumber><ContributorRole>A01</ContributorRole>
<PersonName>Maj Sjowall</PersonName></Contributor></DescriptiveDetail>
<CollateralDetail><TextContent><TextType>03</TextType><ContentAudience>00</ContentAudience>
<Text>A body in a lake.</Text></TextContent><SupportingResource><ResourceContentType>01</ResourceContentType>
<ContentAudience>00</ContentAudience><ResourceMode>03</ResourceMode><ResourceVersion><ResourceForm>02</ResourceForm><ResourceLink>https://covers.example/r.jpg
</ResourceLink></ResourceVersion></SupportingResource></CollateralDetail>
<PublishingDetail><PublishingStatus>04</PublishingStatus><PublishingDate><PublishingDateRole>01</PublishingDateRole>
<Date>20060807</Date></PublishingDate><SalesRights><SalesRightsType>01</SalesRightsType><Territory>
<RegionsIncluded>WORLD</RegionsIncluded></Territory></SalesRights></PublishingDetail>
<ProductSupply><SupplyDetail><Supplier><SupplierRole>01</SupplierRole></Supplier><ProductAvailability>21</ProductAvailability>
<Price><PriceType>02</PriceType><PriceAmount>7.99</PriceAmount><CurrencyCode>GBP</CurrencyCode></Price>
</SupplyDetail></ProductSupply></Product></ONIXMessage>"""
PRICE_ONLY = HEADER + """<Product><RecordReference>r1</RecordReference><NotificationType>04</NotificationType>
<ProductIdentifier><ProductIDType>15</ProductIDType><IDValue>9780007232833</IDValue></ProductIdentifier>
<ProductSupply><SupplyDetail><Supplier><SupplierRole>01</SupplierRole></Supplier><ProductAvailability>21</ProductAvailability>
<Price><PriceType>02</PriceType><PriceAmount>8.49</PriceAmount><CurrencyCode>GBP</CurrencyCode></Price>
</SupplyDetail></ProductSupply></Product></ONIXMessage>"""

UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP", timezone="Europe/London")


def _run(tmp_path: Path, feed: Path, clock: FixedClock):
    """One process's worth: a fresh container on the same state database."""
    container = Container()
    container.settings.override(Settings(source=AdapterSettings(kind="onix-file", path=str(feed)),
                                         store=StoreSettings(kind="memory", name="shop"), storefronts=[UK],
                                         database_url=f"sqlite:///{tmp_path / 'state.db'}"))
    container.clock.override(clock)
    try:
        uow = container.unit_of_work()
        report = sync_store(build_command(container.settings()), container.source(), container.storefront(), uow,
                            clock)
        with uow:
            stored = uow.state.catalogue("onix-file")
        return report, stored
    finally:
        container.shutdown_resources()


def test_a_price_only_block_update_keeps_everything_else(tmp_path):
    clock = FixedClock(datetime(2026, 11, 28, 10, tzinfo=UTC))
    full, update = tmp_path / "full.xml", tmp_path / "update.xml"
    full.write_text(FULL, encoding="utf-8")
    update.write_text(PRICE_ONLY, encoding="utf-8")

    first, _ = _run(tmp_path, full, clock)
    assert first.created == 1
    second, stored = _run(tmp_path, update, clock)

    [edition] = [e for f in stored.values() for e in f.editions]
    assert [str(p.amount) for p in edition.prices] == ["8.49"]  # the block that was sent replaced the old one
    assert (edition.title, edition.contributors[0].name, edition.publishing_status) == ("Roseanna", "Maj Sjowall", "04")
    assert edition.resources and edition.texts  # blocks not sent are kept
    assert (second.updated, second.failed) == (1, 0)


LIBRARIES_ONLY = FULL.replace("<ProductSupply><SupplyDetail>", """<ProductSupply><Market><Territory>
<RegionsIncluded>WORLD</RegionsIncluded></Territory><SalesRestriction><SalesRestrictionType>06</SalesRestrictionType></SalesRestriction>
</Market><SupplyDetail>""")
RIGHTS_ONLY = HEADER + """<Product><RecordReference>r1</RecordReference><NotificationType>04</NotificationType>
<ProductIdentifier><ProductIDType>15</ProductIDType><IDValue>9780007232833</IDValue></ProductIdentifier>
<PublishingDetail><PublishingStatus>04</PublishingStatus><PublishingDate><PublishingDateRole>01</PublishingDateRole>
<Date>20060807</Date></PublishingDate><SalesRights><SalesRightsType>01</SalesRightsType><Territory>
<RegionsIncluded>WORLD</RegionsIncluded></Territory></SalesRights></PublishingDetail></Product></ONIXMessage>"""


def test_a_rights_only_block_update_never_drops_a_market_restriction(tmp_path):
    from bookbridge.domain.rights import RightsResolver

    clock = FixedClock(datetime(2026, 11, 28, 10, tzinfo=UTC))
    full, update = tmp_path / "full.xml", tmp_path / "update.xml"
    full.write_text(LIBRARIES_ONLY, encoding="utf-8")
    update.write_text(RIGHTS_ONLY, encoding="utf-8")
    first, _ = _run(tmp_path, full, clock)
    assert (first.created, first.skipped) == (0, 1)  # List 71: 06 libraries only, not our shop
    second, stored = _run(tmp_path, update, clock)
    [edition] = [e for f in stored.values() for e in f.editions]
    assert "06" in {r.type for r in edition.rights.restrictions}
    assert not RightsResolver(edition.rights).for_sale("GB")
    assert second.created == 0
