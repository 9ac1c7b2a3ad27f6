"""Arrow schemas of the listings, derived from the model, and the page decoder.

Every member of an item shape becomes a column of the same name, typed from
its shape: strings are ``string``, except enums at the top level, which are
``dictionary<int32, string>`` whose dictionary is every value the model
allows (so pandas gets categoricals with all the categories); timestamps
are ``timestamp[ns, tz=UTC]``; structures and lists become ``struct`` and
``list``; integers ``int32`` (``long``: ``int64``).

rest-json sends timestamps as epoch seconds, a JSON number such as
``1635768000.123``. Bodies are parsed with :class:`decimal.Decimal` for
fractions, so the conversion to nanoseconds is exact (a float would be off
by up to a quarter of a microsecond). An enum value the model does not know
(AWS adds values over time) is kept: it is appended to that batch's
dictionary.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

import pyarrow as pa

from arrowtap.connectors.finspace.wire.model import SYSTEM, listing, shape
from arrowtap.errors import DecodeError

__all__ = [
    "CHANGESETS_SCHEMA",
    "CLUSTERS_SCHEMA",
    "CLUSTER_NODES_SCHEMA",
    "DATABASES_SCHEMA",
    "ENVIRONMENTS_SCHEMA",
    "TIMESTAMP",
    "arrow_type",
    "decode_items",
    "enum_array",
    "enum_values",
    "epoch_ns",
    "listing_schema",
]

TIMESTAMP = pa.timestamp("ns", tz="UTC")
_SCALARS = {
    "string": pa.string(),
    "integer": pa.int32(),
    "long": pa.int64(),
    "boolean": pa.bool_(),
    "double": pa.float64(),
    "float": pa.float32(),
    "blob": pa.binary(),
    "timestamp": TIMESTAMP,
}
_NS = Decimal(10**9)


def arrow_type(shape_name: str, top: bool = False) -> pa.DataType:
    """The Arrow type of a model shape; ``top`` for a column (enums become dictionaries).

    Examples
    --------
    >>> arrow_type("KxClusterStatus", top=True)
    DictionaryType(dictionary<values=string, indices=int32, ordered=0>)
    >>> arrow_type("Volumes")
    ListType(list<item: struct<volumeName: string, volumeType: string>>)
    """
    spec = shape(shape_name)
    kind = spec["type"]
    if kind == "string" and "enum" in spec and top:
        return pa.dictionary(pa.int32(), pa.string())
    if kind in _SCALARS:
        return _SCALARS[kind]
    if kind == "list":
        return pa.list_(arrow_type(spec["member"]["shape"]))
    if kind == "map":
        return pa.map_(arrow_type(spec["key"]["shape"]), arrow_type(spec["value"]["shape"]))
    if kind == "structure":
        return pa.struct(
            [pa.field(name, arrow_type(m["shape"])) for name, m in spec["members"].items()]
        )
    raise TypeError(f"{SYSTEM}: no Arrow type for shape {shape_name!r} of type {kind!r}")


@functools.cache
def listing_schema(operation: str) -> pa.Schema:
    """The declared schema of every batch of listing ``operation``.

    Examples
    --------
    >>> listing_schema("ListKxDatabases")
    databaseName: string
    createdTimestamp: timestamp[ns, tz=UTC]
    lastModifiedTimestamp: timestamp[ns, tz=UTC]
    """
    members = shape(listing(operation).item_shape)["members"]
    return pa.schema(
        [pa.field(name, arrow_type(m["shape"], top=True)) for name, m in members.items()]
    )


def enum_values(operation: str) -> dict[str, tuple[str, ...]]:
    """The values the model allows for each enum column of listing ``operation``.

    Examples
    --------
    >>> enum_values("ListKxClusterNodes")
    {'status': ('RUNNING', 'PROVISIONING')}
    """
    members = shape(listing(operation).item_shape)["members"]
    return {
        field.name: tuple(shape(members[field.name]["shape"])["enum"])
        for field in listing_schema(operation)
        if pa.types.is_dictionary(field.type)
    }


ENVIRONMENTS_SCHEMA = listing_schema("ListKxEnvironments")
"""The columns of ``read_finspace_environments``: the model's ``KxEnvironment``."""
CLUSTERS_SCHEMA = listing_schema("ListKxClusters")
"""The columns of ``read_finspace_clusters``: the model's ``KxCluster``."""
DATABASES_SCHEMA = listing_schema("ListKxDatabases")
"""The columns of ``read_finspace_databases``: the model's ``KxDatabaseListEntry``."""
CHANGESETS_SCHEMA = listing_schema("ListKxChangesets")
"""The columns of ``read_finspace_changesets``: the model's ``KxChangesetListEntry``."""
CLUSTER_NODES_SCHEMA = listing_schema("ListKxClusterNodes")
"""The columns of ``read_finspace_cluster_nodes``: the model's ``KxNode``."""


