"""The OpenAPI document of the gateway (``/openapi.json``, browsable at ``/docs``), as Connect behaves:
FastAPI's automatic 422 "Validation Error" never happens here (bad input is a 400, see
:mod:`gateway.errors`), and every route may answer the common errors of
:data:`gateway.schemas.COMMON_ERROR_CODES`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from gateway.schemas import COMMON_ERROR_CODES, ErrorBody, error_responses

_ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}


def connect_openapi(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with Connect's error responses; built once, then cached."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        common = {
            str(code): {
                "description": response["description"],
                "content": {"application/json": {"schema": _ERROR_REF}},
            }
            for code, response in error_responses(*COMMON_ERROR_CODES).items()
        }
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                for code, response in common.items():
                    responses.setdefault(code, response)
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas.setdefault("ErrorBody", ErrorBody.model_json_schema())
        app.openapi_schema = document
    return app.openapi_schema


def install_openapi(app: FastAPI) -> None:
    app.openapi = lambda: connect_openapi(app)  # type: ignore[method-assign]
