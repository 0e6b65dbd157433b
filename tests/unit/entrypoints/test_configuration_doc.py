"""docs/configuration.md and the settings model agree: every key documented, every documented key real.

The model is walked recursively (a table field or a list of tables is a section of its own); in the doc, a
section is a heading naming it (`## Top level`, ``## `[mapping]` ``, ``## `[[storefronts]]` ``) and its keys
are the first column of the table under it. Adapter options (`### kind = ...` tables) belong to the plugins,
not the model, so only the model sections are checked both ways.
"""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from entrypoints.settings import Settings

DOC = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"
HEADING = re.compile(r"^(#{2,6})\s+(.*?)\s*$")
SECTION = re.compile(r"^`\[{1,2}(\w+)\]{1,2}`$")
ROW_KEY = re.compile(r"^\|\s*`(\w+)`\s*\|")


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
