"""Serves a FastAPI app with uvicorn on a socket bound up front, so a taken port is a clean error."""

from __future__ import annotations

import logging
import socket
import threading

import uvicorn
from fastapi import FastAPI

from connectd.config import Listener

log = logging.getLogger(__name__)


class ListenerBindError(RuntimeError):
    """The REST listener cannot be bound; the message is one line meant for the user."""


def bind_listener(listener: Listener) -> socket.socket:
    family = socket.AF_INET6 if ":" in listener.bind_host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((listener.bind_host, listener.port))
    except OSError as exc:
        sock.close()
        raise ListenerBindError(
            f"cannot listen on {listener}: {exc.strerror or exc} "
            "(is another worker running? set listeners=http://host:port to a free port)"
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class RestServer:
    """uvicorn on a background thread; signals stay with the main thread, which owns shutdown."""

    def __init__(self, app: FastAPI, sock: socket.socket) -> None:
        self._sock = sock
        self._server = uvicorn.Server(
            uvicorn.Config(
                app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=5
            )
        )
        self._thread = threading.Thread(target=self._serve, name="rest", daemon=True)

    @property
    def port(self) -> int:
        return self._sock.getsockname()[1]

    def _serve(self) -> None:
        self._server.run(sockets=[self._sock])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
