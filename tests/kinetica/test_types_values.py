"""Kinetica column values: Arrow -> wire -> Arrow, every check naming column, row and value."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import struct
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrowtap.connectors.kinetica.wire import values
from arrowtap.connectors.kinetica.wire.schema import from_arrow_schema, to_arrow_schema
from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType, format_type
from arrowtap.connectors.kinetica.wire.values import arrow_to_wire, wire_schema, wire_to_arrow
from arrowtap.errors import DecodeError, InvalidArgumentError

from .test_types import kinetica_types

TS_MIN, TS_MAX = -30_610_224_000_000, 29_379_542_399_999  # kinetica.md §3.2, Kinetica docs
DAY_MS = 86_400_000
EPOCH = dt.date(1970, 1, 1)
DAYS = [((dt.date(1000, 1, 1) - EPOCH).days, (dt.date(2900, 12, 31) - EPOCH).days)]
DAYS += [((dt.date(9999, 1, 1) - EPOCH).days, (dt.date(9999, 12, 31) - EPOCH).days)]


def edges(strategy: st.SearchStrategy[Any], *values: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from(values) | strategy


def ints(lo: int, hi: int) -> st.SearchStrategy[int]:
    return edges(st.integers(lo, hi), lo, hi, 0, -1 if lo < 0 else 1)


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
DAY = st.sampled_from(DAYS).flatmap(lambda r: ints(*r))
FLOAT32 = st.floats(width=32, allow_nan=False)
FINITE32 = st.floats(width=32, allow_nan=False, allow_infinity=False)
FINITE64 = st.floats(allow_nan=False, allow_infinity=False)
ITEMS = {
    "boolean": st.booleans(),
    "int": ints(-(2**31), 2**31 - 1),
    "long": ints(-(2**63), 2**63 - 1),
    "ulong": ints(0, 2**64 - 1),
    "float": FINITE32,
    "double": FINITE64,
    "string": TEXT,
}


def values_of(col: KineticaColumn) -> st.SearchStrategy[Any]:
    """Python values of the column's canonical Arrow type, boundaries included."""
    kind = col.kind
    simple: dict[str, st.SearchStrategy[Any]] = {
        "int": ints(-(2**31), 2**31 - 1),
        "int8": ints(-128, 127),
        "int16": ints(-32768, 32767),
        "boolean": st.booleans(),
        "long": ints(-(2**63), 2**63 - 1),
        "timestamp": ints(TS_MIN, TS_MAX),
        "float": FLOAT32,
        "double": st.floats(allow_nan=False),
        "date": DAY,
        "time": ints(0, DAY_MS - 1),
        "datetime": st.tuples(DAY, ints(0, DAY_MS - 1)).map(lambda d: d[0] * DAY_MS + d[1]),
        "ulong": ints(0, 2**64 - 1),
        "uuid": st.uuids() | st.just(uuid.UUID(int=2**128 - 1)),
        "ipv4": st.ip_addresses(v=4).map(str) | st.sampled_from(["0.0.0.0", "255.255.255.255"]),
        "bytes": st.binary(max_size=12),
    }
    if kind in simple:
        return simple[kind]
    if kind == "char":
        n = col.length or 0
        return TEXT.map(lambda s: s.encode()[:n].decode("utf-8", "ignore"))
    if kind == "decimal":
        p, s = col.precision or 0, col.scale or 0
        top = 2**63 - 1 if col.type_name == "decimal" else 10**p - 1
        return ints(-top - (col.type_name == "decimal"), top).map(lambda i: Decimal(i).scaleb(-s))
    if kind == "array":
        return st.lists(ITEMS[col.item or ""], max_size=4)
    if kind == "vector":
        return st.lists(FLOAT32, min_size=col.length, max_size=col.length)
    return st.binary(max_size=12) if col.base == "bytes" else TEXT  # string, wkt, json


@st.composite
def batches(draw: st.DrawFn) -> tuple[KineticaType, pa.RecordBatch]:
    ktype = draw(kinetica_types(small=True))
    schema = to_arrow_schema(ktype)
    rows = draw(st.integers(0, 5))
    arrays = []
    for col, field in zip(ktype.columns, schema, strict=True):
        value = values_of(col)
        if col.nullable:
            value = st.none() | value
        arrays.append(pa.array(draw(st.lists(value, min_size=rows, max_size=rows)), field.type))
    return ktype, pa.RecordBatch.from_arrays(arrays, schema=schema)


