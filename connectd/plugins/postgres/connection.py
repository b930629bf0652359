"""``connection.url`` (JDBC's ``jdbc:postgresql://...`` or a libpq URL) to a libpq conninfo string, and
the connection attempts of both connectors.

psycopg is imported here, lazily: the plugins list and validate without the driver, and a task that
starts without it fails with a message naming the extra to install.
"""

from __future__ import annotations

import logging
import threading
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from connectd.api import ConfigDef, ConfigError, ConfigType, ConnectError, Importance, Range

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

CONNECTION_URL = "connection.url"
CONNECTION_USER = "connection.user"
CONNECTION_PASSWORD = "connection.password"
CONNECTION_ATTEMPTS = "connection.attempts"
CONNECTION_BACKOFF_MS = "connection.backoff.ms"

DRIVER_MISSING = (
    "The PostgreSQL connectors (source, sink and CDC) need the psycopg driver, which is not installed: "
    "install the postgres extra (pip install 'connectd[postgres]')"
)

# pgJDBC's URL parameters with a libpq equivalent (connectTimeout and loginTimeout are seconds in both).
_JDBC_PARAMS = {
    "user": "user",
    "password": "password",
    "sslmode": "sslmode",
    "sslrootcert": "sslrootcert",
    "sslcert": "sslcert",
    "sslkey": "sslkey",
    "sslpassword": "sslpassword",
    "connecttimeout": "connect_timeout",
    "logintimeout": "connect_timeout",
    "applicationname": "application_name",
    "targetservertype": "target_session_attrs",
    "gssencmode": "gssencmode",
    "options": "options",
}
_TARGET_SERVER_TYPES = {"any": "any", "primary": "read-write", "master": "read-write", "secondary": "standby"}


def check_url(name: str, value: Any) -> None:
    """Validator of ``connection.url``: a PostgreSQL URL that parses."""
    if not value:
        raise ConfigError(name, value, "A PostgreSQL connection URL is required")
    conninfo(str(value))


def define_connection(definition: ConfigDef, group: str) -> ConfigDef:
    """The connection keys both connectors share."""
    return (
        definition.define(
            CONNECTION_URL,
            ConfigType.STRING,
            validator=check_url,
            importance=Importance.HIGH,
            documentation="PostgreSQL connection URL: jdbc:postgresql://host:port/database?params (pgJDBC "
            "parameters user, password, ssl, sslmode, sslrootcert, sslcert, sslkey, connectTimeout, "
            "ApplicationName, currentSchema are honoured) or a libpq URL postgresql://...",
            group=group,
            order_in_group=1,
        )
        .define(
            CONNECTION_USER,
            ConfigType.STRING,
            None,
            importance=Importance.HIGH,
            documentation="Database user (wins over a user in the URL).",
            group=group,
            order_in_group=2,
        )
        .define(
            CONNECTION_PASSWORD,
            ConfigType.PASSWORD,
            None,
            importance=Importance.HIGH,
            documentation="Database password (wins over a password in the URL; shown as [hidden]).",
            group=group,
            order_in_group=3,
        )
        .define(
            CONNECTION_ATTEMPTS,
            ConfigType.INT,
            3,
            validator=Range.at_least(1),
            importance=Importance.LOW,
            documentation="How many times to try to open a connection before the task fails.",
            group=group,
            order_in_group=4,
        )
        .define(
            CONNECTION_BACKOFF_MS,
            ConfigType.LONG,
            10000,
            validator=Range.at_least(0),
            importance=Importance.LOW,
            documentation="Milliseconds to wait between connection attempts.",
            group=group,
            order_in_group=5,
        )
    )


def psycopg_module() -> ModuleType:
    """The driver, or a ConnectError that says how to install it."""
    try:
        import psycopg
    except ImportError as exc:
        raise ConnectError(DRIVER_MISSING) from exc
    return psycopg


