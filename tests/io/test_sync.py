from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from arrowtap.checkpoint import open_checkpoint
from arrowtap.errors import CheckpointError, SinkError, TransportError
from arrowtap.io.contract import Page, Partition
from arrowtap.io.sink import ParquetDatasetSink
from arrowtap.io.sync import sync

SCHEMA = pa.schema([("key", pa.string()), ("i", pa.int64())])


class ListSource:
    """Rows 0..n-1 per partition, ``page`` rows a page; the offset is the last row."""

    def __init__(self, n: int = 10, page: int = 3, fail_at: int | None = None) -> None:
        self.n, self.page, self.fail_at = n, page, fail_at
        self.reads: list[tuple[str, object]] = []

    @property
    def schema(self) -> pa.Schema:
        return SCHEMA

    def read(self, partition: Partition, offset: object = None) -> Iterator[Page]:
        self.reads.append((partition.key, offset))
        start = 0 if offset is None else int(offset) + 1  # type: ignore[call-overload]
        for lo in range(start, self.n, self.page):
            hi = min(lo + self.page, self.n)
            if self.fail_at is not None and lo <= self.fail_at < hi:
                raise TransportError(f"cut at {self.fail_at}")
            batch = pa.record_batch(
                [pa.array([partition.key] * (hi - lo)), pa.array(range(lo, hi), pa.int64())],
                schema=SCHEMA,
            )
            yield Page(batch, hi - 1)


def rows(directory: Path) -> list[tuple[str, int]]:
    table = pq.read_table(directory)
    return sorted(zip(table["key"].to_pylist(), table["i"].to_pylist(), strict=True))


PARTS = [Partition("a"), Partition("b/c")]
EXPECTED = sorted((k, i) for k in ("a", "b/c") for i in range(10))


def test_sync_writes_every_row_once_and_a_rerun_adds_nothing(tmp_path: Path) -> None:
    sink = ParquetDatasetSink(tmp_path / "out")
    with open_checkpoint(tmp_path / "ck.sqlite") as ck:
        first = sync(ListSource(), PARTS, sink, ck)
        second = sync(ListSource(), PARTS, sink, ck)
        assert ck.read_json("a") == {"offset": 9, "seq": 4}
    assert (first.rows, first.pages) == (20, 8)
    assert (second.rows, second.pages) == (0, 0)
    assert rows(tmp_path / "out") == EXPECTED


def test_failure_midway_leaves_the_checkpoint_at_the_last_durable_page(tmp_path: Path) -> None:
    sink = ParquetDatasetSink(tmp_path / "out")
    with open_checkpoint(tmp_path / "ck.sqlite") as ck:
        with pytest.raises(TransportError):
            sync(ListSource(fail_at=7), PARTS, sink, ck, max_concurrency=1)
        assert ck.read_json("a") == {"offset": 5, "seq": 2}
        assert ck.read_json("b/c") is None
        done = sync(ListSource(), PARTS, sink, ck)
    assert done.rows == 20 - 6
    assert rows(tmp_path / "out") == EXPECTED


def test_uncommitted_pages_are_dropped_on_resume(tmp_path: Path) -> None:
    sink = ParquetDatasetSink(tmp_path / "out")
    with open_checkpoint(tmp_path / "ck.sqlite") as ck:
        sync(ListSource(n=6), PARTS[:1], sink, ck)  # pages 0, 1 committed
        # A crashed run wrote page 2 with other content but never committed it.
        stray = pa.record_batch(
            [pa.array(["a"] * 2), pa.array([100, 101], pa.int64())], schema=SCHEMA
        )
        sink.write("a", 2, stray)
        (tmp_path / "out" / "a" / ".tmp-part-000000003.parquet").write_bytes(b"half")
        sync(ListSource(n=10), PARTS[:1], sink, ck)
    assert rows(tmp_path / "out") == [("a", i) for i in range(10)]
    assert not any(p.name.startswith(".tmp-") for p in (tmp_path / "out" / "a").iterdir())


def test_a_foreign_checkpoint_section_is_refused(tmp_path: Path) -> None:
    with open_checkpoint(tmp_path / "ck.sqlite") as ck:
        ck.write_json({"a": [1, 2]})
        with pytest.raises(CheckpointError, match="'a'"):
            sync(ListSource(), PARTS[:1], ParquetDatasetSink(tmp_path / "out"), ck)


def test_sink_errors_are_typed_and_nothing_is_committed(tmp_path: Path) -> None:
    sink = ParquetDatasetSink(tmp_path / "out")
    (tmp_path / "out" / "a").write_text("a file where a directory should be")
    with open_checkpoint(tmp_path / "ck.sqlite") as ck:
        with pytest.raises(SinkError, match="cannot prepare"):
            sync(ListSource(), PARTS[:1], sink, ck)
        assert ck.read_json("a") is None


def test_sink_rewrite_is_idempotent(tmp_path: Path) -> None:
    sink = ParquetDatasetSink(tmp_path)
    batch = pa.record_batch([pa.array(["a"]), pa.array([1], pa.int64())], schema=SCHEMA)
    sink.begin("a", 0)
    sink.write("a", 0, batch)
    first = sink.path("a", 0).read_bytes()
    sink.write("a", 0, batch)
    assert sink.path("a", 0).read_bytes() == first
