"""uvicorn's fast stack is what serves REST: httptools parses HTTP/1.1 (with our head limits) and
uvloop runs the event loop. Both come with ``uvicorn[standard]``; without them uvicorn silently falls
back to h11 and asyncio, at several times the CPU per request."""

from __future__ import annotations

import asyncio
import socket

from fastapi import FastAPI

from services.rest_server import HttpToolsHeadLimits, RestServer


def test_httptools_and_uvloop_serve_rest() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        server = RestServer(FastAPI(), sock)
        config = server._servers[0].config
        config.load()
        assert config.http_protocol_class.func is HttpToolsHeadLimits  # type: ignore[attr-defined]
        with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
            assert type(runner.get_loop()).__module__.startswith("uvloop")
