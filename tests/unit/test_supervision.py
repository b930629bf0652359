"""The launcher's restart policy and exit wording, as pure functions."""

from __future__ import annotations

import signal

from hypothesis import given
from hypothesis import strategies as st

from services.supervision import RestartBackoff, describe_exit


def test_exit_wording() -> None:
    assert describe_exit(-signal.SIGKILL) == "was killed by SIGKILL"
    assert describe_exit(-signal.SIGSEGV) == "was killed by SIGSEGV"
    assert describe_exit(1) == "exited with code 1"
    assert describe_exit(0) == "exited with code 0"


def test_quick_deaths_double_the_delay_up_to_the_cap() -> None:
    backoff = RestartBackoff(initial_s=1, max_s=5, stable_after_s=60)
    delays = []
    now = 0.0
    for _ in range(6):
        backoff.started(now)
        now += 0.5
        delay = backoff.died(now)
        delays.append(delay)
        now += delay
    assert delays == [1, 2, 4, 5, 5, 5], f"expected doubling capped at 5 s, saw {delays}"


def test_a_process_that_stayed_up_restarts_after_the_initial_delay() -> None:
    backoff = RestartBackoff(initial_s=1, max_s=30, stable_after_s=60)
    for _ in range(4):
        backoff.started(0)
        backoff.died(1)
    backoff.started(100)
    assert backoff.died(161) == 1, "after 61 s up, the delay must be back to the initial one"


@given(
    st.lists(st.tuples(st.floats(0, 200), st.floats(0, 200)), max_size=40),
    st.floats(0.01, 5),
    st.floats(5, 60),
)
def test_delays_stay_within_bounds(history: list[tuple[float, float]], initial: float, cap: float) -> None:
    backoff = RestartBackoff(initial_s=initial, max_s=cap, stable_after_s=60)
    now = 0.0
    previous = None
    for up_for, gap in history:
        backoff.started(now)
        now += up_for
        delay = backoff.died(now)
        assert initial <= delay <= cap, f"delay {delay} outside [{initial}, {cap}]"
        # Clear of the 60 s boundary, where adding and subtracting floats may land either side.
        if up_for >= 60.5:
            assert delay == initial, f"a process up {up_for} s must restart after {initial} s, not {delay}"
        elif previous is not None and up_for < 59.5:
            assert delay == min(cap, previous * 2), f"after {previous} s the delay must double, saw {delay}"
        previous = delay
        now += delay + gap
