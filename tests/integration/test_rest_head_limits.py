"""The REST server's request-head limits, over real sockets, with each of uvicorn's HTTP/1.1 parsers
(httptools, the default with uvicorn[standard], and h11): a client that never completes its head is
disconnected after ``rest.request.header.timeout.ms`` (set short here), counted from connecting or
from its previous response; over-long targets and heads get Kafka's error body, not a dropped
connection. The app is the real gateway app (``create_app``) in front of a stub control plane.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any, cast

import pytest

from connectd.config import WorkerConfig
from connectd.runtime.control import ConnectControl
from connectd.runtime.model import ServerInfo
from gateway.app import create_app
from gateway.limits import MAX_HEAD_BYTES, MAX_TARGET_BYTES
from services.rest_server import RestServer

pytestmark = pytest.mark.integration

TIMEOUT_S = 0.5
SLACK_S = 1.5  # the event loop's timer resolution plus a loaded 2-core machine


class _InfoOnly:
    def server_info(self) -> ServerInfo:
        return ServerInfo("4.1.0", "connectd-test", None)


@pytest.fixture(params=["httptools", "h11"])
def server(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    """A RestServer on a free port with a 500 ms header timeout; yields (implementation, port)."""
    config = WorkerConfig({"rest.request.header.timeout.ms": str(int(TIMEOUT_S * 1000))})
    app = create_app(cast(ConnectControl, _InfoOnly()), config=config)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(512)
    rest = RestServer(app, sock, http=request.param)
    rest.start()
    port = sock.getsockname()[1]
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, f"the {request.param} server did not listen within 10s"
            time.sleep(0.05)
    try:
        yield request.param, port
    finally:
        rest.stop()
        sock.close()


def closed_within(sock: socket.socket, seconds: float) -> float | None:
    """Seconds until the server closed ``sock`` (reading and discarding), or None if it stayed open."""
    started = time.monotonic()
    while (remaining := started + seconds - time.monotonic()) > 0:
        sock.settimeout(remaining)
        try:
            if not sock.recv(65536):
                return time.monotonic() - started
        except TimeoutError:
            return None
        except ConnectionResetError:
            return time.monotonic() - started
    return None


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response with a Content-Length: (status, lower-cased headers, body)."""
    sock.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a complete response head; got {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
    while len(body) < int(headers.get("content-length", "0")):
        body += sock.recv(65536)
    return int(status_line.split()[1]), headers, body


def error_body(body: bytes) -> dict[str, Any]:
    parsed = json.loads(body)
    assert set(parsed) == {"error_code", "message"}, f"expected Kafka's error body, got {parsed}"
    return parsed


def test_dripping_client_is_closed_within_the_timeout(server: tuple[str, int]) -> None:
    http, port = server
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Drip: ")
        started = time.monotonic()
        closed_after: float | None = None
        while closed_after is None and time.monotonic() - started < TIMEOUT_S + SLACK_S:
            try:
                sock.sendall(b"a")
            except (BrokenPipeError, ConnectionResetError):
                closed_after = time.monotonic() - started
                break
            if closed_within(sock, 0.05) is not None:
                closed_after = time.monotonic() - started
    assert closed_after is not None, (
        f"{http}: expected a client dripping a header byte every 50 ms closed within {TIMEOUT_S}s, "
        f"still open after {TIMEOUT_S + SLACK_S}s"
    )


def test_many_half_open_connections_are_closed(server: tuple[str, int]) -> None:
    http, port = server
    sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(300)]
    try:
        for i, sock in enumerate(sockets):
            if i % 2:  # half send part of a request line, half nothing at all
                sock.sendall(b"GET /conn")
        deadline = time.monotonic() + TIMEOUT_S + SLACK_S
        still_open = sum(
            closed_within(sock, max(0.01, deadline - time.monotonic())) is None for sock in sockets
        )
    finally:
        for sock in sockets:
            sock.close()
    assert still_open == 0, (
        f"{http}: expected 300 half-open connections closed in {TIMEOUT_S}s, {still_open} open"
    )


def test_keep_alive_connection_gets_a_new_deadline_after_each_response(server: tuple[str, int]) -> None:
    http, port = server
    with socket.create_connection(("127.0.0.1", port)) as sock:
        for _ in range(3):  # each head takes longer than half the timeout, all of them together longer
            sock.sendall(b"GET / HTTP/1.1\r\nHo")
            time.sleep(TIMEOUT_S * 0.6)
            sock.sendall(b"st: x\r\n\r\n")
            status, _, body = read_response(sock)
            assert status == 200, (
                f"{http}: a head completed within the timeout: expected 200, got {status} {body!r}"
            )
        sock.sendall(b"GET / HTTP/1.1\r\n")
        closed_after = closed_within(sock, TIMEOUT_S + SLACK_S)
    assert closed_after is not None, f"{http}: expected the connection closed after an unfinished 4th head"


def test_slow_response_is_not_cut_by_the_head_timeout(server: tuple[str, int]) -> None:
    """The deadline covers the head only: a body arriving after it, within the request, is read."""
    http, port = server
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"PUT /connector-plugins/x/config/validate HTTP/1.1\r\nHost: x\r\n")
        sock.sendall(b"Content-Type: application/json\r\nContent-Length: 4\r\n\r\n")
        time.sleep(TIMEOUT_S * 2)
        sock.sendall(b"null")
        status, _, body = read_response(sock)
    # Parsed (a null config), then refused: the connection outlived the head timeout.
    assert status == 400 and b"must be a JSON object" in body, f"{http}: expected 400, got {status} {body!r}"


@pytest.mark.parametrize("size", [100_000, 2 * MAX_HEAD_BYTES])
def test_over_long_target_is_414_with_kafkas_body(server: tuple[str, int], size: int) -> None:
    http, port = server
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET /connectors/" + b"a" * size + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _, body = read_response(sock)
    seen = error_body(body)
    if http == "h11" and size > MAX_HEAD_BYTES:
        # h11 refuses a head over its buffer limit before any route sees it: a 400 naming the limit.
        assert (status, seen["error_code"]) == (400, 400) and str(MAX_HEAD_BYTES) in seen["message"], seen
        return
    assert (status, seen["error_code"]) == (414, 414), f"{http}: a {size}-byte target: got {status} {seen}"
    assert f"the limit is {MAX_TARGET_BYTES} bytes" in seen["message"], f"{http}: {seen}"


def test_over_large_head_is_refused_with_kafkas_body(server: tuple[str, int]) -> None:
    """Refused once over the limit, with the answer readable although the client is still sending:
    the server discards the rest instead of resetting the connection."""
    http, port = server
    headers = b"".join(b"X-Pad-%d: %s\r\n" % (i, b"p" * 8000) for i in range(2 * MAX_HEAD_BYTES // 8000))
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
        status, _, body = read_response(sock)
    seen = error_body(body)
    assert status in (400, 431) and seen["error_code"] == status, f"{http}: got {status} {seen}"
    assert str(MAX_HEAD_BYTES) in seen["message"], f"{http}: expected the limit in the message, got {seen}"
