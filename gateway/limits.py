"""The REST API's request limits: what one request may cost the gateway, and the two settings for them.

Every limit answers with Kafka's error body and a message naming the limit (see docs/rest-api.md,
"Request limits"), never a 5xx or a dropped connection.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectd.config import (
    DEFAULT_HEADER_TIMEOUT_MS,
    DEFAULT_MAX_BODY_BYTES,
    HEADER_TIMEOUT_MS_KEY,
    MAX_BODY_BYTES_KEY,
    WorkerConfig,
)

# The request target (path and query). A connector name of MAX_CONNECTOR_NAME_LENGTH characters
# percent-encodes to at most 12 bytes a character (4 UTF-8 bytes, 3 characters each): 12,288, plus the
# longest route around it, stays under this.
MAX_TARGET_BYTES = 16 * 1024
# The request head (request line and headers), bounded at the protocol level before routing.
MAX_HEAD_BYTES = 1024 * 1024
# JSON nesting: configs are flat, offsets a few levels deep; Python's parser recurses per level.
MAX_JSON_DEPTH = 64


def uri_too_long(size: str, limit: int) -> str:
    """The 414 message, from the app's middleware or from the HTTP parser."""
    return f"Request URI too long: {size} of path and query; the limit is {limit} bytes"


@dataclass(frozen=True, slots=True)
class RestLimits:
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    header_timeout_s: float = DEFAULT_HEADER_TIMEOUT_MS / 1000
    max_target_bytes: int = MAX_TARGET_BYTES
    max_head_bytes: int = MAX_HEAD_BYTES
    max_json_depth: int = MAX_JSON_DEPTH

    @classmethod
    def from_config(cls, config: WorkerConfig | None) -> RestLimits:
        """The limits a worker config sets (its other keys are ignored); the defaults without one."""
        if config is None:
            return cls()
        return cls(
            max_body_bytes=config[MAX_BODY_BYTES_KEY], header_timeout_s=config[HEADER_TIMEOUT_MS_KEY] / 1000
        )