@settings(max_examples=250, deadline=None)
@given(batches())
def test_values_round_trip(case: tuple[KineticaType, pa.RecordBatch]) -> None:
    ktype, batch = case
    wire = arrow_to_wire(batch, ktype)
    assert wire.schema.equals(wire_schema(ktype))
    assert wire_to_arrow(wire, ktype).equals(batch)
    columns = {name: wire.column(name).to_pylist() for name in ktype.names}
    assert wire_to_arrow(columns, ktype).equals(batch)


@settings(max_examples=100, deadline=None)
@given(batches())
def test_values_round_trip_through_avro(case: tuple[KineticaType, pa.RecordBatch]) -> None:
    fastavro = pytest.importorskip("fastavro")
    ktype, batch = case
    schema = fastavro.parse_schema(json.loads(format_type(ktype)[0]))
    buffer = io.BytesIO()
    for record in arrow_to_wire(batch, ktype).to_pylist():
        fastavro.schemaless_writer(buffer, schema, record)
    buffer.seek(0)
    records = [fastavro.schemaless_reader(buffer, schema, None) for _ in range(batch.num_rows)]
    columns = {name: [r[name] for r in records] for name in ktype.names}
    assert wire_to_arrow(columns, ktype).equals(batch)


def one(props: tuple[str, ...], base: str = "string", nullable: bool = True) -> KineticaType:
    props = (*props, "nullable") if nullable else props
    return KineticaType((KineticaColumn("x", base, props),))


def to_wire(ktype: KineticaType, array: pa.Array, coerce: bool = False) -> list[Any]:
    result: list[Any] = arrow_to_wire(pa.record_batch({"x": array}), ktype, coerce=coerce)[
        0
    ].to_pylist()
    return result


UTC = dt.UTC


@pytest.mark.parametrize(
    ("props", "base", "array", "wire"),
    [
        (("int8",), "int", pa.array([5, -128], pa.int8()), [5, -128]),
        (("boolean",), "int", pa.array([True, False, None]), [1, 0, None]),
        (
            ("timestamp",),
            "long",
            pa.array([dt.datetime(2020, 1, 2, 3, 4, 5, 678000, UTC)], pa.timestamp("ms", "UTC")),
            [1577934245678],
        ),
        (
            ("datetime",),
            "string",
            pa.array([dt.datetime(2020, 1, 2, 3, 4, 5, 678000), dt.datetime(1000, 1, 1)]),
            ["2020-01-02 03:04:05.678", "1000-01-01 00:00:00.000"],
        ),
        (("date",), "string", pa.array([dt.date(2024, 2, 29)]), ["2024-02-29"]),
        (
            ("time",),
            "string",
            pa.array([45296789, 0, DAY_MS - 1], pa.time32("ms")),
            ["12:34:56.789", "00:00:00.000", "23:59:59.999"],
        ),
        (
            ("decimal(5,2)",),
            "string",
            pa.array([Decimal("1.5"), Decimal("-0.01")]),
            ["1.50", "-0.01"],
        ),
        (("decimal(3,0)",), "string", pa.array([Decimal("12")]), ["12"]),
        (("ulong",), "string", pa.array([2**64 - 1], pa.uint64()), ["18446744073709551615"]),
        (
            ("uuid",),
            "string",
            pa.array([uuid.UUID("12345678-9ABC-DEF0-1234-56789abcdef0")], pa.uuid()),
            ["12345678-9abc-def0-1234-56789abcdef0"],
        ),
        (
            ("vector(3)",),
            "bytes",
            pa.array([[1.0, -2.5, 3.25]], pa.list_(pa.float32(), 3)),
            [struct.pack("<3f", 1.0, -2.5, 3.25)],
        ),
        (
            ("array(int)",),
            "string",
            pa.array([[1, 2, 3], []], pa.list_(pa.int32())),
            ["[1,2,3]", "[]"],
        ),
        (("array(boolean)",), "string", pa.array([[True, False]]), ["[true,false]"]),
        (("array(double)",), "string", pa.array([[1.5, -0.25, 1e300]]), ["[1.5,-0.25,1e+300]"]),
        (("array(string)",), "string", pa.array([['a"b', "é,", "\n"]]), ['["a\\"b","é,","\\n"]']),
        (("ipv4",), "string", pa.array(["10.0.0.255"]), ["10.0.0.255"]),
        (("char4",), "string", pa.array(["abcd", "éé", ""]), ["abcd", "éé", ""]),
    ],
)
def test_wire_values(props: tuple[str, ...], base: str, array: pa.Array, wire: list[Any]) -> None:
    ktype = one(props, base)
    assert to_wire(ktype, array) == wire
    assert wire_to_arrow({"x": wire}, ktype)[0].to_pylist() == array.to_pylist()


