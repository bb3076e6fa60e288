"""The page at ``/``: one HTML file, its own scripts and styles, and the browser libraries it uses.

Everything the page loads comes from this service. The libraries (vis-timeline, TimelineJS3,
Observable Plot with d3 for the charts, and for the API docs at ``/schema`` Scalar and Swagger UI)
are npm packages that ``make install`` puts in ``service/web/node_modules`` with ``npm ci``; only their
``dist`` folders, or single files, are exposed, never the whole of ``node_modules``.
(TimelineJS's ``dist/embed`` pages and swagger-ui-dist's demo ``index.html``, which load
from elsewhere, stay unserved.) The page's Content-Security-Policy allows this origin
only, so a library that tries to load a font, a script or an embed from elsewhere is
refused by the browser instead of leaking the reader's visit. See docs/ui.md.
"""

from __future__ import annotations

from pathlib import Path

from litestar import Controller, MediaType, Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.response import File
from litestar.static_files import create_static_files_router

WEB = Path(__file__).resolve().parent.parent / "web"
NODE_MODULES = WEB / "node_modules"

#: URL folder under ``/static/vendor/`` -> the package folder it serves (relative to node_modules).
VENDOR = {
    "vis-timeline/umd": "vis-timeline/standalone/umd",
    "vis-timeline/styles": "vis-timeline/styles",
    "timelinejs/js": "@knight-lab/timelinejs/dist/js",
    "timelinejs/css": "@knight-lab/timelinejs/dist/css",
}
#: URL under ``/static/vendor/`` -> one file (relative to node_modules): the API docs' libraries, whose
#: package folders also hold pages that load from elsewhere, and the charts' two bundles, whose packages hold
#: nothing else the page needs.
VENDOR_FILES = {
    "swagger-ui/swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui/swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
    "scalar/standalone.js": "@scalar/api-reference/dist/browser/standalone.js",
    # The charts: Observable Plot's browser build, and the one d3 bundle it runs on (window.d3).
    "d3/d3.min.js": "d3/dist/d3.min.js",
    "plot/plot.umd.min.js": "@observablehq/plot/dist/plot.umd.min.js",
}

#: Same origin only. 'unsafe-inline' styles because both libraries position their elements with
#: inline style attributes; scripts stay strictly same-origin. data: images for vis-timeline's icons.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'"
)


def missing_vendor() -> list[str]:
    """The vendor folders that are not installed (``make install`` runs ``npm ci``)."""
    return ([folder for folder in VENDOR.values() if not (NODE_MODULES / folder).is_dir()]
            + [file for file in VENDOR_FILES.values() if not (NODE_MODULES / file).is_file()])


class PageController(Controller):
    """The page."""

    path = "/"
    include_in_schema = False

    @get("/", sync_to_thread=False)
    def page(self) -> Response[bytes]:
        """``index.html``, with the policy that keeps the page on this origin."""
        return Response(
            (WEB / "index.html").read_bytes(),
            media_type=MediaType.HTML,
            headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Cache-Control": "no-cache"},
        )


def _vendor_file(url: str, file: Path) -> HTTPRouteHandler:
    """One library file at ``/static/vendor/<url>``."""
    media_type = MediaType.CSS if file.suffix == ".css" else "text/javascript"

    def serve() -> File:
        return File(file, media_type=media_type, content_disposition_type="inline")

    name = "vendor-" + url.replace("/", "-").replace(".", "-")
    return get(f"/static/vendor/{url}", name=name, include_in_schema=False, sync_to_thread=False)(serve)


def web_handlers() -> list:
    """The page, its own assets at ``/static/`` and the libraries' dist folders and files at ``/static/vendor/``."""
    handlers: list = [PageController, create_static_files_router("/static", [WEB / "static"], name="web")]
    for url, folder in VENDOR.items():
        name = "vendor-" + url.replace("/", "-")
        handlers.append(create_static_files_router(f"/static/vendor/{url}", [NODE_MODULES / folder], name=name))
    handlers.extend(_vendor_file(url, NODE_MODULES / file) for url, file in VENDOR_FILES.items())
    return handlers
