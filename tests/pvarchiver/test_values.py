"""The ``value`` column of archive samples and ``pivot_samples``: frames a plot can use."""

from __future__ import annotations

import math
from pathlib import Path

import dask.dataframe as dd
import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import arrowtap
import arrowtap.dask
from arrowtap.connectors.pvarchiver.values import scalar_value
from arrowtap.errors import InvalidArgumentError, InvalidTypeError
from arrowtap.testing.pvarchiver import FakeArchiver

from .conftest import dataset
from .reference import reference_value

START, END = "2000-01-01T00:00Z", "2100-01-01T00:00Z"
DOUBLES, LONGS = pa.list_(pa.float64()), pa.list_(pa.int64())


def lists(doubles: list[object], longs: list[object]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(
        {"value_double": pa.array(doubles, DOUBLES), "value_long": pa.array(longs, LONGS)}
    )


def test_one_element_gives_the_value_anything_else_null() -> None:
    batch = lists(
        [[1.5], [math.nan], [], [2.0, 3.0], None, None, None, [-0.0]],
        [None, None, None, None, [7], [2**62 + 1], [1, 2], None],
    )
    got = scalar_value(batch).to_pylist()
    assert got[0] == 1.5
    assert math.isnan(got[1])  # a NaN the server sent stays NaN
    assert got[2:4] == [None, None]  # empty, waveform
    assert got[4:7] == [7.0, float(2**62 + 1), None]
    assert math.copysign(1.0, got[7]) == -1.0


def test_slices_null_slots_and_null_elements() -> None:
    # A null list may span elements (Arrow allows it), a slice starts mid-buffer, and a
    # null element is no value.
    offsets = pa.array([0, 1, 2, 3, 4], pa.int32())
    values = pa.array([9.0, 1.0, None, 4.0])
    mask = pa.array([True, False, False, False])
    doubles = pa.ListArray.from_arrays(offsets, values, mask=mask)
    batch = pa.RecordBatch.from_arrays(
        [doubles, pa.nulls(4, LONGS)], ["value_double", "value_long"]
    )
    assert scalar_value(batch).to_pylist() == [None, 1.0, None, 4.0]
    assert scalar_value(batch.slice(1, 2)).to_pylist() == [1.0, None]
    assert scalar_value(lists([], [])).to_pylist() == []


def test_every_kind_read_has_the_value_its_lists_define(fake_archiver: FakeArchiver) -> None:
    names = ["root:ai1", "beam energy", "détecteur:état", "wave:double", "msg:text"]
    table = arrowtap.scan_archive_samples(fake_archiver.url, names, START, END).read_all()
    assert table.schema.field("value").type == pa.float64()
    assert table.schema.names.index("value") == table.schema.names.index("type") + 1
    rows = table.to_pylist()
    assert [row["value"] for row in rows] == [reference_value(row) for row in rows]
    by_type: dict[str, set[bool]] = {}
    for row in rows:
        by_type.setdefault(row["type"], set()).add(row["value"] is not None)
    # Scalars have one; waveforms (wave:double), enums and strings none.
    assert by_type == {"double": {True, False}, "long": {True}, "enum": {False}, "string": {False}}
    decimated = arrowtap.read_archive_samples(fake_archiver.url, ["root:ai1"], START, END, 40)
    means = decimated[decimated["type"] == "minMaxDouble"]
    assert len(means) > 0
    assert means["value"].tolist() == means["value_double"].list[0].tolist()


def test_a_long_channel_averages_in_duckdb(fake_archiver: FakeArchiver) -> None:
    # The example: avg(value_double[1]) is null for long channels.
    df = arrowtap.read_archive_samples(fake_archiver.url, ["beam energy"], START, END)
    [(mean,)] = duckdb.sql("SELECT avg(value) AS mean FROM df").fetchall()
    expected = df["value_long"].list[0].astype("float64").mean()
    assert mean is not None
    assert mean == pytest.approx(expected)


def test_the_value_reaches_parquet_syncs_and_dask(
    fake_archiver: FakeArchiver, tmp_path: Path
) -> None:
    names = ["root:ai1", "beam energy", "wave:long"]
    frame = arrowtap.read_archive_samples(fake_archiver.url, names, START, END)
    assert frame["value"].dtype == pd.ArrowDtype(pa.float64())
    arrowtap.sync_archive_samples(fake_archiver.url, names, START, END, to=tmp_path / "ds")
    synced = dataset(tmp_path / "ds")
    assert synced.schema.field("value").type == pa.float64()
    pd.testing.assert_series_equal(
        synced.to_pandas(types_mapper=pd.ArrowDtype)["value"].sort_values(ignore_index=True),
        frame["value"].sort_values(ignore_index=True),
    )
    ddf = arrowtap.dask.read_archive_samples(fake_archiver.url, names, START, END, npartitions=3)
    assert ddf["value"].dtype == frame["value"].dtype
    assert ddf["value"].sum().compute() == pytest.approx(frame["value"].sum())


def samples(rows: list[tuple[str, int, float | None]]) -> pd.DataFrame:
    channel, ns, value = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "channel": pd.array(channel, dtype="string[pyarrow]"),
            "time": pd.to_datetime(list(ns), unit="ns", utc=True),
            "value": pd.array(value, dtype=pd.ArrowDtype(pa.float64())),
        }
    )


def test_pivot_one_column_per_channel_last_duplicate_wins() -> None:
    df = samples([("b", 2, 20.0), ("a", 1, 1.0), ("a", 2, 2.0), ("a", 2, 2.5), ("b", 3, None)])
    wide = arrowtap.pivot_samples(df)
    assert list(wide.columns) == ["a", "b"]
    assert wide.index.tolist() == list(pd.to_datetime([1, 2, 3], unit="ns", utc=True))
    assert wide["a"].tolist()[:2] == [1.0, 2.5]  # the later of the two at time 2
    assert wide["a"].isna().tolist() == [False, False, True]
    assert wide["b"].isna().tolist() == [True, False, True]  # a null value stays null


def test_pivot_of_a_dask_read_and_of_another_column(fake_archiver: FakeArchiver) -> None:
    names = ["root:ai1", "ring/current"]
    ddf = arrowtap.dask.read_archive_samples(fake_archiver.url, names, START, END, npartitions=2)
    computed = ddf.compute()  # time is its index
    plain = arrowtap.read_archive_samples(fake_archiver.url, names, START, END)
    pd.testing.assert_frame_equal(arrowtap.pivot_samples(computed), arrowtap.pivot_samples(plain))
    decimated = arrowtap.read_archive_samples(fake_archiver.url, names, START, END, 30)
    highs = arrowtap.pivot_samples(decimated, values="maximum")
    assert np.nanmax(highs.to_numpy(dtype=float, na_value=np.nan)) == decimated["maximum"].max()


def test_pivot_refuses_what_it_cannot_spread() -> None:
    with pytest.raises(InvalidTypeError, match="samples must be a pandas DataFrame"):
        arrowtap.pivot_samples(dd.from_pandas(samples([("a", 1, 1.0)]), npartitions=1))
    with pytest.raises(InvalidArgumentError, match=r"no column 'value' \(the columns are"):
        arrowtap.pivot_samples(samples([("a", 1, 1.0)]).drop(columns=["value"]))
    with pytest.raises(InvalidArgumentError, match="no column 'nope'"):
        arrowtap.pivot_samples(samples([("a", 1, 1.0)]), values="nope")
