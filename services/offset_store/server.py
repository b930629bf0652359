"""``connectd offset-store``: the OffsetStoreService over one Kafka-topic offset backend per group."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import grpc

from connectd.config import WorkerConfig
from connectd.errors import BadRequestError, FailedPreconditionError, UnavailableError
from connectd.metrics.role_metrics import offset_store_samples
from connectd.runtime import client_configs
from connectd.storage.fencing import TaskClaim
from connectd.storage.kafka_log import KafkaStoreError
from connectd.storage.kafka_offsets import KafkaOffsetBackend
from connectd.storage.offsets import canonical_json
from connectd.v1 import offset_store_pb2 as pb
from connectd.v1 import offset_store_pb2_grpc
from services.grpc_support import GrpcServer
from services.metrics.exporter import MetricsPort, role_registry
from services.offset_store.client import claim_from_pb
from services.security.grpc_credentials import GrpcSecurity

log = logging.getLogger("connectd.offset_store")


def _json_object(text: str, field: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise BadRequestError(f"{field} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise BadRequestError(f"{field} must be a JSON object, saw {text[:100]}")
    return value


class OffsetBackends:
    """One started backend per group; a group stays bound to the topic it first named."""

    def __init__(self, config: WorkerConfig) -> None:
        self._config = config
        self._lock = threading.Lock()
        self._backends: dict[str, KafkaOffsetBackend] = {}

    def for_topic(self, topic: Any) -> KafkaOffsetBackend:
        if not topic.group_id or not topic.name:
            raise BadRequestError("topic.group_id and topic.name are required")
        with self._lock:
            backend = self._backends.get(topic.group_id)
            kafka_topic = self._config.topic_names.to_kafka(topic.name)
            if backend is not None:
                if backend.topic != kafka_topic:
                    raise FailedPreconditionError(
                        f"group {topic.group_id} keeps its offsets in another topic than "
                        f"offset.storage.topic={topic.name}"
                    )
                return backend
            backend = KafkaOffsetBackend(
                self._config.bootstrap_servers or "",
                kafka_topic,
                partitions=topic.partitions or int(self._config["offset.storage.partitions"]),
                replication_factor=topic.replication_factor
                or int(self._config["offset.storage.replication.factor"]),
                client_config=client_configs.admin_config(self._config),
            )
            try:
                backend.start()
            except KafkaStoreError as exc:
                raise UnavailableError(str(exc)) from None
            self._backends[topic.group_id] = backend
            log.info("group %s: offsets in topic %s", topic.group_id, topic.name)
            return backend

    def count(self) -> int:
        with self._lock:
            return len(self._backends)

    def close(self) -> None:
        with self._lock:
            backends, self._backends = list(self._backends.values()), {}
        for backend in backends:
            backend.stop()


class OffsetStoreServicer(offset_store_pb2_grpc.OffsetStoreServiceServicer):
    def __init__(self, backends: OffsetBackends) -> None:
        self._backends = backends

    def GetOffsets(self, request: Any, context: grpc.ServicerContext) -> Any:
        backend = self._backends.for_topic(request.topic)
        partitions = [_json_object(p, "partition_jsons") for p in request.partition_jsons]
        found = backend.get(request.connector, partitions)
        return pb.GetOffsetsResponse(
            entries=[
                pb.OffsetEntry(partition_json=raw)
                if offset is None
                else pb.OffsetEntry(partition_json=raw, offset_json=canonical_json(offset))
                for raw, offset in zip(request.partition_jsons, found, strict=True)
            ]
        )

    def _write(self, request: Any, claim: TaskClaim | None = None) -> None:
        if not request.connector:
            raise BadRequestError("connector is required")
        backend = self._backends.for_topic(request.topic)
        offsets = [
            (
                _json_object(e.partition_json, "partition_json"),
                _json_object(e.offset_json, "offset_json") if e.HasField("offset_json") else None,
            )
            for e in request.entries
        ]
        try:
            backend.write(request.connector, offsets, claim)
        except KafkaStoreError as exc:
            raise UnavailableError(str(exc)) from None

    def CommitOffsets(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._write(request, claim_from_pb(request.claim) if request.HasField("claim") else None)
        return pb.CommitOffsetsResponse()

    def ClaimTask(self, request: Any, context: grpc.ServicerContext) -> Any:
        if not request.HasField("claim") or not request.claim.task.connector:
            raise BadRequestError("claim.task is required")
        backend = self._backends.for_topic(request.topic)
        try:
            backend.claim(claim_from_pb(request.claim))
        except KafkaStoreError as exc:
            raise UnavailableError(str(exc)) from None
        return pb.ClaimTaskResponse()

    def AlterOffsets(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._write(request)
        return pb.AlterOffsetsResponse()

    def ListOffsets(self, request: Any, context: grpc.ServicerContext) -> Any:
        backend = self._backends.for_topic(request.topic)
        return pb.ListOffsetsResponse(
            entries=[
                pb.OffsetEntry(partition_json=canonical_json(p), offset_json=canonical_json(o))
                for p, o in backend.list(request.connector)
            ]
        )

    def ResetOffsets(self, request: Any, context: grpc.ServicerContext) -> Any:
        backend = self._backends.for_topic(request.topic)
        tombstones = [(partition, None) for partition, _ in backend.list(request.connector)]
        try:
            backend.write(request.connector, tombstones)
        except KafkaStoreError as exc:
            raise UnavailableError(str(exc)) from None
        return pb.ResetOffsetsResponse()


def serve_offset_store(config: WorkerConfig, security: GrpcSecurity, stop: threading.Event) -> int:
    backends = OffsetBackends(config)
    server = GrpcServer(
        config.grpc_host, config.grpc_listen_port("offset-store"), security=security, role="offset-store"
    )
    server.add(
        offset_store_pb2_grpc.add_OffsetStoreServiceServicer_to_server,
        OffsetStoreServicer(backends),
        pb.DESCRIPTOR.services_by_name["OffsetStoreService"].full_name,
    )
    server.start()
    registry = role_registry(config, lambda: offset_store_samples(backends.count))
    metrics_port = MetricsPort(config, registry, config.grpc_host, "offset-store")
    log.info("offset store listening for gRPC on %s:%d (%s)", server.host, server.port, security.describe())
    try:
        stop.wait()
    finally:
        log.info("offset store stopping")
        metrics_port.stop()
        server.stop()
        backends.close()
    return 0
