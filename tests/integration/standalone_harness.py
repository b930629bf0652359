"""Runs ``connectd standalone`` as a real subprocess against the test broker, and talks to its REST API."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from connectd.embedded_broker import free_port

PLUGIN_DIR = Path(__file__).resolve().parent.parent / "plugins"
REPO_ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    """Poll ``condition`` until it returns a truthy value; fail naming ``what`` and the last value seen."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last seen: {last!r}")


def http_request(
    base_url: str, method: str, path: str, body: Any = None, context: ssl.SSLContext | None = None
) -> tuple[int, Any]:
    """One REST call: (status, parsed JSON body or None). ``context``: what an https URL is trusted by."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    code, _, parsed = raw_http_request(base_url, method, path, data, headers, context)
    return code, parsed


def raw_http_request(
    base_url: str,
    method: str,
    path: str,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    context: ssl.SSLContext | None = None,
) -> tuple[int, dict[str, str], Any]:
    """One REST call with exactly these bytes and headers: (status, lower-cased headers, JSON or None)."""
    req = urllib.request.Request(base_url + path, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30, context=context) as response:
            code, response_headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        code, response_headers, raw = exc.code, exc.headers, exc.read()
    lowered = {k.lower(): v for k, v in response_headers.items()}
    return code, lowered, json.loads(raw) if raw else None


class StandaloneWorker:
    def __init__(self, workdir: Path, bootstrap_servers: str, extra: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.offsets_file = workdir / "connect.offsets"
        props = {
            "bootstrap.servers": bootstrap_servers,
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            "offset.storage.file.filename": str(self.offsets_file),
            "offset.flush.interval.ms": "500",
            "listeners": f"http://127.0.0.1:{self.port}",
            "plugin.path": str(PLUGIN_DIR),
            "consumer.session.timeout.ms": "1000",
            "consumer.heartbeat.interval.ms": "250",
            "task.shutdown.graceful.timeout.ms": "3000",
            **(extra or {}),
        }
        self.worker_file = workdir / "worker.properties"
        self.worker_file.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        self.log_path = workdir / "connectd.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *connector_files: Path) -> StandaloneWorker:
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "services.cli",
                "standalone",
                str(self.worker_file),
                *map(str, connector_files),
            ],
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        )
        log.close()
        wait_for(self._ready, 30, f"REST API at {self.url} (log: {self.log_path})")
        return self

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"connectd exited with {self.process.returncode}:\n{self.log_tail()}")
        try:
            return self.request("GET", "/")[0] == 200
        except OSError:
            return False

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return http_request(self.url, method, path, body)

    def status(self, name: str) -> dict[str, Any] | None:
        code, body = self.request("GET", f"/connectors/{name}/status")
        return body if code == 200 else None

    def wait_running(self, name: str, tasks: int = 1, timeout: float = 30) -> dict[str, Any]:
        def running() -> dict[str, Any] | None:
            status = self.status(name)
            ok = (
                status is not None
                and status["connector"]["state"] == "RUNNING"
                and len(status["tasks"]) == tasks
                and all(t["state"] == "RUNNING" for t in status["tasks"])
            )
            return status if ok else None

        return wait_for(running, timeout, f"connector {name} RUNNING with {tasks} RUNNING task(s)")

    def terminate(self, timeout: float = 30) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def close(self) -> None:
        if self.log_path.exists():
            # Captured by pytest and shown only when the test failed: what the worker saw.
            print(f"--- last lines of {self.log_path} ---\n{self.log_tail(40)}")
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def write_properties(path: Path, props: dict[str, str]) -> Path:
    path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
    return path


def create_topic(bootstrap_servers: str, topic: str, partitions: int = 1) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap_servers})
    admin.create_topics([NewTopic(topic, partitions, 1)])[topic].result(30)


def make_lines(count: int, start: int = 0, width: int = 100) -> list[str]:
    """Unique, ordered, fixed-width lines: ``width`` bytes with the newline."""
    return [f"line-{i:09d}-".ljust(width - 1, "x") for i in range(start, start + count)]


def append(path: Path, lines: list[str]) -> None:
    with open(path, "a", encoding="utf-8") as out:
        out.write("".join(f"{line}\n" for line in lines))


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []
