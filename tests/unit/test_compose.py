"""compose/ cannot run here (no Docker engine): check it parses and only uses real commands and keys, and
that its certificates and gRPC security keys work (made and read here as the containers would)."""

from __future__ import annotations

from pathlib import Path

import yaml

from connectd.config import WORKER_CONFIG_DEF, WorkerConfig, load_properties
from services.cli import build_parser
from services.roles import parse_overrides
from services.security.certs import ROLES, make_cluster_certs
from services.security.grpc_credentials import GrpcSecurity

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
    return {
        name: svc["command"] for name, svc in doc["services"].items() if name not in ("kafka", "prometheus")
    }


def role_services() -> dict[str, list[str]]:
    """The services running a connectd role (not the one-shot certs service)."""
    return {name: command for name, command in connectd_services().items() if command[0] != "certs"}


def test_compose_runs_kafka_and_every_role() -> None:
    doc = yaml.safe_load((COMPOSE / "docker-compose.yml").read_text())
    assert "apache/kafka" in doc["services"]["kafka"]["image"], "expected Apache Kafka (KRaft) as the broker"
    roles = sorted(cmd[0] for cmd in connectd_services().values())
    assert roles == ["certs", "coordinator", "gateway", "offset-store", "worker", "worker", "worker"], roles
    assert doc["services"]["gateway"]["ports"] == ["8083:8083"]


def real_key(key: str) -> bool:
    return key in WORKER_CONFIG_DEF.keys or key.startswith(CLIENT_PREFIXES)


def test_every_command_parses_and_every_key_is_real() -> None:
    parser = build_parser()
    problems = []
    for name, command in connectd_services().items():
        args = parser.parse_args(command)  # exits (fails the test) on an unknown subcommand or flag
        for pair in getattr(args, "set", []):
            key = pair.partition("=")[0]
            if not real_key(key):
                problems.append(f"{name}: unknown config key {key}")
        if getattr(args, "properties", None):
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


def test_every_role_speaks_mutual_tls_with_the_token_made_by_the_certs_service(tmp_path: Path) -> None:
    doc = yaml.safe_load((COMPOSE / "docker-compose.yml").read_text())
    services = doc["services"]
    certs_args = build_parser().parse_args(services["certs"]["command"])
    assert certs_args.dir == "/certs" and certs_args.keep_existing, "certs made once, into the shared volume"
    assert "certs:/certs" in services["certs"]["volumes"], services["certs"]
    # The certificates the certs service makes, here, with its own hosts.
    made = make_cluster_certs(tmp_path, certs_args.host)
    problems = []
    for name, command in role_services().items():
        service = services[name]
        settings = parse_overrides(build_parser().parse_args(command).set)
        if service.get("depends_on", {}).get("certs") != {"condition": "service_completed_successfully"}:
            problems.append(f"{name}: must start after the certs service completed")
        if "certs:/certs:ro" not in service.get("volumes", []):
            problems.append(f"{name}: must mount the certs volume read-only at /certs")
        keystore = Path(settings.get("grpc.ssl.keystore.location", "")).name
        if keystore not in {f"{role}.keystore.pem" for role in ROLES}:
            problems.append(
                f"{name}: grpc.ssl.keystore.location must be a role keystore in /certs: {keystore}"
            )
        for key in ("grpc.host", "grpc.auth.token"):
            if key in settings:
                problems.append(
                    f"{name}: sets {key} (TLS listens on every interface; the token comes from a file)"
                )
        # Everything another role dials must be a name the certificates hold.
        for key in ("coordinator.address", "offset.store.address", "grpc.advertised.host"):
            host = (
                settings.get(key, "").rsplit(":", 1)[0] if ":" in settings.get(key, "") else settings.get(key)
            )
            if host and host not in certs_args.host:
                problems.append(f"{name}: {key} host {host} is not among the certs service's --host names")
        local = {k: v.replace("/certs", str(tmp_path)) for k, v in settings.items()}
        security = GrpcSecurity.from_config(WorkerConfig(local))
        if not (
            security.secure and security.authenticates and security.token == made.token.read_text().strip()
        ):
            problems.append(f"{name}: not mutual TLS with the cluster token: {security.describe()}")
    assert not problems, "\n".join(problems)


def test_prometheus_scrapes_every_role_on_its_metrics_port() -> None:
    doc = yaml.safe_load((COMPOSE / "docker-compose.yml").read_text())
    scrape = yaml.safe_load((COMPOSE / "prometheus.yml").read_text())
    targets = {t for job in scrape["scrape_configs"] for c in job["static_configs"] for t in c["targets"]}
    for name, command in role_services().items():
        port = parse_overrides(command[command.index("--set") :: 1][1::2]).get("metrics.port")
        assert port, f"{name}: expected --set metrics.port=..., saw {command}"
        assert f"{name}:{port}" in targets, (
            f"{name}:{port} is not scraped by compose/prometheus.yml: {targets}"
        )
    mounted = doc["services"]["prometheus"]["volumes"]
    assert "./prometheus.yml:/etc/prometheus/prometheus.yml:ro" in mounted, mounted
