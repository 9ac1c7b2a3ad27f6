"""Every Kinetica type round-trips: Arrow -> write_kinetica -> fake Kinetica -> read_kinetica."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrowtap.connectors.kinetica.sql import scan_kinetica_sql
from arrowtap.connectors.kinetica.table import read_kinetica, scan_kinetica
from arrowtap.connectors.kinetica.wire.schema import from_arrow_schema, to_arrow_schema
from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType
from arrowtap.connectors.kinetica.wire.values import arrow_to_wire
from arrowtap.connectors.kinetica.write import write_kinetica
from arrowtap.testing.kinetica import FakeKinetica

from .test_types_values import batches

# Random rows repeat keys; the server lists "data" for every stored column, so a "data"
# given does not come back as such.
DROPPED = ("primary_key", "soft_primary_key", "data")
NAMES = (f"t{i}" for i in itertools.count())


@pytest.fixture(scope="module")
def server() -> Iterator[FakeKinetica]:
    with FakeKinetica() as fake:
        yield fake


def unordered(ktype: KineticaType) -> tuple[object, ...]:
    """A type with its properties as sets: a server keeps the first order it was given."""
    columns = tuple((c.name, c.base, frozenset(c.properties)) for c in ktype.columns)
    return columns, ktype.label


def without_keys(ktype: KineticaType) -> KineticaType:
    columns = [
        KineticaColumn(c.name, c.base, tuple(p for p in c.properties if p not in DROPPED))
        for c in ktype.columns
    ]
    return KineticaType(tuple(columns), ktype.label)


def valid_json(batch: pa.RecordBatch, ktype: KineticaType) -> pa.RecordBatch:
    """JSON columns hold JSON texts (the server checks them; Arrow strings are any text)."""
    arrays = []
    for col, arr in zip(ktype.columns, batch.columns, strict=True):
        if col.kind == "json":
            texts = [None if v is None else json.dumps(v) for v in arr.to_pylist()]
            arr = pa.array(texts, arr.type)
        arrays.append(arr)
    return pa.RecordBatch.from_arrays(arrays, schema=batch.schema)


def test_decimal_text_has_no_exponent() -> None:
    ktype = KineticaType((KineticaColumn("d", "string", ("decimal(18,10)", "nullable")),))
    values = [Decimal("0E-10"), Decimal("1E-7"), Decimal("-0.0000000001"), None, Decimal("12.5")]
    batch = pa.record_batch([pa.array(values, pa.decimal128(18, 10))], names=["d"])
    assert arrow_to_wire(batch, ktype).column("d").to_pylist() == [
        "0.0000000000",
        "0.0000001000",
        "-0.0000000001",
        None,
        "12.5000000000",
    ]


@st.composite
def tables(draw: st.DrawFn) -> tuple[KineticaType, pa.RecordBatch]:
    ktype, batch = draw(batches())
    ktype = without_keys(ktype)
    schema = to_arrow_schema(ktype)
    return ktype, valid_json(batch, ktype).cast(schema)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tables(), st.integers(1, 4))
def test_every_type_round_trips(
    server: FakeKinetica, case: tuple[KineticaType, pa.RecordBatch], page_size: int
) -> None:
    ktype, batch = case
    name = next(NAMES)
    summary = write_kinetica(batch, server.url, name, batch_size=3)
    assert summary.inserted == batch.num_rows
    assert unordered(server.table(name).ktype) == unordered(ktype)
    reader = scan_kinetica(server.url, name, page_size=page_size)
    assert unordered(from_arrow_schema(reader.schema)) == unordered(ktype)
    assert reader.schema.remove_metadata().equals(batch.schema.remove_metadata())
    back = reader.read_all()
    assert back.equals(pa.Table.from_batches([batch]))
    result = scan_kinetica_sql(server.url, f"SELECT * FROM {name}").read_all()
    assert result.num_rows == batch.num_rows


def test_ns_and_ms_timestamps_in_utc(server: FakeKinetica) -> None:
    ms = pa.array([0, 1_700_000_000_123, None, -86_400_000], pa.timestamp("ms", tz="UTC"))
    data = pa.table({"ms": ms, "ns": ms.cast(pa.timestamp("ns", tz="UTC"))})
    write_kinetica(data, server.url, "stamps")
    assert [c.type_name for c in server.table("stamps").ktype.columns] == ["timestamp"] * 2
    back = read_kinetica(server.url, "stamps")
    expected = pd.Series(ms.to_pandas(), name="ms")
    pd.testing.assert_series_equal(back["ms"], expected)
    pd.testing.assert_series_equal(back["ns"], expected.rename("ns"))
    eastern = pa.table({"ms": pc.assume_timezone(pa.array([0], pa.timestamp("ms")), "UTC")})
    write_kinetica(
        eastern.cast(pa.schema([("ms", pa.timestamp("ms", tz="America/New_York"))])),
        server.url,
        "stamps",
        create=False,
    )
    assert read_kinetica(server.url, "stamps")["ms"].iloc[-1] == pd.Timestamp(0, tz="UTC")
