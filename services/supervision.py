"""What ``connectd cluster`` does when one of its processes dies: say how, and when to start it again.

Pure parts, no processes: :class:`RestartBackoff` decides when a dead process starts again
(exponential backoff, reset once it ran long enough to count as healthy), :func:`describe_exit`
words an exit status for the user.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, field


def describe_exit(returncode: int) -> str:
    """``exited with code 1`` or ``was killed by SIGKILL`` (Popen's negative codes are signals)."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}"
    return f"exited with code {returncode}"


@dataclass(slots=True)
class RestartBackoff:
    """Delays before restarts of one process: ``initial_s``, doubling per death up to ``max_s``; a
    process that stayed up ``stable_after_s`` since its last start is back to ``initial_s``."""

    initial_s: float = 1.0
    max_s: float = 30.0
    stable_after_s: float = 60.0
    _next_delay_s: float = field(init=False)
    _started_at: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if not 0 < self.initial_s <= self.max_s:
            raise ValueError("RestartBackoff needs 0 < initial_s <= max_s")
        self._next_delay_s = self.initial_s

    def started(self, now: float) -> None:
        self._started_at = now

    def died(self, now: float) -> float:
        """The delay before the next start of a process that died at ``now``."""
        if self._started_at is not None and now - self._started_at >= self.stable_after_s:
            self._next_delay_s = self.initial_s
        delay = self._next_delay_s
        self._next_delay_s = min(self.max_s, delay * 2)
        self._started_at = None
        return delay
