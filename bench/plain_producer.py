"""``python -m bench.plain_producer BOOTSTRAP TOPIC FILE``: the source benchmark's baseline, a plain
confluent-kafka producer sending each line of FILE, in a process of its own so that its CPU time is
its own; prints the CPU seconds (all threads) spent producing and flushing."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from confluent_kafka import Producer

from bench.common import file_values, produce_all, producer_config


def main(bootstrap: str, topic: str, path: str) -> None:
    producer = Producer(producer_config(bootstrap))
    started = time.process_time()
    produce_all(producer, topic, file_values(Path(path)))
    left = producer.flush(120)
    cpu = time.process_time() - started
    if left:
        raise SystemExit(f"{left} records not delivered by the plain producer")
    print(f"{cpu:.3f}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
