"""The gateway's ``/health`` probe: the standard gRPC health check of each role it depends on."""

from __future__ import annotations

import time
from collections.abc import Mapping

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from connectd.runtime.health import HealthProbe
from services.grpc_support import open_channel
from services.security.grpc_credentials import GrpcSecurity


def grpc_health_probe(roles: Mapping[str, str], security: GrpcSecurity) -> HealthProbe:
    """A probe that passes when every role (name -> address) answers SERVING within the deadline,
    the roles sharing it in turn."""

    def probe(timeout_s: float) -> str | None:
        deadline = time.monotonic() + timeout_s
        for role, address in roles.items():
            remaining = max(0.05, deadline - time.monotonic())
            try:
                with open_channel(address, security) as channel:
                    response = health_pb2_grpc.HealthStub(channel).Check(
                        health_pb2.HealthCheckRequest(service=""), timeout=remaining
                    )
            except grpc.RpcError as exc:
                code = exc.code()  # type: ignore[attr-defined]
                if code is grpc.StatusCode.DEADLINE_EXCEEDED:
                    return f"The {role} at {address} did not answer its health check within {timeout_s:g}s."
                return f"The {role} at {address} did not answer its health check ({code.name})."
            if response.status != health_pb2.HealthCheckResponse.SERVING:
                status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
                return f"The {role} at {address} reports {status}."
        return None

    return probe
