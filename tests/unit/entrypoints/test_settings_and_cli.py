"""Configuration (TOML + BOOKBRIDGE_* env) and the plan / sync commands on it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bookbridge.entrypoints.plugins import collect_adapters, make_plugin_manager
from bookbridge.entrypoints.settings import ConfigurationError, load_settings
from bookbridge.plugin import AdapterKind
from cli_support import (
    UK_STOREFRONT,
    OnixProduct,
    forget_configuration,
    run,
    sample_config,
    write_config,
    write_onix,
)

TOML = sample_config(families=6)


@pytest.fixture
def config(tmp_path: Path, monkeypatch) -> Path:
    forget_configuration(monkeypatch)
    return write_config(tmp_path, TOML)


def test_toml_is_read_and_environment_variables_win(config, monkeypatch):
    assert load_settings(config).database_url.endswith("/state.db")
    monkeypatch.setenv("BOOKBRIDGE_DATABASE_URL", "postgresql+psycopg://127.0.0.1/test")
    settings = load_settings(config)
    assert settings.database_url == "postgresql+psycopg://127.0.0.1/test"
    assert settings.storefronts[0].currency == "GBP" and settings.source.options()["families"] == 6


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('countries = ["GB"]', 'countries = ["GB", "QQ"]'), "[[storefronts]] 'uk' countries: "),
        (('timezone = "Europe/London"', 'timezone = "Mars/Olympus"'), "[[storefronts]] 'uk' timezone: "),
        (('name = "shop"', 'name = "shop"\nbogus = 1\n[schedules]\ndelta_sync_minutes = 0'),
         "[schedules] delta_sync_minutes: "),
        (('name = "shop"', 'name = "shop"\n[mapping]\nweight_unit = "lbs"'), "[mapping] weight_unit: "),
        (('name = "shop"', 'name = "shop"\n[mapping]\nlength_unit = "inch"'), "[mapping] length_unit: "),
    ],
)
def test_errors_name_the_key(config, edit, message):
    config.write_text(TOML.replace(*edit), encoding="utf-8")
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        load_settings(config)


@pytest.mark.parametrize(
    ("edit", "said"),
    [  # a misspelt required key: only the line that names it and the key it means, never "Field required"
        (('currency = "GBP"', 'curency = "GBP"'), "[[storefronts]] 'uk' curency: unknown key (did you mean "
                                                  "'currency'? known: "),
        (('channel_id = 1', 'chanel_id = 1'), "[[storefronts]] 'uk' chanel_id: unknown key (did you mean "
                                               "'channel_id'? known: "),
        (('name = "uk"', 'nam = "uk"'), "[[storefronts]] #1 nam: unknown key (did you mean 'name'? known: "),
        (('kind = "sample"', 'knd = "sample"'), "[source] knd: unknown key (did you mean 'kind'?)"),
        (('kind = "memory"', 'knd = "memory"'), "[store] knd: unknown key (did you mean 'kind'?)"),
        (('name = "shop"', 'name = "shop"\n[[exception_queues]]\nknd = "webhook"\nurl = "https://hooks.example/x"'),
         "[[exception_queues]] #1 knd: unknown key (did you mean 'kind'?)"),
    ],
)
def test_a_misspelt_required_key_is_named_once_with_the_key_it_means(config, edit, said):
    config.write_text(TOML.replace(*edit, 1), encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        load_settings(config)
    lines = str(caught.value).splitlines()  # one error: one line, as every command prints it
    assert len(lines) == 1 and lines[0].startswith(f"invalid configuration: {said}"), lines


@pytest.mark.parametrize(
    ("edit", "said"),
    [  # a required key left out: said in the project's words (as the adapters say it), never "Field required"
        (('currency = "GBP"\n', ""), "[[storefronts]] 'uk' needs 'currency'"),
        (('kind = "sample"\n', ""), "[source] needs 'kind'"),
        (('name = "shop"', 'name = "shop"\n[[exception_queues]]\nurl = "https://hooks.example/x"'),
         "[[exception_queues]] #1 needs 'kind'"),
    ],
)
def test_a_missing_required_key_is_said_in_words(config, edit, said):
    config.write_text(TOML.replace(*edit, 1), encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        load_settings(config)
    assert "Field required" not in str(caught.value) and said in str(caught.value), str(caught.value)


@pytest.mark.parametrize(
    ("edit", "env", "said"),
    [  # a refused value: what the key takes and what it was given, never pydantic's "Input should be ..."
        (('channel_id = 1', 'channel_id = "two"'), {},
         "[[storefronts]] 'uk' channel_id: must be a whole number, not text; it is 'two'"),
        (('name = "shop"', 'name = "shop"\n[schedules]\ndelta_sync_minutes = 15'),
         {"BOOKBRIDGE_SCHEDULES__DELTA_SYNC_MINUTES": "abc"},
         "[schedules] delta_sync_minutes: must be a whole number; it is 'abc' (from the environment variable "
         "BOOKBRIDGE_SCHEDULES__DELTA_SYNC_MINUTES)"),
        (('name = "shop"', 'name = "shop"\n[schedules]\ndelta_sync_minutes = 0'), {},
         "[schedules] delta_sync_minutes: must be at least 1; it is 0"),
        # the file's value must be of its TOML type: a number or a flag in quotes is text, and refused so
        (('channel_id = 1', 'channel_id = "2"'), {},
         "[[storefronts]] 'uk' channel_id: must be a whole number, not text; it is '2'"),
        (('currency = "GBP"', 'currency = "GBP"\ntax_inclusive = "yes"'), {},
         "[[storefronts]] 'uk' tax_inclusive: must be true or false, not text; it is 'yes'"),
        (('name = "shop"', 'name = "shop"\n[orders]\nenabled = "yes"'), {},
         "[orders] enabled: must be true or false, not text; it is 'yes'"),
        (('name = "shop"', 'name = "shop"\n[orders]\nenabled = 1'), {},
         "[orders] enabled: must be true or false; it is 1"),
        (('name = "shop"', 'name = "shop"\n[schedules]\ndelta_sync_minutes = "15"'), {},
         "[schedules] delta_sync_minutes: must be a whole number, not text; it is '15'"),
        (('name = "shop"', 'name = "shop"\n[schedules]\ndelta_sync_minutes = 15.0'), {},
         "[schedules] delta_sync_minutes: must be a whole number; it is 15.0"),
        (('name = "shop"', 'name = "shop"\n[mapping]\nlink_series = "true"'), {},
         "[mapping] link_series: must be true or false, not text; it is 'true'"),
    ],
)
def test_a_refused_value_is_said_in_words_with_where_it_came_from(config, monkeypatch, edit, env, said):
    config.write_text(TOML.replace(*edit, 1), encoding="utf-8")
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as caught:
        load_settings(config)
    assert "Input should be" not in str(caught.value) and said in str(caught.value), str(caught.value)


def test_an_environment_variable_gives_a_number_or_a_flag_as_text(config, monkeypatch):
    """A variable's value is text by nature: `BOOKBRIDGE_ORDERS__ENABLED=no` is read as false, in the settings and
    in an adapter's options alike (`BOOKBRIDGE_SOURCE__FAMILIES=4`)."""
    for variable, value in {"BOOKBRIDGE_ORDERS__ENABLED": "no", "BOOKBRIDGE_SCHEDULES__DELTA_SYNC_MINUTES": "30",
                            "BOOKBRIDGE_MAPPING__LINK_SERIES": "true", "BOOKBRIDGE_SOURCE__FAMILIES": "4",
                            "BOOKBRIDGE_STOREFRONTS": json.dumps([{"name": "uk", "countries": ["GB"],
                                                                   "currency": "GBP", "tax_inclusive": "false",
                                                                   "channel_id": "2"}])}.items():
        monkeypatch.setenv(variable, value)
    settings = load_settings(config)
    assert (settings.orders.enabled, settings.schedules.delta_sync_minutes, settings.mapping.link_series) == (
        False, 30, True)
    assert (settings.storefronts[0].tax_inclusive, settings.storefronts[0].channel_id) == (False, 2)
    registry, _ = collect_adapters(make_plugin_manager())
    assert registry.get(AdapterKind.SOURCE, "sample").parse_options(settings.source.options()).families == 4
    result = run("source", "inspect", "-c", str(config), "--json")
    assert result.exit_code == 0 and len(json.loads(result.stdout)["families"]) == 4, result.output


