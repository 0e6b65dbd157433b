"""`bookbridge source inspect`: what a catalogue source holds, and every problem, without writing anything."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bookbridge.application.money import money_amount, money_text
from bookbridge.application.sync_exceptions import source_failure
from bookbridge.domain.categories import CategoryMapping, subject_words
from bookbridge.domain.codelists import (
    AVAILABILITY,
    CONTRIBUTOR_ROLES,
    PRICE_QUALIFIERS,
    PRICE_TYPES,
    PUBLISHING_STATUS,
    RESOURCE_TYPES,
    SALES_RIGHTS,
    TEXT_TYPES,
    UNNAMED_PERSONS,
    labelled,
)
from bookbridge.domain.listing.credits import byline, credits
from bookbridge.domain.listing.unmapped import unmapped
from bookbridge.domain.model import Edition, PriceRow, TitleFamily
from bookbridge.domain.ports import SourceRead
from bookbridge.entrypoints.cli.common import (
    EXIT_CONFIG,
    EXIT_FAILURES,
    ConfigOption,
    command_group,
    configured,
    invalid_configuration,
    option_errors,
    screen,
    setup_error,
)
from bookbridge.entrypoints.cli.render import print_source_failure
from bookbridge.entrypoints.cli.tables import WholeTable
from bookbridge.entrypoints.cli.values import refused
from bookbridge.entrypoints.container import build_source, source_name
from bookbridge.entrypoints.presentation import plural, utc_time
from bookbridge.entrypoints.settings import AdapterSettings, ConfigurationError, Settings

source_app = command_group("Look at a catalogue source.")


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, (date, datetime)) else None


def _when(value: date | datetime | None) -> str:
    """A date as it is (`2026-12-09`); an instant in UTC, saying so (`2026-12-09 05:00 UTC`), as the glossary has
    it: never an offset alone or an ISO instant cut short."""
    if isinstance(value, datetime):
        return utc_time(value if value.tzinfo else value.replace(tzinfo=UTC))
    return value.isoformat() if value is not None else "…"


def _dates(edition: Edition) -> dict[str, date | datetime | None]:
    return {"publication": edition.publication_date, "sales_embargo": edition.sales_embargo,
            "preorder_embargo": edition.preorder_embargo, "announcement": edition.announcement_date,
            "expected_availability": edition.expected_availability}


def _price_words(p: PriceRow) -> str:
    """`£9.99, 02 RRP including tax, 05 Consumer price, in GB`: enough to tell two GBP prices apart."""
    words = [money_text(p.amount, p.currency), labelled(p.price_type, PRICE_TYPES)]
    if p.qualifier:
        words.append(labelled(p.qualifier, PRICE_QUALIFIERS))
    if p.territory:
        words.append(f"in {p.territory}")
    if p.valid_from or p.valid_until:
        words.append(f"{_when(p.valid_from)} to {_when(p.valid_until)}")
    return ", ".join(words)


def _edition_document(edition: Edition, categories: CategoryMapping) -> dict[str, Any]:
    d = edition.dimensions
    supply = labelled(edition.availability, AVAILABILITY) or None
    return {
        "isbn": str(edition.isbn),
        "record_reference": edition.record_reference,
        "format": edition.format.value,
        "form": edition.form_code,
        "title": edition.display_title,
        "imprint": edition.imprint,
        "publisher": edition.publisher,
        "series": ({"name": edition.series.name, "number": edition.series.number} if edition.series else None),
        "publishing_status": edition.publishing_status,
        "publishing_status_meaning": labelled(edition.publishing_status, PUBLISHING_STATUS) or None,
        # ONIX ProductAvailability (List 65), the source's *supply*: not the shopper's availability (the glossary).
        # `availability` and `availability_meaning` are the keys' deprecated old names, with the same values.
        "supply": edition.availability,
        "supply_meaning": supply,
        "availability": edition.availability,
        "availability_meaning": supply,
        "publication_date": _iso(edition.publication_date),
        "dates": {name: _iso(value) for name, value in _dates(edition).items()},
        "contributors": [
            {"sequence": c.sequence, "name": c.name, "role": c.role, "role_meaning": labelled(c.role,
             CONTRIBUTOR_ROLES), "corporate": c.corporate, "unnamed": labelled(c.unnamed, UNNAMED_PERSONS) or None,
             "biography_length": len(c.biography) if c.biography else 0}
            for c in sorted(edition.contributors, key=lambda c: c.sequence)
        ],
        "byline": byline(credits(edition.contributors), 10_000),
        "measures": {"height_mm": _num(d.height_mm), "width_mm": _num(d.width_mm),
                     "thickness_mm": _num(d.thickness_mm), "weight_g": _num(d.weight_g)},
        "pages": edition.page_count,
        "duration_minutes": edition.duration_minutes,
        "subjects": [{"scheme": s.scheme.value, "code": s.code, "heading": s.label, "main": s.main}
                     for s in edition.subjects],
        "texts": [{"type": t.code, "meaning": labelled(t.code, TEXT_TYPES) or t.kind.words, "kind": t.kind.value,
                   "length": len(t.text), "for_customers": t.approved} for t in edition.texts],
        "resources": [{"type": r.code, "meaning": labelled(r.code, RESOURCE_TYPES) or r.kind.words,
                       "kind": r.kind.value, "url": r.url, "mime_type": r.mime_type, "bytes": r.size_bytes,
                       "width_px": r.width_px, "height_px": r.height_px, "for_customers": r.approved}
                      for r in edition.resources],
        "prices": [
            {"amount": money_amount(p.amount, p.currency), "currency": p.currency, "type": p.price_type,
             "type_meaning": labelled(p.price_type, PRICE_TYPES), "qualifier": p.qualifier,
             "qualifier_meaning": labelled(p.qualifier, PRICE_QUALIFIERS) or None,
             "territory": str(p.territory) if p.territory else None,
             "from": _iso(p.valid_from), "until": _iso(p.valid_until)}
            for p in edition.prices
        ],
        "rights": {
            "sales_rights": [{"type": r.type, "meaning": labelled(r.type, SALES_RIGHTS), "territory": str(r.territory)}
                             for r in edition.rights.sales_rights],
            "row_type": edition.rights.row_type,
            "row_meaning": labelled(edition.rights.row_type, SALES_RIGHTS) or None,
            "restrictions": [{"type": r.type, "outlets": list(r.outlets)} for r in edition.rights.restrictions],
        },
        "unmapped": [{"element": u.element, "what": u.what, "reason": u.reason} for u in unmapped(edition, categories)],
        # The source's delete notification (ONIX NotificationType 05), one of the causes of *withdrawn*; not the
        # lifecycle stage, whose JSON code `delisted` this key must not be mistaken for.
        "deleted_by_source": edition.delisted,
    }


# The JSON's date keys as the table says them, in docs/mapping.md's words: the sales embargo (ONIX PublishingDate
# 02) and pre-order embargo (27); the expected date of supply (SupplyDate 08), the source's *supply*, never the
# shopper's availability (docs/glossary.md).
DATE_WORDS = {"publication": "publication", "sales_embargo": "sales embargo", "preorder_embargo": "pre-order embargo",
              "announcement": "announcement", "expected_availability": "expected supply"}
# The JSON's measure keys as the table says them: a word and a unit ("height 197 mm").
MEASURE_WORDS = {"height_mm": ("height", "mm"), "width_mm": ("width", "mm"), "thickness_mm": ("thickness", "mm"),
                 "weight_g": ("weight", "g")}


def _num(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def read_document(read: SourceRead, categories: CategoryMapping) -> dict[str, Any]:
    return {
        "families": [{"id": f.id, "title": f.title,
                      "editions": [_edition_document(e, categories) for e in f.editions]}
                     for f in read.families],
        "deleted_by_source": [str(isbn) for isbn in read.delisted],
        "problems": [{"record": p.record, "line": p.line, "field": p.field, "severity": p.severity.value,
                      "code": p.code, "message": p.message} for p in read.problems],
    }


def _source_settings(spec: str, *, validate: bool, configured: str) -> AdapterSettings:
    """SOURCE, when it is not the configured source's name (`configured`): an ONIX file, drop folder or URL."""
    if spec.startswith(("http://", "https://")):
        return AdapterSettings(kind="onix-url", url=spec, validate=validate)
    path = Path(spec)
    if path.is_dir():
        return AdapterSettings(kind="onix-folder", drop_dir=str(path), validate=validate)
    if path.exists():
        return AdapterSettings(kind="onix-file", path=str(path), validate=validate)
    raise refused("SOURCE", f"{spec!r} is neither a file, a folder, an http(s) URL nor the configured source's "
                            f"name ({configured!r})")


