"""``/admin/loggers``: read and change logger levels (KIP-495, scopes of KIP-976).

``scope=worker`` (the default; unknown values too) changes the process that received the request and
answers 200 with the loggers whose level changed; ``scope=cluster`` also reaches every other process
of the cluster and answers 204 (see :class:`connectd.runtime.logger_levels.LoggerAdmin`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from connectd.runtime.logger_levels import KAFKA_LEVELS, LoggerScope, logger_scope
from gateway.dependencies import Control, in_thread, json_body
from gateway.errors import RequestError
from gateway.schemas import error_responses, json_request_body

router = APIRouter(prefix="/admin/loggers", tags=["admin"])

_LEVEL_BODY = {
    "type": "object",
    "properties": {"level": {"type": "string", "enum": list(KAFKA_LEVELS)}},
    "example": {"level": "DEBUG"},
}


@router.get("", summary="Loggers with a level of their own, and root: name -> {level, last_modified}")
def list_loggers(control: Control) -> dict[str, dict[str, Any]]:
    return {name: level.to_dict() for name, level in control.logger_levels().items()}


@router.get("/{logger}", summary="One logger's (possibly inherited) level", responses=error_responses(404))
def get_logger(logger: str, control: Control) -> dict[str, Any]:
    return control.logger_level(logger).to_dict()


@router.put(
    "/{logger}",
    summary="Set the level of a logger and its descendants (?scope=worker|cluster)",
    responses={
        200: {"description": "scope=worker: the loggers whose level changed, sorted"},
        204: {"description": "scope=cluster: applied to every process of the cluster"},
        **error_responses(400, 404, 413, 415),
    },
    openapi_extra=json_request_body(_LEVEL_BODY, "The desired level"),
)
async def set_logger(logger: str, request: Request, control: Control, scope: str | None = None) -> Any:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise RequestError(400, 'Request body must be a JSON object like {"level": "DEBUG"}')
    # Cluster scope waits on every process of the group: off the event loop.
    changed = await in_thread(control.set_logger_level, logger, body.get("level"), scope)
    if logger_scope(scope) is LoggerScope.CLUSTER:
        return Response(status_code=204)
    return changed
