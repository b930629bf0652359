"""Group membership as a pure state machine: leases, the hand-over of work between members (the
two-owner rule), task epochs, and what each member is given. Events in, pushes out; no clock, lock,
thread or I/O, so every scenario runs in a unit test and the rule is property-tested.

* **Leases.** A member renews its lease with each heartbeat. One silent for ``lease_ms`` is *lost*:
  its work waits for it ``rebalance_delay_ms`` (Kafka's ``scheduled.rebalance.max.delay.ms``), and
  it is *removed* after that, its work then moving to the others.
* **Two owners never.** Every assignment pushed to a member and not yet superseded by one it
  acknowledged (``heartbeat(applied_generation)``) is *held*: the member may be running it. A unit
  goes to a member only when no other member holds it, so a unit taken from one member reaches the
  next once the first acknowledged an assignment without it, or was removed.
* **Epochs.** Each time a task is given to a member that did not hold it, the task gets a new epoch,
  larger than every epoch issued before (across coordinator restarts too: epochs start from a base
  the coordinator takes from the clock). A stale owner (frozen, cut off) is fenced by it: the offset
  store refuses commits older than the newest epoch it saw. A worker that registers claiming work it
  still runs keeps it only if nobody else holds it and no newer epoch was issued for it.
* **Settling.** A restarted coordinator knows nothing of who runs what until the workers register
  again: for one lease it gives out nothing that no member claims, then it balances.
* **Sessions.** Each registration gets a session that the member's later calls present: a worker id
  alone (it is public: statuses show it) speaks for nobody. A member remembers every unit it was given
  or claimed in its session (``ran``), so a late report of work that moved on is told from a report
  about work it never had.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from connectd.cluster.assignor import WorkAssignment, assign
from connectd.errors import NotFoundError
from connectd.runtime.model import TaskId

log = logging.getLogger(__name__)

Unit = str | TaskId


@dataclass(frozen=True, slots=True)
class MembershipSettings:
    lease_ms: int = 5000
    rebalance_delay_ms: int = 3000


@dataclass(frozen=True, slots=True)
class Units:
    """Every connector and task that exists, as the connector table says."""

    connectors: Sequence[str] = ()
    tasks: Sequence[TaskId] = ()


@dataclass(frozen=True, slots=True)
class Push:
    """A member's complete assignment at a new generation, with the epoch of each of its tasks."""

    worker_id: str
    generation: int
    units: WorkAssignment
    epochs: Mapping[TaskId, int]


@dataclass(slots=True)
class Member:
    worker_id: str
    address: str
    last_seen: float
    lost_at: float | None = None
    applied_generation: int = 0
    # Every assignment pushed and not superseded by an acknowledged one, by generation (0: what it
    # claimed at registration).
    pushed: dict[int, WorkAssignment] = field(default_factory=dict)
    # The registration's secret, which every later call of the member presents.
    session: str = field(default="", repr=False)
    # Every unit the member was given or claimed in this session, still existing.
    ran: set[Unit] = field(default_factory=set, repr=False)
    _held: tuple[tuple[int, ...], WorkAssignment] | None = field(default=None, repr=False)

    @property
    def generation(self) -> int:
        return max(self.pushed)

    @property
    def latest(self) -> WorkAssignment:
        return self.pushed[self.generation]

    @property
    def live(self) -> bool:
        return self.lost_at is None

    def held(self) -> WorkAssignment:
        """What the member may be running: every pushed assignment not superseded yet (cached, as
        a rebalance asks every member and assignments never change)."""
        generations = tuple(self.pushed)
        if self._held is not None and self._held[0] == generations:
            return self._held[1]
        held = WorkAssignment(
            frozenset().union(*(a.connectors for a in self.pushed.values())),
            frozenset().union(*(a.tasks for a in self.pushed.values())),
        )
        self._held = (generations, held)
        return held

    def acknowledge(self, generation: int) -> WorkAssignment:
        """Record an applied generation; returns the units it released."""
        if generation <= self.applied_generation or generation > self.generation:
            return WorkAssignment()  # older, or never pushed to it (from before a coordinator restart)
        before = self.held()
        self.applied_generation = generation
        for old in [g for g in self.pushed if g < generation]:
            del self.pushed[old]
        after = self.held()
        return WorkAssignment(before.connectors - after.connectors, before.tasks - after.tasks)


