"""A private PostgreSQL cluster for tests: ``initdb`` in a temp dir, started on a free loopback port with
``wal_level=logical`` (change-data capture needs it), stopped and removed afterwards.

``CONNECTD_TEST_POSTGRES_URL`` (``postgresql://user:password@host:port/dbname``) points the tests at an
existing server instead. When neither that nor the PostgreSQL server binaries are there, the fixture
skips and names the package to install.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator

import pytest

from connectd.local_postgres import (
    MISSING_REASON,
    SERVER_BINARIES,
    LocalPostgres,
    PostgresServer,
    find_bin_dir,
    server_from_url,
)

# The cluster itself lives in connectd/local_postgres.py, where the benchmarks reach it too.
__all__ = ["MISSING_REASON", "SERVER_BINARIES", "LocalPostgres", "PostgresServer", "postgres_server"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A running PostgreSQL with ``wal_level=logical``; the session's tests share it (use unique tables)."""
    external = os.environ.get("CONNECTD_TEST_POSTGRES_URL")
    if external:
        yield server_from_url(external)
        return
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip(MISSING_REASON)
    cluster = LocalPostgres(bin_dir)
    started = time.monotonic()
    try:
        server = cluster.start()
    except subprocess.CalledProcessError as exc:
        cluster.stop()
        raise AssertionError(
            f"expected a private PostgreSQL to start; {exc.cmd[0]} failed: {exc.stderr!r}\n{cluster.log}"
        ) from exc
    print(f"PostgreSQL on {server.host}:{server.port} started in {time.monotonic() - started:.1f}s")
    try:
        yield server
    finally:
        cluster.stop()
