"""``/connector-plugins``: installed plugins and config validation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from gateway.dependencies import Control, config_map, in_thread, json_body, query_flag
from gateway.schemas import CONFIG_MAP, error_responses, json_request_body

router = APIRouter(prefix="/connector-plugins", tags=["connector-plugins"])


@router.get("", summary="Installed plugins (connectors only unless connectorsOnly=false)")
def list_plugins(control: Control, connectorsOnly: str | None = None) -> list[dict[str, Any]]:
    connectors_only = True if connectorsOnly is None else query_flag(connectorsOnly)
    return [plugin.to_dict() for plugin in control.plugins(connectors_only)]


@router.put(
    "/{plugin}/config/validate",
    summary="Validate a connector config without creating anything",
    responses=error_responses(400, 413, 415),
    openapi_extra=json_request_body(CONFIG_MAP, "The connector config to validate"),
)
async def validate_config(plugin: str, request: Request, control: Control) -> dict[str, Any]:
    config = config_map(await json_body(request), "request body")
    # Validation runs on a worker of the group (a gRPC call): off the event loop.
    return await in_thread(control.validate_config, plugin, config)


@router.get(
    "/{plugin}/config",
    summary="A plugin's config definition (?version= a version or range, default latest)",
    responses=error_responses(400, 404),
)
def plugin_config(plugin: str, control: Control, version: str | None = None) -> list[dict[str, Any]]:
    return control.plugin_config(plugin, version)
