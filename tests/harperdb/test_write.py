"""Writes against a real HarperDB server: inputs, creation, faithful values, refusals, counts."""

from __future__ import annotations

import decimal
import json
from collections.abc import Iterator
from typing import Any

import dask.dataframe as dd
import httpx
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import arrowtap as hdb
from arrowtap.errors import InvalidArgumentError, NotFoundError
from arrowtap.testing.harperdb import HarperDBServer

from .conftest import unique


class Recorder:
    """An httpx client that remembers the operations it sent."""

    def __init__(self) -> None:
        self.operations: list[str] = []
        self.client = httpx.Client(event_hooks={"request": [self.record]})

    def record(self, request: httpx.Request) -> None:
        self.operations.append(json.loads(request.content)["operation"])


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    yield rec
    rec.client.close()


def rows(server: HarperDBServer, database: str, table: str) -> list[dict[str, Any]]:
    body = {"operation": "search_by_value", "database": database, "table": table}
    body |= {"search_attribute": "id", "search_value": "*", "get_attributes": ["*"]}
    found: list[dict[str, Any]] = server.operation(body)
    return sorted(found, key=lambda r: str(r["id"]))


def test_frame_round_trips_through_a_created_typed_table(
    harperdb_server: HarperDBServer, database: str, creds: dict[str, Any]
) -> None:
    table = unique("w")
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "qty": pd.array([1, None, 3], dtype="Int64"),
            "price": [1.5, np.nan, 2.25],
            "name": pd.array(["x", "y", None], dtype="string"),
            "ok": [True, False, True],
            "when": pd.to_datetime(["2024-01-02T03:04:05.678Z", None, "2024-03-01T00:00:00.000Z"]),
            "tags": [["p"], [], None],
        }
    )
    summary = hdb.write_harperdb(frame, harperdb_server.url, database, table, typed=True, **creds)
    assert (summary.rows, summary.batches, summary.created) == (3, 1, True)
    back = hdb.read_harperdb(harperdb_server.url, database, table, **creds).sort_values("id")
    assert back["qty"].tolist()[::2] == [1, 3]
    assert pd.isna(back["qty"].iloc[1])
    assert str(back["qty"].dtype) == "Int64"
    assert back["price"].tolist()[::2] == [1.5, 2.25]
    assert pd.isna(back["price"].iloc[1])  # NaN went as null
    assert back["ok"].tolist() == [True, False, True]
    assert back["when"].iloc[0] == pd.Timestamp("2024-01-02T03:04:05.678Z")
    assert pa.array(back["tags"]).to_pylist() == [["p"], [], None]
    assert str(back["__updatedtime__"].dtype) == "datetime64[ns, UTC]"


def test_every_input_kind_is_written_in_batches(
    harperdb_server: HarperDBServer, database: str, creds: dict[str, Any]
) -> None:
    table = unique("w")
    data = pa.table({"id": list(range(10)), "v": [float(i) for i in range(10)]})
    url = harperdb_server.url
    inputs: list[Any] = [
        data,
        data.to_batches()[0],
        pa.RecordBatchReader.from_batches(data.schema, data.to_batches(max_chunksize=3)),
        data.to_pandas(),
        dd.from_pandas(data.to_pandas(), npartitions=3),
        {"id": list(range(10)), "v": [float(i) for i in range(10)]},
    ]
    for n, value in enumerate(inputs):
        summary = hdb.write_harperdb(value, url, database, table, batch_size=4, **creds)
        assert (summary.rows, summary.batches) == (10, 3), type(value)
        assert summary.created == (n == 0)
    assert [r["v"] for r in rows(harperdb_server, database, table)] == list(range(10))