@pytest.mark.parametrize(
    ("props", "base", "array", "wire"),
    [
        (("int8",), "int", pa.array([-128, 127], pa.int64()), [-128, 127]),
        (("int16",), "int", pa.array([255], pa.uint8()), [255]),
        ((), "long", pa.array([2**32 - 1], pa.uint32()), [2**32 - 1]),
        (("ulong",), "string", pa.array([7], pa.int8()), ["7"]),
        ((), "float", pa.array([1.5], pa.float64()), [1.5]),
        ((), "double", pa.array([2**53], pa.int64()), [2.0**53]),
        (
            ("timestamp",),
            "long",
            pa.array([1, -1], pa.timestamp("s", tz="Europe/Paris")),
            [1000, -1000],
        ),
        (("timestamp",), "long", pa.array([5_000_000], pa.timestamp("ns", tz="UTC")), [5]),
        (
            ("datetime",),
            "string",
            pa.array([1_500_000], pa.timestamp("us")),
            ["1970-01-01 00:00:01.500"],
        ),
        (("date",), "string", pa.array([DAY_MS], pa.date64()), ["1970-01-02"]),
        (("time",), "string", pa.array([61], pa.time32("s")), ["00:01:01.000"]),
        (("time",), "string", pa.array([2_000_000], pa.time64("ns")), ["00:00:00.002"]),
        (("decimal(5,2)",), "string", pa.array([Decimal("1.5")], pa.decimal128(3, 1)), ["1.50"]),
        (("decimal(5,2)",), "string", pa.array([Decimal("1.50")], pa.decimal256(40, 5)), ["1.50"]),
        (("decimal(5,2)",), "string", pa.array([-123], pa.int16()), ["-123.00"]),
        (("decimal(5,2)",), "string", pa.array(["1.5"]), ["1.50"]),
        (
            ("uuid",),
            "string",
            pa.array([bytes(range(16))], pa.binary(16)),
            [str(uuid.UUID(bytes=bytes(range(16))))],
        ),
        (
            ("uuid",),
            "string",
            pa.array(["ABCDEF00-0000-0000-0000-00000000000A"]),
            ["abcdef00-0000-0000-0000-00000000000a"],
        ),
        (("ipv4",), "string", pa.array([0xC0A80001, None], pa.uint32()), ["192.168.0.1", None]),
        (
            (),
            "string",
            pa.array(["a", None, "a"], pa.dictionary(pa.int8(), pa.string())),
            ["a", None, "a"],
        ),
        (("char4",), "string", pa.array(["abc"], pa.large_string()), ["abc"]),
        (("json",), "string", pa.array(['{"a": 1}'], pa.json_()), ['{"a": 1}']),
        (("wkt",), "bytes", pa.array([b"\x01"], pa.large_binary()), [b"\x01"]),
        ((), "bytes", pa.array([b"ab"], pa.binary(2)), [b"ab"]),
        (("array(long)",), "string", pa.array([[1, -2]], pa.large_list(pa.int8())), ["[1,-2]"]),
        (("array(double)",), "string", pa.array([[1, 2]], pa.list_(pa.int64(), 2)), ["[1,2]"]),
        (
            ("vector(2)",),
            "bytes",
            pa.array([[1.0, 2.0]], pa.list_(pa.float64())),
            [struct.pack("<2f", 1, 2)],
        ),
        (("int16",), "int", pa.nulls(2), [None, None]),
    ],
)
def test_compatible_arrow_types(
    props: tuple[str, ...], base: str, array: pa.Array, wire: list[Any]
) -> None:
    assert to_wire(one(props, base), array) == wire


