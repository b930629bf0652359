"""The coordinator core: any number of isolated groups, created when their first worker registers.

It does no networking itself: the stores of a group come from an injected factory (Kafka topics in
production), and config validation from an injected function that asks a worker having the plugin
(a gRPC call in production). The gRPC servicer is a thin adapter over this class.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectd.cluster.assignor import WorkAssignment
from connectd.cluster.group import Group, GroupSettings, MemberAssignment, StorageTopics
from connectd.errors import BadRequestError, UnavailableError
from connectd.runtime import connector_config as cc
from connectd.runtime.model import (
    ConnectorInfo,
    PluginInfo,
    StateInfo,
    TargetState,
    TaskId,
)
from connectd.runtime.validation import java_map_string, raise_if_invalid
from connectd.storage.config_store import ConfigStore
from connectd.storage.status_store import StatusStore

log = logging.getLogger(__name__)

StoreFactory = Callable[[str, StorageTopics], tuple[ConfigStore, StatusStore]]
"""(group id, storage topics) -> the group's config and status stores, not started."""

RemoteValidator = Callable[[str, str, Mapping[str, str | None]], dict[str, Any]]
"""(worker address, plugin, config) -> Connect's ConfigInfos, computed by that worker."""


@dataclass(frozen=True, slots=True)
class StatusReport:
    connector: str
    task: int | None
    state: StateInfo
    generation: int


class Coordinator:
    def __init__(
        self,
        stores: StoreFactory,
        validator: RemoteValidator,
        settings: GroupSettings,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._stores = stores
        self._validator = validator
        self._clock = clock
        self._lock = threading.Lock()
        self._groups: dict[str, Group] = {}
        # Woken on every pushed assignment; assignment watchers wait on it.
        self._pushed = threading.Condition()

    # --- groups ----------------------------------------------------------------------------------

    def group(self, group_id: str) -> Group:
        with self._lock:
            group = self._groups.get(group_id)
        if group is None:
            raise UnavailableError(
                f"No worker of group {group_id} has registered with this coordinator yet; "
                "start a worker with group.id=" + group_id
            )
        return group

    def _group_for_register(self, group_id: str, storage: StorageTopics) -> Group:
        with self._lock:
            group = self._groups.get(group_id)
            if group is None:
                # First contact: rebuild the group from its config and status topics.
                configs, statuses = self._stores(group_id, storage)
                group = Group(
                    group_id, storage, configs, statuses, self.settings, self._notify, self._clock()
                )
                self._groups[group_id] = group
            return group

    def _notify(self, _worker_id: str, _assignment: MemberAssignment) -> None:
        with self._pushed:
            self._pushed.notify_all()

    def group_ids(self) -> list[str]:
        with self._lock:
            return sorted(self._groups)

    def close(self) -> None:
        with self._lock:
            groups, self._groups = list(self._groups.values()), {}
        for group in groups:
            group.close()
        with self._pushed:
            self._pushed.notify_all()

    # --- membership ------------------------------------------------------------------------------

    def register(
        self,
        group_id: str,
        worker_id: str,
        address: str,
        plugins: Sequence[PluginInfo],
        storage: StorageTopics,
        running_connectors: Sequence[str] = (),
        running_tasks: Sequence[TaskId] = (),
    ) -> GroupSettings:
        _require("group_id", group_id)
        _require("worker_id", worker_id)
        group = self._group_for_register(group_id, storage)
        running = WorkAssignment(frozenset(running_connectors), frozenset(running_tasks))
        group.register(worker_id, address, plugins, storage, running, self._clock())
        return self.settings

    def heartbeat(self, group_id: str, worker_id: str, applied_generation: int) -> int:
        return self.group(group_id).heartbeat(worker_id, applied_generation, self._clock())

    def leave(self, group_id: str, worker_id: str) -> None:
        self.group(group_id).leave(worker_id)

    def next_assignment(
        self, group_id: str, worker_id: str, after_generation: int | None, timeout: float
    ) -> MemberAssignment | None:
        """The worker's latest assignment once it is newer than ``after_generation`` (None: the
        current one at once); None when ``timeout`` passes first. Raises NotFoundError if the
        worker is no longer a member."""
        deadline = time.monotonic() + timeout
        with self._pushed:
            while True:
                latest = self.group(group_id).assignment(worker_id)
                if after_generation is None or latest.generation > after_generation:
                    return latest
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._pushed.wait(remaining)

    def tick(self) -> None:
        now = self._clock()
        with self._lock:
            groups = list(self._groups.values())
        for group in groups:
            group.tick(now)

    def report_status(self, group_id: str, reports: Sequence[StatusReport]) -> None:
        group = self.group(group_id)
        for report in reports:
            if report.task is None:
                group.report_connector_state(report.connector, report.state, report.generation)
            else:
                group.report_task_state(
                    TaskId(report.connector, report.task), report.state, report.generation
                )

    def submit_task_configs(
        self, group_id: str, worker_id: str, connector: str, configs: Sequence[Mapping[str, str]]
    ) -> None:
        self.group(group_id).submit_task_configs(worker_id, connector, configs)

    # --- control ---------------------------------------------------------------------------------

    def validate(self, group_id: str, plugin: str, config: Mapping[str, str | None]) -> dict[str, Any]:
        member = self.group(group_id).worker_with_plugin(plugin)
        return self._validator(member.address, plugin, config)

    def _ensure_valid(self, group_id: str, config: Mapping[str, str]) -> None:
        class_name = config.get(cc.CONNECTOR_CLASS)
        if not class_name:
            raise BadRequestError(f"Connector config {java_map_string(config)} contains no connector type")
        raise_if_invalid(self.validate(group_id, class_name, config))

    def create_connector(
        self, group_id: str, name: str, config: Mapping[str, str], initial_state: TargetState
    ) -> ConnectorInfo:
        _require("name", name)
        config = {**config, cc.NAME: config.get(cc.NAME, name)}
        group = self.group(group_id)
        self._ensure_valid(group_id, config)
        return group.create_connector(name, config, initial_state)

    def put_connector_config(
        self, group_id: str, name: str, config: Mapping[str, str]
    ) -> tuple[bool, ConnectorInfo]:
        _require("name", name)
        config = {**config, cc.NAME: config.get(cc.NAME, name)}
        group = self.group(group_id)
        self._ensure_valid(group_id, config)
        return group.put_connector_config(name, config)


def _require(field: str, value: str) -> None:
    if not value:
        raise BadRequestError(f"{field} is required")
