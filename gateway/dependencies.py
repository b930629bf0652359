"""Request parsing shared by the routers: the control plane, JSON bodies, lenient query booleans."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, ParamSpec, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from connectd.runtime.control import ConnectControl
from gateway.errors import RequestError
from gateway.limits import RestLimits

# The dependencies below are coroutines although they never await: FastAPI runs a plain function
# dependency in its thread pool, a thread hop per dependency per request (three for GET /, most of
# its cost under load).


async def get_control(request: Request) -> ConnectControl:
    return request.app.state.control


Control = Annotated[ConnectControl, Depends(get_control)]

P = ParamSpec("P")
T = TypeVar("T")


async def in_thread(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking control call (starting or stopping tasks, waiting on other processes) in
    Starlette's thread pool, keeping it off the event loop."""
    return await run_in_threadpool(fn, *args, **kwargs)


def query_flag(value: str | None) -> bool:
    """JAX-RS semantics: ``true`` in any case is true, anything else is false (never a 4xx)."""
    return value is not None and value.strip().lower() == "true"


async def accepts_json(request: Request) -> None:
    """An ``Accept`` header that rules out JSON gets 406, as from Connect's JAX-RS resources."""
    accept = request.headers.get("accept")
    if not accept or not accept.strip():
        return
    for media_range in accept.split(","):
        media_type, *params = (part.strip() for part in media_range.split(";"))
        if media_type.lower() not in ("application/json", "application/*", "*/*", "*"):
            continue
        quality = next((p.split("=", 1)[1] for p in params if p.replace(" ", "").startswith("q=")), "1")
        try:
            if float(quality) > 0:
                return
        except ValueError:
            return  # a garbled q-value: serve JSON rather than refuse
    raise RequestError(406, "HTTP 406 Not Acceptable")


UNSUPPORTED_MEDIA_TYPE = "HTTP 415 Unsupported Media Type: send Content-Type: application/json"


def get_limits(request: Request) -> RestLimits:
    return request.app.state.rest_limits


async def json_body(request: Request) -> Any:
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise RequestError(415, UNSUPPORTED_MEDIA_TYPE)
    limits = get_limits(request)
    raw = await _read_body(request, limits.max_body_bytes)
    try:
        value = json.loads(raw)
    except RecursionError:
        raise RequestError(400, _too_deep(limits.max_json_depth)) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestError(400, f"Request body is not valid JSON: {exc}") from None
    if json_depth(value) > limits.max_json_depth:
        raise RequestError(400, _too_deep(limits.max_json_depth))
    return value


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 once it exceeds ``limit`` bytes: up front by Content-Length, and by a
    running count for a chunked body, so an oversized body is never held in memory. The unread rest is
    discarded by the server (the connection stays usable)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise RequestError(413, _too_large(f"{int(declared)} bytes", limit))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestError(413, _too_large(f"over {limit} bytes", limit))
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(seen: str, limit: int) -> str:
    return f"Request body too large: {seen}; the limit is {limit} bytes (rest.request.max.bytes)"


def _too_deep(limit: int) -> str:
    return f"Request body nests JSON arrays and objects deeper than the limit of {limit} levels"


def json_depth(value: Any) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def config_map(value: Any, where: str) -> dict[str, str | None]:
    """A connector config: a flat JSON object; numbers and booleans become strings, null stays None."""
    if not isinstance(value, dict):
        raise RequestError(400, f"{where} must be a JSON object of configuration keys to string values")
    out: dict[str, str | None] = {}
    for key, item in value.items():
        if item is None or isinstance(item, str):
            out[key] = item
        elif isinstance(item, bool):
            out[key] = "true" if item else "false"
        elif isinstance(item, int | float):
            out[key] = str(item)
        else:
            raise RequestError(
                400, f"{where}: the value of {key!r} must be a string, number, boolean or null"
            )
    return out
