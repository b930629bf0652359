"""Kafka's sampled statistics (``metrics.sample.window.ms`` x ``metrics.num.samples``): values fall
into a ring of time windows, and avg, max and rate are read over the windows still live.

Written by one thread (the task's) and read by a scrape on another without a lock: a read racing a
window change sees one window more or less, never a torn number (each slot is one Python object)."""

from __future__ import annotations

import math


class SampledStat:
    """avg, max, sum per second and count of the values recorded over the last ``samples`` windows."""

    __slots__ = ("_counts", "_index", "_maxes", "_starts", "_sums", "window_s")

    def __init__(self, window_s: float, samples: int, now: float) -> None:
        self.window_s = window_s
        count = max(2, samples)
        self._starts = [now] + [-math.inf] * (count - 1)
        self._counts = [0] * count
        self._sums = [0.0] * count
        self._maxes = [-math.inf] * count
        self._index = 0

    def record(self, value: float, now: float) -> None:
        i = self._index
        if now - self._starts[i] >= self.window_s:
            i = self._index = (i + 1) % len(self._starts)
            self._starts[i], self._counts[i], self._sums[i], self._maxes[i] = now, 0, 0.0, -math.inf
        self._counts[i] += 1
        self._sums[i] += value
        if value > self._maxes[i]:
            self._maxes[i] = value

    def _live(self, now: float) -> list[int]:
        horizon = self.window_s * len(self._starts)
        return [i for i, start in enumerate(self._starts) if now - start < horizon]

    def count(self, now: float) -> int:
        return sum(self._counts[i] for i in self._live(now))

    def avg(self, now: float) -> float:
        """Mean of the live values; NaN with none (as Kafka's Avg)."""
        live = self._live(now)
        count = sum(self._counts[i] for i in live)
        return sum(self._sums[i] for i in live) / count if count else math.nan

    def max(self, now: float) -> float:
        """Largest live value; NaN with none (as Kafka's Max)."""
        values = [self._maxes[i] for i in self._live(now) if self._counts[i]]
        return max(values) if values else math.nan

    def rate(self, now: float) -> float:
        """Sum of the live values per second. As Kafka's Rate, the elapsed time counts at least
        ``samples - 1`` full windows, so that a young window does not inflate the rate."""
        live = self._live(now)
        if not live:
            return 0.0
        oldest = min(self._starts[i] for i in live)
        elapsed = max(now - oldest, self.window_s * (len(self._starts) - 1))
        return sum(self._sums[i] for i in live) / elapsed


class StateClock:
    """Time spent in each state since the first one: Kafka's running-ratio and pause-ratio."""

    __slots__ = ("_since", "_spent", "_started", "state")

    def __init__(self, state: str, now: float) -> None:
        self.state = state
        self._started = self._since = now
        self._spent: dict[str, float] = {}

    def change(self, state: str, now: float) -> None:
        self._spent[self.state] = self._spent.get(self.state, 0.0) + now - self._since
        self.state, self._since = state, now

    def ratio(self, state: str, now: float) -> float:
        total = now - self._started
        if total <= 0:
            return 1.0 if state == self.state else 0.0
        spent = self._spent.get(state, 0.0) + (now - self._since if state == self.state else 0.0)
        return spent / total