@pytest.mark.parametrize(
    ("props", "base", "array", "row", "shown", "reason"),
    [
        (("int8",), "int", pa.array([1, 300]), 1, "300", "is out of range -128 .. 127"),
        (("int8",), "int", pa.array([-129]), 0, "-129", "is out of range -128 .. 127"),
        (("int16",), "int", pa.array([0, 0, 32768]), 2, "32768", "out of range -32768 .. 32767"),
        ((), "int", pa.array([2**31]), 0, "2147483648", "out of range"),
        ((), "long", pa.array([2**63], pa.uint64()), 0, "9223372036854775808", "out of range"),
        (("ulong",), "string", pa.array([3, -1]), 1, "-1", "is out of range 0 .. 1844674407"),
        (
            ("char4",),
            "string",
            pa.array(["abcd", "abcde"]),
            1,
            "'abcde'",
            "is 5 bytes, longer than char4",
        ),
        (("char2",), "string", pa.array(["éa"]), 0, "'éa'", "is 3 bytes, longer than char2"),
        (
            ("timestamp",),
            "long",
            pa.array([0, 1_000_001], pa.timestamp("ns", "UTC")),
            1,
            "1970-01-01 00:00:00.001000001+00:00",
            "is not a whole millisecond",
        ),
        (
            ("timestamp",),
            "long",
            pa.array([TS_MAX + 1], pa.timestamp("ms", "UTC")),
            0,
            "2901-01-01 00:00:00+00:00",
            "outside Kinetica's timestamps",
        ),
        (
            ("timestamp",),
            "long",
            pa.array([TS_MIN - 1], pa.timestamp("ms", "UTC")),
            0,
            "0999-12-31 23:59:59.999",
            "outside Kinetica's timestamps",
        ),
        (
            ("datetime",),
            "string",
            pa.array([dt.datetime(5000, 1, 1)], pa.timestamp("ms")),
            0,
            "5000-01-01 00:00:00",
            "outside Kinetica's dates",
        ),
        (("date",), "string", pa.array([dt.date(999, 12, 31)]), 0, "0999-12-31", "outside"),
        (("date",), "string", pa.array([dt.date(2901, 1, 1)]), 0, "2901-01-01", "outside"),
        (("date",), "string", pa.array([1], pa.date64()), 0, "1970-01-01", "not a whole day"),
        (
            ("time",),
            "string",
            pa.array([1_500], pa.time64("us")),
            0,
            "00:00:00.001500",
            "not a whole",
        ),
        (
            ("decimal(5,2)",),
            "string",
            pa.array([Decimal("1.234")]),
            0,
            "Decimal('1.234')",
            "does not fit decimal(5,2) (coerce=True rounds it)",
        ),
        (
            ("decimal(5,2)",),
            "string",
            pa.array([Decimal("1234.5")]),
            0,
            "Decimal('1234.5')",
            "does not fit",
        ),
        (
            ("decimal(5,2)",),
            "string",
            pa.array(["1", "1e"]),
            1,
            "'1e'",
            "does not fit decimal(5,2)",
        ),
        (
            ("decimal",),
            "string",
            pa.array([Decimal("922337203685477.5808")]),
            0,
            "Decimal('922337203685477.5808')",
            "outside plain decimal's range -922337203685477.5808 .. 922337203685477.5807",
        ),
        (
            ("uuid",),
            "string",
            pa.array(["12345678-1234-1234-1234-123456789abg"]),
            0,
            "'12345678",
            "is not a UUID",
        ),
        (
            ("uuid",),
            "string",
            pa.array(["{12345678-1234-1234-1234-123456789abc}"]),
            0,
            "'{",
            "is not a UUID",
        ),
        (
            ("ipv4",),
            "string",
            pa.array(["1.2.3.4", "1.2.3.256"]),
            1,
            "'1.2.3.256'",
            "is not an IPv4",
        ),
        (("ipv4",), "string", pa.array(["01.2.3.4"]), 0, "'01.2.3.4'", "is not an IPv4"),
        (("ipv4",), "string", pa.array(["1.2.3"]), 0, "'1.2.3'", "is not an IPv4"),
        ((), "float", pa.array([1.0, 1e300]), 1, "1e+300", "overflows float"),
        ((), "float", pa.array([2**25 + 1]), 0, "33554433", "is not exact"),
        (
            ("vector(2)",),
            "bytes",
            pa.array([[1.0, 2.0], [1.0]]),
            1,
            "[1.0]",
            "does not hold 2 values",
        ),
        (("vector(2)",), "bytes", pa.array([[1.0, None]]), 0, "[1.0, None]", "has a null item"),
        (("vector(1)",), "bytes", pa.array([[1e300]]), 0, "[1e+300]", "overflows float32"),
        (
            ("array(int)",),
            "string",
            pa.array([[1], [2**40]]),
            1,
            "[1099511627776]",
            "does not fit array(int)",
        ),
        (
            ("array(int)",),
            "string",
            pa.array([[1], [2, None]]),
            1,
            "[2, None]",
            "has a null or non-finite",
        ),
        (
            ("array(float)",),
            "string",
            pa.array([[float("inf")]]),
            0,
            "[inf]",
            "has a null or non-finite",
        ),
    ],
)
def test_values_kinetica_refuses(
    props: tuple[str, ...], base: str, array: pa.Array, row: int, shown: str, reason: str
) -> None:
    ktype = one(props, base)
    with pytest.raises(InvalidArgumentError) as info:
        to_wire(ktype, array)
    message = str(info.value)
    assert message.startswith(f"Kinetica column 'x' ({ktype.columns[0].type_name}): row {row}: ")
    assert shown in message
    assert reason in message


