"""``python -m bench [--lines N]``: run the benchmarks, print a table, write bench/results/latest.json."""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from bench import pipeline
from connectd.embedded_broker import EmbeddedBroker

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--lines", type=int, default=100_000, help="100-byte lines per throughput run")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    broker = None if external else EmbeddedBroker().start()
    bootstrap = external or broker.bootstrap_servers  # type: ignore[union-attr]
    try:
        result = {"pipeline": pipeline.run(bootstrap, args.lines)}
    finally:
        if broker is not None:
            broker.stop()
    result["meta"] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "broker": "external" if external else "embedded tansu",
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'figure':40} {'value':>14}")
    for name, value in result["pipeline"].items():
        print(f"{name:40} {value:>14}")
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
