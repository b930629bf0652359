"""A private, throwaway PostgreSQL cluster for tests, benchmarks and quickstarts: ``initdb`` in a temp
dir, started on a free loopback port with ``wal_level=logical`` (change-data capture needs it),
stopped by ``pg_ctl`` and removed afterwards. Like :mod:`connectd.embedded_broker`, a development aid:
the connectors never use it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from connectd.embedded_broker import free_port

SERVER_BINARIES = ("initdb", "pg_ctl", "postgres")
_SEARCH_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin")
MISSING_REASON = (
    "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: install Debian's `postgresql-15` "
    "(apt-get install postgresql-15) or set CONNECTD_TEST_POSTGRES_URL"
)


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    password: str
    dbname: str

    @property
    def url(self) -> str:
        """libpq URL (for psycopg)."""
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.dbname}"

    @property
    def jdbc_url(self) -> str:
        """The form Confluent's JDBC connectors take in ``connection.url``."""
        return f"jdbc:postgresql://{self.host}:{self.port}/{self.dbname}"


def find_bin_dir() -> Path | None:
    on_path = shutil.which("pg_ctl")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    candidates += [Path(d) for d in _SEARCH_DIRS]
    for directory in candidates:
        if all((directory / name).exists() for name in SERVER_BINARIES):
            return directory
    return None


def _as_postgres_user(argv: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root; tests on these machines run as root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


class LocalPostgres:
    """One throwaway cluster; ``start()`` returns its address, ``stop()`` kills it and removes its files."""

    def __init__(self, bin_dir: Path, password: str = "connectd-test") -> None:
        self._bin = bin_dir
        self._password = password
        self._dir = Path(tempfile.mkdtemp(prefix="connectd-pg-"))
        self._data = self._dir / "data"
        self.server: PostgresServer | None = None

    def start(self, timeout: float = 60.0) -> PostgresServer:
        if os.geteuid() == 0:
            shutil.chown(self._dir, user="postgres")
        pwfile = self._dir / "pw"
        pwfile.write_text(self._password)
        if os.geteuid() == 0:
            shutil.chown(pwfile, user="postgres")
        subprocess.run(
            _as_postgres_user(
                [
                    str(self._bin / "initdb"),
                    "-D",
                    str(self._data),
                    "-U",
                    "postgres",
                    "-A",
                    "scram-sha-256",
                    "--pwfile",
                    str(pwfile),
                    "-E",
                    "UTF8",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=timeout,
        )
        port = free_port()
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(port),
            "unix_socket_directories": f"'{self._dir}'",
            "wal_level": "logical",
            "max_replication_slots": "20",
            "max_wal_senders": "20",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        with (self._data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        subprocess.run(
            _as_postgres_user(
                [
                    str(self._bin / "pg_ctl"),
                    "-D",
                    str(self._data),
                    "-l",
                    str(self._dir / "server.log"),
                    "-w",
                    "-t",
                    str(int(timeout)),
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=timeout + 5,
        )
        self.server = PostgresServer("127.0.0.1", port, "postgres", self._password, "postgres")
        return self.server

    def stop(self) -> None:
        if self._data.exists() and (self._data / "postmaster.pid").exists():
            subprocess.run(
                _as_postgres_user(
                    [str(self._bin / "pg_ctl"), "-D", str(self._data), "-m", "immediate", "-w", "stop"]
                ),
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(self._dir, ignore_errors=True)

    @property
    def log(self) -> str:
        path = self._dir / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


def server_from_url(url: str) -> PostgresServer:
    parts = urllib.parse.urlsplit(url)
    return PostgresServer(
        parts.hostname or "127.0.0.1",
        parts.port or 5432,
        urllib.parse.unquote(parts.username or "postgres"),
        urllib.parse.unquote(parts.password or ""),
        parts.path.lstrip("/") or "postgres",
    )


def main() -> int:
    """``python -m connectd.local_postgres``: a throwaway cluster until Ctrl-C (the quickstarts use it)."""
    import signal
    import threading

    bin_dir = find_bin_dir()
    if bin_dir is None:
        print(MISSING_REASON)
        return 1
    cluster = LocalPostgres(bin_dir)
    server = cluster.start()
    print(f"PostgreSQL running: {server.url}", flush=True)
    print(
        f"connection.url={server.jdbc_url} connection.user={server.user} "
        f"connection.password={server.password}",
        flush=True,
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        cluster.stop()
        print("PostgreSQL stopped and removed", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