def test_nulls_in_a_column_that_is_not_nullable() -> None:
    with pytest.raises(InvalidArgumentError, match=r"'x' \(int\): row 2 is null, but the column"):
        to_wire(one((), "int", nullable=False), pa.array([1, 2, None]))
    with pytest.raises(DecodeError, match=r"'x' \(char4\): row 0 is null, but the column"):
        wire_to_arrow({"x": [None]}, one(("char4",), nullable=False))


@pytest.mark.parametrize(
    ("props", "base", "array", "message"),
    [
        (("timestamp",), "long", pa.array([0], pa.timestamp("ms")), "naive timestamps"),
        (
            ("datetime",),
            "string",
            pa.array([0], pa.timestamp("ms", "UTC")),
            "timestamp[ms, tz=UTC]",
        ),
        ((), "int", pa.array([1.0]), "Arrow type double cannot be written"),
        ((), "int", pa.array(["1"]), "Arrow type string cannot be written"),
        (("boolean",), "int", pa.array([1]), "Arrow type int64 cannot be written"),
        (("char4",), "string", pa.array([b"ab"]), "Arrow type binary cannot be written"),
        (("decimal(5,2)",), "string", pa.array([1.5]), "double values are not exact decimals"),
        (("array(int)",), "string", pa.array([["a"]]), "cannot be written"),
        (("vector(1)",), "bytes", pa.array([["a"]]), "cannot be written"),
        (("uuid",), "string", pa.array([b"a" * 15], pa.binary(15)), "cannot be written"),
    ],
)
def test_arrow_types_a_column_does_not_take(
    props: tuple[str, ...], base: str, array: pa.Array, message: str
) -> None:
    with pytest.raises(InvalidArgumentError, match=re.escape(message)):
        to_wire(one(props, base), array)


@pytest.mark.parametrize(
    ("props", "array", "wire"),
    [
        (("timestamp",), pa.array([1_999_999, -1], pa.timestamp("ns", "Asia/Tokyo")), [1, -1]),
        (("time",), pa.array([1_999_999], pa.time64("ns")), ["00:00:00.001"]),
        (("datetime",), pa.array([-1], pa.timestamp("us")), ["1969-12-31 23:59:59.999"]),
        (("date",), pa.array([DAY_MS + 1, -1], pa.date64()), ["1970-01-02", "1969-12-31"]),
        (
            ("decimal(5,2)",),
            pa.array([Decimal("1.125"), Decimal("-1.125"), Decimal("1.124")]),
            ["1.13", "-1.13", "1.12"],
        ),
        (("decimal(5,2)",), pa.array([0.5, -2.25]), ["0.50", "-2.25"]),
    ],
)
def test_coerce_rounds(props: tuple[str, ...], array: pa.Array, wire: list[Any]) -> None:
    base = "long" if props == ("timestamp",) else "string"
    assert to_wire(one(props, base), array, coerce=True) == wire


