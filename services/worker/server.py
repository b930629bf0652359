"""``connectd worker``: a distributed worker. Joins its group, applies assignments, serves WorkerService.

Three background loops keep it in its group: the assignment stream (applies each generation), the
heartbeat (renews the lease, acknowledges the applied generation), and the status reporter. When
the coordinator is unreachable all three back off and retry while every task keeps running.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

import grpc

from connectd.cluster.applier import AssignmentApplier
from connectd.cluster.group import StorageTopics
from connectd.config import WorkerConfig
from connectd.errors import ConnectdError, FailedPreconditionError, NotFoundError
from connectd.plugins.registry import PluginRegistry
from connectd.runtime.model import StateInfo, TaskId
from connectd.runtime.plugin_listing import check_validate_request, list_plugins
from connectd.runtime.topic_tracking import TopicResetWatch, TopicStatus, now_ms
from connectd.runtime.validation import ConnectorConfigValidator
from connectd.runtime.worker import Worker
from connectd.v1 import worker_pb2, worker_pb2_grpc
from services import convert
from services.coordinator.client import CoordinatorMembership
from services.grpc_support import GrpcServer
from services.offset_store.client import RemoteOffsetBackend, offset_topic
from services.worker.admin_rpcs import WorkerAdminRpcs

log = logging.getLogger("connectd.worker")

_MAX_BACKOFF_S = 2.0


class WorkerStartupError(RuntimeError):
    """A one-line reason the worker cannot start."""


# A state transition (connector, task or None, state, generation), or a task's new active topic.
_Report = tuple[str, int | None, StateInfo, int] | TopicStatus


class StatusReporter:
    """A :class:`StatusListener` that ships transitions to the coordinator in order, retrying."""

    def __init__(self, membership: CoordinatorMembership, generation: Callable[[], int]) -> None:
        self._membership = membership
        self._generation = generation
        self._queue: queue.Queue[_Report | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="status-reporter", daemon=True)
        self._closed = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def connector_state(self, connector: str, state: StateInfo) -> None:
        self._queue.put((connector, None, state, self._generation()))

    def task_state(self, task: TaskId, state: StateInfo) -> None:
        self._queue.put((task.connector, task.task, state, self._generation()))

    def topic_active(self, connector: str, topic: str, task: int) -> None:
        self._queue.put(TopicStatus(topic, connector, task, now_ms()))

    def _run(self) -> None:
        backoff = 0.1
        batch: list[_Report] = []
        while True:
            if not batch:
                item = self._queue.get()
                if item is None:
                    return
                batch.append(item)
            while len(batch) < 100:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._closed.set()
                    break
                batch.append(item)
            try:
                self._membership.report_status(
                    [r for r in batch if not isinstance(r, TopicStatus)],
                    [r for r in batch if isinstance(r, TopicStatus)],
                )
                batch = []
                backoff = 0.1
            except ConnectdError as exc:
                if self._closed.is_set():
                    return
                log.debug("status report failed (%s); retrying", exc)
                self._closed.wait(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_S)
            if self._closed.is_set() and not batch:
                return

    def stop(self, timeout: float = 5.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)
        self._closed.set()


class WorkerServicer(WorkerAdminRpcs, worker_pb2_grpc.WorkerServiceServicer):
    def __init__(
        self,
        worker: Worker,
        applier: AssignmentApplier,
        registry: PluginRegistry,
        group_id: str | None = None,
    ) -> None:
        self._worker = worker
        self._applier = applier
        self._registry = registry
        self._validator = ConnectorConfigValidator(registry, worker_group_id=group_id)

    def ValidateConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        config = convert.config_entries_from_pb(request.config)
        check_validate_request(request.plugin, config)
        infos = self._validator.validate(config)
        return worker_pb2.ValidateConfigResponse(result=convert.config_infos_to_pb(infos))

    def RestartTask(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._applier.restart_task(convert.task_id_from_pb(request.id))
        return worker_pb2.RestartTaskResponse()

    def RestartConnector(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._applier.restart_connector(request.name)
        return worker_pb2.RestartConnectorResponse()

    def DescribeTasks(self, request: Any, context: grpc.ServicerContext) -> Any:
        connectors, tasks = self._applier.running()
        details = []
        for task_id in tasks:
            runner = self._worker.runner(task_id)
            details.append(
                worker_pb2.TaskDetails(
                    id=convert.task_id_to_pb(task_id),
                    state=convert.state_to_pb(runner.state) if runner is not None else 0,
                    start_count=self._worker.task_starts.get(task_id, 0),
                )
            )
        return worker_pb2.DescribeTasksResponse(
            worker_id=self._worker.worker_id,
            applied_generation=self._applier.applied_generation,
            connectors=[worker_pb2.ConnectorDetails(name=n) for n in connectors],
            tasks=details,
        )


class GroupMembership:
    """Register, then keep the lease and the assignment stream alive until stopped."""

    def __init__(
        self,
        membership: CoordinatorMembership,
        applier: AssignmentApplier,
        address: str,
        registry: PluginRegistry,
        storage: StorageTopics,
        on_topic_resets: Callable[[int], None] | None = None,
    ) -> None:
        self._rpc = membership
        self._applier = applier
        # Told the coordinator's active-topic reset count after each heartbeat.
        self._on_topic_resets = on_topic_resets
        self._address = address
        self._plugins = list_plugins(registry, connectors_only=False)
        self._storage = storage
        self._stop = threading.Event()
        self._registered = threading.Event()
        # Register and heartbeat one at a time: no heartbeat carries a generation of an older membership.
        self._membership_lock = threading.Lock()
        self._heartbeat_s = 1.0
        self._threads = [
            threading.Thread(target=self._watch_loop, name="assignments", daemon=True),
            threading.Thread(target=self._heartbeat_loop, name="heartbeat", daemon=True),
        ]
        self.refused: str | None = None

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def _register(self) -> None:
        """Register (again), retrying with backoff; a refusal (wrong storage topics) is fatal."""
        backoff = 0.1
        while not self._stop.is_set():
            connectors, tasks = self._applier.running()
            try:
                with self._membership_lock:
                    # A new membership: the coordinator numbers its generations afresh (it may have
                    # restarted), so the last one applied under the old membership means nothing now.
                    self._applier.reset_generation()
                    response = self._rpc.register(
                        self._address, self._plugins, self._storage, connectors, tasks
                    )
                self._heartbeat_s = max(0.05, response.heartbeat_interval_ms / 1000)
                self._registered.set()
                log.info(
                    "registered with the coordinator (%d connectors, %d tasks running)",
                    len(connectors),
                    len(tasks),
                )
                return
            except FailedPreconditionError as exc:
                self.refused = str(exc)
                log.error("refused by the coordinator: %s", exc)
                self._stop.set()
                return
            except ConnectdError as exc:
                log.warning("cannot register with the coordinator (%s); retrying in %.1fs", exc, backoff)
            self._stop.wait(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF_S)

    def _watch_loop(self) -> None:
        self._register()
        backoff = 0.1
        while not self._stop.is_set():
            try:
                for assignment in self._rpc.watch():
                    backoff = 0.1
                    self._applier.apply(assignment)
                    if self._stop.is_set():
                        return
            except NotFoundError:
                self._registered.clear()
                self._register()
                continue
            except ConnectdError as exc:
                if self._stop.is_set():
                    return
                log.warning("assignment stream broken (%s); tasks keep running, retrying", exc)
            self._stop.wait(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF_S)

    def _heartbeat_loop(self) -> None:
        while not self._stop.wait(self._heartbeat_s):
            if not self._registered.is_set():
                continue
            try:
                with self._membership_lock:
                    response = self._rpc.heartbeat(self._applier.applied_generation)
                if self._on_topic_resets is not None:
                    self._on_topic_resets(response.topic_resets)
            except NotFoundError:
                # The coordinator forgot us (it restarted, or declared us dead): the assignment
                # stream fails the same way, and the watch loop registers again.
                self._registered.clear()
            except ConnectdError as exc:
                log.debug("heartbeat failed: %s", exc)

    def wait_stopped(self, timeout: float) -> bool:
        return self._stop.wait(timeout)

    def stop(self) -> None:
        """Stop the loops; the lease still covers the work until :meth:`leave`."""
        self._stop.set()

    def leave(self) -> None:
        try:
            self._rpc.leave()
        except ConnectdError as exc:
            log.info("could not leave the group cleanly: %s", exc)


def _required(config: WorkerConfig, *keys: str) -> None:
    missing = [k for k in keys if not config[k]]
    if missing:
        raise WorkerStartupError(f"distributed mode requires {', '.join(missing)}")


def serve_worker(config: WorkerConfig, stop: threading.Event) -> int:
    _required(
        config,
        "group.id",
        "bootstrap.servers",
        "config.storage.topic",
        "offset.storage.topic",
        "status.storage.topic",
    )
    group_id = config["group.id"]
    timeout = int(config["request.timeout.ms"]) / 1000
    server = GrpcServer(config["grpc.host"], config.grpc_listen_port("worker"), role="worker")
    advertised_host = config["grpc.advertised.host"] or (
        config["grpc.host"] if config["grpc.host"] not in ("0.0.0.0", "::", "") else "localhost"
    )
    worker_id = f"{advertised_host}:{server.port}"
    storage = StorageTopics(
        config["config.storage.topic"], config["offset.storage.topic"], config["status.storage.topic"]
    )
    registry = PluginRegistry.discover(config["plugin.path"] or [])
    offsets = RemoteOffsetBackend(config["offset.store.address"], offset_topic(config), timeout_s=timeout)
    offsets.start()
    membership = CoordinatorMembership(config["coordinator.address"], group_id, worker_id, timeout)
    # The generation is read when a transition is reported, by then ``applier`` exists.
    reporter = StatusReporter(membership, lambda: applier.applied_generation)
    worker = Worker(worker_id, config, registry, offsets, reporter)
    applier = AssignmentApplier(worker, membership.submit_task_configs)
    server.add(
        worker_pb2_grpc.add_WorkerServiceServicer_to_server,
        WorkerServicer(worker, applier, registry, group_id),
        worker_pb2.DESCRIPTOR.services_by_name["WorkerService"].full_name,
    )
    server.start()
    reporter.start()
    group = GroupMembership(
        membership,
        applier,
        worker_id,
        registry,
        storage,
        on_topic_resets=TopicResetWatch(worker.forget_active_topics).observe,
    )
    group.start()
    log.info("worker %s of group %s serving gRPC on port %d", worker_id, group_id, server.port)
    try:
        while not stop.wait(0.2):
            if group.wait_stopped(0):
                break
    finally:
        log.info("worker stopping: leaving the group, final offset flush")
        group.stop()
        # Stop our work before leaving: the group hands it on only once we are gone.
        applier.stop()
        reporter.stop()
        if not group.refused:
            group.leave()
        offsets.stop()
        membership.close()
        server.stop()
    if group.refused:
        raise WorkerStartupError(group.refused)
    return 0
