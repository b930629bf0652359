"""FileStreamSourceTask cuts a batch of lines out of what it read at once: the batch's offset is the
byte position after its last line, ``\\r\\n`` loses the ``\\r``, an unfinished last line waits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connectd.plugins.file_source import FileStreamSourceTask


class _Reader:
    def __init__(self, committed: dict[str, Any] | None) -> None:
        self.committed = committed

    def offset(self, partition: dict[str, Any]) -> dict[str, Any] | None:
        return self.committed


class _Context:
    def __init__(self, committed: dict[str, Any] | None = None) -> None:
        self.offset_reader = _Reader(committed)


def task(path: Path, batch_size: int = 2000, committed: dict[str, Any] | None = None) -> FileStreamSourceTask:
    t = FileStreamSourceTask()
    t.initialize(_Context(committed))  # type: ignore[arg-type]
    t.start({"file": str(path), "topic": "out", "batch.size": str(batch_size)})
    return t


def polled(t: FileStreamSourceTask) -> list[tuple[str, int | None]]:
    """The polled batch's lines, the last with the batch's offset (the position after it)."""
    batch = t.poll()
    if batch is None:
        return []
    assert batch.source_partition == {"filename": t.filename}, batch.source_partition
    position = batch.source_offset["position"] if batch.source_offset else None
    return [(v, position if i == len(batch) - 1 else None) for i, v in enumerate(batch.values)]


def test_lines_and_positions(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes(b"one\ntwo\r\n\nthr\xc3\xa9e\nunfinished")
    t = task(path)
    assert polled(t) == [("one", None), ("two", None), ("", None), ("thrée", 17)]
    assert t.poll() is None, "the unfinished line waits for its end"
    one_by_one = task(path, batch_size=1)
    assert [polled(one_by_one) for _ in range(4)] == [[("one", 4)], [("two", 9)], [("", 10)], [("thrée", 17)]]
    one_by_one.stop()
    with open(path, "ab") as out:
        out.write(b" now\n")
    assert polled(t) == [("unfinished now", 32)]
    t.stop()


def test_invalid_utf8_is_replaced_and_counted_in_bytes(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes(b"a\xffb\nok\n")
    assert polled(task(path, batch_size=1)) == [("a\ufffdb", 4)]
    assert polled(task(path)) == [("a\ufffdb", None), ("ok", 7)]


def test_batches_are_cut_at_batch_size_and_resume_at_the_committed_position(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes(b"".join(f"line {i}\n".encode() for i in range(10)))
    t = task(path, batch_size=4)
    first, second, third = polled(t), polled(t), polled(t)
    assert [len(first), len(second), len(third)] == [4, 4, 2]
    assert third[-1] == ("line 9", path.stat().st_size)
    resumed = task(path, batch_size=100, committed={"position": first[-1][1]})
    assert [v for v, _ in polled(resumed)] == [f"line {i}" for i in range(4, 10)]


def test_a_large_file_reads_in_chunks_without_losing_a_line(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    lines = [f"{i:06d}" + "x" * (i % 300) for i in range(5000)]
    path.write_bytes(
        "".join(f"{line}\r\n" if i % 7 == 0 else f"{line}\n" for i, line in enumerate(lines)).encode()
    )
    t = task(path, batch_size=1500)
    seen: list[tuple[str, int | None]] = []
    while batch := polled(t):
        seen.extend(batch)
    assert [v for v, _ in seen] == lines
    assert seen[-1][1] == path.stat().st_size
