"""``connectd gateway``: the Connect REST API of one group apart from its workers (each worker serves
the same API on its own ``rest.port`` too: :mod:`services.group_rest`).

``--processes N`` (N > 1) serves it from N processes on the same listeners: this process binds them
(a taken port is still a one-line error), then forks N children that accept on the shared sockets,
each with its own coordinator channel and status view; the kernel hands each new connection to one of
them. The forks share one write fence and the logger levels (:mod:`services.gateway_forks`), so a
read on any of them after a write on another reflects the write. This process only supervises: a
child that dies is reported and started again with backoff; on SIGTERM or SIGINT every child stops.
Nothing here creates a gRPC channel or a thread before forking (gRPC does not survive a fork).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time

from connectd.config import WorkerConfig
from connectd.embedded_broker import die_with_parent
from services.gateway_forks import ForkShared
from services.group_rest import GroupRestApi
from services.logs import configure_logging
from services.metrics.exporter import MetricsPort, role_registry
from services.security.grpc_credentials import GrpcSecurity
from services.supervision import RestartBackoff, describe_exit

log = logging.getLogger("connectd.gateway")

# How often the supervisor looks for children that exited, and how long children get to stop.
_REAP_INTERVAL_S = 0.2
_STOP_TIMEOUT_S = 15.0


class GatewayStartupError(RuntimeError):
    """A one-line reason the gateway cannot start."""


def serve_gateway(
    config: WorkerConfig, security: GrpcSecurity, stop: threading.Event, processes: int = 1
) -> int:
    group_id = config["group.id"]
    if not group_id:
        raise GatewayStartupError("the gateway serves one group: set group.id")
    if processes < 1:
        raise GatewayStartupError(f"--processes must be at least 1, got {processes}")
    if processes == 1:
        api = GroupRestApi(config, security, eager_view=True, metrics=role_registry(config))
        api.start()
        metrics_port = MetricsPort(config, api.metrics, config.listener.bind_host, "gateway")  # type: ignore[arg-type]
        log.info("gateway for group %s: Connect REST API on %s", group_id, api.listener)
        try:
            stop.wait()
        finally:
            metrics_port.stop()
            api.stop()
        return 0
    shared = ForkShared()
    try:
        # Bound here, before any fork: every child accepts on these sockets.
        # Each process serves its own /metrics (its REST latency) on the shared listeners.
        api = GroupRestApi(config, security, forks=shared, eager_view=True, metrics=role_registry(config))
        log.info(
            "gateway for group %s: Connect REST API on %s, %d processes", group_id, api.listener, processes
        )
        try:
            _Supervisor(api, processes, str(config.listener.port)).run(stop)
        finally:
            api.close_listeners()
    finally:
        shared.close()
    return 0


class _Supervisor:
    """Forks the serving processes and keeps ``processes`` of them running until ``stop``."""

    def __init__(self, api: GroupRestApi, processes: int, tag: str) -> None:
        self._api = api
        self._tag = tag
        self._children: dict[int, int] = {}  # pid -> slot
        self._backoff = [RestartBackoff() for _ in range(processes)]
        self._due: dict[int, float] = {}  # slot -> when it starts (again)

    def run(self, stop: threading.Event) -> None:
        for slot in range(len(self._backoff)):
            self._fork(slot)
        try:
            while not stop.wait(_REAP_INTERVAL_S):
                self._reap()
                now = time.monotonic()
                for slot, due in list(self._due.items()):
                    if now >= due:
                        del self._due[slot]
                        self._fork(slot)
        finally:
            self._stop_all()

    def _fork(self, slot: int) -> None:
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            _serve_child(self._api, parent, f"{self._tag}#{slot}")  # never returns
        self._children[pid] = slot
        self._backoff[slot].started(time.monotonic())
        log.info("gateway process %d started (pid %d)", slot, pid)

    def _reap(self) -> None:
        for pid, slot in list(self._children.items()):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done == 0:
                continue
            del self._children[pid]
            delay = self._backoff[slot].died(time.monotonic())
            how = describe_exit(os.waitstatus_to_exitcode(status))
            log.warning("gateway process %d (pid %d) %s; restarting in %.1f s", slot, pid, how, delay)
            self._due[slot] = time.monotonic() + delay

    def _stop_all(self) -> None:
        for pid in self._children:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + _STOP_TIMEOUT_S
        while self._children and time.monotonic() < deadline:
            for pid in list(self._children):
                if os.waitpid(pid, os.WNOHANG)[0] != 0:
                    del self._children[pid]
            time.sleep(0.05)
        for pid in self._children:
            _signal(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        self._children.clear()


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # exited meanwhile
        os.kill(pid, signum)


def _serve_child(api: GroupRestApi, parent: int, tag: str) -> None:
    """The body of one forked process: serve until SIGTERM/SIGINT (or the supervisor's death)."""
    code = 1
    try:
        die_with_parent(signal.SIGTERM)()
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        if os.getppid() != parent:  # the supervisor died before the line above took effect
            os._exit(0)
        # A fork logs as its parent does, tagged by its slot.
        configure_logging("gateway", tag, api.config["log.format"], group=api.config["group.id"])
        api.start()
        stop.wait()
        api.stop()
        code = 0
    except BaseException:
        log.exception("gateway process %s failed", tag)
    finally:
        logging.shutdown()
        os._exit(code)
