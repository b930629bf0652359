"""The Connect REST API of one group, as the gateway and every distributed worker serve it: the same
FastAPI app over the coordinator (gRPC) and the offset store, on the process's own listeners
(``listeners``, else ``rest.host.name`` + ``rest.port``, 8083 by default; ``admin.listeners``; https
and authentication as :mod:`services.rest_listeners` reads them). Any of them answers any request for
its group; none needs to be a leader."""

from __future__ import annotations

import functools
import logging

from prometheus_client.registry import CollectorRegistry

from connectd import __version__
from connectd.config import WorkerConfig
from connectd.plugins.registry import PluginRegistry
from connectd.runtime.connector_offsets import ConnectorOffsetsManager
from connectd.runtime.health import HealthCheck
from connectd.runtime.model import ServerInfo
from connectd.runtime.topic_tracking import TopicTrackingSettings
from gateway.app import create_app
from services.coordinator.client import CoordinatorControl
from services.coordinator.status_view import CoordinatorStatusView
from services.gateway_forks import ForkedCoordinatorControl, ForkShared
from services.health_probe import grpc_health_probe
from services.offset_store.client import admin_offsets, offset_topic
from services.rest_listeners import RestListeners
from services.rest_server import RestServer
from services.security.grpc_credentials import GrpcSecurity
from services.standalone import KAFKA_API_LEVEL, kafka_cluster_id

log = logging.getLogger(__name__)


class GroupRestApi:
    """Reads the TLS material and credentials and binds the listeners at once (a taken port, a missing
    keystore or credentials file is a one-line startup error naming the key); :meth:`start` serves,
    :meth:`stop` closes everything it opened. ``listener`` prints as the list of endpoints."""

    def __init__(
        self,
        config: WorkerConfig,
        security: GrpcSecurity,
        registry: PluginRegistry | None = None,
        forks: ForkShared | None = None,
        eager_view: bool = False,
        metrics: CollectorRegistry | None = None,
    ) -> None:
        """``eager_view``: open the status stream at once (the gateway); else on the first status read
        (a worker, whose REST API may never be asked: its stream would cost the coordinator for
        nothing). ``metrics``: the registry served on ``/metrics`` (a worker's holds its tasks')."""
        self._config = config
        self._security = security  # the process's gRPC credentials, to the coordinator and offset store
        self.listener = self._rest = RestListeners.open(config)
        self._server: RestServer | None = None
        self._control: CoordinatorControl | None = None
        self._view: CoordinatorStatusView | None = None
        self._registry = registry
        # What the processes of one gateway share (:mod:`services.gateway_forks`); None: one process.
        self._forks = forks
        self._eager_view = eager_view
        self.metrics = metrics

    @property
    def config(self) -> WorkerConfig:
        return self._config

    def start(self) -> None:
        config = self._config
        timeout_s = int(config["request.timeout.ms"]) / 1000
        # The offsets API: source offsets through the offset store, changes acknowledged before replying.
        store = config["offset.store.address"]
        self._source_offsets = admin_offsets(
            store, offset_topic(config), self._security, timeout_s=timeout_s, read_patience_s=timeout_s
        )
        # The plugins whose alter_offsets hooks the offsets API calls (Kafka runs them on its leader).
        hooks = self._registry or PluginRegistry.discover(config["plugin.path"] or [])
        control = (
            CoordinatorControl
            if self._forks is None
            else functools.partial(ForkedCoordinatorControl, loggers=self._forks.loggers)
        )
        self._control = control(
            config["coordinator.address"],
            config["group.id"],
            ServerInfo(KAFKA_API_LEVEL, f"connectd-{__version__}", kafka_cluster_id(config)),
            timeout_s,
            topic_tracking=TopicTrackingSettings.from_config(config),
            offsets=ConnectorOffsetsManager(config, self._source_offsets, hooks),
            health=HealthCheck(
                grpc_health_probe(
                    {"coordinator": config["coordinator.address"], "offset store": store}, self._security
                )
            ),
            security=self._security,
        )
        # Status reads from memory, kept current by the coordinator's status stream.
        fence = self._forks.fence if self._forks is not None else None
        self._view = CoordinatorStatusView(self._control.channel, config["group.id"], timeout_s, fence)
        if self._eager_view:
            self._view.start()
        app = create_app(
            self._control,
            advertised_url=config.advertised_url,
            config=config,
            auth=self._rest.auth,
            status_view=self._view,
            metrics=self.metrics,
        )
        self._server = RestServer(app, self._rest.endpoints)
        self._server.start()
        log.info(
            "Connect REST API of group %s on %s, advertised as %s",
            config["group.id"],
            self._rest,
            config.advertised_url,
        )

    def close_listeners(self) -> None:
        """Close the bound sockets alone: the process that forked the servers of them."""
        self._rest.close()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        if self._view is not None:
            self._view.close()
        if self._control is not None:
            self._control.close()
            self._source_offsets.stop()
        self._rest.close()
