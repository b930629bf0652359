"""The control plane of a standalone worker: configs and target states in memory, one worker, every
operation synchronous (as Kafka's standalone herder does)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from connectd.errors import AlreadyExistsError, BadRequestError, NotFoundError
from connectd.plugins.registry import PluginRegistry
from connectd.runtime import connector_config as cc
from connectd.runtime.model import (
    ConnectorInfo,
    ConnectorStateInfo,
    ConnectorType,
    PluginInfo,
    ServerInfo,
    State,
    StateInfo,
    TargetState,
    TaskId,
    TaskInfo,
)
from connectd.runtime.status import MemoryStatusStore
from connectd.runtime.validation import ConnectorConfigValidator
from connectd.runtime.worker import Worker

log = logging.getLogger(__name__)


_PLUGIN_ORDER = ("sink", "source", "converter", "header_converter", "transformation", "predicate")


def list_plugins(registry: PluginRegistry, connectors_only: bool) -> list[PluginInfo]:
    """Every plugin of a registry; converters are listed as header converters too, as Kafka does."""
    infos = [PluginInfo(p.class_name, p.type, p.version) for p in registry.plugins(("sink", "source"))]
    converters = registry.plugins(("converter",))
    infos += [PluginInfo(p.class_name, "converter", p.version) for p in converters]
    infos += [PluginInfo(p.class_name, "header_converter", p.version) for p in converters]
    return sort_plugins(infos, connectors_only)


def sort_plugins(plugins: Iterable[PluginInfo], connectors_only: bool) -> list[PluginInfo]:
    """Connect's order: sinks, sources, then converters and header converters, each by class name."""
    wanted = _PLUGIN_ORDER[:2] if connectors_only else _PLUGIN_ORDER
    unique = {(p.type, p.class_name): p for p in plugins if p.type in wanted}
    return sorted(unique.values(), key=lambda p: (wanted.index(p.type), p.class_name))


def check_validate_request(plugin: str, config: Mapping[str, str | None]) -> None:
    """``PUT /connector-plugins/{plugin}/config/validate``: the body's class must match the path."""
    class_name = config.get(cc.CONNECTOR_CLASS)
    if not class_name:
        return
    body = class_name.removesuffix("Connector")
    path = plugin.removesuffix("Connector")
    if not body.endswith(path):
        raise BadRequestError(f"Included connector type {class_name} does not match request type {plugin}")


