"""ClusterAdminService: what a group is made of, and cluster-scope loggers."""

from __future__ import annotations

from typing import Any

import grpc

from connectd.cluster.coordinator import Coordinator
from connectd.runtime.logger_levels import process_loggers, require_level
from connectd.v1 import cluster_admin_pb2 as pb
from connectd.v1 import cluster_admin_pb2_grpc
from services import convert


class ClusterAdminServicer(cluster_admin_pb2_grpc.ClusterAdminServiceServicer):
    def __init__(self, coordinator: Coordinator) -> None:
        self._core = coordinator

    def DescribeGroup(self, request: Any, context: grpc.ServicerContext) -> Any:
        group = self._core.group(request.group_id)
        members = []
        for view in group.describe():
            members.append(
                pb.GroupMember(
                    worker_id=view.worker_id,
                    address=view.address,
                    generation=view.generation,
                    applied_generation=view.applied_generation,
                    connectors=sorted(view.units.connectors),
                    tasks=[convert.task_id_to_pb(t) for t in sorted(view.units.tasks)],
                    live=view.live,
                    task_epochs=[
                        pb.AssignedTaskEpoch(id=convert.task_id_to_pb(t), epoch=e)
                        for t, e in sorted(view.epochs.items())
                    ],
                )
            )
        return pb.DescribeGroupResponse(members=members, storage=convert.storage_to_pb(group.storage))

    def SetClusterLoggerLevel(self, request: Any, context: grpc.ServicerContext) -> Any:
        # The coordinator is part of every group's cluster: its own process first, then the workers.
        level = require_level(request.level or None)
        process_loggers().set_level(request.logger, level)
        applied, failed = self._core.set_worker_logger_levels(request.group_id, request.logger, level)
        return pb.SetClusterLoggerLevelResponse(applied_worker_ids=applied, failed_worker_ids=failed)
