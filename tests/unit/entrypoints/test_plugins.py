"""The plugin contract: discovery through entry points, loud duplicates, and broken plugins disabled."""

from __future__ import annotations

import importlib.metadata as md

import pytest
from typer.testing import CliRunner

from bookbridge import NoOptions, hookimpl
from bookbridge.adapters.memory import InMemoryCatalogSource, InMemoryStorefront
from bookbridge.entrypoints.cli import app
from bookbridge.entrypoints.plugins import collect_adapters, make_plugin_manager
from bookbridge.plugin import ENTRY_POINT_GROUP, AdapterKind
from bookbridge.testing import context


class _Plugin:
    def __init__(self, name: str, register) -> None:
        self.__name__ = name
        self._register = register

    @hookimpl
    def bookbridge_register_adapters(self, registry):
        return self._register(registry)


def _storefront(name: str):
    return _Plugin(name, lambda r: r.add_storefront("dup", lambda options, ctx: InMemoryStorefront(ctx.name),
                                                    options=NoOptions))


def test_builtins_are_discovered_through_entry_points():
    registry, failures = collect_adapters(make_plugin_manager())
    assert failures == []
    names = {(s.kind, s.name, s.origin) for s in registry.all()}
    assert (AdapterKind.SOURCE, "sample", "built-in") in names
    assert (AdapterKind.STOREFRONT, "memory", "built-in") in names


def test_every_builtin_entry_point_is_installed_and_importable():
    entry_points = md.entry_points(group=ENTRY_POINT_GROUP)
    declared = {ep.name: ep for ep in entry_points if ep.dist and ep.dist.name == "bookbridge"}
    assert {"memory", "sample"} <= set(declared)
    pm = make_plugin_manager(load_entrypoints=True)
    registry, failures = collect_adapters(pm)
    assert failures == []
    for ep in declared.values():
        module = ep.load()
        assert hasattr(module, "bookbridge_register_adapters"), ep.name
        assert pm.get_plugin(ep.name) is module, f"entry point {ep.name} is not the plugin registered under it"
        registered = [spec for spec in registry.all() if spec.plugin == ep.name]
        assert registered, f"built-in plugin {ep.name} ({ep.value}) registers nothing"
        assert all(spec.origin == "built-in" for spec in registered)


def test_a_duplicate_name_is_an_error_naming_both_plugins_and_the_second_is_disabled():
    first, second = _storefront("first-plugin"), _storefront("second-plugin")
    pm = make_plugin_manager(load_entrypoints=False, extra_plugins=[first, second])
    registry, failures = collect_adapters(pm)
    assert len(failures) == 1
    message = failures[0].error
    assert "'dup'" in message and "first-plugin" in message and "second-plugin" in message
    assert registry.get(AdapterKind.STOREFRONT, "dup").plugin in {"first-plugin", "second-plugin"}
    assert pm.is_blocked(failures[0].plugin)


def test_a_plugin_that_raises_is_reported_disabled_and_rolled_back():
    def register(registry):
        registry.add_source("half", source, options=NoOptions)
        raise RuntimeError("boom")

    def source(options, ctx):
        return InMemoryCatalogSource(name=ctx.name)

    good = _Plugin("good", lambda r: r.add_source("fine", source, options=NoOptions))
    pm = make_plugin_manager(load_entrypoints=False, extra_plugins=[_Plugin("broken", register), good])
    registry, failures = collect_adapters(pm)
    assert [(f.plugin, f.error) for f in failures] == [("broken", "RuntimeError: boom")]
    assert [s.name for s in registry.all()] == ["fine"]
    assert registry.create_source("fine", {}, context("fine")).name == "fine"


def test_a_plugin_returning_a_value_is_disabled():
    pm = make_plugin_manager(load_entrypoints=False, extra_plugins=[_Plugin("chatty", lambda r: 42)])
    _, failures = collect_adapters(pm)
    assert failures[0].plugin == "chatty" and "must return None" in failures[0].error


