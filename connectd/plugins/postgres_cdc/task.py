"""The change-data-capture task: the snapshot, then the replication stream, as Debezium events.

Offsets (one source partition, ``{"server": <topic.prefix>}``): during the snapshot, the table in
progress and the last key read; then ``lsn_commit`` (the commit LSN of a change's transaction) and
``event`` (the record's number within it). A restart skips every record at or before the committed
offset. The slot is confirmed only up to transactions whose records are all covered by a committed
offset (read back from the offset store), so a crash replays what Kafka may not have: at least once.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

from connectd.api import ConnectError, SourceRecord, SourceTask
from connectd.connector_version import BUILTIN_VERSION
from connectd.plugins.postgres_cdc import catalog, pgoutput
from connectd.plugins.postgres_cdc.acks import SlotProgress
from connectd.plugins.postgres_cdc.config import CdcSettings
from connectd.plugins.postgres_cdc.events import Column, Position, TableEvents, TableInfo
from connectd.plugins.postgres_cdc.replication import ReplicationConnection, SlotInUseError
from connectd.plugins.postgres_cdc.snapshot import Snapshot, SnapshotBatch

log = logging.getLogger(__name__)

_PG_EPOCH_MS = 946_684_800_000
_CONFIRM_EVERY_S = 1.0  # how often the committed offset is read back to confirm the slot
_SLOT_BUSY_WAIT_S = 60.0  # how long a new owner waits for the previous one's walsender to go


class PostgresCdcSourceTask(SourceTask):
    def version(self) -> str:
        return BUILTIN_VERSION

    def start(self, config: Mapping[str, str]) -> None:
        self._settings = s = CdcSettings.parse(config)
        self._stopped = threading.Event()
        self._lock = threading.Lock()  # poll() and the closing in stop() never overlap
        self._partition = {"server": s.topic_prefix}  # one object: the runtime caches its key by identity
        self._filter = catalog.TableFilter(s.include, s.exclude)
        self._progress = SlotProgress()
        self._relations: dict[int, TableEvents | None] = {}
        self._confirmed = 0
        self._next_confirm = 0.0
        self._snapshot: Snapshot | None = None
        self._repl: ReplicationConnection | None = None
        self._tx: pgoutput.Begin | None = None
        self._last_commit_lsn: int | None = None
        self._conninfo = make_conninfo("", **s.conninfo)
        committed = self.context.offset_reader.offset(self._partition)
        self._resume = self._stream_position(committed)
        self._conn = psycopg.connect(self._conninfo, autocommit=True)
        try:
            self._prepare(committed)
        except BaseException:
            self._close()
            raise

    @staticmethod
    def _stream_position(offset: Mapping[str, Any] | None) -> tuple[int, int] | None:
        if offset is None or "lsn_commit" not in offset:
            return None
        return int(offset["lsn_commit"]), int(offset.get("event", 0))

    def _prepare(self, committed: Mapping[str, Any] | None) -> None:
        s = self._settings
        tables = catalog.captured_tables(self._conn, self._filter)
        # The publication first: pgoutput looks it up as of each change, so it must predate the slot.
        catalog.ensure_publication(self._conn, s.publication, s.publication_mode, tables)
        plugin = catalog.slot_plugin(self._conn, s.slot)
        if plugin is not None and plugin != "pgoutput":
            raise ConnectError(
                f"replication slot {s.slot!r} uses plugin {plugin!r}, not pgoutput (slot.name)"
            )
        snapshotting = s.snapshot and (committed is None or bool(committed.get("snapshot")))
        self._repl = ReplicationConnection(make_conninfo(self._conninfo, replication="database"))
        exported = None
        if plugin is None:
            if committed is not None and not snapshotting:
                log.warning("slot %s is gone: changes since offset %s cannot be replayed", s.slot, committed)
            # Only a fresh snapshot can use the slot's exported one; a resumed snapshot overlaps the stream.
            _, exported = self._repl.create_slot(s.slot, export_snapshot=snapshotting and committed is None)
            log.info("created replication slot %s", s.slot)
        if snapshotting:
            infos = [catalog.table_info(self._conn, oid, schema, name) for oid, schema, name in tables]
            resume = None
            if committed is not None:
                key = committed.get("last_key")
                resume = (str(committed["table"]), json.loads(key) if key else None)
            self._snapshot = Snapshot(self._conninfo, infos, s.fetch_size, exported, resume)
            self._snapshot_events = {t.qualified: self._table_events(t) for t in infos}
        else:
            self._start_stream()

    def _start_stream(self) -> None:
        assert self._repl is not None
        deadline = time.monotonic() + _SLOT_BUSY_WAIT_S
        while True:
            try:
                self._repl.start(self._settings.slot, self._settings.publication)
                return
            except SlotInUseError:
                # After a failover the killed worker's walsender lingers until the server notices.
                if time.monotonic() > deadline or self._stopped.wait(0.5):
                    raise

    def _table_events(self, table: TableInfo) -> TableEvents:
        s = self._settings
        return TableEvents(table, s.topic_prefix, s.dbname, s.types, BUILTIN_VERSION)

    # --- poll ----------------------------------------------------------------------------------

    def poll(self) -> list[SourceRecord] | None:
        with self._lock:
            if self._stopped.is_set():
                return None
            if self._snapshot is not None:
                return self._poll_snapshot()
            return self._poll_stream()

    def _poll_snapshot(self) -> list[SourceRecord]:
        assert self._snapshot is not None and self._repl is not None
        batch = self._snapshot.next_batch()
        records = self._snapshot_records(batch) if batch is not None else []
        if batch is None or batch.snapshot_done:
            self._snapshot.close()
            self._snapshot = None
            log.info(
                "snapshot of %s done; streaming slot %s", self._settings.topic_prefix, self._settings.slot
            )
            self._start_stream()
        return records

    def _snapshot_records(self, batch: SnapshotBatch) -> list[SourceRecord]:
        events = self._snapshot_events[batch.table.qualified]
        offset = {
            "snapshot": True,
            "table": batch.table.qualified,
            "last_key": json.dumps(batch.last_key) if batch.last_key is not None else None,
        }
        now_ms = time.time_ns() // 1_000_000
        records = []
        for i, values in enumerate(batch.rows):
            last = batch.snapshot_done and i == len(batch.rows) - 1
            position = Position(now_ms, snapshot="last" if last else "true")
            records.append(events.change("r", None, events.row(values), position, self._partition, offset))
        return records

    def _poll_stream(self) -> list[SourceRecord]:
        assert self._repl is not None
        records: list[SourceRecord] = []
        deadline = time.monotonic() + self._settings.poll_interval_s
        while len(records) < self._settings.batch_size and not self._stopped.is_set():
            # Wait only while there is nothing to return: a batch in hand goes out at once.
            message = self._repl.read(0 if records else max(0.0, deadline - time.monotonic()))
            if message is None:
                break
            self._handle(pgoutput.decode(message.payload), message.data_start, records)
        self._confirm()
        return records

    def _handle(self, message: pgoutput.Message, lsn: int, out: list[SourceRecord]) -> None:
        if isinstance(message, pgoutput.Begin):
            self._tx = message
            self._progress.begin(message.final_lsn)
        elif isinstance(message, pgoutput.Commit):
            self._progress.commit(message.end_lsn)
            self._last_commit_lsn = message.commit_lsn
            self._tx = None
        elif isinstance(message, pgoutput.Relation):
            self._relations[message.oid] = self._relation_events(message)
        elif isinstance(message, pgoutput.Insert | pgoutput.Update | pgoutput.Delete):
            events = self._relations.get(message.relation_oid)
            if events is not None:
                self._changes(events, message, lsn, out)
        # Truncate, Type, Origin and logical messages produce no event (Debezium skips truncates
        # unless told otherwise).

    def _relation_events(self, relation: pgoutput.Relation) -> TableEvents | None:
        qualified = f"{relation.namespace}.{relation.name}"
        if not self._filter(qualified):
            return None
        key, nullable = catalog.key_and_nullability(self._conn, relation.oid)
        columns = tuple(
            Column(c.name, c.type_oid, c.type_modifier, nullable.get(c.name, True)) for c in relation.columns
        )
        present = {c.name for c in columns}
        return self._table_events(
            TableInfo(relation.namespace, relation.name, columns, tuple(k for k in key if k in present))
        )

    def _changes(
        self,
        events: TableEvents,
        message: pgoutput.Insert | pgoutput.Update | pgoutput.Delete,
        lsn: int,
        out: list[SourceRecord],
    ) -> None:
        tx = self._tx
        if tx is None:
            raise ConnectError(f"change at LSN {pgoutput.format_lsn(lsn)} outside a transaction")
        position = Position(tx.commit_ts_us // 1000 + _PG_EPOCH_MS, tx.xid, lsn, self._last_commit_lsn)
        tombstones = self._settings.tombstones

        def emit(record: SourceRecord) -> None:
            number = self._progress.record()
            resume = self._resume
            if resume is not None and (
                tx.final_lsn < resume[0] or (tx.final_lsn == resume[0] and number <= resume[1])
            ):
                return  # Kafka has it already: replayed because the slot was not yet confirmed past it
            record.source_offset = {"lsn_commit": tx.final_lsn, "event": number, "lsn": lsn, "txId": tx.xid}
            out.append(record)

        def delete(before: dict[str, Any]) -> None:
            emit(events.change("d", before, None, position, self._partition, {}))
            if tombstones:
                emit(events.tombstone(events.key(before), self._partition, {}))

        if isinstance(message, pgoutput.Insert):
            emit(events.change("c", None, events.row(message.new), position, self._partition, {}))
        elif isinstance(message, pgoutput.Delete):
            delete(events.row(message.old))
        else:
            after = events.row(message.new)
            before = events.row(message.old) if message.old is not None else None
            if before is not None and events.key(before) != events.key(after):
                # A changed primary key: Debezium's delete of the old key, then a create of the new.
                delete(before)
                emit(events.change("c", None, after, position, self._partition, {}))
            else:
                emit(events.change("u", None if message.old_is_key_only else before, after, position,
                                   self._partition, {}))  # fmt: skip

    # --- acknowledging the slot ----------------------------------------------------------------

    def commit(self) -> None:
        # Offsets were just written: confirm what they cover at the next poll (on the task's thread).
        self._next_confirm = 0.0

    def _confirm(self) -> None:
        repl = self._repl
        if repl is None:
            return
        now = time.monotonic()
        target = None
        if now >= self._next_confirm:
            self._next_confirm = now + _CONFIRM_EVERY_S
            committed = self._stream_position(self.context.offset_reader.offset(self._partition))
            if committed is not None and (self._resume is None or committed > self._resume):
                self._resume = committed
            target = self._progress.confirmable(self._resume)
            if self._progress.pending == 0 and not self._progress.in_transaction:
                # Everything received is covered; the server's keepalive says all before its WAL end
                # was sent, so that much can go too (it keeps the slot from holding WAL when idle).
                target = max(target or 0, repl.wal_end)
        if target is not None and target > self._confirmed:
            self._confirmed = target
            repl.send_status(max(target, repl.wal_end), target)
        elif repl.reply_requested or repl.seconds_since_status() >= self._settings.status_interval_s:
            repl.send_status(max(self._confirmed, repl.wal_end), self._confirmed)

    # --- stop ----------------------------------------------------------------------------------

    def stop(self) -> None:
        self._stopped.set()
        # poll() returns within poll.interval.ms; the connections close once it has.
        if self._lock.acquire(timeout=self._settings.poll_interval_s + 30):
            try:
                self._close()
            finally:
                self._lock.release()

    def _close(self) -> None:
        if self._snapshot is not None:
            self._snapshot.close()
            self._snapshot = None
        if self._repl is not None:
            self._repl.close()
            self._repl = None
        if self._settings.drop_slot_on_stop and not self._conn.closed:
            self._drop_slot()
        self._conn.close()

    def _drop_slot(self) -> None:
        deadline = time.monotonic() + 10
        while True:
            try:
                self._conn.execute(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                    " WHERE slot_name = %s",
                    (self._settings.slot,),
                )
                return
            except psycopg.errors.ObjectInUse:
                if time.monotonic() > deadline:
                    log.warning("slot %s still in use: not dropped", self._settings.slot)
                    return
                time.sleep(0.1)  # its walsender exits just after our connection closed
