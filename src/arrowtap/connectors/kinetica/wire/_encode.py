"""Arrow arrays -> Kinetica wire values, each value checked (see :mod:`.values`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from arrowtap.connectors.kinetica.wire._context import UUID_RE, WIRE, Context, with_nulls
from arrowtap.connectors.kinetica.wire.schema import accepts, arrow_type
from arrowtap.connectors.kinetica.wire.types import KineticaColumn
from arrowtap.errors import InvalidArgumentError

_INT_RANGE = {"int8": 2**7, "int16": 2**15, "int": 2**31, "long": 2**63}
_EPOCH = dt.date(1970, 1, 1)
_DAY_MS = 86_400_000


def _days(year: int, month: int = 1, day: int = 1) -> int:
    return (dt.date(year, month, day) - _EPOCH).days


# Kinetica's date/datetime ranges: 1000-01-01 .. 2900-12-31, and the year 9999 [DOC].
_DAY_RANGES = ((_days(1000), _days(2900, 12, 31)), (_days(9999), _days(9999, 12, 31)))
_MS_RANGES = tuple((lo * _DAY_MS, (hi + 1) * _DAY_MS - 1) for lo, hi in _DAY_RANGES)
_TIMESTAMP_RANGE = "is outside Kinetica's timestamps, 1000-01-01 .. 2900-12-31 23:59:59.999"
_DATE_RANGE = "is outside Kinetica's dates, 1000-01-01 .. 2900-12-31 and the year 9999"
_LEGACY_DECIMAL = Decimal(2**63 - 1).scaleb(-4)  # plain "decimal" is an int64 scaled by 10^4
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4_RE = rf"^{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}$"
_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", np.uint8)
_UUID_DIGITS = [i for i in range(36) if i not in (8, 13, 18, 23)]


def encode(arr: pa.Array | pa.ChunkedArray, col: KineticaColumn, coerce: bool) -> pa.Array:
    """The wire values of one column (:func:`.values.arrow_to_wire`)."""
    ctx = Context(col, InvalidArgumentError)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not accepts(col, arr.type):
        hint = ""
        if col.kind == "timestamp" and pa.types.is_timestamp(arr.type):
            hint = " (naive timestamps: localise them with pyarrow.compute.assume_timezone)"
        raise ctx.fail(f"Arrow type {arr.type} cannot be written to it{hint}")
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if pa.types.is_null(arr.type):
        arr = pa.nulls(len(arr), arrow_type(col))
    ctx.check_nulls(arr)
    return _ENCODERS.get(col.kind, _encode_string)(arr, ctx, coerce)


def _encode_int(arr: pa.Array, ctx: Context, coerce: bool) -> pa.Array:
    col = ctx.column
    bound = _INT_RANGE.get(col.kind, 2**64)
    text = f"-{bound} .. {bound - 1}" if col.kind != "ulong" else f"0 .. {bound - 1}"
    out = ctx.cast(arr, arrow_type(col), f"is out of range {text}")
    return out.cast(WIRE[col.base])


def _encode_float(arr: pa.Array, ctx: Context, coerce: bool) -> pa.Array:
    target = WIRE[ctx.column.base]
    if pa.types.is_integer(arr.type):
        return ctx.apply(arr, lambda a: pc.cast(a, target, safe=not coerce), "is not exact")
    out = arr.cast(target)
    ctx.check(arr, pc.and_(pc.is_inf(out), pc.is_finite(arr)), f"overflows {target}")
    return out


def _to_ms(arr: pa.Array, ctx: Context, coerce: bool) -> pa.Array:
    """Timestamps or times in ms: exact, or rounded down with `coerce`."""
    fine = arr.type.unit in ("us", "ns")
    if fine and coerce:
        arr = pc.floor_temporal(arr, unit="millisecond")
    target = pa.time32("ms") if pa.types.is_time(arr.type) else pa.timestamp("ms", arr.type.tz)
    reason = "is not a whole millisecond (coerce=True rounds it)" if fine else "is out of range"
    return ctx.cast(arr, target, reason)


def _check_ranges(ctx: Context, shown: pa.Array, ints: pa.Array, ranges: Any, text: str) -> None:
    inside = pa.nulls(len(ints), pa.bool_()).fill_null(False)
    for lo, hi in ranges:
        inside = pc.or_(inside, pc.and_(pc.greater_equal(ints, lo), pc.less_equal(ints, hi)))
    ctx.check(shown, pc.invert(inside), text)


def _encode_timestamp(arr: pa.Array, ctx: Context, coerce: bool) -> pa.Array:
    ms = _to_ms(arr.cast(pa.timestamp(arr.type.unit, "UTC")), ctx, coerce)
    ints = ms.cast(pa.int64())
    _check_ranges(ctx, ms, ints, _MS_RANGES[:1], _TIMESTAMP_RANGE)
    return ints


def _encode_datetime(arr: pa.Array, ctx: Context, coerce: bool) -> pa.Array:
    ms = _to_ms(arr, ctx, coerce)
    _check_ranges(ctx, ms, ms.cast(pa.int64()), _MS_RANGES, _DATE_RANGE)
    return pc.strftime(ms, "%Y-%m-%d %H:%M:%S")


def _encode_date(arr: pa.Array, ctx: Context, coerce: bool) -> pa.Array:
    if pa.types.is_date64(arr.type):
        if coerce:
            arr = pc.floor_temporal(arr.cast(pa.timestamp("ms")), unit="day")
        arr = ctx.cast(arr, pa.date32(), "is not a whole day (coerce=True rounds it)")
    _check_ranges(ctx, arr, arr.cast(pa.int32()), _DAY_RANGES, _DATE_RANGE)
    return arr.cast(pa.string())


def _encode_time(arr: pa.Array, ctx: Context, coerce: bool) -> pa.Array:
    ms = _to_ms(arr, ctx, coerce)
    ranges = [(0, _DAY_MS - 1)]
    _check_ranges(
        ctx, ms, ms.cast(pa.int32()), ranges, "is not a time of day 00:00 .. 23:59:59.999"
    )
    return ms.cast(pa.string())


def _encode_decimal(arr: pa.Array, ctx: Context, coerce: bool) -> pa.Array:
    col = ctx.column
    p, s = col.precision or 0, col.scale or 0
    target, reason = pa.decimal128(p, s), f"does not fit decimal({p},{s})"
    if pa.types.is_floating(arr.type) and not coerce:
        raise ctx.fail(f"{arr.type} values are not exact decimals; cast them or pass coerce=True")
    if not pa.types.is_decimal(arr.type):  # integers, floats, strings: via the widest scale-s
        arr = ctx.cast(arr, pa.decimal128(38, s), reason)
    elif arr.type.scale > s:
        if coerce:
            half_up = "half_towards_infinity"  # Kinetica's Java client rounds HALF_UP too
            arr = ctx.apply(arr, lambda a: pc.round(a, ndigits=s, round_mode=half_up), reason)
        else:
            reason += " (coerce=True rounds it)"
    out = ctx.cast(arr, target, reason)
    if col.type_name == "decimal":
        low = pa.scalar(-_LEGACY_DECIMAL - Decimal("0.0001"), target)
        high = pa.scalar(_LEGACY_DECIMAL, target)
        outside = pc.or_(pc.less(out, low), pc.greater(out, high))
        ctx.check(out, outside, f"is outside plain decimal's range {low} .. {high}")
    return _plain_text(out)


def _plain_text(decimals: pa.Array) -> pa.Array:
    """Decimals as text without an exponent: Arrow writes ``0E-10`` for a zero of scale 10.

    Only the few values Arrow spells with an exponent (tiny ones, zeros of scale
    above 6) are formatted again, in Python.
    """
    text = decimals.cast(pa.string())
    exponent = pc.fill_null(pc.match_substring(text, "E"), False)
    if not pc.any(exponent).as_py():
        return text
    fixed = [format(value, "f") for value in decimals.filter(exponent).to_pylist()]
    return pc.replace_with_mask(text, exponent, pa.array(fixed, pa.string()))


def _as_string(arr: pa.Array) -> pa.Array:
    if isinstance(arr.type, pa.ExtensionType):
        arr = arr.storage
    return arr.cast(pa.string())


def _encode_string(arr: pa.Array, ctx: Context, coerce: bool) -> pa.Array:
    if ctx.column.base == "bytes":
        return arr.cast(pa.binary())
    out = _as_string(arr)
    if ctx.column.kind == "char":
        n, lengths = ctx.column.length, pc.binary_length(out)
        reason = lambda row: f"is {lengths[row]} bytes, longer than char{n} allows"  # noqa: E731
        ctx.check(out, pc.greater(lengths, n), reason)
    if ctx.column.kind == "ipv4":
        if arr.type == pa.uint32():
            octets = [pc.bit_wise_and(pc.shift_right(arr, k), 255) for k in (24, 16, 8, 0)]
            return pc.binary_join_element_wise(*(o.cast(pa.string()) for o in octets), ".")
        ctx.check(out, pc.invert(pc.match_substring_regex(out, _IPV4_RE)), "is not an IPv4 A.B.C.D")
    return out


def _encode_uuid(arr: pa.Array, ctx: Context, coerce: bool) -> pa.Array:
    if isinstance(arr.type, pa.UuidType):
        arr = arr.storage
    if pa.types.is_fixed_size_binary(arr.type):
        return _uuid_text(arr)
    out = _as_string(arr)
    ctx.check(out, pc.invert(pc.match_substring_regex(out, UUID_RE)), "is not a UUID 8-4-4-4-12")
    return pc.utf8_lower(out)


def _encode_array(arr: pa.Array, ctx: Context, coerce: bool) -> pa.Array:
    lists = ctx.cast(arr, arrow_type(ctx.column), f"does not fit {ctx.column.type_name}")
    items, parents = pc.list_flatten(lists), pc.list_parent_indices(lists)
    bad = items.is_null()
    if pa.types.is_floating(items.type):
        bad = pc.or_kleene(bad, pc.invert(pc.is_finite(items)))
    if pc.any(bad).as_py():
        row = parents[pc.index(bad, True).as_py()].as_py()
        raise ctx.bad_row(lists, row, "has a null or non-finite item, which Kinetica arrays lack")
    if ctx.column.item == "string":  # no compute function escapes JSON strings
        texts = [
            None if v is None else json.dumps(v, ensure_ascii=False, separators=(",", ":"))
            for v in lists.to_pylist()
        ]
        return pa.array(texts, pa.string())
    joined = pc.binary_join(lists.cast(pa.list_(pa.string())), ",")
    return pc.binary_join_element_wise("[", joined, "]", "")


def _encode_vector(arr: pa.Array, ctx: Context, coerce: bool) -> pa.Array:
    n = ctx.column.length or 0
    vectors = ctx.cast(arr, arrow_type(ctx.column), f"does not hold {n} values")
    items, before = pc.list_flatten(vectors), pc.list_flatten(arr)
    bad = items.is_null()
    if pa.types.is_floating(before.type):
        bad = pc.or_kleene(bad, pc.and_(pc.is_inf(items), pc.invert(pc.is_inf(before))))
    if pc.any(bad).as_py():
        row = pc.list_parent_indices(vectors)[pc.index(bad, True).as_py()].as_py()
        raise ctx.bad_row(arr, row, "has a null item or one that overflows float32")
    values = vectors.values.slice(vectors.offset * n, len(vectors) * n)
    data = values.to_numpy(zero_copy_only=False).astype("<f4", copy=False).tobytes()
    offsets = np.arange(len(vectors) + 1, dtype=np.int32) * (4 * n)
    out = pa.Array.from_buffers(
        pa.binary(), len(vectors), [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    return with_nulls(out, vectors)


def _uuid_text(fixed: pa.Array) -> pa.Array:
    n, data = len(fixed), fixed.buffers()[1]
    if data is None:
        return pa.nulls(n, pa.string())
    raw = np.frombuffer(data, np.uint8)[fixed.offset * 16 : (fixed.offset + n) * 16].reshape(n, 16)
    text = np.full((n, 36), ord("-"), np.uint8)
    text[:, _UUID_DIGITS] = _HEX_DIGITS[np.stack([raw >> 4, raw & 15], axis=-1).reshape(n, 32)]
    offsets = np.arange(n + 1, dtype=np.int32) * 36
    out = pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(text)])
    return with_nulls(out, fixed)


_ENCODERS: dict[str, Callable[[pa.Array, Context, bool], pa.Array]] = {
    **dict.fromkeys(("int", "int8", "int16", "long", "ulong"), _encode_int),
    **dict.fromkeys(("float", "double"), _encode_float),
    "boolean": lambda arr, ctx, coerce: arr.cast(pa.int32()),
    "timestamp": _encode_timestamp,
    "datetime": _encode_datetime,
    "date": _encode_date,
    "time": _encode_time,
    "decimal": _encode_decimal,
    "uuid": _encode_uuid,
    "array": _encode_array,
    "vector": _encode_vector,
}
