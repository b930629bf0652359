"""Worker configuration: Java ``.properties`` and JSON files, Kafka Connect's keys and defaults."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectd.api.config import ConfigDef, ConfigType, Importance, Range, ValidString
from connectd.api.errors import ConfigError
from connectd.metrics.settings import define_metrics_keys
from connectd.runtime import client_override_policy as client_policy
from connectd.runtime.config_providers import PROVIDERS_KEY, ConfigProviders, Resolution
from connectd.stream_paths import TopicNames


class ConfigFileError(ValueError):
    """A config file that cannot be read or parsed; the message names the file."""


_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2 : i + 6]):
                out.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def parse_properties(text: str) -> dict[str, str]:
    """Parse Java properties: ``#``/``!`` comments, ``=``/``:``/space separators, ``\\`` continuations."""
    props: dict[str, str] = {}
    logical: list[str] = []
    for raw in text.splitlines():
        line = raw.lstrip()
        if not logical and (not line or line[0] in "#!"):
            continue
        # An odd number of trailing backslashes continues the line.
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2 == 1:
            logical.append(line[:-1])
            continue
        logical.append(line)
        entry = "".join(logical)
        logical = []
        match = re.match(r"((?:\\.|[^=:\s\\])*)\s*[=:\s]?\s*(.*)$", entry)
        if match is None:
            continue
        key, value = _unescape(match.group(1)), _unescape(match.group(2))
        if key:
            props[key] = value
    return props


