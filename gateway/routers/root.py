"""``GET /``: worker info."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gateway.dependencies import Control

router = APIRouter(tags=["root"])


@router.get("/", summary="Worker version, commit and Kafka cluster id")
def server_info(control: Control) -> dict[str, Any]:
    return control.server_info().to_dict()
