"""A retry sends that exception's edition and nothing else, from the command line (`bookbridge exceptions retry
ID`) and from the dashboard (through the service's scheduler): two editions held back for the same reason are both
fixed in the feed, one is retried, and the BigCommerce sandbox's request log shows writes for that edition's product
only (not the other fixed edition, not its family's product whose related-product links would now change)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bookbridge.adapters.bigcommerce.sandbox import SandboxServer
from bookbridge.entrypoints.cli import app
from bookbridge.entrypoints.container import Container
from bookbridge.entrypoints.http.app import create_app
from bookbridge.entrypoints.service import Service
from cli_support import UK_STOREFRONT, OnixProduct, forget_configuration, write_config, write_onix
from http_support import ADMIN_TOKEN

RETRIED = "9780007232833"  # Roseanna, hardback: held back (no cover), then fixed and retried
SIBLING = "9780141036144"  # Roseanna, paperback: in the store from the start; its links would name the hardback
OTHER = "9781408855652"  # another work: held back (no cover), then fixed, and not retried


def feed(path: Path, *, covered: set[str], out_of_print: frozenset[str] = frozenset()) -> None:
    write_onix(path, [OnixProduct(RETRIED, cover=RETRIED in covered),
                      OnixProduct(SIBLING, form="BC", cover=SIBLING in covered,
                                  status="07" if SIBLING in out_of_print else "04"),
                      OnixProduct(OTHER, title="The Laughing Policeman", work="laughing", cover=OTHER in covered)])


@pytest.fixture
def config(tmp_path: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    forget_configuration(monkeypatch)
    onix = tmp_path / "feed.xml"
    feed(onix, covered={SIBLING})
    yield write_config(tmp_path, f'[source]\nkind = "onix-file"\npath = "{onix}"\n\n[store]\nkind = "bigcommerce"\n'
                                 f'name = "shop"\nstore_hash = "{sandbox.config.store_hash}"\n'
                                 f'access_token = "{sandbox.config.token}"\nv3_base_url = "{sandbox.base_url_v3}"\n'
                                 f'v2_base_url = "{sandbox.base_url_v2}"\n{UK_STOREFRONT}')


def _writes_after(sandbox: SandboxServer, before: int) -> list[Any]:
    return [r for r in list(sandbox.requests)[before:] if r.method != "GET"]


def _assert_only_the_retried_product_was_written(sandbox: SandboxServer, writes: list[Any]) -> None:
    made = {p["sku"]: p["id"] for p in sandbox.state.products.values()}
    assert set(made) == {SIBLING, RETRIED}, "the other fixed edition waits for the next sync"
    assert writes, "the retry sent the edition"
    skus = {str(s) for r in writes for s in re.findall(r'"sku": "(\d+)"', json.dumps(r.json))}
    assert skus <= {RETRIED}, skus
    named = {i for r in writes for i in _product_ids(r.json, r.api_path)}
    assert named <= {made[RETRIED]}, (named, [(r.method, r.api_path) for r in writes])


def _retry_finished(container: Container) -> bool:
    """The run after the first sync has finished."""
    uow = container.unit_of_work()
    with uow:
        runs = uow.runs.recent_runs(limit=1)
    return bool(runs) and runs[0].id == 2 and runs[0].finished is not None


def plain(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _product_ids(value: Any, path: str) -> set[int]:
    """The product ids a write names: in its path, and as `product_id` (or a batch's `id`) in its body."""
    found = {int(n) for n in re.findall(r"/catalog/products/(\d+)", path)}
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, inner in item.items():
                if key == "product_id" or (key == "id" and path.endswith("/catalog/products")):
                    found.add(int(inner))
                stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)
    return found


