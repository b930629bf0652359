"""``connectd gateway``: the Connect REST API of one group, backed by the coordinator over gRPC."""

from __future__ import annotations

import logging
import threading

from connectd import __version__
from connectd.config import WorkerConfig
from connectd.runtime.model import ServerInfo
from gateway.app import create_app
from services.coordinator.client import CoordinatorControl
from services.rest_server import RestServer, bind_listener
from services.standalone import KAFKA_API_LEVEL, kafka_cluster_id

log = logging.getLogger("connectd.gateway")


class GatewayStartupError(RuntimeError):
    """A one-line reason the gateway cannot start."""


def serve_gateway(config: WorkerConfig, stop: threading.Event) -> int:
    group_id = config["group.id"]
    if not group_id:
        raise GatewayStartupError("the gateway serves one group: set group.id")
    listener = config.listener
    sock = bind_listener(listener)
    server_info = ServerInfo(KAFKA_API_LEVEL, f"connectd-{__version__}", kafka_cluster_id(config))
    control = CoordinatorControl(
        config["coordinator.address"], group_id, server_info, int(config["request.timeout.ms"]) / 1000
    )
    server = RestServer(create_app(control, advertised_url=f"http://{config.advertised_host_port}"), sock)
    server.start()
    log.info("gateway for group %s: Connect REST API on %s", group_id, listener)
    try:
        stop.wait()
    finally:
        server.stop()
        control.close()
    return 0
