"""`/v3/catalog/products/{id}/...`: options and option values, images, custom fields, metafields."""

from __future__ import annotations

from typing import Any

from . import attachments, catalog, options
from .endpoints import Call, Handler, Reply, data, deleting, listing
from .state import Record, SandboxState


def _touch(state: SandboxState, product_id: int) -> None:
    catalog.touch(state, state.products[product_id])


# -- options ----------------------------------------------------------------------------------------
def list_options(call: Call) -> Reply:
    catalog.get_product(call.state, call.arg("product_id"))
    return listing(call, call.state.children(call.state.options, call.arg("product_id")), options.render_option)


def _option_write(call: Call, result: Record) -> Reply:
    _touch(call.state, call.arg("product_id"))
    return data(options.render_option(result) if "option_values" in result else result)


def option_routes() -> list[tuple[str, str, Handler]]:
    base = "/v3/catalog/products/{product_id:int}/options"
    one = base + "/{option_id:int}"
    values = one + "/values"
    pid, oid = "product_id", "option_id"
    return [
        ("GET", base, list_options),
        ("POST", base, lambda c: _option_write(c, options.create_option(c.state, c.arg(pid), c.body))),
        (
            "GET",
            one,
            lambda c: data(options.render_option(options.get_option(c.state, c.arg(pid), c.arg(oid)))),
        ),
        (
            "PUT",
            one,
            lambda c: _option_write(c, options.update_option(c.state, c.arg(pid), c.arg(oid), c.body)),
        ),
        ("DELETE", one, deleting(lambda c: options.delete_option(c.state, c.arg(pid), c.arg(oid)))),
        (
            "GET",
            values,
            lambda c: listing(c, options.get_option(c.state, c.arg(pid), c.arg(oid))["option_values"]),
        ),
        (
            "POST",
            values,
            lambda c: _option_write(c, options.create_option_value(c.state, c.arg(pid), c.arg(oid), c.body)),
        ),
        (
            "PUT",
            values + "/{value_id:int}",
            lambda c: _option_write(
                c, options.update_option_value(c.state, c.arg(pid), c.arg(oid), c.arg("value_id"), c.body)
            ),
        ),
        (
            "DELETE",
            values + "/{value_id:int}",
            deleting(lambda c: options.delete_option_value(c.state, c.arg(pid), c.arg(oid), c.arg("value_id"))),
        ),
    ]


# -- images, custom fields, metafields ----------------------------------------------------------------
def attachment_routes() -> list[tuple[str, str, Handler]]:
    p = "/v3/catalog/products/{product_id:int}"
    pid = "product_id"

    def owned(c: Call) -> int:
        catalog.get_product(c.state, c.arg(pid))  # 404 for an unknown product
        return c.arg(pid)

    def write(c: Call, result: Record, render: Any = dict) -> Reply:
        _touch(c.state, c.arg(pid))
        return data(render(result))

    a = attachments
    return [
        ("GET", f"{p}/images", lambda c: listing(c, a.images_of(c.state, owned(c)))),
        ("POST", f"{p}/images", lambda c: write(c, a.add_image(c.state, owned(c), c.body))),
        (
            "GET",
            f"{p}/images/{{image_id:int}}",
            lambda c: data(a.get_image(c.state, c.arg(pid), c.arg("image_id"))),
        ),
        (
            "DELETE",
            f"{p}/images/{{image_id:int}}",
            deleting(lambda c: a.delete_image(c.state, c.arg(pid), c.arg("image_id"))),
        ),
        (
            "GET",
            f"{p}/custom-fields",
            lambda c: listing(c, c.state.children(c.state.custom_fields, owned(c)), a.render_custom_field),
        ),
        (
            "POST",
            f"{p}/custom-fields",
            lambda c: write(c, a.add_custom_field(c.state, owned(c), c.body), a.render_custom_field),
        ),
        (
            "PUT",
            f"{p}/custom-fields/{{field_id:int}}",
            lambda c: write(
                c,
                a.update_custom_field(c.state, c.arg(pid), c.arg("field_id"), c.body),
                a.render_custom_field,
            ),
        ),
        (
            "DELETE",
            f"{p}/custom-fields/{{field_id:int}}",
            deleting(lambda c: a.delete_custom_field(c.state, c.arg(pid), c.arg("field_id"))),
        ),
        (
            "GET",
            f"{p}/metafields",
            lambda c: listing(c, c.state.children(c.state.metafields, owned(c)), a.render_metafield),
        ),
        (
            "POST",
            f"{p}/metafields",
            lambda c: data(a.render_metafield(a.add_metafield(c.state, owned(c), c.body))),
        ),
        (
            "GET",
            f"{p}/metafields/{{metafield_id:int}}",
            lambda c: data(a.render_metafield(a.get_metafield(c.state, c.arg(pid), c.arg("metafield_id")))),
        ),
        (
            "PUT",
            f"{p}/metafields/{{metafield_id:int}}",
            lambda c: data(a.render_metafield(a.update_metafield(c.state, c.arg(pid), c.arg("metafield_id"), c.body))),
        ),
        (
            "DELETE",
            f"{p}/metafields/{{metafield_id:int}}",
            deleting(lambda c: a.delete_metafield(c.state, c.arg(pid), c.arg("metafield_id"))),
        ),
    ]
