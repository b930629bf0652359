"""The app factory: one FastAPI app per control plane, nothing created at import time."""

from __future__ import annotations

from fastapi import FastAPI

from connectd import __version__
from connectd.runtime.control import ConnectControl
from gateway.errors import install_error_handlers
from gateway.routers import connectors, plugins, root


def create_app(control: ConnectControl, *, advertised_url: str | None = None) -> FastAPI:
    app = FastAPI(
        title="connectd — Kafka Connect REST API",
        version=__version__,
        description="The Kafka Connect REST API, served by connectd's gateway.",
    )
    app.state.control = control
    app.state.advertised_url = advertised_url
    install_error_handlers(app)
    for router in (root.router, connectors.router, plugins.router):
        app.include_router(router)
    return app
