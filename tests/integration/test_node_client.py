"""The protos stand alone: a Node client built from protos/connectd/v1 only drives the coordinator.

tests/interop/node/list_connectors.js loads connectors.proto with @grpc/proto-loader (no generated
code, nothing from this Python package) and calls ListConnectors and grpc.health.v1 Check, in
plaintext and against a secure cluster (mutual TLS with the client certificate, the cluster token). Its
dependencies are installed with ``npm ci`` from the committed lockfile into a cache directory under
the pytest cache (keyed by the package files and the node version), never into the repo tree, and
reached through NODE_PATH.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectd.embedded_broker import free_port
from services.cluster_launcher import LocalCluster
from tests.integration.cluster_harness import rest, running_cluster
from tests.integration.standalone_harness import REPO_ROOT, wait_for

pytestmark = pytest.mark.integration

NODE_PROJECT = REPO_ROOT / "tests" / "interop" / "node"
PACKAGE_FILES = ("package.json", "package-lock.json")
SCRIPT = NODE_PROJECT / "list_connectors.js"
NPM_TIMEOUT_S = 300
SCRIPT_TIMEOUT_S = 60
RPC_DEADLINE_MS = 10_000
# npm's words for "could not reach the registry": the install is then skipped, not failed.
NETWORK_ERROR = re.compile(
    r"ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|"
    r"ERR_SOCKET_TIMEOUT|network request|request to \S+ failed",
)


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _cache_root(config: pytest.Config, factory: pytest.TempPathFactory) -> Path:
    cache = getattr(config, "cache", None)  # absent under -p no:cacheprovider
    if cache is not None:
        return Path(cache.mkdir("connectd-node-interop"))
    return factory.mktemp("node-interop")


def _install_key() -> str:
    digest = hashlib.sha256()
    for name in PACKAGE_FILES:
        digest.update((NODE_PROJECT / name).read_bytes())
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=30, check=True)
    digest.update(node.stdout.encode())
    return digest.hexdigest()[:16]


def _npm_ci(directory: Path) -> None:
    """``npm ci`` in ``directory``; skips the test when the registry cannot be reached."""
    command = [
        "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund",
        "--fetch-retries=1", "--fetch-timeout=30000",
    ]  # fmt: skip
    env = {**os.environ, "npm_config_update_notifier": "false"}
    try:
        result = subprocess.run(
            command, cwd=directory, capture_output=True, text=True, timeout=NPM_TIMEOUT_S, env=env
        )
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr
        output = stderr.decode(errors="replace") if isinstance(stderr, bytes) else stderr or ""
        pytest.skip(f"npm ci did not finish in {NPM_TIMEOUT_S}s (registry unreachable?): {_tail(output)}")
    if result.returncode != 0:
        output = f"{result.stdout}\n{result.stderr}"
        if NETWORK_ERROR.search(output):
            pytest.skip(f"npm registry unreachable, npm ci failed:\n{_tail(output)}")
        pytest.fail(f"npm ci failed with exit code {result.returncode}:\n{_tail(output, 40)}")


@pytest.fixture(scope="module")
def node_modules(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The installed node_modules directory of tests/interop/node, cached across runs."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not on PATH: the Node gRPC interop test needs Node.js and npm")
    root = _cache_root(request.config, tmp_path_factory)
    final = root / _install_key()
    marker = final / ".installed"
    if marker.exists():
        return final / "node_modules"
    if final.exists():  # a broken earlier install
        shutil.rmtree(final, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix="staging-", dir=root))
    try:
        for name in PACKAGE_FILES:
            shutil.copy2(NODE_PROJECT / name, staging / name)
        _npm_ci(staging)
        (staging / ".installed").write_text("npm ci ok\n")
        try:
            staging.rename(final)
        except OSError:
            if not marker.exists():  # not another run finishing first: a real problem
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final / "node_modules"


def run_node_client(
    node_modules: Path, address: str, group_id: str, *flags: str
) -> subprocess.CompletedProcess[str]:
    command = [
        "node", str(SCRIPT), "--address", address, "--group-id", group_id,
        "--deadline-ms", str(RPC_DEADLINE_MS), "--health", *flags,
    ]  # fmt: skip
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT_S,
        env={**os.environ, "NODE_PATH": str(node_modules)},
        cwd=NODE_PROJECT,
    )


@pytest.fixture
def one_worker_cluster(tmp_path: Path, bootstrap_servers: str, unique_name: str) -> Iterator[LocalCluster]:
    # The default settings: this test needs no fast failover.
    with running_cluster(
        tmp_path / "cluster", bootstrap_servers, f"g-{unique_name}", workers=1, settings={}
    ) as local:
        yield local


@pytest.fixture
def secure_cluster(tmp_path: Path, bootstrap_servers: str, unique_name: str) -> Iterator[LocalCluster]:
    with running_cluster(
        tmp_path / "cluster", bootstrap_servers, f"g-{unique_name}", workers=1, settings={}, secure=True
    ) as local:
        yield local


def test_node_client_lists_connectors(
    node_modules: Path, one_worker_cluster: LocalCluster, tmp_path: Path, unique_name: str
) -> None:
    names = _create_connectors(one_worker_cluster, tmp_path, unique_name)
    _check_listing(run_node_client(*_target(node_modules, one_worker_cluster)), names)


def test_node_client_speaks_mutual_tls_with_the_cluster_token(
    node_modules: Path, secure_cluster: LocalCluster, tmp_path: Path, unique_name: str
) -> None:
    names = _create_connectors(secure_cluster, tmp_path, unique_name)
    certs = secure_cluster.certs
    assert certs is not None
    tls = ["--ca-cert", str(certs.ca), "--cert", str(certs.cert("client")), "--key", str(certs.key("client"))]
    token = ["--token-file", str(certs.token)]
    _check_listing(run_node_client(*_target(node_modules, secure_cluster), *tls, *token), names)

    # The same client without the token: health answers (it needs none), ListConnectors is refused.
    refused = run_node_client(*_target(node_modules, secure_cluster), *tls)
    assert refused.returncode == 1 and "UNAUTHENTICATED" in refused.stderr, (
        f"expected ListConnectors without the token refused UNAUTHENTICATED (exit 1), saw exit "
        f"{refused.returncode}\nstdout: {refused.stdout}\nstderr: {refused.stderr}"
    )
    # Without a client certificate the TLS handshake fails: nothing is reached.
    no_cert = run_node_client(*_target(node_modules, secure_cluster), "--ca-cert", str(certs.ca))
    assert no_cert.returncode == 1 and "UNAVAILABLE" in no_cert.stderr, (
        f"expected no connection without a client certificate (UNAVAILABLE, exit 1), saw exit "
        f"{no_cert.returncode}\nstdout: {no_cert.stdout}\nstderr: {no_cert.stderr}"
    )


def _target(node_modules: Path, cluster: LocalCluster) -> tuple[Path, str, str]:
    assert cluster.coordinator is not None
    return node_modules, f"127.0.0.1:{cluster.coordinator.port}", cluster.group_id


def _create_connectors(cluster: LocalCluster, tmp_path: Path, unique_name: str) -> list[str]:
    names = [f"node-src-a-{unique_name}", f"node-src-b-{unique_name}"]
    for name in names:
        source = tmp_path / f"{name}.txt"
        source.touch()
        config = {"connector.class": "FileStreamSource", "file": str(source), "topic": f"t-{name}"}
        code, body = rest(cluster, "PUT", f"/connectors/{name}/config", config)
        assert code == 201, f"expected 201 creating {name}, saw {code}: {body}"
    wait_for(
        lambda: (listed := rest(cluster, "GET", "/connectors")) and sorted(listed[1] or []) == sorted(names),
        30,
        f"the gateway listing {names}",
    )
    return names


def _check_listing(result: subprocess.CompletedProcess[str], names: list[str]) -> None:
    assert result.returncode == 0, (
        f"the Node client exited {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    )
    try:
        output = json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(
            f"the Node client did not print JSON ({exc})\nstdout: {result.stdout}\nstderr: {result.stderr}"
        ) from exc
    seen = output.get("names")
    assert isinstance(seen, list) and sorted(seen) == sorted(names), (
        f"expected ListConnectors to return exactly {sorted(names)}, the Node client saw {seen}\n"
        f"stdout: {result.stdout}\nstderr: {result.stderr}"
    )
    assert output.get("health") == "SERVING", (
        f"expected grpc.health.v1 Check to be SERVING, saw {output.get('health')}\nstderr: {result.stderr}"
    )


def test_node_client_fails_clearly_without_a_coordinator(node_modules: Path) -> None:
    address = f"127.0.0.1:{free_port()}"  # nothing listens there
    result = run_node_client(node_modules, address, "no-such-group")
    assert result.returncode != 0, f"expected a non-zero exit, saw 0 with stdout: {result.stdout}"
    assert result.stdout == "", f"expected nothing on stdout, saw: {result.stdout}"
    assert address in result.stderr and "UNAVAILABLE" in result.stderr, (
        f"expected the address and UNAVAILABLE in the error, saw stderr: {result.stderr}"
    )
