"""``GET /health`` (KIP-1017): whether the worker can serve requests, as Kafka Connect's WorkerStatus.

One rule for both modes: a probe checks, within a bounded deadline, what serving requests depends on
(standalone: the control plane's lock; distributed gateway: the gRPC health of the coordinator and
the offset store). A passing probe is ``healthy``. A failing one is ``starting`` until the worker has
started, ``unhealthy`` afterwards; the failure's description follows Kafka's message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

HEALTH_CHECK_TIMEOUT_S = 10.0
"""Kafka's deadline for ``/health``."""

HEALTHY_MESSAGE = "Worker has completed startup and is ready to handle requests."
STARTING_MESSAGE = "Worker is still starting up."
UNHEALTHY_MESSAGE = "Worker was unable to handle this request and may be unable to handle other requests."

HealthProbe = Callable[[float], str | None]
"""Given a deadline in seconds, None when healthy, else a one-sentence description of what is not."""


class HealthState(StrEnum):
    HEALTHY = "healthy"
    STARTING = "starting"
    UNHEALTHY = "unhealthy"


@dataclass(frozen=True, slots=True)
class WorkerStatus:
    status: HealthState
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status.value, "message": self.message}


class HealthCheck:
    """Runs a probe and names the outcome.

    ``started`` says whether startup is over; without it, startup is over once a probe first passed
    (a gateway has nothing to start but its connections)."""

    def __init__(
        self,
        probe: HealthProbe,
        started: Callable[[], bool] | None = None,
        timeout_s: float = HEALTH_CHECK_TIMEOUT_S,
    ) -> None:
        self._probe = probe
        self._started = started
        self._timeout = timeout_s
        self._passed_once = False

    def check(self) -> WorkerStatus:
        problem = self._probe(self._timeout)
        if problem is None:
            self._passed_once = True
            return WorkerStatus(HealthState.HEALTHY, HEALTHY_MESSAGE)
        started = self._started() if self._started is not None else self._passed_once
        if started:
            return WorkerStatus(HealthState.UNHEALTHY, f"{UNHEALTHY_MESSAGE} {problem}")
        return WorkerStatus(HealthState.STARTING, f"{STARTING_MESSAGE} {problem}")
