"""The offsets API (KIP-875) in both modes: ``GET``/``PATCH``/``DELETE /connectors/{name}/offsets``,
every 4xx/5xx of the contract with Kafka's messages, and the workflow with data: a stopped source
resumes from the position it was given, a sink whose offsets were reset reads its topic again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gateway.dependencies import UNSUPPORTED_MEDIA_TYPE
from tests.integration.connect_modes import (
    ConnectUnderTest,
    file_sink_config,
    file_source_config,
    start_file_pipeline,
)
from tests.integration.rest_checks import expect, expect_error
from tests.integration.standalone_harness import (
    append,
    create_topic,
    make_lines,
    raw_http_request,
    read_lines,
    wait_for,
)

pytestmark = pytest.mark.integration

IDLE = "lifecycle_plugins.IdleSourceConnector"
FIXED = "offsets_plugins.FixedOffsetsSourceConnector"
LINE_BYTES = 100  # make_lines: fixed-width lines, newline included

ALTERED = "The offsets for this connector have been altered successfully"
RESET = "The offsets for this connector have been reset successfully"
FRAMEWORK_ALTERED = (
    "The Connect framework-managed offsets for this connector have been altered successfully. However, if "
    "this connector manages offsets externally, they will need to be manually altered in the system that "
    "the connector uses."
)
FRAMEWORK_RESET = (
    "The Connect framework-managed offsets for this connector have been reset successfully. However, if "
    "this connector manages offsets externally, they will need to be manually reset in the system that "
    "the connector uses."
)
NO_OFFSETS = "Partitions / offsets need to be provided for an alter offsets request"


def _not_stopped(name: str) -> str:
    return (
        "Connectors must be in the STOPPED state before their offsets can be modified. This can be done "
        f"for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint"
    )


def _expect(connect: ConnectUnderTest, method: str, path: str, body: Any, status: int, expected: Any) -> None:
    seen = expect(connect, method, path, status, body)
    assert seen == expected, f"{method} {path} {body} ({connect.mode}): expected {expected}, got {seen}"


def _sink_offset(topic: str, offset: int) -> dict[str, Any]:
    return {"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": {"kafka_offset": offset}}


def _position(path: Path, position: int) -> dict[str, Any]:
    return {"partition": {"filename": str(path)}, "offset": {"position": position}}


def _wait_offsets(connect: ConnectUnderTest, name: str, expected: list[dict[str, Any]]) -> None:
    """Offsets committed by a task that just stopped may land a moment after its status says so."""
    seen: list[Any] = []

    def matches() -> bool:
        seen[:] = connect.request("GET", f"/connectors/{name}/offsets")
        return seen == [200, {"offsets": expected}]

    try:
        wait_for(matches, 30, f"offsets of {name}")
    except AssertionError:
        raise AssertionError(
            f"GET offsets of {name} ({connect.mode}): expected 200 {expected}, last seen {seen}"
        ) from None


def _stop(connect: ConnectUnderTest, name: str) -> None:
    code, body = connect.request("PUT", f"/connectors/{name}/stop")
    assert (code, body) == (204, None), f"stop {name} ({connect.mode}): expected 204, got {code} {body}"
    connect.wait_state(name, "STOPPED", tasks=0)


def _resume(connect: ConnectUnderTest, name: str) -> None:
    code, body = connect.request("PUT", f"/connectors/{name}/resume")
    assert (code, body) == (202, None), f"resume {name} ({connect.mode}): expected 202, got {code} {body}"
    connect.wait_state(name, "RUNNING", tasks=1)


def _modify(connect: ConnectUnderTest, method: str, name: str, body: Any, message: str) -> None:
    """PATCH/DELETE a stopped connector's offsets. A sink's consumer may still be leaving its group
    right after the status says STOPPED: Kafka answers 500 "... can be safely retried", so retry that."""
    path = f"/connectors/{name}/offsets"
    last: list[Any] = []

    def attempt() -> Any:
        last[:] = connect.request(method, path, body)
        retry = last[0] == 500 and "can be safely retried" in str(last[1])
        return None if retry else tuple(last)

    try:
        code, seen = wait_for(attempt, 30, "no zombie sink tasks")
    except AssertionError:
        raise AssertionError(f"{method} {path} ({connect.mode}): still refused after 30s: {last}") from None
    assert (code, seen) == (200, {"message": message}), (
        f"{method} {path} {body} ({connect.mode}): expected 200 {message!r}, got {code} {seen}"
    )


def test_unknown_connector_and_missing_offsets(clean_connect: ConnectUnderTest) -> None:
    connect = clean_connect
    path = "/connectors/no-such-connector/offsets"
    body = {"offsets": [_sink_offset("t", 1)]}
    for method, sent in (("GET", None), ("PATCH", body), ("DELETE", None)):
        expect_error(connect, method, path, 404, "Connector no-such-connector not found", sent)
    # The body is checked before the connector, as Kafka's resource does.
    for empty in ({"offsets": []}, {"offsets": None}, {}):
        expect_error(connect, "PATCH", path, 400, NO_OFFSETS, empty)
    code, seen = connect.request("PATCH", path, {"offsets": "wrong"})
    assert code == 400 and seen["message"].startswith("Invalid request"), f"({connect.mode}) {code} {seen}"
    code, _, seen = raw_http_request(connect.url, "PATCH", path, b"offsets", {"Content-Type": "text/plain"})
    assert (code, seen) == (415, {"error_code": 415, "message": UNSUPPORTED_MEDIA_TYPE}), (
        f"non-JSON body ({connect.mode}): expected 415, got {code} {seen}"
    )


def test_changes_need_a_stopped_connector(clean_connect: ConnectUnderTest, unique_name: str) -> None:
    connect = clean_connect
    name = f"{unique_name}-idle"
    connect.create(name, {"connector.class": IDLE, "tasks.max": "1"})
    connect.wait_state(name, "RUNNING", tasks=1)
    path = f"/connectors/{name}/offsets"
    entry = {"partition": {"shard": "a"}, "offset": {"seq": 7}}
    _expect(connect, "GET", path, None, 200, {"offsets": []})  # any state may read
    for state in ("RUNNING", "PAUSED"):
        if state == "PAUSED":
            assert connect.request("PUT", f"/connectors/{name}/pause")[0] == 202
            connect.wait_state(name, "PAUSED", tasks=1)
        expect_error(connect, "PATCH", path, 400, _not_stopped(name), {"offsets": [entry]})
        expect_error(connect, "DELETE", path, 400, _not_stopped(name))

    # Stopped, a connector without its own alter_offsets hook gets the framework-managed messages.
    _stop(connect, name)
    _expect(connect, "PATCH", path, {"offsets": [entry]}, 200, {"message": FRAMEWORK_ALTERED})
    _expect(connect, "GET", path, None, 200, {"offsets": [entry]})
    _expect(connect, "DELETE", path, None, 200, {"message": FRAMEWORK_RESET})
    _expect(connect, "GET", path, None, 200, {"offsets": []})
    _expect(connect, "DELETE", path, None, 200, {"message": FRAMEWORK_RESET})  # nothing left: still 200


def test_sink_offsets_format_and_round_trip(
    clean_connect: ConnectUnderTest, unique_name: str, tmp_path: Path
) -> None:
    connect = clean_connect
    topic, name = f"{unique_name}-t", f"{unique_name}-sink"
    create_topic(connect.bootstrap_servers, topic)
    connect.create(name, file_sink_config(tmp_path / "out.txt", topic), initial_state="STOPPED")
    connect.wait_state(name, "STOPPED", tasks=0)
    path = f"/connectors/{name}/offsets"
    no_partition = "The partition for a sink connector offset cannot be null or missing"
    bad_partition = "Failed to parse the following Kafka partition value in the provided offsets: '{}'. " + (
        "Partition values for sink connectors need to be integers."
    )
    bad_offset = "Failed to parse the following Kafka offset value in the provided offsets: '{}'. " + (
        "Offset values for sink connectors need to be integers."
    )
    one = {"kafka_offset": 1}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"offset": one}, no_partition),
        ({"partition": None, "offset": one}, no_partition),
        (
            {"partition": {"kafka_topic": topic}, "offset": one},
            "The partition for a sink connector offset must contain the keys "
            "'kafka_topic' and 'kafka_partition'",
        ),
        (
            {"partition": {"kafka_topic": None, "kafka_partition": 0}, "offset": one},
            "Kafka topic names must be valid strings and may not be null",
        ),
        (
            {"partition": {"kafka_topic": topic, "kafka_partition": None}, "offset": one},
            "Kafka partitions must be valid numbers and may not be null",
        ),
        (
            {"partition": {"kafka_topic": topic, "kafka_partition": "abc"}, "offset": one},
            bad_partition.format("abc"),
        ),
        (
            {"partition": {"kafka_topic": topic, "kafka_partition": 1.5}, "offset": one},
            bad_partition.format("1.5"),
        ),
        (
            {"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": {"offset": 1}},
            "The offset for a sink connector should either be null or contain the key 'kafka_offset'",
        ),
        (
            {"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": {"kafka_offset": "x1"}},
            bad_offset.format("x1"),
        ),
    ]
    for entry, message in cases:
        expect_error(connect, "PATCH", path, 400, message, {"offsets": [entry]})

    # Numeric strings are numbers, as in Kafka; FileStreamSink's hook makes the message definite.
    string_numbers = {
        "partition": {"kafka_topic": topic, "kafka_partition": "0"},
        "offset": {"kafka_offset": "7"},
    }
    _modify(connect, "PATCH", name, {"offsets": [string_numbers]}, ALTERED)
    _expect(connect, "GET", path, None, 200, {"offsets": [_sink_offset(topic, 7)]})
    erase = {"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": None}
    _modify(connect, "PATCH", name, {"offsets": [erase]}, ALTERED)
    _expect(connect, "GET", path, None, 200, {"offsets": []})
    _modify(connect, "PATCH", name, {"offsets": [_sink_offset(topic, 9)]}, ALTERED)
    _expect(connect, "GET", path, None, 200, {"offsets": [_sink_offset(topic, 9)]})
    _modify(connect, "DELETE", name, None, RESET)
    _expect(connect, "GET", path, None, 200, {"offsets": []})
    _modify(connect, "DELETE", name, None, RESET)  # no group left: reset is idempotent


def test_source_offsets_validation(clean_connect: ConnectUnderTest, unique_name: str, tmp_path: Path) -> None:
    connect = clean_connect
    source_file = tmp_path / "in.txt"
    name = f"{unique_name}-src"
    connect.create(name, file_source_config(source_file, f"{unique_name}-t"), initial_state="STOPPED")
    connect.wait_state(name, "STOPPED", tasks=0)
    path = f"/connectors/{name}/offsets"
    filename = {"filename": str(source_file)}
    position = "The value for the 'position' key in the offset"
    cases: list[tuple[dict[str, Any], int, str]] = [
        # The framework's format check (OffsetUtils), then FileStreamSource's own alter_offsets hook.
        (
            {"partition": filename, "offset": {"position": {"a": 1}}},
            500,
            "Offsets may only contain primitive types as values, but field position contains MAP",
        ),
        (
            {"partition": {"filename": [1]}, "offset": {"position": 1}},
            500,
            "Offsets may only contain primitive types as values, but field filename contains ARRAY",
        ),
        (
            {"partition": filename, "offset": {"pos": 1}},
            500,
            "Offset objects should either be null or contain the key 'position'",
        ),
        (
            {"partition": filename, "offset": {"position": "12"}},
            500,
            f"{position} is expected to be a Long value",
        ),
        (
            {"partition": filename, "offset": {"position": -5}},
            500,
            f"{position} should be a non-negative value",
        ),
        (
            {"partition": {"file": str(source_file)}, "offset": {"position": 1}},
            500,
            "Partition objects should contain the key 'filename'",
        ),
        # A deviation: Kafka would store it under a null partition no task can ever read.
        (
            {"offset": {"position": 1}},
            400,
            "The partition for a source connector offset cannot be null or missing",
        ),
    ]
    for entry, status, message in cases:
        expect_error(connect, "PATCH", path, status, message, {"offsets": [entry]})
    _expect(connect, "GET", path, None, 200, {"offsets": []})  # nothing refused was written

    _expect(connect, "PATCH", path, {"offsets": [_position(source_file, 300)]}, 200, {"message": ALTERED})
    _expect(connect, "GET", path, None, 200, {"offsets": [_position(source_file, 300)]})
    erase = {"partition": filename, "offset": None}
    _expect(connect, "PATCH", path, {"offsets": [erase]}, 200, {"message": ALTERED})
    _expect(connect, "GET", path, None, 200, {"offsets": []})

    # stdin has no offsets to change; a connector that refuses changes gets Kafka's 500.
    stdin = f"{unique_name}-stdin"
    connect.create(stdin, file_source_config(None, f"{unique_name}-t"), initial_state="STOPPED")
    expect_error(
        connect,
        "PATCH",
        f"/connectors/{stdin}/offsets",
        500,
        "Offsets cannot be modified if the 'file' configuration is unspecified. "
        "This is because stdin is used for input and offsets are not tracked.",
        {"offsets": [_position(source_file, 1)]},
    )
    fixed = f"{unique_name}-fixed"
    connect.create(fixed, {"connector.class": FIXED}, initial_state="STOPPED")
    refused = (
        f"Failed to modify offsets for connector {fixed} because it doesn't support external modification "
        "of offsets"
    )
    fixed_path = f"/connectors/{fixed}/offsets"
    expect_error(connect, "PATCH", fixed_path, 500, refused, {"offsets": [_position(source_file, 1)]})
    expect_error(connect, "DELETE", fixed_path, 500, refused)


def _wait_sink_file(connect: ConnectUnderTest, sink_file: Path, expected: list[str], what: str) -> None:
    def matches() -> bool:
        seen = read_lines(sink_file)
        assert seen == expected[: len(seen)], (
            f"{what} ({connect.mode}): the sink file diverged at line {len(seen)}; "
            f"expected {expected}, saw {seen}"
        )
        return seen == expected

    wait_for(matches, 60, f"{what} ({connect.mode})")


def test_source_resumes_from_the_altered_position(
    clean_connect: ConnectUnderTest, tmp_path: Path, unique_name: str
) -> None:
    connect = clean_connect
    lines = make_lines(60)
    source_file, sink_file = start_file_pipeline(connect, tmp_path, unique_name, lines[:50])
    src = f"{unique_name}-src"

    # Stopped, the source's offset is the end of what it read: 50 lines.
    _stop(connect, src)
    _wait_offsets(connect, src, [_position(source_file, 50 * LINE_BYTES)])

    # Back to line 40: on resume the source reads lines 40..49 again.
    _modify(connect, "PATCH", src, {"offsets": [_position(source_file, 40 * LINE_BYTES)]}, ALTERED)
    _wait_offsets(connect, src, [_position(source_file, 40 * LINE_BYTES)])
    _resume(connect, src)
    expected = lines[:50] + lines[40:50]
    _wait_sink_file(connect, sink_file, expected, "lines 40..49 read a second time")

    # Forward past lines 50..54, written while stopped: on resume only 55..59 are read.
    _stop(connect, src)
    _wait_offsets(connect, src, [_position(source_file, 50 * LINE_BYTES)])
    append(source_file, lines[50:60])
    _modify(connect, "PATCH", src, {"offsets": [_position(source_file, 55 * LINE_BYTES)]}, ALTERED)
    _resume(connect, src)
    expected += lines[55:60]
    _wait_sink_file(connect, sink_file, expected, "only lines 55..59 after the skip")
    _wait_offsets(connect, src, [_position(source_file, 60 * LINE_BYTES)])


def test_sink_reset_reads_the_topic_again(
    clean_connect: ConnectUnderTest, tmp_path: Path, unique_name: str
) -> None:
    connect = clean_connect
    lines = make_lines(50)
    _, sink_file = start_file_pipeline(connect, tmp_path, unique_name, lines)
    sink, topic = f"{unique_name}-sink", f"{unique_name}-topic"

    # Stopped, the group's committed offset is past the 50 records it delivered.
    _stop(connect, sink)
    _wait_offsets(connect, sink, [_sink_offset(topic, 50)])

    # Altered back to offset 45: records 45..49 are delivered again.
    _modify(connect, "PATCH", sink, {"offsets": [_sink_offset(topic, 45)]}, ALTERED)
    _wait_offsets(connect, sink, [_sink_offset(topic, 45)])
    _resume(connect, sink)
    expected = lines + lines[45:]
    _wait_sink_file(connect, sink_file, expected, "records 45..49 delivered again")

    # Reset: no committed offsets, so the sink reads the topic from the beginning.
    _stop(connect, sink)
    _wait_offsets(connect, sink, [_sink_offset(topic, 50)])
    _modify(connect, "DELETE", sink, None, RESET)
    _wait_offsets(connect, sink, [])
    _resume(connect, sink)
    expected += lines
    _wait_sink_file(connect, sink_file, expected, "the whole topic delivered again after the reset")
    _wait_offsets(connect, sink, [_sink_offset(topic, 50)])
