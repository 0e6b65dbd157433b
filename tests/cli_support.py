"""What the command-line tests share: a storefront, a configuration file on the sample catalogue, and `run()`."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import sys
import termios
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from click.testing import Result
from typer.core import TyperGroup
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


def sandbox_store(sandbox: Any, *, token: str) -> str:
    """A `[store]` table named 'shop' on a running BigCommerce sandbox (`SandboxServer`); `token` is the line that
    gives the access token (`access_token = "…"`, `access_token_env = "…"`)."""
    return f'''
[store]
kind = "bigcommerce"
name = "shop"
store_hash = "{sandbox.config.store_hash}"
{token}
v3_base_url = "{sandbox.base_url_v3}"
v2_base_url = "{sandbox.base_url_v2}"
'''


def write_config(directory: Path, body: str) -> Path:
    """`directory/bookbridge.toml`: `body`, after a `database_url` that keeps the state database in `directory`."""
    path = directory / "bookbridge.toml"
    path.write_text(f'database_url = "sqlite:///{directory / "state.db"}"\n{body}', encoding="utf-8")
    return path


def forget_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's configuration file alone decides: no BOOKBRIDGE_CONFIG or BOOKBRIDGE_DATABASE_URL from outside."""
    for name in ("BOOKBRIDGE_CONFIG", "BOOKBRIDGE_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def every_command() -> list[tuple[str, ...]]:
    """Every command's words (`()` for `bookbridge` itself, `("exceptions", "resolve")`), groups too."""

    def walk(command: object, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        yield path
        if isinstance(command, TyperGroup):
            for name, sub in command.commands.items():
                yield from walk(sub, (*path, name))

    return list(walk(typer.main.get_command(app), ()))


def run(*args: str, env: dict[str, str] | None = None, columns: int = 250) -> Result:
    """`bookbridge *args` in this process, on a terminal wide enough that rich wraps no line of interest."""
    return CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns), **(env or {})})


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


@dataclass(frozen=True)
class Screen:
    """What a command showed on a terminal: its exit code and its stdout, as text (colours taken out)."""

    exit_code: int
    output: str


def on_a_terminal(*args: str, columns: int, env: dict[str, str] | None = None) -> Screen:
    """`bookbridge *args` in this process with stdout on a pseudo-terminal `columns` wide: what a person sees in
    a terminal window that wide (rich wraps tables to it). Stderr stays where it is."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    attributes = termios.tcgetattr(slave)
    attributes[1] &= ~termios.OPOST  # no "\r\n" for "\n": the text as written
    termios.tcsetattr(slave, termios.TCSANOW, attributes)
    chunks: list[bytes] = []

    def drain() -> None:  # read as it is written: a full pseudo-terminal buffer would block the command
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # the terminal's other end is closed: all was read
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    terminal = open(slave, "w", encoding="utf-8")  # noqa: SIM115 (closed below, after the command)
    saved = sys.stdout, {k: os.environ.get(k) for k in ("COLUMNS", "LINES", *(env or {}))}
    os.environ.update({"COLUMNS": str(columns), "LINES": "50", **(env or {})})
    sys.stdout = terminal
    try:
        try:
            code = app(list(args), standalone_mode=False)
        except SystemExit as exc:  # an error click reports itself (a bad option)
            code = exc.code
    finally:
        sys.stdout = saved[0]
        for key, value in saved[1].items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        terminal.close()
        reader.join(timeout=30)
        os.close(master)
    return Screen(int(code or 0), ANSI.sub("", b"".join(chunks).decode("utf-8")))


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
    record: str | None = None  # its RecordReference: the ISBN unless given (a record keeps it when its ISBN changes)


_COVER = """<SupportingResource><ResourceContentType>01</ResourceContentType><ContentAudience>00</ContentAudience>
<ResourceMode>03</ResourceMode><ResourceVersion><ResourceForm>02</ResourceForm>
<ResourceLink>https://covers.example/{isbn}.jpg</ResourceLink></ResourceVersion></SupportingResource>"""
_PRODUCT = """<Product><RecordReference>{record}</RecordReference><NotificationType>03</NotificationType>
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
    body = "".join(_PRODUCT.format(isbn=p.isbn, record=p.record or p.isbn, form=p.form, title=p.title, work=p.work,
                                   description=p.description, status=p.status,
                                   cover=_COVER.format(isbn=p.isbn) if p.cover else "")
                   for p in products)
    path.write_text('<ONIXMessage release="3.0" xmlns="http://ns.editeur.org/onix/3.0/reference"><Header><Sender>'
                    "<SenderName>Test</SenderName></Sender><SentDateTime>20261128</SentDateTime></Header>"
                    f"{body}</ONIXMessage>", encoding="utf-8")
