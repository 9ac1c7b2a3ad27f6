"""Syncs into a Delta table: data and offsets in one commit, read back by every engine."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as fs
import pytest
from deltalake import DeltaTable

import arrowtap
from arrowtap.connectors.pvarchiver.samples import checkpoint_name
from arrowtap.errors import CheckpointNotActiveError, InvalidArgumentError, SinkError
from arrowtap.io.contract import Partition, Plan
from arrowtap.io.delta import OFFSETS_KEY, DeltaDestination, DeltaSink
from arrowtap.io.delta_types import table_to_delta
from arrowtap.io.offsets import PartitionState
from arrowtap.io.sync import sync
from arrowtap.testing.delta import read_delta_table
from arrowtap.testing.pvarchiver import FakeArchiver

from .listsource import ListSource

KEYS = ["channel", "time"]
PARTS = [Partition("a"), Partition("b/c"), Partition("d")]


def rows(data: pa.Table | pd.DataFrame, keys: list[str]) -> list[str]:
    """Rows as comparable text, in key order: whatever the engine's types for the same values."""
    table = (
        pa.Table.from_pandas(data, preserve_index=False) if isinstance(data, pd.DataFrame) else data
    )
    columns = {}
    for name in sorted(table.column_names):
        column = table[name]
        if pa.types.is_timestamp(column.type):
            column = pc.cast(column, pa.int64())  # microseconds, as the table keeps them
        elif pa.types.is_dictionary(column.type) or column.type in (
            pa.large_string(),
            pa.string_view(),
        ):
            column = pc.cast(column, pa.string())
        columns[name] = column
    ordered = pa.table(columns).sort_by([(k, "ascending") for k in keys])
    return [json.dumps(row, sort_keys=True, default=str) for row in ordered.to_pylist()]


@pytest.fixture
def truth(fake_archiver: FakeArchiver) -> pa.Table:
    table: pa.Table = arrowtap.scan_archive_samples(fake_archiver.url, "*", 0).read_all()
    return table_to_delta(table)


def test_a_sync_commits_once_and_a_rerun_adds_nothing(
    fake_archiver: FakeArchiver, truth: pa.Table, tmp_path: Path
) -> None:
    path = tmp_path / "samples"
    first = arrowtap.sync_archive_samples(fake_archiver.url, "*", 0, to=f"delta:{path}")
    second = arrowtap.sync_archive_samples(fake_archiver.url, "*", 0, to=f"delta:{path}")
    assert (first.rows, second.rows) == (truth.num_rows, 0)
    table = DeltaTable(str(path))
    assert table.metadata().partition_columns == ["channel"]
    assert not list(path.glob("*checkpoint*")), "the offsets are in the table, nowhere else"
    assert rows(read_delta_table(path), KEYS) == rows(truth, KEYS)


def test_every_engine_reads_the_table_as_a_one_shot_read(
    fake_archiver: FakeArchiver, truth: pa.Table, tmp_path: Path
) -> None:
    path = str(tmp_path / "samples")
    arrowtap.sync_archive_samples(fake_archiver.url, "*", 0, to=f"delta:{path}")
    expected = rows(truth, KEYS)
    # pyarrow's own file system: deltalake's default one makes the process abort at exit.
    local = fs.SubTreeFileSystem(path, fs.LocalFileSystem())
    by_pandas = DeltaTable(path).to_pandas(filesystem=local)
    assert rows(by_pandas, KEYS) == rows(truth.to_pandas(), KEYS)
    assert rows(pl.read_delta(path).to_arrow(), KEYS) == expected
    dataset = DeltaTable(path).to_pyarrow_dataset(filesystem=local)  # DuckDB scans it as it is
    scanned = duckdb.connect().from_arrow(dataset).arrow().read_all()
    assert rows(scanned, KEYS) == expected
    import dask_deltatable

    import dask

    # Dask's string conversion would turn the list columns into their text.
    with dask.config.set({"dataframe.convert-string": False}):
        frame = dask_deltatable.read_deltalake(path).compute(scheduler="sync")
    assert rows(frame, KEYS) == rows(truth.to_pandas(), KEYS)


