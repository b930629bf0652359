"""Which part of the replication stream the slot may forget: pure bookkeeping, no I/O.

A transaction's changes may be acknowledged (confirmed to the slot) once every record it produced is
covered by a committed source offset. Offsets name a change as (commit LSN of its transaction, number
of the record within it), so "covered" is an order comparison; transactions that produced no record
are covered as soon as everything before them is.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(slots=True)
class _Transaction:
    commit_lsn: int
    records: int = 0
    end_lsn: int | None = None  # known at its Commit message


class SlotProgress:
    def __init__(self) -> None:
        self._transactions: deque[_Transaction] = deque()
        self._open: _Transaction | None = None

    def begin(self, commit_lsn: int) -> None:
        self._open = _Transaction(commit_lsn)
        self._transactions.append(self._open)

    def record(self) -> int:
        """Count one record of the open transaction; its number (from 1) within the transaction."""
        if self._open is None:
            raise RuntimeError("a change outside a transaction")
        self._open.records += 1
        return self._open.records

    def commit(self, end_lsn: int) -> None:
        if self._open is not None:
            self._open.end_lsn = end_lsn
            self._open = None

    @property
    def in_transaction(self) -> bool:
        return self._open is not None

    @property
    def pending(self) -> int:
        """Transactions seen but not yet confirmable."""
        return len(self._transactions)

    def confirmable(self, committed: tuple[int, int] | None) -> int | None:
        """The highest LSN the slot may now confirm, given the latest committed offset as (commit LSN,
        record number); None if nothing more can be confirmed. Forgets the transactions it covers."""
        confirmed = None
        while self._transactions:
            tx = self._transactions[0]
            if tx.end_lsn is None:
                break
            covered = tx.records == 0 or (
                committed is not None
                and (
                    tx.commit_lsn < committed[0]
                    or (tx.commit_lsn == committed[0] and committed[1] >= tx.records)
                )
            )
            if not covered:
                break
            confirmed = tx.end_lsn
            self._transactions.popleft()
        return confirmed
