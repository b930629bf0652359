"""The coordinator core: any number of isolated groups, created when their first worker registers.

It does no networking itself: the stores of a group come from an injected factory (Kafka topics in
production), and calls on workers (validation on a worker having the plugin, restarts on the owner) from an
injected ``RemoteWorkers`` (gRPC in production). The gRPC servicer is a thin adapter over this class.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from connectd.cluster.assignments import MemberAssignment, StorageTopics
from connectd.cluster.coordinator_port import StatusUpdate
from connectd.cluster.group import Group, GroupSettings
from connectd.control.messages import NO_OWNER
from connectd.errors import BadRequestError, ConflictError, ConnectdError, NotFoundError, UnavailableError
from connectd.runtime import connector_config as cc
from connectd.runtime.model import (
    ConnectorInfo,
    ConnectorStateInfo,
    PluginInfo,
    TargetState,
    TaskId,
)
from connectd.runtime.topic_tracking import TopicStatus
from connectd.runtime.validation import java_map_string, raise_if_invalid
from connectd.storage.config_store import ConfigStore
from connectd.storage.status_store import StatusStore

log = logging.getLogger(__name__)

StoreFactory = Callable[[str, StorageTopics], tuple[ConfigStore, StatusStore]]
"""(group id, storage topics) -> the group's config and status stores, not started."""


class RemoteWorkers(Protocol):
    """Calls the coordinator makes on one worker, by its address (gRPC in production)."""

    def validate(self, address: str, plugin: str, config: Mapping[str, str | None]) -> dict[str, Any]:
        """Connect's ConfigInfos, computed by that worker with its plugins."""

    def restart_connector(self, address: str, name: str) -> None: ...

    def restart_task(self, address: str, task: TaskId) -> None: ...

    def plugin_config(self, address: str, plugin: str, version: str | None) -> list[dict[str, Any]]:
        """Connect's ConfigKeyInfo list of a plugin, from that worker's plugins."""

    def set_logger_level(self, address: str, logger: str, level: str) -> list[str]:
        """Sets a logger level in that worker's process; the loggers whose level changed."""


@dataclass(frozen=True, slots=True)
class Admission:
    """A worker's registration accepted: the group's timings, and the session its later calls present."""

    settings: GroupSettings
    session: str


