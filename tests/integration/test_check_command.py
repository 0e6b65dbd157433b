"""`bookbridge check` over real HTTP: the BigCommerce sandbox and the Consonance stand-in on loopback.

Each failure a first run meets in production gets its own message: bad credentials (401), an unknown store hash
(404), a host that refuses connections, a missing scope (403 on one endpoint), a storefront mapped to a channel
the store lacks, and an invalid configuration (exit 2). The tenant's schema is introspected and every field of the
query documents it lacks is named; subject codes without a category are counted per scheme. The check writes
nothing.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bookbridge.adapters.bigcommerce.sandbox import ChannelSeed, SandboxConfig, SandboxServer
from bookbridge.adapters.consonance.standin import (
    LEAN_TENANT,
    SAMPLE_CATALOGUE,
    ConsonanceData,
    ConsonanceStandinServer,
)
from cli_support import UK_STOREFRONT, forget_configuration, run, write_config

KEY = "Lant3rnHi11Key000000000000000abc"  # 32 letters and digits, like a Consonance key
TOKEN = "sandbox-token"


@pytest.fixture(scope="module")
def store() -> Iterator[SandboxServer]:
    config = SandboxConfig(extra_channels=(ChannelSeed(id=2, name="US storefront"),
                                           ChannelSeed(id=3, name="Old shop", status="archived")))
    with SandboxServer(config) as server:
        yield server


@pytest.fixture(scope="module")
def consonance() -> Iterator[ConsonanceStandinServer]:
    with ConsonanceStandinServer(ConsonanceData.load_json(SAMPLE_CATALOGUE), KEY) as server:
        yield server


@pytest.fixture(autouse=True)
def fresh(store, monkeypatch):
    store.reset()
    forget_configuration(monkeypatch)


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def check_config(tmp_path: Path, *, consonance_url: str, store_url: str, us_channel: int = 2) -> Path:
    return write_config(tmp_path, f"""
[source]
kind = "consonance"
base_url = "{consonance_url}"
api_key_env = "TEST_CONSONANCE_KEY"

