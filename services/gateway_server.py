"""``connectd gateway``: the Connect REST API of one group, backed by the coordinator over gRPC."""

from __future__ import annotations

import logging
import threading

from connectd import __version__
from connectd.config import WorkerConfig
from connectd.plugins.registry import PluginRegistry
from connectd.runtime.connector_offsets import ConnectorOffsetsManager
from connectd.runtime.health import HealthCheck
from connectd.runtime.model import ServerInfo
from connectd.runtime.topic_tracking import TopicTrackingSettings
from gateway.app import create_app
from services.coordinator.client import CoordinatorControl
from services.health_probe import grpc_health_probe
from services.offset_store.client import admin_offsets, offset_topic
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
    timeout_s = int(config["request.timeout.ms"]) / 1000
    # The offsets API: source offsets through the offset store, changes acknowledged before replying.
    source_offsets = admin_offsets(
        config["offset.store.address"], offset_topic(config), timeout_s=timeout_s, read_patience_s=timeout_s
    )
    # The plugins whose alter_offsets hooks the offsets API calls (Kafka runs them on its leader).
    hooks = PluginRegistry.discover(config["plugin.path"] or [])
    control = CoordinatorControl(
        config["coordinator.address"],
        group_id,
        server_info,
        int(config["request.timeout.ms"]) / 1000,
        topic_tracking=TopicTrackingSettings.from_config(config),
        offsets=ConnectorOffsetsManager(config, source_offsets, hooks),
        health=HealthCheck(
            grpc_health_probe(
                {"coordinator": config["coordinator.address"], "offset store": config["offset.store.address"]}
            )
        ),
    )
    app = create_app(control, advertised_url=f"http://{config.advertised_host_port}", config=config)
    server = RestServer(app, sock)
    server.start()
    log.info("gateway for group %s: Connect REST API on %s", group_id, listener)
    try:
        stop.wait()
    finally:
        server.stop()
        control.close()
        source_offsets.stop()
    return 0
