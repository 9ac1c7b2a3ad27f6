"""Schema contracts: a source whose columns change between two syncs, into Parquet and Delta."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from arrowtap.checkpoint import open_checkpoint
from arrowtap.errors import InvalidArgumentError, SchemaDriftError
from arrowtap.io.contract import Page, Partition, Plan
from arrowtap.io.delta import DeltaDestination, DeltaSink
from arrowtap.io.drift import settle
from arrowtap.io.sink import ParquetDatasetSink
from arrowtap.io.sync import SyncSummary, sync
from arrowtap.testing.delta import read_delta_table

BEFORE = pa.schema([("id", pa.int64()), ("v", pa.string())])
AFTER = pa.schema([("id", pa.int64()), ("v", pa.string()), ("w", pa.float64())])
RETYPED = pa.schema([("id", pa.int64()), ("v", pa.int64())])


class Rows:
    """Rows ``start..start+3`` under ``schema``; the offset is the last id."""

    def __init__(self, schema: pa.Schema, start: int) -> None:
        self.schema, self.start = schema, start

    def close(self) -> None:
        pass

    def read(self, partition: Partition, offset: object = None) -> Iterator[Page]:
        ids = [i for i in range(self.start, self.start + 3) if offset is None or i > offset]  # type: ignore[operator]
        if not ids:
            return
        columns = {
            "id": ids,
            "v": [str(i) if self.schema.field("v").type == pa.string() else i for i in ids],
        }
        if "w" in self.schema.names:
            columns["w"] = [None if i % 2 else i / 2 for i in ids]
        yield Page(pa.record_batch(columns, schema=self.schema), ids[-1])


def run(tmp_path: Path, schema: pa.Schema, start: int, contract: str, delta: bool) -> SyncSummary:
    plan = Plan(Rows(schema, start), [Partition("p")], "drift")
    if delta:
        return sync(
            plan, DeltaDestination(DeltaSink(str(tmp_path / "t")), plan), schema_contract=contract
        )
    with open_checkpoint(tmp_path / "c.sqlite", "drift") as store:
        return sync(plan, ParquetDatasetSink(tmp_path / "d"), store, schema_contract=contract)


def written(tmp_path: Path, delta: bool) -> pa.Table:
    if delta:
        table = read_delta_table(tmp_path / "t")
    else:  # the files differ in columns: a reader unifies them by name
        files = sorted((tmp_path / "d").rglob("*.parquet"))
        table = pa.concat_tables(
            [pa.parquet.read_table(f) for f in files], promote_options="default"
        )  # type: ignore[attr-defined]
    return table.sort_by("id")


@pytest.mark.parametrize("delta", [False, True], ids=["parquet", "delta"])
def test_evolve_adds_the_new_column_and_reports_it(tmp_path: Path, delta: bool) -> None:
    run(tmp_path, BEFORE, 0, "evolve", delta)
    second = run(tmp_path, AFTER, 3, "evolve", delta)
    assert second.drift == ["new column 'w' (double): added"]
    assert "schema drift: new column 'w'" in str(second)
    table = written(tmp_path, delta)
    assert table["id"].to_pylist() == list(range(6))
    assert table["w"].to_pylist() == [None, None, None, None, 2.0, None]


@pytest.mark.parametrize("delta", [False, True], ids=["parquet", "delta"])
def test_freeze_refuses_before_anything_is_written(tmp_path: Path, delta: bool) -> None:
    run(tmp_path, BEFORE, 0, "freeze", delta)
    with pytest.raises(SchemaDriftError, match="new column 'w' \\(double\\)") as caught:
        run(tmp_path, AFTER, 3, "freeze", delta)
    assert (caught.value.column, caught.value.before, caught.value.after) == ("w", None, "double")
    assert written(tmp_path, delta)["id"].to_pylist() == [0, 1, 2]


@pytest.mark.parametrize("delta", [False, True], ids=["parquet", "delta"])
def test_discard_value_drops_the_new_column(tmp_path: Path, delta: bool) -> None:
    run(tmp_path, BEFORE, 0, "discard_value", delta)
    second = run(tmp_path, AFTER, 3, "discard_value", delta)
    assert second.drift == ["new column 'w' (double): values discarded"]
    table = written(tmp_path, delta)
    assert table.column_names == ["id", "v"]
    assert table["id"].to_pylist() == list(range(6))


@pytest.mark.parametrize("delta", [False, True], ids=["parquet", "delta"])
def test_discard_row_drops_the_rows_holding_a_new_value(tmp_path: Path, delta: bool) -> None:
    run(tmp_path, BEFORE, 0, "discard_row", delta)
    second = run(tmp_path, AFTER, 3, "discard_row", delta)
    assert second.rows == 2  # row 4 has w = 2.0
    assert written(tmp_path, delta)["id"].to_pylist() == [0, 1, 2, 3, 5]


@pytest.mark.parametrize("delta", [False, True], ids=["parquet", "delta"])
def test_a_retyped_column_is_refused_by_evolve(tmp_path: Path, delta: bool) -> None:
    run(tmp_path, BEFORE, 0, "evolve", delta)
    with pytest.raises(SchemaDriftError, match="'v' changed type from string to int64"):
        run(tmp_path, RETYPED, 3, "evolve", delta)
    nulled = run(tmp_path, RETYPED, 3, "discard_value", delta)
    assert nulled.drift == ["column 'v' changed type from string to int64: values discarded"]
    assert written(tmp_path, delta)["v"].to_pylist() == ["0", "1", "2", None, None, None]


def test_an_evolved_parquet_dataset_reads_in_every_engine(tmp_path: Path) -> None:
    run(tmp_path, BEFORE, 0, "evolve", False)
    run(tmp_path, AFTER, 3, "evolve", False)
    directory = tmp_path / "d"
    # Each engine unifies files by column name when told to: no column is dropped.
    by_pyarrow = ds.dataset(directory, schema=AFTER).to_table().sort_by("id")
    unified = pl.Schema({"id": pl.Int64, "v": pl.String, "w": pl.Float64})
    scan = pl.scan_parquet(directory, schema=unified, missing_columns="insert")
    by_polars = scan.collect().sort("id")
    by_duckdb = duckdb.sql(
        f"SELECT * FROM read_parquet('{directory}/**/*.parquet', union_by_name = true) ORDER BY id"
    ).fetchall()
    expected = [None, None, None, None, 2.0, None]
    assert by_pyarrow["w"].to_pylist() == expected
    assert by_polars["w"].to_list() == expected
    assert [row[2] for row in by_duckdb] == expected


def test_settle_casts_what_the_destination_holds_without_loss() -> None:
    held = pa.schema([("id", pa.int64()), ("x", pa.float64())])
    narrow = pa.schema([("id", pa.int32()), ("x", pa.float32())])
    settled = settle(held, narrow, "freeze")
    assert settled.drift == ()
    batch = pa.record_batch({"id": pa.array([1], pa.int32()), "x": pa.array([0.5], pa.float32())})
    assert settled.convert(batch).schema == held


def test_a_column_gone_at_the_source_is_written_as_nulls(tmp_path: Path) -> None:
    run(tmp_path, AFTER, 0, "freeze", False)
    second = run(tmp_path, BEFORE, 3, "freeze", False)
    assert second.drift == ["column 'w' (double) is gone at the source: written as nulls"]
    assert written(tmp_path, False)["w"].to_pylist()[3:] == [None, None, None]


def test_an_unknown_contract_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="schema_contract"):
        run(tmp_path, BEFORE, 0, "strict", False)
