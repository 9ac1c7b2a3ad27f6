"""The compiled record codec against fastavro, the reference Avro implementation."""

from __future__ import annotations

import contextlib
import io
import json
import math
from typing import Any

import fastavro
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrowtap.connectors.kinetica.wire import codec
from arrowtap.connectors.kinetica.wire.types import BASE_TYPES, KineticaColumn, KineticaType
from arrowtap.connectors.kinetica.wire.values import wire_schema
from arrowtap.errors import DecodeError, InvalidArgumentError

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "int": st.integers(-(2**31), 2**31 - 1),
    "long": st.integers(-(2**63), 2**63 - 1),
    "float": st.floats(width=32, allow_nan=False),
    "double": st.floats(allow_nan=True),
    "string": TEXT,
    "bytes": st.binary(max_size=20),
}


@st.composite
def layouts(draw: st.DrawFn) -> KineticaType:
    n = draw(st.integers(1, 8))
    bases = draw(st.lists(st.sampled_from(BASE_TYPES), min_size=n, max_size=n))
    nulls = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return KineticaType(
        tuple(
            KineticaColumn(f"c{i}", base, ("nullable",) if null else ())
            for i, (base, null) in enumerate(zip(bases, nulls, strict=True))
        )
    )


@st.composite
def pages(draw: st.DrawFn) -> tuple[KineticaType, list[dict[str, Any]]]:
    ktype = draw(layouts())
    row = st.fixed_dictionaries(
        {
            c.name: (st.none() | VALUES[c.base]) if c.nullable else VALUES[c.base]
            for c in ktype.columns
        }
    )
    return ktype, draw(st.lists(row, max_size=30))


def avro_schema(ktype: KineticaType) -> Any:
    fields = [
        {"name": c.name, "type": [c.base, "null"] if c.nullable else c.base} for c in ktype.columns
    ]
    return fastavro.parse_schema({"type": "record", "name": "type_name", "fields": fields})


def avro(schema: Any, value: Any) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, schema, value)
    return out.getvalue()


ARRAY_OF_BYTES = fastavro.parse_schema({"type": "array", "items": "bytes"})


