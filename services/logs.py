"""One log line per event, tagged with the role and worker id."""

from __future__ import annotations

import logging
import os
import sys

from connectd.runtime.log_scrubbing import ResolvedValueFilter


def configure_logging(role: str, worker_id: str = "-") -> None:
    level = os.environ.get("CONNECTD_LOG_LEVEL", "INFO").upper()
    handler = logging.StreamHandler(sys.stderr)
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
