"""One group (Kafka Connect's cluster) on the coordinator: the shell around the pure parts.

The connector table (:mod:`connectd.control.connector_table`), the status rule
(:mod:`connectd.control.connector_status`) and membership (:mod:`connectd.cluster.membership`) hold
every rule; this class only locks, persists and pushes:

* one short state lock guards them; nothing slow runs under it, so heartbeats, status reports and
  reads never wait on Kafka or on each other for long;
* config writes are serialized by a write lock and go to the config topic outside the state lock;
  a change is applied once the topic acknowledged it, or answered as not applied and withdrawn (a
  write that may still land late is followed by its undo);
* status writes go to the status topic in order, on a thread of their own;
* new assignments go to the listener after the state lock is released.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from connectd.cluster.assignment_content import AssignmentContent
from connectd.cluster.assignments import MemberAssignment, StorageTopics
from connectd.cluster.assignor import WorkAssignment
from connectd.cluster.coordinator_port import StatusUpdate
from connectd.cluster.membership import Member, Membership, MembershipSettings, Push, Units
from connectd.cluster.status_feed import StatusChanges, StatusDelta
from connectd.control import messages
from connectd.control.connector_status import connector_status, task_status
from connectd.control.connector_table import ConfigChange, ConnectorTable
from connectd.control.connector_types import ConnectorTypes, connector_type_of
from connectd.errors import (
    ConflictError,
    FailedPreconditionError,
    ForbiddenError,
    NotFoundError,
    UnavailableError,
)
from connectd.runtime import connector_config as cc
from connectd.runtime.model import (
    ConnectorInfo,
    ConnectorStateInfo,
    ConnectorType,
    PluginInfo,
    StateInfo,
    TargetState,
    TaskId,
    TaskInfo,
)
from connectd.runtime.restarts import RestartPlan, plan_restart
from connectd.runtime.topic_tracking import ActiveTopics, TopicStatus
from connectd.storage.config_store import ConfigStore
from connectd.storage.kafka_log import KafkaStoreError, KafkaWriteTimeoutError
from connectd.storage.status_store import StatusStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GroupSettings:
    heartbeat_interval_ms: int = 1000
    lease_timeout_ms: int = 5000
    # Kafka Connect's scheduled.rebalance.max.delay.ms: how long a lost worker's work waits for it.
    rebalance_delay_ms: int = 3000
    # How long a config write waits for the config topic before it is answered as not applied.
    write_timeout_ms: int = 5000


AssignmentListener = Callable[[str, MemberAssignment], None]


@dataclass(frozen=True, slots=True)
class MemberView:
    """One member as DescribeGroup shows it."""

    worker_id: str
    address: str
    generation: int
    applied_generation: int
    live: bool
    units: WorkAssignment
    epochs: Mapping[TaskId, int]


@dataclass(frozen=True, slots=True)
class RestartOwners:
    """Addresses of the workers that run what a restart selected (None: unassigned right now)."""

    connector: str | None
    tasks: dict[int, str | None]


class Group:
    def __init__(
        self,
        group_id: str,
        storage: StorageTopics,
        configs: ConfigStore,
        statuses: StatusStore,
        settings: GroupSettings,
        on_assignment: AssignmentListener,
        now: float,
        epoch_base: int = 0,
    ) -> None:
        self.group_id = group_id
        self.storage = storage
        self.settings = settings
        self._config_store = configs
        self._status_store = statuses
        self._on_assignment = on_assignment
        self._lock = threading.RLock()
        self._write_lock = threading.Lock()
        snapshot = configs.start()
        self._table = ConnectorTable(snapshot.connectors, snapshot.target_states, snapshot.task_configs)
        status = statuses.start()
        self._connector_states: dict[str, StateInfo] = status.connectors
        self._task_states: dict[str, dict[int, StateInfo]] = status.tasks
        # One thread: status records reach the topic in the order they were reported.
        self._status_writes = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"status-{group_id}")
        # KIP-558 active topics, persisted in the status topic.
        self.active_topics = ActiveTopics(
            status.topics,
            lambda s: self._write_status(statuses.put_topic_status, s),
            lambda c, t: self._write_status(statuses.remove_topic_statuses, c, t),
        )
        self._membership = Membership(
            MembershipSettings(settings.lease_timeout_ms, settings.rebalance_delay_ms),
            now,
            epoch_base,
            # After a coordinator restart workers still run their work: until they had a lease to come
            # back, hand out nothing that no member holds, or it could end up with two owners.
            settling=len(self._table) > 0,
        )
        self._content = AssignmentContent()
        self._assignments: dict[str, MemberAssignment] = {}
        self._plugins: dict[str, list[PluginInfo]] = {}
        self._types = ConnectorTypes()
        # Status watchers (the REST views) follow these versions instead of reading every status.
        self.status_changes = StatusChanges(epoch_base)
        self._membership_seen: tuple[tuple[str, bool, int], ...] = ()
        # Watchers wake together and ask for the same delta: computed once, for all of them.
        self._last_delta: tuple[int | None, StatusDelta] | None = None
        log.info("group %s loaded %d connectors from %s", group_id, len(self._table), storage.config_topic)

    def flush_status_writes(self) -> None:
        """Wait until every status reported so far reached the status store."""
        self._status_writes.submit(lambda: None).result()

    def close(self) -> None:
        self._status_writes.shutdown(wait=True)
        self._config_store.stop()
        self._status_store.stop()

    # --- shell mechanics -------------------------------------------------------------------------

    def _units(self) -> Units:
        return Units(self._table.names(), self._table.all_task_ids())

    def _collect(self, pushes: Iterable[Push]) -> list[tuple[str, MemberAssignment]]:
        """Under the lock: the assignments of new generations, built and recorded."""
        out = []
        for push in pushes:
            assignment = self._content.build(self._table, push.generation, push.units, dict(push.epochs))
            self._assignments[push.worker_id] = assignment
            out.append((push.worker_id, assignment))
        return out

    def _current_assignment(self, worker_id: str) -> MemberAssignment:
        """The member's latest assignment (its claim at generation 0 until anything was pushed)."""
        member = self._membership.member(worker_id)
        assignment = self._assignments.get(worker_id)
        if assignment is None or assignment.generation != member.generation:
            epochs = self._membership.epochs_of(member.latest.tasks)
            assignment = self._content.build(self._table, member.generation, member.latest, epochs)
            self._assignments[worker_id] = assignment
        return assignment

    def _note_membership(self) -> None:
        """Under the lock: every status may change when a member's liveness or assignment did (the
        owner of an unassigned instance) or a member left (its plugins resolved connector types)."""
        seen = tuple((m.worker_id, m.live, m.generation) for m in self._membership.members())
        if seen != self._membership_seen:
            self._membership_seen = seen
            self.status_changes.touch_all()

    def _emit(self, assignments: Sequence[tuple[str, MemberAssignment]]) -> None:
        for worker_id, assignment in assignments:
            self._on_assignment(worker_id, assignment)

    def _write_status(self, write: Callable[..., None], *args: Any) -> None:
        def run() -> None:
            try:
                write(*args)
            except KafkaStoreError as exc:
                log.warning("group %s: a status record was not written: %s", self.group_id, exc)

        self._status_writes.submit(run)

    def _persist(self, change: ConfigChange, undo: ConfigChange) -> None:
        """Write ``change`` to the config topic (under the write lock, never the state lock). Not
        acknowledged in time: withdrawn, and the caller is told it did not happen."""
        timeout_ms = self.settings.write_timeout_ms
        try:
            self._config_store.write(change, timeout_ms / 1000)
        except KafkaWriteTimeoutError:
            self._config_store.withdraw(undo)
            log.warning("group %s: %s not acknowledged in %d ms; withdrawn", self.group_id, change.describe(),
                        timeout_ms)  # fmt: skip
            raise UnavailableError(messages.write_not_applied(change.describe(), timeout_ms)) from None

    def _change(self, plan: Callable[[], ConfigChange | None]) -> ConfigChange | None:
        """Plan, persist, apply and rebalance one change; None when the plan changes nothing."""
        with self._write_lock:
            with self._lock:
                change = plan()
                if change is None:
                    return None
                undo = self._table.undo(change)
            self._persist(change, undo)
            with self._lock:
                self._table.apply(change)
                self._forget_states(change)
                pushes = self._collect(self._membership.rebalance(self._units(), [change.name]))
                self.status_changes.touch(change.name)
                self._note_membership()
        self._emit(pushes)
        return change

    def _forget_states(self, change: ConfigChange) -> None:
        """Statuses of what ``change`` removed: a deleted connector's, tasks that no longer exist."""
        name = change.name
        if change.delete:
            task_count = len(self._task_states.get(name, {}))
            self._connector_states.pop(name, None)
            self._task_states.pop(name, None)
            self._content.forget(name)
            self._write_status(self._status_store.remove_connector, name, task_count)
            self.active_topics.reset(name)  # as Kafka does on deletion
        elif change.task_configs is not None:
            tasks = self._task_states.get(name, {})
            for gone in [i for i in tasks if i >= len(change.task_configs)]:
                del tasks[gone]

    # --- membership ------------------------------------------------------------------------------

    def register(
        self,
        worker_id: str,
        address: str,
        plugins: Sequence[PluginInfo],
        storage: StorageTopics,
        connectors: Iterable[str],
        tasks: Mapping[TaskId, int],
        now: float,
    ) -> str:
        """Returns the session of this registration, which the member's later calls present."""
        if storage != self.storage:
            raise FailedPreconditionError(self._storage_mismatch(worker_id, storage))
        claimed = WorkAssignment(frozenset(connectors), frozenset(tasks))
        session = secrets.token_urlsafe(24)
        with self._lock:
            self._plugins[worker_id] = list(plugins)
            out = self._collect(
                self._membership.register(worker_id, address, claimed, tasks, now, self._units(), session)
            )
            self.status_changes.touch_all()  # its plugins may resolve connector types
        self._emit(out)
        return session

    def heartbeat(self, worker_id: str, session: str, applied_generation: int, now: float) -> int:
        with self._lock:
            self._membership.caller(worker_id, session)
            generation, pushes = self._membership.heartbeat(worker_id, applied_generation, now, self._units())
            out = self._collect(pushes)
            self._note_membership()
        self._emit(out)
        return generation

    def leave(self, worker_id: str, session: str) -> None:
        with self._lock:
            try:
                self._membership.caller(worker_id, session)
            except NotFoundError:
                return  # gone already, or not this caller's to end
            self._plugins.pop(worker_id, None)
            self._assignments.pop(worker_id, None)
            out = self._collect(self._membership.leave(worker_id, self._units()))
            self._note_membership()
        self._emit(out)

    def tick(self, now: float) -> None:
        with self._lock:
            pushes = self._membership.tick(now, self._units())
            for gone in set(self._assignments) - {m.worker_id for m in self._membership.members()}:
                self._assignments.pop(gone, None)
                self._plugins.pop(gone, None)
            out = self._collect(pushes)
            self._note_membership()
        self._emit(out)

    def assignment(self, worker_id: str, session: str) -> MemberAssignment:
        with self._lock:
            self._membership.caller(worker_id, session)
            return self._current_assignment(worker_id)

    def members(self) -> list[Member]:
        with self._lock:
            return self._membership.members()

    @property
    def settled(self) -> bool:
        """False for a lease after a coordinator restart, while workers come back (nothing moves)."""
        with self._lock:
            return self._membership.settled

    def describe(self) -> list[MemberView]:
        with self._lock:
            return [
                MemberView(
                    m.worker_id,
                    m.address,
                    m.generation,
                    m.applied_generation,
                    m.live,
                    m.latest,
                    self._membership.epochs_of(m.latest.tasks),
                )
                for m in sorted(self._membership.members(), key=lambda m: m.worker_id)
            ]

    def _address_of(self, worker_id: str | None) -> str | None:
        if worker_id is None:
            return None
        member = next((m for m in self._membership.live_members() if m.worker_id == worker_id), None)
        return member.address if member is not None else None

    def _owner_of(self, unit: str | TaskId) -> str | None:
        return self._membership.owner_of(unit)

    # --- reads -----------------------------------------------------------------------------------

    def connector_names(self) -> list[str]:
        with self._lock:
            return self._table.names()

    def connector_type(self, name: str) -> ConnectorType:
        class_name = self._table.config(name).get(cc.CONNECTOR_CLASS, "") if name in self._table else ""
        return self._types.resolve(class_name, list(self._plugins.values()))

    def connector_config(self, name: str) -> dict[str, str]:
        with self._lock:
            return dict(self._table.config(name))

    def connector_info(self, name: str) -> ConnectorInfo:
        with self._lock:
            return self._table.info(name, self.connector_type(name))

    def task_infos(self, name: str) -> list[TaskInfo]:
        with self._lock:
            return self._table.task_infos(name)

    def target_state(self, name: str) -> TargetState:
        with self._lock:
            return self._table.target(name)

    def connector_status(self, name: str) -> ConnectorStateInfo:
        with self._lock:
            return connector_status(
                self._table, name, self._connector_states, self._task_states, self._owner_of,
                self.connector_type(name),
            )  # fmt: skip

    def connector_statuses(self) -> list[ConnectorStateInfo]:
        """Every connector's status, in name order, under one lock."""
        with self._lock:
            return [self.connector_status(name) for name in self._table.names()]

    def status_delta(self, since: int | None) -> StatusDelta:
        """The statuses that may have changed after version ``since`` (all of them when it is None or
        too old), with the version they are at: read under the lock, so the two agree."""
        with self._lock:
            version, touched = self.status_changes.since(since)
            last = self._last_delta
            if last is not None and last[0] == since and last[1].version == version:
                return last[1]
            if touched is None:
                delta = StatusDelta(version, True, self.connector_statuses())
            else:
                present = sorted(name for name in touched if name in self._table)
                gone = sorted(touched.difference(present))
                delta = StatusDelta(version, False, [self.connector_status(n) for n in present], gone)
            self._last_delta = (since, delta)
            return delta

    def task_status(self, task: TaskId) -> StateInfo:
        with self._lock:
            return task_status(self._table, task, self._task_states, self._owner_of)

    def plugins(self) -> list[PluginInfo]:
        with self._lock:
            seen: dict[tuple[str, str], PluginInfo] = {}
            for plugins in self._plugins.values():
                for plugin in plugins:
                    seen.setdefault((plugin.class_name, plugin.type), plugin)
            return list(seen.values())

    def worker_with_plugin(self, class_name: str) -> Member:
        """A live worker that can load ``class_name`` (for validation), else any live worker."""
        with self._lock:
            live = self._membership.live_members()
            for member in live:
                if (
                    connector_type_of(class_name, self._plugins.get(member.worker_id, ()))
                    is not ConnectorType.UNKNOWN
                ):
                    return member
            if not live:
                raise UnavailableError(f"Group {self.group_id} has no live worker to validate the config")
            return live[0]

    # --- writes ----------------------------------------------------------------------------------

    def create_connector(self, name: str, config: Mapping[str, str], initial: TargetState) -> ConnectorInfo:
        self._change(lambda: self._table.plan_create(name, config, initial))
        log.info("group %s: connector %s created (%s)", self.group_id, name, initial.value)
        return self.connector_info(name)

    def put_connector_config(self, name: str, config: Mapping[str, str]) -> tuple[bool, ConnectorInfo]:
        created: list[bool] = []

        def plan() -> ConfigChange:
            was_created, change = self._table.plan_put(name, config)
            created.append(was_created)
            return change

        self._change(plan)
        log.info("group %s: connector %s %s", self.group_id, name, "created" if created[0] else "updated")
        return created[0], self.connector_info(name)

    def delete_connector(self, name: str) -> None:
        self._change(lambda: self._table.plan_delete(name))
        log.info("group %s: connector %s deleted", self.group_id, name)

    def set_target_state(self, name: str, target: TargetState) -> None:
        """Persist and push a target state (STOPPED also clears the task configs: the table's rule)."""
        if self._change(lambda: self._table.plan_target(name, target)) is not None:
            log.info("group %s: connector %s target state %s", self.group_id, name, target.value)

    def submit_task_configs(
        self, worker_id: str, session: str, name: str, configs: Sequence[Mapping[str, str]]
    ) -> None:
        """Task configs from the member running the connector (any other is refused)."""

        def plan() -> ConfigChange | None:
            self._membership.caller(worker_id, session)
            if name not in self._table:
                raise NotFoundError(messages.connector_not_found(name))
            if not self._holds(worker_id, name):
                raise ForbiddenError(f"Connector {name} is not assigned to worker {worker_id}")
            return self._table.plan_task_configs(name, configs)

        change = self._change(plan)
        if change is not None:
            log.info("group %s: connector %s has %d task configs (from %s)", self.group_id, name,
                     len(change.task_configs or ()), worker_id)  # fmt: skip

    # --- statuses --------------------------------------------------------------------------------

    def _holds(self, worker_id: str, unit: str | TaskId) -> bool:
        try:
            held = self._membership.member(worker_id).held()
        except NotFoundError:
            return False
        return unit in held.tasks if isinstance(unit, TaskId) else unit in held.connectors

    def report(
        self,
        worker_id: str,
        session: str,
        reports: Sequence[StatusUpdate],
        topics: Sequence[TopicStatus] = (),
    ) -> None:
        """States and active topics from a member, of the instances it may be running: a caller that
        is not the member is told to register again. A report of an instance the member ran in this
        session but no longer holds (it moved on) is dropped, so a stale copy never overwrites the
        owner's state; reports of instances it never had are refused (ForbiddenError), after the
        others are recorded."""
        foreign: list[str] = []
        with self._lock:
            member = self._membership.caller(worker_id, session)
            for report in reports:
                unit: str | TaskId = (
                    report.connector if report.task is None else TaskId(report.connector, report.task)
                )
                if self._holds(worker_id, unit):
                    self._record(unit, report.state, report.generation)
                elif unit in member.ran or not self._exists(unit):
                    log.info("group %s: dropped %s's %s report of %s, not its own",
                             self.group_id, worker_id, report.state.state.value, unit)  # fmt: skip
                else:
                    foreign.append(str(unit))
            for status in topics:
                task = TaskId(status.connector, status.task)
                if self._holds(worker_id, task):
                    if status.connector in self._table:
                        self.active_topics.record(status)
                elif task not in member.ran and self._exists(task):
                    foreign.append(f"{task} (topic {status.topic})")
        if foreign:
            log.warning("group %s: refused %s's reports of work it never had: %s", self.group_id, worker_id,
                        ", ".join(foreign))  # fmt: skip
            raise ForbiddenError(f"Worker {worker_id} does not run {', '.join(sorted(set(foreign)))}")

    def _exists(self, unit: str | TaskId) -> bool:
        return self._table.has_task(unit) if isinstance(unit, TaskId) else unit in self._table

    def _record(self, unit: str | TaskId, state: StateInfo, generation: int) -> None:
        if isinstance(unit, TaskId):
            if not self._table.has_task(unit):
                return
            self._task_states.setdefault(unit.connector, {})[unit.task] = state
            self.status_changes.touch(unit.connector)
            self._write_status(self._status_store.put_task_status, unit, state, generation)
        elif unit in self._table:
            self._connector_states[unit] = state
            self.status_changes.touch(unit)
            self._write_status(self._status_store.put_connector_status, unit, state, generation)

    # --- restarts (KIP-745) ----------------------------------------------------------------------

    def plan_restart(
        self, name: str, include_tasks: bool, only_failed: bool
    ) -> tuple[RestartPlan, RestartOwners]:
        """Decide what a restart restarts and who runs it (nothing is recorded yet)."""
        with self._lock:
            if name not in self._table:
                raise NotFoundError(messages.unknown_connector(name))
            plan = plan_restart(self.connector_status(name), include_tasks, only_failed)
            owners = RestartOwners(
                self._address_of(self._owner_of(name)) if plan.connector else None,
                {i: self._address_of(self._owner_of(TaskId(name, i))) for i in plan.tasks},
            )
            return plan, owners

    def record_states(self, status: ConnectorStateInfo, connector: bool, tasks: Iterable[int]) -> None:
        """Record the connector's and the given tasks' states from ``status`` (RESTARTING for a
        restart; the states before it when the restart could not be handed to a worker)."""
        with self._lock:
            if connector:
                self._record(status.name, status.connector, -1)
            for index in tasks:
                self._record(TaskId(status.name, index), status.tasks[index], -1)

    def task_owner(self, task: TaskId) -> str:
        """The address of the worker running ``task``; ConflictError while it has none."""
        with self._lock:
            if task.connector not in self._table:
                raise NotFoundError(messages.unknown_connector(task.connector))
            if not self._table.has_task(task):
                raise NotFoundError(messages.unknown_task(task))
            address = self._address_of(self._owner_of(task))
            if address is None:
                raise ConflictError(messages.NO_OWNER)
            return address

    def _storage_mismatch(self, worker_id: str, got: StorageTopics) -> str:
        """The refusal of a worker whose storage topics are not the group's. The caller learns which of
        its keys differ, never the group's topics (a caller could try names until one is taken); the
        coordinator's log names both, for the operator."""
        differing = [
            (key, attr) for key, attr in _STORAGE_KEYS if getattr(got, attr) != getattr(self.storage, attr)
        ]
        log.warning("group %s: refused worker %s: %s", self.group_id, worker_id, "; ".join(
            f"{key}={getattr(got, attr)!r} but the group uses {getattr(self.storage, attr)!r}"
            for key, attr in differing
        ))  # fmt: skip
        keys = " and ".join(f"{key}={getattr(got, attr)!r}" for key, attr in differing)
        verb = "differs" if len(differing) == 1 else "differ"
        return (
            f"worker {worker_id} refused from group {self.group_id}: its {keys} {verb} from the group's; "
            "give every worker of a group the same storage topics (the coordinator's log names the group's)"
        )


_STORAGE_KEYS = (
    ("config.storage.topic", "config_topic"),
    ("offset.storage.topic", "offset_topic"),
    ("status.storage.topic", "status_topic"),
)
