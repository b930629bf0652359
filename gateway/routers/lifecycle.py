"""Connector lifecycle: pause, resume, stop, restarts (KIP-745) and per-task status."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from connectd.runtime.control import ConnectControl
from connectd.runtime.model import TaskId
from gateway.dependencies import Control, query_flag
from gateway.errors import RequestError
from gateway.schemas import error_responses

router = APIRouter(prefix="/connectors/{name}", tags=["lifecycle"])


# Task ids are Java ints (int32 on the wire between roles).
MAX_TASK_ID = 2**31 - 1
_INTEGER = re.compile(r"[+-]?[0-9]+")


def _task_id(name: str, task: str) -> TaskId:
    # JAX-RS answers a non-integer path id with a plain 404, not a 400.
    if not _INTEGER.fullmatch(task):
        raise RequestError(404, "HTTP 404 Not Found")
    # More than 10 significant digits is out of range; int() would refuse 4,300 or more.
    number = int(task) if len(task.lstrip("+-").lstrip("0")) <= 10 else MAX_TASK_ID + 1
    if not 0 <= number <= MAX_TASK_ID:
        shown = task if len(task) <= 24 else f"{task[:20]}..."
        raise RequestError(400, f"Task id {shown} is out of range: task ids are 0 to {MAX_TASK_ID}")
    return TaskId(name, number)


@router.get("/tasks/{task}/status", summary="One task's state", responses=error_responses(400, 404))
def task_status(name: str, task: str, control: Control) -> dict[str, Any]:
    task_id = _task_id(name, task)
    return {"id": task_id.task, **control.task_status(task_id).to_dict()}


@router.post(
    "/restart",
    summary="Restart the connector; with includeTasks/onlyFailed, its tasks too (202 with the status)",
    status_code=204,
    responses={
        202: {"description": "Restart accepted; the status with RESTARTING instances"},
        **error_responses(404, 409),
    },
)
def restart_connector(
    name: str, control: Control, includeTasks: str | None = None, onlyFailed: str | None = None
) -> Response:
    include_tasks, only_failed = query_flag(includeTasks), query_flag(onlyFailed)
    snapshot = control.restart_connector(name, include_tasks, only_failed)
    if not include_tasks and not only_failed:
        return Response(status_code=204)
    return JSONResponse(snapshot.to_dict(), status_code=202)


@router.post(
    "/tasks/{task}/restart",
    status_code=204,
    summary="Restart one task, whatever its state",
    responses=error_responses(400, 404, 409),
)
def restart_task(name: str, task: str, control: Control) -> Response:
    control.restart_task(_task_id(name, task))
    return Response(status_code=204)


def _target_state_route(
    path: str, status: int, summary: str, change: Callable[[ConnectControl, str], None]
) -> None:
    """PUT /pause, /resume and /stop: set a target state, answer with an empty body."""

    def set_target_state(name: str, control: Control) -> Response:
        change(control, name)
        return Response(status_code=status)

    set_target_state.__name__ = path.strip("/")  # the OpenAPI operation id
    router.put(path, status_code=status, summary=summary, responses=error_responses(404))(set_target_state)


_target_state_route(
    "/pause",
    202,
    "Pause: connector and tasks stay assigned but idle",
    lambda control, name: control.pause_connector(name),
)
_target_state_route(
    "/resume",
    202,
    "Resume a PAUSED or STOPPED connector",
    lambda control, name: control.resume_connector(name),
)
_target_state_route(
    "/stop",
    204,
    "Stop: tasks torn down and their configs cleared",
    lambda control, name: control.stop_connector(name),
)
