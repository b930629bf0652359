"""The app factory: one FastAPI app per control plane, nothing created at import time."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from connectd import __version__
from connectd.runtime.control import ConnectControl
from gateway.dependencies import accepts_json
from gateway.errors import install_error_handlers
from gateway.openapi import install_openapi
from gateway.routers import admin, connectors, lifecycle, offsets, plugins, root, topics


def create_app(control: ConnectControl, *, advertised_url: str | None = None) -> FastAPI:
    app = FastAPI(
        title="connectd — Kafka Connect REST API",
        version=__version__,
        description="The Kafka Connect REST API, served by connectd's gateway.",
        dependencies=[Depends(accepts_json)],
    )
    app.state.control = control
    app.state.advertised_url = advertised_url
    install_error_handlers(app)
    install_openapi(app)
    for router in (root.router, connectors.router, lifecycle.router, plugins.router):
        app.include_router(router)
    app.include_router(topics.router)
    app.include_router(offsets.router)
    app.include_router(admin.router)
    return app
