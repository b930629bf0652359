"""A worker's :class:`~connectd.cluster.coordinator_port.CoordinatorPort` over the
GroupMembershipService: domain types in and out, domain errors for failed calls."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import grpc

from connectd.cluster.assignments import MemberAssignment
from connectd.cluster.coordinator_port import (
    HeartbeatResult,
    Registration,
    RegistrationResult,
    StatusUpdate,
)
from connectd.errors import UnavailableError
from connectd.runtime.topic_tracking import TopicStatus
from connectd.v1 import membership_pb2 as pb
from connectd.v1 import membership_pb2_grpc
from services import convert
from services.coordinator.client import CoordinatorChannel
from services.grpc_support import domain_error_from
from services.security.grpc_credentials import GrpcSecurity


class GrpcCoordinatorPort:
    def __init__(
        self, address: str, group_id: str, worker_id: str, security: GrpcSecurity, timeout_s: float = 10.0
    ) -> None:
        self._rpc = CoordinatorChannel(address, security, timeout_s)
        self._stub = membership_pb2_grpc.GroupMembershipServiceStub(self._rpc.channel)
        self.group_id = group_id
        self.worker_id = worker_id
        # The session of the latest registration, presented by every other call.
        self._session = ""

    @property
    def session(self) -> str:
        """The session of the latest registration ("" before the first)."""
        return self._session

    def close(self) -> None:
        self._rpc.close()

    def register(self, registration: Registration) -> RegistrationResult:
        request = pb.RegisterWorkerRequest(
            group_id=self.group_id,
            worker_id=self.worker_id,
            address=registration.address,
            plugins=[convert.plugin_to_pb(p) for p in registration.plugins],
            storage=convert.storage_to_pb(registration.storage),
            running_connectors=list(registration.connectors),
            running_tasks=[
                pb.RunningTask(id=convert.task_id_to_pb(t), epoch=e) for t, e in registration.tasks.items()
            ],
        )
        response = self._rpc.call(self._stub.RegisterWorker, request)
        self._session = response.session
        return RegistrationResult(response.heartbeat_interval_ms, response.lease_timeout_ms)

    def heartbeat(self, applied_generation: int) -> HeartbeatResult:
        request = pb.HeartbeatRequest(
            group_id=self.group_id,
            worker_id=self.worker_id,
            applied_generation=applied_generation,
            session=self._session,
        )
        response = self._rpc.call(self._stub.Heartbeat, request)
        return HeartbeatResult(response.generation, response.topic_resets)

    def leave(self) -> None:
        self._rpc.call(
            self._stub.LeaveGroup,
            pb.LeaveGroupRequest(group_id=self.group_id, worker_id=self.worker_id, session=self._session),
        )

    def watch(self) -> Iterator[MemberAssignment]:
        """Assignments as the coordinator pushes them; raises a domain error when the stream breaks."""
        request = pb.WatchAssignmentsRequest(
            group_id=self.group_id, worker_id=self.worker_id, session=self._session
        )
        # No deadline: the stream lives as long as the membership; breaks surface as errors.
        stream = self._stub.WatchAssignments(request)
        try:
            for message in stream:
                yield convert.assignment_from_pb(message)
        except grpc.RpcError as exc:
            raise domain_error_from(exc, f"coordinator at {self._rpc.address}") from None
        finally:
            stream.cancel()
        raise UnavailableError(f"coordinator at {self._rpc.address} closed the assignment stream")

    def report_status(self, updates: Sequence[StatusUpdate], topics: Sequence[TopicStatus] = ()) -> None:
        request = pb.ReportStatusRequest(
            group_id=self.group_id,
            worker_id=self.worker_id,
            updates=[convert.status_update_to_pb(u) for u in updates],
            active_topics=[convert.active_topic_to_pb(t) for t in topics],
            session=self._session,
        )
        self._rpc.call(self._stub.ReportStatus, request)

    def submit_task_configs(self, connector: str, configs: Sequence[Mapping[str, str]]) -> None:
        request = pb.SubmitTaskConfigsRequest(
            group_id=self.group_id,
            worker_id=self.worker_id,
            connector=connector,
            tasks=[pb.TaskConfig(config=dict(c)) for c in configs],
            session=self._session,
        )
        self._rpc.call(self._stub.SubmitTaskConfigs, request)
