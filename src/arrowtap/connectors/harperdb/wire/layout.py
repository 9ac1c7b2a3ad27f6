"""The declared Arrow schema of a HarperDB table, from ``describe_table`` (never from rows).

Types come from, in order: the caller's ``schema``; the attribute's type where
the table has a defined schema (``create_table`` with typed ``attributes``, or
a GraphQL schema); else JSON text. Dynamic attributes have no type at all: a
value may be a number in one record and a string in the next, so their
columns are ``arrow.json`` text (``pa.json_()``), exactly the JSON the server
sent, null where absent or ``null``. Declare types with ``schema=`` to get
typed columns instead.

The created and updated times (``__createdtime__``, ``__updatedtime__``, or
attributes marked ``@createdTime`` / ``@updatedTime``) are UTC timestamps:
``timestamp[ns, UTC]`` from float milliseconds, ``timestamp[ms, UTC]`` from a
``Date``. The updated time, when indexed, is the *cursor* of incremental
reads, with the primary key as tie-breaker.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import pyarrow as pa

from arrowtap.connectors.harperdb.wire.client import SYSTEM
from arrowtap.errors import DecodeError, InvalidArgumentError

__all__ = ["HARPERDB_TYPES", "SchemaLike", "TableLayout", "Wire", "table_layout"]

Wire = Literal["value", "json", "ms", "iso", "bytes"]
"""How a column's values travel: as the JSON value of its type, as any JSON
(kept as text), as float epoch ms, as ISO text, or as a Node ``Buffer``."""

SchemaLike: TypeAlias = pa.Schema | Mapping[str, pa.DataType]

HARPERDB_TYPES: dict[str, pa.DataType] = {
    "ID": pa.string(),
    "String": pa.string(),
    "Int": pa.int32(),
    "Long": pa.int64(),
    "Float": pa.float64(),
    "BigInt": pa.decimal128(38, 0),
    "Boolean": pa.bool_(),
    "Date": pa.timestamp("ms", tz="UTC"),
    "Bytes": pa.binary(),
}
"""HarperDB attribute types and their Arrow types; any other (``Any``, object
types, ``Blob``) is JSON text."""

_MS_TIME = pa.timestamp("ns", tz="UTC")


@dataclass(frozen=True)
class TableLayout:
    """What reading a table needs: its names, cursor, declared schema and wire forms.

    Attributes
    ----------
    database, table, primary_key : str
        The table and its primary key attribute.
    cursor : str or None
        The indexed updated-time attribute paged on; ``None`` if the table has none.
    cursor_wire : {"ms", "iso"} or None
        Float epoch ms, or ``Date`` ISO text.
    schema : pyarrow.Schema
        The declared schema of every batch.
    wires : tuple of str
        How each column of ``schema`` travels (see :data:`Wire`).
    no_cursor_reason : str
        Why there is no cursor, for messages.
    lowest_key : int, float or str
        A key at or below every key the table can hold (in index order).
    """

    database: str
    table: str
    primary_key: str
    cursor: str | None
    cursor_wire: Literal["ms", "iso"] | None
    schema: pa.Schema
    wires: tuple[Wire, ...]
    no_cursor_reason: str = ""
    lowest_key: Any = -1.7976931348623157e308

    @property
    def fetched(self) -> list[str]:
        """The attributes asked of the server: the columns, the key and the cursor."""
        names = list(self.schema.names)
        for extra in (self.primary_key, self.cursor):
            if extra is not None and extra not in names:
                names.append(extra)
        return names


def _attributes(describe: Any, where: str) -> tuple[str, list[Mapping[str, Any]]]:
    attrs = describe.get("attributes") if isinstance(describe, Mapping) else None
    if not isinstance(attrs, list) or not all(isinstance(a, Mapping) for a in attrs):
        raise DecodeError(f"{SYSTEM}: describe_table {where}: no attribute list: {describe!r}")
    pk = describe.get("hash_attribute") or next(
        (a["attribute"] for a in attrs if a.get("is_primary_key")), None
    )
    if not isinstance(pk, str):
        raise DecodeError(f"{SYSTEM}: describe_table {where}: no primary key: {describe!r}")
    return pk, attrs


def _time_attribute(attrs: list[Mapping[str, Any]], flag: str, name: str) -> Mapping[str, Any]:
    marked = [a for a in attrs if a.get(flag)]
    named = [a for a in attrs if a.get("attribute") == name]
    return (marked or named or [{}])[0]


def _native(attr: Mapping[str, Any], times: set[str]) -> tuple[pa.DataType, Wire]:
    kind = attr.get("type")
    if attr.get("attribute") in times:
        return (pa.timestamp("ms", tz="UTC"), "iso") if kind == "Date" else (_MS_TIME, "ms")
    if kind == "array" and isinstance(attr.get("elements"), str):
        element = HARPERDB_TYPES.get(attr["elements"])
        if element is not None and not pa.types.is_timestamp(element) and element != pa.binary():
            return pa.list_(element), "value"
        return pa.json_(), "json"
    if kind in HARPERDB_TYPES:
        wire: Wire = {"Date": "iso", "Bytes": "bytes"}.get(kind, "value")  # type: ignore[assignment]
        return HARPERDB_TYPES[kind], wire
    return pa.json_(), "json"


def _declared(attr: Mapping[str, Any], target: pa.DataType, times: set[str]) -> Wire:
    """How values of ``attr`` become the caller's ``target`` type."""
    kind = attr.get("type")
    if isinstance(target, pa.JsonType):
        return "json"
    if pa.types.is_timestamp(target):
        numeric = attr.get("attribute") in times and kind != "Date"
        return "ms" if numeric or kind in ("Float", "Long", "Int") else "iso"
    if pa.types.is_binary(target) and kind == "Bytes":
        return "bytes"
    return "value"


