"""Categories and related products on the BigCommerce sandbox, over loopback.

The records follow a publisher's feed: every edition carries a Thema main subject, BIC and BISAC subjects and a
keyword list (List 27: 20), and the works come in several formats. The operator maps Thema and BISAC codes.
"""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from bookbridge.adapters.bigcommerce.storefront import BigCommerceStorefront
from bookbridge.adapters.memory import InMemoryCatalogSource, InMemoryUnitOfWork
from bookbridge.application.sync import SyncStore, sync_store
from bookbridge.domain.categories import CategoryMapping, CategoryRule
from bookbridge.domain.listing import MappingSettings
from bookbridge.domain.model import Subject, SubjectScheme, TitleFamily
from bookbridge.domain.storefront import StorefrontSettings
from contracts.bigcommerce_openapi import contract_validator, invalid_adapter_requests, specs_available

UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP",
                        timezone="Europe/London")
US = StorefrontSettings(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD", tax_inclusive=False,
                        timezone="Europe/London", default_currency=False)
RULES = CategoryMapping(schemes=(
    ("thema", (CategoryRule(pattern="F*", path=("Fiction", "{heading}")), CategoryRule(pattern="WB*", path=("Food",)))),
    ("bisac", (CategoryRule(pattern="FIC*", path=("Fiction",)),)),
))
COMMAND = SyncStore(store="shop", storefronts=(UK, US), mapping=MappingSettings(categories=RULES))
KEYWORDS = ("harbour towns", "slow cooking", "family saga")


def with_feed_subjects(family: TitleFamily) -> TitleFamily:
    """The family's Thema main subject, plus BIC, BISAC and keywords, as a Consonance export carries them."""
    editions = []
    for e in family.editions:
        subjects = (Subject(scheme=SubjectScheme.BIC, code="FA"),
                    Subject(scheme=SubjectScheme.BISAC, code="FIC019000", label="FICTION / Literary"),
                    *e.subjects,
                    *(Subject(scheme=SubjectScheme.KEYWORDS, code=k) for k in KEYWORDS))
        editions.append(e.model_copy(update={"subjects": subjects}))
    return family.model_copy(update={"editions": tuple(editions)})


@pytest.fixture
def world(make_world):
    source, store, uow, clock = make_world(families=12)
    return InMemoryCatalogSource([with_feed_subjects(f) for f in source.families], name=source.name), store, uow, clock


def _tree_of(sandbox, channel: int) -> int:
    return next(t["id"] for t in sandbox.state.category_trees.values() if channel in t["channels"])


def _path(sandbox, category_id: int) -> tuple[str, ...]:
    record = sandbox.state.categories[category_id]
    parent = record["parent_id"]
    return (*(_path(sandbox, parent) if parent else ()), record["name"])


def test_products_are_filed_in_each_channels_tree_main_subject_first_and_keywords_are_searchable(sandbox, world):
    source, store, uow, clock = world
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.ok, report.exceptions_opened
    editions = {str(e.isbn): (f, e) for f in source.families for e in f.editions}
    filed = 0
    for product in sandbox.state.products.values():
        family, edition = editions[product["sku"]]
        trees = {sandbox.state.categories[c]["tree_id"] for c in product["categories"]}
        assert trees == {_tree_of(sandbox, ch) for ch in sandbox.state.product_channels(product["id"])}
        paths = [_path(sandbox, c) for c in product["categories"]]
        main = next(s for s in edition.subjects if s.main)
        if main.code.startswith("F"):  # the main subject's category comes first, named by the feed's heading
            assert paths[0] == ("Fiction", main.label)
            filed += 1
        elif main.code.startswith("WB"):
            assert paths[0] == ("Food",)
        assert ("Fiction",) in paths  # BISAC FIC019000, not a main subject: after the main one
        assert all(k in product["search_keywords"] for k in KEYWORDS)
    assert filed
    # One category per path and tree: siblings' names are unique, and nothing was made twice.
    seen = [(c["tree_id"], _path(sandbox, c["category_id"])) for c in sandbox.state.categories.values()]
    assert len(seen) == len(set(seen))
    # Their ids are kept in the state, per channel and path.
    with uow:
        known = uow.categories.known("shop")
    assert known == {(ch, path): cid for cid in sandbox.state.categories
                     for ch in sandbox.state.category_trees[sandbox.state.categories[cid]["tree_id"]]["channels"]
                     for path in [_path(sandbox, cid)]}


