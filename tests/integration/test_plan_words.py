"""`bookbridge plan` says what a person needs: a new product's prices as money and its channels, and why a full
sync updates a product in which nothing differs."""

from __future__ import annotations

import json
import re

import pytest

from cli_support import UK_STOREFRONT, forget_configuration, run, write_config

US_STOREFRONT = ('[[storefronts]]\nname = "us"\nchannel_id = 2\ncountries = ["US"]\ncurrency = "USD"\n'
                 'timezone = "America/New_York"\ndefault_currency = false\n')
CONFIG = (f'[source]\nkind = "sample"\nfamilies = 2\n[store]\nkind = "memory"\nname = "shop"\n'
          f"{UK_STOREFRONT}{US_STOREFRONT}")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    forget_configuration(monkeypatch)


def rows(output: str, action: str) -> list[list[str]]:
    """The Changes table's rows of one action, as cells."""
    return [[cell.strip() for cell in line.strip().strip("│").split("│")] for line in output.splitlines()
            if line.startswith(f"│ {action} ")]


def test_a_create_row_shows_the_prices_as_money_and_the_storefronts(tmp_path):
    result = run("plan", "-c", str(write_config(tmp_path, CONFIG)))
    assert result.exit_code == 0, result.output
    created = rows(result.output, "create")
    assert created, result.output
    assert "all sections" not in result.output
    for _, sku, name, what, before, after in created:
        assert re.fullmatch(r"97[89]\d{10}", sku) and name and what == "new product" and before == "", created
        # A price in each storefront's currency (as the demo prints it), then the storefronts it is listed on,
        # named as everywhere, with their channels (BigCommerce's word).
        assert re.fullmatch(r"(£[\d,]+\.\d\d(, US\$[\d,]+\.\d\d)?|no price), (storefront 'uk' \(channel 1\)|"
                            r"storefront 'us' \(channel 2\)|storefronts 'uk' and 'us' \(channels 1, 2\)|"
                            r"on no storefront)", after), after
    assert any(re.fullmatch(r"£[\d,]+\.\d\d, storefront 'uk' \(channel 1\)", r[-1]) for r in created), created


def test_a_full_plan_says_why_it_updates_a_product_in_which_nothing_differs(tmp_path):
    config = str(write_config(tmp_path, CONFIG))
    assert run("sync", "-c", config).exit_code == 0
    assert "Changes" not in run("plan", "-c", config).output  # nothing to do
    full = run("plan", "-c", config, "--full")
    assert full.exit_code == 0, full.output
    updated = rows(full.output, "update")
    assert updated and "all sections" not in full.output, full.output
    assert {tuple(r[3:]) for r in updated} == {
        ("every field", "as last sent", "the same: a full sync sends every section again")}


def test_a_product_written_again_whole_says_why_in_its_before_and_after(tmp_path):
    """A product reconcile found deleted by hand is written again whole by the next sync: no field differs from
    what was last sent, so the row says what is written and why, never a bare `all sections` with empty cells."""
    config = str(write_config(tmp_path, CONFIG))
    assert run("sync", "-c", config).exit_code == 0
    run("reconcile", "-c", config)  # each command's memory store starts empty: every product deleted by hand
    planned = run("plan", "-c", config, columns=400)
    assert planned.exit_code == 0, planned.output
    updated = rows(planned.output, "update")
    assert updated and "all sections" not in planned.output, planned.output
    assert {tuple(r[3:]) for r in updated} == {(
        "every field",
        "not known: edited or deleted in the store since it was last sent, or a write not confirmed",
        "as last sent, the product written whole")}, updated
    [reason] = {a["reason"] for a in json.loads(run("plan", "-c", config, "--json").stdout)["actions"]}
    assert reason == ("sent again: what the store holds is not known to be what was last sent (edited or deleted "
                      "in the store since, or a write not confirmed)")


def test_plan_says_why_editions_are_held_back_on_some_storefronts_only(tmp_path):
    """The US storefront shows tax-inclusive prices (the default) and the sample's USD prices are tax-exclusive:
    every edition is planned on channel 1 only, and the plan says why rather than leave a person guessing."""
    result = run("plan", "-c", str(write_config(tmp_path, CONFIG)))
    assert result.exit_code == 0, result.output
    # The glossary's label; the storefront it is listed on named, never "the others" (docs/glossary.md).
    lines = [line for line in result.output.splitlines() if line.startswith("held back ")]
    assert lines and all(line.startswith("held back from one storefront or more: ") for line in lines), lines
    assert any(re.fullmatch(r"held back from one storefront or more: \d+ editions on storefront 'us' \(listed on "
                            r"storefront 'uk'\): no price taxed as the storefront shows prices", line)
               for line in lines), result.output
    fixed = CONFIG.replace('default_currency = false\n', 'default_currency = false\ntax_inclusive = false\n')
    again = run("plan", "-c", str(write_config(tmp_path, fixed)))
    assert "no price taxed" not in again.output, again.output


