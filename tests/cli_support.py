"""What the command-line tests share: a storefront, a configuration file on the sample catalogue, and `run()`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from bookbridge.entrypoints.cli import app

# One storefront on the store's default channel: the smallest valid `[[storefronts]]` table.
UK_STOREFRONT = """
[[storefronts]]
name = "uk"
channel_id = 1
countries = ["GB"]
currency = "GBP"
timezone = "Europe/London"
"""


def sample_config(families: int) -> str:
    """A configuration on the generated sample catalogue and the in-memory store, with one storefront."""
    return f'''
[source]
kind = "sample"
families = {families}

[store]
kind = "memory"
name = "shop"
{UK_STOREFRONT}'''


def write_config(directory: Path, body: str) -> Path:
    """`directory/bookbridge.toml`: `body`, after a `database_url` that keeps the state database in `directory`."""
    path = directory / "bookbridge.toml"
    path.write_text(f'database_url = "sqlite:///{directory / "state.db"}"\n{body}', encoding="utf-8")
    return path


def forget_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's configuration file alone decides: no BOOKBRIDGE_CONFIG or BOOKBRIDGE_DATABASE_URL from outside."""
    for name in ("BOOKBRIDGE_CONFIG", "BOOKBRIDGE_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str, env: dict[str, str] | None = None, columns: int = 250) -> Result:
    """`bookbridge *args` in this process, on a terminal wide enough that rich wraps no line of interest."""
    return CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns), **(env or {})})


@dataclass(frozen=True)
class OnixProduct:
    """One ONIX 3.0 product for `write_onix`: active (List 64 04), available (List 65 20), for sale worldwide at
    £7.99, a format of `work` (RelatedWork 01, List 164), with an approved description and, if `cover`, a cover."""

    isbn: str
    form: str = "BB"  # List 150: BB hardback, BC paperback
    title: str = "Roseanna"
    work: str = "roseanna"
    cover: bool = True
    description: str = "A body in a lake."
    status: str = "04"  # List 64: 04 active, 07 out of print


_COVER = """<SupportingResource><ResourceContentType>01</ResourceContentType><ContentAudience>00</ContentAudience>
<ResourceMode>03</ResourceMode><ResourceVersion><ResourceForm>02</ResourceForm>
<ResourceLink>https://covers.example/{isbn}.jpg</ResourceLink></ResourceVersion></SupportingResource>"""
_PRODUCT = """<Product><RecordReference>{isbn}</RecordReference><NotificationType>03</NotificationType>
<ProductIdentifier><ProductIDType>15</ProductIDType><IDValue>{isbn}</IDValue></ProductIdentifier>
<DescriptiveDetail><ProductComposition>00</ProductComposition><ProductForm>{form}</ProductForm>
<TitleDetail><TitleType>01</TitleType><TitleElement><TitleElementLevel>01</TitleElementLevel>
<TitleText>{title}</TitleText></TitleElement></TitleDetail>
<Contributor><SequenceNumber>1</SequenceNumber><ContributorRole>A01</ContributorRole>
<PersonName>Maj Sjowall</PersonName></Contributor></DescriptiveDetail>
<CollateralDetail><TextContent><TextType>03</TextType><ContentAudience>00</ContentAudience>
<Text>{description}</Text></TextContent>{cover}</CollateralDetail>
<PublishingDetail><PublishingStatus>{status}</PublishingStatus><PublishingDate><PublishingDateRole>01</PublishingDateRole>
<Date>20260305</Date></PublishingDate><SalesRights><SalesRightsType>01</SalesRightsType><Territory>
<RegionsIncluded>WORLD</RegionsIncluded></Territory></SalesRights></PublishingDetail>
<RelatedMaterial><RelatedWork><WorkRelationCode>01</WorkRelationCode><WorkIdentifier><WorkIDType>01</WorkIDType>
<IDTypeName>test</IDTypeName><IDValue>{work}</IDValue></WorkIdentifier></RelatedWork></RelatedMaterial>
<ProductSupply><SupplyDetail><Supplier><SupplierRole>01</SupplierRole></Supplier>
<ProductAvailability>20</ProductAvailability>
<Price><PriceType>02</PriceType><PriceAmount>7.99</PriceAmount><CurrencyCode>GBP</CurrencyCode></Price>
</SupplyDetail></ProductSupply></Product>"""


def write_onix(path: Path, products: Sequence[OnixProduct]) -> None:
    """An ONIX 3.0 message of `products` at `path` (a `[source] kind = "onix-file"` to edit between commands)."""
    body = "".join(_PRODUCT.format(isbn=p.isbn, form=p.form, title=p.title, work=p.work, description=p.description,
                                   status=p.status, cover=_COVER.format(isbn=p.isbn) if p.cover else "")
                   for p in products)
    path.write_text('<ONIXMessage release="3.0" xmlns="http://ns.editeur.org/onix/3.0/reference"><Header><Sender>'
                    "<SenderName>Test</SenderName></Sender><SentDateTime>20261128</SentDateTime></Header>"
                    f"{body}</ONIXMessage>", encoding="utf-8")
