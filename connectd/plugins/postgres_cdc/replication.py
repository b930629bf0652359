"""PostgreSQL's streaming replication protocol on a ``replication=database`` connection.

psycopg 3 has no replication API, but its libpq wrapper (``psycopg.pq``) exposes what the protocol
needs: a COPY BOTH result, ``get_copy_data`` without blocking, ``put_copy_data`` for the standby
status updates. Streaming (rather than polling ``pg_logical_slot_peek_binary_changes``) matters: the
peek functions always start at the slot's confirmed position, so without confirming unacknowledged
changes every poll would decode the whole unacknowledged backlog again.
"""

from __future__ import annotations

import select
import struct
import time
from dataclasses import dataclass

from psycopg import pq

from connectd.api import ConnectError
from connectd.plugins.postgres_cdc.pgoutput import format_lsn, parse_lsn

_XLOG_DATA = struct.Struct(">qqq")  # after 'w': data start, WAL end, server clock
_KEEPALIVE = struct.Struct(">qqb")  # after 'k': WAL end, server clock, reply requested
_STATUS = struct.Struct(">cqqqqb")  # 'r', written, flushed, applied, client clock, reply requested
_PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 in microseconds since the Unix epoch


@dataclass(frozen=True, slots=True)
class XLogData:
    data_start: int
    wal_end: int
    payload: bytes


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class SlotInUseError(ConnectError):
    """Another connection streams the slot (a previous owner of the task not yet gone)."""


_OBJECT_IN_USE = b"55006"


class ReplicationConnection:
    """One walsender connection: creates a logical slot, then streams it and reports progress."""

    def __init__(self, conninfo: str) -> None:
        self._conn = pq.PGconn.connect(conninfo.encode())
        if self._conn.status != pq.ConnStatus.OK:
            message = self._error()
            self._conn.finish()
            raise ConnectError(f"cannot open a replication connection to PostgreSQL: {message}")
        self.wal_end = 0  # the server's latest position, from its keepalives
        self.reply_requested = False
        self._last_status = 0.0

    def _error(self) -> str:
        return self._conn.get_error_message().decode(errors="replace").strip()

    def create_slot(self, slot: str, export_snapshot: bool) -> tuple[int, str | None]:
        """Create a pgoutput slot; its consistent point and, if asked, the exported snapshot's name.

        The exported snapshot stays importable (``SET TRANSACTION SNAPSHOT``) until this connection
        runs its next command: read it before :meth:`start`.
        """
        mode = "EXPORT_SNAPSHOT" if export_snapshot else "NOEXPORT_SNAPSHOT"
        result = self._conn.exec_(
            f"CREATE_REPLICATION_SLOT {_quote_ident(slot)} LOGICAL pgoutput {mode}".encode()
        )
        if result.status != pq.ExecStatus.TUPLES_OK:
            raise ConnectError(f"cannot create replication slot {slot!r}: {self._error()}")
        point = parse_lsn((result.get_value(0, 1) or b"0/0").decode())
        name = result.get_value(0, 2)
        return point, name.decode() if name else None

    def start(self, slot: str, publication: str, start_lsn: int = 0) -> None:
        """Stream the slot from ``start_lsn`` (0: from what the slot last had confirmed)."""
        options = f"proto_version '1', publication_names {_quote_literal(_quote_ident(publication))}"
        command = f"START_REPLICATION SLOT {_quote_ident(slot)} LOGICAL {format_lsn(start_lsn)} ({options})"
        if not self._conn.send_query(command.encode()) and self._conn.status != pq.ConnStatus.OK:
            raise ConnectError(f"cannot start replication of slot {slot!r}: {self._error()}")
        result = self._conn.get_result()
        if result is None or result.status != pq.ExecStatus.COPY_BOTH:
            in_use = result is not None and result.error_field(pq.DiagnosticField.SQLSTATE) == _OBJECT_IN_USE
            while self._conn.get_result() is not None:
                pass  # drain, so that the connection can send the next attempt
            error = SlotInUseError if in_use else ConnectError
            raise error(f"cannot start replication of slot {slot!r}: {self._error()}")

    def read(self, timeout: float) -> XLogData | None:
        """The next XLogData message, or None when none came within ``timeout`` seconds. Keepalives are
        absorbed here (their WAL end is kept in :attr:`wal_end`); one asking for a reply is answered
        by the caller's next :meth:`send_status`, which :attr:`reply_requested` flags."""
        deadline = time.monotonic() + timeout
        while True:
            size, data = self._conn.get_copy_data(1)
            if size > 0:
                message = bytes(data)
                kind = message[:1]
                if kind == b"w":
                    # Its WAL end is not used: only a keepalive's says everything before it was sent.
                    start, end, _clock = _XLOG_DATA.unpack_from(message, 1)
                    return XLogData(start, end, message[1 + _XLOG_DATA.size :])
                if kind == b"k":
                    end, _clock, reply = _KEEPALIVE.unpack_from(message, 1)
                    self.wal_end = max(self.wal_end, end)
                    self.reply_requested = self.reply_requested or bool(reply)
                continue
            if size == -1:
                result = self._conn.get_result()
                detail = (
                    self._error() if result is None else result.get_error_message().decode(errors="replace")
                )
                raise ConnectError(f"PostgreSQL ended the replication stream: {detail.strip()}")
            if size < -1:
                raise ConnectError(f"reading the replication stream failed: {self._error()}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            select.select([self._conn.socket], [], [], remaining)
            try:
                self._conn.consume_input()
            except Exception as exc:  # psycopg's OperationalError: the server went away
                raise ConnectError(f"reading the replication stream failed: {exc}") from exc

    def send_status(self, received: int, flushed: int) -> None:
        """A standby status update: ``flushed`` is what the slot may forget (confirmed_flush_lsn)."""
        clock = time.time_ns() // 1000 - _PG_EPOCH_US
        message = _STATUS.pack(b"r", received, flushed, flushed, clock, 0)
        if self._conn.put_copy_data(message) != 1 or self._conn.flush() != 0:
            raise ConnectError(f"sending replication feedback failed: {self._error()}")
        self.reply_requested = False
        self._last_status = time.monotonic()

    def seconds_since_status(self) -> float:
        return time.monotonic() - self._last_status

    def close(self) -> None:
        self._conn.finish()
