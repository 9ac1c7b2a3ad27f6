"""Kinetica column values: Arrow arrays <-> the values of the Avro record on the wire.

The wire form of a batch is a :class:`pyarrow.RecordBatch` of :func:`wire_schema`: one
column per Kinetica column, of its Avro base type (int32, int64, float32, float64,
string, binary), nullable where the column is. ``wire.to_pylist()`` are the records an
Avro encoder (fastavro) writes with the type definition; the column lists a decoder
returns go back through :func:`wire_to_arrow`. Every conversion is columnar
(``pyarrow.compute`` and NumPy), except the JSON text of ``array(string)`` columns.

:func:`arrow_to_wire` checks every value Kinetica would refuse or change, and names
the column, the row (0-based) and the value: integers out of the column's range,
strings longer than ``charN`` bytes, timestamps outside 1000-01-01 .. 2900-12-31,
decimals beyond the precision or scale, malformed uuid and ipv4 texts, vectors of the
wrong length. With ``coerce=True`` it rounds what has too much precision: sub-ms
timestamps and times down to the ms, decimals half away from zero; it never clips a
value out of range. Float64 values are rounded to float32 where a column holds float32
(an overflow to infinity is an error); array items and vectors hold no nulls, arrays
no NaN or infinity (Kinetica's array text is JSON-like).

:func:`wire_to_arrow` checks only what the conversion to Arrow needs (a date text that
does not parse, an int8 out of range); the server enforces the rest.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from arrowtap.connectors.kinetica.wire._context import WIRE
from arrowtap.connectors.kinetica.wire._decode import as_is, decode
from arrowtap.connectors.kinetica.wire._encode import encode
from arrowtap.connectors.kinetica.wire.schema import to_arrow_schema
from arrowtap.connectors.kinetica.wire.types import KineticaType
from arrowtap.errors import ArrowtapError, DecodeError, InvalidArgumentError

__all__ = ["arrow_to_wire", "wire_schema", "wire_to_arrow"]


def wire_schema(ktype: KineticaType) -> pa.Schema:
    """The Arrow schema of a type's wire values: each column's Avro base type.

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.types import parse_type
    >>> ktype = parse_type(
    ...     '{"type":"record","name":"type_name","fields":[{"name":"t","type":"long"}]}',
    ...     {"t": ["timestamp"]},
    ... )
    >>> wire_schema(ktype)
    t: int64 not null
    """
    return _wire_schema(ktype)


@functools.lru_cache(maxsize=256)
def _wire_schema(ktype: KineticaType) -> pa.Schema:
    # Every page of a table decodes under the same (immutable) type: built once per type.
    return pa.schema([pa.field(c.name, WIRE[c.base], c.nullable) for c in ktype.columns])


def arrow_to_wire(
    batch: pa.RecordBatch, ktype: KineticaType, *, coerce: bool = False
) -> pa.RecordBatch:
    """Convert an Arrow batch to the wire values of a Kinetica type, checking each value.

    Parameters
    ----------
    batch : pyarrow.RecordBatch
        One column per column of `ktype` (any order), each of an Arrow type the column
        accepts (:func:`~arrowtap.connectors.kinetica.wire.schema.accepts`): its canonical
        type or a compatible one (any integer for an int column, any timestamp with a
        time zone for a timestamp column, a string or ``fixed_size_binary(16)`` for a
        uuid column, ...).
    ktype : KineticaType
    coerce : bool
        Round values with too much precision (sub-ms timestamps and times, decimals
        with more places than the scale) instead of refusing them.

    Returns
    -------
    pyarrow.RecordBatch
        Of :func:`wire_schema`, in the type's column order.

    Raises
    ------
    InvalidArgumentError
        A missing or unknown column, an Arrow type the column does not accept, or a
        value Kinetica would refuse or change; the message names column, row and value.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from arrowtap.connectors.kinetica.wire.schema import from_arrow_schema
    >>> ktype = from_arrow_schema(pa.schema([("x", pa.int8()), ("s", pa.string())]),
    ...                           properties={"s": ["char4"]})
    >>> arrow_to_wire(pa.record_batch({"x": [1, None], "s": ["abcd", "é"]}), ktype).to_pylist()
    [{'x': 1, 's': 'abcd'}, {'x': None, 's': 'é'}]
    >>> try:
    ...     arrow_to_wire(pa.record_batch({"x": [1, 300], "s": ["a", "b"]}), ktype)
    ... except InvalidArgumentError as exc:
    ...     print(exc)
    Kinetica column 'x' (int8): row 1: 300 is out of range -128 .. 127
    """
    if not isinstance(batch, pa.RecordBatch):
        raise InvalidArgumentError(f"arrow_to_wire takes a pyarrow.RecordBatch, not {batch!r}")
    names = batch.schema.names
    _check_names(names, ktype, InvalidArgumentError)
    arrays = [encode(batch.column(names.index(c.name)), c, coerce) for c in ktype.columns]
    return pa.RecordBatch.from_arrays(arrays, schema=wire_schema(ktype))


def wire_to_arrow(
    columns: Mapping[str, Sequence[Any] | pa.Array | pa.ChunkedArray] | pa.RecordBatch,
    ktype: KineticaType,
) -> pa.RecordBatch:
    """Convert decoded wire values of a Kinetica type to an Arrow batch.

    Parameters
    ----------
    columns : mapping of str to list or pyarrow.Array, or pyarrow.RecordBatch
        The values of each column as the Avro decoder gives them (int, float, str,
        bytes or None), or already as Arrow arrays of the wire types.
    ktype : KineticaType

    Returns
    -------
    pyarrow.RecordBatch
        Of :func:`~arrowtap.connectors.kinetica.wire.schema.to_arrow_schema` of `ktype`.

    Raises
    ------
    DecodeError
        A missing or unknown column, columns of different lengths, or a value that is
        not of the column's Avro type or does not convert; the message names column,
        row and value.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from arrowtap.connectors.kinetica.wire.schema import from_arrow_schema
    >>> ktype = from_arrow_schema(pa.schema([("d", pa.date32()), ("n", pa.decimal128(5, 2))]))
    >>> wire_to_arrow({"d": ["2024-02-29", None], "n": ["1.50", "-2"]}, ktype).to_pylist()
    [{'d': datetime.date(2024, 2, 29), 'n': Decimal('1.50')}, {'d': None, 'n': Decimal('-2.00')}]
    """
    if isinstance(columns, pa.RecordBatch):
        viewed = _viewed(columns, ktype)
        if viewed is not None:
            return viewed
        columns = {name: columns.column(i) for i, name in enumerate(columns.schema.names)}
    if not isinstance(columns, Mapping):
        raise DecodeError(f"wire_to_arrow takes a mapping of columns, not {type(columns)!r}")
    _check_names(list(columns), ktype, DecodeError)
    lengths = {name: len(values) for name, values in columns.items()}
    if len(set(lengths.values())) > 1:
        raise DecodeError(f"Kinetica wire columns differ in length: {lengths}")
    arrays = [decode(columns[c.name], c) for c in ktype.columns]
    return pa.RecordBatch.from_arrays(arrays, schema=to_arrow_schema(ktype))


@functools.lru_cache(maxsize=256)
def _view_of(ktype: KineticaType) -> tuple[pa.StructType, tuple[int, ...], pa.Schema] | None:
    """The Arrow schema, as a struct too, and the columns not nullable, if all are as is.

    As is: its wire values are its Arrow values (:func:`~._decode.as_is`); else ``None``.
    """
    if not all(as_is(c) for c in ktype.columns):
        return None
    required = tuple(i for i, c in enumerate(ktype.columns) if not c.nullable)
    schema = to_arrow_schema(ktype)
    return pa.struct(list(schema)), required, schema


def _viewed(batch: pa.RecordBatch, ktype: KineticaType) -> pa.RecordBatch | None:
    """`batch` in its Arrow types without a copy, if it can be; else ``None``.

    It can be when it is of the wire schema, every column as is and without a null
    where none may be (what :func:`decode` would check): most tables' pages (numbers,
    strings, timestamps) convert so, in one call.
    """
    view = _view_of(ktype)
    if view is None or not batch.schema.equals(wire_schema(ktype)):
        return None
    struct, required, schema = view
    if any(batch.column(i).null_count for i in required):
        return None  # the column by column way names the row
    viewed = pa.RecordBatch.from_struct_array(batch.to_struct_array().view(struct))
    # The fields keep their metadata in the struct; the schema's own (the label) is put back.
    return viewed if schema.metadata is None else viewed.replace_schema_metadata(schema.metadata)


def _check_names(names: list[str], ktype: KineticaType, error: type[ArrowtapError]) -> None:
    expected = ktype.names
    if tuple(names) == expected:
        return  # the type's columns in its order: what a page decodes to
    missing = [n for n in expected if n not in names]
    unknown = [n for n in names if n not in expected]
    twice = sorted({n for n in names if names.count(n) > 1})
    if missing or unknown or twice:
        raise error(
            f"columns do not match the Kinetica type: missing {missing}, "
            f"unknown {unknown}, repeated {twice}"
        )