def test_a_second_sync_and_a_fresh_state_make_no_category_twice(sandbox, world, make_world):
    source, store, uow, clock = world
    sync_store(COMMAND, source, store, uow, clock)
    made = len(sandbox.state.categories)
    before = len(sandbox.requests)
    again = sync_store(COMMAND, source, store, uow, clock)
    assert again.ok and not again.outcomes
    assert [r for r in list(sandbox.requests)[before:] if r.method != "GET"] == []
    # A new state database (and process): the trees are read, and their categories found, not made again.
    _, fresh_store, _, _ = make_world(families=1)
    before = len(sandbox.requests)
    report = sync_store(COMMAND, source, fresh_store, InMemoryUnitOfWork(), clock)
    assert report.ok, report.exceptions_opened
    assert len(sandbox.state.categories) == made
    fresh = [(r.method, r.api_path) for r in list(sandbox.requests)[before:]]
    assert ("GET", "/v3/catalog/trees/categories") in fresh
    assert ("POST", "/v3/catalog/trees/categories") not in fresh


def test_unmapped_codes_are_warned_of_per_scheme_and_never_hold_an_edition_back(world):
    from bookbridge.application.readiness import check_readiness

    source, _, _, clock = world
    report = check_readiness(COMMAND, source, clock)
    mapped = check_readiness(replace(COMMAND, mapping=MappingSettings()), source, clock)
    assert report.unmapped_subjects and set(report.unmapped_subjects) == {"thema"}  # BIC has no table: not mapped
    assert [s.listed for s in report.storefronts] == [s.listed for s in mapped.storefronts]


def test_unmapped_codes_are_non_blocking_exceptions_resolved_once_the_mapping_needs_them_no_more(sandbox, world):
    from bookbridge.domain.ports import ExceptionKind

    source, store, uow, clock = world
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.ok, report.exceptions_opened

    def unmapped() -> list:
        with uow:
            return [e for e in uow.exceptions.open_items() if e.kind is ExceptionKind.UNMAPPED_SUBJECT]

    items = unmapped()
    assert items and all(e.isbn and e.storefront == "shop" and e.field == "Subject/thema"
                         and "has no category in the category mapping" in e.message for e in items)
    opened = [line for line in report.exceptions_opened if line.startswith("subject without a category: ")]
    assert opened and all(" on store 'shop': " in line for line in opened), opened  # the store, not a storefront
    on_sale = {p["sku"] for p in sandbox.state.products.values() if p["is_visible"]}
    assert {e.isbn for e in items} & on_sale
    assert sync_store(COMMAND, source, store, uow, clock).ok and len(unmapped()) == len(items)  # the same ones
    assert sync_store(replace(COMMAND, mapping=MappingSettings()), source, store, uow, clock).ok
    assert unmapped() == []
    assert {p["sku"] for p in sandbox.state.products.values() if p["is_visible"]} == on_sale, "none was held back"


def test_formats_of_one_work_are_related_and_the_links_follow_products_made_again(sandbox, world):
    source, store, uow, clock = world
    store = BigCommerceStorefront(store.client, name="shop", delete_on_delist=True)
    assert sync_store(COMMAND, source, store, uow, clock).ok

    def related(family: TitleFamily) -> dict[str, set[int]]:
        ids = {str(e.isbn): p["id"] for e in family.editions if (p := sandbox.state.find_by_sku(str(e.isbn)))}
        for isbn, pid in ids.items():
            want = {ids[o] for o in ids if o != isbn and sandbox.state.products[ids[o]]["is_visible"]}
            assert set(sandbox.state.products[pid]["related_products"]) == want, isbn
        return {isbn: set(sandbox.state.products[pid]["related_products"]) for isbn, pid in ids.items()}

    family = next(f for f in source.families
                  if len(f.editions) > 2 and all(sandbox.state.find_by_sku(str(e.isbn)) for e in f.editions))
    assert all(links for links in related(family).values())
    old = {sandbox.state.find_by_sku(str(e.isbn))["id"] for e in family.editions}
    # The work leaves the source (its products are deleted, as configured), then comes back under new ids.
    without = InMemoryCatalogSource([f for f in source.families if f.id != family.id], name=source.name)
    assert sync_store(replace(COMMAND, full=True), without, store, uow, clock).ok
    back = sync_store(replace(COMMAND, full=True), source, store, uow, clock)
    assert back.ok, back.exceptions_opened
    new = {sandbox.state.find_by_sku(str(e.isbn))["id"] for e in family.editions}
    assert not old & new
    assert all(links <= new for links in related(family).values())
    # One format withdrawn: hidden, and its siblings no longer point at it.
    gone = family.editions[0]
    source.put(family.model_copy(update={"editions": (gone.model_copy(update={"delisted": True}),
                                                      *family.editions[1:])}))
    assert sync_store(COMMAND, source, store, uow, clock).ok
    hidden = sandbox.state.find_by_sku(str(gone.isbn))["id"]
    assert all(hidden not in links for links in related(family).values())
    assert sync_store(COMMAND, source, store, uow, clock).outcomes == []  # converged


