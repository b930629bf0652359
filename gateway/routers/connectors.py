"""``/connectors``: list, create, read, replace, delete, status, tasks."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from connectd.errors import BadRequestError, NotFoundError
from connectd.runtime.control import ConnectControl
from connectd.runtime.model import TargetState
from gateway.dependencies import Control, config_map, in_thread, json_body
from gateway.errors import RequestError
from gateway.schemas import (
    CONFIG_MAP,
    ConnectorInfo,
    ConnectorStateInfo,
    CreateConnectorRequest,
    TaskInfo,
    body,
    error_responses,
    json_request_body,
)
from gateway.status_view import get_status_view

router = APIRouter(prefix="/connectors", tags=["connectors"])

_INITIAL_STATES = {
    "RUNNING": TargetState.STARTED,
    "PAUSED": TargetState.PAUSED,
    "STOPPED": TargetState.STOPPED,
}


# Java's String.trim(), as Kafka trims the name: characters up to U+0020 only (Python's strip() would
# also drop U+0085 and U+00A0, hiding a control character from the name rule).
_JAVA_TRIMMED = "".join(map(chr, range(0x21)))


def _location(request: Request, name: str) -> str:
    return str(request.base_url).rstrip("/") + "/connectors/" + quote(name, safe="")


def _check_name(config: dict[str, str | None], name: str) -> dict[str, str]:
    """Body ``name`` must match; otherwise it is inserted (stored configs always hold ``name``). The
    name rule itself (:mod:`connectd.connector_name`) is config validation's, in both modes."""
    configured = config.get("name")
    if configured is not None and configured != name:
        raise BadRequestError(
            f"Connector name configuration ({configured}) doesn't match connector name in the URL ({name})"
        )
    return {**config, "name": name}  # type: ignore[dict-item]


@router.get(
    "",
    summary="Connector names, or a map of them expanded with status and/or info",
    responses={200: body(list[str] | dict[str, dict[str, Any]], "Names, or a map name -> {status, info}")},
)
async def list_connectors(
    request: Request, control: Control, expand: Annotated[list[str] | None, Query()] = None
) -> Any:
    view = get_status_view(request)
    if view is not None:
        # The common listings, from the status view's JSON; anything else (or a view not current) asks.
        if not expand:
            body = view.names_json()
        elif set(expand) == {"status"}:
            body = view.status_listing_json()
        else:
            body = None
        if body is not None:
            return _json_response(body)
    return await in_thread(_list_connectors, control, expand)


def _json_response(body: bytes) -> Response:
    return Response(body, media_type="application/json")


def _list_connectors(control: ConnectControl, expand: list[str] | None) -> Any:
    names = control.connector_names()
    if not expand:
        return names
    result: dict[str, dict[str, Any]] = {}
    # One call for every status, not one per connector (200 connectors made 201 calls per request).
    statuses = control.connector_statuses() if "status" in expand else {}
    for name in names:
        entry: dict[str, Any] = {}
        try:
            if "status" in expand:
                if name not in statuses:
                    continue  # deleted mid-listing or no status yet: left out, as Kafka does
                entry["status"] = statuses[name].to_dict()
            if "info" in expand:
                entry["info"] = control.connector_info(name).to_dict()
        except NotFoundError:
            continue  # deleted mid-listing or no status yet: left out, as Kafka does
        result[name] = entry
    return result


@router.post(
    "",
    status_code=201,
    summary="Create a connector",
    responses={201: body(ConnectorInfo, "Created; Location names it"), **error_responses(400, 409, 413, 415)},
    openapi_extra=json_request_body(CreateConnectorRequest, "The connector's name, config and initial state"),
)
async def create_connector(request: Request, control: Control) -> JSONResponse:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise RequestError(400, "Request body must be a JSON object with 'name' and 'config'")
    unknown = set(body) - {"name", "config", "initial_state"}
    if unknown:
        raise RequestError(400, f"Unrecognized field(s) in request body: {', '.join(sorted(unknown))}")
    name = str(body.get("name") or "").strip(_JAVA_TRIMMED)
    if "config" not in body or body["config"] is None:
        raise RequestError(400, "Request body is missing the 'config' object")
    config = _check_name(config_map(body["config"], "config"), name)
    state_name = body.get("initial_state")
    if state_name is None:
        initial_state = TargetState.STARTED
    elif isinstance(state_name, str) and state_name.upper() in _INITIAL_STATES:
        initial_state = _INITIAL_STATES[state_name.upper()]
    else:
        raise RequestError(400, f"initial_state must be one of RUNNING, PAUSED, STOPPED; got {state_name!r}")
    info = await in_thread(control.create_connector, name, config, initial_state)
    return JSONResponse(info.to_dict(), status_code=201, headers={"Location": _location(request, name)})


@router.get(
    "/{name}",
    summary="Connector info: config, tasks, type",
    responses={200: body(ConnectorInfo), **error_responses(404)},
)
def get_connector(name: str, control: Control) -> dict[str, Any]:
    return control.connector_info(name).to_dict()


@router.delete(
    "/{name}",
    status_code=204,
    summary="Delete a connector (offsets are kept)",
    responses=error_responses(404),
)
def delete_connector(name: str, control: Control) -> Response:
    control.delete_connector(name)
    return Response(status_code=204)


@router.get("/{name}/config", summary="The connector's stored config", responses=error_responses(404))
def get_config(name: str, control: Control) -> dict[str, str]:
    return control.connector_config(name)


@router.put(
    "/{name}/config",
    summary="Create or replace a connector's config",
    responses={
        200: body(ConnectorInfo, "Replaced"),
        201: body(ConnectorInfo, "Created; Location names it"),
        **error_responses(400, 413, 415),
    },
    openapi_extra=json_request_body(CONFIG_MAP, "The whole config; keys left out are removed"),
)
async def put_config(name: str, request: Request, control: Control) -> JSONResponse:
    config = _check_name(config_map(await json_body(request), "request body"), name)
    created, info = await in_thread(control.put_connector_config, name, config)
    if created:
        return JSONResponse(info.to_dict(), status_code=201, headers={"Location": _location(request, name)})
    return JSONResponse(info.to_dict(), status_code=200)


@router.patch(
    "/{name}/config",
    summary="Merge into a connector's config (null removes a key)",
    responses={200: body(ConnectorInfo), **error_responses(400, 404, 413, 415)},
    openapi_extra=json_request_body(CONFIG_MAP, "Keys to set; a null value removes the key"),
)
async def patch_config(name: str, request: Request, control: Control) -> dict[str, Any]:
    patch = config_map(await json_body(request), "request body")
    info = await in_thread(control.patch_connector_config, name, patch)
    return info.to_dict()


@router.get(
    "/{name}/status",
    summary="Connector and task states",
    responses={200: body(ConnectorStateInfo), **error_responses(404)},
)
async def get_status(name: str, request: Request, control: Control) -> dict[str, Any]:
    view = get_status_view(request)
    body = view.status_json(name) if view is not None else None
    if body is not None:
        return _json_response(body)  # type: ignore[return-value]  # FastAPI passes a Response through
    return (await in_thread(control.connector_status, name)).to_dict()


@router.get(
    "/{name}/tasks",
    summary="The connector's task configs",
    responses={200: body(list[TaskInfo]), **error_responses(404)},
)
def get_tasks(name: str, control: Control) -> list[dict[str, Any]]:
    return [task.to_dict() for task in control.task_infos(name)]
