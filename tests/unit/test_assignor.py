"""The cluster assignor: properties over random membership and connector changes, plus worked examples."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from connectd.cluster.assignor import WorkAssignment, assign
from connectd.runtime.model import TaskId

WORKER_IDS = [f"w{i}" for i in range(6)]
CONNECTOR_NAMES = [f"c{i}" for i in range(6)]

# (kind name, how to read that kind from a WorkAssignment)
KINDS: list[tuple[str, Callable[[WorkAssignment], frozenset[Hashable]]]] = [
    ("connectors", lambda a: a.connectors),
    ("tasks", lambda a: a.tasks),
]


def tasks_of(connectors: Mapping[str, int]) -> set[TaskId]:
    return {TaskId(name, i) for name, count in connectors.items() for i in range(count)}


def owner_map(
    result: Mapping[str, WorkAssignment], get: Callable[[WorkAssignment], frozenset[Hashable]]
) -> dict[Hashable, list[str]]:
    owners: dict[Hashable, list[str]] = {}
    for worker in sorted(result):
        for unit in get(result[worker]):
            owners.setdefault(unit, []).append(worker)
    return owners


def minimum_moves(held: Mapping[str, int], total: int) -> int:
    """Fewest units that must leave their live owner to reach a balanced assignment (brute force).

    A balanced assignment of ``total`` units over ``W`` workers gives ``total // W`` to every worker and one
    more to exactly ``total % W`` of them; a worker holding ``h`` units with final count ``q`` must give away
    at least ``max(0, h - q)``. Try every choice of the workers that get the extra unit.
    """
    workers = sorted(held)
    base, extra = divmod(total, len(workers))
    return min(
        sum(max(0, held[w] - (base + (1 if w in bigger else 0))) for w in workers)
        for bigger in map(set, combinations(workers, extra))
    )


def check_valid(
    result: Mapping[str, WorkAssignment], live: set[str], connectors: set[str], tasks: set[TaskId]
) -> None:
    """Exactly the live workers; every unit exactly once; nothing else; balanced within one."""
    if not live:
        assert result == {}, f"expected no assignment without live workers, saw {result}"
        return
    assert set(result) == live, f"expected one entry per live worker {sorted(live)}, saw {sorted(result)}"
    for (kind, get), existing in zip(KINDS, (connectors, tasks), strict=True):
        owners = owner_map(result, get)
        doubled = {unit: ws for unit, ws in owners.items() if len(ws) > 1}
        assert not doubled, f"{kind} assigned to more than one worker: {doubled}"
        missing = existing - owners.keys()
        assert not missing, f"existing {kind} left unassigned: {sorted(missing)}"
        extra = owners.keys() - existing
        assert not extra, f"{kind} that do not exist were assigned: {sorted(extra)}"
        counts = {worker: len(get(result[worker])) for worker in live}
        assert max(counts.values()) - min(counts.values()) <= 1, (
            f"{kind} not balanced within one over {len(existing)} units: counts per worker {counts}"
        )


def check_sticky(
    previous: Mapping[str, WorkAssignment],
    result: Mapping[str, WorkAssignment],
    live: set[str],
    connectors: set[str],
    tasks: set[TaskId],
) -> None:
    """Only the minimum number of units leave a live owner, and only from workers above their share.

    ``previous`` has no unit on two workers (it is an earlier result of ``assign``).
    """
    if not live:
        return
    for (kind, get), existing in zip(KINDS, (connectors, tasks), strict=True):
        held = {w: get(previous[w]) & existing if w in previous else frozenset() for w in live}
        final = {w: get(result[w]) for w in live}
        total, workers = len(existing), len(live)
        floor = total // workers
        moved = sorted(
            (unit, w, next(v for v in live if unit in final[v])) for w in live for unit in held[w] - final[w]
        )
        lower_bound = minimum_moves({w: len(held[w]) for w in live}, total)
        assert len(moved) == lower_bound, (
            f"expected exactly {lower_bound} {kind} to move (the minimum for balance), "
            f"saw {len(moved)}: {moved}; held before { ({w: len(h) for w, h in held.items()}) }, "
            f"after { ({w: len(f) for w, f in final.items()}) }"
        )
        for w in sorted(live):
            lost = len(held[w] - final[w])
            expected_lost = max(0, len(held[w]) - len(final[w]))
            assert lost == expected_lost, (
                f"{w} should give away only its excess ({expected_lost} {kind}: held {len(held[w])}, "
                f"now has {len(final[w])}), but {lost} left it: {sorted(held[w] - final[w])}"
            )
            if len(held[w]) <= floor:
                assert lost == 0, (
                    f"{w} held {len(held[w])} {kind}, within the floor share {floor}, yet lost "
                    f"{sorted(held[w] - final[w])}"
                )


def check_deterministic(
    result: Mapping[str, WorkAssignment],
    live: Iterable[str],
    connectors: Iterable[str],
    tasks: Iterable[TaskId],
    current: Mapping[str, WorkAssignment],
) -> None:
    again = assign(list(live), list(connectors), list(tasks), dict(current))
    assert again == result, f"same input gave a different result: first {result}, then {again}"
    reordered = assign(
        list(reversed(sorted(live))),
        list(reversed(sorted(connectors))),
        list(reversed(sorted(tasks))),
        dict(reversed(list(current.items()))),
    )
    assert reordered == result, f"input order changed the result: sorted {result}, reversed {reordered}"


# Events: ("join", worker), ("leave", index into live workers), ("add", connector, task count) which
# also reconfigures an existing connector's task count, ("remove", index into existing connectors).
events_strategy = st.lists(
    st.one_of(
        st.tuples(st.just("join"), st.sampled_from(WORKER_IDS)),
        st.tuples(st.just("leave"), st.integers(0, 10)),
        st.tuples(st.just("add"), st.sampled_from(CONNECTOR_NAMES), st.integers(1, 4)),
        st.tuples(st.just("remove"), st.integers(0, 10)),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(events=events_strategy)
def test_properties_hold_over_random_event_sequences(events: list[tuple]) -> None:
    live: set[str] = set()
    connectors: dict[str, int] = {}
    current: dict[str, WorkAssignment] = {}
    for step, event in enumerate(events):
        match event:
            case ("join", worker):
                live.add(worker)
            case ("leave", index):
                if live:
                    live.discard(sorted(live)[index % len(live)])
            case ("add", name, count):
                connectors[name] = count
            case ("remove", index):
                if connectors:
                    del connectors[sorted(connectors)[index % len(connectors)]]
        tasks = tasks_of(connectors)
        result = assign(sorted(live), sorted(connectors), sorted(tasks), current)
        context = f"step {step} {event}"
        try:
            check_valid(result, live, set(connectors), tasks)
            check_sticky(current, result, live, set(connectors), tasks)
            check_deterministic(result, live, connectors, tasks, current)
        except AssertionError as exc:
            raise AssertionError(f"{context}: {exc}") from None
        current = result


@st.composite
def arbitrary_state(draw: st.DrawFn) -> tuple[set[str], set[str], set[TaskId], dict[str, WorkAssignment]]:
    """Any live set and any `current`, including gone workers, removed units and doubly held units."""
    live = set(draw(st.lists(st.sampled_from(WORKER_IDS), max_size=6)))
    counts = draw(st.dictionaries(st.sampled_from(CONNECTOR_NAMES), st.integers(1, 4), max_size=6))
    all_tasks = sorted(tasks_of({name: 4 for name in CONNECTOR_NAMES}))
    current = draw(
        st.dictionaries(
            st.sampled_from(WORKER_IDS),
            st.builds(
                WorkAssignment,
                st.frozensets(st.sampled_from(CONNECTOR_NAMES)),
                st.frozensets(st.sampled_from(all_tasks)),
            ),
            max_size=6,
        )
    )
    return live, set(counts), tasks_of(counts), current


@settings(max_examples=200, deadline=None)
@given(state=arbitrary_state())
def test_any_current_assignment_is_repaired(
    state: tuple[set[str], set[str], set[TaskId], dict[str, WorkAssignment]],
) -> None:
    live, connectors, tasks, current = state
    result = assign(live, connectors, tasks, current)
    check_valid(result, live, connectors, tasks)
    check_deterministic(result, live, connectors, tasks, current)
    if not live:
        return
    # A unit held by several live workers counts as held by the smallest of them only.
    deduplicated: dict[str, WorkAssignment] = {}
    seen: set[Hashable] = set()
    for worker in sorted(current):
        if worker not in live:
            continue
        mine_c = current[worker].connectors - seen
        mine_t = current[worker].tasks - seen
        seen |= mine_c | mine_t
        deduplicated[worker] = WorkAssignment(mine_c, mine_t)
    check_sticky(deduplicated, result, live, connectors, tasks)


# --- worked examples -------------------------------------------------------------------------------------


def first_assignment() -> dict[str, WorkAssignment]:
    return assign(["w0", "w1", "w2"], ["c0", "c1"], tasks_of({"c0": 4, "c1": 4}), {})


def task_owners(result: Mapping[str, WorkAssignment]) -> dict[TaskId, str]:
    return {task: worker for worker, a in result.items() for task in a.tasks}


def test_first_assignment_three_workers_two_connectors_four_tasks_each() -> None:
    result = first_assignment()
    check_valid(result, {"w0", "w1", "w2"}, {"c0", "c1"}, tasks_of({"c0": 4, "c1": 4}))
    # 8 tasks over 3 workers: 3, 3, 2 with ties broken by worker id; 2 connectors: 1, 1, 0.
    assert {w: len(a.tasks) for w, a in result.items()} == {"w0": 3, "w1": 3, "w2": 2}
    assert {w: a.connectors for w, a in result.items()} == {
        "w0": frozenset({"c0"}),
        "w1": frozenset({"c1"}),
        "w2": frozenset(),
    }
    # Each connector's four tasks are spread over all three workers.
    for name in ("c0", "c1"):
        spread = Counter(w for task, w in task_owners(result).items() if task.connector == name)
        assert sorted(spread.values()) == [1, 1, 2], f"tasks of {name} not spread: {dict(spread)}"


def test_fourth_worker_joining_moves_only_the_excess() -> None:
    before = first_assignment()
    after = assign(["w0", "w1", "w2", "w3"], ["c0", "c1"], tasks_of({"c0": 4, "c1": 4}), before)
    check_valid(after, {"w0", "w1", "w2", "w3"}, {"c0", "c1"}, tasks_of({"c0": 4, "c1": 4}))
    # Connectors are already balanced for four workers (1, 1, 0, 0): none moves.
    for worker in ("w0", "w1", "w2"):
        assert after[worker].connectors == before[worker].connectors
    assert after["w3"].connectors == frozenset()
    # Tasks go from 3, 3, 2 to 2, 2, 2, 2: one task each leaves w0 and w1, both to w3; nothing else moves.
    old, new = task_owners(before), task_owners(after)
    moved = {task: (old[task], new[task]) for task in old if old[task] != new[task]}
    assert sorted(moved.values()) == [("w0", "w3"), ("w1", "w3")], f"unexpected moves: {moved}"
    assert after["w2"].tasks == before["w2"].tasks


def test_worker_leaving_redistributes_only_its_units() -> None:
    before = first_assignment()
    after = assign(["w0", "w2"], ["c0", "c1"], tasks_of({"c0": 4, "c1": 4}), before)
    check_valid(after, {"w0", "w2"}, {"c0", "c1"}, tasks_of({"c0": 4, "c1": 4}))
    for worker in ("w0", "w2"):
        assert before[worker].connectors <= after[worker].connectors, f"{worker} lost a connector"
        assert before[worker].tasks <= after[worker].tasks, f"{worker} lost a task"
    gained = (after["w0"].tasks - before["w0"].tasks) | (after["w2"].tasks - before["w2"].tasks)
    assert gained == before["w1"].tasks
    assert {w: len(a.tasks) for w, a in after.items()} == {"w0": 4, "w2": 4}
    assert after["w2"].connectors == frozenset({"c1"})


def test_no_live_workers_gives_empty_result() -> None:
    assert assign([], ["c0"], [TaskId("c0", 0)], {"w0": WorkAssignment(frozenset({"c0"}))}) == {}


def test_gone_workers_and_removed_units_are_ignored() -> None:
    current = {
        "w0": WorkAssignment(frozenset({"c0", "gone"}), frozenset({TaskId("c0", 0), TaskId("gone", 0)})),
        "dead": WorkAssignment(frozenset({"c1"}), frozenset({TaskId("c0", 1)})),
    }
    result = assign(["w0", "w1"], ["c0", "c1"], [TaskId("c0", 0), TaskId("c0", 1)], current)
    assert result == {
        "w0": WorkAssignment(frozenset({"c0"}), frozenset({TaskId("c0", 0)})),
        "w1": WorkAssignment(frozenset({"c1"}), frozenset({TaskId("c0", 1)})),
    }


def test_unit_held_twice_stays_with_the_smallest_worker_id() -> None:
    task = TaskId("c0", 0)
    current = {
        "w2": WorkAssignment(frozenset({"c0"}), frozenset({task})),
        "w1": WorkAssignment(frozenset({"c0"}), frozenset({task})),
    }
    result = assign(["w1", "w2"], ["c0"], [task], current)
    assert result == {"w1": WorkAssignment(frozenset({"c0"}), frozenset({task})), "w2": WorkAssignment()}


def test_work_assignment_helpers() -> None:
    assert WorkAssignment().is_empty
    assert WorkAssignment().count == 0
    a = WorkAssignment({"c0"}, [TaskId("c0", 0), TaskId("c0", 1)])  # type: ignore[arg-type]
    assert isinstance(a.connectors, frozenset) and isinstance(a.tasks, frozenset)
    assert not a.is_empty and a.count == 3
    assert hash(a) == hash(WorkAssignment(frozenset({"c0"}), frozenset({TaskId("c0", 0), TaskId("c0", 1)})))
