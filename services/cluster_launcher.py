"""``connectd cluster``: a local distributed cluster, every role its own process.

Starts an embedded broker (unless ``--bootstrap-servers``), the coordinator, the offset store, N
workers and the gateway, each with the same CLI command a user or compose runs. The integration
tests drive this same class, so the tested topology is the one users run. Every process is tracked
by pid and stopped on exit.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from connectd.embedded_broker import EmbeddedBroker, free_port

REPO_ROOT = Path(__file__).resolve().parents[1]
# tansu waits about half of session.timeout.ms before a consumer-group join completes.
EMBEDDED_CLIENT_DEFAULTS = {"consumer.session.timeout.ms": "2000", "consumer.heartbeat.interval.ms": "500"}


@dataclass
class RoleProcess:
    role: str
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    port: int

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class LocalCluster:
    workdir: Path
    group_id: str = "connect-cluster"
    bootstrap_servers: str | None = None
    rest_port: int = 0
    settings: Mapping[str, str] = field(default_factory=dict)
    start_timeout_s: float = 60.0

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.broker: EmbeddedBroker | None = None
        self.processes: list[RoleProcess] = []
        self.coordinator: RoleProcess | None = None
        self.offset_store: RoleProcess | None = None
        self.gateway: RoleProcess | None = None
        self.workers: list[RoleProcess] = []
        self._worker_seq = 0

    # --- settings --------------------------------------------------------------------------------

    @property
    def rest_url(self) -> str:
        assert self.gateway is not None
        return f"http://127.0.0.1:{self.gateway.port}"

    def base(self) -> dict[str, str]:
        """Every role's settings: the broker, and store topics sized for a one-broker cluster."""
        return {
            "bootstrap.servers": self.bootstrap_servers or "",
            "config.storage.replication.factor": "-1",
            "offset.storage.replication.factor": "-1",
            "status.storage.replication.factor": "-1",
            **(EMBEDDED_CLIENT_DEFAULTS if self.broker is not None else {}),
            **self.settings,
        }

    def common(self) -> dict[str, str]:
        """Settings of the group's workers and gateway."""
        assert self.coordinator is not None and self.offset_store is not None
        return {
            **self.base(),
            "group.id": self.group_id,
            "coordinator.address": f"127.0.0.1:{self.coordinator.port}",
            "offset.store.address": f"127.0.0.1:{self.offset_store.port}",
            "config.storage.topic": f"{self.group_id}-configs",
            "offset.storage.topic": f"{self.group_id}-offsets",
            "status.storage.topic": f"{self.group_id}-status",
            **self.settings,
        }

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self, workers: int) -> LocalCluster:
        try:
            if not self.bootstrap_servers:
                self.broker = EmbeddedBroker(log_path=self.workdir / "broker.log").start()
                self.bootstrap_servers = self.broker.bootstrap_servers
            base = {**self.base(), "grpc.host": "127.0.0.1"}
            self.coordinator = self._spawn("coordinator", "coordinator", base)
            self.offset_store = self._spawn("offset-store", "offset-store", base)
            for process in (self.coordinator, self.offset_store):
                self._wait_port(process)
            for _ in range(workers):
                self.add_worker(wait=False)
            for worker in self.workers:
                self._wait_port(worker)
            self.start_gateway()
        except BaseException:
            self.stop()
            raise
        return self

    def start_gateway(self) -> RoleProcess:
        """The group's REST gateway on ``rest_port`` (a free one when 0), once it answers."""
        rest_port = self.rest_port or free_port()
        config = {**self.common(), "listeners": f"http://127.0.0.1:{rest_port}"}
        self.gateway = self._spawn("gateway", "gateway", config, rest_port)
        self._wait_rest()
        return self.gateway

    def add_worker(self, wait: bool = True, extra: Mapping[str, str] | None = None) -> RoleProcess:
        self._worker_seq += 1
        config = {**self.common(), "grpc.host": "127.0.0.1", **(extra or {})}
        worker = self._spawn("worker", f"worker-{self._worker_seq}", config)
        self.workers.append(worker)
        if wait:
            self._wait_port(worker)
        return worker

    def restart(self, process: RoleProcess) -> RoleProcess:
        """Start the same role again on the same port and config (after a stop or kill)."""
        args = process.process.args
        assert isinstance(args, list)
        log = open(process.log_path, "ab")  # noqa: SIM115 - handed to the child
        process.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=_child_env())
        log.close()
        self._wait_port(process)
        return process

    def kill(self, process: RoleProcess) -> None:
        """SIGKILL, by pid."""
        if process.alive():
            os.kill(process.pid, signal.SIGKILL)
            process.process.wait(10)

    def terminate(self, process: RoleProcess, timeout: float = 30) -> int:
        if process.alive():
            os.kill(process.pid, signal.SIGTERM)
        return process.process.wait(timeout)

    def stop(self) -> None:
        """Gateway and workers first (they leave the group and flush offsets), then the services."""
        services = [p for p in self.processes if p.role in ("coordinator", "offset-store")]
        for batch in ([p for p in self.processes if p not in services], services):
            for process in batch:
                if process.alive():
                    os.kill(process.pid, signal.SIGTERM)
            deadline = time.monotonic() + 20
            for process in batch:
                try:
                    process.process.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.kill(process.pid, signal.SIGKILL)
                    process.process.wait(10)
        if self.broker is not None:
            self.broker.stop()
            self.broker = None

    # --- helpers ---------------------------------------------------------------------------------

    def _spawn(self, role: str, name: str, config: Mapping[str, str], port: int | None = None) -> RoleProcess:
        if port is None:
            port = free_port()
            config = {**config, "grpc.port": str(port)}
        properties = self.workdir / f"{name}.properties"
        properties.write_text("".join(f"{k}={v}\n" for k, v in config.items() if v != ""))
        log_path = self.workdir / f"{name}.log"
        log = open(log_path, "ab")  # noqa: SIM115 - handed to the child
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", role, str(properties)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_child_env(),
        )
        log.close()
        entry = RoleProcess(role, name, process, log_path, port)
        self.processes.append(entry)
        return entry

    def _wait_port(self, process: RoleProcess) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if not process.alive():
                raise RuntimeError(
                    f"{process.name} exited with {process.process.returncode}:\n{process.log_tail()}"
                )
            try:
                with socket.create_connection(("127.0.0.1", process.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{process.name} did not listen on port {process.port} in {self.start_timeout_s}s")

    def _wait_rest(self) -> None:
        assert self.gateway is not None
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if not self.gateway.alive():
                raise RuntimeError(f"gateway exited:\n{self.gateway.log_tail()}")
            try:
                with urllib.request.urlopen(self.rest_url + "/", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gateway REST API at {self.rest_url} not ready in {self.start_timeout_s}s")


def _child_env() -> dict[str, str]:
    # The children import this checkout's packages even when it is not installed.
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": f"{REPO_ROOT}{os.pathsep}{path}" if path else str(REPO_ROOT)}


def run_cluster(args: argparse.Namespace) -> int:
    from services.roles import parse_overrides

    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="connectd-cluster-"))
    cluster = LocalCluster(
        workdir,
        group_id=args.group_id,
        bootstrap_servers=args.bootstrap_servers,
        rest_port=args.rest_port,
        settings=parse_overrides(args.set),
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        cluster.start(args.workers)
    except RuntimeError as exc:
        print(f"connectd cluster: {exc}", file=sys.stderr)
        return 2
    if cluster.broker is not None:
        print(f"broker        pid {cluster.broker.pid:<8} {cluster.bootstrap_servers} (embedded tansu)")
    for process in cluster.processes:
        print(f"{process.name:<13} pid {process.pid:<8} port {process.port}  log {process.log_path}")
    print(f"REST API: {cluster.rest_url}   (Ctrl-C stops every process)", flush=True)
    try:
        while not stop.wait(0.5):
            dead = [p for p in cluster.processes if not p.alive()]
            if dead:
                print(f"connectd cluster: {dead[0].name} exited:\n{dead[0].log_tail()}", file=sys.stderr)
                return 1
    finally:
        cluster.stop()
    return 0
