"""The connector table: every connector's config, target state and task configs, and the rules of
Kafka Connect for changing them. No I/O and no locks: standalone applies each change at once, the
coordinator persists it to the config topic first and applies it once the topic acknowledged it.

Each write is planned (checked against the rules, nothing changed), giving a :class:`ConfigChange`
that the caller persists, then applied. Rules, as Kafka's herders apply them:

* creating an existing connector is refused; creating it STOPPED stores empty task configs;
* a config replaces the whole config; a new connector starts in STARTED;
* STOPPED clears the task configs (the tasks are revoked), and so does creating a stopped one;
* task configs from a connector that is STOPPED by now, or equal to the current ones, change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from connectd.control import messages
from connectd.errors import AlreadyExistsError, NotFoundError
from connectd.runtime.model import ConnectorInfo, ConnectorType, TargetState, TaskId, TaskInfo


@dataclass(frozen=True, slots=True)
class ConfigChange:
    """One change of one connector, as a config store records it (None: that part is unchanged)."""

    name: str
    config: Mapping[str, str] | None = None
    target: TargetState | None = None
    task_configs: Sequence[Mapping[str, str]] | None = None
    delete: bool = False

    def describe(self) -> str:
        """What the change is, for logs and messages: ``the deletion of connector x``."""
        if self.delete:
            return f"the deletion of connector {self.name}"
        if self.config is not None:
            return f"the config of connector {self.name}"
        if self.target is not None:
            return f"target state {self.target.value} of connector {self.name}"
        return f"the task configs of connector {self.name}"


class ConnectorTable:
    def __init__(
        self,
        configs: Mapping[str, Mapping[str, str]] | None = None,
        targets: Mapping[str, TargetState] | None = None,
        task_configs: Mapping[str, Sequence[Mapping[str, str]]] | None = None,
    ) -> None:
        self._configs: dict[str, dict[str, str]] = {n: dict(c) for n, c in (configs or {}).items()}
        self._targets: dict[str, TargetState] = {
            n: (targets or {}).get(n, TargetState.STARTED) for n in self._configs
        }
        self._task_configs: dict[str, list[dict[str, str]]] = {
            n: [dict(t) for t in c] for n, c in (task_configs or {}).items() if n in self._configs
        }

    # --- reads -----------------------------------------------------------------------------------

    def __contains__(self, name: object) -> bool:
        return name in self._configs

    def __len__(self) -> int:
        return len(self._configs)

    def names(self) -> list[str]:
        return sorted(self._configs)

    def config(self, name: str) -> dict[str, str]:
        """The stored config itself (replaced on every change, never modified in place)."""
        config = self._configs.get(name)
        if config is None:
            raise NotFoundError(messages.connector_not_found(name))
        return config

    def target(self, name: str) -> TargetState:
        self.config(name)
        return self._targets[name]

    def task_configs(self, name: str) -> list[dict[str, str]]:
        """The connector's task configs (empty before its connector generated any, and when STOPPED)."""
        return self._task_configs.get(name, [])

    def task_count(self, name: str) -> int:
        return len(self._task_configs.get(name, ()))

    def has_task(self, task: TaskId) -> bool:
        return task.connector in self._configs and task.task < self.task_count(task.connector)

    def task_ids(self, name: str) -> list[TaskId]:
        return [TaskId(name, i) for i in range(self.task_count(name))]

    def all_task_ids(self) -> list[TaskId]:
        return [task for name in self.names() for task in self.task_ids(name)]

    def info(self, name: str, connector_type: ConnectorType) -> ConnectorInfo:
        return ConnectorInfo(name, dict(self.config(name)), self.task_ids(name), connector_type)

    def task_infos(self, name: str) -> list[TaskInfo]:
        self.config(name)
        return [TaskInfo(TaskId(name, i), dict(c)) for i, c in enumerate(self.task_configs(name))]

    # --- planned writes --------------------------------------------------------------------------

    def plan_create(self, name: str, config: Mapping[str, str], initial: TargetState) -> ConfigChange:
        if name in self._configs:
            raise AlreadyExistsError(messages.connector_exists(name))
        stopped = initial is TargetState.STOPPED
        return ConfigChange(name, config=dict(config), target=initial, task_configs=[] if stopped else None)

    def plan_put(self, name: str, config: Mapping[str, str]) -> tuple[bool, ConfigChange]:
        """Create or replace; returns (created, change)."""
        created = name not in self._configs
        return created, ConfigChange(
            name, config=dict(config), target=TargetState.STARTED if created else None
        )

    def plan_delete(self, name: str) -> ConfigChange:
        self.config(name)
        return ConfigChange(name, delete=True)

    def plan_target(self, name: str, target: TargetState) -> ConfigChange | None:
        """None when nothing changes. STOPPED also clears task configs, even if already STOPPED."""
        if name not in self._configs:
            raise NotFoundError(messages.unknown_connector_target(name))
        clear = target is TargetState.STOPPED and bool(self.task_configs(name))
        if self._targets[name] is target and not clear:
            return None
        return ConfigChange(name, target=target, task_configs=[] if clear else None)

    def plan_task_configs(self, name: str, configs: Sequence[Mapping[str, str]]) -> ConfigChange | None:
        """None when they change nothing: equal to the current ones, or late from a connector that
        was running when it was stopped. NotFoundError for a deleted connector."""
        if self.target(name) is TargetState.STOPPED:
            return None
        new = [dict(c) for c in configs]
        if self._task_configs.get(name) == new:
            return None
        return ConfigChange(name, task_configs=new)

    # --- applying --------------------------------------------------------------------------------

    def apply(self, change: ConfigChange) -> None:
        name = change.name
        if change.delete:
            self._configs.pop(name, None)
            self._targets.pop(name, None)
            self._task_configs.pop(name, None)
            return
        if change.config is not None:
            self._configs[name] = dict(change.config)
            self._targets.setdefault(name, TargetState.STARTED)
        if name not in self._configs:
            return  # a target or task configs of a connector deleted meanwhile
        if change.target is not None:
            self._targets[name] = change.target
        if change.task_configs is not None:
            self._task_configs[name] = [dict(c) for c in change.task_configs]

    def undo(self, change: ConfigChange) -> ConfigChange:
        """The change that restores what ``change`` would overwrite, as the table holds it now: a
        write that may have reached the config topic after it was given up is withdrawn with it."""
        name = change.name
        if name not in self._configs:
            return ConfigChange(name, delete=True)
        return ConfigChange(
            name,
            config=self._configs[name] if change.config is not None or change.delete else None,
            target=self._targets[name] if change.target is not None or change.delete else None,
            task_configs=self.task_configs(name)
            if change.task_configs is not None or change.delete
            else None,
        )
