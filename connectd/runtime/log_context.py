"""Which connector, task, worker or group a log line is about, for the structured (JSON) log format.

Log messages name a task as text ("task %s running"); a log pipeline needs it as a field. The task
runner threads and a connector's start set the ids here, and ``LogContextFilter`` (installed on the
JSON log handler) copies them onto every record logged meanwhile. A ``ContextVar`` rather than a
thread-local: each new thread starts with an empty context, so a task's ids never leak into another.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

# The record attributes this module sets, in the order the JSON format writes them.
FIELDS = ("connector", "task", "worker", "group")

_current: ContextVar[dict[str, Any]] = ContextVar("connectd_log_context", default={})  # noqa: B039 - never mutated
# Process-wide values (the worker id, the group), used when the context does not say.
_defaults: dict[str, Any] = {}


def set_defaults(**fields: Any) -> None:
    """Fields every record of this process carries unless a context overrides them (None: unset)."""
    _defaults.clear()
    _defaults.update({k: v for k, v in fields.items() if v is not None})


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Records logged inside the block carry ``fields`` (added to the enclosing context's)."""
    token = _current.set({**_current.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _current.reset(token)


def current() -> dict[str, Any]:
    return {**_defaults, **_current.get()}


class LogContextFilter(logging.Filter):
    """A handler filter: sets the context's fields on the record, unless the caller passed them
    (``extra={"connector": ...}``) itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in current().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True
