"""``connectd gateway``: the Connect REST API of one group apart from its workers (each worker serves
the same API on its own ``rest.port`` too: :mod:`services.group_rest`)."""

from __future__ import annotations

import logging
import threading

from connectd.config import WorkerConfig
from services.group_rest import GroupRestApi
from services.security.grpc_credentials import GrpcSecurity

log = logging.getLogger("connectd.gateway")


class GatewayStartupError(RuntimeError):
    """A one-line reason the gateway cannot start."""


def serve_gateway(config: WorkerConfig, security: GrpcSecurity, stop: threading.Event) -> int:
    group_id = config["group.id"]
    if not group_id:
        raise GatewayStartupError("the gateway serves one group: set group.id")
    api = GroupRestApi(config, security)
    api.start()
    log.info("gateway for group %s: Connect REST API on %s", group_id, api.listener)
    try:
        stop.wait()
    finally:
        api.stop()
    return 0
