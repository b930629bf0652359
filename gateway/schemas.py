"""The shapes the OpenAPI document (``/openapi.json``, ``/docs``) declares: the error body, request
bodies and the main response entities of the Kafka Connect REST API.

Documentation only: routers parse bodies themselves (Kafka's coercions and messages, see
:mod:`gateway.dependencies`) and render entities with ``to_dict()`` (Kafka omits some nulls), so
these models never validate or filter anything at run time.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ErrorBody(BaseModel):
    """Every error Connect answers (any status >= 400)."""

    error_code: int = Field(description="The HTTP status")
    message: str | None


_ERROR_DESCRIPTIONS = {
    400: "Bad request: invalid config, name mismatch, malformed body",
    401: "No valid credentials (when the REST API requires them): User cannot access the resource.",
    403: "Refused: a read-only credential on a write, or a feature the worker's configuration disables",
    404: "Unknown connector, task, plugin or logger",
    406: "The Accept header rules out application/json",
    409: "Conflict: exists already, or a concurrent change in the group",
    413: "The body is larger than rest.request.max.bytes, or too large for the config topic",
    414: "The request target (path and query) is longer than the limit",
    415: "The body is not application/json",
    500: "Internal failure or timed-out operation",
    503: "A role this request needs (coordinator, offset store) is unreachable",
}

# What any route may answer, declared once on the app.
COMMON_ERROR_CODES = (401, 403, 406, 414, 500, 503)


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route or router: each code with the ``{error_code, message}`` body."""
    return {code: {"model": ErrorBody, "description": _ERROR_DESCRIPTIONS[code]} for code in codes}


def json_request_body(model: type[BaseModel] | dict[str, Any], description: str) -> dict[str, Any]:
    """``openapi_extra=`` declaring the JSON body a route parses by hand."""
    schema = model if isinstance(model, dict) else _inlined(model.model_json_schema())
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": schema}},
        }
    }


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic schema with its ``$defs`` references inlined: a request body schema sits inside the
    OpenAPI document, where ``#/$defs/...`` would not resolve."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(definitions[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(schema)


# A connector config: flat string map (numbers and booleans are accepted and stored as strings).
CONFIG_MAP: dict[str, Any] = {
    "type": "object",
    "additionalProperties": {"type": ["string", "number", "boolean", "null"]},
    "example": {
        "connector.class": "FileStreamSink",
        "tasks.max": "1",
        "file": "/tmp/connect-sink.txt",
        "topics": "t",
    },
}


class CreateConnectorRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"title": "CreateConnectorRequest"})

    name: str
    config: dict[str, str | int | float | bool | None]
    initial_state: Literal["RUNNING", "PAUSED", "STOPPED"] | None = Field(
        None, description="Case-insensitive; absent means RUNNING"
    )


class ServerInfo(BaseModel):
    version: str
    commit: str
    kafka_cluster_id: str | None


class ConnectorTaskId(BaseModel):
    connector: str
    task: int


class ConnectorInfo(BaseModel):
    name: str
    config: dict[str, str]
    tasks: list[ConnectorTaskId]
    type: Literal["source", "sink", "unknown"]


class TaskInfo(BaseModel):
    id: ConnectorTaskId
    config: dict[str, str]


class InstanceState(BaseModel):
    state: Literal["UNASSIGNED", "RUNNING", "PAUSED", "STOPPED", "FAILED", "RESTARTING"]
    worker_id: str
    trace: str | None = Field(None, description="Only present for failures")
    version: str | None = Field(None, description="Only present when the plugin reports one")


class TaskState(InstanceState):
    id: int


class ConnectorStateInfo(BaseModel):
    name: str
    connector: InstanceState
    tasks: list[TaskState]
    type: Literal["source", "sink", "unknown"]


class WorkerStatus(BaseModel):
    """``GET /health``, whatever its status code."""

    status: Literal["healthy", "starting", "unhealthy"]
    message: str


def body(model: Any, description: str = "Success") -> dict[str, Any]:
    """One success entry of ``responses=``."""
    return {"model": model, "description": description}
