"""Arrow -> Kinetica: the Kinetica type of an Arrow schema, and which Arrow types a column takes.

The mapping table is in :mod:`~arrowtap.connectors.kinetica.wire.schema`, which re-exports
the public names of this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pyarrow as pa

from arrowtap.connectors.kinetica.wire.properties import (
    DECIMAL_MAX_PRECISION,
    DECIMAL_MAX_SCALE,
    column_error,
    normalise,
    type_bases,
    type_property_spec,
)
from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType
from arrowtap.errors import InvalidArgumentError

__all__ = ["LABEL_KEY", "PROPERTIES_KEY", "accepts", "from_arrow_schema", "implied_properties"]

PROPERTIES_KEY = b"kinetica.properties"
"""Arrow field metadata key: the column's Kinetica properties, a JSON list."""

LABEL_KEY = b"kinetica.label"
"""Arrow schema metadata key: the type's label, when not empty."""


def _is_string(t: pa.DataType) -> bool:
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t))


def _is_binary(t: pa.DataType) -> bool:
    return bool(
        pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
        or pa.types.is_binary_view(t)
        or pa.types.is_fixed_size_binary(t)
    )


def _is_list(t: pa.DataType) -> bool:
    # List views are left out: pyarrow 26 casts them to lists wrongly.
    return bool(pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t))


def _item_kind(t: pa.DataType) -> str | None:
    """The Kinetica array item type an Arrow list item maps to without loss."""
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_integer(t):
        if t.bit_width < 32 or t == pa.int32():
            return "int"
        return "ulong" if t == pa.uint64() else "long"
    if pa.types.is_floating(t):
        return "double" if t == pa.float64() else "float"
    return "string" if _is_string(t) else None


def _infer(name: str, t: pa.DataType, coerce: bool) -> tuple[str, str | None]:
    """(base, type property) of the Kinetica type an Arrow type maps to."""
    integers = {pa.int8(): "int8", pa.int16(): "int16", pa.uint8(): "int16", pa.int32(): None}
    if t in integers or t == pa.uint16():
        return "int", integers.get(t)
    if t in (pa.int64(), pa.uint32()):
        return "long", None
    if t == pa.uint64():
        return "string", "ulong"
    if pa.types.is_floating(t):
        return ("double" if t == pa.float64() else "float"), None
    if pa.types.is_boolean(t):
        return "int", "boolean"
    fine = (pa.types.is_timestamp(t) or pa.types.is_time(t)) and t.unit in ("us", "ns")
    if fine and not coerce:
        raise column_error(
            name,
            f"Arrow type {t} is finer than Kinetica's milliseconds; "
            "cast it to ms or pass coerce=True (sub-ms values are then checked or rounded)",
        )
    if pa.types.is_timestamp(t):
        return ("long", "timestamp") if t.tz is not None else ("string", "datetime")
    if pa.types.is_date(t):
        return "string", "date"
    if pa.types.is_time(t):
        return "string", "time"
    if pa.types.is_decimal(t):
        return "string", _decimal_property(name, t, coerce)
    if _is_string(t) or (pa.types.is_dictionary(t) and _is_string(t.value_type)):
        return "string", None
    if _is_binary(t):
        return "bytes", None
    if isinstance(t, pa.UuidType):
        return "string", "uuid"
    if isinstance(t, pa.JsonType):
        return "string", "json"
    if pa.types.is_fixed_size_list(t) and pa.types.is_floating(t.value_type):
        return "bytes", f"vector({t.list_size})"
    item = _item_kind(t.value_type) if _is_list(t) else None
    if item is not None:
        return "string", f"array({item})"
    if pa.types.is_null(t) or (_is_list(t) and pa.types.is_null(t.value_type)):
        # All values null (or all lists empty): nothing says which type to create.
        raise column_error(
            name,
            f"Arrow type {t} (every value null or empty) does not say the column's type; "
            f"give it in properties, e.g. properties={{{name!r}: ['array(int)']}}, "
            "or write to an existing table",
        )
    raise column_error(name, f"Arrow type {t} has no Kinetica counterpart")