WHOLE = frozenset({"ISBN", "format", "publication date"})  # values a narrow terminal must not break: the others wrap


def _print_tables(console: Console, read: SourceRead, categories: CategoryMapping) -> None:
    families: list[TitleFamily] = list(read.families)
    editions = sum(len(f.editions) for f in families)
    table = WholeTable(title=f"{plural(len(families), 'title family', 'title families')}, "
                             f"{plural(editions, 'edition')}")
    for column in ("title family", "ISBN", "format", "title", "status", "supply", "publication date", "prices",
                   "rights"):
        table.add_column(column, overflow="fold", no_wrap=column in WHOLE)
    for family in families:
        for n, e in enumerate(family.editions):
            # The family by its title, once, over its editions; the source's id for it after, labelled.
            named = f"{family.title}\n(family id {family.id})" if n == 0 else ""
            prices = "\n".join(_price_words(p) for p in e.prices[:6])
            rights = "; ".join(f"{labelled(r.type, SALES_RIGHTS)}: {r.territory}" for r in e.rights.sales_rights[:3])
            if e.rights.row_type:
                rights += f"; rest of world {labelled(e.rights.row_type, SALES_RIGHTS)}"
            table.add_row(escape(named), str(e.isbn), e.format.label, escape(e.display_title),
                          labelled(e.publishing_status, PUBLISHING_STATUS), labelled(e.availability, AVAILABILITY),
                          _iso(e.publication_date) or "", escape(prices), escape(rights))
    console.print(table)
    for family in families:
        for e in family.editions:
            console.print(_details(e, categories))
    if read.problems:
        problems = WholeTable(title=plural(len(read.problems), "problem"))
        for column in ("severity", "record", "line", "field", "problem"):
            problems.add_column(column, overflow="fold")
        for p in read.problems:
            problems.add_row(p.severity.value, p.record or "", str(p.line or ""), p.field or "", escape(p.message))
        console.print(problems)


