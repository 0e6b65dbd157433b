"""What every route needs, built once in `create_app` and reached through `Depends(app_state)`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CollectorRegistry

from bookbridge.application.sales_report import SalesReport
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.ports import AdminSessions, Clock, UnitOfWork, WebhookInbox
from bookbridge.domain.ports.scheduling import ServiceHooks
from bookbridge.entrypoints.http.intake import WebhookIntake
from bookbridge.entrypoints.http.security import HttpSecrets
from bookbridge.entrypoints.http.worker import WebhookWorker
from bookbridge.entrypoints.settings import Settings

# (start, end, group_by) -> application.sales_report.sales_report over the container's sales ledger.
SalesReporter = Callable[[date, date, str], SalesReport]


@dataclass
class AppState:
    settings: Settings
    hooks: ServiceHooks
    secrets: HttpSecrets
    schema_revisions: Callable[[], tuple[str | None, str | None]]  # the database's Alembic revision, the code's head
    clock: Clock
    new_uow: Callable[[], UnitOfWork]  # a fresh unit of work per request: units of work do not nest
    inbox: WebhookInbox
    sessions: AdminSessions  # the dashboard's sign-in sessions, kept in the database
    worker: WebhookWorker
    plan: Callable[[], dict[str, Any]]  # the plan document of `bookbridge plan --json`
    sales: SalesReporter
    catalogue: Callable[[], dict[str, TitleFamily]]  # the stored title families of the configured source
    db_registry: CollectorRegistry  # the scrape-time database collector
    plan_lock: threading.Lock = field(default_factory=threading.Lock)
    intake: WebhookIntake = field(init=False)  # the inbox's group commit for the webhook route

    def __post_init__(self) -> None:
        self.intake = WebhookIntake(self.inbox)


async def app_state(request: Request) -> AppState:  # async: no worker thread for a lookup
    state: AppState = request.app.state.bookbridge
    return state


State = Annotated[AppState, Depends(app_state)]
_bearer = HTTPBearer(auto_error=False, description="the admin token (http.admin_token_env / admin_token_file)")


def require_admin(state: State, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
    """401 with a WWW-Authenticate challenge unless the bearer token matches (compared in constant time)."""
    if credentials is None or not state.secrets.admin_matches(credentials.credentials):
        raise HTTPException(401, "a valid admin bearer token is required",
                            headers={"WWW-Authenticate": 'Bearer realm="bookbridge"'})