def test_sync_names_the_storefront_of_each_exception_it_opens(tmp_path):
    """`on storefront 'us'`, never a bare `on us`, which reads as a word (docs/glossary.md)."""
    result = run("sync", "-c", str(write_config(tmp_path, CONFIG)))
    opened = [line for line in result.output.splitlines() if line.startswith("exception ")]
    assert opened, result.output
    assert all(" on storefront 'uk': " in line or " on storefront 'us': " in line or " on store 'shop': " in line
               for line in opened), opened


def test_a_storefront_added_after_the_first_sync_plans_its_channel_and_price_in_words(tmp_path):
    """Synced with storefront 'uk' alone, then 'us' added (tax-exclusive, as the sample's USD prices are): the
    full plan's changes read as money and storefronts, as a new product's line does, not as JSON."""
    uk_only = str(write_config(tmp_path, f'[source]\nkind = "sample"\nfamilies = 2\n[store]\nkind = "memory"\n'
                                         f'name = "shop"\n{UK_STOREFRONT}'))
    assert run("sync", "-c", uk_only).exit_code == 0
    both = CONFIG.replace('default_currency = false\n', 'default_currency = false\ntax_inclusive = false\n')
    full = run("plan", "-c", str(write_config(tmp_path, both)), "--full")
    assert full.exit_code == 0, full.output
    changes = {(r[3], r[4], r[5]) for r in rows(full.output, "update")}
    assert ("channels", "storefront 'uk' (channel 1)",
            "storefronts 'uk' and 'us' (channels 1, 2)") in changes, full.output
    prices = [c for c in changes if c[0] == "other prices"]
    assert prices and all(before == "none" and re.fullmatch(r"US\$[\d,]+\.\d\d", after) for _, before, after in prices)
    assert not any(text[:1] in ("[", "{") for change in changes for text in change[1:]), changes


def test_plan_and_sync_label_their_held_back_count_as_from_every_storefront(tmp_path):
    """The count of a plan and of a sync run is of editions held back from every storefront (not in the store):
    labelled so, never a bare "held back" beside the dashboard's count of those held back from one storefront or
    more (docs/glossary.md)."""
    config = str(write_config(tmp_path, CONFIG))
    for command in ("plan", "sync"):
        result = run(command, "-c", config)
        assert result.exit_code == 0, result.output
        header = next(line for line in result.output.splitlines() if "unchanged" in line and "┃" in line)
        assert re.search(r"┃ held back from every storefront ┃", header), header
        assert not re.search(r"┃ held back ┃", result.output), result.output


def test_editions_held_back_on_each_of_two_storefronts_are_counted_per_storefront():
    """Held back on 'uk' or on 'us', each listed on the other: said per storefront, never "listed on the others"
    when every storefront is named; one edition by its name."""
    from bookbridge.application.held_back import HeldBackGroup
    from bookbridge.entrypoints.cli.render import held_somewhere_words

    group = HeldBackGroup(reason="not licensed for sale", editions=("1", "2", "3", "4"), storefronts=("uk", "us"),
                          everywhere=("4",), some=(("uk", ("1", "2")), ("us", ("3",))))
    assert held_somewhere_words(group, ["uk", "us"]) == (
        "3 editions: 2 on storefront 'uk', 1 on storefront 'us' (each listed on the other): not licensed for sale")
    one = HeldBackGroup(reason="no consumer price", editions=("9780007232833",), storefronts=("us",),
                        some=(("us", ("9780007232833",)),), names=(("9780007232833", "Roseanna (Hardback)"),))
    assert held_somewhere_words(one, ["uk", "us"]) == (
        "Roseanna (Hardback), ISBN 9780007232833 on storefront 'us' (listed on storefront 'uk'): no consumer price")
    assert held_somewhere_words(HeldBackGroup(reason="x", editions=("4",), storefronts=("uk", "us"),
                                              everywhere=("4",)), ["uk", "us"]) is None
