"""One vocabulary (docs/glossary.md) in what the commands print: the adapter of the `[store]` table is a store
adapter, a storefront is named as one, a lifecycle stage has one word, and a storefront is not a channel."""

from __future__ import annotations

import pytest

from cli_support import UK_STOREFRONT, forget_configuration, run, write_config

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


@pytest.mark.parametrize(("variable", "value", "expected"), [
    ("BOOKBRIDGE_STORE__MAX_IN_FLIGHT", "0", "store adapter 'bigcommerce': max_in_flight: Input should be"),
    ("BOOKBRIDGE_STORE__KIND", "shopify", "no store adapter named 'shopify' (registered: bigcommerce, memory"),
])
def test_a_store_adapter_error_says_store_adapter(tmp_path, variable, value, expected):
    config = write_config(tmp_path, f'[source]\nkind = "sample"\nfamilies = 2\n[store]\n{BIGCOMMERCE}{UK_STOREFRONT}')
    for command in ("plan", "check"):
        result = run(command, "-c", str(config), env={variable: value})
        assert result.exit_code == 2, (command, result.output)
        assert expected in " ".join(result.output.split()), (command, result.output)
        assert "storefront adapter" not in result.output, (command, result.output)