def test_values_travel_faithfully(
    harperdb_server: HarperDBServer, database: str, make_table: Any, creds: dict[str, Any]
) -> None:
    table = make_table()  # dynamic: values are stored as sent
    data = pa.table(
        {
            "id": ["r"],
            "t": pa.array([1_704_067_200_123_456_789], pa.timestamp("ns", tz="Europe/Paris")),
            "d": pa.array([decimal.Decimal("12.345678901234")], pa.decimal128(20, 12)),
            "day": pa.array([19_723], pa.date32()),
            "nested": pa.array([{"a": [1, 2], "b": "x"}]),
            "doc": pa.array(['{"k": [1, "two", null]}'], pa.json_()),
            "cat": pa.array(["red"]).dictionary_encode(),
            "none": pa.array([None], pa.int64()),
        }
    )
    hdb.write_harperdb(data, harperdb_server.url, database, table, **creds)
    (row,) = rows(harperdb_server, database, table)
    assert row["t"] == "2024-01-01T00:00:00.123456789Z"
    assert row["d"] == 12.345678901234
    assert row["day"] == "2024-01-01"
    assert row["nested"] == {"a": [1, 2], "b": "x"}
    assert row["doc"] == {"k": [1, "two", None]}  # JSON text goes as its value
    assert row["cat"] == "red"
    assert row["none"] is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (pa.table({"key": ["a"]}), "no primary key column 'id'"),
        (pa.table({"id": ["a", None]}), "null in row 1"),
        (pa.table({"id": [1.0, float("nan")]}), "null in row 1"),
        (pa.table({"id": ["a"], "t": pa.array([0], pa.timestamp("s"))}), "naive"),
        (pa.table({"id": ["a", "b"], "x": [1.0, float("inf")]}), "infinity"),
        (pa.table({"id": ["a"], "n": [2**53 + 1]}), "2\\*\\*53"),
        (pa.table({"id": ["a"], "b": [b"\x00"]}), "binary"),
        (pa.table({"id": [[1]]}), "strings or numbers"),
    ],
)
def test_bad_input_is_refused_before_any_request(
    harperdb_server: HarperDBServer,
    database: str,
    creds: dict[str, Any],
    recorder: Recorder,
    data: pa.Table,
    message: str,
) -> None:
    table = unique("w")
    with pytest.raises(InvalidArgumentError, match=message):
        hdb.write_harperdb(
            data, harperdb_server.url, database, table, client=recorder.client, **creds
        )
    assert recorder.operations == []
    with pytest.raises(NotFoundError):
        hdb.read_harperdb(harperdb_server.url, database, table, **creds)


def test_a_refusal_midway_says_what_was_written(
    harperdb_server: HarperDBServer, database: str, make_table: Any, creds: dict[str, Any]
) -> None:
    table = make_table(attributes=[{"name": "id", "type": "Int"}, {"name": "qty", "type": "Int"}])
    qty = [1.0, 2.0, 3.0, 4.0, 4.5, 6.0]  # 4.5 is no Int: the server refuses batch 3
    frame = pd.DataFrame({"id": range(6), "qty": qty})
    with pytest.raises(hdb.HarperDBWriteError, match="must be an integer") as info:
        hdb.write_harperdb(frame, harperdb_server.url, database, table, batch_size=2, **creds)
    assert (info.value.batches_written, info.value.rows_written) == (2, 4)
    assert "2 batches (4 rows) were written before it" in str(info.value)
    assert [r["id"] for r in rows(harperdb_server, database, table)] == [0, 1, 2, 3]


def test_a_bad_batch_of_a_stream_says_what_was_written(
    harperdb_server: HarperDBServer, database: str, make_table: Any, creds: dict[str, Any]
) -> None:
    table = make_table()
    good = pa.record_batch({"id": ["a", "b"]})
    bad = pa.record_batch({"id": ["c", None]})
    stream = pa.RecordBatchReader.from_batches(good.schema, [good, bad])
    with pytest.raises(InvalidArgumentError, match=r"1 batches \(2 rows\) were written"):
        hdb.write_harperdb(stream, harperdb_server.url, database, table, batch_size=2, **creds)
    assert [r["id"] for r in rows(harperdb_server, database, table)] == ["a", "b"]


def test_writing_twice_gives_the_same_table(
    harperdb_server: HarperDBServer, database: str, make_table: Any, creds: dict[str, Any]
) -> None:
    table = make_table()
    data = pa.table({"id": ["a", "b"], "v": [1, 2]})
    for _ in range(2):
        hdb.write_harperdb(data, harperdb_server.url, database, table, **creds)
    found = rows(harperdb_server, database, table)
    assert [(r["id"], r["v"]) for r in found] == [("a", 1), ("b", 2)]


def test_existing_table_and_create_false(
    harperdb_server: HarperDBServer, database: str, make_table: Any, creds: dict[str, Any]
) -> None:
    table = make_table()
    data = pa.table({"key": ["a"]})
    with pytest.raises(InvalidArgumentError, match="its primary key is 'id'"):
        hdb.write_harperdb(data, harperdb_server.url, database, table, primary_key="key", **creds)
    with pytest.raises(NotFoundError):
        hdb.write_harperdb(
            data,
            harperdb_server.url,
            database,
            unique("w"),
            primary_key="key",
            create=False,
            **creds,
        )
    with pytest.raises(InvalidArgumentError, match="must be a pandas"):
        hdb.write_harperdb([1, 2], harperdb_server.url, database, table, **creds)
