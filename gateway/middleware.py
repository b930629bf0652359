"""ASGI middleware in front of the routes: the request-target limit, trailing slashes, and which routes
a listener serves.

They act before routing, so they hold for every route, known or not.
"""

from __future__ import annotations

import json
from typing import Literal

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.limits import uri_too_long

# What one REST listener serves: every route, every route but /admin (when admin.listeners is set or
# empty), or /admin alone (an admin listener, KIP-495).
RouteSet = Literal["all", "api", "admin"]
ADMIN_PREFIX = "/admin"


class RequestTargetMiddleware:
    """A target (path and query) over ``max_target_bytes`` gets 414 with Kafka's error body; a path
    with one trailing slash is routed as the path without it, as Kafka serves ``/connectors/``."""

    def __init__(self, app: ASGIApp, max_target_bytes: int) -> None:
        self.app = app
        self.max_target_bytes = max_target_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        size = len(raw_path) + len(scope.get("query_string", b""))
        if size > self.max_target_bytes:
            await _send_error(send, 414, uri_too_long(f"{size} bytes", self.max_target_bytes))
            return
        path: str = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            scope = {**scope, "path": path[:-1]}
            if raw_path.endswith(b"/"):
                scope["raw_path"] = raw_path[:-1]
        await self.app(scope, receive, send)


async def _send_error(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error_code": status, "message": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def is_admin_path(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


class ListenerRoutes:
    """Serves ``routes`` of the app on one listener; any other path is Kafka's ``HTTP 404 Not Found``,
    as if the listener had no such resource."""

    def __init__(self, app: ASGIApp, routes: RouteSet) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        wanted = self.routes == "admin"
        if scope["type"] == "http" and self.routes != "all" and is_admin_path(scope["path"]) != wanted:
            await _send_error(send, 404, "HTTP 404 Not Found")
            return
        await self.app(scope, receive, send)
