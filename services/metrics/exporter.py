"""A role's metrics registry and its optional ``metrics.port`` HTTP server."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from wsgiref.simple_server import WSGIServer

from prometheus_client import GC_COLLECTOR, PLATFORM_COLLECTOR, PROCESS_COLLECTOR, start_http_server
from prometheus_client.registry import CollectorRegistry

from connectd.config import WorkerConfig
from connectd.metrics import settings as keys
from connectd.metrics.samples import SampleList
from services.metrics.collector import ConnectCollector

log = logging.getLogger(__name__)


def role_registry(
    config: WorkerConfig, read: Callable[[], list[SampleList]] | None = None
) -> CollectorRegistry:
    """The process collectors, and the core's metrics of this role (``read``) when it has any."""
    registry = CollectorRegistry(auto_describe=True)
    for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
        registry.register(collector)
    if read is not None:
        registry.register(ConnectCollector(read, bool(config[keys.STRIMZI_NAMES])))
    return registry


class MetricsPort:
    """``/metrics`` on ``metrics.port`` (when set) at ``host``; :meth:`stop` closes it."""

    def __init__(self, config: WorkerConfig, registry: CollectorRegistry, host: str, role: str) -> None:
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None
        port = config[keys.PORT]
        if port is None:
            return
        try:
            self._server, self._thread = start_http_server(int(port), host, registry)
        except OSError as exc:
            raise OSError(f"{role}: cannot serve metrics on {host}:{port} (metrics.port): {exc}") from None
        log.info("%s: Prometheus metrics on http://%s:%d/metrics", role, host, self.port)

    @property
    def port(self) -> int | None:
        return None if self._server is None else int(self._server.server_port)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
