"""`/v3/catalog/trees` and `/v3/catalog/trees/categories`: one category tree per channel, as on BigCommerce, and
the product fields that point into them (`categories`) or at other products (`related_products`).

Rules kept ([D] reference/catalog/category-trees_catalog.v3.yml, products_catalog.v3.yml):
- a tree is assigned to one channel, and a channel has at most one tree; `name` and `channels` make a tree;
  batches hold at most 50 trees (413 above);
- a category needs `name` (1-50 characters) and `tree_id` or `parent_id`; a parent on another tree than the
  `tree_id` given is refused; names are unique among a parent's children; at most 8 levels and 16,000
  categories per store; a batch in which some items fail answers 207 with what it made and the failures;
- a product's `categories` must name existing categories (409, as for a missing `category_id`, research §3);
  its `related_products` existing products, or -1 (BigCommerce picks them).
"""

from __future__ import annotations

from typing import Any

from .endpoints import Call, Handler, Reply, data, listing, no_content
from .errors import ERROR_TYPE, ApiError, conflict, unprocessable
from .query import int_list, require_filter
from .state import Record, SandboxState
from .validation import require_array, require_object

TREE_BATCH_LIMIT = 50  # "Batches are limited to 50 trees."
NAME_MAX = 50
DEPTH_MAX = 8
STORE_CATEGORIES_MAX = 16_000


# -- trees ------------------------------------------------------------------------------------------------------
def list_trees(call: Call) -> Reply:
    ids = int_list(call.query, "id:in")
    channels = int_list(call.query, "channel_id:in")
    found = [t for _, t in sorted(call.state.category_trees.items())
             if (ids is None or t["id"] in ids) and (channels is None or set(t["channels"]) & set(channels))]
    return listing(call, found)


def upsert_trees(call: Call) -> Reply:
    items = require_array(call.body)
    if len(items) > TREE_BATCH_LIMIT:
        raise ApiError(413, "The request payload is too large. The maximum trees allowed in the array is 50.")
    state = call.state
    out = []
    for index, raw in enumerate(items):
        item = require_object(raw, f"[{index}]")
        tree = state.category_trees.get(item["id"]) if isinstance(item.get("id"), int) else None
        if tree is not None:
            if "channels" in item:  # "The `channels` field must be absent when updating a category tree."
                raise unprocessable({f"[{index}].channels": "channels cannot be changed on update."})
            if "name" in item:
                tree["name"] = _name(item["name"], f"[{index}].name", 255)
            out.append(tree)
            continue
        channels = item.get("channels")
        if not isinstance(channels, list) or len(channels) != 1 or channels[0] not in state.channels:
            raise unprocessable({f"[{index}].channels": "A new tree needs exactly one existing channel."})
        if any(channels[0] in t["channels"] for t in state.category_trees.values()):
            raise unprocessable({f"[{index}].channels": f"Channel {channels[0]} already has a category tree."})
        tree_id = max(state.category_trees, default=0) + 1
        tree = {"id": tree_id, "name": _name(item.get("name"), f"[{index}].name", 255), "channels": channels}
        state.category_trees[tree_id] = tree
        out.append(tree)
    return data(out, meta={"total": len(out), "success": len(out), "failed": 0})


def delete_trees(call: Call) -> Reply:
    require_filter(call.query, ("id:in",))
    for tree_id in int_list(call.query, "id:in") or []:
        if call.state.category_trees.pop(tree_id, None) is not None:
            for cid in [c for c, r in call.state.categories.items() if r["tree_id"] == tree_id]:
                del call.state.categories[cid]
    return no_content()


# -- categories -------------------------------------------------------------------------------------------------
def list_categories(call: Call) -> Reply:
    q = call.query
    trees, parents, ids = int_list(q, "tree_id:in"), int_list(q, "parent_id:in"), int_list(q, "category_id:in")
    found = [c for _, c in sorted(call.state.categories.items())
             if (trees is None or c["tree_id"] in trees) and (parents is None or c["parent_id"] in parents)
             and (ids is None or c["category_id"] in ids) and ("name" not in q or c["name"] == q["name"])]
    return listing(call, found)


def create_categories(call: Call) -> Reply:
    items = require_array(call.body)
    state = call.state
    made: list[Record] = []
    failed: dict[str, str] = {}
    for index, raw in enumerate(items):
        try:
            made.append(_create(state, require_object(raw, f"[{index}]"), index))
        except ApiError as error:
            failed.update(error.errors or {f"[{index}]": error.title})
    meta = {"total": len(items), "success": len(made), "failed": len(items) - len(made)}
    if not failed:
        return data(made, status=201, meta=meta)
    errors = {"status": 422, "title": "Some categories were not created.", "type": ERROR_TYPE, "errors": failed}
    if made:  # PartialSuccessResponse
        return Reply(207, {"data": made, "errors": errors, "meta": meta})
    return Reply(422, {"errors": errors, "meta": meta})  # ErrorResponse


