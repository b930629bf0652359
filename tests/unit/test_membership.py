"""The membership state machine alone: leases, hand-over, epochs, settling, in simulated time.

The property test drives it with simulated workers through random joins, graceful leaves, crashes,
restarts, network partitions (a worker cut off from the coordinator keeps running what it runs),
heals, lease expiries and connector changes, and checks after every step:

* two owners never: no unit is held by two members at once (held: pushed and not yet superseded by
  an acknowledged generation);
* a stale copy is always fenceable: of the copies of a task that processes run, at most one has the
  task's current epoch, and epochs only grow;
* liveness: once faults stop, every unit ends up running on exactly one worker, the one the
  coordinator assigned it to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from connectd.cluster.assignor import WorkAssignment
from connectd.cluster.membership import Membership, MembershipSettings, Units
from connectd.errors import NotFoundError
from connectd.runtime.model import TaskId

SETTINGS = MembershipSettings(lease_ms=2000, rebalance_delay_ms=1000)
WORKERS = ("w1", "w2", "w3", "w4")


def units_of(connectors: dict[str, int]) -> Units:
    return Units(sorted(connectors), [TaskId(c, i) for c in sorted(connectors) for i in range(connectors[c])])


@dataclass
class SimWorker:
    """A worker process as the coordinator can't see it: what it runs, with which epochs."""

    name: str
    alive: bool = False
    connected: bool = True
    member: bool = False
    applied: int = 0
    connectors: set[str] = field(default_factory=set)
    tasks: dict[TaskId, int] = field(default_factory=dict)  # task -> epoch of this copy

    def stop_all(self) -> None:
        self.connectors, self.tasks, self.applied = set(), {}, 0


class MembershipMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.membership = Membership(SETTINGS, self.now, epoch_base=1000, settling=False)
        self.connectors = {"a": 2, "b": 3}
        self.workers = {w: SimWorker(w) for w in WORKERS}
        self.epoch_seen: dict[TaskId, int] = {}

    @property
    def units(self) -> Units:
        return units_of(self.connectors)

    # --- worker side -------------------------------------------------------------------------

    def _register(self, worker: SimWorker) -> None:
        claimed = WorkAssignment(frozenset(worker.connectors), frozenset(worker.tasks))
        self.membership.register(
            worker.name, worker.name, claimed, dict(worker.tasks), self.now, self.units, f"s-{worker.name}"
        )
        worker.member, worker.applied = True, 0

    @rule(name=st.sampled_from(WORKERS))
    def start_process(self, name: str) -> None:
        worker = self.workers[name]
        if worker.alive:
            return
        worker.alive, worker.connected = True, True
        worker.stop_all()
        self._register(worker)

    @rule(name=st.sampled_from(WORKERS))
    def crash(self, name: str) -> None:
        worker = self.workers[name]
        worker.alive, worker.member = False, False
        worker.stop_all()

    @rule(name=st.sampled_from(WORKERS))
    def graceful_leave(self, name: str) -> None:
        worker = self.workers[name]
        if not worker.alive or not worker.connected:
            return
        worker.stop_all()
        worker.alive, worker.member = False, False
        self.membership.leave(name, self.units)

    @rule(name=st.sampled_from(WORKERS))
    def partition(self, name: str) -> None:
        self.workers[name].connected = False

    @rule(name=st.sampled_from(WORKERS))
    def heal(self, name: str) -> None:
        self.workers[name].connected = True

    @rule(name=st.sampled_from(WORKERS))
    def apply_latest(self, name: str) -> None:
        """The assignment stream delivers the member's latest generation; the worker applies it."""
        worker = self.workers[name]
        if not (worker.alive and worker.connected and worker.member):
            return
        try:
            member = self.membership.member(name)
        except NotFoundError:
            return
        latest, generation = member.latest, member.generation
        if generation == 0:
            return
        epochs = self.membership.epochs_of(latest.tasks)
        worker.connectors = set(latest.connectors)
        # A task whose epoch changed is a new copy: the worker restarts it (as the applier does).
        worker.tasks = {t: epochs[t] for t in latest.tasks}
        worker.applied = generation

    @rule(name=st.sampled_from(WORKERS))
    def heartbeat(self, name: str) -> None:
        worker = self.workers[name]
        if not (worker.alive and worker.connected):
            return
        try:
            self.membership.heartbeat(name, worker.applied, self.now, self.units)
        except NotFoundError:
            # Removed while cut off or frozen: register again, claiming what it still runs.
            self._register(worker)

    # --- coordinator side --------------------------------------------------------------------

    @rule(seconds=st.floats(0.1, 2.5))
    def time_passes(self, seconds: float) -> None:
        self.now += seconds
        self.membership.tick(self.now, self.units)

    @rule(name=st.sampled_from("abcde"), tasks=st.integers(0, 4))
    def connector_changes(self, name: str, tasks: int) -> None:
        if tasks == 0:
            self.connectors.pop(name, None)
        else:
            self.connectors[name] = tasks
        self.membership.rebalance(self.units, touched=[name])

    # --- invariants --------------------------------------------------------------------------

    @invariant()
    def no_unit_held_by_two_members(self) -> None:
        seen: dict[object, str] = {}
        for member in self.membership.members():
            held = member.held()
            for unit in (*held.connectors, *held.tasks):
                assert unit not in seen, f"{unit} held by {seen[unit]} and {member.worker_id}"
                seen[unit] = member.worker_id

    @invariant()
    def only_one_copy_of_a_task_has_its_current_epoch(self) -> None:
        copies: dict[TaskId, list[tuple[str, int]]] = {}
        for worker in self.workers.values():
            if worker.alive:
                for task, epoch in worker.tasks.items():
                    copies.setdefault(task, []).append((worker.name, epoch))
        for task, running in copies.items():
            current = self.membership.epoch_of(task)
            holders = [w for w, e in running if e == current]
            assert len(holders) <= 1, f"{task}: copies {running} share the current epoch {current}"
            assert all(e <= (current or 0) for _, e in running), f"{task}: a copy is newer than {current}"

    @invariant()
    def epochs_only_grow(self) -> None:
        for task in self.units.tasks:
            epoch = self.membership.epoch_of(task)
            if epoch is not None:
                assert epoch >= self.epoch_seen.get(task, 0), f"{task}: epoch went back to {epoch}"
                self.epoch_seen[task] = epoch

    def teardown(self) -> None:
        """Faults stop: every process up and connected; the group converges."""
        for worker in self.workers.values():
            if not worker.alive:
                self.start_process(worker.name)
            worker.connected = True
        for _ in range(30):
            self.time_passes(0.5)
            for name in WORKERS:
                self.heartbeat(name)
                self.apply_latest(name)
                self.heartbeat(name)
        placed: dict[object, list[str]] = {}
        for worker in self.workers.values():
            for unit in (*worker.connectors, *worker.tasks):
                placed.setdefault(unit, []).append(worker.name)
        units = self.units
        for unit in (*units.connectors, *units.tasks):
            owners = placed.get(unit, [])
            assert len(owners) == 1, (
                f"after faults stop, {unit} runs on {owners}, expected exactly one worker"
            )
            assert self.membership.owner_of(unit) == owners[0], (
                f"{unit}: runs on {owners[0]}, assigned elsewhere"
            )
        for worker in self.workers.values():
            for task, epoch in worker.tasks.items():
                current = self.membership.epoch_of(task)
                assert epoch == current, (
                    f"{task} on {worker.name} has epoch {epoch}, not the current {current}"
                )


TestMembership = MembershipMachine.TestCase
TestMembership.settings = settings(max_examples=150, stateful_step_count=60, deadline=None)


# --- scenarios, step by step -------------------------------------------------------------------------

UNITS = units_of({"src": 1})
SRC = TaskId("src", 0)


def join(membership: Membership, worker: str, now: float, claimed: WorkAssignment | None = None,
         epochs: dict[TaskId, int] | None = None) -> None:  # fmt: skip
    membership.register(worker, worker, claimed or WorkAssignment(), epochs or {}, now, UNITS, f"s-{worker}")


def ack_latest(membership: Membership, worker: str, now: float) -> None:
    membership.heartbeat(worker, membership.member(worker).generation, now, UNITS)