def test_nanoseconds_are_kept_beside_the_microsecond_timestamp(
    fake_archiver: FakeArchiver, tmp_path: Path
) -> None:
    path = str(tmp_path / "samples")
    arrowtap.sync_archive_samples(fake_archiver.url, "*", 0, to=f"delta:{path}")
    written = read_delta_table(path)
    exact = arrowtap.scan_archive_samples(fake_archiver.url, "*", 0).read_all()["time"]
    assert sorted(written["time_ns"].to_pylist()) == sorted(pc.cast(exact, pa.int64()).to_pylist())
    assert pc.all(
        pc.equal(pc.cast(written["time"], pa.int64()), pc.divide(written["time_ns"], 1000))
    )


def test_offsets_live_in_the_commit_and_its_transactions(
    fake_archiver: FakeArchiver, tmp_path: Path
) -> None:
    path = tmp_path / "samples"
    arrowtap.sync_archive_samples(fake_archiver.url, "root:ai1", 0, to=f"delta:{path}")
    log = sorted((path / "_delta_log").glob("*.json"))[-1].read_text().splitlines()
    actions = [json.loads(line) for line in log]
    offsets = json.loads(next(a["commitInfo"][OFFSETS_KEY] for a in actions if "commitInfo" in a))
    txns = {a["txn"]["appId"]: a["txn"]["version"] for a in actions if "txn" in a}
    assert any("add" in a for a in actions)
    (key,) = offsets  # one channel: one partition, one application transaction
    name = checkpoint_name(fake_archiver.url)
    assert txns == {f"arrowtap:{name}:{key}": offsets[key]["seq"]}
    assert offsets[key]["offset"] is not None


def test_merge_mode_keeps_one_row_per_key(tmp_path: Path) -> None:
    sink = DeltaSink(str(tmp_path / "t"), mode="merge", key=["key", "i"])
    plan = Plan(ListSource(n=4), PARTS[:1], "test")
    sync(plan, DeltaDestination(sink, plan))
    # A reload from the start (another job's offsets): rows 0..3 come again, and 4, 5.
    again = Plan(ListSource(n=6), PARTS[:1], "reload")
    sync(again, DeltaDestination(sink, again))
    written = read_delta_table(sink.path)
    assert sorted(written["i"].to_pylist()) == list(range(6))


def test_merge_without_a_key_is_refused(tmp_path: Path) -> None:
    plan = Plan(ListSource(n=2), PARTS[:1], "test")
    with pytest.raises(SinkError, match="needs a key"):
        DeltaDestination(DeltaSink(str(tmp_path / "t"), mode="merge"), plan)


def test_a_second_writer_of_the_same_partition_cannot_commit(tmp_path: Path) -> None:
    sink = DeltaSink(str(tmp_path / "t"))
    plan = Plan(ListSource(n=3), PARTS[:1], "test")
    one, two = DeltaDestination(sink, plan), DeltaDestination(sink, plan)
    key = PARTS[0].key
    for writer in (one, two):
        assert writer.load(key) == PartitionState()
        writer.begin(key, 0)
        writer.write(key, 0, pa.record_batch({"key": [key], "i": [0]}))
    one.commit({key: PartitionState(1, 1)})
    with pytest.raises(CheckpointNotActiveError, match="another writer"):
        two.commit({key: PartitionState(1, 1)})
    assert read_delta_table(sink.path).num_rows == 1


def test_concurrent_commits_of_other_partitions_all_land(tmp_path: Path) -> None:
    sink = DeltaSink(str(tmp_path / "t"))
    plans = [Plan(ListSource(n=5), [part], "test") for part in PARTS]
    threads = [threading.Thread(target=sync, args=(p, DeltaDestination(sink, p))) for p in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert read_delta_table(sink.path).num_rows == 5 * len(PARTS)


def test_sink_arguments_are_checked() -> None:
    with pytest.raises(InvalidArgumentError, match="mode"):
        DeltaSink("t", mode="upsert")
    with pytest.raises(InvalidArgumentError, match="path"):
        DeltaSink("")
