"""Standalone's file offset store: durable round trips, clear errors, and atomic rewrites under crashes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from connectd.storage.file_offsets import FileOffsetBackend, OffsetFileError


def started(path: Path) -> FileOffsetBackend:
    backend = FileOffsetBackend(path)
    backend.start()
    return backend


def as_map(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """(partition, offset) pairs keyed by the partition's JSON, for order-free comparison."""
    return {json.dumps(p, sort_keys=True): o for p, o in pairs}


def temp_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_missing_file_is_empty_and_write_creates_it(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "connect.offsets"
    backend = started(path)
    assert backend.get("conn", [{"filename": "a.txt"}]) == [None], "a missing file must load as empty"
    backend.write("conn", [({"filename": "a.txt"}, {"position": 42})])
    assert path.exists(), f"expected {path} to exist after the first write"


def test_round_trip_across_restart(tmp_path: Path) -> None:
    path = tmp_path / "connect.offsets"
    first = started(path)
    first.write("conn", [({"filename": "a.txt"}, {"position": 42}), ({"filename": "b.txt"}, {"position": 7})])
    first.write("conn", [({"filename": "a.txt"}, {"position": 43})])
    first.stop()

    second = started(path)
    seen = second.get("conn", [{"filename": "a.txt"}, {"filename": "b.txt"}, {"filename": "c.txt"}])
    expected = [{"position": 43}, {"position": 7}, None]
    assert seen == expected, f"after restart expected {expected}, saw {seen}"


def test_file_is_readable_connect_format(tmp_path: Path) -> None:
    path = tmp_path / "connect.offsets"
    started(path).write("conn", [({"filename": "a.txt"}, {"position": 42})])
    text = path.read_text()
    assert '[["conn",{"filename":"a.txt"}],{"position":42}]' in text, (
        f"expected Connect-style entry in:\n{text}"
    )
    doc = json.loads(text)
    expected = {"version": 1, "offsets": [[["conn", {"filename": "a.txt"}], {"position": 42}]]}
    assert doc == expected, f"expected {expected}, saw {doc}"


def test_tombstone_removes_entry_also_after_restart(tmp_path: Path) -> None:
    path = tmp_path / "connect.offsets"
    backend = started(path)
    backend.write("conn", [({"f": "a"}, {"pos": 1}), ({"f": "b"}, {"pos": 2})])
    backend.write("conn", [({"f": "a"}, None), ({"f": "never-written"}, None)])
    seen = backend.get("conn", [{"f": "a"}, {"f": "b"}])
    assert seen == [None, {"pos": 2}], f"expected a erased and b kept, saw {seen}"

    reloaded = started(path).list("conn")
    assert reloaded == [({"f": "b"}, {"pos": 2})], f"expected only b after restart, saw {reloaded}"


def test_list_is_per_connector(tmp_path: Path) -> None:
    backend = started(tmp_path / "connect.offsets")
    backend.write("one", [({"f": "a"}, {"pos": 1}), ({"f": "b"}, {"pos": 2})])
    backend.write("two", [({"f": "a"}, {"pos": 100})])
    backend.write("one-more", [({"f": "z"}, {"pos": 9})])

    one, two = as_map(backend.list("one")), as_map(backend.list("two"))
    assert one == {'{"f": "a"}': {"pos": 1}, '{"f": "b"}': {"pos": 2}}, f"connector one saw {one}"
    assert two == {'{"f": "a"}': {"pos": 100}}, f"connector two saw {two}"
    assert backend.list("absent") == [], f"unknown connector saw {backend.list('absent')}"
    assert backend.get("two", [{"f": "b"}]) == [None], "another connector's partition must not leak"


def test_results_are_copies(tmp_path: Path) -> None:
    backend = started(tmp_path / "connect.offsets")
    backend.write("conn", [({"f": "a"}, {"pos": 1})])
    backend.get("conn", [{"f": "a"}])[0]["pos"] = 999  # type: ignore[index]
    backend.list("conn")[0][1]["pos"] = 999
    seen = backend.get("conn", [{"f": "a"}])
    assert seen == [{"pos": 1}], f"mutating a result must not change the store, saw {seen}"


@pytest.mark.parametrize(
    "content",
    [
        b'{"version": 1, "offsets": [[["conn",{"f":"a"}],{"pos":1}]',  # truncated
        b"\x00\xff garbage",
        b"[1, 2, 3]",
        b'{"version": 99, "offsets": []}',
        b'{"version": 1, "offsets": [["not-a-key", {"pos": 1}]]}',
        b'{"version": 1, "offsets": [[["conn",{"f":"a"}], 5]]}',
        b"",
    ],
    ids=["truncated", "binary", "wrong-shape", "unknown-version", "bad-key", "bad-value", "empty"],
)
def test_corrupt_file_raises_naming_path(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "connect.offsets"
    path.write_bytes(content)
    with pytest.raises(OffsetFileError) as info:
        FileOffsetBackend(path).start()
    assert str(path) in str(info.value), f"expected the error to name {path}, saw: {info.value}"
    assert path.read_bytes() == content, "a corrupt file must be left untouched for repair"


def test_failed_replace_keeps_previous_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "connect.offsets"
    backend = started(path)
    backend.write("conn", [({"f": "a"}, {"pos": 1}), ({"f": "b"}, {"pos": 2})])
    before = path.read_bytes()

    def crash(*_args: object) -> None:
        raise OSError("simulated crash during os.replace")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated crash"):
        backend.write("conn", [({"f": "a"}, {"pos": 50}), ({"f": "c"}, {"pos": 3})])
    monkeypatch.undo()

    assert path.read_bytes() == before, "a failed write must leave the previous complete file"
    assert temp_files(tmp_path) == [], f"expected the temp file removed, saw {temp_files(tmp_path)}"
    seen = backend.get("conn", [{"f": "a"}, {"f": "c"}])
    assert seen == [{"pos": 1}, None], f"memory must not hold a failed batch, saw {seen}"
    reloaded = as_map(started(path).list("conn"))
    expected = {'{"f": "a"}': {"pos": 1}, '{"f": "b"}': {"pos": 2}}
    assert reloaded == expected, f"after the failed write expected {expected} on reload, saw {reloaded}"


def test_stale_temp_files_are_removed_on_start(tmp_path: Path) -> None:
    path = tmp_path / "connect.offsets"
    started(path).write("conn", [({"f": "a"}, {"pos": 1})])
    (tmp_path / ".connect.offsets.abc123.tmp").write_text('{"version": 1, "off')
    (tmp_path / "unrelated.tmp").write_text("keep me")
    backend = started(path)
    assert backend.get("conn", [{"f": "a"}]) == [{"pos": 1}]
    assert temp_files(tmp_path) == ["unrelated.tmp"], (
        f"expected only unrelated.tmp, saw {temp_files(tmp_path)}"
    )


def test_concurrent_writers_all_persist(tmp_path: Path) -> None:
    path = tmp_path / "connect.offsets"
    backend = started(path)
    errors: list[BaseException] = []

    def task(n: int) -> None:
        try:
            for i in range(20):
                backend.write(f"conn-{n}", [({"f": f"file-{i}"}, {"pos": i})])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=task, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "writer threads did not finish within 60s"
    assert errors == [], f"writers raised: {errors}"

    reloaded = started(path)
    for n in range(6):
        seen = len(reloaded.list(f"conn-{n}"))
        assert seen == 20, f"expected 20 partitions for conn-{n} after reload, saw {seen}"


# -- a real crash: SIGKILL a process writing in a tight loop ---------------------------------------------

PARTITIONS = 40

WRITER = f"""
import sys
from connectd.storage.file_offsets import FileOffsetBackend

backend = FileOffsetBackend(sys.argv[1])
backend.start()
existing = backend.list("crash")
generation = max((o["generation"] for _, o in existing), default=0)
while True:
    generation += 1
    value = {{"generation": generation, "pad": "x" * 100}}
    backend.write("crash", [({{"file": f"f{{i}}"}}, value) for i in range({PARTITIONS})])
"""


def file_generation(path: Path) -> int:
    """The generation the file holds now (0 if absent); safe while a writer runs: replaces are atomic."""
    try:
        doc = json.loads(path.read_bytes())
    except FileNotFoundError:
        return 0
    return max(value["generation"] for _, value in doc["offsets"])


def wait_for_generation(path: Path, process: subprocess.Popen[bytes], target: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    seen = 0
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            raise AssertionError(f"writer exited early with {process.returncode}: {stderr}")
        seen = file_generation(path)
        if seen >= target:
            return seen
        time.sleep(0.005)
    raise AssertionError(f"expected the file to reach generation {target} within {timeout}s, saw {seen}")


def test_sigkill_mid_write_leaves_complete_file(tmp_path: Path) -> None:
    path = tmp_path / "connect.offsets"
    reached = 0
    for round_ in range(3):  # each round restarts from what the killed writer left behind
        process = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            reached = wait_for_generation(path, process, target=reached + 5, timeout=30)
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        finally:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            if process.stderr:
                process.stderr.close()

        offsets = started(path).list("crash")
        generations = {o["generation"] for _, o in offsets}
        assert len(offsets) == PARTITIONS, (
            f"round {round_}: expected {PARTITIONS} entries, saw {len(offsets)}"
        )
        assert len(generations) == 1, f"round {round_}: expected one batch's generation, saw {generations}"
        (loaded,) = generations
        assert loaded >= reached, f"round {round_}: expected generation >= {reached}, saw {loaded}"
        reached = loaded
