"""``/metrics`` of every role, from real processes on a real broker: the totals of a pipeline, a task
failed on purpose (counted, and its series kept), errors and the dead letter queue, a rebalance, the
REST latency per route template, and ``promtool check metrics`` on each role's output."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.cluster_launcher import LocalCluster
from tests.integration.connect_modes import FAST_SETTINGS, file_sink_config, file_source_config
from tests.integration.metrics_scrape import is_strimzi_name, promtool_problems, scrape, value
from tests.integration.standalone_harness import (
    StandaloneWorker,
    append,
    create_topic,
    http_request,
    make_lines,
    read_lines,
    wait_for,
)

pytestmark = pytest.mark.integration

LINES = 300
JSON_VALUES = {"value.converter": "JsonConverter", "value.converter.schemas.enable": "false"}


@pytest.fixture(scope="module")
def standalone(
    tmp_path_factory: pytest.TempPathFactory, bootstrap_servers: str
) -> Iterator[StandaloneWorker]:
    worker = StandaloneWorker(
        tmp_path_factory.mktemp("metrics-standalone"), bootstrap_servers, {"metrics.strimzi.names": "true"}
    ).start()
    try:
        yield worker
    finally:
        worker.close()


def create(url: str, name: str, config: dict[str, str]) -> None:
    code, body = http_request(url, "POST", "/connectors", {"name": name, "config": config})
    assert code == 201, f"creating {name}: expected 201, saw {code} {body}"


def wait_value(url: str, want: float, name: str, **labels: str) -> str:
    """Scrape until ``name{labels}`` reads ``want``; the last scrape."""

    def reached() -> str | None:
        text = scrape(url)
        return text if value(text, name, **labels) == want else None

    try:
        return wait_for(reached, 60, f"{name}{labels} = {want}")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last read {value(scrape(url), name, **labels)}") from None


def test_pipeline_totals_errors_and_a_failed_task(standalone: StandaloneWorker, tmp_path: Path) -> None:
    url, topic = standalone.url, f"metrics-{uuid.uuid4().hex[:8]}"
    source_file, sink_file = tmp_path / "in.txt", tmp_path / "out.txt"
    source_file.touch()
    create_topic(_bootstrap(standalone), topic)
    create(url, "src", file_source_config(source_file, topic))
    create(url, "sink", file_sink_config(sink_file, topic))
    # Lines are not JSON: one sink fails on the first record, the other skips every one to its DLQ.
    create(url, "bad", {**file_sink_config(tmp_path / "bad.txt", topic), **JSON_VALUES})
    tolerant = {
        **file_sink_config(tmp_path / "tolerant.txt", topic),
        **JSON_VALUES,
        "errors.tolerance": "all",
        "errors.deadletterqueue.topic.name": f"{topic}-dlq",
        "errors.deadletterqueue.topic.replication.factor": "-1",
    }
    create(url, "tolerant", tolerant)
    lines = make_lines(LINES)
    append(source_file, lines)
    wait_for(lambda: len(read_lines(sink_file)) == LINES, 60, f"{LINES} lines in the sink file")

    task = {"task": "0"}
    wait_value(
        url, LINES, "kafka_connect_source_task_metrics_source_record_poll_total", connector="src", **task
    )
    wait_value(url, LINES, "kafka_connect_sink_task_metrics_sink_record_read_total", connector="sink", **task)
    wait_value(url, LINES, "kafka_connect_task_error_metrics_total_records_skipped", connector="tolerant")
    text = wait_value(
        url, LINES, "kafka_connect_task_error_metrics_deadletterqueue_produce_requests", connector="tolerant"
    )
    for name, connector in (
        ("kafka_connect_source_task_metrics_source_record_write_total", "src"),
        ("kafka_connect_sink_task_metrics_sink_record_send_total", "sink"),
        ("kafka_connect_task_error_metrics_total_record_errors", "tolerant"),
        # Strimzi's name of the same series (metrics.strimzi.names=true).
        ("kafka_connect_source_task_source_record_poll_total", "src"),
    ):
        got = value(text, name, connector=connector)
        assert got == LINES, f"{name}{{connector={connector}}}: expected {LINES}, saw {got}"

    # The failed task: counted, and its series still exported after it failed.
    wait_value(url, 1, "kafka_connect_connector_task_metrics_status", connector="bad", status="failed")
    text = wait_value(
        url, 1, "kafka_connect_connect_worker_metrics_connector_failed_task_count_current", connector="bad"
    )
    errors = value(text, "kafka_connect_task_error_metrics_total_record_errors", connector="bad")
    assert errors == 1, f"errors of the failed task: expected 1, saw {errors}"
    polled = value(text, "kafka_connect_sink_task_metrics_sink_record_read_total", connector="bad")
    assert polled is not None and polled >= 1, f"the failed task's read total: expected >= 1, saw {polled}"
    strimzi = value(text, "kafka_connect_connector_task_status", connector="bad", status="failed")
    assert strimzi == 1, f"Strimzi's task status series of the failed task: expected 1, saw {strimzi}"
    running = value(text, "kafka_connect_connector_metrics_status", connector="src", status="running")
    assert running == 1, f"connector status of src: expected running=1, saw {running}"

    # The REST latency, labelled by the route's template.
    assert http_request(url, "GET", "/connectors/src/status")[0] == 200
    text = scrape(url)
    count = value(text, "connectd_rest_request_duration_seconds_count", route="/connectors/{name}/status")
    assert count is not None and count >= 1, f"requests to /connectors/{{name}}/status: saw {count}"
    assert value(text, "connectd_rest_request_duration_seconds_count", route="/connectors/src/status") is None

    problems = [p for p in promtool_problems(text) if not is_strimzi_name(p)]
    assert not problems, f"promtool on standalone /metrics (our names): {problems}"


def _bootstrap(worker: StandaloneWorker) -> str:
    props = dict(line.split("=", 1) for line in worker.worker_file.read_text().splitlines() if "=" in line)
    return props["bootstrap.servers"]


def test_every_distributed_role_lints_and_a_rebalance_counts(tmp_path: Path, bootstrap_servers: str) -> None:
    cluster = LocalCluster(
        tmp_path,
        group_id=f"g-metrics-{uuid.uuid4().hex[:8]}",
        bootstrap_servers=bootstrap_servers,
        settings=FAST_SETTINGS,
        metrics_ports=True,
    ).start(workers=1)
    try:
        assert cluster.coordinator and cluster.offset_store and cluster.gateway
        worker = f"http://127.0.0.1:{cluster.workers[0].rest_port}"
        rebalances = "kafka_connect_connect_worker_rebalance_metrics_completed_rebalances_total"
        before = wait_for(lambda: value(scrape(worker), rebalances), 30, "the worker's first rebalance")
        topic = f"metrics-{uuid.uuid4().hex[:8]}"
        create_topic(bootstrap_servers, topic)
        create(cluster.rest_url, "src", file_source_config(tmp_path / "in.txt", topic))
        wait_for(lambda: (value(scrape(worker), rebalances) or 0) > before, 30, f"{rebalances} > {before}")
        wait_for(
            lambda: value(scrape(worker), "kafka_connect_connector_task_metrics_status", connector="src"),
            30,
            "the task's series on its worker",
        )
        coordinator = scrape(f"http://127.0.0.1:{cluster.coordinator.metrics_port}")
        members = value(coordinator, "kafka_connect_coordinator_group_metrics_member_count_current")
        assert members == 1, f"live members the coordinator counts: expected 1, saw {members}"
        roles = {
            "gateway": cluster.rest_url,
            "worker": worker,
            "coordinator": f"http://127.0.0.1:{cluster.coordinator.metrics_port}",
            "offset store": f"http://127.0.0.1:{cluster.offset_store.metrics_port}",
        }
        for role, url in roles.items():
            problems = promtool_problems(scrape(url))
            assert not problems, f"promtool on the {role}'s /metrics: {problems}"
    finally:
        cluster.stop()