def test_an_adapter_option_in_quotes_is_refused(config):
    config.write_text(TOML.replace("families = 6", 'families = "6"'), encoding="utf-8")
    result = run("plan", "-c", str(config), columns=500)
    assert result.exit_code == 2, result.output
    assert "[source] source adapter 'sample': families: must be a whole number, not text; it is '6'" in result.output


def test_an_adapter_option_left_out_is_said_in_words(config):
    config.write_text(TOML.replace('kind = "sample"\nfamilies = 6', 'kind = "onix-folder"'), encoding="utf-8")
    result = run("plan", "-c", str(config), columns=500)
    assert result.exit_code == 2 and "[source] source adapter 'onix-folder' needs 'drop_dir'" in result.output
    assert "Field required" not in result.output, result.output


def test_plan_is_a_dry_run_and_json_lists_every_action(config):
    result = run("plan", "--json", "-c", str(config))
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)  # logs go to stderr
    assert document["store"] == "shop"
    assert document["counts"]["create"] == len(document["actions"]) > 0
    assert {a["action"] for a in document["actions"]} == {"create"}
    # A create has no changes, so its prices and channels are given: amounts with the currency's minor units.
    for action in document["actions"]:
        assert action["changes"] == [] and action["channels"], action
        for price in action["prices"]:
            assert set(price) == {"currency", "storefront", "price", "sale_price", "retail_price"}, price
            assert re.fullmatch(r"\d+\.\d{2}", price["price"]), price
    assert any(action["prices"] for action in document["actions"])


