"""The offset store's gRPC client: :class:`GrpcOffsetStore`, the
:class:`~connectd.storage.remote_offsets.OffsetStorePort` the core's buffered backends run over."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import grpc

from connectd.config import WorkerConfig
from connectd.storage.fencing import TaskClaim
from connectd.storage.remote_offsets import AdminOffsets, BufferedOffsetBackend, Entries
from connectd.v1 import offset_store_pb2 as pb
from connectd.v1 import offset_store_pb2_grpc
from services import convert
from services.grpc_support import domain_error_from, open_channel
from services.security.grpc_credentials import GrpcSecurity

T = TypeVar("T")


def offset_topic(config: WorkerConfig) -> pb.OffsetTopic:
    """Where a group keeps its source offsets, from the worker config of its workers and gateway."""
    return pb.OffsetTopic(
        group_id=config["group.id"] or "",
        name=config["offset.storage.topic"] or "",
        partitions=int(config["offset.storage.partitions"]),
        replication_factor=int(config["offset.storage.replication.factor"]),
    )


def offset_entries(entries: Entries) -> list[pb.OffsetEntry]:
    """Entries; a None offset leaves ``offset_json`` unset, a tombstone."""
    return [
        pb.OffsetEntry(partition_json=p) if o is None else pb.OffsetEntry(partition_json=p, offset_json=o)
        for p, o in entries.items()
    ]


def claim_to_pb(claim: TaskClaim) -> pb.TaskClaim:
    return pb.TaskClaim(task=convert.task_id_to_pb(claim.task), epoch=claim.epoch, worker_id=claim.worker_id)


def claim_from_pb(claim: pb.TaskClaim) -> TaskClaim:
    return TaskClaim(convert.task_id_from_pb(claim.task), claim.epoch, claim.worker_id)


class GrpcOffsetStore:
    def __init__(
        self, address: str, topic: pb.OffsetTopic, security: GrpcSecurity, timeout_s: float = 10.0
    ) -> None:
        self.address = address
        self._topic = topic
        self._timeout = timeout_s
        self._channel = open_channel(address, security)
        self._stub = offset_store_pb2_grpc.OffsetStoreServiceStub(self._channel)

    def _call(self, method: Callable[..., T], request: Any) -> T:
        try:
            return method(request, timeout=self._timeout)
        except grpc.RpcError as exc:
            raise domain_error_from(exc, f"offset store at {self.address}") from None

    def get(self, connector: str, partitions: Sequence[str]) -> dict[str, str | None]:
        request = pb.GetOffsetsRequest(topic=self._topic, connector=connector, partition_jsons=partitions)
        response = self._call(self._stub.GetOffsets, request)
        return {
            e.partition_json: e.offset_json if e.HasField("offset_json") else None for e in response.entries
        }

    def list(self, connector: str) -> dict[str, str]:
        response = self._call(
            self._stub.ListOffsets, pb.ListOffsetsRequest(topic=self._topic, connector=connector)
        )
        return {e.partition_json: e.offset_json for e in response.entries}

    def commit(self, connector: str, entries: Entries, claim: TaskClaim | None) -> None:
        request = pb.CommitOffsetsRequest(
            topic=self._topic, connector=connector, entries=offset_entries(entries)
        )
        if claim is not None:
            request.claim.CopyFrom(claim_to_pb(claim))
        self._call(self._stub.CommitOffsets, request)

    def alter(self, connector: str, entries: Entries) -> None:
        request = pb.AlterOffsetsRequest(
            topic=self._topic, connector=connector, entries=offset_entries(entries)
        )
        self._call(self._stub.AlterOffsets, request)

    def claim(self, claim: TaskClaim) -> None:
        self._call(self._stub.ClaimTask, pb.ClaimTaskRequest(topic=self._topic, claim=claim_to_pb(claim)))

    def close(self) -> None:
        self._channel.close()


def remote_offsets(
    address: str, topic: pb.OffsetTopic, security: GrpcSecurity, timeout_s: float = 10.0
) -> BufferedOffsetBackend:
    """A worker's offset backend over the offset store at ``address``."""
    return BufferedOffsetBackend(
        GrpcOffsetStore(address, topic, security, timeout_s), f"offset store at {address}"
    )


def admin_offsets(
    address: str,
    topic: pb.OffsetTopic,
    security: GrpcSecurity,
    timeout_s: float = 10.0,
    read_patience_s: float = 60.0,
) -> AdminOffsets:
    """The gateway's view for the REST offsets API: writes answered once durable, never buffered."""
    return AdminOffsets(
        GrpcOffsetStore(address, topic, security, timeout_s),
        f"offset store at {address}",
        read_patience_s=read_patience_s,
    )
