"""Arrow types as a Delta table keeps them, without losing a value.

Delta Lake has fewer types than Arrow: timestamps in microseconds, signed integers
only, no time of day, no durations, no dictionaries, no extension types. A sync
into a Delta table writes each page under :func:`delta_schema` (:func:`to_delta`):

======================================  ============================================
Arrow                                   in the Delta table
======================================  ============================================
``timestamp[ns]`` (with or without tz)  ``timestamp[us]`` (tz: UTC), and the exact
                                        value in ``<name>_ns``, an ``int64`` of
                                        nanoseconds since the epoch
``timestamp[s/ms/us]``                  ``timestamp[us]``, exact
``uint8``, ``uint16``, ``uint32``       ``int16``, ``int32``, ``int64``
``uint64``                              ``decimal128(20, 0)``
``time32``, ``time64``                  ``string``, ``HH:MM:SS[.fffffffff]``
``duration[unit]``                      ``int64`` of that unit
``dictionary<string>`` (enums)          ``string``
``arrow.uuid``                          ``string``, the canonical lower-case text
``arrow.json``                          ``string``
lists, structs                          the same, their fields mapped as above
======================================  ============================================

So a reader of the table (deltalake, Polars, DuckDB, Spark) gets a timestamp it
can plot and, for nanosecond columns, the exact value beside it.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["NS_SUFFIX", "delta_schema", "table_to_delta", "to_delta"]

NS_SUFFIX = "_ns"
"""Suffix of the ``int64`` column that keeps a nanosecond timestamp's exact value."""

_UNSIGNED = {
    pa.uint8(): pa.int16(),
    pa.uint16(): pa.int32(),
    pa.uint32(): pa.int64(),
    pa.uint64(): pa.decimal128(20, 0),
}


def _delta_type(kind: pa.DataType) -> pa.DataType:
    """The Delta-compatible type of ``kind``."""
    if isinstance(kind, pa.BaseExtensionType):
        return pa.string()
    if pa.types.is_timestamp(kind):
        return pa.timestamp("us", tz="UTC" if kind.tz is not None else None)
    if kind in _UNSIGNED:
        return _UNSIGNED[kind]
    if pa.types.is_time(kind):
        return pa.string()
    if pa.types.is_duration(kind):
        return pa.int64()
    if pa.types.is_dictionary(kind):
        return _delta_type(kind.value_type)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return pa.list_(kind.value_field.with_type(_delta_type(kind.value_type)))
    if pa.types.is_struct(kind):
        return pa.struct([f.with_type(_delta_type(f.type)) for f in kind])
    return kind


def delta_schema(schema: pa.Schema) -> pa.Schema:
    """The schema a Delta table keeps for pages of ``schema``.

    Examples
    --------
    >>> delta_schema(pa.schema([("time", pa.timestamp("ns", tz="UTC")), ("n", pa.uint32())]))
    time: timestamp[us, tz=UTC]
    time_ns: int64
    n: int64
    """
    fields: list[pa.Field] = []
    for field in schema:
        fields.append(field.with_type(_delta_type(field.type)))
        if pa.types.is_timestamp(field.type) and field.type.unit == "ns":
            fields.append(pa.field(field.name + NS_SUFFIX, pa.int64(), field.nullable))
    return pa.schema(fields)


def _convert(array: pa.Array, kind: pa.DataType) -> pa.Array:
    """``array`` as ``kind`` (see the module's table)."""
    source = array.type
    if isinstance(source, pa.BaseExtensionType):
        storage = array.storage
        if pa.types.is_fixed_size_binary(storage.type) and storage.type.byte_width == 16:
            import uuid

            return pa.array(
                [None if v is None else str(uuid.UUID(bytes=v)) for v in storage.to_pylist()],
                pa.string(),
            )
        return storage.cast(pa.string())
    if pa.types.is_timestamp(source):
        if source.unit == "ns":
            return _floor_micros(array.cast(pa.int64())).cast(kind)
        return array.cast(kind)
    if pa.types.is_time(source):
        return array.cast(pa.time64("ns")).cast(pa.string())
    if pa.types.is_duration(source):
        return array.cast(pa.int64())
    if pa.types.is_dictionary(source):
        return _convert(array.dictionary_decode(), kind)
    if pa.types.is_list(source) or pa.types.is_large_list(source):
        if array.offset:  # a slice: copied, so that its offsets start at its values
            array = pa.concat_arrays([array])
        values = _convert(array.values, kind.value_type)
        offsets = array.offsets.cast(pa.int32())
        return pa.ListArray.from_arrays(offsets, values, mask=array.is_null(), type=kind)
    if pa.types.is_struct(source):
        if array.offset:
            array = pa.concat_arrays([array])
        children = [_convert(array.field(i), f.type) for i, f in enumerate(kind)]
        return pa.StructArray.from_arrays(children, fields=list(kind), mask=array.is_null())
    return array.cast(kind) if source != kind else array


def _floor_micros(ns: pa.Array) -> pa.Array:
    """Microseconds of ``ns`` nanoseconds, rounded toward the past (as Spark and Polars do)."""
    thousand = pa.scalar(1000, pa.int64())
    quotient = pc.divide(ns, thousand)  # toward zero
    below = pc.less(pc.subtract(ns, pc.multiply(quotient, thousand)), 0)
    return pc.if_else(below, pc.subtract(quotient, 1), quotient)


def to_delta(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """``batch`` under ``schema`` (its :func:`delta_schema`), nanoseconds kept beside.

    Examples
    --------
    >>> batch = pa.record_batch({"t": pa.array([1_500, -1], pa.timestamp("ns", tz="UTC"))})
    >>> to_delta(batch, delta_schema(batch.schema)).to_pydict()["t_ns"]
    [1500, -1]
    """
    columns: list[pa.Array] = []
    for field in batch.schema:
        column = batch.column(field.name)
        columns.append(_convert(column, schema.field(field.name).type))
        if pa.types.is_timestamp(field.type) and field.type.unit == "ns":
            columns.append(column.cast(pa.int64()))
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def table_to_delta(table: pa.Table) -> pa.Table:
    """``table`` as a Delta table keeps it: every batch through :func:`to_delta`.

    Examples
    --------
    >>> table = pa.table({"n": pa.array([1], pa.uint8())})
    >>> table_to_delta(table).schema.field("n").type
    DataType(int16)
    """
    schema = delta_schema(table.schema)
    return pa.Table.from_batches([to_delta(b, schema) for b in table.to_batches()], schema)
