"""docs/configuration.md and the settings model agree: every key documented, every documented key real.

The model is walked recursively (a table field or a list of tables is a section of its own); in the doc, a
section is a heading naming it (`## Top level`, ``## `[mapping]` ``, ``## `[[storefronts]]` ``) and its keys
are the first column of the table under it. Adapter options (`### kind = ...` tables) belong to the plugins,
not the model: they are checked both ways against the options model each built-in adapter registers (an order
source shares the `[store]` table, and so the section, of the storefront of its name).
"""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from bookbridge.entrypoints.plugins import collect_adapters, make_plugin_manager
from bookbridge.entrypoints.settings import Settings
from bookbridge.plugin import AdapterKind, AdapterSpec

DOC = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"
HEADING = re.compile(r"^(#{2,6})\s+(.*?)\s*$")
SECTION = re.compile(r"^`\[{1,2}(\w+)\]{1,2}`$")
ROW_KEY = re.compile(r"^\|\s*`(\w+)`\s*\|")
ADAPTER = re.compile(r"^`kind = (.*?)`(?::|$)")
ADAPTER_SECTIONS = {"source": AdapterKind.SOURCE, "store": AdapterKind.STOREFRONT,
                    "exception_queues": AdapterKind.NOTIFIER, "sales_sinks": AdapterKind.SALES_SINK}


def _model_of(annotation: object) -> tuple[type[BaseModel] | None, bool]:
    """The model a field holds, and whether it is a list of them."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin = typing.get_origin(annotation)
    if origin in (list, tuple) or origin is types.UnionType:
        for arg in typing.get_args(annotation):
            model, _ = _model_of(arg)
            if model is not None:
                return model, origin in (list, tuple)
    return None, False


def model_sections() -> dict[str, tuple[set[str], bool]]:
    """section ("" = top level) -> (its keys, whether it is a list of tables)."""
    sections: dict[str, tuple[set[str], bool]] = {}

    def walk(model: type[BaseModel], name: str, is_list: bool) -> None:
        sections[name] = (set(model.model_fields), is_list)
        for field_name, info in model.model_fields.items():
            sub, sub_list = _model_of(info.annotation)
            if sub is not None:
                walk(sub, f"{name}.{field_name}" if name else field_name, sub_list)

    walk(Settings, "", False)
    return sections


def doc_sections() -> dict[str, dict[str, str]]:
    """section -> {key: its table row}, for the headings that name a model section."""
    found: dict[str, dict[str, str]] = {}
    current: str | None = None
    in_table = False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if heading := HEADING.match(line):
            text = heading[2]
            current = "" if text == "Top level" else (m[1] if (m := SECTION.match(text)) else None)
            in_table = False
            if current is not None:
                found.setdefault(current, {})
            continue
        if current is None:
            continue
        if line.startswith("|"):
            in_table = True
            if key := ROW_KEY.match(line):
                found[current][key[1]] = line
        elif in_table:
            current = None  # only the first table under the heading documents the section's keys
    return found


def env_name(section: str, key: str) -> str:
    parts = [*(section.split(".") if section else []), key]
    return "BOOKBRIDGE_" + "__".join(p.upper() for p in parts)


def test_every_section_of_the_model_has_a_section_in_the_doc():
    missing = sorted(set(model_sections()) - set(doc_sections()))
    assert not missing, f"docs/configuration.md has no section for {missing}"


@pytest.mark.parametrize("section", sorted(model_sections()))
def test_every_key_is_documented_and_every_documented_key_exists(section):
    keys, _ = model_sections()[section]
    documented = set(doc_sections().get(section, {}))
    assert not keys - documented, f"[{section}] keys missing from docs/configuration.md: {sorted(keys - documented)}"
    assert not documented - keys, f"[{section}] documents keys the model lacks: {sorted(documented - keys)}"


@pytest.mark.parametrize("section", sorted(model_sections()))
def test_each_row_gives_the_environment_variable(section):
    """Scalars: BOOKBRIDGE_SECTION__KEY; a table: BOOKBRIDGE_KEY__<KEY>; a list of tables: BOOKBRIDGE_KEY (JSON)."""
    keys, is_list = model_sections()[section]
    rows = doc_sections()[section]
    for key in keys:
        model, many = _model_of(Settings.model_fields[key].annotation) if not section else (None, False)
        if is_list:
            expected = env_name("", section)
        elif model is not None:
            expected = env_name("", key) + ("" if many else "__")
        else:
            expected = env_name(section, key)
        assert f"`{expected}" in rows[key], f"[{section}] {key}: the row should name {expected}"


def test_the_doc_parser_sees_the_sections():
    sections = doc_sections()
    assert "database_url" in sections[""] and "delta_sync_minutes" in sections["schedules"]
    assert "base_url" not in sections["source"]  # adapter options are in their own tables, not the model's


# --- adapter options -----------------------------------------------------------------------------------------------


def adapter_docs() -> dict[tuple[AdapterKind, str], set[str]]:
    """(kind, adapter name) -> the options documented for it under its ``### `kind = "..."` `` heading.

    One heading may name several adapters (`"onix-file"`, `"onix-folder"`, `"onix-url"`): a row whose other
    columns name some of them in backticks is theirs only, any other row is all of theirs."""
    found: dict[tuple[AdapterKind, str], set[str]] = {}
    section: str | None = None
    names: list[str] = []
    in_table = False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if heading := HEADING.match(line):
            level, text = len(heading[1]), heading[2]
            if level == 2:
                section, names = (m[1] if (m := SECTION.match(text)) else None), []
            elif level == 3 and section in ADAPTER_SECTIONS and (m := ADAPTER.match(text)):
                names = re.findall(r'"([\w-]+)"', m[1] + text[m.end():].split(":")[0])
                for name in names:
                    found[(ADAPTER_SECTIONS[section], name)] = set()
            else:
                names = []
            in_table = False
            continue
        if not names:
            continue
        if line.startswith("|"):
            in_table = True
            if key := ROW_KEY.match(line):
                rest = line[key.end():]
                mentioned = [n for n in names if f"`{n}`" in rest]
                for name in mentioned or names:
                    found[(ADAPTER_SECTIONS[section], name)].add(key[1])  # type: ignore[index]
        elif in_table:
            names = []
    return found


def builtin_adapters() -> list[AdapterSpec]:
    registry, failures = collect_adapters(make_plugin_manager())
    assert failures == []
    return [spec for spec in registry.all() if spec.origin == "built-in"]


def documented_for(spec: AdapterSpec) -> tuple[AdapterKind, str]:
    """The section documenting an adapter's table: an order source's is its storefront's (`[store]`)."""
    kind = AdapterKind.STOREFRONT if spec.kind is AdapterKind.ORDER_SOURCE else spec.kind
    return kind, spec.name


