"""Running one role as a process: config loading, logging, signals, and a one-line startup error."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable, Sequence

from connectd.config import ConfigFileError, WorkerConfig, load_properties
from connectd.errors import ConnectdError
from services.logs import configure_logging
from services.security.grpc_credentials import GrpcSecurity

# A role's main: its config, its gRPC credentials (read once, here), and the event that stops it.
RoleMain = Callable[[WorkerConfig, GrpcSecurity, threading.Event], int]


def parse_overrides(pairs: Sequence[str]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigFileError(f"--set expects key=value, saw {pair!r}")
        overrides[key.strip()] = value.strip()
    return overrides


def warn_removed_keys(config: WorkerConfig) -> None:
    for key in config.removed_keys():
        logging.getLogger("connectd.config").warning(
            "%s has no effect: Kafka removed it (3.0); connectd writes its internal topics in Connect's JSON",
            key,
        )


def load_role_config(path: str | None, overrides: Sequence[str]) -> WorkerConfig:
    props = load_properties(path) if path else {}
    return WorkerConfig({**props, **parse_overrides(overrides)})


def run_role(role: str, main: RoleMain, path: str | None, overrides: Sequence[str]) -> int:
    """Run ``main`` until SIGINT/SIGTERM. Known startup failures print one line and exit 2."""
    try:
        config = load_role_config(path, overrides)
        security = GrpcSecurity.from_config(config)
    except (ConfigFileError, ValueError) as exc:
        print(f"connectd {role}: {path or 'config'}: {exc}", file=sys.stderr)
        return 2
    # Tagged by the port that names the process: REST for the gateway and workers, gRPC otherwise.
    rest_named = role in ("gateway", "worker")
    configure_logging(
        role,
        str(config.listener.port if rest_named else config.grpc_listen_port(role)),
        config["log.format"],
        worker=config.advertised_host_port if role == "worker" else None,
        group=config["group.id"],
    )
    warn_removed_keys(config)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        return main(config, security, stop)
    except (ConnectdError, RuntimeError, OSError) as exc:
        print(f"connectd {role}: {exc}", file=sys.stderr)
        return 2
