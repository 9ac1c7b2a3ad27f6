"""Kinetica wire values -> Arrow arrays (see :mod:`.values`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from arrowtap.connectors.kinetica.wire._context import (
    UUID_RE,
    WIRE,
    Context,
    contiguous,
    with_nulls,
)
from arrowtap.connectors.kinetica.wire.schema import arrow_type
from arrowtap.connectors.kinetica.wire.types import KineticaColumn
from arrowtap.errors import DecodeError

_HEX_VALUES = np.zeros(256, np.uint8)
for _i, _c in enumerate(b"0123456789abcdef"):
    _HEX_VALUES[_c] = _HEX_VALUES[ord(chr(_c).upper())] = _i


def decode(values: Sequence[Any] | pa.Array | pa.ChunkedArray, col: KineticaColumn) -> pa.Array:
    """The Arrow array of one column's wire values (:func:`.values.wire_to_arrow`)."""
    ctx = Context(col, DecodeError)
    wire = WIRE[col.base]
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        same = values.type == wire  # as the codec gives them: nothing to cast
        arr = values if same else ctx.cast(values, wire, f"is not an Avro {col.base}")
    else:
        arr = ctx.apply(list(values), lambda v: pa.array(v, wire), f"is not an Avro {col.base}")
    ctx.check_nulls(arr)
    return _DECODERS.get(col.kind, _same)(arr, ctx)


def _same(arr: pa.Array, ctx: Context) -> pa.Array:
    return arr


def _decode_boolean(arr: pa.Array, ctx: Context) -> pa.Array:
    ctx.check(arr, pc.and_(pc.not_equal(arr, 0), pc.not_equal(arr, 1)), "is not 0 or 1")
    return pc.not_equal(arr, 0)


def _decode_date(arr: pa.Array, ctx: Context) -> pa.Array:
    try:
        return arr.cast(pa.date32())
    except pa.ArrowInvalid:  # Kinetica also reads YYYY-[M]M-[D]D
        parse = lambda a: pc.strptime(a, "%Y-%m-%d", "s").cast(pa.date32())  # noqa: E731
        return ctx.apply(arr, parse, "is not a date YYYY-MM-DD")


def _decode_time(arr: pa.Array, ctx: Context) -> pa.Array:
    def parse(a: pa.Array) -> pa.Array:
        return pc.binary_join_element_wise("1970-01-01 ", a, "").cast(pa.timestamp("ms"))

    return ctx.apply(arr, parse, "is not a time HH:MM:SS.mmm").cast(pa.time32("ms"))


def _decode_array(arr: pa.Array, ctx: Context) -> pa.Array:
    target = arrow_type(ctx.column)

    def parse(a: pa.Array) -> pa.Array:  # one NDJSON document, {"v": <text>} per row
        if not len(a):
            return pa.array([], target)
        rows = pc.replace_substring_regex(pc.fill_null(a, "null"), r"[\r\n]", " ")
        lines = pc.binary_join_element_wise('{"v":', rows, "}", "")
        doc = pc.binary_join(pa.ListArray.from_arrays([0, len(lines)], lines), "\n")
        data = doc[0].as_buffer()
        options = pa_json.ParseOptions(explicit_schema=pa.schema([("v", target)]))
        read = pa_json.ReadOptions(use_threads=False, block_size=max(data.size + 1, 1 << 16))
        table = pa_json.read_json(pa.BufferReader(data), read_options=read, parse_options=options)
        if table.num_rows != len(a):
            raise ValueError("not one JSON value per row")
        return table.column("v").combine_chunks()

    return ctx.apply(arr, parse, f"is not a Kinetica {ctx.column.type_name} text")


def _decode_vector(arr: pa.Array, ctx: Context) -> pa.Array:
    n = ctx.column.length or 0
    lengths = pc.binary_length(arr)
    reason = lambda row: f"is {lengths[row]} bytes, vector({n}) takes {4 * n}"  # noqa: E731
    ctx.check(arr, pc.not_equal(lengths, 4 * n), reason)
    filled = pc.fill_null(arr, pa.scalar(bytes(4 * n), pa.binary()))
    floats = np.frombuffer(contiguous(filled), "<f4")
    return pa.FixedSizeListArray.from_arrays(pa.array(floats, pa.float32()), n, mask=arr.is_null())


def _decode_uuid(arr: pa.Array, ctx: Context) -> pa.Array:
    ctx.check(arr, pc.invert(pc.match_substring_regex(arr, UUID_RE)), "is not a UUID 8-4-4-4-12")
    digits = pc.replace_substring(pc.fill_null(arr, "0" * 32), "-", "")
    nibbles = _HEX_VALUES[np.frombuffer(contiguous(digits), np.uint8)].reshape(len(arr), 32)
    raw = (nibbles[:, 0::2] << 4) | nibbles[:, 1::2]
    storage = pa.Array.from_buffers(pa.binary(16), len(arr), [None, pa.py_buffer(raw)])
    return pa.ExtensionArray.from_storage(pa.uuid(), with_nulls(storage, arr))


def as_is(col: KineticaColumn) -> bool:
    """Whether the column's wire values are its Arrow values, reinterpreted at most.

    Then :func:`decode` converts nothing: it checks the nulls, and a timestamp column
    takes its int64 values as milliseconds.
    """
    return col.kind not in _DECODERS or _DECODERS[col.kind] is _decode_timestamp


def _decode_timestamp(arr: pa.Array, ctx: Context) -> pa.Array:
    # Ms since the epoch either way: the int64 values are the timestamps, reinterpreted
    # (what the cast does too, without its per-call dispatch; it cannot fail).
    return arr.view(arrow_type(ctx.column))


def _decoder(reason: str) -> Callable[[pa.Array, Context], pa.Array]:
    return lambda arr, ctx: ctx.cast(arr, arrow_type(ctx.column), reason)


_DECODERS: dict[str, Callable[[pa.Array, Context], pa.Array]] = {
    **dict.fromkeys(("int8", "int16"), _decoder("is out of range")),
    "boolean": _decode_boolean,
    "timestamp": _decode_timestamp,
    "datetime": _decoder("is not a datetime YYYY-MM-DD HH:MM:SS.mmm"),
    "date": _decode_date,
    "time": _decode_time,
    "decimal": _decoder("is not a decimal of that precision and scale"),
    "ulong": _decoder("is not an unsigned 64-bit integer"),
    "uuid": _decode_uuid,
    "array": _decode_array,
    "vector": _decode_vector,
}
