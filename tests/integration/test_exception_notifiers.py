"""The exception queue's notifiers over real connections: a webhook receiver on loopback and RabbitMQ.

RabbitMQ: set BOOKBRIDGE_TEST_AMQP_URL (default amqp://guest:guest@127.0.0.1:5672/%2F). Unreachable broker:
the AMQP tests skip, but under CI=true they fail, so that CI never goes green without them.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.metadata as md
import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bookbridge.adapters.persistence import SqlAlchemyUnitOfWork, make_engine, make_session_factory, upgrade
from bookbridge.adapters.persistence.mapping import exception_payload
from bookbridge.adapters.queues import plugin as queues_plugin
from bookbridge.adapters.queues.options import AmqpOptions
from bookbridge.adapters.queues.webhook import SIGNATURE_HEADER, WebhookNotifier, create_webhook_notifier, slack_text
from bookbridge.application.notifications import deliver_outbox
from bookbridge.domain.ports import DeliveryError, ExceptionKind, FixedClock, OutboxMessage, SyncException
from bookbridge.entrypoints.cli import app
from bookbridge.entrypoints.container import build_unit_of_work
from bookbridge.entrypoints.plugins import collect_adapters, make_plugin_manager
from bookbridge.entrypoints.settings import Settings
from bookbridge.plugin import ENTRY_POINT_GROUP, AdapterKind
from bookbridge.testing import context, registry_of
from receivers import SECRET_PATH, Receiver, receiving

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
ISBN = "9780007232833"
AMQP_URL = os.environ.get("BOOKBRIDGE_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as state:
        yield state


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Any]:
    engine = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def rejection(**changes: Any) -> SyncException:
    values: dict[str, Any] = dict(id=7, kind=ExceptionKind.STORE_REJECTION, isbn=ISBN, storefront="uk",
                                  message="price must be > 0 & < 10000", field="price", count=1, first_seen=NOW,
                                  last_seen=NOW)
    return SyncException(**(values | changes))


def message_for(item: SyncException, event: str = "exception.opened", target: str = "webhook",
                where: str | None = None) -> OutboxMessage:
    return OutboxMessage(id=41, target=target, payload=exception_payload(item, event, where=where), created=NOW,
                         attempts=0, next_attempt_at=NOW)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- webhook --------------------------------------------------------------------------------------------------------


def test_the_webhook_posts_slack_text_the_structured_exception_and_a_signature(receiver: Receiver) -> None:
    hook = WebhookNotifier("webhook", receiver.url, headers={"X-Team": "catalogue"}, secret=b"shared")
    try:
        hook.deliver(message_for(rejection(count=3), where="storefront 'uk'"))
    finally:
        hook.close()
    [post] = receiver.posts
    assert post.path == SECRET_PATH
    document = post.json
    # The place in words, never a bare name that reads as a word (docs/glossary.md).
    assert document["text"] == (f":rotating_light: store-rejection on storefront 'uk' for {ISBN}: price must be "
                                "&gt; 0 &amp; &lt; 10000 (price), seen 3 times")
    assert document["event"] == "exception.opened"
    assert document["exception"] == {
        "id": 7, "kind": "store-rejection", "isbn": ISBN, "storefront": "uk", "where": "storefront 'uk'",
        "message": "price must be > 0 & < 10000",
        "field": "price", "field_label": "price", "count": 3, "first_seen": NOW.isoformat(),
        "last_seen": NOW.isoformat(), "resolved_at": None, "resolution": None,
    }
    assert document["delivery"] == {"id": 41, "target": "webhook", "created": NOW.isoformat()}
    headers = post.headers
    assert headers["content-type"] == "application/json"
    assert (headers["x-bookbridge-delivery"], headers["x-bookbridge-event"]) == ("41", "exception.opened")
    assert headers["x-team"] == "catalogue"
    expected = "sha256=" + hmac.new(b"shared", post.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers[SIGNATURE_HEADER.lower()], expected)


def test_a_resolution_says_so_and_an_unsigned_webhook_sends_no_signature(receiver: Receiver) -> None:
    hook = WebhookNotifier("webhook", receiver.url)
    resolved = rejection(resolved_at=NOW, resolution="resolved by a later successful sync")
    hook.deliver(message_for(resolved, "exception.resolved"))
    hook.close()
    [post] = receiver.posts
    assert post.json["text"] == (f":white_check_mark: resolved store-rejection on uk for {ISBN}: "
                                 "resolved by a later successful sync")
    assert post.json["exception"]["resolved_at"] == NOW.isoformat()
    assert SIGNATURE_HEADER.lower() not in post.headers


def test_a_refusal_or_an_unreachable_target_is_an_error_that_names_the_host_but_not_the_secret_path(
    receiver: Receiver,
) -> None:
    receiver.status = 500
    hook = WebhookNotifier("webhook", receiver.url)
    with pytest.raises(DeliveryError, match="answered HTTP 500") as refused:
        hook.deliver(message_for(rejection()))
    hook.close()
    down = WebhookNotifier("webhook", f"http://127.0.0.1:{free_port()}{SECRET_PATH}", timeout=2)
    with pytest.raises(DeliveryError) as unreachable:
        down.deliver(message_for(rejection()))
    down.close()
    assert "failed: could not connect to http://127.0.0.1:" in str(unreachable.value)  # in words, not httpx's class
    assert str(unreachable.value).endswith(": connection refused") and "ConnectError" not in str(unreachable.value)
    for error in (refused.value, unreachable.value):
        assert "http://127.0.0.1:" in str(error) and "s3cret" not in str(error) and "s3cret" not in repr(hook)


def test_nothing_is_lost_while_the_webhook_is_down_and_it_is_received_exactly_once(
    receiver: Receiver, sqlite_engine: Any
) -> None:
    clock = FixedClock(NOW)
    uow = SqlAlchemyUnitOfWork(make_session_factory(sqlite_engine), clock=clock, notify=("webhook",))
    with uow:
        item = uow.exceptions.report(ExceptionKind.STORE_REJECTION, isbn=ISBN, storefront="uk",
                                     message="price must be positive", field="price", at=NOW)
        uow.commit()
    hooks = {"webhook": WebhookNotifier("webhook", receiver.url, secret=b"shared")}
    receiver.status = 500
    down = deliver_outbox(uow, hooks, clock)
    [failure] = down.failed
    assert failure.retry_at == NOW + timedelta(seconds=30) and "HTTP 500" in (failure.error or "")
    assert deliver_outbox(uow, hooks, clock).failed == ()  # backing off: not tried again yet
    clock.advance_to(NOW + timedelta(seconds=30))
    assert deliver_outbox(uow, hooks, clock).failed[0].retry_at == clock.now() + timedelta(minutes=1)
    assert len(receiver.posts) == 2 and receiver.accepted == []
    with uow:
        [waiting] = uow.outbox.due(at=clock.now() + timedelta(minutes=1))
        assert (waiting.attempts, waiting.last_error) == (2, failure.error)

    receiver.status = 200
    clock.advance_to(clock.now() + timedelta(minutes=1))
    back = deliver_outbox(uow, hooks, clock)
    assert [(d.target, d.attempts) for d in back.delivered] == [("webhook", 3)]
    for _ in range(2):  # a repeated pass sends nothing again
        clock.advance_to(clock.now() + timedelta(hours=2))
        assert deliver_outbox(uow, hooks, clock).delivered == ()
    [post] = receiver.accepted
    assert post.json["exception"]["id"] == item.id and post.json["event"] == "exception.opened"

    with uow:
        uow.exceptions.clear(isbn=ISBN, storefront="uk", at=clock.now())
        uow.commit()
    assert len(deliver_outbox(uow, hooks, clock).delivered) == 1
    assert [p.json["event"] for p in receiver.accepted] == ["exception.opened", "exception.resolved"]
    hooks["webhook"].close()


def webhook(table: dict[str, Any], environ: dict[str, str], name: str = "webhook") -> WebhookNotifier:
    """The webhook notifier from its `[[exception_queues]]` table, options parsed as the registry parses them."""
    spec = registry_of(queues_plugin).get(AdapterKind.NOTIFIER, "webhook")
    return create_webhook_notifier(spec.parse_options(table), context(name), environ)


def test_the_factory_reads_the_url_and_secret_from_the_environment_and_names_only_the_variable() -> None:
    env = {"HOOK_URL": "https://hooks.example.com/services/abc", "HOOK_SECRET": "k"}
    hook = webhook({"kind": "webhook", "name": "slack", "url_env": "HOOK_URL", "secret_env": "HOOK_SECRET",
                    "timeout": 3}, env, name="slack")
    assert hook.name == "slack" and "abc" not in repr(hook)
    with pytest.raises(ValueError) as missing:
        webhook({"url": "https://x.example", "secret_env": "HOOK_SECRET"}, {})
    assert str(missing.value) == "secret_env: environment variable 'HOOK_SECRET' is not set"
    with pytest.raises(ValueError, match=r"retries: unknown key of kind 'webhook'"):
        webhook({"url": "https://x.example", "retries": 3}, {})
    with pytest.raises(ValueError, match="'url' or 'url_env'"):
        webhook({}, {})
    with pytest.raises(ValueError, match="must be http"):
        webhook({"url": "hooks.example.com/services/abc"}, {})


def test_the_queues_plugin_registers_the_webhook_and_the_amqp_notifiers() -> None:
    registry, failures = collect_adapters(make_plugin_manager(load_entrypoints=False,
                                                              extra_plugins=[queues_plugin]))
    assert failures == []
    assert {s.name for s in registry.all() if s.kind is AdapterKind.NOTIFIER} >= {"webhook", "amqp"}
    hook = registry.create_notifier("webhook", {"url": "https://x.example/hook"}, context("webhook"))
    assert isinstance(hook, WebhookNotifier)


TOML = """
database_url = "sqlite:///{db}"

