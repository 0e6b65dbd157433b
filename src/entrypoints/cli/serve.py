"""`bookbridge serve`: the long-running service, the scheduler and the HTTP app in one process.

SIGTERM or SIGINT: the HTTP server stops accepting and finishes its requests, a sync in flight finishes its
batch, the scheduler shuts down waiting for running jobs (which release their leases), and the process exits 0.
A second signal does not cut a batch short either; it only stops the HTTP server waiting for open connections.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from bookbridge.application.milestones import action_words, transition_words
from bookbridge.domain.ports.scheduling import ServiceHooks, job_kind_words
from bookbridge.entrypoints.cli.common import (
    EXIT_FAILURES,
    EXIT_OK,
    ConfigOption,
    invalid_configuration,
    limit_option,
    running,
    screen,
)
from bookbridge.entrypoints.cli.tables import WholeTable
from bookbridge.entrypoints.cli.values import isbn_value
from bookbridge.entrypoints.container import Container, source_name, stored_edition_lookup
from bookbridge.entrypoints.http.security import secret_problems
from bookbridge.entrypoints.presentation import (
    edition_name,
    named_edition,
    not_catalogued_note,
    plain_schedule,
    plural,
    storefront_times,
    utc_time,
    where_words,
)
from bookbridge.entrypoints.scheduler import stored_jobs
from bookbridge.entrypoints.service import Service, upcoming_job

if TYPE_CHECKING:
    import uvicorn

logger = logging.getLogger(__name__)
# Columns of instants (`2026-12-05 00:00 EST (America/New_York)`): a narrow terminal keeps each on one line.
INSTANTS = frozenset({"next run", "in the storefronts' time zones", "at"})
AppFactory = Callable[[Container, ServiceHooks], Any]  # create_app(container, hooks) -> an ASGI app


def default_app_factory() -> AppFactory:
    from bookbridge.entrypoints.http.app import create_app  # imported late: the web stack is slow to load

    factory: AppFactory = create_app
    return factory


@contextmanager
def stop_signals(on_stop: Callable[[int], None]) -> Iterator[None]:
    """Call `on_stop(signum)` on SIGTERM and SIGINT while inside; the previous handlers come back afterwards."""
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def handler(signum: int, frame: FrameType | None) -> None:
        on_stop(signum)

    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def server_stack(server: uvicorn.Server) -> str:
    """The HTTP parser and event loop a running server uses: `httptools on uvloop` (or `h11 on asyncio`)."""
    parser = server.config.http_protocol_class.__module__.rsplit(".", 1)[-1].removesuffix("_impl")
    return f"{parser} on {type(asyncio.get_running_loop()).__module__.split('.')[0]}"


def _server(app: Any, host: str, port: int) -> uvicorn.Server:
    """uvicorn with its "auto" HTTP parser and event loop: httptools and uvloop (dependencies of bookbridge where
    they build), else h11 and asyncio."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield  # serve owns the signals: uvicorn would re-raise them after its shutdown, killing the process

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                logger.info("HTTP app listening on http://%s:%d (%s)", host, port, server_stack(self),
                            extra={"host": host, "port": port})

    return Server(uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False))


class CannotListen(Exception):
    """The HTTP app's address cannot be bound (taken by another process, or not this machine's)."""


def listening_sockets(host: str, port: int) -> list[socket.socket]:
    """Sockets bound to every address `host` resolves to, as the event loop would bind them, before anything
    starts: an address already in use is said in words (CannotListen), not as a log line at startup."""
    bound: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                                                  flags=socket.AI_PASSIVE):
            sock = socket.socket(family, kind, proto)
            bound.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
    except OSError as exc:
        for sock in bound:
            sock.close()
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        if exc.errno == errno.EADDRINUSE:
            raise CannotListen(f"cannot listen on {where}: the address is already in use (another bookbridge "
                               "serve?); choose another with --port") from None
        raise CannotListen(f"cannot listen on {where}: {exc.strerror or exc}; choose another with --host or "
                           "--port") from None
    return bound


def run_service(container: Container, *, http: bool, host: str, port: int,
                app_factory: Callable[[], AppFactory] = default_app_factory, sync_at_start: bool = True,
                sockets: list[socket.socket] | None = None) -> int:
    """Start the scheduler (and the HTTP app), block until a stop signal, shut down in order. Returns 0. The
    HTTP app's address is bound first: CannotListen when it cannot be, and nothing has started. `sockets`: the
    address already bound by the caller (`listening_sockets`), which the HTTP app takes over."""
    if sockets is None:
        sockets = listening_sockets(host, port) if http else []
    service = Service(container)
    stopped = threading.Event()
    server: uvicorn.Server | None = None

    def on_stop(signum: int) -> None:
        logger.info("%s received: shutting down", signal.Signals(signum).name, extra={"signal": signum})
        service.request_stop()
        if server is not None:
            server.force_exit = server.should_exit  # a second signal stops waiting for open connections
            server.should_exit = True
        stopped.set()

    with stop_signals(on_stop):
        service.start(sync_at_start=sync_at_start)
        try:
            if http:
                server = _server(app_factory()(container, service), host, port)
                server.run(sockets=sockets)
            else:
                stopped.wait()
        finally:
            service.shutdown(wait=True)
    logger.info("bookbridge serve stopped")
    return EXIT_OK


