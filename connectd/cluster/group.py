"""One group's state on the coordinator: members and leases, configs, assignment generations, statuses.

Events in (register, heartbeat, leave, a clock tick, config changes, status reports), pushed
assignments out through a listener; no sockets, no threads of its own. Persistence goes through the
injected config and status stores, so the coordinator rebuilds this state from the config topic.

Two owners never run one unit: a connector or task revoked from a worker is handed to its new owner
only once the old owner acknowledged a generation without it (``Heartbeat.applied_generation``), or
was removed from the group. Everything a worker may still run is "held" by it until then.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from connectd.cluster.assignor import WorkAssignment, assign
from connectd.errors import (
    AlreadyExistsError,
    ConflictError,
    FailedPreconditionError,
    NotFoundError,
    UnavailableError,
)
from connectd.runtime import connector_config as cc
from connectd.runtime.model import (
    ConnectorInfo,
    ConnectorStateInfo,
    ConnectorType,
    PluginInfo,
    State,
    StateInfo,
    TargetState,
    TaskId,
    TaskInfo,
)
from connectd.runtime.restarts import RestartPlan, plan_restart
from connectd.runtime.topic_tracking import ActiveTopics, TopicStatus
from connectd.storage.config_store import ConfigStore
from connectd.storage.status_store import StatusStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StorageTopics:
    config_topic: str
    offset_topic: str
    status_topic: str


@dataclass(frozen=True, slots=True)
class AssignedConnector:
    name: str
    config: Mapping[str, str]
    target_state: TargetState


@dataclass(frozen=True, slots=True)
class AssignedTask:
    id: TaskId
    config: Mapping[str, str]
    target_state: TargetState
    connector_config: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class MemberAssignment:
    """A worker's complete assignment at one generation; anything else it runs is revoked."""

    generation: int
    connectors: tuple[AssignedConnector, ...] = ()
    tasks: tuple[AssignedTask, ...] = ()

    def units(self) -> WorkAssignment:
        return WorkAssignment(frozenset(c.name for c in self.connectors), frozenset(t.id for t in self.tasks))

    def same_content(self, other: MemberAssignment) -> bool:
        return self.connectors == other.connectors and self.tasks == other.tasks


@dataclass(slots=True)
class Member:
    worker_id: str
    address: str
    plugins: list[PluginInfo]
    last_seen: float
    applied_generation: int = 0
    # Every assignment pushed and not yet superseded by an acknowledged one, by generation.
    pushed: dict[int, MemberAssignment] = field(default_factory=dict)
    lost_at: float | None = None
    # ``held()`` of the generations in ``pushed`` when it was last computed (assignments never change).
    _held: tuple[tuple[int, ...], WorkAssignment] | None = field(default=None, init=False, repr=False)

    @property
    def latest(self) -> MemberAssignment:
        return self.pushed[max(self.pushed)]

    def held(self) -> WorkAssignment:
        """What the worker may be running now: its applied assignment and every newer one.

        ``acknowledge`` drops every generation older than the applied one, so that is all of ``pushed``.
        """
        generations = tuple(self.pushed)
        if self._held is not None and self._held[0] == generations:
            return self._held[1]
        connectors: set[str] = set()
        tasks: set[TaskId] = set()
        for assignment in self.pushed.values():
            connectors |= {c.name for c in assignment.connectors}
            tasks |= {t.id for t in assignment.tasks}
        held = WorkAssignment(frozenset(connectors), frozenset(tasks))
        self._held = (generations, held)
        return held

    def acknowledge(self, generation: int) -> bool:
        """Record an applied generation; returns True when it released anything."""
        if generation <= self.applied_generation or generation > max(self.pushed):
            # Older, or never pushed to this member (one from before the coordinator restarted).
            return False
        before = self.held()
        self.applied_generation = generation
        for old in [g for g in self.pushed if g < generation]:
            del self.pushed[old]
        return self.held() != before


@dataclass(frozen=True, slots=True)
class GroupSettings:
    heartbeat_interval_ms: int = 1000
    lease_timeout_ms: int = 5000
    # Kafka Connect's scheduled.rebalance.max.delay.ms: how long a lost worker's work waits for it.
    rebalance_delay_ms: int = 3000