def same(a: Any, b: Any) -> bool:
    """Equal values, NaN equal to NaN (Avro carries NaN payloads through)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def same_rows(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> bool:
    return len(got) == len(want) and all(
        g.keys() == w.keys() and all(same(g[k], w[k]) for k in g)
        for g, w in zip(got, want, strict=True)
    )


@settings(max_examples=300, deadline=None)
@given(pages(), st.binary(max_size=3))
def test_decode_rows_matches_fastavro(
    case: tuple[KineticaType, list[dict[str, Any]]], pad: bytes
) -> None:
    ktype, rows = case
    schema = avro_schema(ktype)
    records = [avro(schema, r) for r in rows]
    body = pad + avro(ARRAY_OF_BYTES, records) + b"tail"
    wire, end = codec.decode_rows(body, len(pad), ktype)
    assert end == len(body) - 4
    assert wire.schema.equals(wire_schema(ktype))
    want = [fastavro.schemaless_reader(io.BytesIO(r), schema, None) for r in records]
    assert same_rows(wire.to_pylist(), want)
    wire.validate(full=True)
    assert same_rows(codec.decode_list(records, ktype).to_pylist(), want)


@settings(max_examples=300, deadline=None)
@given(pages(), st.integers(0, 5), st.integers(0, 5))
def test_encode_rows_is_byte_identical_to_fastavro(
    case: tuple[KineticaType, list[dict[str, Any]]], cut_front: int, cut_back: int
) -> None:
    ktype, rows = case
    schema = avro_schema(ktype)
    wire = pa.RecordBatch.from_pylist(rows, schema=wire_schema(ktype))
    # a slice: Arrow offsets inside the buffers must be honoured
    start = min(cut_front, wire.num_rows)
    part = wire.slice(start, max(0, wire.num_rows - start - cut_back))
    kept = rows[start : start + part.num_rows]
    encoded = codec.encode_rows(part, ktype)
    assert encoded == avro(ARRAY_OF_BYTES, [avro(schema, r) for r in kept])
    decoded, end = codec.decode_rows(encoded, 0, ktype)
    assert end == len(encoded)
    assert same_rows(decoded.to_pylist(), kept)


@settings(max_examples=200, deadline=None)
@given(pages())
def test_decode_arrays_matches_fastavro(case: tuple[KineticaType, list[dict[str, Any]]]) -> None:
    ktype, rows = case
    fields = [
        {
            "name": f"column_{i}",
            "type": {"type": "array", "items": [c.base, "null"] if c.nullable else c.base},
        }
        for i, c in enumerate(ktype.columns, 1)
    ]
    fields += [
        {"name": n, "type": {"type": "array", "items": "string"}}
        for n in ("column_headers", "column_datatypes")
    ]
    schema = fastavro.parse_schema({"type": "record", "name": "generic_response", "fields": fields})
    record = {f"column_{i}": [r[c.name] for r in rows] for i, c in enumerate(ktype.columns, 1)}
    record |= {"column_headers": list(ktype.names), "column_datatypes": ["x"] * len(ktype.names)}
    body = avro(schema, record)
    columns = [(c.name, c.base, c.nullable) for c in ktype.columns]
    wire, end = codec.decode_arrays(body, 0, columns)
    assert same_rows(wire.to_pylist(), rows)
    assert body[end:] == avro(
        fastavro.parse_schema({"type": "record", "name": "tail", "fields": fields[-2:]}),
        {k: record[k] for k in ("column_headers", "column_datatypes")},
    )


def test_blocks_with_byte_sizes_and_several_blocks() -> None:
    """Avro arrays may come in several blocks, a negative count followed by a byte size."""
    ktype = KineticaType((KineticaColumn("i", "int"),))
    rec = [b"\x02", b"\x04", b"\x06"]  # 1, 2, 3
    body = (
        b"\x03" + bytes([4]) + b"\x02" + rec[0] + b"\x02" + rec[1] + b"\x02\x02" + rec[2] + b"\x00"
    )
    wire, end = codec.decode_rows(body, 0, ktype)
    assert wire.column("i").to_pylist() == [1, 2, 3]
    assert end == len(body)


INT_STRING = KineticaType(
    (KineticaColumn("i", "int"), KineticaColumn("s", "string", ("nullable",)))
)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"\x02\x06\x02\x00\x02", "row 0, column 's': value runs past the end of its record"),
        (b"\x02\x04\x02\x04", "row 0, column 's': union branch is neither 0 (value) nor 1 (null)"),
        (b"\x02\x08\x02\x00\x02\xff", "row 0, column 's': string is not valid UTF-8"),
        (b"\x02\x08\x02\x02\x00\x00", "row 0: bytes left after the record's last field"),
        (b"\x02\x0c" + b"\xff" * 5 + b"\x0f", "row 0, column 'i': int outside 32 bits"),
        (b"\x02\x16" + b"\xff" * 10 + b"\x02", "row 0, column 'i': varint longer than 10 bytes"),
        (b"\x02\x20\x02\x02", "row 0: record runs past the end of the body"),
        (b"\x02\x04\x02\x02", "array ends before its closing 0 count"),
        (b"\x7e\x00", "array block count exceeds the bytes left"),
        (b"\x02\x01", "row 0: negative record length"),
    ],
)
def test_decode_errors_name_row_column_and_byte(body: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=r"byte [0-9]+") as caught:
        codec.decode_rows(body, 0, INT_STRING, what="/get/records (table 't')")
    assert message in str(caught.value)
    assert str(caught.value).startswith("Kinetica /get/records (table 't'): ")


def test_decode_arrays_lengths_must_agree() -> None:
    with pytest.raises(DecodeError, match="columns differ in length"):
        codec.decode_arrays(b"\x02\x02\x00\x00", 0, [("a", "int", False), ("b", "int", False)])


def test_encode_refuses_null_in_a_column_that_is_not_nullable() -> None:
    ktype = KineticaType((KineticaColumn("s", "string"),))
    wire = pa.record_batch({"s": pa.array(["a", None])})
    with pytest.raises(InvalidArgumentError, match="column 's': row 1: null in a column"):
        codec.encode_rows(wire, ktype)


def test_encode_refuses_a_batch_not_of_the_wire_schema() -> None:
    ktype = KineticaType((KineticaColumn("i", "int"),))
    with pytest.raises(InvalidArgumentError, match="not of the wire schema"):
        codec.encode_rows(pa.record_batch({"i": pa.array([1], pa.int64())}), ktype)


def test_decoded_buffers_outlive_the_body() -> None:
    """Arrays own their buffers: the body may be freed (or reused) after decoding."""
    ktype = KineticaType((KineticaColumn("s", "string"),))
    body = bytearray(avro(ARRAY_OF_BYTES, [b"\x06abc", b"\x02z"]))
    wire, _ = codec.decode_rows(body, 0, ktype)
    body[:] = b"\x00" * len(body)
    assert wire.column("s").to_pylist() == ["abc", "z"]


def test_layout_codes() -> None:
    ktype = KineticaType(tuple(KineticaColumn(f"c{i}", b) for i, b in enumerate(BASE_TYPES)))
    assert codec.layout(ktype) == bytes(range(6))
    assert json.dumps(list(codec.layout([("bytes", True)]))) == "[133]"


@settings(max_examples=300, deadline=None)
@given(pages(), st.data())
def test_corrupt_bodies_decode_or_raise_decode_error(
    case: tuple[KineticaType, list[dict[str, Any]]], data: st.DataObject
) -> None:
    """Flipped bytes and cut bodies never crash the decoder: a result or a DecodeError."""
    ktype, rows = case
    schema = avro_schema(ktype)
    body = bytearray(avro(ARRAY_OF_BYTES, [avro(schema, r) for r in rows]))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(body) - 1))
        body[at] = data.draw(st.integers(0, 255))
    body = body[: data.draw(st.integers(0, len(body)))]
    columns = [(c.name, c.base, c.nullable) for c in ktype.columns]
    for decode in (
        lambda: codec.decode_rows(bytes(body), 0, ktype),
        lambda: codec.decode_list([bytes(body)], ktype),
        lambda: codec.decode_arrays(bytes(body), 0, columns),
    ):
        with contextlib.suppress(DecodeError):
            decode()
