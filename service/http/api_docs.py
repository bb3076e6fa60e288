"""The API documentation pages: ``/schema`` (Scalar) and ``/schema/swagger`` (Swagger UI), served offline.

Litestar's own render plugins load both libraries, a stylesheet and a favicon from CDNs
(Scalar at ``@latest``), so the pages stay blank without internet access. These pages load
the pinned npm packages that ``make install`` installs (``service/http/web.py`` serves
them under ``/static/vendor/``) and a small start-up script of ours from
``/static/api-docs/``, and they carry a Content-Security-Policy that keeps every request
on this origin. The start-up scripts switch off what would call elsewhere: Scalar's web
fonts, telemetry and AI agent, Swagger UI's online validator. See docs/api.md.
"""

from __future__ import annotations

import html
from typing import Any

from litestar import Request
from litestar.datastructures import ResponseHeader
from litestar.openapi.plugins import OpenAPIRenderPlugin

#: Scripts from this origin only, and no inline script (the pages' configuration is in data attributes);
#: inline styles because both libraries style their elements from script; data: and blob: images for icons.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-src 'none'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'"
)
#: Every page under ``/schema`` carries it (the JSON and YAML documents too, where it does nothing).
RESPONSE_HEADERS = [ResponseHeader(name="Content-Security-Policy", value=CONTENT_SECURITY_POLICY)]


def _page(title: str, head: str, body: str) -> bytes:
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{html.escape(title)}</title>
  <link rel="icon" href="data:,">
  {head}
</head>
<body>
  {body}
</body>
</html>
""".encode()


class ScalarPage(OpenAPIRenderPlugin):
    """The API reference rendered by Scalar, from ``/static/vendor/scalar/standalone.js``."""

    def __init__(self, *, path: str | list[str] = "/scalar", **kwargs: Any) -> None:
        super().__init__(path=path, **kwargs)

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        """The page: a mount point naming the document, the library, and ``/static/api-docs/scalar.js``."""
        url = html.escape(self.get_openapi_json_route(request))
        return _page(
            openapi_schema["info"]["title"],
            "",
            f'<div id="scalar-reference" data-url="{url}"></div>\n'
            '  <script src="/static/vendor/scalar/standalone.js"></script>\n'
            '  <script src="/static/api-docs/scalar.js"></script>',
        )


class SwaggerPage(OpenAPIRenderPlugin):
    """The API reference rendered by Swagger UI, from ``/static/vendor/swagger-ui/``."""

    def __init__(self, *, path: str | list[str] = "/swagger", **kwargs: Any) -> None:
        super().__init__(path=path, **kwargs)

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        """The page: the stylesheet, a mount point naming the document, the library and ``swagger.js``."""
        url = html.escape(self.get_openapi_json_route(request))
        return _page(
            openapi_schema["info"]["title"],
            '<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">',
            f'<div id="swagger-ui" data-url="{url}"></div>\n'
            '  <script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>\n'
            '  <script src="/static/api-docs/swagger.js"></script>',
        )
