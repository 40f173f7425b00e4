"""The interactive API page: Swagger UI served from the installed bundle (no CDN)."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Berth API</title>
  <link rel="stylesheet" href="/api/docs/static/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/static/swagger-ui-bundle.js"></script>
  <script src="/api/docs/static/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/api/v1/discovery",
      dom_id: "#swagger-ui",
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout",
      requestInterceptor: function (req) {
        req.headers["X-Requested-With"] = "XMLHttpRequest";
        return req;
      }
    });
  </script>
  <p style="font-family: sans-serif; margin: 1em">
    Use <b>Authorize</b> with an OAuth access token (Bearer) to call the API from this page.
  </p>
</body>
</html>
"""


def docs_routes() -> list[BaseRoute]:
    """``/api/docs`` and its static assets."""

    async def page(_request: Request) -> Response:
        return HTMLResponse(_PAGE)

    static_dir = Path(swagger_ui_bundle.swagger_ui_path)
    return [
        Route("/api/docs", page, methods=["GET"]),
        Mount("/api/docs/static", app=StaticFiles(directory=static_dir), name="swagger-static"),
    ]