def test_coerce_never_clips() -> None:
    with pytest.raises(InvalidArgumentError, match="out of range"):
        to_wire(one(("int8",), "int"), pa.array([300]), coerce=True)
    with pytest.raises(InvalidArgumentError, match="does not fit decimal"):
        to_wire(one(("decimal(3,1)",)), pa.array([Decimal("99.99")]), coerce=True)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(-(2**63) // 10**6 + 1, (2**63 - 1) // 10**6 - 1), min_size=1, max_size=5),
    st.integers(0, 999_999),
    st.data(),
    st.sampled_from(["UTC", "Europe/Paris", "America/New_York"]),
)
def test_ns_timestamps_must_be_whole_ms(
    ms: list[int], sub: int, data: st.DataObject, tz: str
) -> None:
    row = data.draw(st.integers(0, len(ms) - 1))
    ns = [m * 1_000_000 for m in ms]
    ns[row] += sub
    ktype = one(("timestamp",), "long")
    array = pa.array(ns, pa.timestamp("ns", tz))
    floored = [n // 1_000_000 for n in ns]
    if sub == 0:
        assert to_wire(ktype, array) == floored
    else:
        with pytest.raises(InvalidArgumentError, match=f"row {row}: .* is not a whole millisecond"):
            to_wire(ktype, array)
    assert to_wire(ktype, array, coerce=True) == floored


@settings(max_examples=200, deadline=None)
@given(st.data(), st.sampled_from([("int8", 8), ("int16", 16), ("int", 32)]))
def test_integers_out_of_range_name_row_and_value(
    data: st.DataObject, kind: tuple[str, int]
) -> None:
    name, bits = kind
    bound = 2 ** (bits - 1)
    good = data.draw(st.lists(st.integers(-bound, bound - 1), min_size=1, max_size=6))
    bad = data.draw(st.integers(bound, 2**62) | st.integers(-(2**62), -bound - 1))
    row = data.draw(st.integers(0, len(good)))
    good.insert(row, bad)
    ktype = one(() if name == "int" else (name,), "int")
    with pytest.raises(InvalidArgumentError) as info:
        to_wire(ktype, pa.array(good, pa.int64()))
    assert f"'x' ({name}): row {row}: {bad} is out of range {-bound} .. {bound - 1}" in str(
        info.value
    )


@settings(max_examples=200, deadline=None)
@given(st.data(), st.sampled_from([1, 2, 4, 8, 16]))
def test_strings_longer_than_char_n(data: st.DataObject, n: int) -> None:
    fit = st.text(max_size=n).map(lambda s: s.encode()[:n].decode("utf-8", "ignore"))
    good = data.draw(st.lists(fit, min_size=1, max_size=5))
    bad = data.draw(st.text(min_size=1, max_size=40).filter(lambda s: len(s.encode()) > n))
    row = data.draw(st.integers(0, len(good)))
    good.insert(row, bad)
    with pytest.raises(InvalidArgumentError) as info:
        to_wire(one((f"char{n}",)), pa.array(good))
    message = str(info.value)
    assert f"'x' (char{n}): row {row}: {repr(bad)[:60]}" in message  # long values are cut
    assert f" is {len(bad.encode())} bytes, longer than char{n} allows" in message


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 27).flatmap(lambda p: st.tuples(st.just(p), st.integers(0, min(p, 18)))),
    st.decimals(
        allow_nan=False, allow_infinity=False, places=20, min_value=-(10**9), max_value=10**9
    ),
)
def test_decimal_precision_and_scale(ps: tuple[int, int], value: Decimal) -> None:
    p, s = ps
    ktype = one((f"decimal({p},{s})",))
    array = pa.array([value], pa.decimal128(38, 20))
    rounded = value.quantize(Decimal(1).scaleb(-s), rounding=ROUND_HALF_UP)
    fits = len(rounded.as_tuple().digits) <= p or rounded == 0
    exact = rounded == value
    if fits and exact:
        assert Decimal(to_wire(ktype, array)[0]) == value
    else:
        with pytest.raises(InvalidArgumentError, match=r"row 0: .* does not fit"):
            to_wire(ktype, array)
    if fits:
        assert Decimal(to_wire(ktype, array, coerce=True)[0]) == rounded


def test_uuid_and_ipv4_formats() -> None:
    ktype = KineticaType(
        (KineticaColumn("u", "string", ("uuid",)), KineticaColumn("ip", "string", ("ipv4",)))
    )
    ok = pa.record_batch({"u": [str(uuid.UUID(int=1))], "ip": ["255.255.255.255"]})
    assert arrow_to_wire(ok, ktype).to_pylist() == [
        {"u": "00000000-0000-0000-0000-000000000001", "ip": "255.255.255.255"}
    ]
    for bad_uuid in [
        "",
        "0" * 32,
        "00000000-0000-0000-0000-00000000000",
        " " + str(uuid.UUID(int=1)),
    ]:
        with pytest.raises(InvalidArgumentError, match=r"'u' \(uuid\): row 0: .* is not a UUID"):
            arrow_to_wire(pa.record_batch({"u": [bad_uuid], "ip": ["1.1.1.1"]}), ktype)
    for bad_ip in ["256.0.0.0", "1.2.3.4.5", "a.b.c.d", "1.2.3.-4", " 1.2.3.4"]:
        with pytest.raises(InvalidArgumentError, match=r"'ip' \(ipv4\): row 0: .* is not an IPv4"):
            arrow_to_wire(pa.record_batch({"u": [str(uuid.UUID(int=1))], "ip": [bad_ip]}), ktype)


# -- wire -> Arrow --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "base", "wire", "arrow"),
    [
        (("date",), "string", ["2020-1-2", "2020-01-02"], [dt.date(2020, 1, 2)] * 2),
        (
            ("datetime",),
            "string",
            ["2020-01-02 03:04:05", "2020-01-02 03:04:05.6"],
            [dt.datetime(2020, 1, 2, 3, 4, 5), dt.datetime(2020, 1, 2, 3, 4, 5, 600000)],
        ),
        (("time",), "string", ["01:02:03"], [dt.time(1, 2, 3)]),
        (
            ("uuid",),
            "string",
            ["ABCDEF00-0000-0000-0000-00000000000A"],
            [uuid.UUID("abcdef00-0000-0000-0000-00000000000a")],
        ),
        (
            ("array(int)",),
            "string",
            ["[ 1, 2 ]", "[1,\r\n3]", " [ ] ", None],
            [[1, 2], [1, 3], [], None],
        ),
        (("array(string)",), "string", ['["a,b", "c\\"", null]'], [["a,b", 'c"', None]]),
        (("array(float)",), "string", ["[1, 2.5]"], [[1.0, 2.5]]),
        (("decimal(5,2)",), "string", ["1.5", "-2"], [Decimal("1.50"), Decimal("-2.00")]),
        (("timestamp",), "long", [-1], [dt.datetime(1969, 12, 31, 23, 59, 59, 999000, UTC)]),
    ],
)
def test_wire_to_arrow_reads(
    props: tuple[str, ...], base: str, wire: list[Any], arrow: list[Any]
) -> None:
    assert wire_to_arrow({"x": wire}, one(props, base))[0].to_pylist() == arrow


