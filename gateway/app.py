"""The app factory: one FastAPI app per control plane, nothing created at import time."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from prometheus_client.registry import CollectorRegistry

from connectd import __version__
from connectd.config import WorkerConfig
from connectd.runtime.control import ConnectControl
from gateway.auth import Authenticator, authorize
from gateway.console import install_console
from gateway.cors import install_cors
from gateway.dependencies import accepts_json
from gateway.errors import RequestError, install_error_handlers
from gateway.limits import RestLimits
from gateway.metrics import install_metrics
from gateway.middleware import RequestTargetMiddleware
from gateway.openapi import install_openapi
from gateway.routers import admin, connectors, lifecycle, offsets, plugins, root, topics
from gateway.status_view import StatusView, WriteSyncMiddleware


def create_app(
    control: ConnectControl,
    *,
    advertised_url: str | None = None,
    config: WorkerConfig | None = None,
    auth: Authenticator | None = None,
    status_view: StatusView | None = None,
    metrics: CollectorRegistry | None = None,
) -> FastAPI:
    """``config`` sets the request limits (:class:`gateway.limits.RestLimits`), CORS and, unless ``auth``
    is given (already read at startup), the authentication sources; defaults without it: open.
    ``status_view`` answers the status reads from memory (:mod:`gateway.status_view`). ``metrics``: the
    process's registry, served on ``/metrics`` with the REST latency added (:mod:`gateway.metrics`)."""
    limits = RestLimits.from_config(config)
    app = FastAPI(
        title="connectd — Kafka Connect REST API",
        version=__version__,
        description="The Kafka Connect REST API, served by connectd's gateway.",
        # Authentication first, on every route: a caller without credentials learns nothing more.
        dependencies=[Depends(authorize)],
        # Kafka serves /connectors/ itself; RequestTargetMiddleware routes it, never a redirect.
        redirect_slashes=False,
        # Served below as routes, so that the auth dependency covers them too.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.control = control
    app.state.advertised_url = advertised_url
    app.state.authenticator = auth if auth is not None else Authenticator.from_config(config)
    # Read by the routes (body size, JSON depth) and by services.rest_server (the request-head limits).
    app.state.rest_limits = limits
    app.state.status_view = status_view
    install_metrics(app, metrics)  # first: its middleware is the innermost, and sees the matched route
    if status_view is not None:
        app.add_middleware(WriteSyncMiddleware, view=status_view)
    app.add_middleware(RequestTargetMiddleware, max_target_bytes=limits.max_target_bytes)
    install_cors(app, config)  # outermost: preflights are answered before anything else runs
    install_error_handlers(app)
    install_openapi(app)
    _install_docs(app)
    _install_internal_endpoints(app)
    # The API answers JSON only (406 otherwise); the docs pages are HTML.
    json_only = [Depends(accepts_json)]
    for router in (root.router, connectors.router, lifecycle.router, plugins.router):
        app.include_router(router, dependencies=json_only)
    app.include_router(topics.router, dependencies=json_only)
    app.include_router(offsets.router, dependencies=json_only)
    app.include_router(admin.router, dependencies=json_only)
    # The web console (static files; its API calls go through the routes above, authenticated).
    install_console(app)
    return app


def _install_docs(app: FastAPI) -> None:
    """``/openapi.json``, ``/docs`` and ``/redoc``, as FastAPI serves them, behind the app's dependencies."""

    @app.get("/openapi.json", include_in_schema=False)
    def openapi_document() -> dict[str, Any]:
        return app.openapi()

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} - Swagger UI")

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url="/openapi.json", title=f"{app.title} - ReDoc")


def _install_internal_endpoints(app: FastAPI) -> None:
    """Kafka's inter-worker endpoints are not served (workers talk gRPC), but routed, so that they
    answer only after authentication and need an admin role like any write; then 405 and 404, as
    an unknown method and path would be."""

    @app.post("/connectors/{name}/tasks", include_in_schema=False)
    def internal_task_configs(name: str) -> None:
        raise RequestError(405, "HTTP 405 Method Not Allowed", headers=[("allow", "GET")])

    @app.put("/connectors/{name}/fence", include_in_schema=False)
    def internal_fence(name: str) -> None:
        raise RequestError(404, "HTTP 404 Not Found")