def epoch_ns(value: object) -> int:
    """Nanoseconds since the epoch of a rest-json timestamp, exactly.

    Accepts what botocore accepts: a JSON number of epoch seconds (``int``,
    ``Decimal`` or ``float``), the same as a string, or an ISO 8601 string
    with an offset. Fractions beyond the nanosecond are rounded half-even.

    Examples
    --------
    >>> epoch_ns(Decimal("1635768000.123"))
    1635768000123000000
    >>> epoch_ns("2021-11-01T12:00:00.5Z")
    1635768000500000000
    """
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, int):
        return value * 10**9
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return _iso_ns(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, Decimal):
        number = value
    else:
        raise ValueError(f"not a timestamp: {value!r}")
    if not number.is_finite():
        raise ValueError(f"not a timestamp: {value!r}")
    return int((number * _NS).to_integral_value(ROUND_HALF_EVEN))


def _iso_ns(text: str) -> int:
    stamp = dt.datetime.fromisoformat(text)
    if stamp.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no UTC offset")
    delta = stamp - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * 10**9 + delta.microseconds * 1000


Convert = Callable[[Any], Any]


@functools.cache
def _converter(shape_name: str) -> Convert | None:
    """A function making decoded JSON of ``shape_name`` fit for pyarrow; None if not needed."""
    spec = shape(shape_name)
    kind = spec["type"]
    if kind == "timestamp":
        return epoch_ns
    if kind in ("double", "float"):
        return float
    if kind == "list":
        inner = _converter(spec["member"]["shape"])
        return None if inner is None else (lambda v: [None if x is None else inner(x) for x in v])
    if kind == "structure":
        found = {name: _converter(m["shape"]) for name, m in spec["members"].items()}
        fields = {name: f for name, f in found.items() if f is not None}
        if not fields:
            return None
        return lambda v: {
            k: (x if x is None or k not in fields else fields[k](x)) for k, x in v.items()
        }
    return None


def enum_array(values: Sequence[Any], enum: Sequence[str]) -> pa.DictionaryArray:
    """A ``dictionary<int32, string>`` of ``values`` whose dictionary starts with ``enum``.

    Values outside ``enum`` are appended to the dictionary, so none is lost.

    Examples
    --------
    >>> enum_array(["B", None, "Z"], ["A", "B"]).dictionary.to_pylist()
    ['A', 'B', 'Z']
    """
    categories = list(enum)
    index = {v: i for i, v in enumerate(categories)}
    codes: list[int | None] = []
    for value in values:
        if value is None:
            codes.append(None)
            continue
        if not isinstance(value, str):
            raise TypeError(f"expected a string, got {type(value).__name__}")
        if value not in index:
            index[value] = len(categories)
            categories.append(value)
        codes.append(index[value])
    return pa.DictionaryArray.from_arrays(
        pa.array(codes, pa.int32()), pa.array(categories, pa.string())
    )