AssignmentListener = Callable[[str, MemberAssignment], None]


def connector_type_of(class_name: str, plugins: Iterable[PluginInfo]) -> ConnectorType:
    """Resolve a ``connector.class`` (full name, simple name, or simple name without ``Connector``)."""
    for plugin in plugins:
        if plugin.type not in ("source", "sink"):
            continue
        simple = plugin.class_name.rsplit(".", 1)[-1]
        if class_name in (plugin.class_name, simple, simple.removesuffix("Connector")):
            return ConnectorType(plugin.type)
    return ConnectorType.UNKNOWN


class Group:
    """The state of one group (Kafka Connect's cluster). Thread-safe; every method takes ``now``."""

    def __init__(
        self,
        group_id: str,
        storage: StorageTopics,
        configs: ConfigStore,
        statuses: StatusStore,
        settings: GroupSettings,
        on_assignment: AssignmentListener,
        now: float,
    ) -> None:
        self.group_id = group_id
        self.storage = storage
        self.settings = settings
        self._config_store = configs
        self._status_store = statuses
        self._on_assignment = on_assignment
        self._lock = threading.RLock()
        self._members: dict[str, Member] = {}
        self._generation = 0
        snapshot = configs.start()
        self._configs = snapshot.connectors
        self._targets = snapshot.target_states
        self._task_configs = snapshot.task_configs
        status = statuses.start()
        self._connector_status = status.connectors
        self._task_status = status.tasks
        # KIP-558 active topics, persisted in the status topic.
        self.active_topics = ActiveTopics(
            status.topics, statuses.put_topic_status, statuses.remove_topic_statuses
        )
        # Known connector types, learned from plugins of workers that registered.
        self._plugins: dict[str, list[PluginInfo]] = {}
        # The plugin lists (kept, so compared by identity) and the connector types they resolve.
        self._connector_type_cache: tuple[tuple[list[PluginInfo], ...], dict[str, ConnectorType]] = ((), {})
        # What each unit's assignment entry was last built from, and the entry: rebuilt only when its
        # config, task configs or target state changed, so a rebalance does not copy every config
        # again, and comparing a member's new assignment with its last one is mostly identity checks.
        self._assigned_connectors: dict[str, tuple[object, TargetState, AssignedConnector]] = {}
        self._assigned_tasks: dict[TaskId, tuple[object, object, TargetState, AssignedTask]] = {}
        # The balanced assignment the last full rebalance aimed at, for which live members: an
        # acknowledgement that releases units only hands them on towards it (``_hand_over``).
        self._aim: dict[str, WorkAssignment] = {}
        self._aim_live: frozenset[str] = frozenset()
        self._aim_connector_owner: dict[str, str] = {}
        self._aim_task_owner: dict[TaskId, str] = {}
        # After a coordinator restart, workers still run their work: until they had a lease to come
        # back, hand out nothing that no member holds, or it could end up with two owners.
        self._settle_until = (now + settings.lease_timeout_ms / 1000) if self._configs else now
        self._settled = not self._configs
        log.info("group %s loaded %d connectors from %s", group_id, len(self._configs), storage.config_topic)

    def close(self) -> None:
        self._config_store.stop()
        self._status_store.stop()

    # --- membership ------------------------------------------------------------------------------

    def register(
        self,
        worker_id: str,
        address: str,
        plugins: Sequence[PluginInfo],
        storage: StorageTopics,
        running: WorkAssignment,
        now: float,
    ) -> None:
        if storage != self.storage:
            raise FailedPreconditionError(_storage_mismatch(worker_id, self.group_id, storage, self.storage))
        with self._lock:
            member = self._members.get(worker_id)
            if member is None:
                member = Member(worker_id, address, list(plugins), now)
                # What it already runs (kept through a coordinator restart) is what it holds now.
                member.pushed[0] = self._content_for(running, generation=0)
                self._members[worker_id] = member
                log.info("group %s: worker %s joined", self.group_id, worker_id)
            else:
                member.address, member.plugins, member.last_seen = address, list(plugins), now
                if member.lost_at is not None:
                    log.info("group %s: worker %s is back", self.group_id, worker_id)
                member.lost_at = None
            self._plugins[worker_id] = list(plugins)
            if self._settled or self._held_by_another(member):
                self._rebalance()
            # Otherwise nothing changes before the group settles: it hands out nothing yet and the
            # member keeps what it runs; the rebalance at settle time balances. A restarted
            # coordinator's re-registrations thus skip one full assignment each (1,000 connectors x
            # 10 tasks over 50 workers: about 6 s of them, during which every other call waited).

    def _held_by_another(self, member: Member) -> bool:
        """Whether another member may run something this one runs (two owners: revoke at once)."""
        mine = member.held()
        return any(
            not mine.connectors.isdisjoint(other.connectors) or not mine.tasks.isdisjoint(other.tasks)
            for other in (m.held() for m in self._members.values() if m is not member)
        )

    def heartbeat(self, worker_id: str, applied_generation: int, now: float) -> int:
        with self._lock:
            member = self._live_member(worker_id)
            member.last_seen = now
            member.lost_at = None
            before = member.held()
            if member.acknowledge(applied_generation):
                after = member.held()
                self._hand_over(
                    WorkAssignment(before.connectors - after.connectors, before.tasks - after.tasks)
                )
            return max(member.pushed)

    def leave(self, worker_id: str) -> None:
        with self._lock:
            if self._members.pop(worker_id, None) is not None:
                self._plugins.pop(worker_id, None)
                log.info("group %s: worker %s left", self.group_id, worker_id)
                self._rebalance()

    def tick(self, now: float) -> None:
        """Expire leases; drop workers lost for longer than the rebalance delay."""
        with self._lock:
            changed = False
            if not self._settled and now >= self._settle_until:
                self._settled = changed = True
            for member in list(self._members.values()):
                silent_ms = (now - member.last_seen) * 1000
                if member.lost_at is None and silent_ms > self.settings.lease_timeout_ms:
                    member.lost_at = now
                    log.warning(
                        "group %s: worker %s missed its lease (%d ms); its work moves in %d ms unless back",
                        self.group_id,
                        member.worker_id,
                        silent_ms,
                        self.settings.rebalance_delay_ms,
                    )
                if (
                    member.lost_at is not None
                    and (now - member.lost_at) * 1000 >= self.settings.rebalance_delay_ms
                ):
                    del self._members[member.worker_id]
                    self._plugins.pop(member.worker_id, None)
                    log.warning(
                        "group %s: worker %s removed, reassigning its work", self.group_id, member.worker_id
                    )
                    changed = True
            if changed:
                self._rebalance()

    def assignment(self, worker_id: str) -> MemberAssignment:
        with self._lock:
            return self._live_member(worker_id).latest

    def members(self) -> list[Member]:
        with self._lock:
            return list(self._members.values())

    def _live_member(self, worker_id: str) -> Member:
        member = self._members.get(worker_id)
        if member is None:
            raise NotFoundError(
                f"Worker {worker_id} is not a member of group {self.group_id}; register again"
            )
        return member

    # --- assignment ------------------------------------------------------------------------------

    def _units(self) -> tuple[list[str], list[TaskId]]:
        connectors = sorted(self._configs)
        tasks = [TaskId(name, i) for name in connectors for i in range(len(self._task_configs.get(name, [])))]
        return connectors, tasks

    def _content_for(self, units: WorkAssignment, generation: int) -> MemberAssignment:
        connectors = tuple(
            entry
            for name in sorted(units.connectors)
            if (entry := self._assigned_connector(name)) is not None
        )
        tasks = tuple(
            entry for task in sorted(units.tasks) if (entry := self._assigned_task(task)) is not None
        )
        return MemberAssignment(generation, connectors, tasks)

    # Configs are replaced on every change, never modified in place: an entry built from the same
    # config objects and target state is still right.

    def _assigned_connector(self, name: str) -> AssignedConnector | None:
        config = self._configs.get(name)
        if config is None:
            return None
        target = self._target(name)
        cached = self._assigned_connectors.get(name)
        if cached is not None and cached[0] is config and cached[1] is target:
            return cached[2]
        entry = AssignedConnector(name, dict(config), target)
        self._assigned_connectors[name] = (config, target, entry)
        return entry

    def _assigned_task(self, task: TaskId) -> AssignedTask | None:
        configs = self._task_configs.get(task.connector)
        if configs is None or task.task >= len(configs):
            return None
        config = self._configs[task.connector]
        target = self._target(task.connector)
        cached = self._assigned_tasks.get(task)
        if cached is not None and cached[0] is configs and cached[1] is config and cached[2] is target:
            return cached[3]
        entry = AssignedTask(task, dict(configs[task.task]), target, dict(config))
        self._assigned_tasks[task] = (configs, config, target, entry)
        return entry

    def _target(self, name: str) -> TargetState:
        return self._targets.get(name, TargetState.STARTED)

    def _rebalance(self) -> None:
        """Compute the balanced assignment and push to each worker what it may take now."""
        live = {w: m for w, m in self._members.items() if m.lost_at is None}
        connectors, tasks = self._units()
        held = {w: m.held() for w, m in self._members.items()}
        # Work held by a lost worker stays with it until it returns or the delay passes.
        lost_connectors = {
            c for w, m in self._members.items() if m.lost_at is not None for c in held[w].connectors
        }
        lost_tasks = {t for w, m in self._members.items() if m.lost_at is not None for t in held[w].tasks}
        current = {w: m.latest.units() for w, m in live.items()}
        desired = assign(
            sorted(live),
            [c for c in connectors if c not in lost_connectors],
            [t for t in tasks if t not in lost_tasks],
            current,
        )
        self._aim, self._aim_live = desired, frozenset(live)
        self._aim_connector_owner = {c: w for w, units in desired.items() for c in units.connectors}
        self._aim_task_owner = {t: w for w, units in desired.items() for t in units.tasks}
        # Who holds each unit, once: a unit may go to a worker only when no other worker holds it.
        connector_holders: dict[str, list[str]] = {}
        task_holders: dict[TaskId, list[str]] = {}
        for worker_id, units in held.items():
            for name in units.connectors:
                connector_holders.setdefault(name, []).append(worker_id)
            for task in units.tasks:
                task_holders.setdefault(task, []).append(worker_id)
        for worker_id, member in live.items():
            want = self._wanted(worker_id, held)
            allowed = WorkAssignment(
                frozenset(c for c in want.connectors if _only_holder(connector_holders.get(c), worker_id)),
                frozenset(t for t in want.tasks if _only_holder(task_holders.get(t), worker_id)),
            )
            self._push(worker_id, member, allowed)

    def _wanted(self, worker_id: str, held: Mapping[str, WorkAssignment]) -> WorkAssignment:
        want = self._aim.get(worker_id, WorkAssignment())
        if not self._settled:
            want = WorkAssignment(
                want.connectors & held[worker_id].connectors, want.tasks & held[worker_id].tasks
            )
        return want

    def _hand_over(self, released: WorkAssignment) -> None:
        """After an acknowledgement released ``released``: give those units to the workers the last
        rebalance aimed them at, once nobody holds them. Only those workers get a new generation; a
        full rebalance runs instead if the live members changed since that aim was computed."""
        live = {w: m for w, m in self._members.items() if m.lost_at is None}
        if frozenset(live) != self._aim_live:
            self._rebalance()
            return
        receivers = {self._aim_connector_owner.get(c) for c in released.connectors}
        receivers |= {self._aim_task_owner.get(t) for t in released.tasks}
        held = {w: m.held() for w, m in self._members.items()}
        for worker_id in sorted(w for w in receivers if w in live):
            want = self._wanted(worker_id, held)
            blocked_connectors: set[str] = set()
            blocked_tasks: set[TaskId] = set()
            for other, units in held.items():
                if other != worker_id:
                    blocked_connectors |= want.connectors & units.connectors
                    blocked_tasks |= want.tasks & units.tasks
            allowed = WorkAssignment(want.connectors - blocked_connectors, want.tasks - blocked_tasks)
            self._push(worker_id, live[worker_id], allowed)

    def _push(self, worker_id: str, member: Member, allowed: WorkAssignment) -> None:
        """Push ``allowed`` to the worker as a new generation, unless it is what the worker has."""
        content = self._content_for(allowed, generation=0)
        if content.same_content(member.latest):
            return
        self._generation += 1
        pushed = MemberAssignment(self._generation, content.connectors, content.tasks)
        member.pushed[self._generation] = pushed
        log.info(
            "group %s: generation %d for %s: %d connectors, %d tasks",
            self.group_id,
            self._generation,
            worker_id,
            len(pushed.connectors),
            len(pushed.tasks),
        )
        self._on_assignment(worker_id, pushed)

    # --- configs ---------------------------------------------------------------------------------

    def connector_names(self) -> list[str]:
        with self._lock:
            return sorted(self._configs)

    def connector_type(self, name: str) -> ConnectorType:
        class_name = self._configs.get(name, {}).get(cc.CONNECTOR_CLASS, "")
        return self._connector_types().get(class_name, ConnectorType.UNKNOWN)

    def _connector_types(self) -> dict[str, ConnectorType]:
        """Every name ``connector_type_of`` resolves for the members' plugins (first plugin wins, as
        there), rebuilt only when a member's plugin list changed: a status listing resolves one name
        per connector, and scanning every member's plugins each time made it cost milliseconds."""
        lists = tuple(self._plugins.values())
        cached, types = self._connector_type_cache
        if len(cached) == len(lists) and all(a is b for a, b in zip(cached, lists, strict=True)):
            return types
        types = {}
        for plugins in lists:
            for plugin in plugins:
                if plugin.type in ("source", "sink"):
                    simple = plugin.class_name.rsplit(".", 1)[-1]
                    for alias in (plugin.class_name, simple, simple.removesuffix("Connector")):
                        types.setdefault(alias, ConnectorType(plugin.type))
        self._connector_type_cache = (lists, types)
        return types

    def connector_config(self, name: str) -> dict[str, str]:
        with self._lock:
            return dict(self._require(name))

    def connector_info(self, name: str) -> ConnectorInfo:
        with self._lock:
            config = self._require(name)
            tasks = [TaskId(name, i) for i in range(len(self._task_configs.get(name, [])))]
            return ConnectorInfo(name, dict(config), tasks, self.connector_type(name))

    def task_infos(self, name: str) -> list[TaskInfo]:
        with self._lock:
            self._require(name)
            return [
                TaskInfo(TaskId(name, i), dict(c)) for i, c in enumerate(self._task_configs.get(name, []))
            ]

    def _require(self, name: str) -> dict[str, str]:
        config = self._configs.get(name)
        if config is None:
            raise NotFoundError(f"Connector {name} not found")
        return config

    def create_connector(
        self, name: str, config: Mapping[str, str], initial_state: TargetState
    ) -> ConnectorInfo:
        with self._lock:
            if name in self._configs:
                raise AlreadyExistsError(f"Connector {name} already exists")
            self._config_store.put_connector_config(name, config, initial_state)
            self._configs[name] = dict(config)
            self._targets[name] = initial_state
            if initial_state is TargetState.STOPPED:
                self._config_store.put_task_configs(name, [])
                self._task_configs[name] = []
            log.info("group %s: connector %s created (%s)", self.group_id, name, initial_state.value)
            self._rebalance()
            return self.connector_info(name)

    def put_connector_config(self, name: str, config: Mapping[str, str]) -> tuple[bool, ConnectorInfo]:
        with self._lock:
            created = name not in self._configs
            target = self._targets.get(name, TargetState.STARTED)
            self._config_store.put_connector_config(name, config, target if created else None)
            self._configs[name] = dict(config)
            self._targets[name] = target
            log.info("group %s: connector %s %s", self.group_id, name, "created" if created else "updated")
            self._rebalance()
            return created, self.connector_info(name)

    def delete_connector(self, name: str) -> None:
        with self._lock:
            self._require(name)
            task_count = len(self._task_configs.get(name, []))
            self._config_store.remove_connector(name)
            self._status_store.remove_connector(name, task_count)
            del self._configs[name]
            self._targets.pop(name, None)
            self._task_configs.pop(name, None)
            self._connector_status.pop(name, None)
            self._task_status.pop(name, None)
            self.active_topics.reset(name)  # as Kafka does on deletion
            log.info("group %s: connector %s deleted", self.group_id, name)
            self._rebalance()

    # --- lifecycle -------------------------------------------------------------------------------

    def target_state(self, name: str) -> TargetState:
        with self._lock:
            self._require(name)
            return self._target(name)

    def set_target_state(self, name: str, target: TargetState) -> None:
        """Persist and push a target state. STOPPED clears the task configs first, as Kafka does, so
        the tasks are revoked from their workers; STARTED after STOPPED makes the connector generate
        them again."""
        with self._lock:
            if name not in self._configs:
                raise NotFoundError(f"Unknown connector {name}")
            if target is TargetState.STOPPED and self._task_configs.get(name):
                self._config_store.put_task_configs(name, [])
                self._task_configs[name] = []
                self._task_status.pop(name, None)
            if self._target(name) is target:
                return
            self._config_store.put_target_state(name, target)
            self._targets[name] = target
            log.info("group %s: connector %s target state %s", self.group_id, name, target.value)
            self._rebalance()

    def plan_restart(
        self, name: str, include_tasks: bool, only_failed: bool
    ) -> tuple[RestartPlan, RestartOwners]:
        """Decide what a restart restarts and who runs it (nothing is recorded yet)."""
        with self._lock:
            if name not in self._configs:
                raise NotFoundError(f"Unknown connector: {name}")
            if name not in self._connector_status:
                raise NotFoundError(f"Status for connector {name} not found")
            plan = plan_restart(self.connector_status(name), include_tasks, only_failed)
            owners = RestartOwners(
                self._address_of(self._owner_of_connector(name)) if plan.connector else None,
                {i: self._address_of(self._owner_of_task(TaskId(name, i))) for i in plan.tasks},
            )
            return plan, owners

    def record_states(self, status: ConnectorStateInfo, connector: bool, tasks: Iterable[int]) -> None:
        """Record the connector's and the given tasks' states from ``status`` (RESTARTING for a
        restart; the states before it when the restart could not be handed to a worker)."""
        with self._lock:
            if connector:
                self.report_connector_state(status.name, status.connector, self._generation)
            for index in tasks:
                self.report_task_state(TaskId(status.name, index), status.tasks[index], self._generation)

    def task_owner(self, task: TaskId) -> str:
        """The address of the worker running ``task``; ConflictError while it has none."""
        with self._lock:
            if task.connector not in self._configs:
                raise NotFoundError(f"Unknown connector: {task.connector}")
            if task.task >= len(self._task_configs.get(task.connector, [])):
                raise NotFoundError(f"Unknown task: {task}")
            address = self._address_of(self._owner_of_task(task))
            if address is None:
                raise ConflictError(NO_OWNER)
            return address

    def task_status(self, task: TaskId) -> StateInfo:
        with self._lock:
            tasks = self._task_configs.get(task.connector, [])
            if task.connector in self._configs and task.task < len(tasks):
                return self.connector_status(task.connector).tasks[task.task]
            raise NotFoundError(f"No status found for task {task}")

    def _address_of(self, worker_id: str | None) -> str | None:
        member = self._members.get(worker_id) if worker_id is not None else None
        return member.address if member is not None and member.lost_at is None else None

    def submit_task_configs(self, worker_id: str, name: str, configs: Sequence[Mapping[str, str]]) -> None:
        with self._lock:
            self._require(name)
            if self._target(name) is TargetState.STOPPED:
                return  # late configs from a connector that was running when it was stopped
            new = [dict(c) for c in configs]
            if self._task_configs.get(name) == new:
                return
            self._config_store.put_task_configs(name, new)
            old_count = len(self._task_configs.get(name, []))
            self._task_configs[name] = new
            for gone in range(len(new), old_count):
                self._task_status.get(name, {}).pop(gone, None)
            log.info(
                "group %s: connector %s has %d task configs (from %s)",
                self.group_id,
                name,
                len(new),
                worker_id,
            )
            self._rebalance()

    # --- status ----------------------------------------------------------------------------------

    def report_connector_state(self, name: str, state: StateInfo, generation: int) -> None:
        with self._lock:
            if name not in self._configs:
                return  # a late report for a deleted connector
            self._status_store.put_connector_status(name, state, generation)
            self._connector_status[name] = state

    def report_task_state(self, task: TaskId, state: StateInfo, generation: int) -> None:
        with self._lock:
            if task.task >= len(self._task_configs.get(task.connector, [])):
                return
            self._status_store.put_task_status(task, state, generation)
            self._task_status.setdefault(task.connector, {})[task.task] = state

    def report_active_topic(self, status: TopicStatus) -> None:
        with self._lock:
            if status.connector in self._configs:  # not a late report for a deleted connector
                self.active_topics.record(status)

    def connector_status(self, name: str) -> ConnectorStateInfo:
        with self._lock:
            if name not in self._configs:
                raise NotFoundError(f"No status found for connector {name}")
            connector = self._connector_status.get(name) or StateInfo(
                State.UNASSIGNED, self._owner_of_connector(name) or ""
            )
            reported = self._task_status.get(name, {})
            tasks = {
                i: reported.get(i) or StateInfo(State.UNASSIGNED, self._owner_of_task(TaskId(name, i)) or "")
                for i in range(len(self._task_configs.get(name, [])))
            }
            return ConnectorStateInfo(name, connector, tasks, self.connector_type(name))

    def connector_statuses(self) -> list[ConnectorStateInfo]:
        """Every connector's status, in name order, under one lock."""
        with self._lock:
            return [self.connector_status(name) for name in sorted(self._configs)]

    def _owner_of_connector(self, name: str) -> str | None:
        return next((w for w, m in self._members.items() if name in m.latest.units().connectors), None)

    def _owner_of_task(self, task: TaskId) -> str | None:
        return next((w for w, m in self._members.items() if task in m.latest.units().tasks), None)

    def plugins(self) -> list[PluginInfo]:
        with self._lock:
            seen: dict[tuple[str, str], PluginInfo] = {}
            for plugins in self._plugins.values():
                for plugin in plugins:
                    seen.setdefault((plugin.class_name, plugin.type), plugin)
            return list(seen.values())

    def worker_with_plugin(self, class_name: str) -> Member:
        """A live worker that can load ``class_name`` (for validation)."""
        with self._lock:
            for member in sorted(self._members.values(), key=lambda m: m.worker_id):
                if (
                    member.lost_at is None
                    and connector_type_of(class_name, member.plugins) is not ConnectorType.UNKNOWN
                ):
                    return member
            live = [m for m in self._members.values() if m.lost_at is None]
            if not live:
                raise UnavailableError(f"Group {self.group_id} has no live worker to validate the config")
            return sorted(live, key=lambda m: m.worker_id)[0]


NO_OWNER = (
    "Cannot complete request momentarily: the instance is not assigned to a live worker, "
    "likely because a rebalance is underway"
)


@dataclass(frozen=True, slots=True)
class RestartOwners:
    """Addresses of the workers that run what a restart selected (None: unassigned right now)."""

    connector: str | None
    tasks: dict[int, str | None]


def _only_holder(holders: list[str] | None, worker_id: str) -> bool:
    return holders is None or all(holder == worker_id for holder in holders)


def _storage_mismatch(worker_id: str, group_id: str, got: StorageTopics, want: StorageTopics) -> str:
    diffs = [
        f"{key}={getattr(got, attr)!r} but the group uses {getattr(want, attr)!r}"
        for key, attr in (
            ("config.storage.topic", "config_topic"),
            ("offset.storage.topic", "offset_topic"),
            ("status.storage.topic", "status_topic"),
        )
        if getattr(got, attr) != getattr(want, attr)
    ]
    return f"worker {worker_id} refused from group {group_id}: " + "; ".join(diffs)
