"""`bookbridge source inspect`: what a catalogue source holds, and every problem, without writing anything."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bookbridge.application.money import money_text
from bookbridge.domain.model import Edition, TitleFamily
from bookbridge.domain.ports import SourceRead
from bookbridge.entrypoints.cli.common import (
    EXIT_CONFIG,
    EXIT_FAILURES,
    ConfigOption,
    command_group,
    configured,
    screen,
)
from bookbridge.entrypoints.container import build_source
from bookbridge.entrypoints.presentation import plural
from bookbridge.entrypoints.settings import AdapterSettings, ConfigurationError, Settings

source_app = command_group("Look at a catalogue source.")


def _edition_document(edition: Edition) -> dict[str, Any]:
    return {
        "isbn": str(edition.isbn),
        "record_reference": edition.record_reference,
        "format": edition.format.value,
        "title": edition.display_title,
        "publishing_status": edition.publishing_status,
        "availability": edition.availability,
        "publication_date": edition.publication_date.isoformat() if edition.publication_date else None,
        "prices": [
            {"amount": str(p.amount), "currency": p.currency, "type": p.price_type, "qualifier": p.qualifier,
             "territory": str(p.territory) if p.territory else None,
             "from": p.valid_from.isoformat() if p.valid_from else None,
             "until": p.valid_until.isoformat() if p.valid_until else None}
            for p in edition.prices
        ],
        "rights": {
            "sales_rights": [{"type": r.type, "territory": str(r.territory)} for r in edition.rights.sales_rights],
            "row_type": edition.rights.row_type,
            "restrictions": [{"type": r.type, "outlets": list(r.outlets)} for r in edition.rights.restrictions],
        },
        "delisted": edition.delisted,
    }


def read_document(read: SourceRead) -> dict[str, Any]:
    return {
        "families": [{"id": f.id, "title": f.title, "editions": [_edition_document(e) for e in f.editions]}
                     for f in read.families],
        "delisted": [str(isbn) for isbn in read.delisted],
        "problems": [{"record": p.record, "line": p.line, "field": p.field, "severity": p.severity.value,
                      "code": p.code, "message": p.message} for p in read.problems],
    }


def _source_settings(spec: str, *, validate: bool) -> AdapterSettings:
    if spec.startswith(("http://", "https://")):
        return AdapterSettings(kind="onix-url", url=spec, validate=validate)
    path = Path(spec)
    if path.is_dir():
        return AdapterSettings(kind="onix-folder", drop_dir=str(path), validate=validate)
    if path.exists():
        return AdapterSettings(kind="onix-file", path=str(path), validate=validate)
    raise typer.BadParameter(f"{spec!r} is neither a file, a folder, an http(s) URL nor a configured source name")


def _print_tables(console: Console, read: SourceRead) -> None:
    families: list[TitleFamily] = list(read.families)
    editions = sum(len(f.editions) for f in families)
    table = Table(title=f"{plural(len(families), 'title family', 'title families')}, {plural(editions, 'edition')}")
    for column in ("family", "ISBN", "format", "title", "status", "avail.", "pub. date", "prices", "rights"):
        table.add_column(column, overflow="fold")
    for family in families:
        for e in family.editions:
            prices = ", ".join(money_text(p.amount, p.currency) + (f" ({p.qualifier})" if p.qualifier == "08" else "")
                               for p in e.prices[:4])
            rights = "; ".join(f"{r.type}: {r.territory}" for r in e.rights.sales_rights[:2])
            if e.rights.row_type:
                rights += f"; ROW {e.rights.row_type}"
            table.add_row(family.id, str(e.isbn), e.format.label, escape(e.display_title), e.publishing_status or "",
                          e.availability or "", e.publication_date.isoformat()[:10] if e.publication_date else "",
                          prices, rights)
    console.print(table)
    if read.problems:
        problems = Table(title=plural(len(read.problems), "problem"))
        for column in ("severity", "record", "line", "field", "problem"):
            problems.add_column(column, overflow="fold")
        for p in read.problems:
            problems.add_row(p.severity.value, p.record or "", str(p.line or ""), p.field or "", p.message)
        console.print(problems)


@source_app.command("inspect")
def inspect(
    source: str | None = typer.Argument(None, help="an ONIX file, drop folder or URL, or omit for the configured "
                                        "source"),
    config: Path | None = ConfigOption,
    as_json: bool = typer.Option(False, "--json", help="one JSON document: families, then problems"),
    validate: bool = typer.Option(False, "--validate", help="also validate ONIX against the schema (onixcheck); "
                                  "its findings are listed as warnings"),
) -> None:
    """Show the titles a source holds, and every problem.

    Exit 0 when the source could be read, whatever problems its records have.
    """
    container = configured(config)
    err = screen(stderr=True)
    try:
        settings: Settings = container.settings()
    except ConfigurationError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(EXIT_CONFIG) from None
    try:
        if source is None or source in (settings.source.kind, settings.source.options().get("name")):
            reader = (build_source(container.registry(), settings, container.clock(), container.unit_of_work(),
                                   validate=True) if validate else container.source())
        else:
            # A file, folder or URL: read as the configured source would be, without the state database.
            given = settings.model_copy(update={"source": _source_settings(source, validate=validate)})
            reader = build_source(container.registry(), given, container.clock(), None)
    except (LookupError, ValueError) as exc:
        err.print(f"[red]cannot use source {escape(repr(source or settings.source.kind))}:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_CONFIG) from None
    try:
        read = reader.read(None)
    except Exception as exc:  # the source itself cannot be read: say why, exit non-zero
        err.print(f"[red]could not read the source:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_FAILURES) from None
    console = screen()
    if as_json:
        console.print_json(json.dumps(read_document(read), default=str))
    else:
        _print_tables(console, read)

