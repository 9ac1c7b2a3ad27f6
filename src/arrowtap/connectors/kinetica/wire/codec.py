"""Kinetica records <-> Arrow columns, a whole page per call.

A table's rows travel as Avro records of its type (``kinetica.md`` §3): ``/get/records``
returns them as an ``array<bytes>`` inside the response, ``/insert/records`` takes them
the same way, and ``/execute/sql`` returns its result column-major, one Avro array per
column. The compiled :mod:`._avrorows` walks those bytes in place, without the GIL, and
fills Arrow buffers directly: no Python object per row or value. This module wraps it:
the record layout of a type, batches of the wire types
(:func:`~arrowtap.connectors.kinetica.wire.values.wire_schema`), and errors as
:class:`~arrowtap.errors.DecodeError` / :class:`~arrowtap.errors.InvalidArgumentError`
naming the column, the row and the byte position.

Converting wire values to the columns' Arrow types (dates, decimals, uuids...) and
checking values before a write are :mod:`~arrowtap.connectors.kinetica.wire.values`'.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import pyarrow as pa

from arrowtap.connectors.kinetica.wire import _avrorows
from arrowtap.connectors.kinetica.wire._context import WIRE
from arrowtap.connectors.kinetica.wire.types import KineticaType
from arrowtap.connectors.kinetica.wire.values import wire_schema
from arrowtap.errors import DecodeError, InvalidArgumentError

__all__ = [
    "decode_arrays",
    "decode_list",
    "decode_rows",
    "encode_rows",
    "layout",
]

BytesLike = bytes | bytearray | memoryview

_CODES = {"int": 0, "long": 1, "float": 2, "double": 3, "string": 4, "bytes": 5}
_NULLABLE = 0x80


def layout(ktype: KineticaType | Sequence[tuple[str, bool]]) -> bytes:
    r"""The codec's layout of a record type: one byte per column, base type and nullability.

    Parameters
    ----------
    ktype : KineticaType or sequence of (base, nullable)

    Examples
    --------
    >>> layout([("long", False), ("string", True)])
    b'\x01\x84'
    """
    if isinstance(ktype, KineticaType):
        return _type_layout(ktype)
    return bytes(_CODES[base] | (_NULLABLE if nullable else 0) for base, nullable in ktype)


@functools.lru_cache(maxsize=256)
def _type_layout(ktype: KineticaType) -> bytes:
    # Every page of a table decodes under the same (immutable) type: made once per type.
    return layout([(c.base, c.nullable) for c in ktype.columns])


def _array(typ: pa.DataType, nrows: int, spec: tuple[int, object, object, object]) -> pa.Array:
    nulls, validity, values, offsets = spec
    buffers = [None if validity is None else pa.py_buffer(validity)]
    if offsets is not None:
        buffers.append(pa.py_buffer(offsets))
    buffers.append(pa.py_buffer(values))
    return pa.Array.from_buffers(typ, nrows, buffers, null_count=nulls)


def _batch(
    schema: pa.Schema, nrows: int, specs: Sequence[tuple[int, object, object, object]]
) -> pa.RecordBatch:
    arrays = [_array(f.type, nrows, spec) for f, spec in zip(schema, specs, strict=True)]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _decode_error(what: str, names: Sequence[str], exc: ValueError) -> DecodeError:
    if len(exc.args) != 4:
        return DecodeError(f"Kinetica {what}: records do not decode: {exc}")
    message, row, column, pos = exc.args
    where = f"row {row}" if row >= 0 else "the array"
    if 0 <= column < len(names):
        where += f", column {names[column]!r}"
    return DecodeError(f"Kinetica {what}: {where}: {message} (byte {pos})")


def decode_rows(
    body: BytesLike, pos: int, ktype: KineticaType, *, what: str = "records"
) -> tuple[pa.RecordBatch, int]:
    r"""Decode the ``array<bytes>`` of records at ``body[pos:]`` into one wire batch.

    Parameters
    ----------
    body : bytes-like
        E.g. the ``data`` of a ``/get/records`` reply; read in place.
    pos : int
        Where the array starts.
    ktype : KineticaType
        The records' type.
    what : str
        The operation, for error messages.

    Returns
    -------
    batch : pyarrow.RecordBatch
        Of :func:`~arrowtap.connectors.kinetica.wire.values.wire_schema` of `ktype`.
    end : int
        The position just past the array.

    Raises
    ------
    DecodeError
        A record that is not of the type; the message names row, column and byte.

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType
    >>> ktype = KineticaType((KineticaColumn("i", "int"), KineticaColumn("s", "string")))
    >>> batch, end = decode_rows(b"\x04\x06\x02\x02a\x06\x03\x02b\x00", 0, ktype)
    >>> batch.to_pylist(), end
    ([{'i': 1, 's': 'a'}, {'i': -2, 's': 'b'}], 10)
    """
    schema = wire_schema(ktype)
    try:
        (end, nrows), specs = _avrorows.decode_rows(body, pos, layout(ktype))
    except ValueError as exc:
        raise _decode_error(what, ktype.names, exc) from exc
    return _batch(schema, nrows, specs), end


def decode_list(
    records: Sequence[bytes], ktype: KineticaType, *, what: str = "records"
) -> pa.RecordBatch:
    r"""Decode records given one ``bytes`` each (e.g. table-monitor frames) into a wire batch.

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType
    >>> ktype = KineticaType((KineticaColumn("x", "double", ("nullable",)),))
    >>> decode_list([b"\x02", b"\x00" + bytes(8)], ktype).column("x").to_pylist()
    [None, 0.0]
    """
    schema = wire_schema(ktype)
    try:
        nrows, specs = _avrorows.decode_list(records, layout(ktype))
    except ValueError as exc:
        raise _decode_error(what, ktype.names, exc) from exc
    return _batch(schema, nrows, specs)


def decode_arrays(
    body: BytesLike,
    pos: int,
    columns: Sequence[tuple[str, str, bool]],
    *,
    what: str = "result",
) -> tuple[pa.RecordBatch, int]:
    r"""Decode consecutive Avro arrays, one per column, into one wire batch.

    Parameters
    ----------
    body : bytes-like
        E.g. the ``binary_encoded_response`` of ``/execute/sql``.
    pos : int
        Where the first array starts.
    columns : sequence of (name, base, nullable)
        The columns, in order.
    what : str
        The operation, for error messages.

    Returns
    -------
    batch : pyarrow.RecordBatch
        One column per array, of the Arrow type of its base type.
    end : int
        The position just past the last array.

    Raises
    ------
    DecodeError
        A value that does not decode, or arrays of different lengths.

    Examples
    --------
    >>> batch, end = decode_arrays(b"\x04\x02\x04\x00\x04\x00\x02a\x02\x00", 0,
    ...                            [("n", "long", False), ("s", "string", True)])
    >>> batch.to_pylist()
    [{'n': 1, 's': 'a'}, {'n': 2, 's': None}]
    """
    names = [name for name, _, _ in columns]
    schema = pa.schema([pa.field(n, WIRE[b], nullable) for n, b, nullable in columns])
    try:
        (end, lengths), specs = _avrorows.decode_arrays(
            body, pos, layout([(b, n) for _, b, n in columns])
        )
    except ValueError as exc:
        raise _decode_error(what, names, exc) from exc
    if len(set(lengths)) > 1:
        sizes = dict(zip(names, lengths, strict=True))
        raise DecodeError(f"Kinetica {what}: columns differ in length: {sizes}")
    return _batch(schema, lengths[0] if lengths else 0, specs), end


def _buffers(arr: pa.Array) -> tuple[object, object, object, int]:
    buffers = arr.buffers()
    validity = buffers[0] if arr.null_count else None
    if len(buffers) == 3:
        return validity, buffers[2], buffers[1], arr.offset
    return validity, buffers[1], None, arr.offset


def encode_rows(wire: pa.RecordBatch, ktype: KineticaType) -> bytes:
    r"""Encode a wire batch as an Avro ``array<bytes>`` of records (``/insert/records``' list).

    Parameters
    ----------
    wire : pyarrow.RecordBatch
        Of :func:`~arrowtap.connectors.kinetica.wire.values.wire_schema` of `ktype`, as
        :func:`~arrowtap.connectors.kinetica.wire.values.arrow_to_wire` returns it.
    ktype : KineticaType

    Returns
    -------
    bytes
        The array: item count, each record as ``bytes``, closing 0.

    Raises
    ------
    InvalidArgumentError
        A batch not of the wire schema, or a null in a column that is not nullable.

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType
    >>> ktype = KineticaType((KineticaColumn("i", "int"), KineticaColumn("s", "string")))
    >>> encode_rows(pa.record_batch({"i": pa.array([1], pa.int32()), "s": ["a"]}), ktype)
    b'\x02\x06\x02\x02a\x00'
    """
    schema = wire_schema(ktype)
    if wire.schema.names != schema.names or wire.schema.types != schema.types:
        raise InvalidArgumentError(
            f"Kinetica records: the batch is not of the wire schema: {wire.schema} != {schema}"
        )
    columns = [_buffers(arr) for arr in wire.columns]
    try:
        return _avrorows.encode_rows(columns, layout(ktype), wire.num_rows)
    except ValueError as exc:
        if len(exc.args) != 4:
            raise InvalidArgumentError(f"Kinetica records: {exc}") from exc
        message, row, column, _ = exc.args
        name = ktype.names[column] if 0 <= column < len(ktype.names) else "?"
        raise InvalidArgumentError(f"Kinetica column {name!r}: row {row}: {message}") from exc