def test_plan_json_is_the_api_plan_document_and_names_each_stored_product(tmp_path, monkeypatch):
    """`plan --json` and `/api/plan` are one document (`entrypoints/documents.py`): every key of the API's model
    on every entry; an update names the store's product it was last applied to."""
    from bookbridge.entrypoints.http.schemas import Plan

    forget_configuration(monkeypatch)
    onix = tmp_path / "feed.xml"
    write_onix(onix, [OnixProduct("9780007232833"), OnixProduct("9780007232840", form="BC", cover=False)])
    config = write_config(tmp_path, f'[source]\nkind = "onix-file"\npath = "{onix}"\n[store]\nkind = "memory"\n'
                                    f'name = "shop"\n{UK_STOREFRONT}')
    assert run("sync", "-c", str(config)).exit_code == 0
    result = run("plan", "--json", "--full", "-c", str(config))
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document == Plan.model_validate(document).model_dump(mode="json")
    [update] = document["actions"]
    assert update["action"] == "update" and isinstance(update["product_id"], int), update
    [held] = document["held_back"]
    assert held["sku"] == "9780007232840" and held["store_product_id"] is None and held["store_name"] is None


def test_sync_reports_and_exits_zero(config):
    result = run("sync", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert "Sync of store 'shop'" in result.output


def test_the_default_database_is_a_sqlite_file_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("BOOKBRIDGE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert load_settings().database_url == "sqlite:///bookbridge.db"


def test_configuration_errors_exit_2_with_the_reason(tmp_path):
    result = run("plan", "-c", str(tmp_path / "missing.toml"), columns=500)
    assert result.exit_code == 2
    assert "does not exist" in result.output


@pytest.mark.parametrize("command", ["plan", "sync", "check"])
def test_an_unknown_adapter_kind_exits_2_naming_the_section(config, command):
    config.write_text(config.read_text(encoding="utf-8").replace('kind = "sample"', 'kind = "onix-fil"'),
                      encoding="utf-8")
    result = run(command, "-c", str(config), columns=500)
    assert result.exit_code == 2, result.output
    assert "[source] kind: no source adapter named 'onix-fil' (registered: " in result.output  # as every command
    assert "Traceback" not in result.output


def test_a_toml_syntax_error_exits_2_naming_the_file(config):
    config.write_text('database_url = "sqlite:///x.db\n', encoding="utf-8")
    result = run("plan", "-c", str(config), columns=500)
    assert result.exit_code == 2, result.output
    assert f"configuration file {config} is not valid TOML: " in result.output


def test_no_storefronts_names_the_table_with_its_brackets(config):
    config.write_text(config.read_text(encoding="utf-8").split("[[storefronts]]")[0], encoding="utf-8")
    result = run("plan", "-c", str(config), columns=500)
    assert result.exit_code == 2 and "no [[storefronts]] configured" in result.output, result.output


def test_a_feed_that_is_not_onix_fails_the_sync_and_is_queued(config, tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_text("this is a price list, not ONIX\n", encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8").replace(
        'kind = "sample"\nfamilies = 6', f'kind = "onix-file"\npath = "{feed}"'), encoding="utf-8")
    said = f"reading source 'onix-file' failed: {feed}, line 1: not well-formed XML"  # plan and sync word it alike
    plan = run("plan", "-c", str(config), columns=500)
    assert plan.exit_code == 1 and f"nothing was planned: {said}" in plan.output, plan.output
    inspected = run("source", "inspect", "-c", str(config), columns=500)
    assert inspected.exit_code == 1 and f"nothing was shown: {said}" in inspected.output, inspected.output
    sync = run("sync", "-c", str(config), columns=500)
    assert sync.exit_code == 1, sync.output
    assert f"nothing was synced: {said}" in sync.output
    listed = run("exceptions", "list", "-c", str(config), columns=500)
    assert "source-error" in listed.output and "source 'onix-file'" in listed.output


def test_a_run_whose_source_could_not_be_read_shows_no_counts(config, tmp_path):
    """Zeros would read as "nothing held back" of a catalogue never read: sync and runs show `—` and say why."""
    feed = tmp_path / "feed.xml"
    feed.write_text("this is a price list, not ONIX\n", encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8").replace(
        'kind = "sample"\nfamilies = 6', f'kind = "onix-file"\npath = "{feed}"'), encoding="utf-8")
    sync = run("sync", "-c", str(config), columns=500)
    assert sync.exit_code == 1, sync.output
    row = next(line for line in sync.output.splitlines() if line.startswith("│"))
    assert [cell.strip() for cell in row.strip("│ ").split("│")] == ["—"] * 7, sync.output
    assert "—: the source could not be read" in sync.output
    runs = run("runs", "-c", str(config), columns=500)
    row = next(line for line in runs.output.splitlines() if line.startswith("│ 1 "))
    assert "failed" in row and row.count("—") == 8 and " 0 " not in row, runs.output
    assert "—: the source could not be read (run 1): none of the counts applies" in runs.output, runs.output


def test_plan_json_has_the_editions_held_back_from_one_storefront_that_the_text_plan_prints(tmp_path, monkeypatch):
    """An edition listed on storefront 'uk' and held back from 'us' (no US price): the text plan says so under
    "held back from one storefront or more", and `plan --json` (so `/api/plan`) carries the same."""
    from bookbridge.entrypoints.http.schemas import Plan

    forget_configuration(monkeypatch)
    onix = tmp_path / "feed.xml"
    write_onix(onix, [OnixProduct("9780007232833")])  # priced in GBP only
    us = UK_STOREFRONT.replace('"uk"', '"us"').replace("channel_id = 1", "channel_id = 2").replace(
        '["GB"]', '["US"]').replace('"GBP"', '"USD"').replace("Europe/London", "America/New_York")
    us += "default_currency = false\n"
    config = write_config(tmp_path, f'[source]\nkind = "onix-file"\npath = "{onix}"\n[store]\nkind = "memory"\n'
                                    f'name = "shop"\n{UK_STOREFRONT}{us}')
    text = run("plan", "-c", str(config), columns=300)
    assert text.exit_code == 0, text.output
    assert "held back from one storefront or more: Roseanna (Hardback), ISBN 9780007232833 on storefront 'us'" \
        in text.output, text.output
    result = run("plan", "--json", "-c", str(config))
    document = json.loads(result.stdout)
    assert document == Plan.model_validate(document).model_dump(mode="json")
    [held] = document["held_back_on_a_storefront"]
    assert (held["isbn"], held["name"], held["storefront"]) == ("9780007232833", "Roseanna (Hardback)", "us"), held
    assert held["reason"] in text.output, held
