"""A connector's active topics (KIP-558): list them, reset them."""

from __future__ import annotations

from fastapi import APIRouter, Response

from gateway.dependencies import Control
from gateway.schemas import error_responses

router = APIRouter(prefix="/connectors/{name}/topics", tags=["topics"], responses=error_responses(403))


@router.get("", summary="Topics the connector's tasks used since its creation or the last reset")
def active_topics(name: str, control: Control) -> dict[str, dict[str, list[str]]]:
    return {name: {"topics": control.active_topics(name)}}


@router.put("/reset", status_code=202, summary="Forget the connector's active topics")
def reset_active_topics(name: str, control: Control) -> Response:
    control.reset_active_topics(name)
    return Response(status_code=202)
