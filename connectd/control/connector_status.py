"""The status of a connector and of its tasks, one rule for both modes.

A connector that exists has a status: what its instances last reported, and UNASSIGNED (with the
worker it is assigned to, if any) for an instance that reported nothing yet. Reports of tasks that no
longer exist are left out. An unknown connector or task has no status (NotFoundError).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from connectd.control import messages
from connectd.control.connector_table import ConnectorTable
from connectd.errors import NotFoundError
from connectd.runtime.model import ConnectorStateInfo, ConnectorType, State, StateInfo, TaskId

# The worker a connector (by name) or task is assigned to; None while it has none.
OwnerOf = Callable[[str | TaskId], str | None]


def connector_status(
    table: ConnectorTable,
    name: str,
    connector_states: Mapping[str, StateInfo],
    task_states: Mapping[str, Mapping[int, StateInfo]],
    owner_of: OwnerOf,
    connector_type: ConnectorType,
) -> ConnectorStateInfo:
    if name not in table:
        raise NotFoundError(messages.no_connector_status(name))
    connector = connector_states.get(name) or StateInfo(State.UNASSIGNED, owner_of(name) or "")
    reported = task_states.get(name, {})
    tasks = {
        task.task: reported.get(task.task) or StateInfo(State.UNASSIGNED, owner_of(task) or "")
        for task in table.task_ids(name)
    }
    return ConnectorStateInfo(name, connector, tasks, connector_type)


def task_status(
    table: ConnectorTable,
    task: TaskId,
    task_states: Mapping[str, Mapping[int, StateInfo]],
    owner_of: OwnerOf,
) -> StateInfo:
    if not table.has_task(task):
        raise NotFoundError(messages.no_task_status(task))
    return task_states.get(task.connector, {}).get(task.task) or StateInfo(
        State.UNASSIGNED, owner_of(task) or ""
    )
