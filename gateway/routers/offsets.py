"""A connector's offsets (KIP-875): read them in any state; alter or reset them once it is STOPPED.

The rules live in :mod:`connectd.runtime.connector_offsets`; this module only parses and renders.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from connectd.runtime.connector_offsets import parse_alter_request
from gateway.dependencies import Control, in_thread, json_body
from gateway.schemas import body, error_responses, json_request_body

router = APIRouter(prefix="/connectors/{name}/offsets", tags=["offsets"])


class ConnectorOffset(BaseModel):
    partition: dict[str, Any] | None = Field(
        description='Sink: {"kafka_topic", "kafka_partition"}; source: the connector\'s own partition map'
    )
    offset: dict[str, Any] | None = Field(
        description='Sink: {"kafka_offset"}; source: the connector\'s own offset map; null erases it'
    )


class ConnectorOffsets(BaseModel):
    offsets: list[ConnectorOffset]


class Message(BaseModel):
    message: str


@router.get(
    "",
    summary="The connector's committed offsets, in any state",
    responses={200: body(ConnectorOffsets), **error_responses(404)},
)
def get_offsets(name: str, control: Control) -> dict[str, Any]:
    return control.connector_offsets(name)


@router.patch(
    "",
    summary="Alter the offsets of a STOPPED connector",
    responses={200: body(Message), **error_responses(400, 404, 413, 415)},
    openapi_extra=json_request_body(ConnectorOffsets, "Partitions and the offsets to set (null erases)"),
)
async def alter_offsets(name: str, request: Request, control: Control) -> dict[str, str]:
    offsets = parse_alter_request(await json_body(request))
    return {"message": await in_thread(control.alter_connector_offsets, name, offsets)}


@router.delete(
    "",
    summary="Reset (erase) every offset of a STOPPED connector",
    responses={200: body(Message), **error_responses(400, 404)},
)
def reset_offsets(name: str, control: Control) -> dict[str, str]:
    return {"message": control.reset_connector_offsets(name)}