def _details(e: Edition, categories: CategoryMapping) -> Table:
    """Everything mapped for one edition, one row per kind of thing."""
    doc = _edition_document(e, categories)
    table = WholeTable(title=f"{e.isbn} {escape(e.display_title)} ({e.format.label})", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    rows = {
        "contributors": "\n".join(f"{c['sequence']}. {c['name']} ({c['role_meaning']})"
                                  + (", corporate" if c["corporate"] else "")
                                  + (f", biography {plural(c['biography_length'], 'character')}"
                                     if c["biography_length"] else "")
                                  for c in doc["contributors"]),
        "byline": doc["byline"],
        "measures": ", ".join(f"{MEASURE_WORDS[k][0]} {v} {MEASURE_WORDS[k][1]}" for k, v in doc["measures"].items()
                              if v is not None),
        "pages": str(e.page_count or ""),
        "duration": f"{e.duration_minutes} min" if e.duration_minutes else "",
        "subjects": "\n".join(subject_words(s) + (", main subject" if s.main else "") for s in e.subjects),
        "texts": "\n".join(f"{t['meaning']}: {plural(t['length'], 'character')}"
                           + ("" if t["for_customers"] else ", not for customers") for t in doc["texts"]),
        "resources": "\n".join(f"{r['meaning']}: {r['url']}" + (f" ({r['mime_type']})" if r["mime_type"] else "")
                            for r in doc["resources"]),
        "dates": ", ".join(f"{DATE_WORDS[k]} {_when(v)}" for k, v in _dates(e).items() if v is not None),
        "prices": "\n".join(_price_words(p) for p in e.prices),
        "rights": "\n".join([f"{r['meaning']}: {r['territory']}" for r in doc["rights"]["sales_rights"]]
                            + ([f"rest of world: {doc['rights']['row_meaning']}"] if e.rights.row_type else [])),
        "unmapped": "\n".join(f"{u['element']} {u['what']}: {u['reason']}" for u in doc["unmapped"]),
    }
    for name, value in rows.items():
        if value:
            table.add_row(name, escape(value))
    return table


@source_app.command("inspect")
def inspect(
    source: str | None = typer.Argument(None, metavar="SOURCE",
                                        help="an ONIX file, drop folder or http(s) URL, or the configured "
                                        "source's name; left out, the configured source"),
    config: Path | None = ConfigOption,
    as_json: bool = typer.Option(False, "--json", help="one JSON document: families, then problems"),
    validate: bool = typer.Option(False, "--validate", help="also validate ONIX against the schema (onixcheck); "
                                  "its findings are listed as warnings"),
) -> None:
    """Show the title families and editions a source holds, and every problem.

    Exit 0 when the source could be read, whatever problems its records have; 1 when it could not be read (an
    unreachable URL, malformed XML); 2 if the configuration is invalid or SOURCE is neither a file, a folder, an
    http(s) URL nor the configured source's name.
    """
    container = configured(config)
    err = screen(stderr=True)
    try:
        settings: Settings = container.settings()
    except ConfigurationError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(EXIT_CONFIG) from None
    if wrong := option_errors(container.registry(), settings):  # the whole configuration, as every command reads it
        raise invalid_configuration(wrong)
    the_configured = source is None or source in (settings.source.kind, settings.source.options().get("name"))
    try:
        # The configured source, or a file, folder or URL read as the configured source would be: without the
        # state database (none is opened, so none is made), so ONIX block updates (04) are problems, as in `check`.
        given = settings if the_configured or source is None \
            else settings.model_copy(update={"source": _source_settings(source, validate=validate,
                                                                        configured=source_name(settings))})
        reader = build_source(container.registry(), given, container.clock(), None, validate=validate)
    except (LookupError, ValueError) as exc:
        if the_configured:  # said as every command's start-up check says it: `[source] api_key_env: ...`
            raise invalid_configuration([setup_error("source", exc)]) from None
        err.print(f"[red]cannot use source {escape(repr(source))}:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_CONFIG) from None
    try:
        read = reader.read(None)
    except Exception as exc:  # the source itself cannot be read: say why, exit non-zero
        print_source_failure(err, source_failure(reader.name, exc), nothing_was="shown")
        raise typer.Exit(EXIT_FAILURES) from None
    console = screen()
    if as_json:
        console.print_json(json.dumps(read_document(read, settings.mapping.categories), default=str))
    else:
        _print_tables(console, read, settings.mapping.categories)

