"""The connectors CRUD route group (``/``, ``/connectors``, ``/connectors/{name}``, ``/config``,
``/status``, ``/tasks``, ``/tasks/{id}/status``), in standalone and distributed mode.

Every case asserts the status code, the JSON shape and the contract's literal message
(``/work/shared/reference/connect-rest-api.md``), including the 4xx answers of these routes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gateway.dependencies import UNSUPPORTED_MEDIA_TYPE
from tests.integration.connect_modes import ConnectUnderTest
from tests.integration.rest_checks import expect_error
from tests.integration.standalone_harness import raw_http_request, read_lines, wait_for

pytestmark = pytest.mark.integration

SINK_TOPICS_MESSAGE = "Must configure one of topics or topics.regex"
VALIDATE_HINT = (
    "You can also find the above list of errors at the endpoint "
    "`/connector-plugins/{connectorType}/config/validate`"
)


def source_config(connect: ConnectUnderTest, stem: str, **extra: str) -> dict[str, str]:
    """A FileStreamSource reading an (empty) file of its own, producing to topic ``t-{stem}``."""
    path = connect.workdir / f"{stem}.in.txt"
    path.touch()
    return {
        "connector.class": "FileStreamSource",
        "file": str(path),
        "topic": f"t-{stem}",
        "topic.creation.default.partitions": "1",
        "topic.creation.default.replication.factor": "-1",
        **extra,
    }


def sink_config(connect: ConnectUnderTest, stem: str, topic: str, **extra: str) -> dict[str, str]:
    return {
        "connector.class": "FileStreamSink",
        "file": str(connect.workdir / f"{stem}.out.txt"),
        "topics": topic,
        **extra,
    }


def error(code: int, message: str) -> tuple[int, dict[str, Any]]:
    return code, {"error_code": code, "message": message}


def post_raw(connect: ConnectUnderTest, data: bytes, content_type: str | None) -> tuple[int, Any]:
    headers = {"Content-Type": content_type} if content_type else {}
    code, _, body = raw_http_request(connect.url, "POST", "/connectors", data, headers)
    return code, body


def invalid_config_message(errors: list[str]) -> str:
    """The contract's 400 for create/update with config errors (§2.3)."""
    lines = "".join(f"{e}\n" for e in errors)
    count = f"Connector configuration is invalid and contains the following {len(errors)} error(s):\n"
    return count + lines + VALIDATE_HINT


def no_connector_type_errors(config: dict[str, str]) -> list[tuple[int, dict[str, Any]]]:
    """The 400 for a config without ``connector.class``; Java prints the map as ``{k=v, ...}`` in
    hash order, so either order of two keys is accepted."""
    orders = [list(config.items()), list(reversed(config.items()))]
    java_maps = ["{" + ", ".join(f"{k}={v}" for k, v in order) + "}" for order in orders]
    return [error(400, f"Connector config {m} contains no connector type") for m in java_maps]


# --- GET / ----------------------------------------------------------------------------------------


def test_server_info(clean_connect: ConnectUnderTest) -> None:
    code, info = clean_connect.request("GET", "/")
    assert code == 200, f"expected 200, saw {code} {info}"
    assert set(info) == {"version", "commit", "kafka_cluster_id"}, f"ServerInfo keys: {info}"
    assert info["version"] == "4.1.0", f"expected the Kafka API level 4.1.0, saw {info['version']!r}"
    assert info["commit"].startswith("connectd-"), f"commit: {info['commit']!r}"
    assert info["kafka_cluster_id"] is None or isinstance(info["kafka_cluster_id"], str), info


# --- GET /connectors ------------------------------------------------------------------------------


