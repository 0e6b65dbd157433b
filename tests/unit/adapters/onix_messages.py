"""Small inline ONIX 3.0 messages for the ONIX adapter's unit tests."""

from __future__ import annotations

from pathlib import Path

from bookbridge.domain.model import Edition
from bookbridge.domain.ports import SourceRead

NS = "http://ns.editeur.org/onix/3.0/reference"
ROSEANNA, EBOOK, PRINT, AUDIO, OTHER = (
    "9780007232833", "9780007324378", "9782707158529", "9782070140077", "9782752908643")


def product(isbn: str = ROSEANNA, *, ref: str = "r1", notification: str = "03", title: str = "Roseanna",
            extra: str = "", descriptive: str = "", supply: str = "") -> str:
    return f"""<Product>
<RecordReference>{ref}</RecordReference><NotificationType>{notification}</NotificationType>
<ProductIdentifier><ProductIDType>15</ProductIDType><IDValue>{isbn}</IDValue></ProductIdentifier>
<DescriptiveDetail><ProductForm>BC</ProductForm>
<TitleDetail><TitleType>01</TitleType><TitleElement><TitleElementLevel>01</TitleElementLevel>
<TitleText>{title}</TitleText></TitleElement></TitleDetail>{descriptive}
</DescriptiveDetail>{extra}{supply}
</Product>"""


def message(*products: str, header: str = "", ns: str | None = NS) -> str:
    xmlns = f' xmlns="{ns}"' if ns else ""
    head = f"<Header><Sender><SenderName>S</SenderName></Sender><SentDateTime>20260101</SentDateTime>{header}</Header>"
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<ONIXMessage{xmlns} release="3.0">{head}\n' + "\n".join(
        products) + "\n</ONIXMessage>\n"


def write(tmp_path: Path, xml: str, name: str = "feed.xml") -> Path:
    path = tmp_path / name
    path.write_text(xml, encoding="utf-8")
    return path


def price(amount: str = "9.99", more: str = "") -> str:
    return (f"<ProductSupply><SupplyDetail><ProductAvailability>20</ProductAvailability>"
            f"<Price>{more}<PriceAmount>{amount}</PriceAmount></Price></SupplyDetail></ProductSupply>")


def only_edition(read: SourceRead) -> Edition:
    [family] = read.families
    [edition] = family.editions
    return edition
