"""What ``write_kinetica`` takes: any Arrow stream (Polars, DuckDB), and a pandas index as data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dask.dataframe as dd
import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from arrowtap import read_kinetica, write_kinetica
from arrowtap.errors import InvalidArgumentError, InvalidTypeError
from arrowtap.testing.kinetica import FakeKinetica


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeKinetica]:
    with FakeKinetica() as server:
        yield server


def names(fake: FakeKinetica, table: str) -> list[str]:
    return [column.name for column in fake.table(table).ktype.columns]


def test_a_polars_frame_is_written_through_its_arrow_stream(fake: FakeKinetica) -> None:
    frame = pl.DataFrame({"id": [1, 2, 3], "sym": ["AB", None, "CD"], "x": [0.5, None, 2.0]})
    summary = write_kinetica(frame, fake.url, "from_polars", primary_key=["id"])
    assert summary.inserted == 3
    back = read_kinetica(fake.url, "from_polars").sort_values("id", ignore_index=True)
    assert back["sym"].tolist()[::2] == ["AB", "CD"]
    assert back["sym"].isna().tolist() == [False, True, False]
    assert back["x"].isna().tolist() == [False, True, False]
    assert fake.rows("from_polars")[0] == {"id": 1, "sym": "AB", "x": 0.5}


def test_a_duckdb_relation_is_written(fake: FakeKinetica) -> None:
    relation = duckdb.sql("SELECT i AS id, CAST(i * 1.5 AS DOUBLE) AS x FROM range(5) t(i)")
    summary = write_kinetica(relation, fake.url, "from_duckdb")
    assert summary.inserted == 5
    assert sorted(row["x"] for row in fake.rows("from_duckdb")) == [0.0, 1.5, 3.0, 4.5, 6.0]


def test_a_named_index_is_written_as_its_column(fake: FakeKinetica) -> None:
    frame = pd.DataFrame({"x": [0.5, 1.5]}, index=pd.Index([10, 20], name="id"))
    write_kinetica(frame, fake.url, "indexed", primary_key=["id"])
    assert names(fake, "indexed") == ["id", "x"]
    assert fake.rows("indexed") == [{"id": 10, "x": 0.5}, {"id": 20, "x": 1.5}]


@pytest.mark.parametrize(
    ("index", "frame_index", "expected"),
    [
        (None, pd.RangeIndex(2), ["x"]),  # pandas' row numbers, as to_parquet
        (None, pd.Index([7, 9]), ["index", "x"]),  # data: a filtered frame's labels
        (None, pd.RangeIndex(2, name="row"), ["row", "x"]),
        (True, pd.RangeIndex(2), ["index", "x"]),
        (False, pd.Index([7, 9], name="id"), ["x"]),
        (None, pd.MultiIndex.from_tuples([(1, "a"), (2, "b")]), ["level_0", "level_1", "x"]),
    ],
)
def test_which_index_is_written(
    fake: FakeKinetica, index: bool | None, frame_index: pd.Index, expected: list[str]
) -> None:
    table = f"ix_{abs(hash((index, repr(frame_index)))) % 10**9}"
    frame = pd.DataFrame({"x": [0.5, 1.5]}, index=frame_index)
    write_kinetica(frame, fake.url, table, index=index)
    assert names(fake, table) == expected
    rows = fake.rows(table)
    assert [row["x"] for row in rows] == [0.5, 1.5]
    if expected[0] != "x":
        assert [row[expected[0]] for row in rows] == list(frame_index.get_level_values(0))


def test_a_dask_frame_writes_its_index_in_every_partition(fake: FakeKinetica) -> None:
    times = pd.date_range("2024-05-01", periods=6, freq="h", tz="UTC", name="time")
    frame = pd.DataFrame({"x": [float(i) for i in range(6)]}, index=times)
    write_kinetica(dd.from_pandas(frame, npartitions=3), fake.url, "dask_indexed")
    assert names(fake, "dask_indexed") == ["time", "x"]
    back = read_kinetica(fake.url, "dask_indexed").sort_values("time", ignore_index=True)
    assert back["time"].tolist() == list(times)
    assert back["x"].tolist() == frame["x"].tolist()


@pytest.mark.parametrize(
    ("data", "kwargs", "error", "match"),
    [
        ([1, 2], {}, InvalidTypeError, "data must be a pandas or Dask DataFrame, .*, not list"),
        (pd.DataFrame({"x": [1]}), {"index": "yes"}, InvalidTypeError, "index must be True"),
        (
            pd.DataFrame({"id": [1]}, index=pd.Index([5], name="id")),
            {},
            InvalidArgumentError,
            "index would be written as column 'id', which the frame has already",
        ),
        (
            pa.table({"x": [1]}),
            {"index": True},
            InvalidArgumentError,
            "index=True, but Table data has no index",
        ),
    ],
)
def test_wrong_input_is_a_typed_error_before_any_request(
    fake: FakeKinetica, data: Any, kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        write_kinetica(data, fake.url, "never_created", **kwargs)
    assert fake.store.find_table("never_created") is None