def test_every_builtin_adapter_has_a_section():
    documented = adapter_docs()
    for spec in builtin_adapters():
        assert documented_for(spec) in documented, (
            f"docs/configuration.md has no `kind = \"{spec.name}\"` section for the {spec.kind} {spec.name!r}")


@pytest.mark.parametrize("spec", builtin_adapters(), ids=lambda s: f"{s.kind}:{s.name}")
def test_every_documented_option_is_accepted_and_every_declared_one_documented(spec):
    documented = adapter_docs()[documented_for(spec)]
    known = set(spec.known_options)  # the options model's keys, and `name`
    refused = sorted(documented - known)
    assert not refused, f"{spec.kind} {spec.name!r} refuses documented options {refused}"
    undocumented = sorted(known - documented - {"name"})
    assert not undocumented, f"{spec.kind} {spec.name!r}: options missing from the doc {undocumented}"


def test_the_adapter_parser_sees_the_tables():
    documented = adapter_docs()
    assert "max_in_flight" in documented[(AdapterKind.STOREFRONT, "bigcommerce")]
    assert documented[(AdapterKind.SOURCE, "onix-folder")] >= {"drop_dir", "max_files", "validate", "name"}
    assert "path" not in documented[(AdapterKind.SOURCE, "onix-folder")]  # the row names `onix-file` only
    assert documented[(AdapterKind.STOREFRONT, "memory")] == set()


def test_the_check_section_names_every_call_the_store_probe_makes() -> None:
    """`check`'s Connections step as docs/configuration.md lists it: every GET the BigCommerce probe sends."""
    from bookbridge.adapters.bigcommerce.probe import CALLS

    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("`bookbridge check [-c FILE]"):]
    section = section[:section.index("\n## ")] if "\n## " in section else section
    missing = [f"/{call.api}/{call.path}" for call in CALLS if f"/{call.api}/{call.path}`" not in section]
    assert not missing, f"docs/configuration.md's check section does not name {missing}"
