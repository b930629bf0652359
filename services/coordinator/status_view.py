"""The REST API's view of a group's statuses, kept current from the coordinator's status stream
(``WatchConnectorStatuses``), so that ``GET /connectors?expand=status`` and ``GET
/connectors/{name}/status`` are answered from memory, as JSON serialized once per change rather than
per request, without a coordinator call each.

When the view cannot answer right (no stream yet, the stream broke, or a write of this gateway is
newer than what the view shows) it says so (None) and the route makes the direct call, as it did
before the view existed: answers are the same either way, only slower.

Read-your-writes: after a write (any PUT, POST, PATCH or DELETE) the gateway asks the coordinator for
its status version and raises the :class:`WriteFence` to it; the view counts as current only once it
holds that version. The write's response waits (briefly) for the view to get there, so the next read
is served from memory and reflects the write. A gateway of several processes shares one fence, so a
read on any process after a write on another reflects it too.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import logging
import multiprocessing
import threading
from typing import Any

import grpc

from connectd.errors import ConnectdError
from connectd.v1 import connectors_pb2 as pb
from connectd.v1 import connectors_pb2_grpc
from services import convert
from services.grpc_support import domain_error_from

log = logging.getLogger(__name__)

# How long a write's response waits for the view to reach the write's version (then reads are made
# directly until it does).
CATCH_UP_S = 2.0
# Waits between attempts to open the stream (the group may have no worker yet; the coordinator may be
# restarting): doubling up to the maximum. Reads are direct meanwhile.
RETRY_INITIAL_S = 0.1
RETRY_MAX_S = 2.0


class WriteFence:
    """The highest status version that a completed write needs reads to reflect. ``shared``: in
    anonymous shared memory, for the processes a gateway forks after creating it."""

    def __init__(self, shared: bool = False) -> None:
        self._value: Any
        if shared:
            context = multiprocessing.get_context("fork")
            self._value = context.RawValue(ctypes.c_uint64, 0)
            self._lock: Any = context.Lock()
        else:
            self._value = ctypes.c_uint64(0)
            self._lock = threading.Lock()

    @property
    def version(self) -> int:
        # One aligned 8-byte load: a reader never sees half of a write.
        return int(self._value.value)

    def raise_to(self, version: int) -> None:
        with self._lock:  # a compare-and-set across processes: never lowered by a slower writer
            if version > self._value.value:
                self._value.value = version


def _json(value: Any) -> bytes:
    # As the routes serialize: compact, UTF-8.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


class _State:
    """One version of the view; replaced whole on every update, so a reader needs no lock. The two
    listings are built on first use and kept with it."""

    __slots__ = ("listing_json", "names", "names_json", "statuses", "version")

    def __init__(self, version: int, statuses: dict[str, bytes]) -> None:
        self.version = version
        self.statuses = statuses  # name -> the JSON of its status
        self.names = sorted(statuses)
        self.names_json: bytes | None = None
        self.listing_json: bytes | None = None


class _Waiter:
    __slots__ = ("future", "loop", "version")

    def __init__(self, version: int, loop: asyncio.AbstractEventLoop, future: asyncio.Future[None]) -> None:
        self.version, self.loop, self.future = version, loop, future


class CoordinatorStatusView:
    """A background thread holds the stream and applies its responses; reads never block. Not
    started, the first read starts it (and is answered None, as every read until the first snapshot)."""

    def __init__(
        self, channel: grpc.Channel, group_id: str, timeout_s: float, fence: WriteFence | None = None
    ) -> None:
        self._stub = connectors_pb2_grpc.ConnectorServiceStub(channel)
        self._group_id = group_id
        self._timeout_s = timeout_s
        self._fence = fence or WriteFence()
        self._state: _State | None = None
        # Current while the stream that built _state is open, and it opened after the last failure to
        # learn a write's version (required_call).
        self._live = False
        self._lock = threading.Lock()
        self._calls = 0
        self._required_call = 0
        self._call: Any = None
        self._waiters: list[_Waiter] = []
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"status-view-{group_id}", daemon=True)
        self._started = False

    def start(self) -> None:
        with self._lock:
            if self._started or self._closing.is_set():
                return
            self._started = True
        self._thread.start()

    def close(self) -> None:
        self._closing.set()
        with self._lock:
            call = self._call
        if call is not None:
            call.cancel()
        if self._started:
            self._thread.join(5)

    # --- reads: from any thread, never blocking -----------------------------------------------------

    def _current(self) -> _State | None:
        state = self._state
        if state is None or not self._live or state.version < self._fence.version:
            if not self._started:
                self.start()
            return None
        return state

    def status_json(self, name: str) -> bytes | None:
        """The connector's status as JSON; None when the view can't tell (unknown name included: the
        direct call answers it, with the exact error)."""
        state = self._current()
        return state.statuses.get(name) if state is not None else None

    def names_json(self) -> bytes | None:
        state = self._current()
        if state is None:
            return None
        if state.names_json is None:
            state.names_json = _json(state.names)
        return state.names_json

    def status_listing_json(self) -> bytes | None:
        """``GET /connectors?expand=status``'s body: name -> {"status": ...}, in name order."""
        state = self._current()
        if state is None:
            return None
        if state.listing_json is None:
            entries = (_json(name) + b':{"status":' + state.statuses[name] + b"}" for name in state.names)
            state.listing_json = b"{" + b",".join(entries) + b"}"
        return state.listing_json

    # --- writes ----------------------------------------------------------------------------------

    async def after_write(self) -> None:
        """Called once a write's response is ready: reads from now on reflect the write."""
        if not self._started:
            return  # its first snapshot will be newer than the write
        loop = asyncio.get_running_loop()
        try:
            version = await loop.run_in_executor(None, self._version_now)
        except ConnectdError as exc:
            # The write's version is unknown: read directly until a stream opened after now.
            log.info("status view of group %s reopens its stream: %s", self._group_id, exc)
            self._reopen()
            return
        self._fence.raise_to(version)
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:  # as _apply: an update cannot slip between the check and the wait
            state = self._state
            if not self._live or (state is not None and state.version >= version):
                return  # reads are direct now anyway, or the view is there already
            self._waiters.append(_Waiter(version, loop, future))
        try:
            await asyncio.wait_for(future, CATCH_UP_S)
        except TimeoutError:
            log.info("status view of group %s is behind the write's version %d", self._group_id, version)

    def _version_now(self) -> int:
        request = pb.GetStatusVersionRequest(group_id=self._group_id)
        try:
            return int(self._stub.GetStatusVersion(request, timeout=self._timeout_s).version)
        except grpc.RpcError as exc:
            raise domain_error_from(exc, "the coordinator's status version") from None

    def _reopen(self) -> None:
        with self._lock:
            self._live = False
            self._required_call = self._calls + 1
            call = self._call
        if call is not None:
            call.cancel()

    # --- the stream ------------------------------------------------------------------------------

    def _run(self) -> None:
        delay = RETRY_INITIAL_S
        request = pb.WatchConnectorStatusesRequest(group_id=self._group_id)
        while not self._closing.is_set():
            with self._lock:
                self._calls += 1
                number = self._calls
                self._call = call = self._stub.WatchConnectorStatuses(request)
            try:
                for response in call:
                    self._apply(response, number)
                    delay = RETRY_INITIAL_S
            except grpc.RpcError as exc:
                if exc.code() is not grpc.StatusCode.CANCELLED:  # type: ignore[attr-defined]
                    log.debug("status stream of group %s ended: %s", self._group_id, exc)
            with self._lock:
                self._live = False
                reopened = self._required_call > number
                waiters, self._waiters = self._waiters, []
            # Reads are direct until the next snapshot: writes waiting for the view need not wait.
            for waiter in waiters:
                waiter.loop.call_soon_threadsafe(_resolve, waiter.future)
            if not reopened:
                self._closing.wait(delay)
                delay = min(RETRY_MAX_S, delay * 2)

    def _apply(self, response: Any, number: int) -> None:
        base = self._state
        if response.snapshot or base is None:
            statuses: dict[str, bytes] = {}
        else:
            statuses = dict(base.statuses)
        for status in response.statuses:
            statuses[status.name] = _json(convert.status_from_pb(status).to_dict())
        for name in response.removed:
            statuses.pop(name, None)
        state = _State(response.version, statuses)
        with self._lock:
            self._state = state
            if response.snapshot and number >= self._required_call:
                self._live = True
            ready = [w for w in self._waiters if w.version <= state.version]
            self._waiters = [w for w in self._waiters if w.version > state.version]
        for waiter in ready:
            waiter.loop.call_soon_threadsafe(_resolve, waiter.future)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
