"""Product images against the sandbox: deduplicated by source checksum, replaced when the cover changes, and
never sent when BigCommerce would refuse them (its product images spec: JPEG, PNG and GIF only here; at most
8 MB)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import pytest

from bookbridge.adapters.memory import InMemoryCatalogSource
from bookbridge.application.sync import SyncStore, plan_store, sync_store
from bookbridge.domain.listing import ListingImage, with_hashes
from bookbridge.domain.model import ResourceKind, TitleFamily
from bookbridge.domain.plan import ActionKind, StoreAction
from bookbridge.domain.ports import ExceptionKind, StoreErrorKind
from sync_drills import UK

COMMAND = SyncStore.single(UK)


@pytest.fixture
def world(make_world):
    return make_world(families=6, name="uk")


def _images(sandbox, sku: str) -> list[dict]:
    product = sandbox.state.find_by_sku(sku)
    return sandbox.state.children(sandbox.state.images, product["id"])


def _image_calls(sandbox, start: int) -> list[tuple[str, str]]:
    return [(r.method, r.api_path) for r in list(sandbox.requests)[start:] if "/images" in r.api_path]


def _with_cover(source: InMemoryCatalogSource, family: TitleFamily, **cover: object) -> str:
    """Replace the first edition's front cover; returns its ISBN."""
    edition = family.editions[0]
    resources = tuple(r.model_copy(update=cover) if r.kind is ResourceKind.FRONT_COVER else r
                      for r in edition.resources)
    changed = edition.model_copy(update={"resources": resources})
    source.put(family.model_copy(update={"editions": (changed, *family.editions[1:])}))
    return str(edition.isbn)


def test_re_running_never_piles_up_images(sandbox, world):
    source, store, uow, clock = world
    sync_store(COMMAND, source, store, uow, clock)
    listed = [li for li in plan_store(COMMAND, source, uow, clock).listings if li.listed]
    start = len(sandbox.requests)
    sync_store(COMMAND, source, store, uow, clock)
    sync_store(replace(COMMAND, full=True), source, store, uow, clock)  # every section resent: same checksums
    assert [c for c in _image_calls(sandbox, start) if c[0] == "POST"] == []
    for listing in listed:
        assert len(_images(sandbox, listing.sku)) == len(listing.images)


def test_a_changed_cover_replaces_the_old_image(sandbox, world):
    source, store, uow, clock = world
    sync_store(COMMAND, source, store, uow, clock)
    family = source.families[0]
    isbn = _with_cover(source, family, url=f"https://covers.bookbridge.example/{family.editions[0].isbn}-v2.jpg",
                       sha256="0" * 64)
    old = {i["id"] for i in _images(sandbox, isbn)}
    start = len(sandbox.requests)
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.failed == 0 and report.updated == 1
    product = sandbox.state.find_by_sku(isbn)["id"]
    assert sorted(_image_calls(sandbox, start)) == sorted([
        ("DELETE", f"/v3/catalog/products/{product}/images/{min(old)}"),
        ("POST", f"/v3/catalog/products/{product}/images"),
    ])
    images = _images(sandbox, isbn)
    assert len(images) == len(old)
    assert any(i["image_file"].endswith("-v2.jpg") and i["is_thumbnail"] for i in images)


def test_an_image_bigcommerce_would_refuse_is_reported_and_never_sent(sandbox, world):
    source, store, uow, clock = world
    family = source.families[0]
    # No declared type, so readiness lets it through; the URL says TIFF, which BigCommerce is never sent.
    isbn = _with_cover(source, family, url="https://covers.bookbridge.example/scan.tif", mime_type=None)
    report = sync_store(COMMAND, source, store, uow, clock)
    with uow:
        [item] = [e for e in uow.exceptions.open_items() if e.kind is ExceptionKind.STORE_REJECTION]
    assert (item.isbn, item.field) == (isbn, "images")
    assert isbn in item.message and "image/tiff" in item.message
    assert sandbox.state.find_by_sku(isbn) is None  # refused before any request: no product, no image
    assert not [r for r in sandbox.requests if (r.json or {}) and "scan.tif" in str(r.json)]
    assert report.created > 0  # the rest of the catalogue still syncs


def test_a_declared_type_or_size_is_checked_before_any_request(sandbox, world):
    source, store, uow, clock = world
    listing = next(li for li in plan_store(COMMAND, source, uow, clock).listings if li.listed and li.images)

    @dataclass(frozen=True, slots=True, kw_only=True)
    class DeclaredImage(ListingImage):  # what the listing carries once images keep their type and size
        mime_type: str | None = None
        size_bytes: int | None = None

    cover = listing.images[0]
    for declared, field_text in ((DeclaredImage(**asdict(cover), size_bytes=9 * 1024 * 1024), "8 MB"),
                                 (DeclaredImage(**asdict(cover), mime_type="image/webp"), "image/webp")):
        bad = with_hashes(replace(listing, images=(declared,)))
        start = len(sandbox.requests)
        [outcome] = store.apply([StoreAction(ActionKind.CREATE, bad.key, bad)], {})
        assert outcome.ok is False and outcome.error is not None
        assert outcome.error.kind is StoreErrorKind.REJECTED and outcome.error.field == "images"
        assert str(bad.isbns[0]) in outcome.error.message and field_text in outcome.error.message
        assert len(sandbox.requests) == start


def test_readiness_keeps_a_declared_bad_cover_out_of_the_store(sandbox, world):
    source, store, uow, clock = world
    family = source.families[0]
    isbn = _with_cover(source, family, mime_type="image/tiff")
    sync_store(COMMAND, source, store, uow, clock)
    assert sandbox.state.find_by_sku(isbn) is None
    with uow:
        assert [e.field for e in uow.exceptions.open_items() if e.isbn == isbn and e.kind is
                ExceptionKind.BLOCKING_READINESS] == ["SupportingResource/ResourceVersionFeature"]


def test_an_oversized_author_photo_never_reaches_bigcommerce(sandbox, world):
    source, store, uow, clock = world
    family = next(f for f in source.families if any(r.kind is ResourceKind.AUTHOR_PHOTO
                                                    for r in f.editions[0].resources))
    # The family's editions share one author photo; make it 9 MB everywhere (BigCommerce takes at most 8 MB).
    editions = tuple(
        e.model_copy(update={"resources": tuple(
            r.model_copy(update={"size_bytes": 9 * 1024 * 1024}) if r.kind is ResourceKind.AUTHOR_PHOTO else r
            for r in e.resources)})
        for e in family.editions
    )
    source.put(family.model_copy(update={"editions": editions}))
    report = sync_store(COMMAND, source, store, uow, clock)
    photo = next(r for r in editions[0].resources if r.kind is ResourceKind.AUTHOR_PHOTO)
    assert not [r for r in sandbox.requests if photo.url in str(r.json or "")]
    assert report.created > 0 and sandbox.state.find_by_sku(editions[0].isbn) is not None  # the rest went through
