"""A TCP proxy for fault tests: relays one listening port to a target, and can drop the traffic.

``cut()`` stops relaying: bytes in either direction are read and thrown away and new connections
are accepted and ignored, as when a network drops packets (nothing is refused or reset, so the
client only notices by its deadlines and keepalives). ``heal()`` resets the connections that were
cut and relays new ones again. Every socket and thread is closed by ``close()``.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading

from connectd.embedded_broker import free_port


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._peers: dict[socket.socket, socket.socket | None] = {}
        self._cut = threading.Event()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"proxy-{self.port}", daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def cut(self) -> None:
        self._cut.set()

    def heal(self) -> None:
        with self._lock:
            self._cut.clear()
            for sock in list(self._peers):
                self._drop(sock)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        with self._lock:
            for sock in list(self._peers):
                self._drop(sock)
        self._selector.close()
        self._listener.close()

    def _drop(self, sock: socket.socket) -> None:
        other = self._peers.pop(sock, None)
        for s in (sock, other):
            if s is None:
                continue
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(s)
            with contextlib.suppress(OSError):
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                s.close()
            self._peers.pop(s, None)

    def _run(self) -> None:
        while not self._stop.is_set():
            for key, _ in self._selector.select(0.1):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                with self._lock:
                    if sock is self._listener:
                        self._accept()
                    elif sock in self._peers:
                        self._relay(sock)

    def _accept(self) -> None:
        client, _ = self._listener.accept()
        client.setblocking(False)
        upstream: socket.socket | None = None
        if not self._cut.is_set():
            try:
                upstream = socket.create_connection(self.target, timeout=2)
            except OSError:
                client.close()
                return
            upstream.setblocking(False)
            self._peers[upstream] = client
            self._selector.register(upstream, selectors.EVENT_READ)
        self._peers[client] = upstream
        self._selector.register(client, selectors.EVENT_READ)

    def _relay(self, sock: socket.socket) -> None:
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            self._drop(sock)
            return
        other = self._peers.get(sock)
        if self._cut.is_set() or other is None:
            return  # dropped on the floor
        try:
            other.settimeout(5)  # a short blocking send: the peers are local and read promptly
            other.sendall(data)
            other.setblocking(False)
        except OSError:
            self._drop(sock)