[[exception_queues]]
kind = "webhook"
url = "{url}"
secret_env = "BOOKBRIDGE_TEST_HOOK_SECRET"
"""


def test_bookbridge_exceptions_deliver_sends_through_the_configured_webhook(
    receiver: Receiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = {ep.value for ep in md.entry_points(group=ENTRY_POINT_GROUP)}
    assert "bookbridge.adapters.queues.plugin" in installed, ("declare the built-in plugin in pyproject.toml: "
                                                   '[project.entry-points."bookbridge.plugins"] '
                                                   'queues = "bookbridge.adapters.queues.plugin", then reinstall')
    monkeypatch.delenv("BOOKBRIDGE_CONFIG", raising=False)
    monkeypatch.delenv("BOOKBRIDGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("BOOKBRIDGE_TEST_HOOK_SECRET", "shared")
    config = tmp_path / "bookbridge.toml"
    config.write_text(TOML.format(db=tmp_path / "state.db", url=receiver.url), encoding="utf-8")
    engine = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    upgrade(engine)
    # What a sync run does when the container gives it the unit of work: notify the configured targets.
    uow = SqlAlchemyUnitOfWork(make_session_factory(engine), clock=FixedClock(NOW), notify=("webhook",))
    with uow:
        uow.exceptions.report(ExceptionKind.DRIFT, isbn=ISBN, storefront="uk", message="edited in the store",
                              at=NOW)
        uow.commit()
    engine.dispose()

    run = CliRunner().invoke(app, ["exceptions", "deliver", "-c", str(config)], env={"COLUMNS": "200"})
    assert run.exit_code == 0, run.output
    assert "delivered 1, failed 0" in run.output
    [post] = receiver.posts
    assert post.json["exception"]["kind"] == "drift" and post.headers[SIGNATURE_HEADER.lower()].startswith("sha256=")

    again = CliRunner().invoke(app, ["exceptions", "deliver", "-c", str(config)])
    assert again.exit_code == 0 and "delivered 0, failed 0" in again.output  # nothing left to send
    assert len(receiver.posts) == 1


# --- AMQP -----------------------------------------------------------------------------------------------------------


def broker_unavailable(reason: str) -> None:
    message = f"RabbitMQ unavailable at {AMQP_URL.split('@')[-1]}: {reason}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: the AMQP tests must run)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def broker() -> str:
    try:
        import pika
    except ImportError:
        broker_unavailable("pika is not installed")
    parameters = pika.URLParameters(AMQP_URL)
    parameters.connection_attempts, parameters.socket_timeout, parameters.stack_timeout = 1, 3, 3
    try:
        pika.BlockingConnection(parameters).close()
    except Exception as exc:  # any failure to connect means the same: no broker to test against
        broker_unavailable(repr(exc))
    return AMQP_URL


@dataclass
class Consumer:
    """A temporary queue bound to a fresh exchange, read with basic_get."""

    exchange: str
    channel: Any
    queue: str

    def get(self, timeout: float = 5.0) -> tuple[Any, Any, bytes]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            method, properties, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is not None:
                return method, properties, body
            time.sleep(0.02)
        raise AssertionError(f"no message on {self.queue} within {timeout} s")

    def empty(self) -> bool:
        return bool(self.channel.basic_get(self.queue, auto_ack=True)[0] is None)


@pytest.fixture
def consumer(broker: str) -> Iterator[Consumer]:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(broker))
    channel = connection.channel()
    exchange = f"bookbridge-test-{uuid.uuid4().hex[:10]}"
    channel.exchange_declare(exchange, exchange_type="topic", durable=True)
    queue = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
    channel.queue_bind(queue, exchange, routing_key="bookbridge.exception.#")
    try:
        yield Consumer(exchange, channel, queue)
    finally:
        channel.exchange_delete(exchange)
        connection.close()


def test_amqp_publishes_a_persistent_confirmed_message_routed_by_kind(consumer: Consumer) -> None:
    from bookbridge.adapters.queues.amqp import create_amqp_notifier

    options = AmqpOptions(url_env="AMQP", exchange=consumer.exchange)
    notifier = create_amqp_notifier(options, context("amqp"), {"AMQP": AMQP_URL})
    try:
        notifier.deliver(message_for(rejection(), target="amqp"))
        method, properties, body = consumer.get()
    finally:
        notifier.close()
    assert method.routing_key == "bookbridge.exception.store-rejection"
    assert (properties.delivery_mode, properties.content_type) == (2, "application/json")
    assert (properties.message_id, properties.type) == ("41", "exception.opened")
    document = json.loads(body)
    assert document["exception"]["isbn"] == ISBN and document["exception"]["field"] == "price"
    assert document["delivery"] == {"id": 41, "target": "amqp", "created": NOW.isoformat()}


def test_amqp_counts_a_message_no_queue_is_bound_for_as_a_failure_unless_told_otherwise(consumer: Consumer) -> None:
    from bookbridge.adapters.queues.amqp import AmqpNotifier

    unbound = AmqpNotifier("amqp", AMQP_URL, exchange=consumer.exchange, routing_key="elsewhere.{event}")
    with pytest.raises(DeliveryError, match="no queue is bound"):
        unbound.deliver(message_for(rejection(), target="amqp"))
    unbound.close()
    relaxed = AmqpNotifier("amqp", AMQP_URL, exchange=consumer.exchange, routing_key="elsewhere.{event}",
                           mandatory=False)
    relaxed.deliver(message_for(rejection(), target="amqp"))
    relaxed.close()
    assert consumer.empty()


def test_amqp_reconnects_after_its_connection_is_lost(consumer: Consumer) -> None:
    from bookbridge.adapters.queues.amqp import AmqpNotifier

    notifier = AmqpNotifier("amqp", AMQP_URL, exchange=consumer.exchange)
    notifier.deliver(message_for(rejection(), target="amqp"))
    assert notifier._connection is not None
    notifier._connection.close()  # as if the broker had dropped it between two passes
    notifier.deliver(message_for(rejection(kind=ExceptionKind.DRIFT), target="amqp"))
    notifier.close()
    keys = [consumer.get()[0].routing_key for _ in range(2)]
    assert keys == ["bookbridge.exception.store-rejection", "bookbridge.exception.drift"]


def test_an_unreachable_broker_is_an_error_without_the_password() -> None:
    pytest.importorskip("pika", reason="pika is not installed")  # no broker needed: the port is closed
    from bookbridge.adapters.queues.amqp import AmqpNotifier

    notifier = AmqpNotifier("amqp", f"amqp://guest:pa55word@127.0.0.1:{free_port()}/%2F", timeout=2)
    with pytest.raises(DeliveryError, match=r"127\.0\.0\.1") as failed:
        notifier.deliver(message_for(rejection(), target="amqp"))
    assert "pa55word" not in str(failed.value) and "pa55word" not in repr(notifier)


def test_amqp_end_to_end_from_the_unit_of_work_exactly_once(consumer: Consumer, sqlite_engine: Any) -> None:
    from bookbridge.adapters.queues.amqp import AmqpNotifier

    clock = FixedClock(NOW)
    uow = SqlAlchemyUnitOfWork(make_session_factory(sqlite_engine), clock=clock, notify=("amqp",))
    with uow:
        uow.exceptions.report(ExceptionKind.RIGHTS_CONFLICT, isbn=ISBN, storefront="us", message="no US rights",
                              at=NOW)
        uow.commit()
    notifiers = {"amqp": AmqpNotifier("amqp", AMQP_URL, exchange=consumer.exchange)}
    try:
        assert len(deliver_outbox(uow, notifiers, clock).delivered) == 1
        assert deliver_outbox(uow, notifiers, clock).delivered == ()
    finally:
        notifiers["amqp"].close()
    method, _, body = consumer.get()
    assert method.routing_key == "bookbridge.exception.rights-conflict"
    assert json.loads(body)["exception"]["storefront"] == "us"
    assert consumer.empty()


def test_the_service_words_each_exceptions_place_for_the_outbox(tmp_path: Path) -> None:
    """The unit of work the composition root builds names a storefront as `storefront 'uk'` and the store as
    `store 'shop'` in each outbox message, as /api/exceptions' `where` does; the raw key stays in `storefront`."""
    settings = Settings.model_validate({
        "database_url": f"sqlite:///{tmp_path / 'state.db'}",
        "store": {"kind": "memory", "name": "shop"},
        "storefronts": [{"name": "uk", "channel_id": 1, "countries": ["GB"], "currency": "GBP"}],
        "exception_queues": [{"kind": "webhook", "url": "http://127.0.0.1:9/hook"}],
    })
    engine = make_engine(settings.database_url)
    upgrade(engine)
    uow = build_unit_of_work(engine, FixedClock(NOW), settings)
    with uow:
        uow.exceptions.report(ExceptionKind.STORE_REJECTION, isbn=ISBN, storefront="uk", field="price",
                              message="price must be > 0", at=NOW)
        uow.exceptions.report(ExceptionKind.UNMAPPED_SUBJECT, isbn=ISBN, storefront="shop", field="Subject",
                              message="no category for THEMA XY", at=NOW)
        uow.commit()
    with uow:
        payloads = [m.payload["exception"] for m in uow.outbox.due(at=NOW, limit=10)]
    engine.dispose()
    assert [(p["storefront"], p["where"]) for p in payloads] == [("uk", "storefront 'uk'"), ("shop", "store 'shop'")]
    assert [slack_text({"event": "exception.opened", "exception": p}).split(" for ")[0] for p in payloads] == [
        ":rotating_light: store-rejection on storefront 'uk'", ":rotating_light: unmapped-subject on store 'shop'"]


def test_a_notification_gives_the_field_in_words_beside_its_key_as_the_api_does() -> None:
    from bookbridge.adapters.persistence.mapping import exception_payload

    payload = exception_payload(rejection(field="Subject/thema"), "exception.opened")["exception"]
    assert (payload["field"], payload["field_label"]) == ("Subject/thema", "Subject (Thema)")
    assert exception_payload(rejection(field=None), "exception.opened")["exception"]["field_label"] is None
