"""What a worker needs of its coordinator, as a small port with domain types.

The gRPC client implements it in distributed mode; :class:`connectd.cluster.local_port.LocalPort`
implements it over an in-process :class:`connectd.cluster.coordinator.Coordinator`, so a whole group
(coordinator and members, no sockets) runs in a unit test. Every call raises a domain error:
NotFoundError when the worker is not (or no longer) a member, FailedPreconditionError when it is
refused, ForbiddenError when it speaks of work that is not its own, UnavailableError when the
coordinator can't be reached. The port keeps the session its last registration returned and
presents it on every other call.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from connectd.cluster.assignments import MemberAssignment, StorageTopics
from connectd.runtime.model import PluginInfo, StateInfo, TaskId
from connectd.runtime.topic_tracking import TopicStatus


@dataclass(frozen=True, slots=True)
class Registration:
    """A worker joining: where it is reached, what it can run, and what it runs already (after a
    coordinator restart, or a cut from it), each task with the epoch its copy started with."""

    address: str
    plugins: Sequence[PluginInfo]
    storage: StorageTopics
    connectors: Sequence[str] = ()
    tasks: Mapping[TaskId, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RegistrationResult:
    heartbeat_interval_ms: int
    lease_timeout_ms: int


@dataclass(frozen=True, slots=True)
class HeartbeatResult:
    generation: int
    # How often the group's active topics were reset (KIP-558): tasks report theirs again on a change.
    topic_resets: int = 0


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """A state transition of a connector (``task`` None) or task the worker runs, at the generation
    it applied when it happened."""

    connector: str
    task: int | None
    state: StateInfo
    generation: int


class CoordinatorPort(Protocol):
    def register(self, registration: Registration) -> RegistrationResult: ...

    def heartbeat(self, applied_generation: int) -> HeartbeatResult: ...

    def watch(self) -> Iterator[MemberAssignment]:
        """Each new generation as it is made (the current one first); ends or raises when broken."""
        ...

    def leave(self) -> None: ...

    def report_status(self, updates: Sequence[StatusUpdate], topics: Sequence[TopicStatus] = ()) -> None: ...

    def submit_task_configs(self, connector: str, configs: Sequence[Mapping[str, str]]) -> None: ...
