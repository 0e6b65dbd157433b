"""The composition root's provider layout: clients with a close() are resources, closed on shutdown; a unit of
work and a source are made per job or request, never shared between threads."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bookbridge.entrypoints.container import Container
from bookbridge.entrypoints.settings import AdapterSettings, Settings, StoreSettings


def container_for(tmp_path: Path, store: StoreSettings) -> Container:
    container = Container()
    container.settings.override(Settings(source=AdapterSettings(kind="sample"), store=store,
                                         database_url=f"sqlite:///{tmp_path / 'state.db'}"))
    return container


def test_the_storefront_is_one_client_per_container_closed_on_shutdown(tmp_path: Path) -> None:
    container = container_for(tmp_path, StoreSettings(kind="bigcommerce", name="shop", store_hash="abc123",
                                                      access_token="t0ken-for-tests"))
    store = container.storefront()
    assert container.storefront() is store
    http = store.client._http  # type: ignore[attr-defined]
    assert not http.is_closed
    container.shutdown_resources()
    assert http.is_closed


def test_a_unit_of_work_and_a_source_are_made_per_call(tmp_path: Path) -> None:
    container = container_for(tmp_path, StoreSettings(kind="memory", name="shop"))
    try:
        first, second = container.unit_of_work(), container.unit_of_work()
        assert first is not second
        assert container.source() is not container.source()
        assert container.source(uow=first).name == "sample"
    finally:
        container.shutdown_resources()


def test_what_the_http_app_and_the_service_reach_the_database_through(tmp_path: Path) -> None:
    container = container_for(tmp_path, StoreSettings(kind="memory", name="shop"))
    try:
        current, head = container.schema_revisions()()
        assert head is not None and current == head  # the engine resource migrated the database on start
        assert container.database_stats()().open_exceptions_by_kind == {}
        with container.leases()("sync:shop", "test:1", timedelta(minutes=5)) as held:
            assert held and held.renew()
            with container.leases()("sync:shop", "test:2", timedelta(minutes=5)) as other:
                assert not other
        assert container.milestone_log().recent() == []
    finally:
        container.shutdown_resources()
