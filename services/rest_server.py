"""Serves a FastAPI app with uvicorn on sockets bound up front, so a taken port is a clean error.

Every REST listener of a process (:class:`RestEndpoint`: ``listeners``, ``admin.listeners``, http or
https) gets its own uvicorn server, all of them on one event loop in one background thread: uvicorn
takes one TLS context per server, and a listener may serve all routes, all but ``/admin``, or only
``/admin`` (KIP-495).

uvicorn's HTTP/1.1 protocols are extended with request-head limits (:class:`_HeadLimits`): uvicorn's
own keep-alive timer is cancelled by any byte received and never armed before a first request, so a
client that connects and sends nothing, or drips its head a byte at a time, would hold its connection
(a file descriptor and a slot of ``limit_concurrency``) forever; and httptools buffers a head of any
size. The limits come from the app (:class:`gateway.limits.RestLimits`, set by ``create_app``).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import socket
import ssl
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

from connectd.config import Listener
from gateway.limits import RestLimits, uri_too_long
from gateway.middleware import ListenerRoutes, RouteSet

try:  # uvicorn[standard]; without it uvicorn's "auto" is h11 too
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover
    HttpToolsProtocol = None  # type: ignore[assignment,misc]

log = logging.getLogger(__name__)

# uvicorn's limits, explicit: beyond this many open connections (or requests in progress) a request
# gets 503 at once; idle keep-alive connections close after this many seconds (Kafka's Jetty: 30 s).
LIMIT_CONCURRENCY = 1000
TIMEOUT_KEEP_ALIVE_S = 5
# After refusing a request mid-head, how long the rest of it is read and discarded before closing.
LINGER_S = 2.0

HttpImplementation = Literal["auto", "h11", "httptools"]


class RestStartupError(RuntimeError):
    """The REST API cannot be served as configured (TLS, credentials, a port); one line for the user."""


class ListenerBindError(RestStartupError):
    """The REST listener cannot be bound; the message is one line meant for the user."""


@dataclass(frozen=True, slots=True)
class RestEndpoint:
    """One bound REST listener: its socket, its TLS context (https) and the routes it serves."""

    listener: Listener
    sock: socket.socket
    ssl_context: ssl.SSLContext | None = None
    routes: RouteSet = "all"

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def __str__(self) -> str:
        shown = Listener(self.listener.scheme, self.listener.host, self.port)
        return f"{shown}" + {"all": "", "api": " (no /admin)", "admin": " (/admin only)"}[self.routes]


def bind_listener(listener: Listener) -> socket.socket:
    family = socket.AF_INET6 if ":" in listener.bind_host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((listener.bind_host, listener.port))
    except OSError as exc:
        sock.close()
        raise ListenerBindError(
            f"cannot listen on {listener} for the REST API: {exc.strerror or exc} (another worker on this "
            "node? each needs its own rest.port, or listeners=http://host:port)"
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class _HeadTooLarge(Exception):
    """Raised from a parser callback; httptools reports it as a parse error (send_400_response)."""


class _HeadLimits:
    """Mixin over a uvicorn HTTP/1.1 protocol: a connection must complete each request head within the
    header timeout, counted from its opening or from its previous response; it is closed otherwise.
    Protocol errors are answered with Kafka's error body."""

    # Provided by the uvicorn protocol this is mixed into.
    cycle: Any
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport

    def __init__(self, *args: Any, limits: RestLimits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self._head_timer: asyncio.TimerHandle | None = None
        self._refusal: tuple[int, str] | None = None
        self._lingering = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)  # type: ignore[misc]
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)  # type: ignore[misc]

    def data_received(self, data: bytes) -> None:
        if not self._lingering:
            super().data_received(data)  # type: ignore[misc]

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        # A pipelined request whose head is already in has its own cycle in flight: no deadline then.
        if not self.transport.is_closing() and not self._request_in_flight():
            self._arm_head_timer()

    def send_400_response(self, msg: str) -> None:
        status, message = self._refusal or (
            400,
            f"Invalid HTTP request: malformed, or a request head over {self.limits.max_head_bytes} bytes",
        )
        body = json.dumps({"error_code": status, "message": message}).encode()
        head = (
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        )
        self.transport.write(head.encode("ascii") + body)
        # Closing now, with the client's request still arriving, would reset the connection and could
        # discard the answer before the client reads it: send FIN, discard the rest, close later.
        self._lingering = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_S, self.transport.close)

    def _request_in_flight(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _head_complete(self) -> None:
        self._disarm_head_timer()

    def _arm_head_timer(self) -> None:
        self._disarm_head_timer()
        self._head_timer = self.loop.call_later(self.limits.header_timeout_s, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._request_in_flight() or self.transport.is_closing():
            return
        log.debug("closing a REST connection: no request head within %gs", self.limits.header_timeout_s)
        self.transport.close()


class H11HeadLimits(_HeadLimits, H11Protocol):
    """h11 bounds the head's size itself (``h11_max_incomplete_event_size``); a head completes at the
    ``h11.Request`` event, which starts a new request cycle."""

    def handle_events(self) -> None:
        before = self.cycle
        super().handle_events()
        if self.cycle is not before:
            self._head_complete()


if HttpToolsProtocol is not None:

    class HttpToolsHeadLimits(_HeadLimits, HttpToolsProtocol):
        """httptools buffers a head of any size, and uvicorn's URL parsing fails (400) beyond 64 KiB:
        the target and the head are bounded in the parser callbacks."""

        _head_bytes = 0
        _url_bytes = 0

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._head_bytes = self._url_bytes = 0

        def on_url(self, url: bytes) -> None:
            self._url_bytes += len(url)
            limit = self.limits.max_target_bytes
            if self._url_bytes > limit:
                self._refuse(414, uri_too_long(f"over {limit} bytes", limit))
            self._count_head(len(url))
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._count_head(len(name) + len(value))
            super().on_header(name, value)

        def on_headers_complete(self) -> None:
            super().on_headers_complete()
            self._head_complete()

        def _count_head(self, size: int) -> None:
            self._head_bytes += size
            limit = self.limits.max_head_bytes
            if self._head_bytes > limit:
                self._refuse(
                    431, f"Request header fields too large: the request head is limited to {limit} bytes"
                )

        def _refuse(self, status: int, message: str) -> None:
            self._refusal = (status, message)
            raise _HeadTooLarge(message)


def _protocol_class(http: HttpImplementation) -> type[_HeadLimits]:
    if http == "h11" or (http == "auto" and HttpToolsProtocol is None):
        return H11HeadLimits
    if HttpToolsProtocol is None:
        raise RuntimeError("httptools is not installed (pip install 'uvicorn[standard]')")
    return HttpToolsHeadLimits


class _TlsConfig(uvicorn.Config):
    """uvicorn builds its TLS context from file names; ours is built from Kafka's keys
    (:mod:`services.security.tls`), so it is set after ``load()`` (which any uvicorn version has)."""

    def __init__(self, app: ASGIApp, *, ssl_context: ssl.SSLContext | None, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._ssl_context = ssl_context

    def load(self) -> None:
        super().load()
        self.ssl = self._ssl_context


class RestServer:
    """uvicorn on a background thread; signals stay with the main thread, which owns shutdown.
    ``http`` picks uvicorn's HTTP/1.1 implementation (httptools when installed, else h11). A bare socket
    is served as one plain-HTTP listener of every route."""

    def __init__(
        self,
        app: FastAPI,
        endpoints: socket.socket | Sequence[RestEndpoint],
        *,
        http: HttpImplementation = "auto",
    ) -> None:
        if isinstance(endpoints, socket.socket):
            host, port = endpoints.getsockname()[:2]
            endpoints = [RestEndpoint(Listener("http", host, port), endpoints)]
        self.endpoints = list(endpoints)
        limits: RestLimits = getattr(app.state, "rest_limits", RestLimits())
        self._servers = [
            uvicorn.Server(self._config(app, endpoint, limits, http)) for endpoint in self.endpoints
        ]
        self._thread = threading.Thread(target=self._serve, name="rest", daemon=True)

    @staticmethod
    def _config(
        app: FastAPI, endpoint: RestEndpoint, limits: RestLimits, http: HttpImplementation
    ) -> _TlsConfig:
        served: ASGIApp = app if endpoint.routes == "all" else ListenerRoutes(app, endpoint.routes)
        return _TlsConfig(
            served,
            ssl_context=endpoint.ssl_context,
            http=functools.partial(_protocol_class(http), limits=limits),  # type: ignore[arg-type]
            ws="none",  # the Connect REST API has no WebSocket routes
            log_level="warning",
            access_log=False,
            lifespan="off",
            # As Kafka's Jetty: the peer address is the TCP peer's, never an X-Forwarded-For a local
            # process could set (it names the client in authentication failure logs).
            proxy_headers=False,
            timeout_graceful_shutdown=5,
            timeout_keep_alive=TIMEOUT_KEEP_ALIVE_S,
            limit_concurrency=LIMIT_CONCURRENCY,
            # Heads up to this size reach the app, which answers an over-long target with 414.
            h11_max_incomplete_event_size=limits.max_head_bytes,
        )

    @property
    def port(self) -> int:
        """The first listener's port."""
        return self.endpoints[0].port

    def _serve(self) -> None:
        # One loop for every listener, of the kind uvicorn would pick (uvloop when installed).
        get_factory = getattr(self._servers[0].config, "get_loop_factory", None)  # uvicorn >= 0.36
        with asyncio.Runner(loop_factory=get_factory() if get_factory else None) as runner:
            runner.run(self._serve_all())

    async def _serve_all(self) -> None:
        # Said once, because the fast stack is optional (uvicorn[standard]) and easy to lose unnoticed.
        protocol = self._servers[0].config.http
        parser = getattr(protocol, "func", protocol)
        log.info(
            "REST served by uvicorn with %s on %s",
            getattr(parser, "__name__", parser),
            type(asyncio.get_running_loop()).__module__.split(".")[0],
        )
        await asyncio.gather(
            *(server.serve(sockets=[e.sock]) for server, e in zip(self._servers, self.endpoints, strict=True))
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        for server in self._servers:
            server.should_exit = True
        self._thread.join(10)
