"""``connectd``: the composition root. Every role and mode starts here."""

from __future__ import annotations

import argparse
import sys

from connectd import __version__


def _standalone(args: argparse.Namespace) -> int:
    from services.rest_server import ListenerBindError
    from services.standalone import StartupError, run_standalone

    try:
        return run_standalone(args.worker_properties, args.connector_files)
    except (StartupError, ListenerBindError) as exc:
        print(f"connectd: {exc}", file=sys.stderr)
        return 2


def _quickstart(args: argparse.Namespace) -> int:
    from services.quickstart import run_quickstart

    return run_quickstart(lines=args.lines, config_dir=args.config_dir)


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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
