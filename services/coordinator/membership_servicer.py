"""GroupMembershipService: the workers' side of the coordinator, a thin adapter over the core."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import grpc

from connectd.cluster.coordinator import Coordinator
from connectd.v1 import membership_pb2 as pb
from connectd.v1 import membership_pb2_grpc
from services import convert

# How long one WatchAssignments wait lasts before it re-checks that the worker is still a member.
WATCH_POLL_SECONDS = 1.0


class GroupMembershipServicer(membership_pb2_grpc.GroupMembershipServiceServicer):
    def __init__(self, coordinator: Coordinator, stopping: threading.Event | None = None) -> None:
        self._core = coordinator
        # Set on shutdown: assignment streams end at once instead of holding the server's grace period.
        self._stopping = stopping or threading.Event()

    def RegisterWorker(self, request: Any, context: grpc.ServicerContext) -> Any:
        admission = self._core.register(
            request.group_id,
            request.worker_id,
            request.address,
            [convert.plugin_from_pb(p) for p in request.plugins],
            convert.storage_from_pb(request.storage),
            list(request.running_connectors),
            {convert.task_id_from_pb(t.id): t.epoch for t in request.running_tasks},
        )
        settings = admission.settings
        return pb.RegisterWorkerResponse(
            heartbeat_interval_ms=settings.heartbeat_interval_ms,
            lease_timeout_ms=settings.lease_timeout_ms,
            session=admission.session,
        )

    def Heartbeat(self, request: Any, context: grpc.ServicerContext) -> Any:
        generation = self._core.heartbeat(
            request.group_id, request.worker_id, request.session, request.applied_generation
        )
        topic_resets = self._core.group(request.group_id).active_topics.resets
        return pb.HeartbeatResponse(generation=generation, topic_resets=topic_resets)

    def WatchAssignments(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        last: int | None = None
        while context.is_active() and not self._stopping.is_set():
            assignment = self._core.next_assignment(
                request.group_id, request.worker_id, request.session, last, WATCH_POLL_SECONDS
            )
            if assignment is not None:
                last = assignment.generation
                yield convert.assignment_to_pb(assignment)

    def LeaveGroup(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._core.leave(request.group_id, request.worker_id, request.session)
        return pb.LeaveGroupResponse()

    def ReportStatus(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._core.report_status(
            request.group_id,
            request.worker_id,
            request.session,
            [convert.status_update_from_pb(u) for u in request.updates],
            [convert.active_topic_from_pb(t) for t in request.active_topics],
        )
        return pb.ReportStatusResponse()

    def SubmitTaskConfigs(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._core.submit_task_configs(
            request.group_id,
            request.worker_id,
            request.session,
            request.connector,
            [dict(t.config) for t in request.tasks],
        )
        return pb.SubmitTaskConfigsResponse()
