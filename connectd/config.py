"""Worker configuration: Java ``.properties`` and JSON files, Kafka Connect's keys and defaults."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectd.api.config import ConfigDef, ConfigType, Importance, Range
from connectd.api.errors import ConfigError


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
    d.define("listeners", ConfigType.LIST, None, importance=low)
    d.define("rest.port", ConfigType.INT, None, importance=low)
    d.define("rest.host.name", ConfigType.STRING, None, importance=low)
    d.define("rest.advertised.host.name", ConfigType.STRING, None, importance=low)
    d.define("rest.advertised.port", ConfigType.INT, None, importance=low)
    d.define("offset.storage.file.filename", ConfigType.STRING, None, importance=high)
    d.define("topic.creation.enable", ConfigType.BOOLEAN, True, importance=low)
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
        documentation="host:port of the coordinator's gRPC service.",
    )
    d.define(
        "offset.store.address",
        ConfigType.STRING,
        "localhost:9191",
        importance=high,
        documentation="host:port of the offset store's gRPC service.",
    )
    d.define(
        "grpc.host",
        ConfigType.STRING,
        "0.0.0.0",
        importance=low,
        documentation="Interface this role's gRPC server binds.",
    )
    d.define(
        "grpc.port",
        ConfigType.INT,
        None,
        importance=high,
        documentation="Port of this role's gRPC server (coordinator 9190, offset store 9191, "
        "worker 9192 when unset); workers on one node need distinct ports.",
    )
    d.define(
        "grpc.advertised.host",
        ConfigType.STRING,
        None,
        importance=low,
        documentation="Host other roles use to reach this one (default: grpc.host, or localhost).",
    )
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
    return d


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


def parse_listener(text: str) -> Listener:
    match = re.fullmatch(r"(?i)(https?)://(\[[^\]]*\]|[^:/]*):(\d+)/?", text.strip())
    if match is None:
        raise ConfigError("listeners", text, "Listeners must be of the form protocol://host:port")
    host = match.group(2).strip("[]")
    return Listener(match.group(1).lower(), host, int(match.group(3)))


class WorkerConfig:
    """Parsed worker properties; ``originals`` keeps every key for client prefixes."""

    def __init__(self, props: Mapping[str, str]) -> None:
        self.originals: dict[str, str] = dict(props)
        self.values = WORKER_CONFIG_DEF.parse(props)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def with_prefix(self, prefix: str) -> dict[str, str]:
        """Originals under ``prefix``, with the prefix removed (``producer.``, ``consumer.``, ...)."""
        return {k[len(prefix) :]: v for k, v in self.originals.items() if k.startswith(prefix)}

    @property
    def bootstrap_servers(self) -> str | None:
        servers = self.values["bootstrap.servers"]
        return ",".join(servers) if servers else None

    def with_bootstrap(self, servers: str) -> WorkerConfig:
        return WorkerConfig({**self.originals, "bootstrap.servers": servers})

    @property
    def listener(self) -> Listener:
        """``listeners`` (first entry), else ``rest.host.name``/``rest.port``, else port 8083."""
        listeners = self.values["listeners"]
        if listeners:
            return parse_listener(listeners[0])
        port = self.values["rest.port"]
        return Listener("http", self.values["rest.host.name"] or "", 8083 if port is None else port)

    @property
    def advertised_host_port(self) -> str:
        """``host:port`` other processes and status entries use for this worker."""
        listener = self.listener
        host = self.values["rest.advertised.host.name"] or listener.host or "localhost"
        port = self.values["rest.advertised.port"] or listener.port
        return f"{host}:{port}"
