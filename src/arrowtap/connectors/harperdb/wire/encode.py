"""Arrow batches to HarperDB records: checked first, converted by column, encoded once.

Conversions, faithful to JSON (HarperDB keeps numbers as doubles):

- timestamps with a time zone -> ISO 8601 text in UTC with every digit of the
  unit (``2024-01-01T00:00:00.123456789Z``); a ``Date`` attribute keeps ms;
  naive timestamps are refused (give a zone: they would be read as local time);
- dates -> ``YYYY-MM-DD``, times -> ``HH:MM:SS[.f]``;
- decimals -> JSON numbers with their exact digits;
- NaN -> ``null`` (pandas' missing value); infinities are refused;
- integers beyond +/-2**53 are refused (a double would round them);
- ``arrow.json`` columns -> the JSON value they hold, not a string;
- lists, structs -> arrays, objects; binary and durations are refused;
- ``__createdtime__`` / ``__updatedtime__`` are dropped (the server assigns them).

Columns are converted with Arrow kernels; records are built and encoded by
pyarrow and msgspec (C), a batch at a time.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pyarrow as pa
import pyarrow.compute as pc

from arrowtap.connectors.harperdb.wire.client import SYSTEM
from arrowtap.errors import InvalidArgumentError

__all__ = ["SERVER_TIMES", "check_table", "encode_records", "harperdb_attributes"]

SERVER_TIMES = ("__createdtime__", "__updatedtime__")
_SAFE = 2**53
_ENCODER = msgspec.json.Encoder(decimal_format="number")


def _refuse(where: str, name: str, why: str) -> InvalidArgumentError:
    return InvalidArgumentError(f"{SYSTEM}: write to {where}: column {name!r} {why}")


def _check_column(where: str, name: str, column: pa.ChunkedArray | pa.Array) -> None:
    kind = column.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_timestamp(kind) and kind.tz is None:
        raise _refuse(where, name, "has naive timestamps; give them a time zone (e.g. UTC)")
    if (
        pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_fixed_size_binary(kind)
    ):
        raise _refuse(where, name, "is binary; HarperDB's JSON API has no bytes (encode them)")
    if pa.types.is_duration(kind) or pa.types.is_interval(kind):
        raise _refuse(where, name, f"is a {kind}; convert it to a number of a unit first")
    if pa.types.is_floating(kind) and pc.any(pc.is_inf(column)).as_py():
        at = pc.index(pc.is_inf(column), True).as_py()
        raise _refuse(where, name, f"holds an infinity (row {at}), which JSON cannot carry")
    if pa.types.is_integer(kind) and len(column) and column.null_count < len(column):
        low, high = pc.min_max(column).values()
        for bound in (low.as_py(), high.as_py()):
            if bound is not None and abs(bound) > _SAFE:
                raise _refuse(
                    where, name, f"holds {bound}, beyond +/-2**53: HarperDB would round it"
                )


def check_table(data: pa.Table | pa.RecordBatch, primary_key: str, where: str) -> None:
    """Refuse what cannot be written faithfully, before anything is sent.

    Examples
    --------
    >>> check_table(pa.table({"id": ["a", None]}), "id", "db.t")
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: HarperDB: write to db.t: primary key 'id' is null \
in row 1
    """
    names = data.schema.names
    if len(set(names)) != len(names):
        raise InvalidArgumentError(f"{SYSTEM}: write to {where}: duplicate column names {names}")
    if primary_key not in names:
        raise InvalidArgumentError(
            f"{SYSTEM}: write to {where}: no primary key column {primary_key!r} (columns {names})"
        )
    key = data.column(primary_key)
    key_type = key.type.value_type if pa.types.is_dictionary(key.type) else key.type
    if not (pa.types.is_string(key_type) or pa.types.is_large_string(key_type)) and not (
        pa.types.is_integer(key_type) or pa.types.is_floating(key_type)
    ):
        raise InvalidArgumentError(
            f"{SYSTEM}: write to {where}: primary key {primary_key!r} must be strings or"
            f" numbers, not {key.type}"
        )
    invalid = pc.is_null(key, nan_is_null=True)
    if pc.any(invalid).as_py():
        at = pc.index(invalid, True).as_py()
        raise InvalidArgumentError(
            f"{SYSTEM}: write to {where}: primary key {primary_key!r} is null in row {at}"
        )
    for name, column in zip(names, data.columns, strict=True):
        _check_column(where, name, column)


def _iso(column: pa.Array) -> pa.Array:
    # Zoned timestamps hold UTC: dropping the zone keeps the instant as UTC wall time,
    # and a naive cast to text is 20 times faster than a zoned one.
    text = column.cast(pa.timestamp(column.type.unit)).cast(pa.string())
    return pc.binary_join_element_wise(
        pc.replace_substring(text, " ", "T", max_replacements=1), "Z", ""
    )


def _prepared(column: pa.Array) -> list[Any]:
    """A column's values for the records (raw JSON for ``arrow.json`` columns)."""
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    kind = column.type
    if isinstance(kind, pa.JsonType):
        return [None if v is None else msgspec.Raw(v) for v in column.storage.to_pylist()]
    if pa.types.is_timestamp(kind):
        column = _iso(column)
    elif pa.types.is_date(kind) or pa.types.is_time(kind):
        column = column.cast(pa.string())
    if pa.types.is_floating(kind) and column.null_count < len(column):
        nan = pc.is_nan(column)
        if pc.any(nan).as_py():
            column = pc.if_else(nan, pa.scalar(None, kind), column)
    values: list[Any] = column.to_pylist()
    return values


