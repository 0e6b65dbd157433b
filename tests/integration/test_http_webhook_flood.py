"""A flood of 5,000 webhook deliveries over loopback, duplicates racing their originals: none is lost, none is
counted twice, and every stored event is processed exactly once."""

from __future__ import annotations

import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bookbridge.adapters.persistence.tables import WebhookEventRow
from http_support import build_app, payload, serving, signed_headers

DELIVERIES, UNIQUE = 5000, 4000


@pytest.mark.slow
def test_a_flood_of_deliveries_loses_none_and_double_counts_none(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    app, container, hooks = build_app(tmp_path, monkeypatch)
    rng = random.Random(6)
    scopes = ["store/order/created", "store/order/updated", "store/product/updated", "store/sku/updated"]
    events = [payload(rng.choice(scopes), resource=i, digest=f"{i:040x}") for i in range(UNIQUE)]
    sends = [(body, None) for body in events]
    for _ in range(DELIVERIES - UNIQUE):  # BigCommerce retries: same hash, new or the same webhook-id
        body = rng.choice(events)
        sends.append((body, f"msg_dup_{rng.randrange(10**9)}" if rng.random() < 0.5 else None))
    rng.shuffle(sends)
    with serving(app) as base, httpx.Client(base_url=base, limits=httpx.Limits(max_connections=16),
                                            timeout=30) as client:
        def deliver(item: tuple[bytes, str | None]) -> tuple[int, str]:
            body, delivery_id = item
            answer = client.post("/webhooks/bigcommerce", content=body,
                                 headers=signed_headers(body, delivery_id=delivery_id))
            return answer.status_code, answer.json()["status"] if answer.status_code == 200 else answer.text

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(deliver, sends))
        deadline = time.monotonic() + 60
        while container.webhook_inbox().counts()["done"] < UNIQUE and time.monotonic() < deadline:
            time.sleep(0.1)
    assert Counter(status for status, _ in results) == {200: DELIVERIES}
    assert Counter(kind for _, kind in results) == {"accepted": UNIQUE, "duplicate": DELIVERIES - UNIQUE}
    with container.webhook_inbox()._sessions() as session:
        hashes = session.scalars(select(WebhookEventRow.hash)).all()
        attempts = session.scalar(select(func.sum(WebhookEventRow.attempts)))
    assert sorted(hashes) == [f"{i:040x}" for i in range(UNIQUE)]  # each event exactly once
    assert container.webhook_inbox().counts() == {"pending": 0, "done": UNIQUE, "failed": 0}
    assert attempts == UNIQUE  # each processed once
    assert 1 <= hooks.imports <= UNIQUE // 10  # order imports are coalesced per batch, not one per event
