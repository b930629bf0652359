"""Which connectors' statuses may have changed, by version: what a status watcher (the REST view of a
gateway or worker) needs to stay current without reading every status on every request.

A group bumps the version on every event that can change a status (a report, a config change, a
membership change) and says which connector it touched, or that it touched them all (owners and
connector types depend on membership and plugins). A watcher holding version ``v`` asks what changed
since ``v`` and recomputes only those statuses, under the group's lock, so the version it is told
and the statuses it reads are one consistent state.

Versions start at the coordinator's epoch base (its start time in milliseconds shifted left by 20
bits), so a restarted coordinator's versions are above any its previous incarnation handed out, and a
client can compare versions across a coordinator restart (assuming the wall clock did not go back).
No I/O; one condition wakes waiters.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from connectd.runtime.model import ConnectorStateInfo


@dataclass(frozen=True, slots=True)
class StatusDelta:
    """The statuses at ``version``: all of them (``snapshot``), else those of connectors that may have
    changed since the version asked about, and ``removed`` names that no longer exist."""

    version: int
    snapshot: bool
    statuses: Sequence[ConnectorStateInfo] = ()
    removed: Sequence[str] = field(default_factory=tuple)


class StatusChanges:
    """The change log of one group's statuses: a version and, per connector, the version of its last
    change. Callers hold the group's lock while they touch it (so a change and its version are seen
    together); waiters do not."""

    def __init__(self, base: int) -> None:
        self._changed = threading.Condition()
        self.version = base
        # Connector -> version of its last change, since the last change of everything.
        self._touched: dict[str, int] = {}
        self._all_at = base

    def touch(self, name: str) -> None:
        with self._changed:
            self.version += 1
            self._touched[name] = self.version
            self._changed.notify_all()

    def touch_all(self) -> None:
        with self._changed:
            self.version += 1
            self._all_at = self.version
            # Everything changed at once: the per-name log restarts (it never outgrows the names
            # touched since the last membership change).
            self._touched.clear()
            self._changed.notify_all()

    def since(self, version: int | None) -> tuple[int, set[str] | None]:
        """(current version, the connectors touched after ``version``), or None in place of the set
        when all may have changed (or ``version`` is None: a first read)."""
        with self._changed:
            if version is None or version < self._all_at:
                return self.version, None
            return self.version, {name for name, at in self._touched.items() if at > version}

    def wait_beyond(self, version: int, timeout: float) -> bool:
        """Wait until the version passes ``version``, at most ``timeout`` seconds; whether it did."""
        with self._changed:
            return self._changed.wait_for(lambda: self.version > version, timeout)


class StatusCursor:
    """One watcher's position in the feed: the version it holds and the statuses it was sent, so that
    it is sent only what differs (a membership change touches every connector, but changes few)."""

    def __init__(self) -> None:
        self.version: int | None = None
        self._sent: dict[str, ConnectorStateInfo] = {}

    def advance(self, delta: StatusDelta) -> StatusDelta | None:
        """What to send for ``delta`` (read since :attr:`version`): the first is a snapshot; a later
        one names the statuses that differ from those sent and the connectors gone, and is sent even
        when empty, because its version tells the watcher that it is current. None: no new version."""
        if self.version is not None and delta.version == self.version:
            return None
        if self.version is None:
            self._sent = {status.name: status for status in delta.statuses}
            out = StatusDelta(delta.version, True, list(delta.statuses))
        else:
            changed = [status for status in delta.statuses if self._sent.get(status.name) != status]
            if delta.snapshot:
                present = {status.name for status in delta.statuses}
                removed = sorted(name for name in self._sent if name not in present)
            else:
                removed = [name for name in delta.removed if name in self._sent]
            for name in removed:
                del self._sent[name]
            for status in changed:
                self._sent[status.name] = status
            out = StatusDelta(delta.version, False, changed, removed)
        self.version = delta.version
        return out
