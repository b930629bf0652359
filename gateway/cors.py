"""Cross-origin requests, with Kafka's keys and the defaults of the Jetty filter Kafka uses.

``access.control.allow.origin`` empty (the default): no CORS headers, browsers allow only same-origin
calls. Otherwise a comma-separated list of origins, ``*`` for any, and ``*`` inside an entry matching
anything (``https://*.example.com``); the allowed origin is echoed back, with credentials allowed.
``access.control.allow.methods`` lists the methods (default ``GET,POST,HEAD``). A preflight ``OPTIONS``
is answered here, before authentication: a browser sends it without credentials.
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from connectd.config import WorkerConfig

ALLOW_ORIGIN_KEY = "access.control.allow.origin"
ALLOW_METHODS_KEY = "access.control.allow.methods"
# Jetty CrossOriginFilter's defaults, as Kafka leaves them; Authorization added, so that a browser may
# send credentials to an API that requires them.
DEFAULT_METHODS = ("GET", "POST", "HEAD")
ALLOWED_HEADERS = ("X-Requested-With", "Content-Type", "Accept", "Origin", "Authorization")
PREFLIGHT_MAX_AGE_S = 1800


def origin_regex(allowed: str) -> str | None:
    """One regular expression matching every origin ``allowed`` lists; None when it lists none."""
    entries = [entry.strip() for entry in allowed.split(",") if entry.strip()]
    if not entries:
        return None
    return "|".join(
        ".*" if entry == "*" else ".*".join(map(re.escape, entry.split("*"))) for entry in entries
    )


def install_cors(app: FastAPI, config: WorkerConfig | None) -> None:
    if config is None:
        return
    pattern = origin_regex(str(config[ALLOW_ORIGIN_KEY] or ""))
    if pattern is None:
        return
    methods = [m.strip().upper() for m in str(config[ALLOW_METHODS_KEY] or "").split(",") if m.strip()]
    app.add_middleware(
        CORSMiddleware,
        # A pattern even for "*": the origin is echoed back, as Jetty does, which credentialed
        # requests need (browsers refuse "Access-Control-Allow-Origin: *" with credentials).
        allow_origin_regex=pattern,
        allow_methods=methods or list(DEFAULT_METHODS),
        allow_headers=list(ALLOWED_HEADERS),
        allow_credentials=True,
        max_age=PREFLIGHT_MAX_AGE_S,
    )