@pytest.mark.parametrize(
    ("props", "base", "wire", "row", "shown", "reason"),
    [
        (("int8",), "int", [1, 300], 1, "300", "is out of range"),
        (("boolean",), "int", [1, 0, 2], 2, "2", "is not 0 or 1"),
        ((), "int", [1, "x"], 1, "'x'", "is not an Avro int"),
        ((), "string", ["a", 1], 1, "1", "is not an Avro string"),
        (("date",), "string", ["2020-01-01", "2020-13-01"], 1, "'2020-13-01'", "is not a date"),
        (("time",), "string", ["25:00:00"], 0, "'25:00:00'", "is not a time"),
        (
            ("datetime",),
            "string",
            ["2020-01-01 00:00:00", "yesterday"],
            1,
            "'yesterday'",
            "is not a datetime",
        ),
        (("decimal(5,2)",), "string", ["1.234"], 0, "'1.234'", "is not a decimal"),
        (
            ("ulong",),
            "string",
            ["18446744073709551616"],
            0,
            "'18446744073709551616'",
            "is not an unsigned",
        ),
        (("uuid",), "string", ["x"], 0, "'x'", "is not a UUID"),
        (
            ("array(int)",),
            "string",
            ["[1]", "[1,"],
            1,
            "'[1,'",
            "is not a Kinetica array(int) text",
        ),
        (("array(int)",), "string", ['["a"]'], 0, "'[\"a\"]'", "is not a Kinetica array(int) text"),
        (
            ("array(boolean)",),
            "string",
            ["[1]"],
            0,
            "'[1]'",
            "is not a Kinetica array(boolean) text",
        ),
        (
            ("vector(2)",),
            "bytes",
            [bytes(8), bytes(4)],
            1,
            "b'\\x00",
            "is 4 bytes, vector(2) takes 8",
        ),
    ],
)
def test_wire_values_that_do_not_decode(
    props: tuple[str, ...], base: str, wire: list[Any], row: int, shown: str, reason: str
) -> None:
    ktype = one(props, base)
    with pytest.raises(DecodeError) as info:
        wire_to_arrow({"x": wire}, ktype)
    message = str(info.value)
    assert message.startswith(f"Kinetica column 'x' ({ktype.columns[0].type_name}): row {row}: ")
    assert shown in message
    assert reason in message


def test_wire_columns_must_match_the_type() -> None:
    ktype = KineticaType((KineticaColumn("a", "int"), KineticaColumn("b", "long")))
    with pytest.raises(DecodeError, match=r"missing \['b'\], unknown \['c'\]"):
        wire_to_arrow({"a": [1], "c": [2]}, ktype)
    with pytest.raises(DecodeError, match="differ in length"):
        wire_to_arrow({"a": [1], "b": [2, 3]}, ktype)
    with pytest.raises(DecodeError, match="mapping of columns"):
        wire_to_arrow([[1], [2]], ktype)  # type: ignore[arg-type]
    chunked = {"a": pa.chunked_array([[1], [2]], pa.int32()), "b": pa.array([3, 4], pa.int64())}
    assert wire_to_arrow(chunked, ktype).to_pydict() == {"a": [1, 2], "b": [3, 4]}


def test_batch_columns_must_match_the_type() -> None:
    ktype = KineticaType((KineticaColumn("a", "int"), KineticaColumn("b", "long")))
    with pytest.raises(InvalidArgumentError, match=r"missing \['b'\], unknown \['c'\]"):
        arrow_to_wire(pa.record_batch({"a": [1], "c": [2]}), ktype)
    twice = pa.RecordBatch.from_arrays(
        [pa.array([1]), pa.array([2]), pa.array([3])], ["a", "b", "a"]
    )
    with pytest.raises(InvalidArgumentError, match=r"repeated \['a'\]"):
        arrow_to_wire(twice, ktype)
    with pytest.raises(InvalidArgumentError, match=r"takes a pyarrow\.RecordBatch"):
        arrow_to_wire(pa.table({"a": [1], "b": [2]}), ktype)
    # Column order follows the type, not the batch.
    out = arrow_to_wire(pa.record_batch({"b": [2], "a": [1]}), ktype)
    assert out.schema.names == ["a", "b"]