def _decimal_property(name: str, t: pa.DataType, coerce: bool) -> str:
    p, s = t.precision, t.scale
    if s < 0 or s > p:
        raise column_error(
            name, f"Arrow type {t} has no Kinetica counterpart (scale outside 0..precision)"
        )
    if p <= DECIMAL_MAX_PRECISION and s <= DECIMAL_MAX_SCALE:
        return f"decimal({p},{s})"
    if not coerce:
        raise column_error(
            name,
            f"Arrow type {t} exceeds Kinetica's decimal({DECIMAL_MAX_PRECISION},"
            f"{DECIMAL_MAX_SCALE}); pass coerce=True to narrow it (values are then checked)",
        )
    scale = min(s, DECIMAL_MAX_SCALE)
    return f"decimal({min(p - s + scale, DECIMAL_MAX_PRECISION)},{scale})"


def implied_properties(t: pa.DataType, nullable: bool) -> tuple[str, ...]:
    """The properties an Arrow field implies when it carries no Kinetica metadata.

    Examples
    --------
    >>> implied_properties(pa.timestamp("ms", tz="UTC"), nullable=True)
    ('timestamp', 'nullable')
    """
    _, prop = _infer("", t, coerce=False)
    return ((prop,) if prop else ()) + (("nullable",) if nullable else ())


def accepts(column: KineticaColumn, t: pa.DataType) -> bool:
    """Whether Arrow values of type `t` may be written to `column`, each value then checked.

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.types import KineticaColumn
    >>> ts = KineticaColumn("t", "long", ("timestamp",))
    >>> accepts(ts, pa.timestamp("ns", tz="UTC")), accepts(ts, pa.timestamp("ns"))
    (True, False)
    """
    if pa.types.is_dictionary(t):
        t = t.value_type
    kind, integer, floating = column.kind, pa.types.is_integer(t), pa.types.is_floating(t)
    if pa.types.is_null(t):
        return True
    if kind in ("int", "int8", "int16", "long", "ulong"):
        return bool(integer)
    if kind in ("array", "vector"):
        if not _is_list(t):
            return False
        item = t.value_type
        if pa.types.is_null(item):
            return True  # lists that are all empty (or null): they fit any item type
        if kind == "vector" or column.item in ("float", "double"):
            return bool(pa.types.is_floating(item) or pa.types.is_integer(item))
        special = {"boolean": pa.types.is_boolean(item), "string": _is_string(item)}
        return bool(special.get(column.item or "", pa.types.is_integer(item)))
    checks: dict[str, Any] = {
        "boolean": pa.types.is_boolean(t),
        "float": integer or floating,
        "double": integer or floating,
        "timestamp": pa.types.is_timestamp(t) and t.tz is not None,
        "datetime": pa.types.is_timestamp(t) and t.tz is None,
        "date": pa.types.is_date(t),
        "time": pa.types.is_time(t),
        "decimal": pa.types.is_decimal(t) or integer or floating or _is_string(t),
        "uuid": isinstance(t, pa.UuidType) or t == pa.binary(16) or _is_string(t),
        "ipv4": _is_string(t) or t == pa.uint32(),
        "json": _is_string(t) or isinstance(t, pa.JsonType),
        "wkt": _is_binary(t) if column.base == "bytes" else _is_string(t),
        "bytes": _is_binary(t),
    }
    return bool(checks.get(kind, _is_string(t)))  # string, char


def _field_properties(f: pa.Field, coerce: bool, infer: bool) -> tuple[str | None, list[str]]:
    """(base or None, properties) a field declares: its metadata, else its Arrow type."""
    raw = (f.metadata or {}).get(PROPERTIES_KEY)
    if raw is None:
        base, prop = _infer(f.name, f.type, coerce) if infer else (None, None)
        return base, ([prop] if prop else []) + (["nullable"] if f.nullable else [])
    try:
        props = json.loads(raw)
    except ValueError:
        props = None
    if not isinstance(props, list) or not all(isinstance(p, str) for p in props):
        raise column_error(
            f.name, f"field metadata {PROPERTIES_KEY.decode()} is not a JSON list: {raw!r}"
        )
    props = [normalise(f.name, p) for p in props]
    if f.nullable and "nullable" not in props:
        props.append("nullable")
    if not f.nullable and "nullable" in props:
        props.remove("nullable")
    return None, props


