"""`POST /webhooks/bigcommerce`: authenticate, store durably, answer 200, process later (worker.py).

Authentication: every configured method must pass, the Standard Webhooks signature (`http.webhook_secret_*`)
and/or a custom header (`http.webhook_custom_header*`); with neither configured every delivery is refused.
A delivery already stored (same payload `hash`, or same `webhook-id`) is answered 200 `duplicate` and not stored
again, so BigCommerce's retries are harmless. Only a 2xx counts as delivered for BigCommerce, so the answer
comes as soon as the event is committed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from bookbridge.entrypoints.http.schemas import Problem, WebhookAccepted
from bookbridge.entrypoints.http.signatures import WebhookAuthError, verify_custom_header, verify_signature
from bookbridge.entrypoints.http.state import AppState, State
from bookbridge.entrypoints.metrics import record_webhook_delivery

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks"])
MAX_SCOPE, MAX_HASH, MAX_ID = 200, 128, 64


class WebhookPayload(BaseModel):
    """BigCommerce's thin payload (webhooks.v3 `webhook_callback_base`); only `scope` is required here."""

    scope: str = Field(max_length=MAX_SCOPE, examples=["store/order/created"])
    store_id: str | int | None = None
    data: dict[str, Any] | None = None
    hash: str | None = Field(default=None, max_length=MAX_HASH, description="SHA-1 of the payload: the dedup key")
    created_at: int | None = None
    producer: str | None = None


def authenticate(state: AppState, request: Request, body: bytes) -> str | None:
    """The delivery id (`webhook-id`) when signed; raises WebhookAuthError when any configured check fails."""
    secrets = state.secrets
    if secrets.webhook_key is None and secrets.custom_header is None:
        raise WebhookAuthError("no webhook authentication is configured (http.webhook_secret_* or "
                               "http.webhook_custom_header*)")
    if secrets.custom_header is not None and secrets.custom_header_value is not None:
        verify_custom_header(request.headers, secrets.custom_header, secrets.custom_header_value)
    if secrets.webhook_key is None:
        return None
    return verify_signature(secrets.webhook_key, request.headers, body, now=time.time(),
                            tolerance_seconds=state.settings.http.webhook_tolerance_seconds)


def parse(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HTTPException(400, f"webhook body is not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise HTTPException(422, "webhook body: expected a JSON object with `scope`")
    scope = payload.get("scope")
    if not isinstance(scope, str) or not scope.startswith("store/") or len(scope) > MAX_SCOPE:
        raise HTTPException(422, "webhook body, field scope: expected a string such as \"store/order/created\"")
    digest = payload.get("hash")
    if digest is not None and (not isinstance(digest, str) or not digest or len(digest) > MAX_HASH):
        raise HTTPException(422, f"webhook body, field hash: expected a string of 1 to {MAX_HASH} characters")
    data = payload.get("data")
    if data is not None and not isinstance(data, dict):
        raise HTTPException(422, "webhook body, field data: expected an object")
    return payload


def _short(value: Any) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)[:MAX_ID]


@router.post(
    "/webhooks/bigcommerce", response_model=WebhookAccepted, summary="Receive a BigCommerce webhook delivery",
    responses={400: {"model": Problem}, 401: {"model": Problem}, 413: {"model": Problem}, 422: {"model": Problem}},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": WebhookPayload.model_json_schema(ref_template="#/components/schemas/{model}")}
    }}},
)
async def bigcommerce_webhook(
    request: Request,
    state: State,
    webhook_id: Annotated[str | None, Header(alias="webhook-id")] = None,
    webhook_timestamp: Annotated[str | None, Header(alias="webhook-timestamp")] = None,
    webhook_signature: Annotated[str | None, Header(alias="webhook-signature")] = None,
) -> WebhookAccepted:
    body = await request.body()
    try:
        delivery_id = authenticate(state, request, body)
    except WebhookAuthError as exc:
        record_webhook_delivery("rejected")
        log.warning("webhook delivery refused: %s (headers present: %s)", exc,
                    ", ".join(sorted(h for h in request.headers if h.startswith("webhook-") or h.startswith("x-"))))
        raise HTTPException(401, f"webhook not authenticated: {exc}") from None
    payload = parse(body)
    digest = payload.get("hash") or hashlib.sha1(body).hexdigest()
    data = payload.get("data") or {}
    received = await run_in_threadpool(
        state.inbox.receive, hash=str(digest), delivery_id=delivery_id, scope=payload["scope"],
        store_id=_short(payload.get("store_id")), resource_id=_short(data.get("id")), payload=payload,
        at=state.clock.now())
    record_webhook_delivery("duplicate" if received.duplicate else "accepted")
    if not received.duplicate:
        state.worker.wake()
    log.debug("webhook %s %s: event %s%s", payload["scope"], delivery_id or "", received.id,
              " (duplicate)" if received.duplicate else "")
    return WebhookAccepted(status="duplicate" if received.duplicate else "accepted", event_id=received.id)
