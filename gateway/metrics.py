"""``/metrics`` on the REST listener, and the REST API's latency as a histogram per route.

The route label is the route's template (``/connectors/{connector}/status``), never the raw path, so
its values are bounded by the routes of the app; a path no route matches is ``unmatched``."""

from __future__ import annotations

import time

from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, Histogram, generate_latest
from prometheus_client.registry import CollectorRegistry
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = "unmatched"
# From a cached status read (~1 ms) to a config write waiting on the coordinator (seconds).
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class RequestLatencyMiddleware:
    """Innermost middleware: it shares the scope the router fills in with the matched route."""

    def __init__(self, app: ASGIApp, histogram: Histogram) -> None:
        self.app = app
        self.histogram = histogram

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]  # what an exception escaping the app becomes

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            self.histogram.labels(scope["method"], route, str(status[0])).observe(
                time.perf_counter() - started
            )


def install_metrics(app: FastAPI, registry: CollectorRegistry | None) -> None:
    """Serve ``registry`` (with the REST latency added to it) on ``GET /metrics``; None: no /metrics,
    no latency recorded."""
    if registry is None:
        return
    histogram = Histogram(
        "connectd_rest_request_duration_seconds",
        "Time to answer a REST request, by method, route template and status code",
        ["method", "route", "code"],
        buckets=_BUCKETS,
        registry=registry,
    )
    app.add_middleware(RequestLatencyMiddleware, histogram=histogram)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
