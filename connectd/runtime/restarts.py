"""What a restart request restarts (KIP-745), decided from the connector's current status.

One rule for both modes: standalone executes the plan at once, the coordinator hands it to the
workers that own the instances. The returned snapshot is what ``POST /restart`` answers with 202.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from connectd.runtime.model import ConnectorStateInfo, State, StateInfo


@dataclass(frozen=True, slots=True)
class RestartPlan:
    connector: bool
    tasks: tuple[int, ...]
    snapshot: ConnectorStateInfo  # what the REST answer shows: the selected instances RESTARTING
    previous: ConnectorStateInfo  # the status the plan was made from


def plan_restart(status: ConnectorStateInfo, include_tasks: bool, only_failed: bool) -> RestartPlan:
    """``include_tasks``: tasks too; ``only_failed``: only instances that are FAILED. Whatever is
    selected shows as RESTARTING in the snapshot; the rest keeps its state."""
    restart_connector = not only_failed or status.connector.state is State.FAILED
    tasks = tuple(
        sorted(
            index
            for index, task in status.tasks.items()
            if include_tasks and (not only_failed or task.state is State.FAILED)
        )
    )
    snapshot = ConnectorStateInfo(
        status.name,
        _restarting(status.connector) if restart_connector else status.connector,
        {i: _restarting(t) if i in tasks else t for i, t in status.tasks.items()},
        status.type,
    )
    return RestartPlan(restart_connector, tasks, snapshot, status)


def _restarting(state: StateInfo) -> StateInfo:
    return replace(state, state=State.RESTARTING, trace=None)