[store]
kind = "bigcommerce"
name = "shop"
store_hash_env = "TEST_STORE_HASH"
access_token_env = "TEST_BC_TOKEN"
v3_base_url = "{store_url}/stores/{{store_hash}}/v3"
v2_base_url = "{store_url}/stores/{{store_hash}}/v2"
{UK_STOREFRONT}
[[storefronts]]
name = "us"
channel_id = {us_channel}
countries = ["US"]
currency = "USD"
default_currency = false
tax_inclusive = false
timezone = "America/New_York"
""")


def check(path: Path, *, key: str = KEY, token: str = TOKEN, store_hash: str = "sandbox", extra: tuple[str, ...] = ()):
    env = {"TEST_CONSONANCE_KEY": key, "TEST_BC_TOKEN": token, "TEST_STORE_HASH": store_hash, "COLUMNS": "250"}
    return run("check", "-c", str(path), *extra, env=env)


@pytest.fixture
def config(tmp_path, store, consonance) -> Path:
    return check_config(tmp_path, consonance_url=consonance.url, store_url=store.base_url)


def test_a_good_configuration_passes_lists_the_channels_and_reports_readiness(config, store, tmp_path):
    result = check(config)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "configuration: ok" in out and "all checks passed" in out
    assert "the API key is accepted" in out and "GET /v3/channels" in out
    assert "US storefront" in out and "Old shop" in out  # every channel, to map storefronts with
    assert "Catalogue: 3 title families, 6 editions read" in out and "Per storefront" in out
    # Every reason not to list is "held back", named as the glossary does, in the listing rules' order.
    assert re.search(r"┃ listed ┃ held back: not licensed ┃ held back: a problem ┃ held back: not yet announced "
                     r"or withdrawn ┃", out), out
    # Each table says what it counts: records with a problem once; editions per storefront, each named as such.
    assert re.search(r"┃ severity ┃ code\s+┃ records ┃", out) and "records: each record with the problem once" in out
    assert re.search(r"│ blocking │ not-licensed\s+│ 2\s+│", out), out  # the withdrawn third has no licence to fix
    assert re.search(r"│ storefront 'us' │\s+6 │\s+1 │\s+3 │", out) and "│ storefront 'uk' │" in out, out
    assert re.search(r"│ 2\s+│ US storefront .*│ storefront 'us'\s+│", out), out
    # The counts are against an empty store, and say so: `plan` counts against what the store holds.
    said = " ".join(out.split())
    assert ("Into an empty store, a sync would create 4 products and hold back 2 editions from every storefront; "
            "`bookbridge plan` counts against what store 'shop' holds" in said), out
    assert "A first sync would" not in said
    # An edition is named as every message names it; a record not read by the source's own id, and the caption says
    # in whose words (a Consonance work is a title family, its product an edition), so that two words for one thing
    # do not go unexplained.
    assert "The Salt Road: A Harbour Quartet novel (Hardback), ISBN 9781999990015: not licensed" in said, out
    assert "record consonance:work:102/product:1006: allowOnixExports is false" in said, out
    assert ("an edition by its title, format and ISBN, a record not read by the source's own id (a Consonance work "
            "is a title family, its product an edition)") in said, out
    # Nothing was written: only reads reached the store, and no state database was made.
    assert {r.method for r in store.requests} == {"GET"} and not store.state.products
    assert not (tmp_path / "state.db").exists()


def test_the_store_is_named_as_everywhere_and_its_hash_as_a_hash(config):
    """`store 'shop'` as every command says it; the hash BigCommerce knows it by, said to be the hash."""
    result = check(config, store_hash="abc123xyz")  # the sandbox answers 404 for another hash: the row still names it
    rows = [line for line in result.stdout.splitlines() if "GET /v3/channels" in line]
    assert rows and all("store 'shop' (BigCommerce store hash abc123xyz)" in row for row in rows), result.output
    assert "BigCommerce store abc123xyz" not in result.output


def test_a_store_hash_the_base_url_does_not_call_is_a_configuration_error(config, store):
    """The URLs written out whole call the sandbox's store (`/stores/sandbox/`): check does not say `ok` for
    a store hash it never called, nor does any command that builds the store use it."""
    text = config.read_text(encoding="utf-8").replace("/stores/{store_hash}/", "/stores/sandbox/")
    config.write_text(text, encoding="utf-8")
    result = check(config, store_hash="sandbx")
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert (f"[store] store_hash_env: 'sandbx' (the variable 'TEST_STORE_HASH') is not the store hash v3_base_url "
            f"names ('sandbox', in {store.base_url}/stores/sandbox/v3)") in said, said
    assert "ok " not in result.output and not store.requests
    assert check(config, store_hash="sandbox").exit_code == 0  # one hash for both: the sandbox flow as before


def test_strict_fails_when_an_edition_would_be_held_back(config):
    result = check(config, extra=("--strict",))
    assert result.exit_code == 1 and "no-price" in result.output  # the sample lacks USD prices for some


def test_a_wrong_access_token_is_a_401_with_what_to_check(config):
    result = check(config, token="not-the-token")
    assert result.exit_code == 1
    assert "credentials refused" in result.output and "401 Unauthorized" in result.output
    assert "access_token_env" in result.output and "not-the-token" not in result.output
    # The key that gave the token, and the variable it names: not a key the file does not set.
    cells = re.sub(r"[│\s]+", " ", result.output)
    assert "check [store] access_token_env (the variable 'TEST_BC_TOKEN'):" in cells, result.output
    assert "access_token_file" not in cells, result.output


CODES = ("bad-credentials", "missing-scope", "not-found", "unreachable")  # ProbeStatus's values: for code, not people


def test_the_connections_table_says_what_went_wrong_in_words_not_codes(config, store):
    """Each failed call's first column says what happened ("credentials refused"), never the check's code."""
    refused = check(config, token="not-the-token").output
    store.faults.schedule("error", status=403, method="GET", path_prefix="/v3/pricelists")
    scope = check(config).output
    unknown = check(config, store_hash="nosuchstore").output
    for out, words in ((refused, "credentials refused"), (scope, "a scope is missing"), (unknown, "not found")):
        assert re.search(rf"│ {words}\s+│", out), out
        assert not any(code in out for code in CODES), out


def test_an_unknown_store_hash_is_a_404_naming_the_hash(config):
    result = check(config, store_hash="nosuchstore")
    assert result.exit_code == 1
    assert "no store with hash 'nosuchstore'" in result.output and "store_hash" in result.output


def test_a_wrong_consonance_key_is_a_401_and_the_catalogue_is_not_read(config, consonance):
    result = check(config, key="WrongKey0000000000000000000000ab")
    assert result.exit_code == 1
    assert "Consonance rejected the API key" in result.output and "api_key_env" in result.output
    assert "Catalogue:" not in result.output
    # Said as it is: the source answered, and refused the key; it is not "cannot be reached".
    out = " ".join(result.output.split())
    assert "catalogue: could not be read: the source refused its credentials (see Connections above)" in out, out
    assert out.endswith("catalogue: could not be read (the source refused its credentials)"), out


def test_unreachable_hosts_are_named_at_once(tmp_path):
    port = free_port()
    config = check_config(tmp_path, consonance_url=f"http://127.0.0.1:{port}", store_url=f"http://127.0.0.1:{port}")
    started = time.monotonic()
    result = check(config)
    assert time.monotonic() - started < 10  # one attempt each, no minute of back-off
    assert result.exit_code == 1
    assert result.output.count(f"cannot connect to 127.0.0.1:{port}") == 2, result.output
    assert result.output.count("│ cannot be reached") == 2, result.output


def test_a_source_that_cannot_be_reached_is_not_a_record_not_read(tmp_path, store):
    """"not read" is what happens to a record with a blocking problem (the glossary): a catalogue the check could
    not reach is said otherwise, in its line and in the last one."""
    config = check_config(tmp_path, consonance_url=f"http://127.0.0.1:{free_port()}", store_url=store.base_url)
    result = check(config)
    out = " ".join(result.output.split())
    assert result.exit_code == 1
    assert "catalogue: could not be read: the source cannot be reached (see Connections above)" in out, out
    assert out.endswith("catalogue: could not be read (the source cannot be reached)"), out
    assert "not read" not in out, out


def test_a_missing_scope_names_the_scope_a_sync_needs(config, store):
    store.faults.schedule("error", status=403, method="GET", path_prefix="/v3/pricelists")
    result = check(config)
    assert result.exit_code == 1
    assert "a scope is missing" in result.output and "'Products: modify'" in result.output
    assert "GET /v3/pricelists" in result.output


def test_a_token_refused_everywhere_names_each_scope_once(config, store):
    for prefix in ("/v3/", "/v2/"):
        store.faults.schedule("error", status=403, method="GET", path_prefix=prefix, count=20)
    result = check(config)
    assert result.exit_code == 1 and "credentials refused" in result.output
    cells = re.sub(r"[│\s]+", " ", result.output)  # the table's wrapped cells, as one line
    assert ("with the scopes Channel Listings: modify, Channel Settings: read-only, Orders: read-only, Products: "
            "modify" in cells), result.output


def test_order_import_needs_the_orders_scope_unless_it_is_off(config, store):
    store.faults.schedule("error", status=403, method="GET", path_prefix="/v2/orders")
    result = check(config)
    assert result.exit_code == 1 and "GET /v2/orders" in result.output
    assert "'Orders: read-only'" in re.sub(r"[│\s]+", " ", result.output)
    config.write_text(config.read_text(encoding="utf-8") + "\n[orders]\nenabled = false\n", encoding="utf-8")
    store.faults.schedule("error", status=403, method="GET", path_prefix="/v2/orders")
    assert check(config).exit_code == 0


def test_a_storefront_on_a_channel_the_store_lacks_is_reported_with_the_channels_there_are(tmp_path, store,
                                                                                           consonance):
    config = check_config(tmp_path, consonance_url=consonance.url, store_url=store.base_url, us_channel=9)
    result = check(config)
    assert result.exit_code == 1
    assert "the store has no channel 9" in result.output and "2 (US storefront)" in result.output
    cells = re.sub(r"[│\s]+", " ", result.output)  # the table's wrapped cells, as one line
    assert "storefront 'us': channel_id = 9" in cells and "[[storefronts]] us" not in cells, result.output
    # Every call succeeded: the last line names the wrong mapping, not a failed call.
    out = " ".join(result.output.split())
    assert out.endswith("some checks failed: connections: storefront 'us': channel_id 9 is not a channel of store "
                        "'shop' (see Connections)"), out
    assert "call failed" not in out, out


def test_a_storefront_on_an_archived_channel_is_reported(tmp_path, store, consonance):
    config = check_config(tmp_path, consonance_url=consonance.url, store_url=store.base_url, us_channel=3)
    result = check(config)
    assert result.exit_code == 1 and "is archived" in result.output
    out = " ".join(result.output.split())
    assert out.endswith("connections: storefront 'us': channel 3 (Old shop) is archived (see Connections)"), out


def test_a_failed_call_and_a_wrong_mapping_are_each_counted_in_their_words(tmp_path, store, consonance):
    config = check_config(tmp_path, consonance_url=consonance.url, store_url=store.base_url, us_channel=9)
    store.faults.schedule("error", status=403, method="GET", path_prefix="/v3/pricelists")
    out = " ".join(check(config).output.split())
    assert out.endswith("some checks failed: connections: 1 call failed, storefront 'us': channel_id 9 is not a "
                        "channel of store 'shop' (see Connections)"), out


def test_an_unset_environment_variable_is_a_configuration_error(config):
    result = run("check", "-c", str(config), env={"TEST_CONSONANCE_KEY": KEY, "TEST_STORE_HASH": "sandbox"})
    assert result.exit_code == 2
    assert "access_token_env: environment variable 'TEST_BC_TOKEN' is not set" in result.output


def test_an_invalid_file_is_a_configuration_error_naming_the_key(config):
    config.write_text(config.read_text(encoding="utf-8").replace('currency = "GBP"', 'currency = "POUNDS"'),
                      encoding="utf-8")
    result = check(config)
    assert result.exit_code == 2 and "[[storefronts]] 'uk' currency: " in result.output


def test_a_host_that_does_not_resolve_is_named(tmp_path):
    url = "http://bookbridge-check.invalid"  # RFC 6761: .invalid never resolves
    config = check_config(tmp_path, consonance_url=url, store_url=url)
    result = check(config)
    assert result.exit_code == 1
    assert result.output.count("cannot resolve bookbridge-check.invalid") == 2, result.output


def test_403_on_every_call_is_a_token_without_rights_not_one_missing_scope(config, store):
    store.faults.schedule("error", status=403, count=10, method="GET", path_prefix="/v3/")
    store.faults.schedule("error", status=403, count=10, method="GET", path_prefix="/v2/")
    result = check(config)
    assert result.exit_code == 1
    assert "credentials refused" in result.output and "a scope is missing" not in result.output


def test_an_unknown_adapter_kind_lists_the_registered_ones(config):
    config.write_text(config.read_text(encoding="utf-8").replace('kind = "consonance"', 'kind = "consonanse"'),
                      encoding="utf-8")
    result = check(config)
    assert result.exit_code == 2
    assert "[source] kind: no source adapter named 'consonanse'" in result.output and "onix-file" in result.output


def test_every_unset_variable_is_named_in_one_run(config, monkeypatch):
    for name in ("TEST_CONSONANCE_KEY", "TEST_STORE_HASH", "TEST_BC_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    result = run("check", "-c", str(config))
    assert result.exit_code == 2
    out = " ".join(result.output.split())
    for name, key in (("TEST_CONSONANCE_KEY", "api_key_env"), ("TEST_STORE_HASH", "store_hash_env"),
                      ("TEST_BC_TOKEN", "access_token_env")):
        assert f"{key}: environment variable '{name}' is not set" in out, result.output


def test_a_lean_tenant_is_checked_field_by_field_and_a_missing_required_field_fails(tmp_path, store):
    """`bookbridge check` introspects the tenant's schema: every optional field of the query documents that the
    tenant lacks is named (the check passes), and a required one fails it, named too."""
    data = ConsonanceData.load_json(SAMPLE_CATALOGUE)
    with ConsonanceStandinServer(data, KEY, omit_fields=LEAN_TENANT) as lean:
        result = check(check_config(tmp_path, consonance_url=lean.url, store_url=store.base_url))
    out = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert f"lacks {len(LEAN_TENANT)} optional field(s)" in out
    for name in LEAN_TENANT:
        assert name in out, name
    with ConsonanceStandinServer(data, KEY, omit_fields=("Price.effectiveTo",)) as short:
        result = check(check_config(tmp_path, consonance_url=short.url, store_url=store.base_url))
    assert result.exit_code == 1
    assert "cannot do without: Price.effectiveTo" in " ".join(result.output.split())


def test_the_check_counts_subject_codes_without_a_category_per_scheme(config):
    mapping = config.parent / "categories.toml"
    mapping.write_text('[thema]\n"ZZZ*" = "Nowhere"\n', encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8") + f'\n[mapping]\ncategories = "{mapping}"\n',
                      encoding="utf-8")
    result = check(config)
    out = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    counted = re.search(r"Subject codes with no category \(warnings, see \[mapping\] categories\): thema (\d+)", out)
    assert counted and int(counted.group(1)) > 0, out