class Coordinator:
    def __init__(
        self,
        stores: StoreFactory,
        workers: RemoteWorkers,
        settings: GroupSettings,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self._stores = stores
        self._workers = workers
        self._clock = clock
        # Task epochs of this incarnation start above any a previous one issued: its start time in ms,
        # shifted past the most epochs one incarnation could issue per millisecond it ran.
        self._epoch_base = int(wall_clock() * 1000) << 20
        self._lock = threading.Lock()
        self._groups: dict[str, Group] = {}
        # Woken on every pushed assignment; assignment watchers wait on it. Pushes happen under a
        # group's lock, so a watcher never holds this one while it reads a group: it compares counts.
        self._pushed = threading.Condition()
        self._push_count = 0

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
                    group_id, storage, configs, statuses, self.settings, self._notify, self._clock(),
                    self._epoch_base,
                )  # fmt: skip
                self._groups[group_id] = group
            return group

    def _member_group(self, group_id: str, worker_id: str) -> Group:
        """The group of a member's call. A group this coordinator does not know (it restarted) has no
        members yet: NotFoundError tells the worker to register again, which rebuilds the group."""
        with self._lock:
            group = self._groups.get(group_id)
        if group is None:
            raise NotFoundError(f"Worker {worker_id} is not a member of group {group_id}; register again")
        return group

    def _notify(self, _worker_id: str, _assignment: MemberAssignment) -> None:
        with self._pushed:
            self._push_count += 1
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
        running_tasks: Mapping[TaskId, int] | None = None,
    ) -> Admission:
        """``running_tasks``: the tasks the worker runs already, each with its copy's epoch."""
        _require("group_id", group_id)
        _require("worker_id", worker_id)
        group = self._group_for_register(group_id, storage)
        session = group.register(
            worker_id, address, plugins, storage, running_connectors, running_tasks or {}, self._clock()
        )
        return Admission(self.settings, session)

    # Every call of a member presents the session its registration returned.

    def heartbeat(self, group_id: str, worker_id: str, session: str, applied_generation: int) -> int:
        group = self._member_group(group_id, worker_id)
        return group.heartbeat(worker_id, session, applied_generation, self._clock())

    def leave(self, group_id: str, worker_id: str, session: str) -> None:
        self.group(group_id).leave(worker_id, session)

    def next_assignment(
        self, group_id: str, worker_id: str, session: str, after_generation: int | None, timeout: float
    ) -> MemberAssignment | None:
        """The worker's latest assignment once it is newer than ``after_generation`` (None: the
        current one at once); None when ``timeout`` passes first. Raises NotFoundError if the
        worker is no longer a member."""
        deadline = time.monotonic() + timeout
        while True:
            with self._pushed:
                seen = self._push_count
            latest = self._member_group(group_id, worker_id).assignment(worker_id, session)
            if after_generation is None or latest.generation > after_generation:
                return latest
            with self._pushed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                if self._push_count == seen:
                    self._pushed.wait(remaining)

    def tick(self) -> None:
        now = self._clock()
        with self._lock:
            groups = list(self._groups.values())
        for group in groups:
            group.tick(now)

    def report_status(
        self,
        group_id: str,
        worker_id: str,
        session: str,
        reports: Sequence[StatusUpdate],
        topics: Sequence[TopicStatus] = (),
    ) -> None:
        """From a member, about instances it may be running (see Group.report)."""
        self._member_group(group_id, worker_id).report(worker_id, session, reports, topics)

    def submit_task_configs(
        self,
        group_id: str,
        worker_id: str,
        session: str,
        connector: str,
        configs: Sequence[Mapping[str, str]],
    ) -> None:
        self._member_group(group_id, worker_id).submit_task_configs(worker_id, session, connector, configs)

    # --- control ---------------------------------------------------------------------------------

    def validate(self, group_id: str, plugin: str, config: Mapping[str, str | None]) -> dict[str, Any]:
        member = self.group(group_id).worker_with_plugin(plugin)
        return self._workers.validate(member.address, plugin, config)

    def plugin_config(self, group_id: str, plugin: str, version: str | None) -> list[dict[str, Any]]:
        member = self.group(group_id).worker_with_plugin(plugin)
        return self._workers.plugin_config(member.address, plugin, version)

    def set_worker_logger_levels(self, group_id: str, logger: str, level: str) -> tuple[list[str], list[str]]:
        """Cluster-scope logger level on every live worker of the group, in parallel: the ids of the
        workers that applied it and of those that could not be reached (logged, not an error: the
        others must not wait on or fail for one unreachable worker)."""
        with self._lock:
            group = self._groups.get(group_id)
        # A group no worker has joined yet has no process to reach: nothing to do, not an error.
        live = [m for m in group.members() if m.lost_at is None] if group is not None else []
        applied: list[str] = []
        failed: list[str] = []
        with ThreadPoolExecutor(max_workers=max(1, min(8, len(live))), thread_name_prefix="loggers") as pool:
            set_level = self._workers.set_logger_level
            calls = {m.worker_id: pool.submit(set_level, m.address, logger, level) for m in live}
            for worker_id, call in calls.items():
                try:
                    call.result()
                    applied.append(worker_id)
                except ConnectdError as exc:
                    log.warning("group %s: worker %s kept its logger levels: %s", group_id, worker_id, exc)
                    failed.append(worker_id)
        return sorted(applied), sorted(failed)

    def _ensure_valid(self, group_id: str, config: Mapping[str, str]) -> None:
        class_name = config.get(cc.CONNECTOR_CLASS)
        if not class_name:
            raise BadRequestError(f"Connector config {java_map_string(config)} contains no connector type")
        raise_if_invalid(self.validate(group_id, class_name, config))

    def create_connector(
        self, group_id: str, name: str, config: Mapping[str, str], initial_state: TargetState
    ) -> ConnectorInfo:
        config = cc.with_name(config, name)
        group = self.group(group_id)
        # Validation first: an empty name is an invalid ``name`` config (400 listing it), as in Kafka.
        self._ensure_valid(group_id, config)
        _require("name", name)
        return group.create_connector(name, config, initial_state)

    def put_connector_config(
        self, group_id: str, name: str, config: Mapping[str, str]
    ) -> tuple[bool, ConnectorInfo]:
        config = cc.with_name(config, name)
        group = self.group(group_id)
        self._ensure_valid(group_id, config)
        _require("name", name)
        return group.put_connector_config(name, config)

    def patch_connector_config(
        self, group_id: str, name: str, patch: Mapping[str, str | None]
    ) -> ConnectorInfo:
        group = self.group(group_id)
        merged = cc.merge_config_patch(group.connector_config(name), patch)
        return self.put_connector_config(group_id, name, merged)[1]

    def restart_connector(
        self, group_id: str, name: str, include_tasks: bool, only_failed: bool
    ) -> ConnectorStateInfo:
        """KIP-745: the owners restart what the plan selected, shown RESTARTING meanwhile. A plain
        restart (no flags) is synchronous: 409 while the connector has no owner, the worker's error
        if it fails. With flags an unassigned instance is skipped (it starts fresh when assigned)."""
        group = self.group(group_id)
        plan, owners = group.plan_restart(name, include_tasks, only_failed)
        plain = not include_tasks and not only_failed
        if plain and plan.connector and owners.connector is None:
            raise ConflictError(NO_OWNER)
        group.record_states(plan.snapshot, plan.connector, plan.tasks)
        failures: list[ConnectdError] = []

        def hand_over(
            address: str | None, call: Callable[[str], None], connector: bool, tasks: tuple[int, ...]
        ) -> None:
            try:
                if address is None:
                    raise ConflictError(NO_OWNER)
                call(address)
            except ConnectdError as exc:
                # Not restarted: show what it was, not a RESTARTING that nothing would end.
                group.record_states(plan.previous, connector, tasks)
                failures.append(exc)

        if plan.connector:
            hand_over(owners.connector, lambda a: self._workers.restart_connector(a, name), True, ())
        for index in plan.tasks:
            task = TaskId(name, index)
            hand_over(
                owners.tasks[index], lambda a, t=task: self._workers.restart_task(a, t), False, (index,)
            )
        if plain and failures:
            raise failures[0]
        return plan.snapshot

    def restart_task(self, group_id: str, task: TaskId) -> None:
        self._workers.restart_task(self.group(group_id).task_owner(task), task)


def _require(field: str, value: str) -> None:
    if not value:
        raise BadRequestError(f"{field} is required")