def test_the_sandbox_refuses_what_bigcommerce_refuses(sandbox):
    with httpx.Client(base_url=sandbox.base_url_v3, headers=sandbox.auth_headers) as v3:
        made = v3.post("/catalog/trees/categories", json=[{"name": "Fiction", "tree_id": 1}])
        assert made.status_code == 201
        fiction = made.json()["data"][0]["category_id"]
        tree2 = v3.put("/catalog/trees", json=[{"name": "US", "channels": [2]}]).json()["data"][0]["id"]
        assert v3.put("/catalog/trees", json=[{"name": "again", "channels": [2]}]).status_code == 422
        other_tree = v3.post("/catalog/trees/categories", json=[{"name": "Crime", "parent_id": fiction,
                                                                 "tree_id": tree2}])
        assert other_tree.status_code == 422 and "is on tree 1" in str(other_tree.json()["errors"]["errors"])
        twice = v3.post("/catalog/trees/categories", json=[{"name": "Poetry", "tree_id": 1},
                                                          {"name": "FICTION", "tree_id": 1}])
        assert twice.status_code == 207 and [c["name"] for c in twice.json()["data"]] == ["Poetry"]
        assert "already exists" in str(twice.json()["errors"]["errors"])
        assert v3.post("/catalog/trees/categories", json=[{"name": "x" * 51, "tree_id": 1}]).status_code == 422
        body = {"name": "Roseanna", "type": "physical", "weight": 0.3, "price": 9.99, "sku": "9780000000002"}
        refused = v3.post("/catalog/products", json={**body, "categories": [fiction, 9999]})
        assert refused.status_code == 409
        missing = "Category 9999 does not exist."
        assert refused.json() == {"status": 409, "title": missing, "type": refused.json()["type"],
                                  "errors": {"categories": missing}}
        product = v3.post("/catalog/products", json={**body, "categories": [fiction]}).json()["data"]
        assert product["categories"] == [fiction]
        unknown = v3.put("/catalog/products", json=[{"id": product["id"], "related_products": [4242]}])
        assert unknown.status_code == 422 and "4242" in unknown.json()["errors"]["related_products"]
        assert v3.put("/catalog/products", json=[{"id": product["id"], "related_products": [-1]}]).status_code == 200


def test_every_request_the_adapter_sent_matches_the_specs(sandbox, world):
    if not specs_available():
        pytest.skip("BigCommerce OpenAPI specs not found")
    source, store, uow, clock = world
    sync_store(COMMAND, source, store, uow, clock)
    sent = [r for r in sandbox.requests if r.api_path.startswith("/v3/catalog/trees")]
    assert {(r.method, r.api_path) for r in sent} >= {("GET", "/v3/catalog/trees"), ("PUT", "/v3/catalog/trees"),
                                                     ("GET", "/v3/catalog/trees/categories"),
                                                     ("POST", "/v3/catalog/trees/categories")}
    assert invalid_adapter_requests(list(sandbox.requests)) == {}


