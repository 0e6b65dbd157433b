"""`ConsonanceSource`: the Consonance GraphQL API as a `CatalogSource`.

    source = ConsonanceSource(lambda: ConsonanceClient(url, key), today=lambda: clock.now().date())
    full = source.read()              # every work; complete=True
    delta = source.read(full.cursor)  # works changed since the cursor's day minus `overlap_days`; complete=False

The cursor is the ISO date of the read's day. Consonance's `changedSince` is date-granular, so a delta asks
from `overlap_days` before it: a change stamped on the last read's day, or on the day before when the clocks
disagree about midnight, is read again. Reading a work twice yields the same family, so the overlap is harmless.

Before each read the source introspects the tenant (`tenant.py`) and sends the query documents without the optional
fields the tenant lacks, with one warning problem (`consonance-field-unavailable`) naming each; a tenant lacking a
required field (`tenant.REQUIRED_FIELDS`) fails the read with `ConsonanceSchemaMismatch` naming them. A tenant that
refuses introspection gets the documents as they are, with a warning.

Client failures (`ConsonanceAuthError`, `ConsonanceUnavailable`, `ConsonanceQueryError`,
`ConsonanceProtocolError`) propagate with a note naming the source and the window; nothing partial is returned.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from typing import Any, Protocol, cast

from bookbridge.adapters.consonance.client import ConsonanceClient
from bookbridge.adapters.consonance.errors import ConsonanceError, ConsonanceQueryError
from bookbridge.adapters.consonance.mapping import MappedWork, map_work
from bookbridge.adapters.consonance.probe import probe_client
from bookbridge.adapters.consonance.tenant import ConsonanceSchemaMismatch, fit_to_tenant, introspect
from bookbridge.application.isbn_changes import ISBN_FIELD
from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.ports import CatalogSource, ProbeResult, SourceRead
from bookbridge.domain.problems import Problem, Severity
from bookbridge.domain.words import plural

logger = logging.getLogger(__name__)


class WorksClient(Protocol):
    """What the source needs from `ConsonanceClient`."""

    def iter_works(self, *, changed_since: date | None = None) -> Iterator[dict[str, Any]]: ...


ClientFactory = Callable[[], WorksClient]


class ConsonanceSource(CatalogSource):
    """Reads Consonance works into title families. Given a factory, it opens (and closes) a client per read;
    given a client, it uses it and leaves it open."""

    name: str

    def __init__(
        self,
        client: WorksClient | ClientFactory,
        *,
        name: str = "consonance",
        today: Callable[[], date],
        overlap_days: int = 1,
    ) -> None:
        if overlap_days < 0:
            raise ValueError("overlap_days must not be negative")
        self.name = name
        # A client (has iter_works) is shared and left open; a factory makes a client per read.
        self._shared: WorksClient | None = None
        self._factory: ClientFactory | None = None
        if not isinstance(client, type) and callable(getattr(client, "iter_works", None)):
            self._shared = cast(WorksClient, client)
        else:
            self._factory = cast(ClientFactory, client)
        self._today = today
        self.overlap_days = overlap_days

    def __repr__(self) -> str:
        return f"ConsonanceSource(name={self.name!r}, overlap_days={self.overlap_days})"

    def read(self, cursor: str | None = None) -> SourceRead:
        today = self._today()
        problems: list[Problem] = []
        since = self._since(cursor, today, problems)
        try:
            works = self._fetch(since, problems)
        except ConsonanceError as exc:
            window = f"changed since {since}" if since else "full read"
            exc.add_note(f"while reading catalogue source {self.name!r} ({window})")
            raise
        families, delisted = self._assemble((map_work(w, at=today, source=self.name) for w in works), problems)
        logger.info(
            "Consonance source %r: %s read as %s, %s (%s)", self.name, plural(len(works), "work"),
            plural(len(families), "title family", "title families"), plural(len(problems), "problem"),
            f"changed since {since}" if since else "full read",
        )
        return SourceRead(
            families=tuple(families),
            problems=tuple(problems),
            delisted=tuple(delisted),
            cursor=today.isoformat(),
            complete=since is None,
        )

    def _since(self, cursor: str | None, today: date, problems: list[Problem]) -> date | None:
        """The `changedSince` day for a read from `cursor`: None (everything) without a usable cursor."""
        if cursor is None:
            return None
        try:
            last = date.fromisoformat(cursor)
        except ValueError:
            problems.append(Problem(code="unreadable-cursor", severity=Severity.WARNING, source=self.name,
                                    message=f"cursor {cursor!r} is not an ISO date; reading the whole catalogue"))
            return None
        # A cursor ahead of today (the clock went back) must not skip today's changes.
        return min(last, today) - timedelta(days=self.overlap_days)

    def probe(self) -> ProbeResult:
        """Read-only calls proving the address and the API key, and naming the fields of the query documents the
        tenant lacks (`bookbridge check`)."""
        client = self._shared if self._shared is not None else self._factory() if self._factory else None
        if not isinstance(client, ConsonanceClient):
            return ProbeResult(findings=())  # a test double: nothing to reach
        try:
            return probe_client(client)
        finally:
            if client is not self._shared:
                client.close()

    def _fetch(self, since: date | None, problems: list[Problem]) -> list[dict[str, Any]]:
        client = self._shared if self._shared is not None else self._factory() if self._factory else None
        assert client is not None
        try:
            if isinstance(client, ConsonanceClient):
                document = self._fit(client, problems)
                return list(client.iter_works(changed_since=since, document=document))
            return list(client.iter_works(changed_since=since))  # a test double: no schema to fit
        finally:
            close = getattr(client, "close", None)
            if client is not self._shared and callable(close):
                close()

    def _fit(self, client: ConsonanceClient, problems: list[Problem]) -> str:
        """The works document fitted to the tenant's schema; what it gave up goes to `problems`."""
        try:
            schema = introspect(client)
        except ConsonanceQueryError as exc:
            problems.append(Problem(code="consonance-introspection-refused", severity=Severity.WARNING,
                                    source=self.name, message=f"cannot introspect the tenant's schema ({exc}); "
                                    "the query documents are sent as they are"))
            return client.works_document
        fit = fit_to_tenant(client.works_document, schema)
        if fit.fatal:
            raise ConsonanceSchemaMismatch(fit.fatal)
        for name in fit.optional_missing:
            problems.append(Problem(code="consonance-field-unavailable", severity=Severity.WARNING,
                                    source=self.name, field=name,
                                    message=f"the Consonance tenant has no {name}; read without it: "
                                            f"{fit.consequence(name)}"))
        if fit.missing:
            logger.warning("Consonance source %r: the tenant lacks %s; read without them", self.name,
                           ", ".join(fit.missing))
        return fit.document

    def _assemble(
        self, mapped: Iterable[MappedWork], problems: list[Problem]
    ) -> tuple[list[TitleFamily], list[ISBN13]]:
        """Collect families, problems and withdrawn ISBNs; an ISBN claimed by an earlier work is skipped."""
        families: list[TitleFamily] = []
        delisted: list[ISBN13] = []
        owner: dict[ISBN13, str] = {}
        for work in mapped:
            problems += work.problems
            delisted += [isbn for isbn in work.withdrawn if isbn not in owner]
            if work.family is None:
                continue
            kept = []
            for edition in work.family.editions:
                if edition.isbn in owner:
                    problems.append(Problem(
                        code="duplicate-isbn", severity=Severity.BLOCKING, record=str(edition.isbn),
                        field=ISBN_FIELD, source=self.name,
                        message=f"record {edition.record_reference}: ISBN {edition.isbn} is already "
                                f"in {owner[edition.isbn]}; not read",
                    ))
                    continue
                owner[edition.isbn] = work.family.id
                kept.append(edition)
            if kept:
                families.append(work.family if len(kept) == len(work.family.editions)
                                else work.family.model_copy(update={"editions": tuple(kept)}))
        return families, [isbn for isbn in delisted if isbn not in owner]
