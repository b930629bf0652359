"""``GET /``: worker info; ``GET /health``: readiness (rules in :mod:`connectd.runtime.health`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from connectd.runtime.health import HealthState
from gateway.dependencies import Control
from gateway.schemas import ServerInfo, WorkerStatus, body

router = APIRouter(tags=["root"])


@router.get("/", summary="Worker version, commit and Kafka cluster id", responses={200: body(ServerInfo)})
async def server_info(control: Control) -> dict[str, Any]:
    # Held in memory: answered on the event loop, no thread hop.
    return control.server_info().to_dict()


_HEALTH_STATUS = {HealthState.HEALTHY: 200, HealthState.STARTING: 503, HealthState.UNHEALTHY: 500}


@router.get(
    "/health",
    summary="Readiness: healthy (200), starting (503) or unhealthy (500)",
    responses={
        200: body(WorkerStatus, "healthy"),
        500: body(WorkerStatus, "unhealthy: the control loop did not answer in time"),
        503: body(WorkerStatus, "starting"),
    },
)
def health(control: Control) -> JSONResponse:
    # The 503 and 500 bodies are WorkerStatus, like the 200 one, not the error body.
    status = control.health()
    return JSONResponse(status.to_dict(), status_code=_HEALTH_STATUS[status.status])
