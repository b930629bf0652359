"""The app factory: one FastAPI app per control plane, nothing created at import time."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from connectd import __version__
from connectd.config import WorkerConfig
from connectd.runtime.control import ConnectControl
from gateway.dependencies import accepts_json
from gateway.errors import install_error_handlers
from gateway.limits import RestLimits
from gateway.middleware import RequestTargetMiddleware
from gateway.openapi import install_openapi
from gateway.routers import admin, connectors, lifecycle, offsets, plugins, root, topics


def create_app(
    control: ConnectControl, *, advertised_url: str | None = None, config: WorkerConfig | None = None
) -> FastAPI:
    """``config`` sets the request limits (:class:`gateway.limits.RestLimits`); defaults without it."""
    limits = RestLimits.from_config(config)
    app = FastAPI(
        title="connectd — Kafka Connect REST API",
        version=__version__,
        description="The Kafka Connect REST API, served by connectd's gateway.",
        dependencies=[Depends(accepts_json)],
        # Kafka serves /connectors/ itself; RequestTargetMiddleware routes it, never a redirect.
        redirect_slashes=False,
    )
    app.state.control = control
    app.state.advertised_url = advertised_url
    # Read by the routes (body size, JSON depth) and by services.rest_server (the request-head limits).
    app.state.rest_limits = limits
    app.add_middleware(RequestTargetMiddleware, max_target_bytes=limits.max_target_bytes)
    install_error_handlers(app)
    install_openapi(app)
    for router in (root.router, connectors.router, lifecycle.router, plugins.router):
        app.include_router(router)
    app.include_router(topics.router)
    app.include_router(offsets.router)
    app.include_router(admin.router)
    return app