def serve(
    config: Path | None = ConfigOption,
    host: str | None = typer.Option(None, metavar="ADDRESS",
                                    help="listen address (default: [service] host, 127.0.0.1)"),
    port: int | None = typer.Option(None, metavar="PORT", help="listen port (default: [service] port, 8080)"),
    no_http: bool = typer.Option(False, "--no-http", help="run the scheduler only, without the HTTP app"),
) -> None:
    """Run the service: syncs, launches, orders and the dashboard.

    Launches and campaign flips happen at their instants; the HTTP app serves the API and the dashboard.
    SIGTERM finishes the batch in flight, then exits cleanly.

    Exit 0: stopped by a signal; 1: it cannot listen on its address (another bookbridge serve?), nothing
    started; 2: the configuration is invalid.
    """
    with running(config) as container:
        if not no_http and (problems := secret_problems(container.settings().http)):
            raise invalid_configuration(problems)  # before anything starts, as `check` says it
        settings = container.settings().service
        try:
            code = run_service(container, http=not no_http, host=host or settings.host,
                               port=settings.port if port is None else port)
        except CannotListen as exc:
            screen(stderr=True).print(f"[red]{escape(str(exc))}[/red]")
            code = EXIT_FAILURES
    raise typer.Exit(code)


def jobs(config: Path | None = ConfigOption,
         limit: int = limit_option(30, "jobs")) -> None:
    """List the service's scheduled jobs, next first.

    Regular runs, and a launch or campaign flip at every instant ahead at which a listing changes (each
    storefront's, each campaign start and end), or only for an edition held back (`no change in the store`, its
    changes counted): each job's next run in UTC, and in each storefront's time zone,
    naming it. A launch and a campaign flip are both a job at an instant, at:{store}:{instant}; the kind says
    which: launch when a listing's sale status changes then, campaign when only a price does. Exit 2 if the
    configuration or --limit is invalid.
    """
    with running(config, need_storefronts=False) as container:
        store = container.settings().store.name  # the order import's too: there is one store
        crontabs = container.settings().schedules.crontabs
        scheduled = [upcoming_job(job, store, crontabs) for job in stored_jobs(container.engine())
                     if job.next_run_time is not None]
        found = scheduled[:limit]
        storefronts = [(s.name, s.timezone) for s in container.settings().storefronts]
    out = screen()
    table = WholeTable(title="Scheduled jobs")
    for column in ("next run", "in the storefronts' time zones", "kind", "store", "schedule or change", "id"):
        table.add_column(column, no_wrap=column in INSTANTS)
    between = "\n" if out.is_terminal else "; "  # a line each on a terminal; elsewhere a job's row is one line
    for job in found:
        table.add_row(utc_time(job.run_at), storefront_times(job.run_at, storefronts, between=between),
                      job_kind_words(job.kind),
                      escape(where_words(job.store or store, job.store or store) or store), plain_schedule(job.detail),
                      job.id)
    if not found:  # an empty table would not say why
        out.print("No scheduled jobs yet: `bookbridge serve` schedules them (regular runs, launches and campaign "
                  "flips) in the state database, where this command reads them.")
        return
    out.print(table)
    if len(scheduled) > len(found):  # never a silent cut: say how many more there are and how to see them
        out.print(f"… and {plural(len(scheduled) - len(found), 'more job')} (`bookbridge jobs --limit "
                  f"{len(scheduled)}` lists them all).")


def milestones(config: Path | None = ConfigOption,
               limit: int = limit_option(30, "milestones"),
               isbn: str | None = typer.Option(None, metavar="ISBN", parser=isbn_value,
                                               help="only this edition (its ISBN-13 or ISBN-10, hyphens allowed)"),
               ) -> None:
    """List recent milestones and what their actions did.

    Newest first; each names the edition, the transition and the store action it triggered. A milestone is an
    edition's, store-wide: when it was seen is in UTC, and in each storefront's time zone, naming it. Exit 2 if
    the configuration or --limit is invalid.
    """
    with running(config, need_storefronts=False) as container:
        records = container.milestone_log().recent(limit=limit, isbn=isbn)
        storefronts = [(s.name, s.timezone) for s in container.settings().storefronts]
        lookup = stored_edition_lookup(container.unit_of_work(), source_name(container.settings()))
        names = {r.event.isbn: (edition_name(e) if (e := lookup(r.event.isbn)) else None) for r in records}
    out = screen()
    table = WholeTable(title="Milestones")
    for column in ("at", "in the storefronts' time zones", "edition", "transition", "before", "after", "action", "ok",
                   "detail"):
        if storefronts or column != "in the storefronts' time zones":
            table.add_column(column, no_wrap=column in INSTANTS)
    between = "\n" if out.is_terminal else "; "  # a line each on a terminal; elsewhere a milestone's row is one line
    for r in records:
        local = (storefront_times(r.at, storefronts, between=between),) if storefronts else ()
        name = names.get(r.event.isbn)  # `Title (Format)` as the catalogue knows it, over its ISBN
        edition = named_edition(r.event.isbn, escape(name) if name else None,
                                between=between if out.is_terminal else ", ")
        table.add_row(utc_time(r.at), *local, edition, transition_words(str(r.event.transition)),
                      r.event.before or "", r.event.after or "", action_words(r.action),
                      "[yellow]queued[/yellow]" if r.pending else "yes" if r.ok
                      else f"[red]no[/red] (exception {r.exception_id})",
                      escape(r.detail))
    if not records and isbn:  # the filter, not the log, may be what is empty
        out.print(f"No milestones for ISBN {isbn}.")
        return
    if not records:  # as the dashboard says "No data yet." rather than show an empty table
        out.print("No milestones yet: a sync records each milestone transition it reads (the first read is the "
                  "baseline).")
        return
    out.print(table)
    if missing := {r.event.isbn for r in records if not names.get(r.event.isbn)}:
        out.print(escape(not_catalogued_note(len(missing))))