def from_arrow_schema(
    schema: pa.Schema,
    *,
    primary_key: Iterable[str] = (),
    shard_key: Iterable[str] = (),
    properties: Mapping[str, Sequence[str]] | None = None,
    label: str | None = None,
    coerce: bool = False,
) -> KineticaType:
    """The Kinetica type of an Arrow schema.

    A field's ``kinetica.properties`` metadata, when present, says its Kinetica type;
    otherwise the type follows from the Arrow type (see the module's table). A nullable
    field is a nullable column.

    Parameters
    ----------
    schema : pyarrow.Schema
    primary_key, shard_key : iterable of str
        Columns to give the ``primary_key`` / ``shard_key`` property.
    properties : mapping of str to list of str, optional
        More properties per column, e.g. ``{"sym": ["char16", "dict"]}``. A type
        property here replaces the one the field implies.
    label : str, optional
        The type label; by default the schema's ``kinetica.label`` metadata, else ``""``.
    coerce : bool
        Also map Arrow types whose values Kinetica may hold only approximately:
        timestamps and times finer than ms, decimals beyond decimal(27,18).

    Returns
    -------
    KineticaType

    Raises
    ------
    InvalidArgumentError
        A field whose Arrow type has no Kinetica counterpart, or does not fit the
        properties given; a duplicate field name; a key or property for an unknown column.

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.types import format_type
    >>> schema = pa.schema([pa.field("id", pa.int64(), nullable=False), ("name", pa.string())])
    >>> ktype = from_arrow_schema(schema, primary_key=["id"], properties={"name": ["char64"]})
    >>> format_type(ktype)[1]
    {'id': ['primary_key'], 'name': ['char64', 'nullable']}
    >>> try:
    ...     from_arrow_schema(pa.schema([("m", pa.map_(pa.string(), pa.int32()))]))
    ... except InvalidArgumentError as exc:
    ...     print(exc)
    Kinetica column 'm': Arrow type map<string, int32> has no Kinetica counterpart
    """
    names = list(schema.names)
    extra: dict[str, list[str]] = {name: [] for name in names}
    keyed = [
        (p, n) for p, ns in (("primary_key", primary_key), ("shard_key", shard_key)) for n in ns
    ]
    for name, props in [*(properties or {}).items(), *((n, [p]) for p, n in keyed)]:
        if name not in extra:
            raise InvalidArgumentError(f"Kinetica properties name unknown column {name!r}")
        if isinstance(props, str):
            raise column_error(name, f"properties must be a list of strings, not {props!r}")
        extra[name] += [normalise(name, p) for p in props]
    columns = []
    for f in schema:
        if names.count(f.name) > 1:
            raise InvalidArgumentError(f"Arrow schema has two fields named {f.name!r}")
        override = next((p for p in extra[f.name] if type_property_spec(f.name, p)), None)
        base, props = _field_properties(f, coerce, infer=override is None)
        if override is not None:
            props = [override, *(p for p in props if not type_property_spec(f.name, p))]
        props += [p for p in extra[f.name] if p != override and p not in props]
        typed = next((p for p in props if type_property_spec(f.name, p)), None)
        if typed is not None:
            bases = type_bases(typed)
            base = bases[0] if len(bases) == 1 else ("bytes" if _is_binary(f.type) else "string")
        elif base is None:
            base, _ = _infer(f.name, f.type, coerce=True)
        col = KineticaColumn(f.name, base, tuple(props))
        if not accepts(col, f.type):
            raise column_error(
                f.name, f"Arrow type {f.type} cannot hold Kinetica {col.type_name!r} values"
            )
        columns.append(col)
    if label is None:
        label = (schema.metadata or {}).get(LABEL_KEY, b"").decode()
    return KineticaType(tuple(columns), label)
