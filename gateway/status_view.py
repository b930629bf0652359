"""What the routes need of a status view (distributed mode: :mod:`services.coordinator.status_view`),
and the middleware that lets every write wait for it.

A view answers the hot status reads from memory with JSON built once per change; it answers None
whenever it cannot be sure to be current, and the route then calls the control plane as without a
view. Standalone has none (its control plane is in-process already).
"""

from __future__ import annotations

from typing import Protocol

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Methods that never change anything: no wait for the view after them.
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
# Refused before any route ran: nothing changed.
_REFUSED = frozenset({401, 403})


class StatusView(Protocol):
    def status_json(self, name: str) -> bytes | None:
        """``GET /connectors/{name}/status``'s body, or None: ask the control plane."""

    def names_json(self) -> bytes | None:
        """``GET /connectors``'s body, or None."""

    def status_listing_json(self) -> bytes | None:
        """``GET /connectors?expand=status``'s body, or None."""

    async def after_write(self) -> None:
        """Return once reads reflect every write completed so far (or will go to the control plane)."""


def get_status_view(request: Request) -> StatusView | None:
    return getattr(request.app.state, "status_view", None)


class WriteSyncMiddleware:
    """Holds a write's response until the app's status view reflects it (read-your-writes): the next
    read, on any connection, sees the write. Wraps every route, so no write route can forget it."""

    def __init__(self, app: ASGIApp, view: StatusView) -> None:
        self.app = app
        self.view = view

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _READS:
            await self.app(scope, receive, send)
            return

        async def send_after_sync(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] not in _REFUSED:
                await self.view.after_write()
            await send(message)

        await self.app(scope, receive, send_after_sync)
