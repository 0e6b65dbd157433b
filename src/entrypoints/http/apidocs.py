"""`/docs`: Swagger UI over `/openapi.json`, served from the installed `swagger-ui-bundle` package, so the API's
documentation works without internet (FastAPI's default loads it from a CDN). ReDoc has no packaged build, so
`/redoc` is not served; `/openapi.json` is the document itself."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from fastapi import APIRouter, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html
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
