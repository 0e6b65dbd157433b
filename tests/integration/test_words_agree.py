"""One vocabulary (docs/glossary.md) in what the commands print: the adapter of the `[store]` table is a store
adapter, a storefront is named as one, a lifecycle stage has one word, and a storefront is not a channel."""

from __future__ import annotations

import json

import pytest

from cli_support import UK_STOREFRONT, OnixProduct, forget_configuration, run, write_config, write_onix

BIGCOMMERCE = 'kind = "bigcommerce"\nname = "shop"\nstore_hash = "abc123"\naccess_token = "t0ken"\n'


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    forget_configuration(monkeypatch)


def test_plugins_lists_the_store_adapters_as_store_adapters():
    result = run("plugins")
    assert result.exit_code == 0, result.output
    rows = {tuple(cell.strip() for cell in line.strip("│ ").split("│")[:2]) for line in result.output.splitlines()
            if line.startswith("│")}
    assert ("store", "bigcommerce") in rows and ("store", "memory") in rows, result.output
    assert ("order source", "bigcommerce") in rows and ("sales sink", "csv") in rows, result.output
    assert not [row for row in rows if row[0] == "storefront"], result.output
    # The glossary's exception queue, never the plugin API's "notifier"; each row names where it is configured.
    assert ("exception queue", "webhook") in rows and not [row for row in rows if row[0] == "notifier"], result.output
    configured = {tuple(cell.strip() for cell in line.strip("│ ").split("│")[:3:2])
                  for line in result.output.splitlines() if line.startswith("│")}
    assert {("exception queue", "[[exception_queues]]"), ("store", "[store]"), ("sales sink", "[[sales_sinks]]"),
            ("source", "[source]")} <= configured, result.output


@pytest.mark.parametrize(("variable", "value", "expected"), [
    ("BOOKBRIDGE_STORE__MAX_IN_FLIGHT", "0", "store adapter 'bigcommerce': max_in_flight: must be at least 1"),
    ("BOOKBRIDGE_STORE__KIND", "shopify", "no store adapter named 'shopify' (registered: bigcommerce, memory"),
])
def test_a_store_adapter_error_says_store_adapter(tmp_path, variable, value, expected):
    config = write_config(tmp_path, f'[source]\nkind = "sample"\nfamilies = 2\n[store]\n{BIGCOMMERCE}{UK_STOREFRONT}')
    for command in ("plan", "check"):
        result = run(command, "-c", str(config), env={variable: value})
        assert result.exit_code == 2, (command, result.output)
        assert expected in " ".join(result.output.split()), (command, result.output)
        assert "storefront adapter" not in result.output, (command, result.output)



US_STOREFRONT = ('[[storefronts]]\nname = "us"\nchannel_id = 2\ncountries = ["US"]\ncurrency = "USD"\n'
                 'timezone = "America/New_York"\ndefault_currency = false\n')


def test_a_withdrawn_edition_is_held_back_as_withdrawn_on_each_named_storefront(tmp_path):
    """ONIX PublishingStatus 07 (out of print): the lifecycle stage whose code is `delisted` reads "withdrawn",
    as the glossary and `check` say, and each storefront is named as one (a bare "us" reads as a pronoun)."""
    onix = tmp_path / "catalogue.xml"
    write_onix(onix, [OnixProduct(isbn="9780007232833"), OnixProduct(isbn="9780007232840", form="BC")])
    onix.write_text(onix.read_text(encoding="utf-8").replace(
        "<PublishingStatus>04</PublishingStatus>", "<PublishingStatus>07</PublishingStatus>", 1), encoding="utf-8")
    config = write_config(tmp_path, f'[source]\nkind = "onix-file"\npath = "{onix}"\n[store]\nkind = "memory"\n'
                                    f'{UK_STOREFRONT}{US_STOREFRONT}')
    result = run("plan", "-c", str(config))
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    withdrawn = ("storefront 'uk': withdrawn (out of print, PublishingStatus 07) | "
                 "storefront 'us': withdrawn (out of print, PublishingStatus 07)")
    assert "9780007232833" in said and withdrawn in said, said
    assert "delisted" not in said and "lifecycle stage" not in said, said
    as_json = json.loads(run("plan", "-c", str(config), "--json").output)
    assert [h["reason"] for h in as_json["held_back"]] == [withdrawn]
