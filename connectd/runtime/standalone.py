"""The control plane of a standalone worker: one worker, every operation synchronous (as Kafka's
standalone herder does). The connector table, the status rule and the messages are the ones the
coordinator uses (:mod:`connectd.control`): the two modes differ in wiring, never in answers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from connectd.control import messages
from connectd.control.connector_status import connector_status, task_status
from connectd.control.connector_table import ConfigChange, ConnectorTable
from connectd.errors import NotFoundError
from connectd.plugins.registry import PluginRegistry
from connectd.runtime import connector_config as cc
from connectd.runtime.connector_offsets import ConnectorOffset, ConnectorOffsetsManager
from connectd.runtime.health import HealthCheck, WorkerStatus
from connectd.runtime.logger_levels import LoggerAdmin
from connectd.runtime.model import (
    ConnectorInfo,
    ConnectorStateInfo,
    ConnectorType,
    PluginInfo,
    ServerInfo,
    StateInfo,
    TargetState,
    TaskId,
    TaskInfo,
)
from connectd.runtime.plugin_config import plugin_config_keys
from connectd.runtime.plugin_listing import check_validate_request, list_plugins
from connectd.runtime.restarts import plan_restart
from connectd.runtime.status import MemoryStatusStore
from connectd.runtime.validation import ConnectorConfigValidator
from connectd.runtime.worker import Worker

log = logging.getLogger(__name__)


class StandaloneControlPlane(LoggerAdmin):
    """Implements :class:`connectd.runtime.control.ConnectControl` over one in-process worker."""

    def __init__(
        self,
        worker: Worker,
        registry: PluginRegistry,
        statuses: MemoryStatusStore,
        server_info: ServerInfo,
    ) -> None:
        self._worker = worker
        self._registry = registry
        self._validator = ConnectorConfigValidator(
            registry, config_providers=worker.config_providers, client_policy=worker.client_policy
        )
        self._statuses = statuses
        self._server_info = server_info
        self._lock = threading.RLock()
        self._table = ConnectorTable()
        # Connectors ask for reconfiguration from their own threads: handle it off those threads.
        self._reconfigure_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reconfigure")
        self._offsets = ConnectorOffsetsManager(worker.config, worker.offsets, registry)
        self._started = threading.Event()
        self._health = HealthCheck(self._probe_health, started=self._started.is_set)

    # --- reads -----------------------------------------------------------------------------------

    def server_info(self) -> ServerInfo:
        return self._server_info

    def connector_names(self) -> list[str]:
        with self._lock:
            return self._table.names()

    def _type(self, name: str) -> ConnectorType:
        class_name = self._table.config(name).get(cc.CONNECTOR_CLASS, "")
        return ConnectorType(self._registry.connector_type(class_name))

    def _owner(self, _unit: str | TaskId) -> str:
        return self._worker.worker_id

    def connector_info(self, name: str) -> ConnectorInfo:
        with self._lock:
            return self._table.info(name, self._type(name))

    def connector_config(self, name: str) -> dict[str, str]:
        with self._lock:
            return dict(self._table.config(name))

    def connector_status(self, name: str) -> ConnectorStateInfo:
        with self._lock:
            connectors, tasks = self._statuses.states()
            connector_type = self._type(name) if name in self._table else ConnectorType.UNKNOWN
            return connector_status(self._table, name, connectors, tasks, self._owner, connector_type)

    def connector_statuses(self) -> dict[str, ConnectorStateInfo]:
        with self._lock:
            return {name: self.connector_status(name) for name in self._table.names()}

    def task_infos(self, name: str) -> list[TaskInfo]:
        with self._lock:
            return self._table.task_infos(name)

    def plugins(self, connectors_only: bool = True) -> list[PluginInfo]:
        return list_plugins(self._registry, connectors_only)

    def validate_config(self, plugin: str, config: Mapping[str, str | None]) -> dict[str, Any]:
        check_validate_request(plugin, config)
        return self._validator.validate(config)

    def plugin_config(self, plugin: str, version: str | None = None) -> list[dict[str, Any]]:
        return plugin_config_keys(self._registry, plugin, version)

    # --- health ----------------------------------------------------------------------------------

    def mark_started(self) -> None:
        """Startup is over: the connectors given on the command line have been created."""
        self._started.set()

    def health(self) -> WorkerStatus:
        return self._health.check()

    def _probe_health(self, timeout_s: float) -> str | None:
        # Every operation takes the lock: one that cannot get it in time means a stuck control plane.
        if not self._started.is_set():
            return "The connectors given on the command line are still being created."
        if not self._lock.acquire(timeout=timeout_s):
            return f"The control plane has been busy with another operation for over {timeout_s:g}s."
        self._lock.release()
        return None

    # --- writes ----------------------------------------------------------------------------------

    def _apply(self, change: ConfigChange) -> None:
        self._table.apply(change)
        if change.task_configs is not None:
            self._statuses.remove_tasks(change.name, keep=len(change.task_configs))

    def create_connector(
        self, name: str, config: Mapping[str, str], initial_state: TargetState = TargetState.STARTED
    ) -> ConnectorInfo:
        config = cc.with_name(config, name)
        with self._lock:
            change = self._table.plan_create(name, config, initial_state)
            self._validator.ensure_valid(config)
            self._apply(change)
            log.info("connector %s created (%s)", name, initial_state.value)
            self._start_connector(name)
            return self.connector_info(name)

    def put_connector_config(self, name: str, config: Mapping[str, str]) -> tuple[bool, ConnectorInfo]:
        config = cc.with_name(config, name)
        with self._lock:
            self._validator.ensure_valid(config)
            created, change = self._table.plan_put(name, config)
            if not created:
                self._stop_connector(name)
            self._apply(change)
            log.info("connector %s %s", name, "created" if created else "reconfigured")
            self._start_connector(name)
            return created, self.connector_info(name)

    def delete_connector(self, name: str) -> None:
        with self._lock:
            change = self._table.plan_delete(name)
            self._stop_connector(name)
            self._apply(change)
            self._statuses.remove(name)
            log.info("connector %s deleted", name)

    def patch_connector_config(self, name: str, patch: Mapping[str, str | None]) -> ConnectorInfo:
        with self._lock:
            merged = cc.merge_config_patch(self._table.config(name), patch)
            return self.put_connector_config(name, merged)[1]

    # --- lifecycle -------------------------------------------------------------------------------

    def connector_target_state(self, name: str) -> TargetState:
        with self._lock:
            return self._table.target(name)

    def _set_target(self, name: str, target: TargetState) -> TargetState | None:
        """Apply a target state by the table's rule; the previous one, or None if nothing changed."""
        change = self._table.plan_target(name, target)
        if change is None:
            return None
        previous = self._table.target(name)
        self._apply(change)
        return previous

    def pause_connector(self, name: str) -> None:
        with self._lock:
            previous = self._set_target(name, TargetState.PAUSED)
            if previous is None:
                return
            if previous is TargetState.STOPPED:
                # Kafka lets a stopped connector be paused: it stays without tasks, now reported PAUSED.
                self._start_connector(name)
                return
            config = self._table.config(name)
            self._worker.transition_connector(name, config, TargetState.PAUSED, self._request_reconfiguration)
            self._worker.set_tasks_target(self._worker.task_ids(name), TargetState.PAUSED)
            log.info("connector %s paused", name)

    def resume_connector(self, name: str) -> None:
        with self._lock:
            previous = self._set_target(name, TargetState.STARTED)
            if previous is None:
                return
            log.info("connector %s resumed (was %s)", name, previous.value)
            self._worker.set_tasks_target(self._worker.task_ids(name), TargetState.STARTED)
            if self._worker.transition_connector(
                name, self._table.config(name), TargetState.STARTED, self._request_reconfiguration
            ):
                self._reconfigure_tasks(name)

    def stop_connector(self, name: str) -> None:
        with self._lock:
            self._set_target(name, TargetState.STOPPED)
            self._stop_connector(name)
            self._start_connector(name)
            log.info("connector %s stopped", name)

    def restart_connector(
        self, name: str, include_tasks: bool = False, only_failed: bool = False
    ) -> ConnectorStateInfo:
        with self._lock:
            if name not in self._table:
                raise NotFoundError(messages.unknown_connector(name))
            plan = plan_restart(self.connector_status(name), include_tasks, only_failed)
            for index in plan.tasks:
                self._statuses.task_state(TaskId(name, index), plan.snapshot.tasks[index])
            if plan.connector:
                self._statuses.connector_state(name, plan.snapshot.connector)
                self._worker.stop_connector(name)
                self._start_connector(name, restart_tasks=False)
            for index in plan.tasks:
                self._restart_task(TaskId(name, index))
            return plan.snapshot

    def restart_task(self, task: TaskId) -> None:
        with self._lock:
            if task.connector not in self._table:
                raise NotFoundError(messages.unknown_connector(task.connector))
            if not self._table.has_task(task):
                raise NotFoundError(messages.unknown_task(task))
            self._restart_task(task)

    def _restart_task(self, task: TaskId) -> None:
        self._worker.stop_tasks([task])
        name = task.connector
        config = self._table.task_configs(name)[task.task]
        self._worker.start_task(task, self._table.config(name), config, self._table.target(name))

    def task_status(self, task: TaskId) -> StateInfo:
        with self._lock:
            return task_status(self._table, task, self._statuses.states()[1], self._owner)

    def _start_connector(self, name: str, restart_tasks: bool = True) -> None:
        """Start the connector in its target state: STOPPED has no tasks, PAUSED runs the tasks it
        has idle, STARTED (re)generates its task configs."""
        target, config = self._table.target(name), self._table.config(name)
        if self._worker.start_connector(name, config, self._request_reconfiguration, target):
            self._reconfigure_tasks(name)
        elif target is TargetState.PAUSED and restart_tasks and not self._worker.task_ids(name):
            for index, task_config in enumerate(self._table.task_configs(name)):
                self._worker.start_task(TaskId(name, index), config, task_config, target)

    def _stop_connector(self, name: str) -> None:
        self._worker.stop_tasks(self._worker.task_ids(name))
        self._worker.stop_connector(name)

    def _reconfigure_tasks(self, name: str) -> None:
        try:
            new_configs = self._worker.connector_task_configs(name)
        except Exception:
            return  # the worker reported the connector FAILED with its trace
        change = self._table.plan_task_configs(name, new_configs)
        if change is None and self._worker.task_ids(name):
            return
        self._worker.stop_tasks(self._worker.task_ids(name))
        if change is not None:
            self._apply(change)
        config = self._table.config(name)
        for index, task_config in enumerate(self._table.task_configs(name)):
            self._worker.start_task(TaskId(name, index), config, task_config)

    def _request_reconfiguration(self, name: str) -> None:
        def reconfigure() -> None:
            with self._lock:
                if name in self._table and self._worker.is_running(name):
                    self._reconfigure_tasks(name)

        self._reconfigure_pool.submit(reconfigure)

    # --- active topics (KIP-558); like Kafka, no existence check ---------------------------------------

    def active_topics(self, name: str) -> list[str]:
        self._worker.topic_tracking.check_enabled()
        return self._statuses.topics.topics(name)

    def reset_active_topics(self, name: str) -> None:
        self._worker.topic_tracking.check_reset_allowed()
        # The record first, then the trackers: a topic reported in between is only reported twice.
        self._statuses.topics.reset(name)
        self._worker.forget_active_topics(name)

    # --- offsets (KIP-875); under the lock so that no resume runs in between the check and the change --

    def connector_offsets(self, name: str) -> dict[str, Any]:
        return self._offsets.offsets(self, name)

    def alter_connector_offsets(self, name: str, offsets: Sequence[ConnectorOffset]) -> str:
        with self._lock:
            return self._offsets.alter(self, name, offsets)

    def reset_connector_offsets(self, name: str) -> str:
        with self._lock:
            return self._offsets.reset(self, name)

    def stop(self) -> None:
        """Graceful shutdown: every task stops and flushes its offsets, then every connector."""
        with self._lock:
            self._reconfigure_pool.shutdown(wait=False, cancel_futures=True)
            self._worker.stop()
