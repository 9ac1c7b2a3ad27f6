"""Pages written as Delta data files before their commit: what readers see, and the statistics."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as fs
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

from arrowtap.errors import SinkError
from arrowtap.io.contract import Partition, Plan
from arrowtap.io.delta import DeltaDestination, DeltaSink
from arrowtap.io.delta_files import DataFiles, file_stats, writes_files
from arrowtap.io.offsets import PartitionState

from .listsource import ListSource
from .test_delta import rows

AWKWARD = ["plain", "a:b/c d%é", "123", "-_.~!*'()", "é" * 40, None]


def committed(path: Path, data: pa.Table, partition_by: str | None) -> DeltaTable:
    """A table of ``data`` written by :class:`DataFiles` and committed by its actions."""
    table = DeltaTable.create(str(path), data.schema, partition_by=partition_by)
    actions = DataFiles(fs.LocalFileSystem(), str(path), partition_by).write(data)
    table.create_write_transaction(actions, mode="append", schema=table.schema(),
                                   partition_by=partition_by)  # fmt: skip
    return DeltaTable(str(path))


def test_every_reader_sees_the_rows_as_write_deltalake_writes_them(tmp_path: Path) -> None:
    n = len(AWKWARD) * 3
    data = pa.table(
        {
            "channel": AWKWARD * 3,
            "i": pa.array(range(n), pa.int64()),
            "t": pa.array([1_700_000_000_000_001 + k for k in range(n)], pa.timestamp("us", "UTC")),
            "s": [None if k % 4 == 0 else f"v{k}" for k in range(n)],
        }
    )
    ours = committed(tmp_path / "ours", data, "channel")
    assert len(ours.file_uris()) == len(AWKWARD)
    expected = rows(data, ["i"])
    assert rows(ours.to_pyarrow_table(), ["i"]) == expected
    assert rows(pl.read_delta(str(tmp_path / "ours")).to_arrow(), ["i"]) == expected
    write_deltalake(str(tmp_path / "theirs"), data, partition_by=["channel"])
    assert rows(DeltaTable(str(tmp_path / "theirs")).to_pyarrow_table(), ["i"]) == expected
    with pytest.raises(SinkError, match="longer than 255 bytes"):
        committed(tmp_path / "long", pa.table({"channel": ["é" * 50], "i": [1]}), "channel")
    plain = committed(tmp_path / "flat", data, None)
    assert rows(plain.to_pyarrow_table(), ["i"]) == rows(data, ["i"])


def test_statistics_follow_the_delta_protocol() -> None:
    data = pa.table(
        {
            "i8": pa.array([3, None, -2], pa.int8()),
            "f": [1.5, float("nan"), -0.5],
            "inf": [1.0, float("inf"), 0.0],
            "nan": [float("nan")] * 3,
            "b": [True, None, True],
            "d": pa.array([dt.date(2024, 1, 2), dt.date(1999, 12, 31), None]),
            "dec": pa.array([Decimal(2**64 - 1), Decimal(0), None], pa.decimal128(20, 0)),
            "cents": pa.array([Decimal("1.25"), None, None], pa.decimal128(10, 2)),
            "short": ["b", "a", None],
            "long": ["a" * 33, "b", "c"],
            "t": pa.array([1_500_001, 2_999_999, None], pa.timestamp("us", "UTC")),
            "ns": pa.array([1, 1_000_001, 999_999_999], pa.timestamp("ns", "UTC")),
            "local": pa.array([1, 2, 3], pa.timestamp("us")),
            "nulls": pa.array([None] * 3, pa.int64()),
            "list": [[1], None, [2, 3]],
            "struct": [{"a": 1, "b": [2]}, None, {"a": None, "b": None}],
            "after": [5, None, 7],
            "bin": [b"a", b"b", None],
        }
    )
    found: list[pq.FileMetaData] = []
    pq.write_table(data, pa.BufferOutputStream(), metadata_collector=found, row_group_size=2)
    stats = json.loads(file_stats(data.schema, found[0]))
    assert stats["numRecords"] == 3
    assert stats["minValues"] == {
        "i8": -2, "f": -0.5, "b": True, "d": "1999-12-31", "dec": 0, "short": "a",
        "t": "1970-01-01T00:00:01.500Z", "ns": "1970-01-01T00:00:00.000Z", "after": 5,
    }  # fmt: skip
    assert stats["maxValues"] == {
        "i8": 3, "f": 1.5, "b": True, "d": "2024-01-02", "dec": 18446744073709551615,
        "short": "b", "t": "1970-01-01T00:00:03.000Z", "ns": "1970-01-01T00:00:01.000Z",
        "after": 7,
    }  # fmt: skip
    assert stats["nullCount"] == {
        "i8": 1, "f": 0, "inf": 0, "nan": 0, "b": 1, "d": 1, "dec": 1, "cents": 2,
        "short": 1, "long": 0, "t": 1, "ns": 0, "local": 0, "nulls": 3, "after": 1, "bin": 1,
    }  # fmt: skip


def test_no_filter_on_a_bound_loses_a_row(tmp_path: Path) -> None:
    micros = [1_500_001, 2_999_999, 7_000_123]
    data = pa.table(
        {
            "k": ["a", "a", "b"],
            "t": pa.array(micros, pa.timestamp("us", "UTC")),
            "v": [0.25, 9.75, 4.0],
        }
    )
    table = committed(tmp_path / "t", data, "k")
    for name in ("t", "v"):
        for value in data[name].to_pylist():
            for op in ("<=", ">=", "=="):
                mask = {"<=": pc.less_equal, ">=": pc.greater_equal, "==": pc.equal}[op]
                expected = data.filter(mask(data[name], pa.scalar(value, data[name].type)))
                got = table.to_pyarrow_table(filters=[(name, op if op != "==" else "=", value)])
                assert rows(got, ["t"]) == rows(expected, ["t"]), (name, op, value)
                column = pl.col(name)
                test = {"<=": column <= value, ">=": column >= value, "==": column == value}[op]
                frame = pl.scan_delta(str(tmp_path / "t")).filter(test)
                assert frame.collect().height == expected.num_rows, (name, op, value)


def test_a_partition_column_of_another_type_goes_through_write_deltalake(tmp_path: Path) -> None:
    schema = pa.schema([("key", pa.float64()), ("i", pa.int64())])
    assert not writes_files(schema, "key")
    assert writes_files(schema, None)
    assert writes_files(schema, "i")
    sink = DeltaSink(str(tmp_path / "t"), partition_by="key")
    writer = DeltaDestination(sink, Plan(ListSource(n=1), [Partition("a")], "test"))
    writer.load("a")
    writer.write("a", 0, pa.record_batch({"key": ["a"], "i": [0]}))
    writer.commit({"a": PartitionState(0, 1)})
    assert DeltaTable(sink.path).to_pyarrow_table()["i"].to_pylist() == [0]


def test_files_no_commit_records_are_seen_by_no_reader(tmp_path: Path) -> None:
    sink = DeltaSink(str(tmp_path / "t"))
    plan = Plan(ListSource(n=3), [Partition("a")], "test")
    writer = DeltaDestination(sink, plan)
    writer.load("a")
    writer.write("a", 0, pa.record_batch({"key": ["a"], "i": [0]}))
    writer.commit({"a": PartitionState(0, 1)})
    writer.write("a", 1, pa.record_batch({"key": ["a"], "i": [1]}))  # written, never committed
    assert len(list((tmp_path / "t").glob("*.parquet"))) == 2
    assert DeltaTable(sink.path).to_pyarrow_table()["i"].to_pylist() == [0]
    again = DeltaDestination(sink, plan)
    assert again.load("a") == PartitionState(0, 1, again.load("a").at)


@pytest.mark.parametrize("partition_by", [None, "key"])
def test_a_new_column_joins_the_table_with_its_first_commit(
    tmp_path: Path, partition_by: str | None
) -> None:
    sink = DeltaSink(str(tmp_path / "t"), partition_by=partition_by)
    writer = DeltaDestination(sink, Plan(ListSource(n=1), [Partition("a")], "test"))
    writer.load("a")
    writer.write("a", 0, pa.record_batch({"key": ["a"], "i": [0]}))
    writer.commit({"a": PartitionState(0, 1)})
    wider = pa.schema([("key", pa.string()), ("i", pa.int64()), ("x", pa.string())])
    writer.adopt(wider)
    writer.write("a", 1, pa.record_batch({"key": ["a"], "i": [1], "x": ["new"]}, wider))
    writer.commit({"a": PartitionState(1, 2)})
    read = DeltaTable(sink.path).to_pyarrow_table().sort_by("i")
    assert read.column("x").to_pylist() == [None, "new"]
