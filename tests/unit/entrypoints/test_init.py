"""`bookbridge init`: a commented bookbridge.toml that loads as written, never over an existing file."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from bookbridge.domain.listing import MappingSettings
from bookbridge.domain.rights import RightsStatus
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.entrypoints.cli import app
from bookbridge.entrypoints.cli.init import template
from bookbridge.entrypoints.plugins import collect_adapters, make_plugin_manager
from bookbridge.entrypoints.settings import (
    HttpSettings,
    OrderSettings,
    ScheduleSettings,
    ServiceSettings,
    Settings,
    StoreSettings,
    load_settings,
)
from bookbridge.plugin import AdapterKind


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("BOOKBRIDGE_CONFIG", "BOOKBRIDGE_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def uncomment(text: str, first_line: str) -> str:
    """Uncomment the commented block that starts with `# {first_line}` (up to the next blank line)."""
    lines = text.splitlines()
    start = lines.index(f"# {first_line}")
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    lines[start:end] = [line[2:] if line.startswith("# ") else line for line in lines[start:end]]
    return "\n".join(lines) + "\n"


def test_init_writes_a_file_that_loads(tmp_path):
    path = tmp_path / "bookbridge.toml"
    result = CliRunner().invoke(app, ["init", str(path)])
    assert result.exit_code == 0, result.output
    settings = load_settings(path)
    assert settings.source.kind == "consonance" and settings.store.kind == "bigcommerce"
    assert [s.name for s in settings.storefronts] == ["uk"] and settings.storefronts[0].default_currency
    assert "access_token" not in settings.store.options() and "api_key" not in settings.source.options()


def test_init_refuses_to_overwrite_without_force(tmp_path):
    path = tmp_path / "bookbridge.toml"
    path.write_text("# mine\n", encoding="utf-8")
    refused = CliRunner().invoke(app, ["init", str(path)])
    assert refused.exit_code == 2 and "--force" in refused.output  # a path refused: bad input, as README says
    assert path.read_text(encoding="utf-8") == "# mine\n"
    forced = CliRunner().invoke(app, ["init", str(path), "--force"])
    assert forced.exit_code == 0 and path.read_text(encoding="utf-8") == template()


def test_init_defaults_to_bookbridge_toml_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(app, ["init"]).exit_code == 0
    assert (tmp_path / "bookbridge.toml").read_text(encoding="utf-8") == template()


@pytest.mark.parametrize("block", ['[[storefronts]]', '[[exception_queues]]', '[service]', '[http]', '[orders]'])
def test_the_commented_alternatives_load_too(tmp_path, block):
    text = uncomment(template(), block)
    path = tmp_path / "bookbridge.toml"
    path.write_text(text, encoding="utf-8")
    settings = load_settings(path)
    assert len(settings.storefronts) == (2 if block == "[[storefronts]]" else 1)
    assert len(settings.exception_queues) == (1 if block == "[[exception_queues]]" else 0)


@pytest.mark.parametrize("kind", ["onix-file", "onix-folder", "onix-url"])
def test_each_commented_source_is_a_registered_kind_with_its_required_option(tmp_path, kind):
    registry, _ = collect_adapters(make_plugin_manager())
    assert registry.get(AdapterKind.SOURCE, kind)
    block = template().split(f'# kind = "{kind}"', 1)[1].split("\n\n", 1)[0]
    assert re.search(r"^# (path|drop_dir|url) = ", block, re.MULTILINE), block


def test_every_key_of_the_model_appears_in_the_template():
    text = template()
    keys = {*Settings.model_fields, *StoreSettings.model_fields, *StorefrontSettings.model_fields,
            *MappingSettings.model_fields, *ScheduleSettings.model_fields, *ServiceSettings.model_fields,
            *HttpSettings.model_fields, *OrderSettings.model_fields}
    # A key, commented or not, or an alternative named in a comment: "## (or admin_token_file = ...)".
    missing = sorted(k for k in keys if not re.search(rf"^(# )?\[*{k}\]*( =|$)|^## \(or {k} = ", text, re.MULTILINE))
    assert not missing, f"bookbridge init does not mention {missing}"


def test_the_template_holds_no_secret_values():
    for line in template().splitlines():
        code = line.split("#", 1)[0]
        assert not re.match(r"\s*(access_token|api_key|store_hash|url)\s*=", code), line


def test_the_cron_schedules_say_they_are_read_in_utc():
    """`0 2 * * *` is 02:00 UTC (`bookbridge jobs`: "daily at 02:00 UTC"), not 02:00 in a storefront's zone."""
    lines = [line for line in template().splitlines() if re.match(r"#?\s*\w+_cron\s*=", line)]
    assert lines and all("UTC" in line for line in lines), lines


def test_the_written_file_says_a_storefront_sells_through_a_channel_and_is_not_one(tmp_path) -> None:
    """docs/glossary.md: a channel is BigCommerce's word for where a storefront sells, never the storefront."""
    path = tmp_path / "bookbridge.toml"
    assert CliRunner().invoke(app, ["init", str(path)]).exit_code == 0
    text = path.read_text(encoding="utf-8")
    [heading] = [line for line in text.splitlines() if line.startswith("# --- storefronts")]
    assert "sells through one channel" in heading and not re.search(r"storefronts: (the )?channels", heading), heading
    assert not re.search(r"(?i)storefronts?\W+(are|is|:)\s+(the |a )?channels?\b", text)


def test_the_unknown_rights_comment_names_every_value_the_setting_takes():
    text = template()
    start = text.index("unknown_rights =")
    comment = text[start:text.index("outlet_names", start)]
    assert all(f'"{status.value}"' in comment for status in RightsStatus), comment


def test_the_help_names_every_table_the_file_has_set_or_commented_out():
    """`init --help` lists the tables of the file it writes, in its order: those set, then those commented out."""
    tables: dict[str, bool] = {}  # table -> set (not only commented out)
    for line in template().splitlines():
        if found := re.fullmatch(r"(# )?\[\[?(\w+)\]\]?\s*(#.*)?", line.strip()):
            tables[found.group(2)] = tables.get(found.group(2), False) or found.group(1) is None
    help_text = " ".join(CliRunner().invoke(app, ["init", "--help"], terminal_width=200).output.split())
    set_ = ", ".join(t for t, active in tables.items() if active)
    commented = ", ".join(t for t, active in tables.items() if not active)
    assert f"Tables set: {set_}." in help_text, help_text
    assert f"Tables commented out, to uncomment as needed: {commented}." in help_text, help_text