def test_schema_from_pandas_style_batch_then_values() -> None:
    # The writer's path: a table built from pandas-like data, ns timestamps, object strings.
    batch = pa.record_batch(
        {
            "ts": pa.array([1_700_000_000_123_000_000], pa.timestamp("ns", tz="UTC")),
            "sym": pa.array(["ABC"], pa.large_string()),
            "qty": pa.array([3], pa.int64()),
        }
    )
    ktype = from_arrow_schema(batch.schema, primary_key=["ts"], coerce=True)
    assert [c.type_name for c in ktype.columns] == ["timestamp", "string", "long"]
    wire = arrow_to_wire(batch, ktype)
    assert wire.to_pylist() == [{"ts": 1_700_000_000_123, "sym": "ABC", "qty": 3}]
    back = wire_to_arrow(wire, ktype)
    assert back.column("ts").to_pylist() == [
        dt.datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)
    ]


def test_wire_batches_convert_as_cast_whatever_their_offset_and_nulls() -> None:
    ktype = KineticaType(
        (
            KineticaColumn("t", "long", ("timestamp", "nullable")),
            KineticaColumn("i", "long"),
            KineticaColumn("s", "string", ("nullable",)),
        )
    )
    wire = pa.record_batch(
        [pa.array([1, None, -1, TS_MAX]), pa.array([1, 2, 3, 4]), pa.array(["a", None, "c", "d"])],
        schema=wire_schema(ktype),
    ).slice(1)
    got = wire_to_arrow(wire, ktype)
    assert got.schema == to_arrow_schema(ktype)
    assert got.column("t").equals(wire.column("t").cast(pa.timestamp("ms", tz="UTC")))
    assert got.column("t").null_count == 1
    assert got.column("i").to_pylist() == [2, 3, 4]
    reordered = {"s": wire.column("s"), "i": wire.column("i"), "t": wire.column("t")}
    assert wire_to_arrow(reordered, ktype).equals(got)
    with pytest.raises(DecodeError, match="missing \\['s'\\]"):
        wire_to_arrow(wire.select(["t", "i"]), ktype)


def test_a_batch_of_columns_as_they_are_converts_as_column_by_column() -> None:
    # Such batches take a shorter way (one view of the whole batch): the same result.
    kinds = [("int", ()), ("long", ()), ("float", ()), ("double", ()), ("string", ()),
             ("string", ("char16",)), ("string", ("ipv4",)), ("string", ("json",)),
             ("string", ("wkt",)), ("bytes", ()), ("bytes", ("wkt",)),
             ("long", ("timestamp",))]  # fmt: skip
    columns = [
        KineticaColumn(f"c{i}{n}", base, (*props, *(("nullable",) if n else ())))
        for i, (base, props) in enumerate(kinds)
        for n in (0, 1)
    ]
    ktype = KineticaType(tuple(columns), label="a label")
    value = {"int": 7, "long": -8, "float": 1.5, "double": 2.25, "string": "1.2.3.4", "bytes": b"b"}
    wire = pa.RecordBatch.from_pylist(
        [{c.name: value[c.base] for c in columns}, {c.name: None if c.nullable else value[c.base]
                                                    for c in columns}],
        schema=wire_schema(ktype),
    )  # fmt: skip
    by_columns = {name: wire.column(name) for name in wire.schema.names}
    whole = wire_to_arrow(wire, ktype)
    assert values._viewed(wire, ktype) is not None  # the shorter way was taken
    assert whole.equals(wire_to_arrow(by_columns, ktype))
    assert whole.schema.equals(to_arrow_schema(ktype), check_metadata=True)
    assert whole.column("c111").to_pylist()[1] is None
    assert (
        whole.column("c110").to_pylist() == [dt.datetime(1969, 12, 31, 23, 59, 59, 992000, UTC)] * 2
    )


def test_a_null_where_the_type_has_none_is_named_whole_batch_or_not() -> None:
    ktype = KineticaType((KineticaColumn("t", "long", ("timestamp",)), KineticaColumn("i", "int")))
    wire = pa.RecordBatch.from_arrays(
        [pa.array([1, None]), pa.array([1, 2], pa.int32())], schema=wire_schema(ktype)
    )
    with pytest.raises(DecodeError, match=r"column 't' .*row 1 is null"):
        wire_to_arrow(wire, ktype)
