"""The web console at ``/ui``: static files shipped in the package (``gateway/ui``), no build step.

The console is a client of the public REST API only, from the browser. Its files hold no data, so they
are served without authentication (the API calls it makes are authenticated as any client's): a
browser must be able to load the sign-in form before it has credentials. Every console response
carries a strict Content-Security-Policy (same-origin scripts, styles and fetches only; no inline
script; no framing), a second line of defence behind the console rendering all data as text.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

UI_DIR = Path(__file__).resolve().parent / "ui"
UI_PATH = "/ui"

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    # Small files: always revalidated (ETag), so an upgraded gateway never serves a stale mix of modules.
    "cache-control": "no-cache",
}


class _ConsoleFiles(StaticFiles):
    """StaticFiles with the console's security headers on every answer (404s included)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: dict) -> None:  # type: ignore[type-arg]
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await super().__call__(scope, receive, send_with_headers)


async def _index(request: Request) -> Response:
    return FileResponse(UI_DIR / "index.html", media_type="text/html", headers=SECURITY_HEADERS)


def install_console(app: FastAPI) -> None:
    """``/ui`` (the page) and ``/ui/*`` (its module, styles). Added as plain Starlette routes, outside the
    app's auth dependency (see the module docstring), and outside the OpenAPI document."""
    # A plain Route: FastAPI's app-level dependencies apply to APIRoutes only. ``/ui/`` reaches it too,
    # since RequestTargetMiddleware routes a trailing slash as the path without it.
    app.add_route(UI_PATH, _index, methods=["GET", "HEAD"], include_in_schema=False)
    app.mount(UI_PATH, _ConsoleFiles(directory=UI_DIR), name="console")