def _create(state: SandboxState, item: dict[str, Any], index: int) -> Record:
    name = _name(item.get("name"), f"[{index}].name", NAME_MAX)
    tree_id, parent_id = item.get("tree_id"), item.get("parent_id") or 0
    if parent_id:
        parent = state.categories.get(parent_id)
        if parent is None:
            raise unprocessable({f"[{index}].parent_id": f"Category {parent_id} does not exist."})
        if tree_id is not None and tree_id != parent["tree_id"]:
            raise unprocessable({f"[{index}].parent_id": f"Category {parent_id} is on tree {parent['tree_id']}, "
                                 f"not on tree {tree_id}."})
        tree_id = parent["tree_id"]
        if _depth(state, parent_id) + 1 > DEPTH_MAX:
            raise unprocessable({f"[{index}].parent_id": f"Categories nest at most {DEPTH_MAX} levels deep."})
    elif tree_id not in state.category_trees:
        raise unprocessable({f"[{index}].tree_id": f"Category tree {tree_id} does not exist."})
    if any(c["tree_id"] == tree_id and c["parent_id"] == parent_id and c["name"].casefold() == name.casefold()
           for c in state.categories.values()):
        raise unprocessable({f"[{index}].name": f"A category named '{name}' already exists under this parent."})
    if len(state.categories) >= STORE_CATEGORIES_MAX:
        raise unprocessable({f"[{index}]": f"The store holds its limit of {STORE_CATEGORIES_MAX} categories."})
    category_id = state.next_id("category")
    record: Record = {"category_id": category_id, "parent_id": parent_id, "tree_id": tree_id, "name": name,
                      "description": item.get("description", ""), "views": 0, "sort_order": item.get("sort_order", 0),
                      "page_title": "", "meta_keywords": [], "meta_description": "", "layout_file": "",
                      "image_url": "", "is_visible": item.get("is_visible", True), "search_keywords": "",
                      "default_product_sort": "use_store_settings",
                      "url": {"path": f"/category-{category_id}/", "is_customized": False}}
    state.categories[category_id] = record
    return record


def delete_categories(call: Call) -> Reply:
    require_filter(call.query, ("category_id:in", "tree_id:in", "parent_id:in", "category_uuid:in"))
    ids = set(int_list(call.query, "category_id:in") or [])
    trees = set(int_list(call.query, "tree_id:in") or [])
    doomed = {c for c, r in call.state.categories.items() if c in ids or r["tree_id"] in trees}
    while grown := {c for c, r in call.state.categories.items() if r["parent_id"] in doomed} - doomed:
        doomed |= grown  # children go with their parent
    for cid in doomed:
        del call.state.categories[cid]
    for product in call.state.products.values():
        product["categories"] = [c for c in product.get("categories") or [] if c not in doomed]
    return Reply(202, {"meta": {"total": len(doomed), "success": len(doomed), "failed": 0}})


def _depth(state: SandboxState, category_id: int) -> int:
    depth, seen = 0, set()
    while category_id and category_id in state.categories and category_id not in seen:
        seen.add(category_id)
        depth += 1
        category_id = state.categories[category_id]["parent_id"]
    return depth


def _name(value: Any, where: str, limit: int) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= limit:
        raise unprocessable({where: f"The name must be 1-{limit} characters."})
    return value


# -- what products point at -------------------------------------------------------------------------------------
def check_links(state: SandboxState, body: Record, product_id: int | None) -> None:
    """A product body's `categories` and `related_products` name things the store has."""
    for cid in body.get("categories") or []:
        if cid not in state.categories:
            raise conflict("categories", f"Category {cid} does not exist.")
    for pid in body.get("related_products") or []:
        if pid == -1:
            continue  # BigCommerce finds related products itself
        if pid == product_id:
            raise unprocessable({"related_products": "A product cannot be related to itself."})
        if pid not in state.products:
            raise unprocessable({"related_products": f"Product {pid} does not exist."})


def category_routes() -> list[tuple[str, str, Handler]]:
    trees, categories = "/v3/catalog/trees", "/v3/catalog/trees/categories"
    return [
        ("GET", trees, list_trees),
        ("PUT", trees, upsert_trees),
        ("DELETE", trees, delete_trees),
        ("GET", categories, list_categories),
        ("POST", categories, create_categories),
        ("DELETE", categories, delete_categories),
        ("GET", trees + "/{tree_id:int}/categories", _tree_nodes),
    ]


def _tree_nodes(call: Call) -> Reply:
    tree_id = call.arg("tree_id")
    if tree_id not in call.state.category_trees:
        raise ApiError(404, "The tree was not found.")
    nodes = [c for c in call.state.categories.values() if c["tree_id"] == tree_id]

    def node(c: Record, path: list[int]) -> Record:
        here = [*path, c["category_id"]]
        return {"id": c["category_id"], "parent_id": c["parent_id"], "depth": len(here) - 1, "path": here,
                "name": c["name"], "is_visible": c["is_visible"], "url": c["url"]["path"],
                "children": [node(k, here) for k in nodes if k["parent_id"] == c["category_id"]]}

    return data([node(c, []) for c in nodes if c["parent_id"] == 0])

