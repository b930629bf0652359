"""Lightweight workers for the coordinator scale benchmark: many group members in one process.

Each member speaks the real worker protocol over real gRPC (``services.coordinator.client``):
registers with the plugins of ``bench/plugins``, holds its ``WatchAssignments`` stream, submits task
configs for connectors newly assigned to it (off the stream's thread, as the real worker's applier
does), acknowledges each generation with a heartbeat as soon as it has it, heartbeats every
``heartbeat.interval.ms``, and registers again (every 100 ms) when its stream breaks. It runs no
task. The process serves ``WorkerService.ValidateConfig`` (the real validator over the same plugins)
on the address every member registers with.

Driven over stdin/stdout, one line per command or event (times are epoch seconds):

    in:  join <worker-id> | leave <worker-id> | quit
    out: registering <id> <t> | leaving <id> <t> | applied <id> <generation> <connectors> <tasks> <t>

``python -m bench.lightweight_workers COORDINATOR GROUP HEARTBEAT_MS WORKER_ID...``
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import grpc

from bench.common import PLUGIN_DIR
from connectd.cluster.assignments import StorageTopics
from connectd.cluster.coordinator_port import Registration
from connectd.errors import ConnectdError
from connectd.plugins.registry import PluginRegistry
from connectd.runtime.model import TaskId
from connectd.runtime.plugin_listing import check_validate_request, list_plugins
from connectd.runtime.validation import ConnectorConfigValidator
from connectd.v1 import membership_pb2, membership_pb2_grpc, worker_pb2, worker_pb2_grpc
from services import convert
from services.coordinator.membership_client import GrpcCoordinatorPort
from services.security.grpc_credentials import PLAINTEXT

TASK_CLASS = "idle_source.IdleSourceTask"
_REREGISTER_S = 0.1


def storage_topics(group_id: str) -> StorageTopics:
    return StorageTopics(f"{group_id}-configs", f"{group_id}-offsets", f"{group_id}-status")


def task_configs(connector_config: Mapping[str, str]) -> list[dict[str, str]]:
    """What a real worker submits for an idle source connector (its task configs plus task.class)."""
    tasks = int(connector_config.get("tasks.max", "1"))
    topic = connector_config.get("topic", "bench-idle")
    return [{"topic": topic, "task.index": str(i), "task.class": TASK_CLASS} for i in range(tasks)]


class Output:
    def __init__(self) -> None:
        self._lock = threading.Lock()

    def event(self, *fields: Any) -> None:
        with self._lock:
            sys.stdout.write(" ".join(str(f) for f in fields) + "\n")
            sys.stdout.flush()


class Validator(worker_pb2_grpc.WorkerServiceServicer):
    def __init__(self, registry: PluginRegistry) -> None:
        self._validator = ConnectorConfigValidator(registry)

    def ValidateConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        config = convert.config_entries_from_pb(request.config)
        check_validate_request(request.plugin, config)
        return worker_pb2.ValidateConfigResponse(
            result=convert.config_infos_to_pb(self._validator.validate(config))
        )


@dataclass(frozen=True)
class Applied:
    """The last generation a member acknowledged: its number, connectors and tasks."""

    generation: int = 0
    connectors: frozenset[str] = frozenset()
    epochs: dict[TaskId, int] = field(default_factory=dict)


class LightWorker:
    def __init__(self, worker_id: str, process: Process) -> None:
        self.worker_id = worker_id
        self._process = process
        self._rpc = GrpcCoordinatorPort(
            process.coordinator, process.group_id, worker_id, PLAINTEXT, timeout_s=30
        )
        # The stream is read from the generated stub: a member that runs nothing needs only the
        # generation, the connector names and the new connectors' configs, not a decoded assignment.
        self._channel = grpc.insecure_channel(process.coordinator)
        self._stub = membership_pb2_grpc.GroupMembershipServiceStub(self._channel)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.applied = Applied()
        self._thread = threading.Thread(target=self._run, name=f"member-{worker_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _register(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                # As the real worker: a new membership numbers its generations afresh (the coordinator
                # may have restarted); what runs is kept and reported.
                self.applied = Applied(0, self.applied.connectors, self.applied.epochs)
            try:
                self._rpc.register(
                    Registration(
                        self._process.address,
                        self._process.plugins,
                        self._process.storage,
                        sorted(self.applied.connectors),
                        self.applied.epochs,
                    )
                )
                return
            except ConnectdError:
                self._stop.wait(_REREGISTER_S)

    def _run(self) -> None:
        self._process.output.event("registering", self.worker_id, f"{time.time():.6f}")
        self._register()
        while not self._stop.is_set():
            request = membership_pb2.WatchAssignmentsRequest(
                group_id=self._process.group_id, worker_id=self.worker_id, session=self._rpc.session
            )
            stream = self._stub.WatchAssignments(request)
            try:
                for message in stream:
                    self._apply(message)
                    if self._stop.is_set():
                        return
            except grpc.RpcError:
                pass
            finally:
                stream.cancel()
            if self._stop.wait(_REREGISTER_S):
                return
            self._register()

    def _apply(self, message: Any) -> None:
        generation = message.generation
        if generation and generation <= self.applied.generation:
            return
        known = self.applied.connectors
        for connector in message.connectors:
            if connector.name not in known:
                self._process.submitter.submit(self._submit, connector.name, dict(connector.config))
        applied = Applied(
            generation,
            frozenset(c.name for c in message.connectors),
            {TaskId(t.id.connector, t.id.task): t.epoch for t in message.tasks},
        )
        with self._lock:
            self.applied = applied
        with contextlib.suppress(ConnectdError):  # if not, the periodic heartbeat acknowledges it
            self._rpc.heartbeat(generation)
        self._process.output.event(
            "applied",
            self.worker_id,
            generation,
            len(applied.connectors),
            len(applied.epochs),
            f"{time.time():.6f}",
        )

    def _submit(self, name: str, config: dict[str, str]) -> None:
        with contextlib.suppress(ConnectdError):  # revoked meanwhile, or the coordinator is restarting
            self._rpc.submit_task_configs(name, task_configs(config))

    def heartbeat(self) -> None:
        if self._stop.is_set():
            return
        with contextlib.suppress(ConnectdError):
            self._rpc.heartbeat(self.applied.generation)

    def leave(self) -> None:
        self._process.output.event("leaving", self.worker_id, f"{time.time():.6f}")
        self._stop.set()
        with contextlib.suppress(ConnectdError):
            self._rpc.leave()
        self._rpc.close()
        self._channel.close()


class Process:
    def __init__(self, coordinator: str, group_id: str, heartbeat_ms: int) -> None:
        self.coordinator = coordinator
        self.group_id = group_id
        self.storage = storage_topics(group_id)
        self.output = Output()
        registry = PluginRegistry.discover([str(PLUGIN_DIR)])
        self.plugins = list_plugins(registry, connectors_only=False)
        self.submitter = ThreadPoolExecutor(max_workers=4, thread_name_prefix="task-configs")
        self.server = grpc.server(ThreadPoolExecutor(max_workers=4))
        worker_pb2_grpc.add_WorkerServiceServicer_to_server(Validator(registry), self.server)
        port = self.server.add_insecure_port("127.0.0.1:0")
        self.address = f"127.0.0.1:{port}"
        self.members: dict[str, LightWorker] = {}
        self._heartbeat_s = heartbeat_ms / 1000
        self._stop = threading.Event()

    def start(self, worker_ids: list[str]) -> None:
        self.server.start()
        threading.Thread(target=self._heartbeats, name="heartbeats", daemon=True).start()
        for worker_id in worker_ids:
            self.join(worker_id)

    def join(self, worker_id: str) -> None:
        member = self.members[worker_id] = LightWorker(worker_id, self)
        member.start()

    def leave(self, worker_id: str) -> None:
        self.members.pop(worker_id).leave()

    def _heartbeats(self) -> None:
        while not self._stop.wait(self._heartbeat_s):
            for member in list(self.members.values()):
                member.heartbeat()

    def serve_commands(self) -> None:
        for line in sys.stdin:
            command, _, arg = line.strip().partition(" ")
            if command == "join":
                self.join(arg)
            elif command == "leave":
                self.leave(arg)
            elif command == "quit":
                break
        self._stop.set()
        self.server.stop(0)


def main(argv: list[str]) -> int:
    coordinator, group_id, heartbeat_ms, *worker_ids = argv
    process = Process(coordinator, group_id, int(heartbeat_ms))
    process.start(worker_ids)
    process.serve_commands()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
