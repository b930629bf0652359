"""Entities of the Connect control plane, rendered in Kafka Connect's REST JSON shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple


class ConnectorType(StrEnum):
    SOURCE = "source"
    SINK = "sink"
    UNKNOWN = "unknown"


class TargetState(StrEnum):
    STARTED = "STARTED"
    PAUSED = "PAUSED"
    STOPPED = "STOPPED"


class State(StrEnum):
    UNASSIGNED = "UNASSIGNED"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    STOPPED = "STOPPED"
    FAILED = "FAILED"
    RESTARTING = "RESTARTING"


class TaskId(NamedTuple):
    """A NamedTuple, not a dataclass: the coordinator hashes, compares and sorts tens of thousands of
    these per rebalance, and a tuple does that in C (a dataclass runs Python code for each)."""

    connector: str
    task: int

    def to_dict(self) -> dict[str, Any]:
        return {"connector": self.connector, "task": self.task}

    def __str__(self) -> str:
        return f"{self.connector}-{self.task}"


@dataclass(slots=True)
class ConnectorInfo:
    name: str
    config: dict[str, str]
    tasks: list[TaskId]
    type: ConnectorType

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "config": dict(self.config),
            "tasks": [t.to_dict() for t in self.tasks],
            "type": self.type.value,
        }


@dataclass(slots=True)
class TaskInfo:
    id: TaskId
    config: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id.to_dict(), "config": dict(self.config)}


@dataclass(slots=True)
class StateInfo:
    """The state of one connector or task instance, as the worker running it reported it."""

    state: State
    worker_id: str
    trace: str | None = None
    version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"state": self.state.value, "worker_id": self.worker_id}
        if self.trace:
            out["trace"] = self.trace
        if self.version and self.version != "undefined":
            out["version"] = self.version
        return out


@dataclass(slots=True)
class ConnectorStateInfo:
    name: str
    connector: StateInfo
    tasks: dict[int, StateInfo] = field(default_factory=dict)
    type: ConnectorType = ConnectorType.UNKNOWN

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "connector": self.connector.to_dict(),
            "tasks": [{"id": i, **self.tasks[i].to_dict()} for i in sorted(self.tasks)],
            "type": self.type.value,
        }


@dataclass(frozen=True, slots=True)
class PluginInfo:
    class_name: str
    type: str  # source | sink | converter | header_converter | transformation | predicate
    version: str = "undefined"

    def to_dict(self) -> dict[str, Any]:
        out = {"class": self.class_name, "type": self.type}
        if self.version and self.version != "undefined":
            out["version"] = self.version
        return out


@dataclass(frozen=True, slots=True)
class ServerInfo:
    version: str
    commit: str
    kafka_cluster_id: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "commit": self.commit, "kafka_cluster_id": self.kafka_cluster_id}