class Membership:
    def __init__(self, settings: MembershipSettings, now: float, epoch_base: int, settling: bool) -> None:
        self.settings = settings
        self._members: dict[str, Member] = {}
        self._generation = 0
        self._epochs: dict[TaskId, int] = {}
        self._last_epoch = epoch_base
        self._settle_until: float | None = now + settings.lease_ms / 1000 if settling else None
        # The balanced assignment the last full rebalance aimed at, for which live members: units an
        # acknowledgement releases are only handed on towards it (``_hand_over``).
        self._aim: dict[str, WorkAssignment] = {}
        self._aim_live: frozenset[str] = frozenset()
        self._aim_owner: dict[Unit, str] = {}
        # Members that registered claiming work they may not keep: their next generation tells them
        # to stop it, even if it gives them nothing new.
        self._must_push: set[str] = set()

    # --- queries ---------------------------------------------------------------------------------

    @property
    def settled(self) -> bool:
        return self._settle_until is None

    def members(self) -> list[Member]:
        return list(self._members.values())

    def member(self, worker_id: str) -> Member:
        member = self._members.get(worker_id)
        if member is None:
            raise NotFoundError(f"Worker {worker_id} is not a member of this group; register again")
        return member

    def caller(self, worker_id: str, session: str) -> Member:
        """The member a call comes from, if it presents the session of the member's registration. Any
        other caller (an old registration of the worker, or someone using its id) is told, as a
        non-member is, to register."""
        member = self.member(worker_id)
        # compare_digest: the time taken says nothing about how much of the session matched.
        if not member.session or not hmac.compare_digest(member.session.encode(), session.encode()):
            raise NotFoundError(
                f"Worker {worker_id} is not a member of this group under this registration; register again"
            )
        return member

    def live_members(self) -> list[Member]:
        return sorted((m for m in self._members.values() if m.live), key=lambda m: m.worker_id)

    def owner_of(self, unit: Unit) -> str | None:
        """The live member whose latest assignment has ``unit``."""
        for worker_id, member in self._members.items():
            latest = member.latest
            units = latest.tasks if isinstance(unit, TaskId) else latest.connectors
            if member.live and unit in units:
                return worker_id
        return None

    def epoch_of(self, task: TaskId) -> int | None:
        return self._epochs.get(task)

    def epochs_of(self, tasks: Iterable[TaskId]) -> dict[TaskId, int]:
        return {t: self._epochs[t] for t in tasks if t in self._epochs}

    # --- events ----------------------------------------------------------------------------------

    def register(
        self,
        worker_id: str,
        address: str,
        claimed: WorkAssignment,
        claimed_epochs: Mapping[TaskId, int],
        now: float,
        units: Units,
        session: str,
    ) -> list[Push]:
        """A worker (re)joins, in a new ``session``. A new member holds what it claims to run, except
        work another member holds and tasks that got a newer epoch since its copy started: those it
        must stop."""
        member = self._members.get(worker_id)
        if member is not None:
            member.address, member.last_seen = address, now
            member.session = session
            held = member.held()
            member.ran = {*held.connectors, *held.tasks, *claimed.connectors, *claimed.tasks}
            if not member.live:
                log.info("worker %s is back", worker_id)
            member.lost_at = None
            return self._rebalance(units) if self.settled else []
        others = self._held_by_others(worker_id)
        kept_tasks = {
            t
            for t in claimed.tasks
            if t not in others.tasks and claimed_epochs.get(t, 0) >= self._epochs.get(t, 0)
        }
        stale = sorted(str(t) for t in claimed.tasks - kept_tasks)
        if stale:
            log.warning("worker %s claims tasks that moved on, to be stopped: %s", worker_id, stale)
        for task in kept_tasks:
            self._epochs[task] = max(self._epochs.get(task, 0), claimed_epochs.get(task, 0))
        kept = WorkAssignment(claimed.connectors - others.connectors, kept_tasks)
        ran: set[Unit] = {*claimed.connectors, *claimed.tasks}
        self._members[worker_id] = Member(worker_id, address, now, pushed={0: kept}, session=session, ran=ran)
        log.info("worker %s joined, keeping %d connectors and %d tasks", worker_id, len(kept.connectors),
                 len(kept.tasks))  # fmt: skip
        if kept != claimed:
            self._must_push.add(worker_id)
        # Before the group settles it hands out nothing and the member keeps what it runs; settling
        # balances. Claims it must drop need a generation now, so that it stops them.
        if self.settled or kept != claimed:
            return self._rebalance(units)
        return []

    def heartbeat(
        self, worker_id: str, applied_generation: int, now: float, units: Units
    ) -> tuple[int, list[Push]]:
        """Renew the lease and acknowledge a generation; returns the member's latest generation and
        the pushes that units it released allow."""
        member = self.member(worker_id)
        member.last_seen = now
        member.lost_at = None
        released = member.acknowledge(applied_generation)
        pushes = [] if released.count == 0 else self._hand_over(released, units)
        return member.generation, pushes

    def leave(self, worker_id: str, units: Units) -> list[Push]:
        if self._members.pop(worker_id, None) is None:
            return []
        self._must_push.discard(worker_id)
        log.info("worker %s left", worker_id)
        return self._rebalance(units)

    def tick(self, now: float, units: Units) -> list[Push]:
        """Settle after a restart; expire leases; remove members lost for longer than the delay."""
        changed = False
        if self._settle_until is not None and now >= self._settle_until:
            self._settle_until = None
            changed = True
        for member in list(self._members.values()):
            silent_ms = (now - member.last_seen) * 1000
            if member.live and silent_ms > self.settings.lease_ms:
                member.lost_at = now
                log.warning(
                    "worker %s missed its lease (%d ms); its work moves in %d ms unless back",
                    member.worker_id, silent_ms, self.settings.rebalance_delay_ms,
                )  # fmt: skip
            if (
                member.lost_at is not None
                and (now - member.lost_at) * 1000 >= self.settings.rebalance_delay_ms
            ):
                del self._members[member.worker_id]
                self._must_push.discard(member.worker_id)
                log.warning("worker %s removed, reassigning its work", member.worker_id)
                changed = True
        return self._rebalance(units) if changed else []

    def rebalance(self, units: Units, touched: Collection[str] = ()) -> list[Push]:
        """After the units changed (connectors or tasks added or removed), or the content of the
        units of the ``touched`` connectors (configs, target states): members holding those get a
        new generation even when their units stay the same."""
        existing = {*units.connectors, *units.tasks}
        for member in self._members.values():
            member.ran &= existing  # what no longer exists needs no telling apart
        return self._rebalance(units, frozenset(touched))

    # --- the rule --------------------------------------------------------------------------------

    def _held_by_others(self, worker_id: str) -> WorkAssignment:
        connectors: set[str] = set()
        tasks: set[TaskId] = set()
        for other in self._members.values():
            if other.worker_id != worker_id:
                held = other.held()
                connectors |= held.connectors
                tasks |= held.tasks
        return WorkAssignment(frozenset(connectors), frozenset(tasks))

    def _rebalance(self, units: Units, touched: frozenset[str] = frozenset()) -> list[Push]:
        """Aim at the balanced assignment; push to each live member what it may take now."""
        live = [m.worker_id for m in self.live_members()]
        lost = [m.held() for m in self._members.values() if not m.live]
        lost_connectors = frozenset().union(*(h.connectors for h in lost))
        lost_tasks = frozenset().union(*(h.tasks for h in lost))
        # Work held by a lost member stays with it until it returns or the delay passes.
        self._aim = assign(
            live,
            [c for c in units.connectors if c not in lost_connectors],
            [t for t in units.tasks if t not in lost_tasks],
            {w: self._members[w].latest for w in live},
        )
        self._aim_live = frozenset(live)
        self._aim_owner = {u: w for w, a in self._aim.items() for u in (*a.connectors, *a.tasks)}
        return [p for w in live if (p := self._push_allowed(w, touched)) is not None]

    def _hand_over(self, released: WorkAssignment, units: Units) -> list[Push]:
        """Units an acknowledgement released go to the members the last rebalance aimed them at; a
        full rebalance runs instead if the live members changed since that aim."""
        if frozenset(m.worker_id for m in self.live_members()) != self._aim_live:
            return self._rebalance(units)
        receivers = {self._aim_owner.get(u) for u in (*released.connectors, *released.tasks)}
        return [
            p for w in sorted(r for r in receivers if r in self._aim_live) if (p := self._push_allowed(w))
        ]

    def _push_allowed(self, worker_id: str, touched: frozenset[str] = frozenset()) -> Push | None:
        member = self._members[worker_id]
        want = self._aim.get(worker_id, WorkAssignment())
        if not self.settled:
            held = member.held()
            want = WorkAssignment(want.connectors & held.connectors, want.tasks & held.tasks)
        others = self._held_by_others(worker_id)
        allowed = WorkAssignment(want.connectors - others.connectors, want.tasks - others.tasks)
        content_changed = bool(touched) and (
            any(c in touched for c in allowed.connectors)
            or any(t.connector in touched for t in allowed.tasks)
        )
        if allowed == member.latest and not content_changed and worker_id not in self._must_push:
            return None
        self._must_push.discard(worker_id)
        held = member.held()
        for task in sorted(allowed.tasks - held.tasks):
            self._last_epoch += 1
            self._epochs[task] = self._last_epoch
        self._generation += 1
        member.pushed[self._generation] = allowed
        member.ran.update(allowed.connectors, allowed.tasks)
        log.info(
            "generation %d for %s: %d connectors, %d tasks",
            self._generation, worker_id, len(allowed.connectors), len(allowed.tasks),
        )  # fmt: skip
        return Push(worker_id, self._generation, allowed, self.epochs_of(allowed.tasks))
