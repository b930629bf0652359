"""``connectd standalone``: one worker with every role in one process."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path

from confluent_kafka.admin import AdminClient

from connectd import __version__
from connectd.config import ConfigFileError, WorkerConfig, load_connector_file, load_properties
from connectd.embedded_broker import EMBEDDED_BROKER_DEFAULTS, EmbeddedBroker
from connectd.errors import ConnectdError
from connectd.plugins.registry import PluginRegistry
from connectd.runtime.model import ServerInfo, TargetState
from connectd.runtime.standalone import StandaloneControlPlane
from connectd.runtime.status import MemoryStatusStore
from connectd.runtime.worker import Worker
from connectd.storage.file_offsets import FileOffsetBackend
from gateway.app import create_app
from services.logs import configure_logging
from services.metrics.exporter import MetricsPort, role_registry
from services.rest_listeners import RestListeners
from services.rest_server import RestServer
from services.roles import warn_removed_keys

log = logging.getLogger("connectd.standalone")

KAFKA_API_LEVEL = "4.1.0"


class StartupError(RuntimeError):
    """A one-line reason the standalone worker cannot start."""


def _initial_state(value: str | None) -> TargetState:
    states = {"RUNNING": TargetState.STARTED, "PAUSED": TargetState.PAUSED, "STOPPED": TargetState.STOPPED}
    if value is None:
        return TargetState.STARTED
    try:
        return states[value.upper()]
    except KeyError:
        raise StartupError(f"initial_state must be RUNNING, PAUSED or STOPPED, not {value!r}") from None


def embedded_broker_config(config: WorkerConfig, broker: EmbeddedBroker) -> WorkerConfig:
    return WorkerConfig(
        {**EMBEDDED_BROKER_DEFAULTS, **config.raw_originals, "bootstrap.servers": broker.bootstrap_servers}
    )


def kafka_cluster_id(config: WorkerConfig) -> str | None:
    try:
        return AdminClient({"bootstrap.servers": config.bootstrap_servers}).list_topics(timeout=10).cluster_id
    except Exception:
        return None


def run_standalone(worker_properties: str, connector_files: list[str]) -> int:
    try:
        config = WorkerConfig(load_properties(worker_properties))
    except (ConfigFileError, ValueError) as exc:
        raise StartupError(f"{worker_properties}: {exc}") from None
    if config.exactly_once_source:
        raise StartupError(
            f"{worker_properties}: exactly.once.source.support=enabled needs distributed mode (its offsets "
            "commit in Kafka transactions to offset.storage.topic); standalone keeps them in a file"
        )
    filename = config["offset.storage.file.filename"]
    if not filename:
        raise StartupError(
            f"{worker_properties}: offset.storage.file.filename is required in standalone mode"
        )
    connectors = []
    for path in connector_files:
        try:
            connectors.append(load_connector_file(path))
        except ConfigFileError as exc:
            raise StartupError(str(exc)) from None
    worker_id = config.advertised_host_port
    configure_logging("standalone", worker_id, config["log.format"], worker=worker_id)
    rest = RestListeners.open(config)
    warn_removed_keys(config)

    broker: EmbeddedBroker | None = None
    if not config.bootstrap_servers:
        broker = EmbeddedBroker().start()
        config = embedded_broker_config(config, broker)
        log.warning(
            "no bootstrap.servers configured: started an embedded Kafka-protocol broker (tansu) at %s, "
            "pid %s. It keeps records in memory only: when this process stops or crashes, records no "
            "sink has read yet are lost. Set bootstrap.servers to a Kafka cluster for durable data.",
            broker.bootstrap_servers,
            broker.pid,
        )
    offsets = FileOffsetBackend(Path(filename))
    offsets.start()
    if broker is not None and (earlier := offsets.connectors()):
        log.warning(
            "%s holds source offsets of %s from an earlier run, but the embedded broker starts empty: "
            "records those connectors sent before and no sink had read are lost; their sources resume "
            "after the committed offsets and do not send them again.",
            filename,
            ", ".join(earlier),
        )
    registry = PluginRegistry.discover(config["plugin.path"] or [])
    statuses = MemoryStatusStore()
    worker = Worker(worker_id, config, registry, offsets, statuses)
    control = StandaloneControlPlane(
        worker,
        registry,
        statuses,
        ServerInfo(KAFKA_API_LEVEL, f"connectd-{__version__}", kafka_cluster_id(config)),
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())

    metrics = role_registry(config, worker.metrics.samples)
    app = create_app(
        control, advertised_url=config.advertised_url, config=config, auth=rest.auth, metrics=metrics
    )
    server = RestServer(app, rest.endpoints)
    server.start()
    metrics_port = MetricsPort(config, metrics, config.listener.bind_host, "standalone")
    log.info(
        "Connect REST API listening on %s, advertised as %s (plugins: %d)",
        rest,
        config.advertised_url,
        len(registry.plugins()),
    )
    exit_code = 0
    try:
        for connector in connectors:
            try:
                control.create_connector(
                    connector.name, connector.config, _initial_state(connector.initial_state)
                )
            except ConnectdError as exc:
                log.error("failed to create connector %s: %s", connector.name, exc)
                exit_code = 1
                stop.set()
        control.mark_started()
        stop.wait()
        log.info("stopping: final offset flush, then shutdown")
    finally:
        metrics_port.stop()
        server.stop()
        control.stop()
        offsets.stop()
        if broker is not None:
            broker.stop()
        log.info("stopped")
    return exit_code
