"""The one mapping from domain errors to HTTP. Every error body is ``{"error_code", "message"}``."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from connectd import errors

log = logging.getLogger(__name__)

STATUS_BY_ERROR: dict[type[errors.ConnectdError], int] = {
    errors.NotFoundError: 404,
    errors.AlreadyExistsError: 409,
    errors.BadRequestError: 400,
    errors.PayloadTooLargeError: 413,
    errors.ConflictError: 409,
    errors.FailedPreconditionError: 409,
    errors.ForbiddenError: 403,
    errors.UnavailableError: 503,
    errors.OperationTimeoutError: 500,
}

_REASONS = {404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable", 415: "Unsupported Media Type"}


class RequestError(Exception):
    """A malformed request the gateway itself detects (bad JSON, wrong body shape)."""

    def __init__(self, status: int, message: str, headers: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = list(headers)


def error_response(status: int, message: str | None, headers: Sequence[tuple[str, str]] = ()) -> JSONResponse:
    response = JSONResponse({"error_code": status, "message": message}, status_code=status)
    for name, value in headers:
        # Appended, not set: a 401 names each scheme in a WWW-Authenticate header of its own.
        response.headers.append(name, value)
    return response


def status_for(error: errors.ConnectdError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(errors.ConnectdError)
    async def domain_error(_: Request, exc: errors.ConnectdError) -> JSONResponse:
        return error_response(status_for(exc), exc.message)

    @app.exception_handler(RequestError)
    async def request_error(_: Request, exc: RequestError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        reason = _REASONS.get(exc.status_code, str(exc.detail))
        return error_response(exc.status_code, f"HTTP {exc.status_code} {reason}")

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        # Kafka answers 500 for bodies it cannot bind; we answer 400 naming the field (documented deviation).
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body') or 'body'}: {e.get('msg')}"
            for e in exc.errors()
        )
        return error_response(400, f"Invalid request: {problems}")

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error in a REST request")
        return error_response(500, str(exc) or type(exc).__name__)
