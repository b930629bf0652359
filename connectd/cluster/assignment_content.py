"""Turns the units membership gives a worker into what it runs them with: configs, target states
and epochs, as a :class:`MemberAssignment`.

Entries are cached by the identity of what they were built from (the table replaces a config on every
change, never modifies one in place), so a rebalance over thousands of units copies no config that
did not change.
"""

from __future__ import annotations

from connectd.cluster.assignments import AssignedConnector, AssignedTask, MemberAssignment
from connectd.cluster.assignor import WorkAssignment
from connectd.control.connector_table import ConnectorTable
from connectd.runtime.model import TaskId


class AssignmentContent:
    def __init__(self) -> None:
        self._connectors: dict[str, tuple[object, object, AssignedConnector]] = {}
        self._tasks: dict[TaskId, tuple[object, object, object, int, AssignedTask]] = {}

    def build(
        self, table: ConnectorTable, generation: int, units: WorkAssignment, epochs: dict[TaskId, int]
    ) -> MemberAssignment:
        connectors = tuple(c for name in sorted(units.connectors) if (c := self._connector(table, name)))
        tasks = tuple(
            t for task in sorted(units.tasks) if (t := self._task(table, task, epochs.get(task, 0)))
        )
        return MemberAssignment(generation, connectors, tasks)

    def forget(self, name: str) -> None:
        self._connectors.pop(name, None)
        for task in [t for t in self._tasks if t.connector == name]:
            del self._tasks[task]

    def _connector(self, table: ConnectorTable, name: str) -> AssignedConnector | None:
        if name not in table:
            return None
        config, target = table.config(name), table.target(name)
        cached = self._connectors.get(name)
        if cached is not None and cached[0] is config and cached[1] is target:
            return cached[2]
        entry = AssignedConnector(name, dict(config), target)
        self._connectors[name] = (config, target, entry)
        return entry

    def _task(self, table: ConnectorTable, task: TaskId, epoch: int) -> AssignedTask | None:
        if not table.has_task(task):
            return None
        configs = table.task_configs(task.connector)
        config, target = table.config(task.connector), table.target(task.connector)
        cached = self._tasks.get(task)
        if (
            cached is not None
            and cached[0] is configs
            and cached[1] is config
            and cached[2] is target
            and cached[3] == epoch
        ):
            return cached[4]
        entry = AssignedTask(task, dict(configs[task.task]), target, dict(config), epoch)
        self._tasks[task] = (configs, config, target, epoch, entry)
        return entry
