"""The wire contract: stubs current, buf style rules, and the direction of imports between layers."""

from __future__ import annotations

import ast
import importlib
import re
import sys
from pathlib import Path

import pytest
from google.protobuf.descriptor import EnumDescriptor, FileDescriptor

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "protos"))
import generate  # noqa: E402 - protos/generate.py, the one command that makes the stubs

MODULES = ["common", "membership", "connectors", "cluster_admin", "worker", "offset_store"]
UPPER_SNAKE = re.compile(r"^[A-Z][A-Z0-9_]*$")
PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]*$")


def file_descriptors() -> list[FileDescriptor]:
    return [importlib.import_module(f"connectd.v1.{m}_pb2").DESCRIPTOR for m in MODULES]


def test_committed_stubs_are_current() -> None:
    assert generate.check() == 0, "stubs differ from protos/: run python protos/generate.py and commit"


def test_every_proto_file_is_generated() -> None:
    on_disk = sorted(p.stem for p in generate.proto_files())
    assert on_disk == sorted(MODULES), f"expected proto files {sorted(MODULES)}, found {on_disk}"


@pytest.mark.parametrize("fd", file_descriptors(), ids=lambda fd: fd.name)
def test_package_and_layout(fd: FileDescriptor) -> None:
    assert fd.package == "connectd.v1", f"{fd.name}: package {fd.package!r}"
    assert fd.name.startswith("connectd/v1/"), f"{fd.name} is not under the directory of its package"


def _check_enum(enum: EnumDescriptor, problems: list[str]) -> None:
    prefix = re.sub(r"(?<!^)(?=[A-Z])", "_", enum.name).upper() + "_"
    zero = enum.values_by_number.get(0)
    if zero is None or zero.name != prefix + "UNSPECIFIED":
        problems.append(f"enum {enum.name}: value 0 must be {prefix}UNSPECIFIED")
    for value in enum.values:
        if not value.name.startswith(prefix) or not UPPER_SNAKE.match(value.name):
            problems.append(f"enum {enum.name}: value {value.name} must be UPPER_SNAKE with prefix {prefix}")


@pytest.mark.parametrize("fd", file_descriptors(), ids=lambda fd: fd.name)
def test_buf_style(fd: FileDescriptor) -> None:
    problems: list[str] = []
    for enum in fd.enum_types_by_name.values():
        _check_enum(enum, problems)
    for message in fd.message_types_by_name.values():
        if not PASCAL.match(message.name):
            problems.append(f"message {message.name} is not PascalCase")
        for field in message.fields:
            if field.name != field.name.lower():
                problems.append(f"{message.name}.{field.name} is not lower_snake_case")
        for enum in message.enum_types:
            _check_enum(enum, problems)
    for service in fd.services_by_name.values():
        if not service.name.endswith("Service"):
            problems.append(f"service {service.name} must end in Service")
        for method in service.methods:
            if method.input_type.name != f"{method.name}Request":
                problems.append(f"{service.name}.{method.name} takes {method.input_type.name}")
            if method.output_type.name != f"{method.name}Response":
                problems.append(f"{service.name}.{method.name} returns {method.output_type.name}")
    assert not problems, "\n".join(problems)


def test_request_and_response_types_are_unique_per_rpc() -> None:
    seen: dict[str, str] = {}
    clashes = []
    for fd in file_descriptors():
        for service in fd.services_by_name.values():
            for method in service.methods:
                for message in (method.input_type, method.output_type):
                    user = f"{service.name}.{method.name}"
                    if seen.setdefault(message.full_name, user) != user:
                        clashes.append(f"{message.full_name} used by {seen[message.full_name]} and {user}")
    assert not clashes, "\n".join(clashes)


FORBIDDEN_IN_CORE = (
    "grpc", "grpc_health", "grpc_reflection", "fastapi", "uvicorn", "services", "gateway",
    # Metrics are recorded in plain Python; only the exporters (services/metrics, gateway/metrics.py) use it.
    "prometheus_client",
)  # fmt: skip


def imported_roots(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_imports_no_adapter_layer() -> None:
    """The runtime core knows nothing of gRPC or HTTP, nor of the generated wire code."""
    offenders = []
    for path in sorted((REPO / "connectd").rglob("*.py")):
        if (REPO / "connectd" / "v1") in path.parents:
            continue
        for name in imported_roots(path):
            if name.split(".")[0] in FORBIDDEN_IN_CORE or name.startswith("connectd.v1"):
                offenders.append(f"{path.relative_to(REPO)} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_gateway_reaches_services_only_through_clients() -> None:
    offenders = []
    for path in sorted((REPO / "gateway").rglob("*.py")):
        for name in imported_roots(path):
            parts = name.split(".")
            if parts[0] == "services" and not (len(parts) >= 3 and parts[2] == "client"):
                offenders.append(f"{path.relative_to(REPO)} imports {name}")
    assert not offenders, "\n".join(offenders)