def _hook(value: Any) -> Any:
    # Nested timestamps arrive as datetime-like objects (pandas' for ns).
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot write a {type(value).__name__} as JSON")


_NESTED_ENCODER = msgspec.json.Encoder(decimal_format="number", enc_hook=_hook)


def encode_records(batch: pa.RecordBatch, where: str) -> msgspec.Raw:
    """The JSON array of a batch's records, ready to embed in the ``upsert`` body.

    Examples
    --------
    >>> import decimal
    >>> batch = pa.record_batch({"id": [1], "t": pa.array([0], pa.timestamp("ns", tz="UTC")),
    ...                          "d": pa.array([decimal.Decimal("1.10")]), "x": [float("nan")]})
    >>> bytes(encode_records(batch, "db.t"))
    b'[{"id":1,"t":"1970-01-01T00:00:00.000000000Z","d":1.10,"x":null}]'
    """
    names = [n for n in batch.schema.names if n not in SERVER_TIMES]
    columns = [_prepared(batch.column(name)) for name in names]
    records = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
    try:
        return msgspec.Raw(_NESTED_ENCODER.encode(records))
    except (TypeError, msgspec.EncodeError) as exc:
        raise InvalidArgumentError(f"{SYSTEM}: write to {where}: {exc}") from exc


_TYPES = [
    (pa.types.is_boolean, "Boolean"),
    (lambda t: pa.types.is_integer(t) and t.bit_width <= 16, "Int"),
    (lambda t: pa.types.is_signed_integer(t) and t.bit_width == 32, "Int"),
    (pa.types.is_integer, "Long"),
    (pa.types.is_floating, "Float"),
    (pa.types.is_decimal, "Float"),
    (lambda t: pa.types.is_string(t) or pa.types.is_large_string(t), "String"),
    (lambda t: pa.types.is_timestamp(t) or pa.types.is_date(t), "Date"),
]


def _harperdb_type(kind: pa.DataType) -> dict[str, Any]:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        element = _harperdb_type(kind.value_type)
        if element["type"] not in ("Any", "array"):
            return {"type": "array", "elements": element}
        return {"type": "Any"}
    if isinstance(kind, pa.JsonType):
        return {"type": "Any"}
    return {"type": next((name for test, name in _TYPES if test(kind)), "Any")}


def harperdb_attributes(schema: pa.Schema, primary_key: str) -> list[dict[str, Any]]:
    """``create_table`` attributes for a schema, with indexed created/updated times.

    Examples
    --------
    >>> schema = pa.schema([("id", pa.string()), ("tags", pa.list_(pa.string()))])
    >>> [a["type"] for a in harperdb_attributes(schema, "id")]
    ['String', 'array', 'Float', 'Float']
    """
    attributes = [
        {"name": field.name, **_harperdb_type(field.type)}
        for field in schema
        if field.name not in SERVER_TIMES
    ]
    times = [{"name": name, "type": "Float", "indexed": True} for name in SERVER_TIMES]
    return attributes + times
