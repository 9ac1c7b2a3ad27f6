"""The compiled record codec against the official client's C encoder and decoder."""

from __future__ import annotations

import io
from typing import Any

import fastavro
import pyarrow as pa
import pytest
from hypothesis import given, settings

from arrowtap.connectors.kinetica.wire import codec
from arrowtap.connectors.kinetica.wire.types import KineticaType, format_type
from arrowtap.connectors.kinetica.wire.values import arrow_to_wire

from .test_types_values import batches

gpudb = pytest.importorskip("gpudb")

ARRAY_OF_BYTES = fastavro.parse_schema({"type": "array", "items": "bytes"})


def official_type(ktype: KineticaType) -> Any:
    definition, properties = format_type(ktype)
    return gpudb.GPUdbRecordType(schema_string=definition, column_properties=properties).record_type


def records_of(encoded: bytes) -> list[bytes]:
    records = fastavro.schemaless_reader(io.BytesIO(encoded), ARRAY_OF_BYTES, None)
    assert isinstance(records, list)
    return records


@settings(max_examples=150, deadline=None)
@given(batches())
def test_official_client_reads_what_arrowtap_writes(
    case: tuple[KineticaType, pa.RecordBatch],
) -> None:
    ktype, batch = case
    wire = arrow_to_wire(batch, ktype)
    records = records_of(codec.encode_rows(wire, ktype))
    rtype = official_type(ktype)
    decoded = [list(rtype.decode_records(r)[0].values()) for r in records]
    assert decoded == [list(row.values()) for row in wire.to_pylist()]


@settings(max_examples=150, deadline=None)
@given(batches())
def test_arrowtap_reads_what_the_official_client_writes(
    case: tuple[KineticaType, pa.RecordBatch],
) -> None:
    ktype, batch = case
    wire = arrow_to_wire(batch, ktype)
    rtype = official_type(ktype)
    records = [gpudb.Record(rtype, list(row.values())).encode() for row in wire.to_pylist()]
    assert records == records_of(codec.encode_rows(wire, ktype))
    body = b"\x00\x00" + fastavro_array(records)
    decoded, end = codec.decode_rows(body, 2, ktype)
    assert end == len(body)
    assert decoded.equals(wire)
    assert codec.decode_list(records, ktype).equals(wire)


def fastavro_array(records: list[bytes]) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, ARRAY_OF_BYTES, records)
    return out.getvalue()
