"""compose/ cannot run here (no Docker engine): check it parses and only uses real commands and keys."""

from __future__ import annotations

from pathlib import Path

import yaml

from connectd.config import WORKER_CONFIG_DEF, load_properties
from services.cli import build_parser

COMPOSE = Path(__file__).resolve().parents[2] / "compose"
CONFIG = Path(__file__).resolve().parents[2] / "config"
CLIENT_PREFIXES = (
    "producer.",
    "consumer.",
    "admin.",
    "key.converter.",
    "value.converter.",
    "header.converter.",
)


def connectd_services() -> dict[str, list[str]]:
    doc = yaml.safe_load((COMPOSE / "docker-compose.yml").read_text())
    return {name: svc["command"] for name, svc in doc["services"].items() if name != "kafka"}


def test_compose_runs_kafka_and_every_role() -> None:
    doc = yaml.safe_load((COMPOSE / "docker-compose.yml").read_text())
    assert "apache/kafka" in doc["services"]["kafka"]["image"], "expected Apache Kafka (KRaft) as the broker"
    roles = sorted(cmd[0] for cmd in connectd_services().values())
    assert roles == ["coordinator", "gateway", "offset-store", "worker", "worker", "worker"], roles
    assert doc["services"]["gateway"]["ports"] == ["8083:8083"]


def real_key(key: str) -> bool:
    return key in WORKER_CONFIG_DEF.keys or key.startswith(CLIENT_PREFIXES)


def test_every_command_parses_and_every_key_is_real() -> None:
    parser = build_parser()
    problems = []
    for name, command in connectd_services().items():
        args = parser.parse_args(command)  # exits (fails the test) on an unknown subcommand or flag
        for pair in args.set:
            key = pair.partition("=")[0]
            if not real_key(key):
                problems.append(f"{name}: unknown config key {key}")
        if args.properties:
            local = CONFIG / Path(args.properties).name
            assert local.exists(), f"{name} reads {args.properties}, which the image copies from {local}"
            unknown = sorted({k for k in load_properties(local) if not real_key(k)})
            problems += [f"{local.name}: unknown config key {k}" for k in unknown]
    assert not problems, "\n".join(problems)


def test_dockerfile_installs_the_package_with_the_cli_entrypoint() -> None:
    text = (COMPOSE / "Dockerfile").read_text()
    assert "pip install" in text and 'ENTRYPOINT ["connectd"]' in text
    for copied in ("connectd", "services", "gateway", "config"):
        assert f"COPY {copied} " in text, f"the image must contain {copied}/"


def test_every_worker_serves_rest_on_its_own_published_port() -> None:
    doc = yaml.safe_load((COMPOSE / "docker-compose.yml").read_text())
    workers = {name: svc for name, svc in doc["services"].items() if svc.get("command", [""])[0] == "worker"}
    published = [port for svc in workers.values() for port in svc.get("ports", [])]
    assert len(set(published)) == len(workers) == 3, f"expected a distinct REST port per worker: {published}"
    for name, svc in workers.items():
        assert f"rest.advertised.host.name={name}" in svc["command"], f"{name} must advertise its REST host"
