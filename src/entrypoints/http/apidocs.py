"""`/docs` (Swagger UI) and `/redoc` (ReDoc) over `/openapi.json`, served from installed packages
(`swagger-ui-bundle`, and `fastapi-standalone-docs` for ReDoc's standalone build), so the API's documentation
works without internet (FastAPI's defaults load both from a CDN)."""

from __future__ import annotations

from pathlib import Path

import fastapi_standalone_docs
import swagger_ui_bundle
from fastapi import APIRouter, HTTPException
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

router = APIRouter(include_in_schema=False)
ASSETS = {"swagger-ui-bundle.js": "text/javascript; charset=utf-8", "swagger-ui.css": "text/css; charset=utf-8",
          "favicon-32x32.png": "image/png"}


@router.get("/docs")
def docs() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="bookbridge API",
                               swagger_js_url="/docs/assets/swagger-ui-bundle.js",
                               swagger_css_url="/docs/assets/swagger-ui.css",
                               swagger_favicon_url="/docs/assets/favicon-32x32.png")


@router.get("/docs/assets/{name}")
def asset(name: str) -> Response:
    """Only the files Swagger UI needs, by name: nothing else in the package is reachable."""
    if name not in ASSETS:
        raise HTTPException(404, f"no documentation asset {name!r}")
    body = (Path(swagger_ui_bundle.swagger_ui_path) / name).read_bytes()
    return Response(body, media_type=ASSETS[name], headers={"Cache-Control": "public, max-age=86400"})


REDOC = Path(fastapi_standalone_docs.__file__).parent / "static" / "redoc" / "redoc.standalone.js"


@router.get("/redoc")
def redoc() -> HTMLResponse:
    return get_redoc_html(openapi_url="/openapi.json", title="bookbridge API",
                          redoc_js_url="/redoc/assets/redoc.standalone.js", with_google_fonts=False)


@router.get("/redoc/assets/redoc.standalone.js")
def redoc_script() -> Response:
    return Response(REDOC.read_bytes(), media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=86400"})
