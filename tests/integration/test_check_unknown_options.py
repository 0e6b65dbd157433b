"""`bookbridge check` refuses misspelt configuration keys: exit 2, naming the table, the key and the closest one.

Nothing is reached: the configuration step fails before any connection (the BigCommerce factory opens nothing),
so the store needs no sandbox here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_support import UK_STOREFRONT, forget_configuration, run, write_config

STOREFRONT = UK_STOREFRONT


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    forget_configuration(monkeypatch)


def write(tmp_path: Path, *, source: str = 'kind = "sample"', store: str = "", storefront: str = STOREFRONT,
          extra: str = "") -> Path:
    store = store or 'kind = "bigcommerce"\nname = "shop"\nstore_hash = "abc123"\naccess_token = "t0ken"'
    return write_config(tmp_path, f"\n[source]\n{source}\n\n[store]\n{store}\n{storefront}\n{extra}")


def check(path: Path):
    result = run("check", "-c", str(path))
    return result, " ".join(result.output.split())  # rich may wrap a long line


def test_a_misspelt_store_option_is_exit_2_naming_the_key_and_the_real_one(tmp_path):
    path = write(tmp_path, store='kind = "bigcommerce"\nname = "shop"\nstore_hash = "abc123"\naccess_token = "t0ken"\n'
                                 "max_inflight = 4")
    result, out = check(path)
    assert result.exit_code == 2, result.output
    assert ("[store] max_inflight: unknown key of kind 'bigcommerce' (did you mean 'max_in_flight'?"
            in out)
    assert "t0ken" not in out and not (tmp_path / "state.db").exists()


def test_a_misspelt_source_option_is_exit_2(tmp_path):
    onix = tmp_path / "catalogue.xml"
    onix.write_text("<ONIXMessage/>", encoding="utf-8")
    result, out = check(write(tmp_path, source=f'kind = "onix-file"\npath = "{onix}"\ncomplet = true'))
    assert result.exit_code == 2, result.output
    assert "[source] complet: unknown key of kind 'onix-file' (did you mean 'complete'?" in out


def test_a_misspelt_exception_queue_option_is_exit_2(tmp_path):
    queue = '[[exception_queues]]\nkind = "webhook"\nurl = "https://hooks.example/x"\ntimeout_s = 3\n'
    result, out = check(write(tmp_path, extra=queue))
    assert result.exit_code == 2, result.output
    assert "[[exception_queues]] 'webhook' timeout_s: unknown key" in out and "'timeout'?" in out


@pytest.mark.parametrize(("line", "expected"), [
    ('timezon = "Europe/London"', "[[storefronts]] 'uk' timezon: unknown key (did you mean 'timezone'? known: "),
    ("complet = true", "[[storefronts]] 'uk' complet: unknown key (known: channel_id, "),
])
def test_a_misspelt_storefront_key_is_exit_2_naming_it(tmp_path, line, expected):
    result, out = check(write(tmp_path, storefront=STOREFRONT + line + "\n"))
    assert result.exit_code == 2, result.output
    assert expected in out


def test_a_currency_iso_4217_does_not_know_is_exit_2(tmp_path):
    result, out = check(write(tmp_path, storefront=STOREFRONT.replace('"GBP"', '"GPB"')))
    assert result.exit_code == 2, result.output
    assert "[[storefronts]] 'uk' currency: 'GPB' is not an ISO 4217 currency code" in out


@pytest.mark.parametrize("command", [["plan"], ["source", "inspect"]])
def test_plan_and_source_inspect_refuse_a_misspelt_source_option_too(tmp_path, command):
    onix = tmp_path / "catalogue.xml"
    onix.write_text("<ONIXMessage/>", encoding="utf-8")
    path = write(tmp_path, source=f'kind = "onix-file"\npath = "{onix}"\ncomplet = true')
    result = run(*command, "-c", str(path))
    out = " ".join(result.output.split())
    assert result.exit_code == 2, result.output
    assert "[source] complet: unknown key of kind 'onix-file' (did you mean 'complete'?" in out
