"""The interactive API docs at /api/docs, from Swagger UI's files shipped in a Python package
(swagger-ui-bundle-v2), so that they work offline and load nothing from a CDN."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response
from swagger_ui_bundle import swagger_ui_path

from readtoearn.errors import NotFound

router = APIRouter(prefix="/api/docs", include_in_schema=False)

ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
# The page runs no inline script: its one script of our own is served beside Swagger UI's.
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>readtoearn API</title>
  <link rel="stylesheet" href="/api/docs/swagger-ui.css">
  <link rel="icon" href="/api/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/swagger-ui-bundle.js"></script>
  <script src="/api/docs/start.js"></script>
</body>
</html>
"""
START = """window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
});
"""
CACHE = {"Cache-Control": "public, max-age=86400"}


@router.get("", response_class=HTMLResponse)
def docs_page() -> HTMLResponse:
    return HTMLResponse(PAGE)


@router.get("/start.js")
def start_script() -> Response:
    return Response(START, media_type="text/javascript; charset=utf-8", headers=CACHE)


@router.get("/{name}")
def asset(name: str) -> FileResponse:
    """One of Swagger UI's files, by a name from a fixed list (no path can be named)."""
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound("no such file", code="not_found")
    return FileResponse(Path(swagger_ui_path) / name, media_type=media_type, headers=CACHE)
