"""`POST /webhooks/bigcommerce`: authenticate, store durably, answer 200, process later (worker.py).

Authentication: every configured method must pass, the Standard Webhooks signature (`[http] webhook_secret_env`
or `webhook_secret_file`) and/or a custom header (`[http] webhook_custom_header` with its value from
`webhook_custom_header_env` or `webhook_custom_header_file`); with neither configured every delivery is refused.
A delivery already stored (same payload `hash`, or same `webhook-id`) is answered 200 `duplicate` and not stored
again, so BigCommerce's retries are harmless. Only a 2xx counts as delivered for BigCommerce, so the answer
comes as soon as the event is committed; concurrent deliveries share commits (intake.py, group commit).

Hostile input stays out: the body is parsed only once authenticated, within the JSON limits of inputs.py (400),
and validated against `WebhookPayload` (422 naming the field); what is stored is the validated payload, whose
strings hold no control character. A refused delivery is counted in `bookbridge_webhook_refusals_total` and
logged at most `http.refusal_log_per_minute` times a minute.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError
from starlette.background import BackgroundTask

from bookbridge.entrypoints.http.inputs import LINE_PATTERN, SCOPE_PATTERN, InputRefused, load_json
from bookbridge.entrypoints.http.problems import ERRORS, validation_detail
from bookbridge.entrypoints.http.protection import Protection
from bookbridge.entrypoints.http.schemas import Problem, WebhookAccepted
from bookbridge.entrypoints.http.signatures import (
    ID,
    SIGNATURE,
    TIMESTAMP,
    WebhookAuthError,
    verify_custom_header,
    verify_signature,
)
from bookbridge.entrypoints.http.state import AppState
from bookbridge.entrypoints.metrics import record_webhook_delivery, record_webhook_refusal

log = logging.getLogger(__name__)


class RequestRoute(APIRoute):
    """A route whose endpoint takes the `Request` alone and returns its `Response`: FastAPI calls it as it is, so
    no dependencies or parameters are solved and no response model is validated per request. Its declaration
    (parameters, body, responses) still makes its part of the OpenAPI document; the endpoint checks all of it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint: Callable[[Request], Coroutine[Any, Any, Response]] = self.endpoint
        return endpoint


router = APIRouter(tags=["webhooks"], route_class=RequestRoute)
MAX_SCOPE, MAX_HASH, MAX_ID = 200, 128, 64
MAX_INT = 2**63 - 1  # a BIGINT: ids and Unix times


def _integral(value: object) -> object:
    """JSON's 7.0 is the integer 7 (as JSON Schema says); strings and booleans stay refused (strict)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Count = Annotated[int, Field(ge=0, le=MAX_INT), BeforeValidator(_integral)]
Kind = Annotated[str, StringConstraints(max_length=64, pattern=LINE_PATTERN)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID, pattern=LINE_PATTERN)]
Hash = Annotated[str, StringConstraints(min_length=1, max_length=MAX_HASH, pattern=LINE_PATTERN)]
Producer = Annotated[str, StringConstraints(max_length=MAX_SCOPE, pattern=LINE_PATTERN)]
Scope = Annotated[str, StringConstraints(max_length=MAX_SCOPE, pattern=SCOPE_PATTERN)]


class WebhookData(BaseModel):
    """The event's subject: its type and id (an order's, a product's, ...). Other keys are ignored."""

    model_config = ConfigDict(extra="ignore", strict=True)

    type: Kind | None = None
    id: Count | Id | None = None


class WebhookPayload(BaseModel):
    """BigCommerce's thin payload (webhooks.v3 `webhook_callback_base`); only `scope` is required here.
    Keys not listed are ignored and not stored."""

    model_config = ConfigDict(extra="ignore", strict=True)

    scope: Scope = Field(examples=["store/order/created"])
    store_id: Count | Id | None = None
    data: WebhookData | None = None
    hash: Hash | None = Field(default=None, description="SHA-1 of the payload: the dedup key")
    created_at: Count | None = None
    producer: Producer | None = None


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`model`'s JSON schema with its nested models written in place (the document has no components for them)."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline(definitions[ref.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        return [inline(item) for item in node] if isinstance(node, list) else node

    inlined: dict[str, Any] = inline(schema)
    return inlined


