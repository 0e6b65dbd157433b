"""Liveness, readiness and Prometheus metrics. None of them needs the admin token."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from bookbridge.entrypoints.http.schemas import Health, Readiness
from bookbridge.entrypoints.http.state import State
from bookbridge.entrypoints.metrics import exposition, metrics

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Liveness: the process answers (no database call)")
def healthz() -> Health:
    return Health()


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}},
            summary="Readiness: database reachable, schema at the Alembic head, scheduler running")
def readyz(state: State) -> JSONResponse:
    reasons: list[str] = []
    checks = {"database": False, "migrations": False, "scheduler": False}
    try:
        current, head = state.schema_revisions()
        checks["database"] = True
        checks["migrations"] = current == head
        if not checks["migrations"]:
            reasons.append(f"database schema at revision {current or 'none'}, code expects {head} "
                           "(run `bookbridge db upgrade`)")
    except Exception as exc:  # an unreachable or broken database means not ready, never a 500
        reasons.append(f"database unreachable: {type(exc).__name__}")
    try:
        checks["scheduler"] = bool(state.hooks.scheduler_running())
    except Exception as exc:  # a broken hook means not ready, never a 500
        reasons.append(f"scheduler state unknown: {type(exc).__name__}")
    if not checks["scheduler"] and not any(r.startswith("scheduler") for r in reasons):
        reasons.append("scheduler not running")
    ready = all(checks.values())
    body = Readiness(status="ready" if ready else "not ready", checks=checks, reasons=reasons)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get("/metrics", response_class=Response, summary="Prometheus metrics (text format), series bookbridge_*",
            responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}})
def prometheus(state: State) -> Response:
    return Response(exposition(metrics().registry, state.db_registry), media_type=CONTENT_TYPE_LATEST)
