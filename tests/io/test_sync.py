from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from arrowtap.checkpoint import open_checkpoint
from arrowtap.errors import CheckpointError, SinkError, TransportError
from arrowtap.io.contract import Partition, Plan
from arrowtap.io.sink import ParquetDatasetSink
from arrowtap.io.sync import SNAPSHOT_FIELD, sync

from .listsource import SCHEMA, ListSource


def rows(directory: Path) -> list[tuple[str, int]]:
    table = pq.read_table(directory)
    return sorted(zip(table["key"].to_pylist(), table["i"].to_pylist(), strict=True))


PARTS = [Partition("a"), Partition("b/c")]
EXPECTED = sorted((k, i) for k in ("a", "b/c") for i in range(10))


def test_sync_writes_every_row_once_and_a_rerun_adds_nothing(tmp_path: Path) -> None:
    sink = ParquetDatasetSink(tmp_path / "out")
    with open_checkpoint(tmp_path / "ck.sqlite") as ck:
        first = sync(Plan(ListSource(), PARTS, "test"), sink, ck)
        second = sync(Plan(ListSource(), PARTS, "test"), sink, ck)
        state = ck.read_json("a")
        assert isinstance(state, dict)
        assert (state["offset"], state["seq"]) == (9, 4)
        assert isinstance(state["at"], int)
    assert (first.rows, first.pages) == (20, 8)
    assert (second.rows, second.pages) == (0, 0)
    assert rows(tmp_path / "out") == EXPECTED


def test_failure_midway_leaves_the_checkpoint_at_the_last_durable_page(tmp_path: Path) -> None:
    sink = ParquetDatasetSink(tmp_path / "out")
    with open_checkpoint(tmp_path / "ck.sqlite") as ck:
        with pytest.raises(TransportError):
            sync(Plan(ListSource(fail_at=7), PARTS, "test"), sink, ck, max_concurrency=1)
        state = ck.read_json("a")
        assert isinstance(state, dict)
        assert (state["offset"], state["seq"]) == (5, 2)
        assert ck.read_json("b/c") is None
        done = sync(Plan(ListSource(), PARTS, "test"), sink, ck)
    assert done.rows == 20 - 6
    assert rows(tmp_path / "out") == EXPECTED


def test_uncommitted_pages_are_dropped_on_resume(tmp_path: Path) -> None:
    sink = ParquetDatasetSink(tmp_path / "out")
    with open_checkpoint(tmp_path / "ck.sqlite") as ck:
        sync(Plan(ListSource(n=6), PARTS[:1], "test"), sink, ck)  # pages 0, 1 committed
        # A crashed run wrote page 2 with other content but never committed it.
        stray = pa.record_batch(
            [pa.array(["a"] * 2), pa.array([100, 101], pa.int64())], schema=SCHEMA
        )
        sink.write("a", 2, stray)
        (tmp_path / "out" / "a" / ".tmp-part-000000003.parquet").write_bytes(b"half")
        sync(Plan(ListSource(n=10), PARTS[:1], "test"), sink, ck)
    assert rows(tmp_path / "out") == [("a", i) for i in range(10)]
    assert not any(p.name.startswith(".tmp-") for p in (tmp_path / "out" / "a").iterdir())


def test_a_foreign_checkpoint_section_is_refused(tmp_path: Path) -> None:
    with open_checkpoint(tmp_path / "ck.sqlite") as ck:
        ck.write_json({"a": [1, 2]})
        with pytest.raises(CheckpointError, match="'a'"):
            sync(Plan(ListSource(), PARTS[:1], "test"), ParquetDatasetSink(tmp_path / "out"), ck)


def test_sink_errors_are_typed_and_nothing_is_committed(tmp_path: Path) -> None:
    sink = ParquetDatasetSink(tmp_path / "out")
    (tmp_path / "out" / "a").write_text("a file where a directory should be")
    with open_checkpoint(tmp_path / "ck.sqlite") as ck:
        with pytest.raises(SinkError, match="cannot prepare"):
            sync(Plan(ListSource(), PARTS[:1], "test"), sink, ck)
        assert ck.read_json("a") is None


def test_sink_rewrite_is_idempotent(tmp_path: Path) -> None:
    sink = ParquetDatasetSink(tmp_path)
    batch = pa.record_batch([pa.array(["a"]), pa.array([1], pa.int64())], schema=SCHEMA)
    sink.begin("a", 0)
    sink.write("a", 0, batch)
    first = sink.path("a", 0).read_bytes()
    sink.write("a", 0, batch)
    assert sink.path("a", 0).read_bytes() == first


def test_a_snapshot_plan_adds_one_stamped_snapshot_per_run(tmp_path: Path) -> None:
    sink = ParquetDatasetSink(tmp_path / "out")
    with open_checkpoint(tmp_path / "ck.sqlite") as ck:
        first = sync(Plan(ListSource(n=5), PARTS[:1], "test", snapshot=True), sink, ck)
        second = sync(Plan(ListSource(n=5), PARTS[:1], "test", snapshot=True), sink, ck)
        state = ck.read_json("a")
    assert (first.rows, second.rows) == (5, 5)
    table = pq.read_table(tmp_path / "out")
    assert table.schema.field("snapshot_time").type == SNAPSHOT_FIELD.type
    stamps = table.group_by("snapshot_time").aggregate([("i", "count")])
    assert sorted(stamps["i_count"].to_pylist()) == [5, 5]
    assert isinstance(state, dict)
    assert state["seq"] == 4
    assert state["offset"] == {
        "snapshot": max(stamps["snapshot_time"].cast(pa.int64()).to_pylist())
    }


def test_a_snapshot_that_fails_midway_leaves_nothing_behind(tmp_path: Path) -> None:
    sink = ParquetDatasetSink(tmp_path / "out")
    with open_checkpoint(tmp_path / "ck.sqlite") as ck:
        with pytest.raises(TransportError):
            sync(Plan(ListSource(n=9, fail_at=6), PARTS[:1], "test", snapshot=True), sink, ck)
        assert ck.read_json("a") is None
        sync(Plan(ListSource(n=9), PARTS[:1], "test", snapshot=True), sink, ck)
    table = pq.read_table(tmp_path / "out")
    assert sorted(table["i"].to_pylist()) == list(range(9))
    assert len(table["snapshot_time"].unique()) == 1


def test_columns_project_what_is_written(tmp_path: Path) -> None:
    sink = ParquetDatasetSink(tmp_path / "out")
    with open_checkpoint(tmp_path / "ck.sqlite") as ck:
        sync(Plan(ListSource(n=4), PARTS[:1], "test", columns=["i"]), sink, ck)
    assert pq.read_table(tmp_path / "out").column_names == ["i"]