def test_unknown_adapter_names_list_what_is_registered():
    registry, _ = collect_adapters(make_plugin_manager())
    with pytest.raises(LookupError, match=r"no store adapter named 'nope' \(registered: .*memory"):
        registry.get(AdapterKind.STOREFRONT, "nope")


def test_disabled_plugins_environment_variable_blocks_entry_points(monkeypatch):
    monkeypatch.setenv("BOOKBRIDGE_DISABLED_PLUGINS", "sample, other")
    registry, failures = collect_adapters(make_plugin_manager())
    assert failures == []
    assert "sample" not in {s.name for s in registry.all() if s.kind is AdapterKind.SOURCE}


def test_plugins_command_lists_adapters_with_origin_and_kind():
    result = CliRunner().invoke(app, ["plugins"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "sample" in line]
    assert lines and "source" in lines[0] and "built-in" in lines[0]


def test_an_entry_point_that_cannot_be_imported_is_reported_and_the_rest_load(monkeypatch):
    real = md.entry_points

    def with_broken(**kwargs):
        found = list(real(**kwargs))
        if kwargs.get("group") == ENTRY_POINT_GROUP:
            found.append(md.EntryPoint(name="broken", value="no_such_module.plugin", group=ENTRY_POINT_GROUP))
        return found

    monkeypatch.setattr(md, "entry_points", with_broken)
    registry, failures = collect_adapters(make_plugin_manager())
    assert [f.plugin for f in failures] == ["broken"]
    assert "cannot import no_such_module.plugin" in failures[0].error
    assert registry.get(AdapterKind.SOURCE, "sample").origin == "built-in"


def test_a_second_registration_of_a_name_by_the_same_plugin_disables_all_of_it():
    def register(registry):
        registry.add_source("twice", lambda options, ctx: InMemoryCatalogSource(), options=NoOptions)
        registry.add_source("twice", lambda options, ctx: InMemoryCatalogSource(), options=NoOptions)

    registry, failures = collect_adapters(make_plugin_manager(load_entrypoints=False,
                                                              extra_plugins=[_Plugin("stutter", register)]))
    assert [f.plugin for f in failures] == ["stutter"]
    assert "'twice' is registered twice" in failures[0].error
    assert registry.all() == []


def test_a_duplicate_rolls_back_every_registration_of_the_second_plugin():
    def second(registry):
        registry.add_source("own", lambda options, ctx: InMemoryCatalogSource(), options=NoOptions)
        registry.add_storefront("dup", lambda options, ctx: InMemoryStorefront(ctx.name), options=NoOptions)

    pm = make_plugin_manager(load_entrypoints=False, extra_plugins=[_storefront("first"), _Plugin("second", second)])
    registry, failures = collect_adapters(pm)
    [failure] = failures
    kept = {(s.kind, s.name, s.plugin) for s in registry.all()}
    loser = failure.plugin
    assert all(plugin != loser for _, _, plugin in kept)
    assert len(kept) == (1 if loser == "second" else 2)


def test_order_sources_and_notifiers_are_plugin_kinds():
    registry, _ = collect_adapters(make_plugin_manager())
    names = {(s.kind, s.name) for s in registry.all()}
    assert {(AdapterKind.ORDER_SOURCE, "bigcommerce"), (AdapterKind.ORDER_SOURCE, "memory"),
            (AdapterKind.NOTIFIER, "webhook"), (AdapterKind.NOTIFIER, "amqp"),
            (AdapterKind.NOTIFIER, "memory")} <= names


def test_the_public_api_is_importable_from_the_package_without_loading_it_for_the_domain():
    import subprocess
    import sys

    code = ("import sys, bookbridge.domain.ports; assert 'pluggy' not in sys.modules, 'domain imports pluggy'; "
            "from bookbridge import hookimpl, AdapterOptions, AdapterContext, NoOptions, PluginRegistrar; "
            "import bookbridge.plugin as p; assert hookimpl is p.hookimpl")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
