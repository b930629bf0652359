"""Bad input at the REST API is a 4xx with Kafka's error body, never a 5xx or a dropped connection
(issue 9, "First contact"), in standalone and distributed mode: oversized and deeply nested bodies,
task ids outside Java's int range, over-long URLs, connector names no URL can address, requests
without ``Content-Type``, trailing slashes, and a client that never finishes its request head.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from connectd.connector_name import MAX_CONNECTOR_NAME_LENGTH
from gateway.limits import DEFAULT_HEADER_TIMEOUT_MS, DEFAULT_MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_TARGET_BYTES
from tests.integration.connect_modes import ConnectUnderTest
from tests.integration.rest_checks import expect, expect_error
from tests.integration.standalone_harness import wait_for

pytestmark = pytest.mark.integration

MIB = 1024 * 1024
TOO_DEEP = f"Request body nests JSON arrays and objects deeper than the limit of {MAX_JSON_DEPTH} levels"
UNSUPPORTED = "HTTP 415 Unsupported Media Type: send Content-Type: application/json"


def send(
    connect: ConnectUnderTest,
    method: str,
    path: str,
    body: bytes | Iterator[bytes] | None = None,
    content_type: str | None = "application/json",
) -> tuple[int, Any]:
    """One request exactly as given, over http.client (which follows no redirect): (status, JSON)."""
    url = urlsplit(connect.url)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=60)
    try:
        headers = {"Content-Type": content_type} if content_type else {}
        conn.request(method, path, body=body, headers=headers, encode_chunked=isinstance(body, Iterator))
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    return response.status, json.loads(raw) if raw else None


def expect_status(seen: tuple[int, Any], code: int, what: str, *fragments: str) -> None:
    """``seen`` is Kafka's error body with status ``code`` and a message containing ``fragments``."""
    status, body = seen
    assert status == code and isinstance(body, dict) and body.get("error_code") == code, (
        f"{what}: expected {code} with Kafka's error body, got {status} {str(body)[:300]}"
    )
    for fragment in fragments:
        assert fragment in body["message"], f"{what}: expected {fragment!r} in the message, got {body}"


def source_config(connect: ConnectUnderTest, stem: str) -> dict[str, str]:
    path = connect.workdir / f"{stem}.in.txt"
    path.touch()
    return {"connector.class": "FileStreamSource", "file": str(path), "topic": f"t-{stem}", "tasks.max": "1"}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- A. request bodies over rest.request.max.bytes: 413 ------------------------------------------------


