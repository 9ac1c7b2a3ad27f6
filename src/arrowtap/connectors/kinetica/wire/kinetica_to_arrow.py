"""Kinetica -> Arrow: the canonical Arrow type of each Kinetica column and type.

The mapping table is in :mod:`~arrowtap.connectors.kinetica.wire.schema`, which re-exports
the public names of this module.
"""

from __future__ import annotations

import functools
import json

import pyarrow as pa

from arrowtap.connectors.kinetica.wire.arrow_to_kinetica import (
    LABEL_KEY,
    PROPERTIES_KEY,
    implied_properties,
)
from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType

__all__ = ["arrow_type", "to_arrow_schema"]

_ARROW: dict[str, pa.DataType] = {
    "int": pa.int32(),
    "int8": pa.int8(),
    "int16": pa.int16(),
    "boolean": pa.bool_(),
    "long": pa.int64(),
    "timestamp": pa.timestamp("ms", tz="UTC"),
    "float": pa.float32(),
    "double": pa.float64(),
    "string": pa.string(),
    "char": pa.string(),
    "ipv4": pa.string(),
    "json": pa.string(),
    "date": pa.date32(),
    "time": pa.time32("ms"),
    "datetime": pa.timestamp("ms"),
    "ulong": pa.uint64(),
    "uuid": pa.uuid(),
    "bytes": pa.binary(),
}
_ITEM_ARROW = {
    "boolean": pa.bool_(),
    "int": pa.int32(),
    "long": pa.int64(),
    "ulong": pa.uint64(),
    "float": pa.float32(),
    "double": pa.float64(),
    "string": pa.string(),
}


def arrow_type(column: KineticaColumn) -> pa.DataType:
    """The canonical Arrow type of a Kinetica column (see the module's table).

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.types import KineticaColumn
    >>> arrow_type(KineticaColumn("v", "bytes", ("vector(3)",)))
    FixedSizeListType(fixed_size_list<item: float>[3])
    """
    kind = column.kind
    if kind == "decimal":
        return pa.decimal128(column.precision, column.scale)
    if kind == "array":
        return pa.list_(_ITEM_ARROW[column.item or ""])
    if kind == "vector":
        return pa.list_(pa.float32(), column.length)
    if kind == "wkt":
        return pa.binary() if column.base == "bytes" else pa.string()
    return _ARROW[kind]


def to_arrow_schema(ktype: KineticaType) -> pa.Schema:
    """The Arrow schema of a Kinetica type (see the module's table).

    Parameters
    ----------
    ktype : KineticaType

    Returns
    -------
    pyarrow.Schema
        One field per column, in order; nullable as the column is; metadata
        ``kinetica.properties`` where the Arrow type does not imply the properties;
        schema metadata ``kinetica.label`` when the label is not empty.

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.types import parse_type
    >>> ktype = parse_type(
    ...     '{"type": "record", "name": "type_name", "fields": ['
    ...     '{"name": "id", "type": "int"}, {"name": "s", "type": "string"}]}',
    ...     {"id": ["int8"], "s": ["char4", "primary_key"]},
    ... )
    >>> to_arrow_schema(ktype)
    id: int8 not null
    s: string not null
      -- field metadata --
      kinetica.properties: '["char4","primary_key"]'
    """
    return _schema(ktype)


@functools.lru_cache(maxsize=256)
def _schema(ktype: KineticaType) -> pa.Schema:
    # Types and schemas are immutable, and every read of a table maps the same one:
    # each (equal) type is mapped once.
    fields = []
    for col in ktype.columns:
        t = arrow_type(col)
        meta = None
        if col.properties != implied_properties(t, col.nullable):
            meta = {PROPERTIES_KEY: json.dumps(list(col.properties), separators=(",", ":"))}
        fields.append(pa.field(col.name, t, nullable=col.nullable, metadata=meta))
    return pa.schema(fields, metadata={LABEL_KEY: ktype.label} if ktype.label else None)
