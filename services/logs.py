"""One log line per event, tagged with the role and worker id."""

from __future__ import annotations

import logging
import os
import sys


def configure_logging(role: str, worker_id: str = "-") -> None:
    level = os.environ.get("CONNECTD_LOG_LEVEL", "INFO").upper()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter(f"%(asctime)s %(levelname)s [{role} {worker_id}] %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Per-request access logs would drown the events that matter.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
