"""Offline: times, the declared layout, page decoding, record encoding, re-batching."""

from __future__ import annotations

import copy
import decimal
import json
import pickle
from fractions import Fraction
from typing import Any

import httpx
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrowtap.connectors.harperdb.table_source import HarperDBTableSource
from arrowtap.connectors.harperdb.wire.canned import canned_client, canned_table
from arrowtap.connectors.harperdb.wire.decode import records_batch
from arrowtap.connectors.harperdb.wire.encode import (
    check_table,
    encode_records,
    harperdb_attributes,
)
from arrowtap.connectors.harperdb.wire.layout import table_layout
from arrowtap.connectors.harperdb.wire.times import ms_to_ns, ms_to_ns_array, next_after
from arrowtap.connectors.harperdb.wire.writer import rebatch
from arrowtap.errors import DecodeError, InvalidArgumentError

DYNAMIC = {
    "hash_attribute": "id",
    "schema_defined": False,
    "attributes": [
        {"attribute": "id", "is_primary_key": True},
        {"attribute": "__createdtime__", "indexed": True},
        {"attribute": "__updatedtime__", "indexed": True},
        {"attribute": "v", "indexed": True},
    ],
}
TYPED = {
    "hash_attribute": "id",
    "schema_defined": True,
    "attributes": [
        {"attribute": "id", "type": "ID", "is_primary_key": True},
        {"attribute": "qty", "type": "Int"},
        {"attribute": "when", "type": "Date"},
        {"attribute": "blob", "type": "Bytes"},
        {"attribute": "big", "type": "BigInt"},
        {"attribute": "tags", "type": "array", "elements": "Float"},
        {"attribute": "shape", "type": "Point"},
        {"attribute": "changed", "type": "Date", "indexed": True, "assigned_updated_time": True},
    ],
}


@given(st.floats(min_value=0, max_value=4e12, allow_nan=False))
def test_ms_to_ns_is_the_exact_value_rounded(ms: float) -> None:
    exact = Fraction(ms) * 1_000_000
    assert abs(Fraction(ms_to_ns(ms)) - exact) <= Fraction(1, 2)
    assert ms_to_ns_array(pa.array([ms])).to_pylist() == [ms_to_ns(ms)]
    assert next_after(ms) > ms
    assert json.loads(json.dumps(ms)) == ms  # offsets survive JSON exactly


def test_layout_types_and_cursor() -> None:
    layout = table_layout(TYPED, "db", "t")
    types = dict(zip(layout.schema.names, map(str, layout.schema.types), strict=True))
    assert types == {
        "id": "string",
        "qty": "int32",
        "when": "timestamp[ms, tz=UTC]",
        "blob": "binary",
        "big": "decimal128(38, 0)",
        "tags": "list<item: double>",
        "shape": "extension<arrow.json>",
        "changed": "timestamp[ms, tz=UTC]",
    }
    assert (layout.cursor, layout.cursor_wire, layout.lowest_key) == ("changed", "iso", "")
    # A schema's columns come first; an attribute it does not name is not dropped.
    whole = table_layout(DYNAMIC, "db", "t", schema=pa.schema([("v", pa.string())]))
    assert whole.schema.names[0] == "v"
    assert set(whole.schema.names) == {a["attribute"] for a in DYNAMIC["attributes"]}
    assert whole.schema.field("v").type == pa.string()
    only = table_layout(DYNAMIC, "db", "t", columns=["v"], schema=pa.schema([("v", pa.string())]))
    assert only.schema.names == ["v"]
    assert only.fetched == ["v", "id", "__updatedtime__"]
    with pytest.raises(InvalidArgumentError, match="no attribute 'nope'"):
        table_layout(DYNAMIC, "db", "t", columns=["id", "nope"])
    with pytest.raises(InvalidArgumentError, match="pyarrow type"):
        table_layout(DYNAMIC, "db", "t", schema={"v": "float"})
    with pytest.raises(DecodeError):
        table_layout({"attributes": "x"}, "db", "t")


