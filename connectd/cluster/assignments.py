"""What the coordinator gives a worker: its complete assignment at one generation, each unit with
the config it runs with and its connector's target state, each task with its epoch."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from connectd.cluster.assignor import WorkAssignment
from connectd.runtime.model import TargetState, TaskId


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
    # Newer for every new copy of the task: the offset store and Kafka transactions fence older ones.
    epoch: int = 0


@dataclass(frozen=True, slots=True)
class MemberAssignment:
    """A worker's complete assignment at one generation; anything else it runs is revoked."""

    generation: int
    connectors: tuple[AssignedConnector, ...] = ()
    tasks: tuple[AssignedTask, ...] = ()

    def units(self) -> WorkAssignment:
        return WorkAssignment(frozenset(c.name for c in self.connectors), frozenset(t.id for t in self.tasks))