def is_postgres_url(url: str) -> bool:
    return url.startswith(("jdbc:postgresql:", "postgresql://", "postgres://"))


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _jdbc_params(query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        lowered = name.lower()
        if lowered == "ssl":
            # pgJDBC's ssl=true verifies the server certificate (verify-full).
            if value.lower() in ("", "true"):
                params.setdefault("sslmode", "verify-full")
        elif lowered == "currentschema":
            params["options"] = f"-c search_path={value}"
        elif lowered == "targetservertype":
            params["target_session_attrs"] = _TARGET_SERVER_TYPES.get(value.lower(), value)
        elif lowered in _JDBC_PARAMS:
            params[_JDBC_PARAMS[lowered]] = value
        else:
            # Driver tuning of pgJDBC (prepareThreshold, ...) has no libpq meaning: said, not fatal.
            log.warning("%s parameter %r has no PostgreSQL (libpq) equivalent; ignored", CONNECTION_URL, name)
    return params


def conninfo(url: str, user: str | None = None, password: str | None = None) -> str:
    """The libpq conninfo for ``connection.url`` plus the user and password keys (which win over the
    URL's own, as with Confluent's connector). Raises ConfigError naming ``connection.url``."""
    url = url.strip()
    if url.startswith(("postgresql://", "postgres://")):
        parts = urllib.parse.urlsplit(url)
        base = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
        extra = {k: v for k, v in (("user", user), ("password", password)) if v}
        return " ".join([f"dbname={_quote(base)}", *(f"{k}={_quote(v)}" for k, v in extra.items())])
    if not url.startswith("jdbc:postgresql:"):
        raise ConfigError(
            CONNECTION_URL,
            url,
            "Only PostgreSQL URLs are supported (jdbc:postgresql://host:port/database or postgresql://...)",
        )
    rest = url[len("jdbc:postgresql:") :]
    rest, _, query = rest.partition("?")
    params: dict[str, str] = {}
    if rest.startswith("//"):
        netloc, _, dbname = rest[2:].partition("/")
        hosts, ports = [], []
        for address in filter(None, netloc.split(",")):
            if address.startswith("["):  # [ipv6]:port
                host, _, port = address[1:].partition("]")
                port = port.lstrip(":")
            else:
                host, _, port = address.partition(":")
            if port and not port.isdigit():
                raise ConfigError(CONNECTION_URL, url, f"Port {port!r} is not a number")
            hosts.append(host or "localhost")
            ports.append(port or "5432")
        params["host"] = ",".join(hosts) or "localhost"
        params["port"] = ",".join(ports) or "5432"
    else:
        params["host"], params["port"], dbname = "localhost", "5432", rest.lstrip("/")
    if dbname:
        params["dbname"] = urllib.parse.unquote(dbname)
    params.update(_jdbc_params(query))
    if user:
        params["user"] = user
    if password:
        params["password"] = password
    return " ".join(f"{key}={_quote(value)}" for key, value in params.items())


@dataclass(frozen=True)
class ConnectionSettings:
    url: str
    user: str | None
    password: str | None
    attempts: int
    backoff_ms: int

    @classmethod
    def from_parsed(cls, parsed: Mapping[str, Any]) -> ConnectionSettings:
        password = parsed.get(CONNECTION_PASSWORD)
        return cls(
            parsed[CONNECTION_URL],
            parsed.get(CONNECTION_USER) or None,
            str(password) if password else None,
            parsed[CONNECTION_ATTEMPTS],
            parsed[CONNECTION_BACKOFF_MS],
        )

    def connect(
        self, stopping: threading.Event | None = None, autocommit: bool = False
    ) -> psycopg.Connection:
        """A new connection, after up to ``connection.attempts`` tries ``connection.backoff.ms`` apart
        (cut short when ``stopping`` is set)."""
        driver = psycopg_module()
        info = conninfo(self.url, self.user, self.password)
        last: Exception | None = None
        waiter = stopping or threading.Event()  # a backoff that stop() can cut short
        for attempt in range(1, self.attempts + 1):
            try:
                return driver.connect(info, autocommit=autocommit)
            except driver.OperationalError as exc:
                last = exc
                log.warning(
                    "connection attempt %d of %d to PostgreSQL failed: %s", attempt, self.attempts, exc
                )
                if attempt < self.attempts and waiter.wait(self.backoff_ms / 1000):
                    break
        raise ConnectError(f"Cannot connect to PostgreSQL ({CONNECTION_URL}={self.url}): {last}") from last