def table_layout(
    describe: Any,
    database: str,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    schema: SchemaLike | None = None,
) -> TableLayout:
    """The layout of a table from its ``describe_table`` answer and the caller's choices.

    Examples
    --------
    >>> describe = {"hash_attribute": "id", "schema_defined": False, "attributes": [
    ...     {"attribute": "id", "is_primary_key": True},
    ...     {"attribute": "__createdtime__", "indexed": True},
    ...     {"attribute": "__updatedtime__", "indexed": True},
    ...     {"attribute": "price", "indexed": True}]}
    >>> layout = table_layout(describe, "shop", "items", schema={"price": pa.float64()})
    >>> layout.cursor, [str(t) for t in layout.schema.types]
    ('__updatedtime__', ['extension<arrow.json>', 'timestamp[ns, tz=UTC]', \
'timestamp[ns, tz=UTC]', 'double'])
    """
    where = f"{database}.{table}"
    pk, attrs = _attributes(describe, where)
    by_name = {str(a.get("attribute")): a for a in attrs}
    updated = _time_attribute(attrs, "assigned_updated_time", "__updatedtime__")
    created = _time_attribute(attrs, "assigned_created_time", "__createdtime__")
    times = {str(a["attribute"]) for a in (updated, created) if a}
    cursor: str | None = updated.get("attribute") if updated.get("indexed") else None
    reason = ""
    if cursor is None:
        reason = (
            f"its updated time {updated['attribute']!r} is not indexed (HarperDB 4.7.29 does"
            " not index a table with a defined schema on the nodes it replicates to: read"
            " it on the node that created it)"
            if updated
            else "it has no updated-time attribute (__updatedtime__ or @updatedTime)"
        )
    overrides: Mapping[str, pa.DataType] = {}
    names = list(by_name)
    if isinstance(schema, pa.Schema):
        # Its columns first, in its order; an attribute it does not name is not dropped
        # (it comes after, typed as described): columns= is how to leave one out.
        declared = list(schema.names)
        names = declared + [n for n in by_name if n not in declared]
        overrides = dict(zip(declared, schema.types, strict=True))
    elif isinstance(schema, Mapping):
        overrides = dict(schema)
    elif schema is not None:
        raise InvalidArgumentError(
            f"{SYSTEM}: schema must be a pyarrow.Schema or a mapping of column to pyarrow type,"
            f" got {type(schema).__name__}"
        )
    if columns is not None:
        if isinstance(columns, str) or len(set(columns)) != len(columns):
            raise InvalidArgumentError(f"{SYSTEM}: columns must be distinct names, got {columns!r}")
        names = list(columns)
    unknown = [n for n in [*names, *overrides] if n not in by_name]
    if unknown:
        raise InvalidArgumentError(
            f"{SYSTEM}: {where} has no attribute {unknown[0]!r} (it has {sorted(by_name)})"
        )
    fields, wires = [], []
    for name in names:
        attr = by_name[name]
        if name in overrides:
            kind = overrides[name]
            if not isinstance(kind, pa.DataType):
                raise InvalidArgumentError(
                    f"{SYSTEM}: schema: type of {name!r} must be a pyarrow type, got {kind!r}"
                )
            wire = _declared(attr, kind, times)
        else:
            kind, wire = _native(attr, times)
        fields.append(pa.field(name, kind, nullable=name != pk))
        wires.append(wire)
    metadata = {b"arrowtap.source": f"harperdb.table:{where}".encode()}
    cursor_wire: Literal["ms", "iso"] | None = None
    if cursor is not None:
        cursor_wire = "iso" if by_name[cursor].get("type") == "Date" else "ms"
    # A typed key refuses a search value of another type; untyped keys sort numbers first.
    lowest = {"Int": -(2**31), "Long": -(2**53), "String": "", "ID": ""}.get(
        str(by_name[pk].get("type")), -1.7976931348623157e308
    )
    return TableLayout(
        database,
        table,
        pk,
        cursor,
        cursor_wire,
        pa.schema(fields, metadata=metadata),
        tuple(wires),
        reason,
        lowest,
    )
