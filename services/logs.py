"""One log line per event, tagged with the role and worker id: text (default) or one JSON object."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any

from connectd.runtime.log_context import FIELDS, LogContextFilter, set_defaults
from connectd.runtime.log_scrubbing import ResolvedValueFilter


class JsonFormatter(logging.Formatter):
    """``log.format=json``: one JSON object per line (newlines in a message or trace are escaped by
    the encoding), for log pipelines that would otherwise parse the text format with regexes."""

    def __init__(self, role: str, process_tag: str) -> None:
        super().__init__()
        self.role = role
        self.process_tag = process_tag

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC)
        entry: dict[str, Any] = {
            "ts": ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "role": self.role,
            "process": self.process_tag,
            "message": record.getMessage(),
        }
        for key in FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        # exc_text first: ResolvedValueFilter leaves the scrubbed trace there.
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        trace = "\n".join(t for t in (record.exc_text, record.stack_info) if t)
        if trace:
            entry["trace"] = trace
        # ensure_ascii=False: names and messages stay readable; default=str: a task id field is a tuple.
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(
    role: str,
    worker_id: str = "-",
    log_format: str = "text",
    *,
    worker: str | None = None,
    group: str | None = None,
) -> None:
    level = os.environ.get("CONNECTD_LOG_LEVEL", "INFO").upper()
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        set_defaults(worker=worker, group=group)
        handler.addFilter(LogContextFilter())
        handler.setFormatter(JsonFormatter(role, worker_id))
    else:
        handler.setFormatter(
            logging.Formatter(f"%(asctime)s %(levelname)s [{role} {worker_id}] %(name)s: %(message)s")
        )
    # Values config providers resolved are logged as their placeholders, whoever logs them.
    handler.addFilter(ResolvedValueFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Per-request access logs would drown the events that matter.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