def test_a_retry_writes_that_editions_product_and_nothing_else(config: Path, sandbox: SandboxServer) -> None:
    assert plain("sync", "-c", str(config)).exit_code == 0
    held = json.loads(plain("exceptions", "list", "--json", "-c", str(config)).stdout)
    assert {e["isbn"] for e in held} == {RETRIED, OTHER}, held
    feed(config.parent / "feed.xml", covered={RETRIED, SIBLING, OTHER})  # both held-back editions are fixed
    retried = next(e for e in held if e["isbn"] == RETRIED)
    before = len(sandbox.requests)

    result = plain("exceptions", "retry", str(retried["id"]), "-c", str(config))

    assert result.exit_code == 0, result.output
    assert f"Retry of exception {retried['id']}: Roseanna (Hardback), ISBN {RETRIED} in store 'shop'" in result.output
    # The run says what it was: the retry of that exception, that edition only.
    runs = plain("runs", "-c", str(config)).output
    assert f"retry of exception {retried['id']}: edition {RETRIED} only" in " ".join(runs.split()), runs
    _assert_only_the_retried_product_was_written(sandbox, _writes_after(sandbox, before))
    # The retry reads the catalogue as any sync does: the other edition's cover problem is gone from it, so its
    # exception resolves, though its product waits for the next sync.
    assert json.loads(plain("exceptions", "list", "--json", "-c", str(config)).stdout) == []

    # The next sync brings the rest in line: the other edition, and the sibling's links to the retried one.
    before = len(sandbox.requests)
    assert plain("sync", "-c", str(config)).exit_code == 0
    later = {i for r in list(sandbox.requests)[before:] if r.method != "GET" for i in _product_ids(r.json, r.api_path)}
    sibling = next(p["id"] for p in sandbox.state.products.values() if p["sku"] == SIBLING)
    assert sibling in later


def test_a_retry_queues_another_editions_milestone_and_the_next_sync_carries_it_out(
        config: Path, sandbox: SandboxServer) -> None:
    """The sibling goes out of print in the feed the retry reads: its `sync` action needs its product hidden, which
    the retry does not write. The milestone is queued, not recorded as done, and the next sync hides the product
    and settles it."""
    assert plain("sync", "-c", str(config)).exit_code == 0
    held = json.loads(plain("exceptions", "list", "--json", "-c", str(config)).stdout)
    feed(config.parent / "feed.xml", covered={RETRIED, SIBLING, OTHER}, out_of_print=frozenset({SIBLING}))
    retried = next(e for e in held if e["isbn"] == RETRIED)

    result = plain("exceptions", "retry", str(retried["id"]), "-c", str(config))

    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert f"milestone status out of print of Roseanna (Paperback), ISBN {SIBLING}: sync it (queued): queued for " \
           f"the next sync: the retry of " \
           f"{RETRIED} wrote only that edition's product" in said, said
    sibling = next(p for p in sandbox.state.products.values() if p["sku"] == SIBLING)
    assert sibling["is_visible"], "the retry wrote nothing for the sibling"
    listed = " ".join(plain("milestones", "-c", str(config)).stdout.split())
    assert "status out of print" in listed and "queued" in listed, listed

    later = plain("sync", "-c", str(config))
    assert later.exit_code == 0, later.output
    assert not next(p for p in sandbox.state.products.values() if p["sku"] == SIBLING)["is_visible"]
    said = " ".join(later.output.split())
    assert f"milestone status out of print of Roseanna (Paperback), ISBN {SIBLING}: sync it (done): queued by a " \
           "retry of another edition, carried " \
           "out by the next sync: applied by this sync" in said, said
    listed = " ".join(plain("milestones", "-c", str(config)).stdout.split())
    assert "│ status out of print │ 04 │ 07 │ sync it │ yes │" in listed, listed


def test_the_dashboards_retry_writes_that_editions_product_and_nothing_else(
        config: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BB_TEST_ADMIN", ADMIN_TOKEN)
    config.write_text(config.read_text(encoding="utf-8") + '\n[http]\nadmin_token_env = "BB_TEST_ADMIN"\n',
                      encoding="utf-8")
    assert plain("sync", "-c", str(config)).exit_code == 0
    feed(config.parent / "feed.xml", covered={RETRIED, SIBLING, OTHER})
    container = Container()
    container.config_path.override(config)
    service = Service(container, instance="retry-test", order_import=lambda c: None)
    service.start(sync_at_start=False)
    try:
        client = TestClient(create_app(container, service))
        assert client.post("/login", data={"token": ADMIN_TOKEN}, follow_redirects=False).status_code == 303
        page = client.get("/dashboard").text
        exception_id = re.search(rf'<tr id="exception-(\d+)"[^>]*>(?:(?!</tr>).)*{RETRIED}', page, re.S)
        assert exception_id, page
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        assert token
        before = len(sandbox.requests)
        answer = client.post(f"/dashboard/exceptions/{exception_id.group(1)}/retry", data={"csrf": token.group(1)})
        assert answer.status_code == 200
        assert f"edition {RETRIED} only (its product is written to the store)" in answer.text
        deadline = time.monotonic() + 60
        while not _retry_finished(container):  # its run, relinks included (stopping the service would cut them)
            assert time.monotonic() < deadline, "the retry never finished"
            time.sleep(0.1)
        _assert_only_the_retried_product_was_written(sandbox, _writes_after(sandbox, before))
    finally:
        service.shutdown(wait=True)
        container.shutdown_resources()