def test_a_category_deleted_by_hand_is_refused_once_then_found_missing_and_made_again(sandbox, world):
    source, store, uow, clock = world
    assert sync_store(COMMAND, source, store, uow, clock).ok
    fiction = next(c for c in sandbox.state.categories.values() if c["name"] == "Fiction" and c["tree_id"] == 1)
    with httpx.Client(base_url=sandbox.base_url_v3, headers=sandbox.auth_headers) as v3:
        v3.delete("/catalog/trees/categories", params={"category_id:in": fiction["category_id"]}).raise_for_status()
    full = replace(COMMAND, full=True)
    refused = sync_store(full, source, store, uow, clock)  # the state still names the deleted id
    assert refused.failed and all("categories" in e for e in refused.exceptions_opened)
    again = sync_store(full, source, store, uow, clock)  # the tree is read again, and the category made again
    assert again.ok, again.exceptions_opened
    remade = [c for c in sandbox.state.categories.values() if c["name"] == "Fiction" and c["tree_id"] == 1]
    assert len(remade) == 1 and remade[0]["category_id"] != fiction["category_id"]
    with uow:
        assert uow.categories.known("shop")[(1, ("Fiction",))] == remade[0]["category_id"]


def test_headings_that_differ_only_in_case_share_one_category_made_once(sandbox, make_world):
    """BigCommerce's sibling names are unique without regard to case: two feeds' headings "Crime & mystery" and
    "Crime & Mystery" name one category, made once, in the first sync, and nothing fails."""
    source, store, uow, clock = make_world(families=2)
    headings = iter(("Crime & mystery", "Crime & MYSTERY", "crime & Mystery", "Crime & Mystery"))
    families = []
    for f in source.families:
        editions = [e.model_copy(update={"subjects": (
            Subject(scheme=SubjectScheme.THEMA, code="FF", label=next(headings, "Crime & mystery"), main=True),
            Subject(scheme=SubjectScheme.BISAC, code="FIC022000", label=next(headings, "Crime & mystery")))})
            for e in f.editions]
        families.append(f.model_copy(update={"editions": tuple(editions)}))
    rules = CategoryMapping(schemes=(("thema", (CategoryRule(pattern="F*", path=("Fiction", "{heading}")),)),
                                     ("bisac", (CategoryRule(pattern="FIC*", path=("Fiction", "{heading}")),))))
    command = SyncStore(store="shop", storefronts=(UK,), mapping=MappingSettings(categories=rules))
    report = sync_store(command, InMemoryCatalogSource(families, name=source.name), store, uow, clock)
    assert report.ok and not report.failed, report.exceptions_opened
    crime = [c for c in sandbox.state.categories.values() if c["name"].casefold() == "crime & mystery"]
    assert len(crime) == 1
    for product in sandbox.state.products.values():
        assert product["categories"] == [crime[0]["category_id"]]


def test_the_sandbox_answers_the_category_tree_calls_as_the_specs_say(sandbox):
    """Each answer (status and body) the sandbox gives to the category-tree calls the adapter makes, including a
    partly refused batch (207), fits the response schema of BigCommerce's category trees spec. (Product answers
    are not checked this way: BigCommerce, and the sandbox with it, sends nulls the catalog spec calls not
    nullable.)"""
    if not specs_available():
        pytest.skip("BigCommerce OpenAPI specs not found")
    contract = contract_validator()
    errors: list[str] = []
    with httpx.Client(base_url=sandbox.base_url_v3, headers=sandbox.auth_headers) as v3:

        def call(method: str, path: str, body: object = None, **query: str) -> dict:
            answer = v3.request(method, path.lstrip("/"), params=query, json=body)
            errors.extend(contract.response_errors(method, f"/v3{path}", query, body, answer.status_code,
                                                   answer.content))
            return answer.json() if answer.content else {}

        call("GET", "/catalog/trees", **{"channel_id:in": "2"})
        tree = call("PUT", "/catalog/trees", [{"name": "US", "channels": [2]}])["data"][0]["id"]
        fiction = call("POST", "/catalog/trees/categories",
                       [{"name": "Fiction", "tree_id": tree, "parent_id": 0}])["data"][0]["category_id"]
        partly = call("POST", "/catalog/trees/categories", [{"name": "Crime", "tree_id": tree, "parent_id": fiction},
                                                            {"name": "FICTION", "tree_id": tree, "parent_id": 0}])
        assert [c["name"] for c in partly["data"]] == ["Crime"] and partly["errors"]
        call("GET", "/catalog/trees/categories", **{"tree_id:in": str(tree)})
        call("DELETE", "/catalog/trees/categories", **{"category_id:in": str(fiction)})
    assert errors == []
