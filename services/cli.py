"""``connectd``: the composition root. Every role and mode starts here."""

from __future__ import annotations

import argparse
import functools
import gc
import sys
from typing import Any

from connectd import __version__


def _standalone(args: argparse.Namespace) -> int:
    from services.rest_server import RestStartupError
    from services.standalone import StartupError, run_standalone

    try:
        return run_standalone(args.worker_properties, args.connector_files)
    except (StartupError, RestStartupError) as exc:
        print(f"connectd: {exc}", file=sys.stderr)
        return 2


def _quickstart(args: argparse.Namespace) -> int:
    from services.quickstart import run_quickstart

    return run_quickstart(lines=args.lines, config_dir=args.config_dir)


def _role(name: str) -> Any:
    def run(args: argparse.Namespace) -> int:
        from services.roles import RoleMain, run_role

        main: RoleMain
        if name == "coordinator":
            from services.coordinator.server import serve_coordinator as main
        elif name == "worker":
            from services.worker.server import serve_worker as main
        elif name == "offset-store":
            from services.offset_store.server import serve_offset_store as main
        else:
            from services.gateway_server import serve_gateway

            main = functools.partial(serve_gateway, processes=args.processes)
        return run_role(name, main, args.properties, args.set)

    return run


def _certs(args: argparse.Namespace) -> int:
    from pathlib import Path

    from services.security.certs import PROPERTIES_FILE, make_cluster_certs

    directory = Path(args.dir)
    if args.keep_existing and (directory / PROPERTIES_FILE).exists():
        # A deployment's certificates: made once, never replaced under roles that trust them.
        print(f"{directory}: certificates already made; kept (--keep-existing)")
        return 0
    certs = make_cluster_certs(directory, args.host)
    print(f"CA, role certificates and cluster token written to {certs.directory}")
    print(f"add the keys in {certs.properties} to each role's config (--set or the properties file)")
    return 0


def _passwd(args: argparse.Namespace) -> int:
    from services.security.passwd import run_passwd

    return run_passwd(args.file, args.user, args.role, args.delete)


def _token(args: argparse.Namespace) -> int:
    from services.security.passwd import run_token

    return run_token(args.file, args.name, args.role, args.delete)


def _cluster(args: argparse.Namespace) -> int:
    from services.cluster_launcher import run_cluster

    return run_cluster(args)


_ROLES = {
    "coordinator": "run the coordinator: group membership, connector configs, assignment (gRPC)",
    "worker": "run a distributed worker: joins group.id and runs what the coordinator assigns",
    "offset-store": "run the offset store: source offsets in each group's offset.storage.topic (gRPC)",
    "gateway": "run the Connect REST API of one group (group.id), backed by the coordinator",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="connectd", description="Kafka Connect, rebuilt in Python.")
    parser.add_argument("--version", action="version", version=f"connectd {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    standalone = sub.add_parser("standalone", help="run one worker with every role in this process")
    standalone.add_argument(
        "worker_properties", help="worker config, e.g. config/connect-standalone.properties"
    )
    standalone.add_argument("connector_files", nargs="*", help="connector configs (.properties or .json)")
    standalone.set_defaults(func=_standalone)

    quickstart = sub.add_parser(
        "quickstart",
        help="run the file -> Kafka -> file pipeline of config/ on an embedded broker and show it",
    )
    quickstart.add_argument("--lines", type=int, default=20, help="lines to feed through the pipeline")
    quickstart.add_argument("--config-dir", default="config", help="where the sample properties files are")
    quickstart.set_defaults(func=_quickstart)

    for name, text in _ROLES.items():
        role = sub.add_parser(name, help=text)
        role.add_argument(
            "properties", nargs="?", help="properties file, e.g. config/connect-distributed.properties"
        )
        role.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override one config key (repeatable)",
        )
        if name == "gateway":
            role.add_argument(
                "--processes",
                type=int,
                default=1,
                metavar="N",
                help="serve from N processes sharing the listeners, each with its own view of the group "
                "(default 1; about one per core the gateway may use)",
            )
        role.set_defaults(func=_role(name))

    certs = sub.add_parser(
        "certs",
        help="make a CA, a certificate per role, a cluster token and secure.properties (mTLS, HTTPS)",
    )
    certs.add_argument("--dir", default="certs", help="where to write them (created; files are replaced)")
    certs.add_argument(
        "--host",
        action="append",
        default=[],
        help="a host name or IP the roles are reached at, besides localhost (repeatable)",
    )
    certs.add_argument(
        "--keep-existing",
        action="store_true",
        help="do nothing when the directory has certificates already (compose runs it at every start)",
    )
    certs.set_defaults(func=_certs)

    for command, what, key, secret in (
        ("passwd", "user", "rest.auth.basic.credentials.file", "password, from the terminal or stdin"),
        ("token", "name", "rest.auth.bearer.tokens.file", "bearer token, generated and printed once"),
    ):
        entry = sub.add_parser(
            command, help=f"add or replace a {what} of a REST credentials file ({secret}; stored hashed)"
        )
        entry.add_argument("file", help=f"the file {key} names; created 0600")
        entry.add_argument(what)
        entry.add_argument("--role", choices=("admin", "read-only"), default="admin", help="default: admin")
        entry.add_argument("--delete", action="store_true", help=f"remove the {what} instead")
        entry.set_defaults(func=_passwd if command == "passwd" else _token)

    cluster = sub.add_parser(
        "cluster",
        help="start a local distributed cluster: broker, coordinator, offset store, workers, gateway",
    )
    cluster.add_argument("--workers", type=int, default=2, help="number of worker processes")
    cluster.add_argument("--group-id", default="connect-cluster")
    cluster.add_argument("--bootstrap-servers", help="use this Kafka cluster instead of an embedded broker")
    cluster.add_argument(
        "--rest-port",
        type=int,
        default=8083,
        help="the gateway's REST port; with --no-gateway the first worker's, the next ones counting up "
        "(0: free ports)",
    )
    cluster.add_argument(
        "--no-gateway",
        dest="gateway",
        action="store_false",
        help="no separate gateway: the workers alone serve the REST API (each serves it either way)",
    )
    cluster.add_argument(
        "--gateway-processes",
        type=int,
        default=1,
        metavar="N",
        help="the gateway's processes (connectd gateway --processes N)",
    )
    cluster.add_argument("--workdir", default=None, help="where logs go (default: a new temporary directory)")
    cluster.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="config for every role (repeatable)"
    )
    cluster.add_argument(
        "--secure",
        action="store_true",
        help="mutual TLS and a cluster token between roles, HTTPS on REST: certificates and token made "
        "with `connectd certs` in the workdir",
    )
    cluster.add_argument(
        "--no-restart",
        dest="restart",
        action="store_false",
        help="leave a process that dies down (default: report it and restart it with backoff)",
    )
    cluster.set_defaults(func=_cluster)
    return parser


# Records in flight (a source task's pending deliveries, a sink's batch) are many short-lived objects
# the cycle collector tracks: at Python's default threshold (700) it runs thousands of times a second
# and promotes them to the old generation, whose full passes then walk the whole heap. Measured with
# ``python -m bench --only source``: FileStreamSource throughput x1.4.
GC_THRESHOLDS = (50_000, 20, 10)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    gc.set_threshold(*GC_THRESHOLDS)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
