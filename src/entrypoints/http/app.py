"""`create_app(container, hooks)`: the FastAPI app of `bookbridge serve`.

Routes live by concern: health.py (healthz, readyz, metrics), webhooks.py (BigCommerce deliveries, processed
by worker.py), admin.py (`/api/`, bearer token), dashboard.py (HTML, session cookie). The app reads its secrets
once here (security.py), and never imports the scheduler: the service hands it `ServiceHooks`. Everything it
reaches the database through comes from the container, a unit of work and a source per request.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry

from bookbridge.application.held_back import held_back
from bookbridge.application.sales_report import SalesReport, sales_report
from bookbridge.application.sync import plan_store
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.ports import ExceptionKind, UnitOfWork
from bookbridge.domain.ports.scheduling import ServiceHooks
from bookbridge.entrypoints.container import Container, build_command
from bookbridge.entrypoints.documents import plan_document, planned_or_why
from bookbridge.entrypoints.http import admin, apidocs, dashboard, health, webhooks
from bookbridge.entrypoints.http.limits import BodyLimit
from bookbridge.entrypoints.http.problems import answer_as_pages
from bookbridge.entrypoints.http.protection import protect
from bookbridge.entrypoints.http.security import HttpSecrets
from bookbridge.entrypoints.http.state import AppState, SalesReporter
from bookbridge.entrypoints.http.worker import WebhookWorker
from bookbridge.entrypoints.logs import SecretFilter, add_secret_names
from bookbridge.entrypoints.metrics import DatabaseCollector

log = logging.getLogger(__name__)


def create_app(container: Container, hooks: ServiceHooks, *, sales: SalesReporter | None = None,
               worker_poll_seconds: float = 5.0) -> FastAPI:
    """The app over `container`'s settings, database and plugins. `sales` answers `/api/sales`; by default the
    report runs over the container's sales ledger, with titles and stock from the stored catalogue."""
    settings = container.settings()
    http = settings.http
    add_secret_names(name for name in (http.admin_token_env, http.webhook_secret_env, http.webhook_custom_header_env)
                     if name)
    secrets = HttpSecrets.from_settings(http)
    _mask_in_logs(v for v in (secrets.admin_token, secrets.webhook_secret, secrets.custom_header_value) if v)
    if secrets.admin_token is None:
        log.warning("no admin token configured ([http] admin_token_env or admin_token_file): /api and the dashboard "
                    "refuse every request")
    if secrets.webhook_key is None and secrets.custom_header is None:
        log.warning("no webhook authentication configured: POST /webhooks/bigcommerce refuses every delivery")
    clock = container.clock()

    def new_uow() -> UnitOfWork:
        uow: UnitOfWork = container.unit_of_work()
        return uow

    def plan() -> dict[str, Any]:
        uow = new_uow()
        source = container.source(uow=uow)
        planned = planned_or_why(lambda: plan_store(build_command(settings), source, uow, clock,
                                                    store=container.storefront()), source.name, settings.store.name)
        return plan_document(planned, held_back(planned.catalogue.values(), settings.storefronts, now=clock.now(),
                                                mapping=settings.mapping))  # as `bookbridge plan` says them

    def catalogue() -> dict[str, TitleFamily]:
        uow = new_uow()
        with uow:
            return uow.state.catalogue(str(settings.source.options().get("name") or settings.source.kind))

    def report(start: date, end: date, group_by: str) -> SalesReport:
        return sales_report(container.sales_ledger(), start, end, group_by, catalogue=catalogue())

    db_registry = CollectorRegistry(auto_describe=False)
    db_registry.register(DatabaseCollector(container.database_stats(), tuple(k.value for k in ExceptionKind)))
    inbox = container.webhook_inbox()
    worker = WebhookWorker(inbox, hooks, new_uow, clock, store=settings.store.name, poll_seconds=worker_poll_seconds)
    state = AppState(settings=settings, hooks=hooks, secrets=secrets, schema_revisions=container.schema_revisions(),
                     clock=clock, new_uow=new_uow, inbox=inbox, sessions=container.admin_sessions(), worker=worker,
                     plan=plan, sales=sales or report, catalogue=catalogue, db_registry=db_registry)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker.start()
        try:
            yield
        finally:
            state.intake.close()
            worker.stop()

    app = FastAPI(title="bookbridge", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Health, metrics, BigCommerce webhooks, the admin API and the dashboard of "
                              "`bookbridge serve`.")
    app.state.bookbridge = state
    protect(app)  # error shape, sessions, sign-in back-off, webhook refusal log, webhook retention
    answer_as_pages(app, "/dashboard", dashboard.refusal_page)  # a person reads these: pages, never JSON
    app.add_middleware(BodyLimit, max_bytes=http.max_body_bytes)
    app.add_exception_handler(container.database_error(), _database_error)
    # Routes match in order: the webhook route, the one that takes a flood, is tried first.
    for module in (webhooks, health, admin, dashboard, apidocs):
        app.include_router(module.router)
    return app


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("database error on %s %s: %s", request.method, request.url.path, exc)
    return JSONResponse({"detail": "the state database refused the request; see the service log"}, status_code=503)


def _mask_in_logs(values: Iterable[str]) -> None:
    """Mask these values in bookbridge's log handler (secrets read from files have no variable to name)."""
    wanted = list(values)
    for handler in logging.getLogger().handlers:
        for log_filter in handler.filters:
            if isinstance(log_filter, SecretFilter):
                for value in wanted:
                    log_filter.masker.add(value)