def test_a_lost_worker_keeps_its_work_within_the_delay_and_loses_it_after() -> None:
    membership = Membership(SETTINGS, 0, epoch_base=0, settling=False)
    join(membership, "w1", 0)
    ack_latest(membership, "w1", 0)
    join(membership, "w2", 0)
    owner = membership.owner_of(SRC)
    other = "w2" if owner == "w1" else "w1"
    first_epoch = membership.epoch_of(SRC)
    ack_latest(membership, other, 2.5)
    membership.tick(2.5, UNITS)  # the owner missed its 2 s lease: lost, its work waits 1 s
    assert membership.owner_of(SRC) is None and membership.epoch_of(SRC) == first_epoch
    ack_latest(membership, other, 3.6)
    membership.tick(3.6, UNITS)  # removed: the work moves, with a new epoch
    assert membership.owner_of(SRC) == other
    assert membership.epoch_of(SRC) > first_epoch


def test_a_zombie_that_registers_again_does_not_win_its_task_back() -> None:
    """SIGSTOP past the lease and delay, then SIGCONT: the frozen worker registers claiming the task
    it still runs; the task stays with its new owner, and the zombie is told to stop it."""
    membership = Membership(SETTINGS, 0, epoch_base=0, settling=False)
    join(membership, "w1", 0)
    ack_latest(membership, "w1", 0)
    old_epoch = membership.epoch_of(SRC)
    join(membership, "w2", 0)
    zombie = membership.owner_of(SRC)
    survivor = "w2" if zombie == "w1" else "w1"
    for now in (1.0, 2.0, 3.0, 4.0):
        ack_latest(membership, survivor, now)
        membership.tick(now, UNITS)
    assert membership.owner_of(SRC) == survivor
    new_epoch = membership.epoch_of(SRC)
    pushes = membership.register(
        zombie, zombie, WorkAssignment(tasks=frozenset({SRC})), {SRC: old_epoch}, 4.5, UNITS, "s-zombie"
    )
    assert membership.owner_of(SRC) == survivor and membership.epoch_of(SRC) == new_epoch
    to_zombie = [p for p in pushes if p.worker_id == zombie]
    assert to_zombie and SRC not in to_zombie[-1].units.tasks, (
        f"the zombie must be told to stop {SRC}: {pushes}"
    )


def test_a_stale_claim_of_an_unheld_task_is_refused_too() -> None:
    """The new owner died as well: the zombie's old copy still may not keep the task; it is given a
    fresh epoch (a new copy) if it gets the task again."""
    membership = Membership(SETTINGS, 0, epoch_base=0, settling=False)
    join(membership, "w1", 0)
    ack_latest(membership, "w1", 0)
    stale = membership.epoch_of(SRC)
    membership.leave("w1", UNITS)
    join(membership, "w2", 1)  # gets src with a newer epoch, then leaves
    newer = membership.epoch_of(SRC)
    membership.leave("w2", UNITS)
    pushes = membership.register(
        "w1", "w1", WorkAssignment(tasks=frozenset({SRC})), {SRC: stale}, 2, UNITS, "s-w1"
    )
    assert pushes and pushes[-1].epochs.get(SRC, 0) > newer > stale, (
        f"expected {SRC} with an epoch newer than every one issued ({newer}): {pushes}"
    )


def test_a_restarted_coordinator_settles_before_it_balances() -> None:
    membership = Membership(SETTINGS, 0, epoch_base=10**9, settling=True)
    running = WorkAssignment(connectors=frozenset({"src"}), tasks=frozenset({SRC}))
    join(membership, "w1", 0.1, running, {SRC: 7})
    join(membership, "w2", 0.2)
    # Nothing pushed yet: w1 keeps what it runs, w2 gets nothing until the group settled.
    assert [m.generation for m in membership.members()] == [0, 0]
    assert membership.member("w1").held() == running and membership.epoch_of(SRC) == 7
    for worker in ("w1", "w2"):
        ack_latest(membership, worker, 2.0)
    membership.tick(2.5, UNITS)  # settled: balance; src stays where it runs
    assert membership.owner_of(SRC) == "w1" and membership.epoch_of(SRC) == 7