def load_properties(path: str | Path) -> dict[str, str]:
    try:
        return parse_properties(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigFileError(f"cannot read config file {path}: {exc.strerror}") from None


def _stringify(name: str, value: Any, source: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise ConfigFileError(f"{source}: value of {name!r} must be a string, number or boolean")


@dataclass(frozen=True, slots=True)
class ConnectorFile:
    """A connector given on the command line: its name, config and optional initial state."""

    name: str
    config: dict[str, str]
    initial_state: str | None = None


def load_connector_file(path: str | Path) -> ConnectorFile:
    """A connector config as ``.properties`` or JSON (the POST body ``{"name", "config"}`` or a flat map)."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigFileError(f"cannot read connector file {path}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise ConfigFileError(f"connector file {path} is not valid JSON: {exc}") from None
        if not isinstance(doc, dict):
            raise ConfigFileError(f"connector file {path} must hold a JSON object")
        initial_state = None
        if isinstance(doc.get("config"), dict):
            initial_state = doc.get("initial_state")
            raw = dict(doc["config"])
            if "name" in doc and "name" not in raw:
                raw["name"] = doc["name"]
        else:
            raw = doc
        config = {
            k: v for k, v in ((k, _stringify(k, v, str(path))) for k, v in raw.items()) if v is not None
        }
    else:
        config = load_properties(path)
        initial_state = None
    name = config.get("name", "").strip()
    if not name:
        raise ConfigFileError(f"connector file {path} has no 'name'")
    return ConnectorFile(name=name, config=config, initial_state=initial_state)


PORT = Range.between(0, 65535)
EXACTLY_ONCE_SOURCE_SUPPORT = "exactly.once.source.support"
STREAM_PATHS_MAPPING = "stream.paths.mapping"
# Keys older Kafka versions (and the files HPE Data Fabric ships) carry that no longer do anything.
REMOVED_KEY_PREFIXES = ("internal.key.converter", "internal.value.converter")

# The REST API's request limits (gateway/limits.py applies them). A connector config is one record
# of the config topic, which the broker's message.max.bytes (about 1 MB) limits: a larger body could
# never be stored. gRPC messages between roles carry a body's config and echo it in validation
# results; they allow 64 MiB (services/grpc_support.py), so a body may be at most half of that.
MAX_BODY_BYTES_KEY = "rest.request.max.bytes"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
MAX_BODY_BYTES_CEILING = 32 * 1024 * 1024
HEADER_TIMEOUT_MS_KEY = "rest.request.header.timeout.ms"
ADMIN_LISTENERS_KEY = "admin.listeners"
DEFAULT_HEADER_TIMEOUT_MS = 10_000


def _worker_config_def() -> ConfigDef:
    d = ConfigDef()
    high, low = Importance.HIGH, Importance.LOW
    d.define(
        "bootstrap.servers",
        ConfigType.LIST,
        None,
        importance=high,
        documentation="Kafka brokers; when unset, standalone starts an embedded broker.",
    )
    d.define(
        "key.converter", ConfigType.CLASS, "org.apache.kafka.connect.json.JsonConverter", importance=high
    )
    d.define(
        "value.converter", ConfigType.CLASS, "org.apache.kafka.connect.json.JsonConverter", importance=high
    )
    d.define(
        "header.converter",
        ConfigType.CLASS,
        "org.apache.kafka.connect.storage.StringConverter",
        importance=low,
    )
    d.define("offset.flush.interval.ms", ConfigType.LONG, 60000, validator=Range.at_least(1), importance=low)
    d.define("offset.flush.timeout.ms", ConfigType.LONG, 5000, validator=Range.at_least(0), importance=low)
    d.define(
        "task.shutdown.graceful.timeout.ms",
        ConfigType.LONG,
        5000,
        validator=Range.at_least(0),
        importance=low,
    )
    d.define("plugin.path", ConfigType.LIST, None, importance=low)
    d.define(
        "log.format",
        ConfigType.STRING,
        "text",
        validator=ValidString("text", "json"),
        importance=low,
        documentation="The log lines on stderr: text, or json (one JSON object per line, for log pipelines).",
    )
    d.define("listeners", ConfigType.LIST, None, importance=low)
    d.define("rest.port", ConfigType.INT, None, validator=PORT, importance=low)
    d.define("rest.host.name", ConfigType.STRING, None, importance=low)
    d.define("rest.advertised.host.name", ConfigType.STRING, None, importance=low)
    d.define("rest.advertised.port", ConfigType.INT, None, validator=PORT, importance=low)
    # Kafka's RestServerConfig keys for TLS listeners, admin endpoints and CORS (services/rest_listeners.py,
    # gateway/cors.py); authentication keys are read by gateway/auth.py.
    d.define(
        "rest.advertised.listener",
        ConfigType.STRING,
        None,
        validator=ValidString("http", "https", case_sensitive=False),
        importance=low,
        documentation="The protocol (http or https) of the URL given out as this worker's address.",
    )
    d.define(
        ADMIN_LISTENERS_KEY,
        ConfigType.LIST,
        None,
        importance=low,
        documentation="Listeners serving /admin (loggers) instead of listeners; empty disables /admin.",
    )
    d.define("access.control.allow.origin", ConfigType.STRING, "", importance=low)
    d.define("access.control.allow.methods", ConfigType.STRING, "", importance=low)
    d.define("rest.extension.classes", ConfigType.LIST, "", importance=low)
    d.define(
        MAX_BODY_BYTES_KEY,
        ConfigType.INT,
        DEFAULT_MAX_BODY_BYTES,
        validator=Range.between(1, MAX_BODY_BYTES_CEILING),
        importance=low,
        documentation="Largest request body the REST API reads, in bytes; a larger one gets 413.",
    )
    d.define(
        HEADER_TIMEOUT_MS_KEY,
        ConfigType.INT,
        DEFAULT_HEADER_TIMEOUT_MS,
        validator=Range.at_least(1),
        importance=low,
        documentation="Time a REST client has to send a complete request head, from connecting or from "
        "its previous response; the connection is closed after it.",
    )
    d.define("offset.storage.file.filename", ConfigType.STRING, None, importance=high)
    d.define("topic.creation.enable", ConfigType.BOOLEAN, True, importance=low)
    d.define(
        STREAM_PATHS_MAPPING,
        ConfigType.BOOLEAN,
        True,
        importance=low,
        documentation="Map HPE Data Fabric (MapR) stream paths (/path/stream:topic) to legal Kafka topic "
        "names wherever a topic is used, and back wherever one is shown (connectd.stream_paths).",
    )
    d.define(
        EXACTLY_ONCE_SOURCE_SUPPORT,
        ConfigType.STRING,
        "disabled",
        validator=ValidString("disabled", "preparing", "enabled", case_sensitive=False),
        importance=high,
        documentation="Distributed mode: enabled runs every source task with a transactional producer, "
        "its records and their offsets committed in one Kafka transaction (KIP-618).",
    )
    d.define(
        "auto.create.topics.partitions",
        ConfigType.INT,
        None,
        validator=Range.at_least(1),
        importance=low,
        documentation="connectd creates each topic a connector's clients would leave the broker to "
        "auto-create with this many partitions, before first use (unset: the broker's auto-creation). "
        "Set to 1, Kafka's num.partitions default, on an embedded broker connectd started.",
    )
    d.define("topic.tracking.enable", ConfigType.BOOLEAN, True, importance=low)
    d.define("topic.tracking.allow.reset", ConfigType.BOOLEAN, True, importance=low)
    d.define("consumer.max.poll.records", ConfigType.INT, 500, validator=Range.at_least(1), importance=low)
    d.define("group.id", ConfigType.STRING, None, importance=high)
    d.define("offset.storage.topic", ConfigType.STRING, None, importance=high)
    d.define("offset.storage.partitions", ConfigType.INT, 25, importance=low)
    d.define("offset.storage.replication.factor", ConfigType.SHORT, 3, importance=low)
    d.define("config.storage.topic", ConfigType.STRING, None, importance=high)
    d.define("status.storage.topic", ConfigType.STRING, None, importance=high)
    d.define("config.storage.replication.factor", ConfigType.SHORT, 3, importance=low)
    d.define("status.storage.partitions", ConfigType.INT, 5, importance=low)
    d.define("status.storage.replication.factor", ConfigType.SHORT, 3, importance=low)
    # Distributed mode: where the roles listen and find each other over gRPC.
    d.define(
        "coordinator.address",
        ConfigType.STRING,
        "localhost:9190",
        importance=high,
        documentation="host:port of the coordinator's gRPC service; the coordinator listens on its port.",
    )
    d.define(
        "offset.store.address",
        ConfigType.STRING,
        "localhost:9191",
        importance=high,
        documentation="host:port of the offset store's gRPC service; the offset store listens on its port.",
    )
    d.define(
        "grpc.host",
        ConfigType.STRING,
        None,
        importance=low,
        documentation="Interface this role's gRPC server binds (unset: every interface with TLS, "
        "grpc.ssl.keystore.*, else 127.0.0.1: plaintext gRPC stays on this machine unless set).",
    )
    d.define(
        "grpc.port",
        ConfigType.INT,
        None,
        validator=PORT,
        importance=high,
        documentation="Port of a worker's gRPC server (unset: any free port, which it registers). The "
        "coordinator and the offset store listen on the port of their address key when it is set (so "
        "every role starts from one shared file), else on this one.",
    )
    d.define(
        "grpc.advertised.host",
        ConfigType.STRING,
        None,
        importance=low,
        documentation="Host other roles use to reach this one (default: grpc.host, or localhost).",
    )
    _define_grpc_security(d)
    _define_rest_tls(d)
    d.define("heartbeat.interval.ms", ConfigType.INT, 1000, validator=Range.at_least(1), importance=low)
    d.define("session.timeout.ms", ConfigType.INT, 5000, validator=Range.at_least(1), importance=low)
    d.define(
        "scheduled.rebalance.max.delay.ms", ConfigType.INT, 3000, validator=Range.at_least(0), importance=low
    )
    d.define(
        "request.timeout.ms",
        ConfigType.INT,
        10000,
        validator=Range.at_least(1),
        importance=low,
        documentation="Deadline of every gRPC call between roles.",
    )
    # Secrets (KIP-297) and what connectors may set on their clients: connectd/runtime/config_providers.py
    # and connectd/runtime/client_override_policy.py.
    d.define(PROVIDERS_KEY, ConfigType.LIST, None, importance=low, documentation="Names of config providers.")
    d.define(
        client_policy.POLICY_KEY,
        ConfigType.STRING,
        client_policy.DEFAULT_POLICY,
        validator=client_policy.validate_policy,
        importance=low,
        documentation="Which client settings connectors may override: None, Principal or All.",
    )
    d.define(client_policy.ALLOWED_URLS_KEY, ConfigType.LIST, "", importance=low)
    d.define(client_policy.ALLOWED_PATHS_KEY, ConfigType.LIST, "", importance=low)
    define_metrics_keys(d)
    return d


# Kafka's ssl.* keys (after ``ssl.``), as services/security/tls.py reads them; gRPC's under grpc.ssl.
SSL_KEYS = (
    "keystore.location",
    "keystore.type",
    "keystore.password",
    "key.password",
    "keystore.certificate.chain",
    "keystore.key",
    "truststore.location",
    "truststore.type",
    "truststore.password",
    "truststore.certificates",
    "client.auth",
)


# Where REST's TLS keys live (services/security/tls.py rest_material, admin_rest_material): Kafka's.
REST_SSL_PREFIXES = ("ssl.", "listeners.https.ssl.", "admin.listeners.https.ssl.")


def has_keystore(config: Mapping[str, str], prefix: str) -> bool:
    """Whether the ``ssl.*`` keys under ``prefix`` name a keystore (a file, or an inline PEM key)."""
    return any((config.get(prefix + key) or "").strip() for key in ("keystore.location", "keystore.key"))


def _define_ssl_keys(d: ConfigDef, prefix: str, importance: Importance, documentation: str) -> None:
    """Kafka's ``ssl.*`` keys under ``prefix``; passwords and inline private keys are PASSWORD-typed."""
    for key in SSL_KEYS:
        secret = key.endswith(("password", "keystore.key"))
        d.define(
            prefix + key,
            ConfigType.PASSWORD if secret else ConfigType.STRING,
            None,
            importance=importance,
            documentation=f"ssl.{key} {documentation}",
        )


def _define_rest_tls(d: ConfigDef) -> None:
    """TLS of the REST listeners: ``listeners.https.ssl.*`` (``admin.listeners.https.ssl.*``), else the
    worker's ``ssl.*``, as Kafka reads them."""
    for prefix in REST_SSL_PREFIXES:
        _define_ssl_keys(d, prefix, Importance.LOW, "of the REST API's https listeners.")


def _define_grpc_security(d: ConfigDef) -> None:
    """Mutual TLS and the cluster token between roles (services/security/grpc_credentials.py)."""
    _define_ssl_keys(
        d, "grpc.ssl.", Importance.MEDIUM, "of gRPC between roles (client.auth defaults to required)."
    )
    d.define(
        "grpc.auth.token",
        ConfigType.PASSWORD,
        None,
        importance=Importance.MEDIUM,
        documentation="The cluster token every role sends and requires on gRPC (needs grpc.ssl.*).",
    )
    d.define(
        "grpc.auth.token.file",
        ConfigType.STRING,
        None,
        importance=Importance.MEDIUM,
        documentation="A file holding the cluster token, instead of grpc.auth.token.",
    )


WORKER_CONFIG_DEF = _worker_config_def()


@dataclass(frozen=True, slots=True)
class Listener:
    scheme: str
    host: str
    port: int

    @property
    def bind_host(self) -> str:
        return self.host or "0.0.0.0"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


# The roles other than workers listen where everyone else reaches them: the port of their address key.
_ROLE_ADDRESS_KEYS = {"coordinator": "coordinator.address", "offset-store": "offset.store.address"}
# A worker registers the address it listens at: any free port serves, so workers on one node only
# need distinct REST ports, as Kafka's do.
WORKER_GRPC_PORT = 0


def parse_host_port(key: str, text: str) -> tuple[str, int]:
    """``host:port`` or ``[v6 host]:port``; ConfigError naming ``key`` otherwise."""
    match = re.fullmatch(r"(\[[^\]]+\]|[^:\s\[\]]+):(\d+)", text.strip())
    if match is None:
        raise ConfigError(key, text, "Must be of the form host:port")
    port = int(match.group(2))
    PORT(key, port)
    return match.group(1).strip("[]"), port


def parse_listener(text: str, key: str = "listeners") -> Listener:
    match = re.fullmatch(r"(?i)(https?)://(\[[^\]]*\]|[^:/]*):(\d+)/?", text.strip())
    if match is None:
        raise ConfigError(
            key, text, "Listeners must be of the form protocol://host:port, protocol http or https"
        )
    host, port = match.group(2).strip("[]"), int(match.group(3))
    PORT(key, port)
    return Listener(match.group(1).lower(), host, port)


def _reachable_host(bound: str | None) -> str:
    """A host name others can use for a server bound to ``bound`` (all interfaces: this machine's)."""
    return bound if bound and bound not in ("0.0.0.0", "::") else socket.gethostname()


def _resolve_placeholders(props: Mapping[str, str], providers: ConfigProviders) -> Resolution:
    """Kafka resolves the worker config's own placeholders at startup, with the providers it names
    (none named: nothing is resolved). One that does not resolve stops the worker, naming it."""
    if not providers.names:
        return Resolution(dict(props))
    resolution = providers.resolve(props, skip={k for k in props if k.startswith(PROVIDERS_KEY)})
    for messages in resolution.errors.values():
        raise ConfigFileError(f"worker config: {messages[0]}")
    return resolution


class WorkerConfig:
    """Parsed worker properties; ``originals`` keeps every key for client prefixes."""

    def __init__(self, props: Mapping[str, str]) -> None:
        # As written (placeholders kept), to build a copy from; ``originals`` holds resolved values.
        self.raw_originals: dict[str, str] = dict(props)
        resolution = Resolution(dict(props))
        try:
            self.config_providers = ConfigProviders.from_worker_config(props)
            resolution = _resolve_placeholders(props, self.config_providers)
            self.originals: dict[str, str] = {k: v for k, v in resolution.values.items() if v is not None}
            props = self.originals
            self.client_override_policy = client_policy.ClientOverridePolicy.from_worker_config(props)
            self.values = WORKER_CONFIG_DEF.parse(props)
            # Parsed now, so a bad listener is a one-line startup error naming the key, not a traceback.
            self.listeners = [parse_listener(text) for text in self.values["listeners"] or []]
            # Kafka's three cases: unset (None) serves /admin on the listeners, empty disables it.
            admin = self.values[ADMIN_LISTENERS_KEY]
            self.admin_listeners = (
                None if admin is None else [parse_listener(t, ADMIN_LISTENERS_KEY) for t in admin if t]
            )
            for key in _ROLE_ADDRESS_KEYS.values():
                parse_host_port(key, self.values[key])
        except ConfigError as exc:
            # A resolved value in the message (a secret in a mistyped key) is shown as its placeholder.
            raise ConfigFileError(resolution.scrub(str(exc))) from None

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def topic_names(self) -> TopicNames:
        """How topic names reach Kafka: stream paths mapped unless ``stream.paths.mapping=false``."""
        return TopicNames(bool(self.values[STREAM_PATHS_MAPPING]))

    def removed_keys(self) -> list[str]:
        """Keys in the file that Kafka removed (``internal.*.converter*``): accepted, with no effect."""
        return sorted(k for k in self.originals if k.startswith(REMOVED_KEY_PREFIXES))

    @property
    def exactly_once_source(self) -> bool:
        """``exactly.once.source.support=enabled``: source tasks run transactionally (KIP-618)."""
        return str(self.values[EXACTLY_ONCE_SOURCE_SUPPORT]).lower() == "enabled"

    def with_prefix(self, prefix: str) -> dict[str, str]:
        """Originals under ``prefix``, with the prefix removed (``producer.``, ``consumer.``, ...)."""
        return {k[len(prefix) :]: v for k, v in self.originals.items() if k.startswith(prefix)}

    @property
    def bootstrap_servers(self) -> str | None:
        servers = self.values["bootstrap.servers"]
        return ",".join(servers) if servers else None

    def with_bootstrap(self, servers: str) -> WorkerConfig:
        return WorkerConfig({**self.raw_originals, "bootstrap.servers": servers})

    @property
    def listener(self) -> Listener:
        """``listeners`` (first entry), else ``rest.host.name``/``rest.port``, else port 8083."""
        if self.listeners:
            return self.listeners[0]
        port = self.values["rest.port"]
        return Listener("http", self.values["rest.host.name"] or "", 8083 if port is None else port)

    def grpc_listen_port(self, role: str) -> int:
        """The port ``role`` serves gRPC on. The coordinator and the offset store listen on the port of
        their address key (``coordinator.address``, ``offset.store.address``) when the config sets it,
        so that every role starts from one shared file whose ``grpc.port`` is a worker's; else on
        ``grpc.port``, else on their address key's default port (9190, 9191). A worker: ``grpc.port``,
        else any free port (0)."""
        key = _ROLE_ADDRESS_KEYS.get(role)
        port = self.values["grpc.port"]
        if key is not None and (key in self.originals or port is None):
            return parse_host_port(key, self.values[key])[1]
        return WORKER_GRPC_PORT if port is None else int(port)

    @property
    def rest_listeners(self) -> list[Listener]:
        """Every REST listener: ``listeners``, else the one :attr:`listener` derives."""
        return self.listeners or [self.listener]

    @property
    def advertised_scheme(self) -> str:
        """Kafka's rule: ``rest.advertised.listener``, else http when any listener is http, else https."""
        chosen = self.values["rest.advertised.listener"]
        if chosen:
            return str(chosen).lower()
        return "http" if any(lst.scheme == "http" for lst in self.rest_listeners) else "https"

    @property
    def advertised_host_port(self) -> str:
        """``host:port`` of this worker's REST API for other processes: its ``worker_id`` in statuses.
        The first listener of the advertised scheme's host, else this machine's host name (as Kafka:
        ``localhost`` would make two workers on two machines one)."""
        scheme = self.advertised_scheme
        listener = next((lst for lst in self.rest_listeners if lst.scheme == scheme), self.listener)
        host = self.values["rest.advertised.host.name"] or _reachable_host(listener.host)
        port = self.values["rest.advertised.port"] or listener.port
        return f"{host}:{port}"

    @property
    def advertised_url(self) -> str:
        return f"{self.advertised_scheme}://{self.advertised_host_port}"

    @property
    def grpc_host(self) -> str:
        """The interface gRPC binds: ``grpc.host``, else every interface when TLS is configured (a
        ``grpc.ssl.keystore`` key), else loopback: plaintext gRPC has no authentication."""
        host = self.values["grpc.host"]
        if host:
            return str(host)
        return "0.0.0.0" if has_keystore(self.originals, "grpc.ssl.") else "127.0.0.1"

    def grpc_advertised_host(self) -> str:
        """The host other roles reach this role's gRPC server at."""
        return self.values["grpc.advertised.host"] or _reachable_host(self.grpc_host)