def test_list_connectors_plain_and_expanded(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    connect = clean_connect
    assert connect.request("GET", "/connectors") == (200, []), "expected an empty deployment"
    src, sink = f"src-{unique_name}", f"sink-{unique_name}"
    connect.create(src, source_config(connect, src))
    connect.create(sink, sink_config(connect, sink, f"t-{src}"))
    for name in (src, sink):
        connect.wait_state(name, "RUNNING", tasks=1)

    code, names = connect.request("GET", "/connectors")
    assert code == 200 and sorted(names) == sorted([src, sink]), f"expected both names, saw {code} {names}"

    code, by_status = connect.request("GET", "/connectors?expand=status")
    assert code == 200 and set(by_status) == {src, sink}, f"expand=status: {code} {by_status}"
    assert set(by_status[src]) == {"status"}, by_status[src]
    assert by_status[src]["status"] == connect.status(src), "expand=status differs from /status"
    assert by_status[sink]["status"]["type"] == "sink", by_status[sink]

    code, by_info = connect.request("GET", "/connectors?expand=info")
    assert code == 200 and set(by_info) == {src, sink}, f"expand=info: {code} {by_info}"
    assert set(by_info[sink]) == {"info"}, by_info[sink]
    assert by_info[sink]["info"] == connect.request("GET", f"/connectors/{sink}")[1], "expand=info differs"

    code, both = connect.request("GET", "/connectors?expand=status&expand=info")
    assert code == 200 and all(set(both[n]) == {"status", "info"} for n in (src, sink)), both
    assert both[src]["info"]["config"]["name"] == src and both[src]["status"]["name"] == src, both

    # A comma-joined value is one unknown expansion: ignored, the connectors still appear.
    code, joined = connect.request("GET", "/connectors?expand=status,info")
    assert (code, joined) == (200, {src: {}, sink: {}}), f"expand=status,info: {code} {joined}"


# --- POST /connectors -----------------------------------------------------------------------------


def test_create_returns_201_location_and_info(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    connect = clean_connect
    config = {**source_config(connect, unique_name), "tasks.max": 1}  # a JSON number is coerced
    data = json.dumps({"name": unique_name, "config": config}).encode()
    code, headers, info = raw_http_request(
        connect.url, "POST", "/connectors", data, {"Content-Type": "application/json"}
    )
    assert code == 201, f"expected 201, saw {code} {info}"
    assert headers["location"] == f"{connect.url}/connectors/{unique_name}", f"Location: {headers}"
    expected_config = {**config, "tasks.max": "1", "name": unique_name}
    assert info["name"] == unique_name and info["type"] == "source", info
    assert info["config"] == expected_config, (
        f"stored config: expected {expected_config}, saw {info['config']}"
    )
    # Standalone returns after the tasks exist; distributed generates them asynchronously.
    assert info["tasks"] in ([], [{"connector": unique_name, "task": 0}]), info["tasks"]

    duplicate = {"name": unique_name, "config": config}
    expect_error(connect, "POST", "/connectors", 409, f"Connector {unique_name} already exists", duplicate)


def test_location_percent_encodes_the_name(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    connect = clean_connect
    name = f"{unique_name} with spaces"
    data = json.dumps({"name": name, "config": source_config(connect, unique_name)}).encode()
    code, headers, info = raw_http_request(
        connect.url, "POST", "/connectors", data, {"Content-Type": "application/json"}
    )
    assert code == 201, f"expected 201, saw {code} {info}"
    encoded = name.replace(" ", "%20")
    assert headers["location"] == f"{connect.url}/connectors/{encoded}", f"Location: {headers}"
    assert connect.request("GET", f"/connectors/{encoded}")[1]["name"] == name


def test_create_trims_the_name(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    code, info = clean_connect.request(
        "POST",
        "/connectors",
        {"name": f"  {unique_name} ", "config": source_config(clean_connect, unique_name)},
    )
    assert code == 201 and info["name"] == unique_name, f"expected a trimmed name, saw {code} {info}"
    assert info["config"]["name"] == unique_name, info


@pytest.mark.parametrize("body_name", [{"name": "  "}, {"name": None}, {}], ids=["blank", "null", "absent"])
def test_create_without_a_name_is_an_invalid_name(
    clean_connect: ConnectUnderTest, unique_name: str, body_name: dict[str, Any]
) -> None:
    # Kafka trims the name (a missing one is ""), then the name config's validator refuses it.
    body = {**body_name, "config": source_config(clean_connect, unique_name)}
    expected = invalid_config_message(["Invalid value  for configuration name: String may not be empty"])
    expect_error(clean_connect, "POST", "/connectors", 400, expected, body)


def test_create_name_mismatch_is_400(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    config = {**source_config(clean_connect, unique_name), "name": "other"}
    mismatch = f"Connector name configuration (other) doesn't match connector name in the URL ({unique_name})"
    expect_error(clean_connect, "POST", "/connectors", 400, mismatch, {"name": unique_name, "config": config})
    assert clean_connect.request("GET", "/connectors") == (200, [])


def test_create_invalid_config_lists_every_error(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    connect = clean_connect
    sink = {"connector.class": "FileStreamSink", "file": str(connect.workdir / "x.txt")}
    # The worked example of the contract (§10): the topics rule names both keys.
    message = invalid_config_message([SINK_TOPICS_MESSAGE] * 2)
    expect_error(connect, "POST", "/connectors", 400, message, {"name": unique_name, "config": sink})

    bad = {**source_config(connect, unique_name), "batch.size": "abc", "tasks.max": "0"}
    del bad["topic"]
    validate_path = "/connector-plugins/FileStreamSource/config/validate"
    code, validated = connect.request("PUT", validate_path, {**bad, "name": unique_name})
    assert code == 200, f"validate: {code} {validated}"
    errors = [e for entry in validated["configs"] if entry["value"] for e in entry["value"]["errors"]]
    assert len(errors) >= 3, f"expected errors for batch.size, tasks.max and topic, saw {errors}"
    message = invalid_config_message(errors)
    expect_error(connect, "POST", "/connectors", 400, message, {"name": unique_name, "config": bad})
    assert connect.request("GET", "/connectors") == (200, []), "a refused create left a connector behind"


def test_create_without_connector_class_is_400(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    code, body = clean_connect.request("POST", "/connectors", {"name": unique_name, "config": {"topic": "t"}})
    assert (code, body) in no_connector_type_errors({"topic": "t", "name": unique_name})


def test_create_unknown_class_is_400(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    config = {**source_config(clean_connect, unique_name), "connector.class": "NoSuchConnector"}
    code, body = clean_connect.request("POST", "/connectors", {"name": unique_name, "config": config})
    assert code == 400, f"expected 400 (Kafka 4.1), saw {code} {body}"
    prefix = (
        "Failed to find any class that implements Connector and which name matches NoSuchConnector, "
        "available connectors are: "
    )
    assert body["error_code"] == 400 and body["message"].startswith(prefix), body
    assert "org.apache.kafka.connect.file.FileStreamSourceConnector" in body["message"] or (
        "FileStreamSourceConnector" in body["message"]
    ), body
    assert body["message"].endswith("; check the value of connector.class"), body


def test_create_refused_leaves_running_connectors_untouched(
    clean_connect: ConnectUnderTest, unique_name: str
) -> None:
    connect = clean_connect
    good = f"good-{unique_name}"
    connect.create(good, source_config(connect, good))
    before = connect.wait_state(good, "RUNNING", tasks=1)
    for change in ({"connector.class": "NoSuchConnector"}, {"batch.size": "abc"}, {"tasks.max": "0"}):
        config = {**source_config(connect, unique_name), **change}
        code, body = connect.request("POST", "/connectors", {"name": "bad", "config": config})
        assert code == 400, f"{change}: expected 400, saw {code} {body}"
    assert connect.request("GET", "/connectors") == (200, [good])
    assert connect.status(good) == before, "the running connector changed after refused creates"


def test_null_config_value_is_a_validation_error(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    # JSON null passes the parser and fails validation on create and replace (PATCH: removal).
    connect = clean_connect
    config = {**source_config(connect, unique_name), "file": None}
    message = invalid_config_message(["Null value can not be supplied as the configuration value."])
    expect_error(connect, "POST", "/connectors", 400, message, {"name": unique_name, "config": config})
    expect_error(connect, "PUT", f"/connectors/{unique_name}/config", 400, message, config)
    assert connect.request("GET", "/connectors") == (200, []), "a refused config created a connector"


@pytest.mark.parametrize(
    ("data", "content_type"),
    [(b'{"name": "x", "config": {}}', "text/plain"), (b'{"name": "x", "config": {}}', None),
     (b"name=x", "application/x-www-form-urlencoded")],
    ids=["text-plain", "no-content-type", "form"],
)  # fmt: skip
def test_create_non_json_is_415(
    clean_connect: ConnectUnderTest, data: bytes, content_type: str | None
) -> None:
    assert post_raw(clean_connect, data, content_type) == error(415, UNSUPPORTED_MEDIA_TYPE)


@pytest.mark.parametrize(
    ("data", "message_start"),
    [
        (b"{not json", "Request body is not valid JSON"),
        (b'["a list"]', "Request body must be a JSON object"),
        (b'{"name": "x", "config": {"connector.class": "FileStreamSource"}, "colour": "red"}',
         "Unrecognized field(s) in request body: colour"),
        (b'{"name": "x"}', "Request body is missing the 'config' object"),
        (b'{"name": "x", "config": ["a"]}', "config must be a JSON object"),
        (b'{"name": "x", "config": {"file": {"nested": 1}}}', "config: the value of 'file'"),
        (b'{"name": "x", "config": {"connector.class": "FileStreamSource"}, "initial_state": "ASLEEP"}',
         "initial_state must be one of RUNNING, PAUSED, STOPPED"),
    ],
    ids=["malformed", "not-an-object", "unknown-field", "no-config", "config-not-object", "nested-value",
         "bad-initial-state"],
)  # fmt: skip
def test_create_bad_body_is_400(clean_connect: ConnectUnderTest, data: bytes, message_start: str) -> None:
    # Deliberate deviation: Kafka answers 500 with its JSON parser's message for all of these.
    code, body = post_raw(clean_connect, data, "application/json")
    assert code == 400 and body["error_code"] == 400, f"expected 400, saw {code} {body}"
    assert body["message"].startswith(message_start), (
        f"expected {message_start!r}..., saw {body['message']!r}"
    )
    assert clean_connect.request("GET", "/connectors") == (200, [])


# As in Kafka, only a started connector generates task configs: created PAUSED it has none yet.
@pytest.mark.parametrize(
    ("initial_state", "connector_state", "task_count"),
    [("RUNNING", "RUNNING", 1), ("paused", "PAUSED", 0), ("STOPPED", "STOPPED", 0)],
)
def test_create_with_initial_state(
    clean_connect: ConnectUnderTest,
    unique_name: str,
    initial_state: str,
    connector_state: str,
    task_count: int,
) -> None:
    connect = clean_connect
    connect.create(unique_name, source_config(connect, unique_name), initial_state=initial_state)
    status = connect.wait_state(unique_name, connector_state, tasks=task_count)
    assert status["type"] == "source", status
    code, tasks = connect.request("GET", f"/connectors/{unique_name}/tasks")
    assert code == 200 and len(tasks) == task_count, f"expected {task_count} task(s), saw {code} {tasks}"


# --- GET /connectors/{name}, /config, /status, /tasks, /tasks/{id}/status --------------------------


def test_read_routes_of_a_running_connector(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    connect = clean_connect
    config = source_config(connect, unique_name)
    connect.create(unique_name, config)
    status = connect.wait_state(unique_name, "RUNNING", tasks=1)
    stored = {**config, "name": unique_name}

    code, info = connect.request("GET", f"/connectors/{unique_name}")
    expected = {"name": unique_name, "config": stored, "tasks": [{"connector": unique_name, "task": 0}],
                "type": "source"}  # fmt: skip
    assert (code, info) == (200, expected), f"connector info: expected {expected}, saw {code} {info}"

    assert connect.request("GET", f"/connectors/{unique_name}/config") == (200, stored)

    assert set(status) == {"name", "connector", "tasks", "type"}, status
    assert status["name"] == unique_name and status["type"] == "source", status
    assert set(status["connector"]) >= {"state", "worker_id"} and "trace" not in status["connector"], status
    [task] = status["tasks"]
    assert task["id"] == 0 and task["state"] == "RUNNING" and ":" in task["worker_id"], task

    code, tasks = connect.request("GET", f"/connectors/{unique_name}/tasks")
    assert code == 200 and len(tasks) == 1, f"tasks: {code} {tasks}"
    assert tasks[0]["id"] == {"connector": unique_name, "task": 0}, tasks
    assert tasks[0]["config"]["task.class"].endswith("FileStreamSourceTask"), tasks

    code, task_status = connect.request("GET", f"/connectors/{unique_name}/tasks/0/status")
    assert (code, task_status) == (200, task), f"task status: expected {task}, saw {code} {task_status}"


def test_unknown_connector_reads_are_404(clean_connect: ConnectUnderTest) -> None:
    connect = clean_connect
    expect_error(connect, "GET", "/connectors/nope", 404, "Connector nope not found")
    expect_error(connect, "GET", "/connectors/nope/config", 404, "Connector nope not found")
    expect_error(connect, "GET", "/connectors/nope/tasks", 404, "Connector nope not found")
    expect_error(connect, "GET", "/connectors/nope/status", 404, "No status found for connector nope")
    expect_error(connect, "GET", "/connectors/nope/tasks/0/status", 404, "No status found for task nope-0")
    expect_error(connect, "DELETE", "/connectors/nope", 404, "Connector nope not found")


def test_task_status_of_unknown_task_is_404(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    connect = clean_connect
    connect.create(unique_name, source_config(connect, unique_name))
    connect.wait_state(unique_name, "RUNNING", tasks=1)
    expect_error(
        connect,
        "GET",
        f"/connectors/{unique_name}/tasks/7/status",
        404,
        f"No status found for task {unique_name}-7",
    )
    # A non-integer task id does not match the route (JAX-RS semantics).
    expect_error(connect, "GET", f"/connectors/{unique_name}/tasks/abc/status", 404, "HTTP 404 Not Found")


def test_failed_task_has_its_trace(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    connect = clean_connect
    connect.create(unique_name, {"connector.class": "FailingSourceConnector", "mode": "fail"})
    status = connect.wait_state(unique_name, "RUNNING", tasks=1, task_state="FAILED")
    trace = status["tasks"][0]["trace"]
    assert "boom: this task fails on purpose" in trace and "Traceback" in trace, status


# --- PUT /connectors/{name}/config ----------------------------------------------------------------


def test_put_config_creates_then_replaces(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    connect = clean_connect
    config = source_config(connect, unique_name, **{"batch.size": "10"})
    data = json.dumps(config).encode()
    code, headers, info = raw_http_request(
        connect.url, "PUT", f"/connectors/{unique_name}/config", data, {"Content-Type": "application/json"}
    )
    assert code == 201, f"expected 201 for a new connector, saw {code} {info}"
    assert headers["location"] == f"{connect.url}/connectors/{unique_name}", headers
    assert info["config"] == {**config, "name": unique_name} and info["type"] == "source", info
    connect.wait_state(unique_name, "RUNNING", tasks=1)

    replaced = {k: v for k, v in config.items() if k != "batch.size"}
    code, info = connect.request("PUT", f"/connectors/{unique_name}/config", replaced)
    assert code == 200, f"expected 200 for an update, saw {code} {info}"
    assert info["config"] == {**replaced, "name": unique_name}, f"omitted keys must be removed: {info}"
    assert connect.request("GET", f"/connectors/{unique_name}/config") == (
        200,
        {**replaced, "name": unique_name},
    )
    connect.wait_state(unique_name, "RUNNING", tasks=1)


@pytest.mark.parametrize(
    ("initial_state", "connector_state", "task_count"), [("PAUSED", "PAUSED", 0), ("STOPPED", "STOPPED", 0)]
)
def test_put_config_preserves_the_target_state(
    clean_connect: ConnectUnderTest,
    unique_name: str,
    initial_state: str,
    connector_state: str,
    task_count: int,
) -> None:
    connect = clean_connect
    config = source_config(connect, unique_name)
    connect.create(unique_name, config, initial_state=initial_state)
    connect.wait_state(unique_name, connector_state, tasks=task_count)
    code, info = connect.request("PUT", f"/connectors/{unique_name}/config", {**config, "batch.size": "5"})
    assert code == 200, f"expected 200, saw {code} {info}"
    status = connect.wait_state(unique_name, connector_state, tasks=task_count)
    assert status["connector"]["state"] == connector_state, status


def test_put_config_errors(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    connect = clean_connect
    path = f"/connectors/{unique_name}/config"
    config = source_config(connect, unique_name)
    mismatch = f"Connector name configuration (other) doesn't match connector name in the URL ({unique_name})"
    expect_error(connect, "PUT", path, 400, mismatch, {**config, "name": "other"})
    sink = {"connector.class": "FileStreamSink"}
    expect_error(connect, "PUT", path, 400, invalid_config_message([SINK_TOPICS_MESSAGE] * 2), sink)
    code, body = connect.request("PUT", path, {"file": "x"})
    assert (code, body) in no_connector_type_errors({"file": "x", "name": unique_name})
    code, _, body = raw_http_request(connect.url, "PUT", path, b"{}", {"Content-Type": "text/plain"})
    assert (code, body) == error(415, UNSUPPORTED_MEDIA_TYPE)
    code, body = connect.request("PUT", path, ["not", "a", "map"])
    assert code == 400 and body["message"].startswith("request body must be a JSON object"), body
    assert connect.request("GET", "/connectors") == (200, []), "a refused PUT created a connector"


# --- DELETE /connectors/{name} --------------------------------------------------------------------


def test_delete_then_everything_is_404(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    connect = clean_connect
    keep, gone = f"keep-{unique_name}", f"gone-{unique_name}"
    connect.create(keep, source_config(connect, keep))
    connect.create(gone, source_config(connect, gone))
    connect.wait_state(gone, "RUNNING", tasks=1)
    connect.wait_state(keep, "RUNNING", tasks=1)

    assert connect.request("DELETE", f"/connectors/{gone}") == (204, None)
    expect_error(connect, "GET", f"/connectors/{gone}", 404, f"Connector {gone} not found")
    expect_error(connect, "GET", f"/connectors/{gone}/config", 404, f"Connector {gone} not found")
    expect_error(connect, "GET", f"/connectors/{gone}/tasks", 404, f"Connector {gone} not found")
    expect_error(connect, "DELETE", f"/connectors/{gone}", 404, f"Connector {gone} not found")
    # Statuses vanish (possibly after the owning worker reports the stop).
    wait_for(
        lambda: (
            connect.request("GET", f"/connectors/{gone}/status")
            == error(404, f"No status found for connector {gone}")
        ),
        30,
        f"status of {gone} gone ({connect.mode})",
    )
    expect_error(
        connect, "GET", f"/connectors/{gone}/tasks/0/status", 404, f"No status found for task {gone}-0"
    )
    assert connect.request("GET", "/connectors") == (200, [keep])
    code, listing = connect.request("GET", "/connectors?expand=status")
    assert code == 200 and set(listing) == {keep}, f"expand=status after delete: {listing}"
    assert connect.status(keep)["connector"]["state"] == "RUNNING", "the other connector was disturbed"


def test_create_and_delete_while_data_flows(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    connect = clean_connect
    src, sink = f"src-{unique_name}", f"sink-{unique_name}"
    source = source_config(connect, src)
    connect.create(src, source)
    code, info = connect.request(
        "PUT", f"/connectors/{sink}/config", sink_config(connect, sink, source["topic"])
    )
    assert code == 201, f"expected 201 from PUT of a new connector, saw {code} {info}"
    connect.wait_state(src, "RUNNING", tasks=1)
    connect.wait_state(sink, "RUNNING", tasks=1)
    Path(source["file"]).write_text("a\nb\nc\n")
    sink_file = Path(sink_config(connect, sink, source["topic"])["file"])
    wait_for(lambda: read_lines(sink_file) == ["a", "b", "c"], 30, f"3 lines in {sink_file} ({connect.mode})")

    assert connect.request("DELETE", f"/connectors/{src}") == (204, None)
    assert connect.request("GET", "/connectors") == (200, [sink])
    assert connect.status(sink)["connector"]["state"] == "RUNNING"


# --- framework errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/no/such/route", (404, "HTTP 404 Not Found")),
        ("GET", "/connectors/a/b/c", (404, "HTTP 404 Not Found")),
        ("DELETE", "/connectors", (405, "HTTP 405 Method Not Allowed")),
        ("POST", "/connectors/x/status", (405, "HTTP 405 Method Not Allowed")),
        ("PATCH", "/", (405, "HTTP 405 Method Not Allowed")),
        # Removed in Kafka 4.0, and the two internal inter-worker endpoints: not served.
        ("GET", "/connectors/x/tasks-config", (404, "HTTP 404 Not Found")),
        ("POST", "/connectors/x/tasks", (405, "HTTP 405 Method Not Allowed")),
        ("PUT", "/connectors/x/fence", (404, "HTTP 404 Not Found")),
    ],
)
def test_unknown_route_and_wrong_method(
    clean_connect: ConnectUnderTest, method: str, path: str, expected: tuple[int, str]
) -> None:
    expect_error(clean_connect, method, path, *expected)


def test_accept_without_json_is_406(clean_connect: ConnectUnderTest) -> None:
    code, _, body = raw_http_request(clean_connect.url, "GET", "/connectors", None, {"Accept": "text/html"})
    assert (code, body) == error(406, "HTTP 406 Not Acceptable")
    code, _, body = raw_http_request(clean_connect.url, "GET", "/connectors", None, {"Accept": "*/*"})
    assert code == 200, f"Accept */* must be served, saw {code} {body}"