def test_decode_typed_page() -> None:
    layout = table_layout(TYPED, "db", "t")
    records = [
        {
            "id": "a",
            "qty": 3,
            "when": "2024-01-02T03:04:05.678Z",
            "blob": {"type": "Buffer", "data": [104, 105]},
            "big": 12345678901234567168,
            "tags": [1.5, None],
            "shape": {"x": 1},
            "changed": "2026-01-01T00:00:00.001Z",
        },
        {"id": "b", "shape": None, "extra": "ignored"},
    ]
    batch, last = records_batch(json.dumps(records).encode(), layout, "test")
    first, second = batch.to_pylist()
    assert first["blob"] == b"hi"
    assert first["big"] == decimal.Decimal(12345678901234567168)
    assert first["tags"] == [1.5, None]
    assert json.loads(first["shape"]) == {"x": 1}
    assert str(first["when"]) == "2024-01-02 03:04:05.678000+00:00"
    assert second == dict.fromkeys(batch.schema.names) | {"id": "b"}
    assert last == records[1]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"error": "x"}', "array of records"),
        (b"[1, 2]", "array of records"),
        (b"[{", "not JSON"),
        (b'[{"id": "a", "qty": "three"}]', "column 'qty'"),
        (b'[{"id": "a", "when": "yesterday"}]', "column 'when'"),
    ],
)
def test_decode_errors_name_the_column(body: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        records_batch(body, table_layout(TYPED, "db", "t"), "test")


def encoded(data: dict[str, Any]) -> list[dict[str, Any]]:
    batch = pa.record_batch(data)
    found: list[dict[str, Any]] = json.loads(bytes(encode_records(batch, "db.t")))
    return found


def test_encode_values() -> None:
    ts = pa.array([1_700_000_000_123_456_789, None], pa.timestamp("ns", tz="America/New_York"))
    records = encoded(
        {
            "id": ["a", "b"],
            "t": ts,
            "x": [1.5, float("nan")],
            "j": pa.array(['{"k":[1]}', None], pa.json_()),
            "__updatedtime__": [1.0, 2.0],
            "s": pa.array([{"t": 1}, None]),
        }
    )
    assert records == [
        {
            "id": "a",
            "t": "2023-11-14T22:13:20.123456789Z",
            "x": 1.5,
            "j": {"k": [1]},
            "s": {"t": 1},
        },
        {"id": "b", "t": None, "x": None, "j": None, "s": None},
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"id": [1, 2, 1], "a": [2**53, -(2**53), -(2**53) - 1]}, r"beyond \+/-2\*\*53"),
        ({"id": [1], "d": pa.array([1], pa.duration("s"))}, "duration"),
        ({"id": [1], "id2": [1]} | {"id": pa.array([True])}, "strings or numbers"),
    ],
)
def test_check_refuses(data: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        check_table(pa.table(data), "id", "db.t")


def test_typed_attributes_and_rebatch() -> None:
    schema = pa.schema(
        [
            ("id", pa.int64()),
            ("small", pa.int16()),
            ("when", pa.timestamp("us", tz="UTC")),
            ("cat", pa.dictionary(pa.int8(), pa.string())),
            ("nested", pa.list_(pa.list_(pa.int8()))),
            ("__createdtime__", pa.float64()),
        ]
    )
    attributes = harperdb_attributes(schema, "id")
    assert [(a["name"], a["type"]) for a in attributes] == [
        ("id", "Long"),
        ("small", "Int"),
        ("when", "Date"),
        ("cat", "String"),
        ("nested", "Any"),
        ("__createdtime__", "Float"),
        ("__updatedtime__", "Float"),
    ]
    parts = [pa.record_batch({"a": pa.array(range(n), pa.int64())}) for n in (0, 7, 2, 9)]
    sizes = [b.num_rows for b in rebatch(parts, 4)]
    assert sizes == [4, 4, 4, 4, 2]
    values = [v for b in rebatch(parts, 4) for v in b["a"].to_pylist()]
    assert values == [*range(7), *range(2), *range(9)]


def test_source_travels_without_its_client() -> None:
    mine = httpx.Client()
    source = HarperDBTableSource(
        "http://admin:pw@127.0.0.1:9", "db", "t", page_size=5, client=mine, password="pw2"
    )
    copy = pickle.loads(pickle.dumps(source))
    try:
        assert copy.user_client is None
        assert copy.hdb is not source.hdb
        assert (copy.database, copy.table, copy.page_size, copy.key) == (
            "db",
            "t",
            5,
            "harperdb:db.t",
        )
        assert "pw" not in repr(copy)
    finally:
        copy.close()
        source.close()
        mine.close()
    with pytest.raises(InvalidArgumentError, match="page_size"):
        HarperDBTableSource("http://127.0.0.1:9", "db", "t", page_size=0)
    with pytest.raises(InvalidArgumentError, match="url"):
        HarperDBTableSource("ftp://127.0.0.1:9", "db", "t")


def test_a_copy_in_this_process_keeps_the_callers_client_but_not_the_connection() -> None:
    answers = canned_table([{"id": i, "__updatedtime__": float(i)} for i in range(3)])
    mine = canned_client(answers)
    source = HarperDBTableSource("http://h:9925", "db", "t", client=mine)
    part = source.partition()
    twin = copy.copy(source)  # what Dask's threaded scheduler does per task
    try:
        assert twin.user_client is mine
        assert twin.hdb is not source.hdb
        assert [p.batch.num_rows for p in twin.read(part)] == [3]
    finally:
        twin.close()
        source.close()
    assert not mine.is_closed, "the caller's client is the caller's to close"
    mine.close()


def test_ms_to_ns_array_is_ms_to_ns_with_or_without_nulls() -> None:
    values = [-1.5, 0.0, 1795296532147.2366, 9.1e12]
    assert ms_to_ns_array(pa.array(values)).to_pylist() == [ms_to_ns(v) for v in values]
    with_null = ms_to_ns_array(pa.array([*values, None])).to_pylist()
    assert with_null == [*map(ms_to_ns, values), None]
    assert ms_to_ns_array(pa.array([], pa.float64())).to_pylist() == []
    with pytest.raises(pa.ArrowInvalid):  # no int64 holds its nanoseconds
        ms_to_ns_array(pa.array([1e300]))