class StandaloneControlPlane:
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
        self._validator = ConnectorConfigValidator(registry)
        self._statuses = statuses
        self._server_info = server_info
        self._lock = threading.RLock()
        self._configs: dict[str, dict[str, str]] = {}
        self._targets: dict[str, TargetState] = {}
        self._task_configs: dict[str, list[dict[str, str]]] = {}
        # Connectors ask for reconfiguration from their own threads: handle it off those threads.
        self._reconfigure_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reconfigure")

    # --- reads -----------------------------------------------------------------------------------

    def server_info(self) -> ServerInfo:
        return self._server_info

    def connector_names(self) -> list[str]:
        with self._lock:
            return list(self._configs)

    def _config(self, name: str) -> dict[str, str]:
        config = self._configs.get(name)
        if config is None:
            raise NotFoundError(f"Connector {name} not found")
        return config

    def _type(self, config: Mapping[str, str]) -> ConnectorType:
        return ConnectorType(self._registry.connector_type(config.get(cc.CONNECTOR_CLASS, "")))

    def connector_info(self, name: str) -> ConnectorInfo:
        with self._lock:
            config = self._config(name)
            tasks = [TaskId(name, i) for i in range(len(self._task_configs.get(name, [])))]
            return ConnectorInfo(name, dict(config), tasks, self._type(config))

    def connector_config(self, name: str) -> dict[str, str]:
        with self._lock:
            return dict(self._config(name))

    def connector_status(self, name: str) -> ConnectorStateInfo:
        with self._lock:
            config = self._configs.get(name)
            state = self._statuses.get_connector(name)
            if config is None or state is None:
                raise NotFoundError(f"No status found for connector {name}")
            task_count = len(self._task_configs.get(name, []))
            tasks = {i: s for i, s in self._statuses.get_tasks(name).items() if i < task_count}
            return ConnectorStateInfo(name, state, tasks, self._type(config))

    def task_infos(self, name: str) -> list[TaskInfo]:
        with self._lock:
            self._config(name)
            return [
                TaskInfo(TaskId(name, i), dict(c)) for i, c in enumerate(self._task_configs.get(name, []))
            ]

    def plugins(self, connectors_only: bool = True) -> list[PluginInfo]:
        return list_plugins(self._registry, connectors_only)

    def validate_config(self, plugin: str, config: Mapping[str, str | None]) -> dict[str, Any]:
        check_validate_request(plugin, config)
        return self._validator.validate(config)

    # --- writes ----------------------------------------------------------------------------------

    def create_connector(
        self, name: str, config: Mapping[str, str], initial_state: TargetState = TargetState.STARTED
    ) -> ConnectorInfo:
        config = {**config, cc.NAME: config.get(cc.NAME, name)}
        with self._lock:
            if name in self._configs:
                raise AlreadyExistsError(f"Connector {name} already exists")
            self._validator.ensure_valid(config)
            self._configs[name] = config
            self._targets[name] = initial_state
            log.info("connector %s created (%s)", name, initial_state.value)
            self._start_connector(name)
            return self.connector_info(name)

    def put_connector_config(self, name: str, config: Mapping[str, str]) -> tuple[bool, ConnectorInfo]:
        config = {**config, cc.NAME: config.get(cc.NAME, name)}
        with self._lock:
            self._validator.ensure_valid(config)
            created = name not in self._configs
            if not created:
                self._stop_connector(name)
            self._configs[name] = config
            self._targets.setdefault(name, TargetState.STARTED)
            log.info("connector %s %s", name, "created" if created else "reconfigured")
            self._start_connector(name)
            return created, self.connector_info(name)

    def delete_connector(self, name: str) -> None:
        with self._lock:
            self._config(name)
            self._stop_connector(name)
            del self._configs[name]
            self._targets.pop(name, None)
            self._task_configs.pop(name, None)
            self._statuses.remove(name)
            log.info("connector %s deleted", name)

    # --- lifecycle -------------------------------------------------------------------------------

    def _start_connector(self, name: str) -> None:
        if self._targets[name] is TargetState.STOPPED:
            self._task_configs[name] = []
            self._statuses.connector_state(name, StateInfo(State.STOPPED, self._worker.worker_id))
            return
        if self._worker.start_connector(name, self._configs[name], self._request_reconfiguration):
            self._reconfigure_tasks(name)

    def _stop_connector(self, name: str) -> None:
        self._worker.stop_tasks(self._worker.task_ids(name))
        self._worker.stop_connector(name)

    def _reconfigure_tasks(self, name: str) -> None:
        try:
            new_configs = self._worker.connector_task_configs(name)
        except Exception:
            return  # the worker reported the connector FAILED with its trace
        if new_configs == self._task_configs.get(name) and self._worker.task_ids(name):
            return
        self._worker.stop_tasks(self._worker.task_ids(name))
        self._statuses.remove_tasks(name, keep=len(new_configs))
        self._task_configs[name] = new_configs
        for index, task_config in enumerate(new_configs):
            self._worker.start_task(TaskId(name, index), self._configs[name], task_config)

    def _request_reconfiguration(self, name: str) -> None:
        def reconfigure() -> None:
            with self._lock:
                if name in self._configs and self._worker.is_running(name):
                    self._reconfigure_tasks(name)

        self._reconfigure_pool.submit(reconfigure)

    def stop(self) -> None:
        """Graceful shutdown: every task stops and flushes its offsets, then every connector."""
        with self._lock:
            self._reconfigure_pool.shutdown(wait=False, cancel_futures=True)
            self._worker.stop()