@pytest.mark.parametrize("shape", ["20 MB value", "5 MB of keys"])
def test_oversized_body_is_413(clean_connect: ConnectUnderTest, unique_name: str, shape: str) -> None:
    connect = clean_connect
    config = source_config(connect, unique_name)
    if shape == "20 MB value":
        config["big"] = "x" * (20 * MIB)
    else:
        config.update((f"key-{i:07d}-" + "k" * 40, "v") for i in range(5 * MIB // 56))
    limit = f"the limit is {DEFAULT_MAX_BODY_BYTES} bytes (rest.request.max.bytes)"
    for method, path, body in [
        ("POST", "/connectors", {"name": unique_name, "config": config}),
        ("PUT", f"/connectors/{unique_name}/config", config),
        ("PUT", "/connector-plugins/FileStreamSource/config/validate", config),
    ]:
        data = json.dumps(body).encode()
        expect_status(
            send(connect, method, path, data), 413, f"{method} {path} {shape} ({connect.mode})", limit
        )
    # The same body streamed in chunks, without Content-Length, is counted as it arrives.
    data = json.dumps({"name": unique_name, "config": config}).encode()
    chunks = (data[i : i + MIB] for i in range(0, len(data), MIB))
    expect_status(send(connect, "POST", "/connectors", chunks), 413, f"chunked POST ({connect.mode})", limit)
    expect(connect, "GET", f"/connectors/{unique_name}", 404)


def test_body_at_the_limit_is_read(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    """Just under the limit is parsed and validated as usual (here: a config error, not a 413)."""
    config = {
        "connector.class": "FileStreamSource",
        "topic": "t",
        "pad": "x" * (DEFAULT_MAX_BODY_BYTES - 200),
    }
    data = json.dumps(config).encode()
    assert len(data) <= DEFAULT_MAX_BODY_BYTES
    code, body = send(clean_connect, "PUT", "/connector-plugins/FileStreamSource/config/validate", data)
    assert code == 200 and "configs" in body, (
        f"a {len(data)}-byte body ({clean_connect.mode}): expected 200 from validate, "
        f"got {code} {str(body)[:300]}"
    )


def _peak_rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmHWM in /proc/{pid}/status")


def test_parallel_huge_bodies_do_not_grow_the_server(clean_connect: ConnectUnderTest) -> None:
    """Four 100 MB bodies at once (two with Content-Length, two chunked) are refused while they stream:
    the serving process's peak RSS grows by far less than one of them."""
    connect = clean_connect
    if connect.standalone is not None:
        process = connect.standalone.process
    else:
        assert connect.cluster is not None and connect.cluster.gateway is not None
        process = connect.cluster.gateway.process
    assert process is not None
    before = _peak_rss_bytes(process.pid)
    size = 100 * 1000 * 1000
    block = b"x" * MIB
    results: list[tuple[int, Any]] = []

    def post(chunked: bool) -> None:
        prefix, suffix = b'{"name": "huge", "config": {"v": "', b'"}}'
        body: bytes | Iterator[bytes]
        if chunked:
            body = iter([prefix, *([block] * (size // MIB)), suffix])
        else:
            body = prefix + b"x" * size + suffix
        results.append(send(connect, "POST", "/connectors", body))

    threads = [threading.Thread(target=post, args=(i % 2 == 1,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    grown = _peak_rss_bytes(process.pid) - before
    assert [code for code, _ in results] == [413] * 4, f"expected four 413s ({connect.mode}), got {results}"
    assert grown < 64 * MIB, (
        f"expected the {connect.mode} REST server's peak RSS to grow by under 64 MiB for four 100 MB "
        f"bodies, it grew by {grown / MIB:.0f} MiB"
    )


def test_config_too_large_for_the_config_topic_is_413(
    clean_connect: ConnectUnderTest, unique_name: str
) -> None:
    """Under the body limit, but over the config topic's record limit (librdkafka's message.max.bytes,
    1,000,000): distributed mode cannot store it and says so; standalone keeps configs in memory."""
    connect = clean_connect
    if connect.mode == "standalone":
        pytest.skip("standalone keeps connector configs in memory, not in a Kafka topic")
    config = {**source_config(connect, unique_name), "pad": "x" * 1_010_000}
    data = json.dumps({"name": unique_name, "config": config}).encode()
    assert len(data) < DEFAULT_MAX_BODY_BYTES
    seen = send(connect, "POST", "/connectors", data)
    expect_status(seen, 413, f"a {len(data)}-byte config ({connect.mode})", "too large for the config topic")
    expect(connect, "GET", f"/connectors/{unique_name}", 404)


# --- A. JSON nested too deeply: 400 ------------------------------------------------------------------


@pytest.mark.parametrize("depth", [10_000, MAX_JSON_DEPTH + 1])
def test_deeply_nested_json_is_400(clean_connect: ConnectUnderTest, unique_name: str, depth: int) -> None:
    connect = clean_connect
    # Every body nests exactly ``depth`` levels: its objects and the arrays inside them.
    inner = nested(depth - 1)
    for method, path, data in [
        ("POST", "/connectors", f'{{"name": "{unique_name}", "config": {{"v": {nested(depth - 2)}}}}}'),
        ("PUT", f"/connectors/{unique_name}/config", f'{{"v": {inner}}}'),
        ("PUT", "/connector-plugins/FileStreamSource/config/validate", f'{{"v": {inner}}}'),
        ("PATCH", f"/connectors/{unique_name}/offsets", f'{{"offsets": {inner}}}'),
        ("PUT", "/admin/loggers/connectd.test", f'{{"level": {inner}}}'),
    ]:
        seen = send(connect, method, path, data.encode())
        expect_status(seen, 400, f"{method} {path} nested {depth} deep ({connect.mode})", TOO_DEEP)


def test_nesting_within_the_limit_is_parsed(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    data = f'{{"v": {nested(MAX_JSON_DEPTH - 1)}}}'.encode()
    seen = send(clean_connect, "PUT", f"/connectors/{unique_name}/config", data)
    # Parsed, then refused for its content: a nested config value.
    expect_status(seen, 400, f"nested {MAX_JSON_DEPTH} deep ({clean_connect.mode})", "must be a string")


# --- A. task ids outside Java's int range: 400 ----------------------------------------------------------


@pytest.mark.parametrize("task", ["99999999999999999999", "2147483648", "-1", "9" * 5000])
def test_task_id_out_of_range_is_400(clean_connect: ConnectUnderTest, unique_name: str, task: str) -> None:
    for method, path in [("GET", f"/connectors/{unique_name}/tasks/{task}/status"),
                         ("POST", f"/connectors/{unique_name}/tasks/{task}/restart")]:  # fmt: skip
        seen = send(clean_connect, method, path, content_type=None)
        expect_status(
            seen, 400, f"{method} task {task[:30]} ({clean_connect.mode})", "out of range", "0 to 2147483647"
        )


@pytest.mark.parametrize("task", ["abc", "1.5", "1_0", " 1"])
def test_non_integer_task_id_stays_404(clean_connect: ConnectUnderTest, unique_name: str, task: str) -> None:
    path = f"/connectors/{unique_name}/tasks/{quote(task)}/status"
    expect_error(clean_connect, "GET", path, 404, "HTTP 404 Not Found")


def test_in_range_unknown_task_is_404(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    for method, path in [("GET", f"/connectors/{unique_name}/tasks/2147483647/status"),
                         ("POST", f"/connectors/{unique_name}/tasks/0/restart")]:  # fmt: skip
        seen = send(clean_connect, method, path, content_type=None)
        assert seen[0] == 404, f"{method} {path} ({clean_connect.mode}): expected 404, got {seen}"


# --- A. over-long URLs: 414, not a dropped connection ------------------------------------------------------


def test_over_long_url_is_414(clean_connect: ConnectUnderTest) -> None:
    for path in ["/connectors/" + "a" * 100_000, "/connectors?expand=" + "s" * 50_000]:
        seen = send(clean_connect, "GET", path, content_type=None)
        expect_status(
            seen, 414, f"a {len(path)}-byte URL ({clean_connect.mode})", f"the limit is {MAX_TARGET_BYTES}"
        )


# --- B. connector names: no '/', no control characters, at most 1,024 characters -----------------------


@pytest.mark.parametrize(
    ("name", "rule"),
    [("a/b", "may not contain '/'"), ("/lead", "may not contain '/'"),
     ("tab\there", "control sequences"), ("nel\u0085", "control sequences"),
     ("n" * (MAX_CONNECTOR_NAME_LENGTH + 1), f"at most {MAX_CONNECTOR_NAME_LENGTH} characters")],
    ids=["slash", "leading-slash", "tab", "c1-control", "too-long"],
)  # fmt: skip
def test_unaddressable_name_is_refused(
    clean_connect: ConnectUnderTest, unique_name: str, name: str, rule: str
) -> None:
    connect = clean_connect
    body = {"name": name, "config": source_config(connect, unique_name)}
    seen = send(connect, "POST", "/connectors", json.dumps(body).encode())
    expect_status(seen, 400, f"POST name {name[:20]!r} ({connect.mode})", "configuration name", rule)
    if "/" not in name:  # a '/' cannot be part of a {name} path segment at all
        path = f"/connectors/{quote(name, safe='')}/config"
        seen = send(connect, "PUT", path, json.dumps(source_config(connect, unique_name)).encode())
        expect_status(seen, 400, f"PUT name {name[:20]!r} ({connect.mode})", "configuration name", rule)
    names = expect(connect, "GET", "/connectors", 200)
    assert name not in names, f"a refused name is listed ({connect.mode}): {names}"


def test_longest_name_of_widest_characters_stays_addressable(
    clean_connect: ConnectUnderTest, unique_name: str
) -> None:
    """1,024 four-byte characters percent-encode to 12,288 bytes: every route of it fits the URL limit."""
    connect = clean_connect
    name = "\U0001f600" * MAX_CONNECTOR_NAME_LENGTH
    connect.create(name, source_config(connect, unique_name))
    encoded = quote(name, safe="")
    assert expect(connect, "GET", f"/connectors/{encoded}", 200)["name"] == name
    expect_status(send(connect, "GET", f"/connectors/{encoded}/tasks/2147483647/status"), 404, "task status")
    expect(connect, "DELETE", f"/connectors/{encoded}", 204)
    assert name not in expect(connect, "GET", "/connectors", 200), (
        f"still listed after DELETE ({connect.mode})"
    )


# --- C. 415 says which header to send ----------------------------------------------------------------------


@pytest.mark.parametrize("content_type", [None, "text/plain"])
def test_415_names_the_content_type_to_send(
    clean_connect: ConnectUnderTest, content_type: str | None
) -> None:
    for method, path in [("POST", "/connectors"), ("PUT", "/connectors/x/config")]:
        seen = send(clean_connect, method, path, b'{"name": "x", "config": {}}', content_type)
        assert seen == (415, {"error_code": 415, "message": UNSUPPORTED}), (
            f"{method} {path} with Content-Type {content_type} ({clean_connect.mode}): "
            f"expected 415 {UNSUPPORTED!r}, got {seen}"
        )


# --- D. trailing slashes are served, not redirected ---------------------------------------------------------


def test_trailing_slash_is_served_directly(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    connect = clean_connect
    code, plugins = send(connect, "GET", "/connector-plugins/", content_type=None)
    assert code == 200 and plugins, (
        f"GET /connector-plugins/ ({connect.mode}): expected 200, got {code} {plugins}"
    )
    body = json.dumps({"name": unique_name, "config": source_config(connect, unique_name)}).encode()
    code, info = send(connect, "POST", "/connectors/", body)
    assert code == 201 and info["name"] == unique_name, (
        f"POST /connectors/ ({connect.mode}): got {code} {info}"
    )
    code, names = send(connect, "GET", "/connectors/", content_type=None)
    assert (code, names) == (200, [unique_name]), f"GET /connectors/ ({connect.mode}): got {code} {names}"
    code, info = send(connect, "GET", f"/connectors/{unique_name}/", content_type=None)
    assert code == 200 and info["name"] == unique_name, (
        f"GET /connectors/name/ ({connect.mode}): {code} {info}"
    )


# --- A. a client that never completes its request head is disconnected --------------------------------------


def _closed_by_server(sock: socket.socket, deadline: float) -> bool:
    """Reads (discarding) until the server closes the connection, or the deadline passes."""
    while (remaining := deadline - time.monotonic()) > 0:
        sock.settimeout(remaining)
        try:
            if not sock.recv(65536):
                return True
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True
    return False


def test_incomplete_request_heads_are_closed(clean_connect: ConnectUnderTest) -> None:
    """The default rest.request.header.timeout.ms (10 s) in both modes: a client dripping a header byte
    every 0.2 s, and 100 connections that sent half a request line, are all closed within it."""
    connect = clean_connect
    url = urlsplit(connect.url)
    address = (url.hostname or "127.0.0.1", url.port or 0)
    timeout_s = DEFAULT_HEADER_TIMEOUT_MS / 1000
    half_open = [socket.create_connection(address) for _ in range(100)]
    dripper = socket.create_connection(address)
    started = time.monotonic()
    try:
        for sock in half_open:
            sock.sendall(b"GET /connectors HT")
        dripper.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Drip: ")
        closed_after: float | None = None
        while time.monotonic() - started < timeout_s + 5:
            try:
                dripper.sendall(b"a")
            except (BrokenPipeError, ConnectionResetError):
                closed_after = time.monotonic() - started
                break
            if _closed_by_server(dripper, time.monotonic() + 0.2):
                closed_after = time.monotonic() - started
                break
        assert closed_after is not None and closed_after < timeout_s + 2, (
            f"expected the dripping client closed within {timeout_s}s ({connect.mode}), "
            f"{'still open' if closed_after is None else f'closed after {closed_after:.1f}s'}"
        )
        deadline = started + timeout_s + 3
        still_open = sum(not _closed_by_server(sock, deadline) for sock in half_open)
        assert still_open == 0, (
            f"expected 100 half-open connections closed ({connect.mode}), {still_open} open"
        )
    finally:
        for sock in [*half_open, dripper]:
            sock.close()
    wait_for(lambda: send(connect, "GET", "/", content_type=None)[0] == 200, 10, f"GET / ({connect.mode})")