def decode_items(operation: str, items: Sequence[dict[str, Any]]) -> pa.RecordBatch:
    """Turn the decoded JSON items of one page into a batch of :func:`listing_schema`.

    Members the model does not know are ignored; absent members are null.

    Raises
    ------
    DecodeError
        A value does not fit its member's shape; the message names the member.

    Examples
    --------
    >>> batch = decode_items("ListKxDatabases", [{"databaseName": "db1",
    ...                                           "createdTimestamp": Decimal("1.5")}])
    >>> batch.column("createdTimestamp")[0]
    <pyarrow.TimestampScalar: '1970-01-01T00:00:01.500000000+0000'>
    """
    try:
        return _decode_fast(operation, items)
    except (TypeError, ValueError, AttributeError, pa.ArrowException):
        pass  # decoded again column by column, to name the member at fault
    schema = listing_schema(operation)
    members = shape(listing(operation).item_shape)["members"]
    columns = []
    for field in schema:
        member_shape = members[field.name]["shape"]
        try:
            columns.append(_column(member_shape, field, [item.get(field.name) for item in items]))
        except (TypeError, ValueError, AttributeError, pa.ArrowException) as exc:
            raise DecodeError(
                f"{SYSTEM}: {operation}: member {field.name!r} does not fit its shape "
                f"{member_shape}: {exc}"
            ) from exc
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def _column(member_shape: str, field: pa.Field, values: list[Any]) -> pa.Array:
    if pa.types.is_dictionary(field.type):
        return enum_array(values, shape(member_shape)["enum"])
    convert = _converter(member_shape)
    if convert is not None:
        values = [None if v is None else convert(v) for v in values]
    return pa.array(values, type=field.type)


@functools.cache
def _direct(operation: str) -> pa.StructType:
    """The members pyarrow converts from JSON as they are (enums as strings), as a struct."""
    members = shape(listing(operation).item_shape)["members"]
    fields = []
    for field in listing_schema(operation):
        if pa.types.is_dictionary(field.type):
            fields.append(field.with_type(pa.string()))
        elif _converter(members[field.name]["shape"]) is None:
            fields.append(field)
    return pa.struct(fields)


@functools.cache
def _enum(member_shape: str) -> tuple[pa.Array, dict[str, int]]:
    """The dictionary of an enum member (every value the model allows) and each value's code.

    Made once: a page has at most a hundred items, and coding them by this map costs
    less than building a hash table of the values for each page (``index_in``).
    """
    values = shape(member_shape)["enum"]
    return pa.array(values, pa.string()), {value: code for code, value in enumerate(values)}


_Enum = tuple[pa.Array, dict[str, int]] | None


@functools.cache
def _columns(operation: str) -> tuple[tuple[pa.Field, str, int, _Enum], ...]:
    """Each column of ``operation``: field, member shape, index in :func:`_direct`, enum."""
    members = shape(listing(operation).item_shape)["members"]
    direct = _direct(operation)
    return tuple(
        (
            field,
            members[field.name]["shape"],
            direct.get_field_index(field.name),
            _enum(members[field.name]["shape"]) if pa.types.is_dictionary(field.type) else None,
        )
        for field in listing_schema(operation)
    )


def _decode_fast(operation: str, items: Sequence[dict[str, Any]]) -> pa.RecordBatch:
    """Most members in one pyarrow call (in C++); timestamps and enums on top."""
    struct = pa.array(items, type=_direct(operation))
    columns = []
    for field, member_shape, index, enum_of in _columns(operation):
        if index < 0:
            columns.append(_column(member_shape, field, [item.get(field.name) for item in items]))
            continue
        column = struct.field(index)
        if enum_of is not None:
            enum, code_of = enum_of
            codes = [None if v is None else code_of.get(v, -1) for v in column.to_pylist()]
            if -1 in codes:  # a value the model does not know
                raise ValueError(field.name)
            column = pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), enum)
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, schema=listing_schema(operation))
