"""``connectd cluster``: a local distributed cluster, every role its own process.

Starts an embedded broker (unless ``--bootstrap-servers``), the coordinator, the offset store, N
workers and the gateway, each with the same CLI command a user or compose runs. The integration
tests drive this same class, so the tested topology is the one users run. Every process is tracked
by pid; one that dies is reported and started again (``run_cluster``), and a stop goes in dependency
order: the gateway, the workers (final offset flush, sink commits), the offset store and the
coordinator, then the broker. Each child runs in its own session, so a Ctrl-C at the terminal reaches
only the launcher, which then stops them in that order.

``--secure`` makes a CA, a certificate per role and a cluster token in ``<workdir>/certs``
(``connectd certs``) and starts every role with them: mutual TLS and the token on gRPC between roles,
HTTPS on the REST listeners (``listeners=https://...`` and ``listeners.https.ssl.*``).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from connectd.config import parse_properties
from connectd.embedded_broker import EMBEDDED_BROKER_DEFAULTS, EmbeddedBroker, die_with_parent, free_port
from services.security.certs import ClusterCerts, make_cluster_certs, secure_properties
from services.security.grpc_credentials import PLAINTEXT, GrpcSecurity
from services.supervision import RestartBackoff, describe_exit

REPO_ROOT = Path(__file__).resolve().parents[1]


def _metrics_port(port: int | None) -> dict[str, str]:
    return {} if port is None else {"metrics.port": str(port)}


@dataclass
class RoleProcess:
    role: str
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    port: int
    # The REST port of a worker or the gateway (a worker's gRPC port is ``port``).
    rest_port: int | None = None
    # Where the coordinator and the offset store serve /metrics (LocalCluster.metrics_ports).
    metrics_port: int | None = None
    backoff: RestartBackoff = field(default_factory=RestartBackoff)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    @property
    def worker_id(self) -> str:
        """A launched worker's id in the group: its advertised REST address (loopback here)."""
        return f"127.0.0.1:{self.rest_port}"

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
    # Also a separate gateway, on ``rest_port``; without it the workers serve REST from ``rest_port``
    # up (the seeds' layout: 8083, 8084, ...), and every worker serves REST in either shape.
    with_gateway: bool = True
    # ``connectd gateway --processes``: how many processes serve the gateway's listeners.
    gateway_processes: int = 1
    start_timeout_s: float = 60.0
    # The children get SIGTERM when the launcher's thread dies (``connectd cluster`` killed): only
    # for a launcher that spawns from one long-lived thread, as the kernel ties it to that thread.
    die_with_launcher: bool = False
    # Mutual TLS and a cluster token between roles, HTTPS on REST: certificates made in workdir/certs.
    secure: bool = False
    # A free ``metrics.port`` for the coordinator and the offset store (workers and the gateway serve
    # /metrics on their REST listeners anyway).
    metrics_ports: bool = False

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.certs: ClusterCerts | None = None
        # How this process (the launcher, a test) calls the roles' gRPC: as the ``client`` role.
        self.security: GrpcSecurity = PLAINTEXT
        self.broker: EmbeddedBroker | None = None
        self.processes: list[RoleProcess] = []
        self.coordinator: RoleProcess | None = None
        self.offset_store: RoleProcess | None = None
        self.gateway: RoleProcess | None = None
        self.workers: list[RoleProcess] = []
        self._worker_seq = 0

    # --- settings --------------------------------------------------------------------------------

    @property
    def rest_scheme(self) -> str:
        """``--secure`` serves REST over https (with the cluster's certificates), else http."""
        return "https" if self.secure else "http"

    @property
    def rest_url(self) -> str:
        """The gateway's REST API, else the first worker's."""
        process = self.gateway or self.workers[0]
        return f"{self.rest_scheme}://127.0.0.1:{process.rest_port}"

    @property
    def rest_ssl_context(self) -> ssl.SSLContext | None:
        """What a REST client of the cluster trusts: the cluster's CA (None without --secure)."""
        if self.certs is None:
            return None
        return ssl.create_default_context(cafile=str(self.certs.ca))

    def role_settings(self, role: str) -> dict[str, str]:
        """With ``secure``: the keys of ``secure.properties`` with ``role``'s own certificate."""
        if self.certs is None:
            return {}
        settings = parse_properties(secure_properties(self.certs, role))
        if role not in ("worker", "gateway"):  # no REST listener
            settings = {k: v for k, v in settings.items() if not k.startswith("listeners.")}
        return settings

    def rest_listener(self, port: int) -> dict[str, str]:
        return {"listeners": f"{self.rest_scheme}://127.0.0.1:{port}"}

    def base(self) -> dict[str, str]:
        """Every role's settings: the broker, and store topics sized for a one-broker cluster."""
        return {
            "bootstrap.servers": self.bootstrap_servers or "",
            "config.storage.replication.factor": "-1",
            "offset.storage.replication.factor": "-1",
            "status.storage.replication.factor": "-1",
            **(EMBEDDED_BROKER_DEFAULTS if self.broker is not None else {}),
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
            if self.secure:
                self.certs = make_cluster_certs(self.workdir / "certs")
                self.security = GrpcSecurity.from_config(self.role_settings("client"))
            if not self.bootstrap_servers:
                self.broker = EmbeddedBroker(log_path=self.workdir / "broker.log").start()
                self.bootstrap_servers = self.broker.bootstrap_servers
            base = {**self.base(), "grpc.host": "127.0.0.1"}
            ports = {
                role: free_port() if self.metrics_ports else None for role in ("coordinator", "offset-store")
            }
            self.coordinator = self._spawn(
                "coordinator",
                "coordinator",
                {**base, **self.role_settings("coordinator"), **_metrics_port(ports["coordinator"])},
            )
            self.offset_store = self._spawn(
                "offset-store",
                "offset-store",
                {**base, **self.role_settings("offset-store"), **_metrics_port(ports["offset-store"])},
            )
            self.coordinator.metrics_port = ports["coordinator"]
            self.offset_store.metrics_port = ports["offset-store"]
            for process in (self.coordinator, self.offset_store):
                self._wait_port(process)
            for _ in range(workers):
                self.add_worker(wait=False)
            for worker in self.workers:
                self._wait_port(worker)
            if self.with_gateway:
                self.start_gateway()
            self._wait_rest()
        except BaseException:
            self.stop()
            raise
        return self

    def start_gateway(self) -> RoleProcess:
        """The group's REST gateway on ``rest_port`` (a free one when 0), once it answers."""
        rest_port = self.rest_port or free_port()
        config = {**self.common(), **self.role_settings("gateway"), **self.rest_listener(rest_port)}
        args = ["--processes", str(self.gateway_processes)] if self.gateway_processes > 1 else []
        self.gateway = self._spawn("gateway", "gateway", config, rest_port, args)
        self.gateway.rest_port = rest_port
        self._wait_rest()
        return self.gateway

    def add_worker(self, wait: bool = True, extra: Mapping[str, str] | None = None) -> RoleProcess:
        """A worker, serving gRPC and its own REST API (on ``rest_port`` + its number - 1 without a
        gateway when ``rest_port`` is set, else on a free port)."""
        self._worker_seq += 1
        seeds_layout = not self.with_gateway and self.rest_port
        rest_port = self.rest_port + self._worker_seq - 1 if seeds_layout else free_port()
        config = {
            **self.common(),
            **self.role_settings("worker"),
            "grpc.host": "127.0.0.1",
            **self.rest_listener(rest_port),
            **(extra or {}),
        }
        worker = self._spawn("worker", f"worker-{self._worker_seq}", config)
        worker.rest_port = rest_port
        self.workers.append(worker)
        if wait:
            self._wait_port(worker)
        return worker

    def restart(self, process: RoleProcess, wait: bool = True) -> RoleProcess:
        """Start the same role again on the same port and config (after a stop or kill)."""
        args = process.process.args
        assert isinstance(args, list)
        process.process = self._popen(args, process.log_path)
        process.backoff.started(time.monotonic())
        if wait:
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

    def stop_order(self) -> list[list[RoleProcess]]:
        """Who stops before whom: each role's dependents first, so that the gateway answers no more
        requests, the workers flush their offsets to a live offset store and commit their sinks to
        a live broker, and the coordinator and offset store go last."""
        ranks = {"gateway": 0, "worker": 1, "offset-store": 2, "coordinator": 2}
        batches: list[list[RoleProcess]] = [[] for _ in range(3)]
        for process in self.processes:
            batches[ranks[process.role]].append(process)
        return batches

    def stop(self, timeout_s: float = 20) -> None:
        """Stop every process in :meth:`stop_order`, SIGTERM then SIGKILL after ``timeout_s``; then
        the broker."""
        for batch in self.stop_order():
            for process in batch:
                if process.alive():
                    os.kill(process.pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout_s
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

    def _spawn(
        self,
        role: str,
        name: str,
        config: Mapping[str, str],
        port: int | None = None,
        args: Sequence[str] = (),
    ) -> RoleProcess:
        if port is None:
            port = free_port()
            # Each role listens where its key says: the coordinator and the offset store on the port of
            # their address, a worker on grpc.port.
            key = {"coordinator": "coordinator.address", "offset-store": "offset.store.address"}.get(role)
            config = {**config, key: f"127.0.0.1:{port}"} if key else {**config, "grpc.port": str(port)}
        properties = self.workdir / f"{name}.properties"
        properties.write_text("".join(f"{k}={v}\n" for k, v in config.items() if v != ""))
        log_path = self.workdir / f"{name}.log"
        process = self._popen([sys.executable, "-m", "services.cli", role, str(properties), *args], log_path)
        entry = RoleProcess(role, name, process, log_path, port)
        entry.backoff.started(time.monotonic())
        self.processes.append(entry)
        return entry

    def _popen(self, args: list[str], log_path: Path) -> subprocess.Popen[bytes]:
        with open(log_path, "ab") as log:
            return subprocess.Popen(
                args,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_child_env(),
                # Its own session: a Ctrl-C at the terminal goes to the launcher alone, which stops
                # the children in order instead of all of them at once.
                start_new_session=True,
                preexec_fn=die_with_parent(signal.SIGTERM) if self.die_with_launcher else None,
            )

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
        process = self.gateway or self.workers[0]
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if not process.alive():
                raise RuntimeError(f"{process.name} exited:\n{process.log_tail()}")
            try:
                with urllib.request.urlopen(
                    self.rest_url + "/", timeout=2, context=self.rest_ssl_context
                ) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"REST API at {self.rest_url} not ready in {self.start_timeout_s}s")


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
        with_gateway=args.gateway,
        gateway_processes=args.gateway_processes,
        die_with_launcher=True,
        secure=args.secure,
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
        print("              memory only: stopping the cluster loses every record; use --bootstrap-servers")
    for process in cluster.processes:
        rest = f" rest {process.rest_port}" if process.rest_port and process.role == "worker" else ""
        print(f"{process.name:<13} pid {process.pid:<8} port {process.port}{rest}  log {process.log_path}")
    if cluster.certs is not None:
        where = cluster.certs.directory
        print(f"secure: mutual TLS and a cluster token between roles; CA, certificates and token in {where}")
    restart = "restarted with backoff" if args.restart else "left down (--no-restart)"
    print(f"REST API: {cluster.rest_url}   (a process that dies is {restart}; Ctrl-C stops all)", flush=True)
    if cluster.rest_ssl_context is not None and cluster.certs is not None:
        url = cluster.rest_url.replace("127.0.0.1", "localhost")
        print(f"  curl --cacert {cluster.certs.ca} {url}/", flush=True)
    try:
        return supervise(cluster, stop, restart=args.restart)
    finally:
        print("stopping: gateway, workers, offset store and coordinator, broker", flush=True)
        cluster.stop()


def supervise(cluster: LocalCluster, stop: threading.Event, restart: bool) -> int:
    """Until ``stop``: report each process that dies and start it again after its backoff (or leave
    it down). The broker holds every record: if it dies, the cluster cannot go on (exit 1)."""
    restart_at: dict[str, float] = {}
    down: set[str] = set()
    while not stop.wait(0.2):
        if cluster.broker is not None and not cluster.broker.alive():
            print(f"connectd cluster: the embedded broker (pid {cluster.broker.pid}) died; its records are "
                  "gone, stopping the cluster", file=sys.stderr, flush=True)  # fmt: skip
            return 1
        now = time.monotonic()
        for process in cluster.processes:
            if process.name in down:
                continue
            due = restart_at.get(process.name)
            if due is not None:
                if now >= due:
                    del restart_at[process.name]
                    cluster.restart(process, wait=False)
                    print(f"{process.name} restarted: pid {process.pid}", flush=True)
                continue
            if process.alive():
                continue
            how = describe_exit(process.process.returncode)
            if restart:
                delay = process.backoff.died(now)
                restart_at[process.name] = now + delay
                print(f"{process.name} (pid {process.pid}) {how}; restarting in {delay:.1f} s", flush=True)
            else:
                down.add(process.name)
                print(f"{process.name} (pid {process.pid}) {how}; left down (--no-restart)", flush=True)
            if process.process.returncode > 0:
                print(f"--- last lines of {process.log_path} ---\n{process.log_tail(10)}", file=sys.stderr)
    return 0