def authenticate(state: AppState, request: Request, body: bytes) -> str | None:
    """The delivery id (`webhook-id`) when signed; raises WebhookAuthError when any configured check fails."""
    secrets = state.secrets
    if secrets.webhook_key is None and secrets.custom_header is None:
        raise WebhookAuthError("no webhook authentication is configured ([http] webhook_secret_env or "
                               "webhook_secret_file, or webhook_custom_header with webhook_custom_header_env or "
                               "webhook_custom_header_file)", "unconfigured")
    if secrets.custom_header is not None and secrets.custom_header_value is not None:
        verify_custom_header(request.headers, secrets.custom_header, secrets.custom_header_value)
    if secrets.webhook_key is None:
        return None
    return verify_signature(secrets.webhook_key, request.headers, body, now=time.time(),
                            tolerance_seconds=state.settings.http.webhook_tolerance_seconds)


def parse(body: bytes) -> WebhookPayload:
    """The payload, or 400 (not JSON, or past the JSON limits) / 422 (a field breaks a rule, named)."""
    document = load_json(body, "webhook body")
    if not isinstance(document, dict):
        raise InputRefused(422, "webhook body: expected a JSON object with `scope`")
    try:
        return WebhookPayload.model_validate(document)
    except ValidationError as exc:
        errors = [{**e, "loc": ("field", *e["loc"])} for e in exc.errors()]
        raise InputRefused(422, "webhook body, " + validation_detail(errors)) from None


# The delivery headers, as the OpenAPI document lists them. The route reads them from the request itself (the
# signature check needs all of them at once): it is a RequestRoute, so FastAPI solves nothing per delivery.
DELIVERY_HEADERS = [{"in": "header", "name": name, "required": False,
                     "schema": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": title}}
                    for name, title in ((ID, "Webhook-Id"), (TIMESTAMP, "Webhook-Timestamp"),
                                        (SIGNATURE, "Webhook-Signature"))]


@router.post(
    "/webhooks/bigcommerce", response_model=WebhookAccepted, summary="Receive a BigCommerce webhook delivery",
    responses={**ERRORS, 401: {"model": Problem}},
    openapi_extra={"parameters": DELIVERY_HEADERS, "requestBody": {"required": True, "content": {
        "application/json": {"schema": inline_schema(WebhookPayload)}}}},
)
async def bigcommerce_webhook(request: Request) -> Response:
    state: AppState = request.app.state.bookbridge
    guard: Protection = request.app.state.protection
    body = await request.body()
    try:
        delivery_id = authenticate(state, request, body)
    except WebhookAuthError as exc:
        record_webhook_delivery("rejected")
        record_webhook_refusal(exc.reason)
        guard.refusals.warning(
            "webhook delivery refused (%s): %s (headers present: %s)", exc.reason, exc,
            ", ".join(sorted(h for h in request.headers if h.startswith("webhook-") or h.startswith("x-"))),
            now=time.monotonic())
        raise HTTPException(401, f"webhook not authenticated: {exc}") from None
    payload = parse(body)
    digest = payload.hash or hashlib.sha1(body).hexdigest()
    data = payload.data or WebhookData()
    received = await state.intake.receive(  # committed, with whatever other deliveries arrived meanwhile
        hash=digest, delivery_id=delivery_id, scope=payload.scope,
        store_id=_short(payload.store_id), resource_id=_short(data.id),
        payload=payload.model_dump(mode="json", exclude_none=True), at=state.clock.now())
    status = "duplicate" if received.duplicate else "accepted"
    record_webhook_delivery(status)
    retention = None
    if not received.duplicate:
        state.worker.wake()
        if guard.retention.due():  # a worker thread per delivery would cost more than the insert
            retention = BackgroundTask(guard.retention.run_if_due)  # after the answer: BigCommerce never waits
    log.debug("webhook %s %s: event %s%s", payload.scope, delivery_id or "", received.id,
              " (duplicate)" if received.duplicate else "")
    # The answer is WebhookAccepted's JSON, written directly: no response-model validation per delivery, and
    # json.dumps with its defaults (its cached encoder; JSONResponse's options build an encoder per answer).
    return Response(json.dumps({"status": status, "event_id": received.id}), media_type="application/json",
                    background=retention)


def _short(value: int | str | None) -> str | None:
    return None if value is None else str(value)[:MAX_ID]
