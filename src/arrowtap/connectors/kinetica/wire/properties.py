"""Kinetica column properties: what each one means and where it is allowed.

The rules of ``kinetica.md`` §3: the six Avro base types, the type properties that
refine them (``char4``, ``decimal(P,S)``, ``timestamp``, ...), and the other properties
with the base types and kinds each is documented for. :func:`validate` checks one
column's property list against them; :mod:`~arrowtap.connectors.kinetica.wire.types` uses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from arrowtap.errors import InvalidArgumentError

BASE_TYPES = ("int", "long", "float", "double", "string", "bytes")
"""The Avro base types a Kinetica column may have."""

CHAR_LENGTHS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
"""The N of the ``charN`` properties."""

ARRAY_ITEMS = ("boolean", "int", "long", "ulong", "float", "double", "string")
"""The item types of the ``array(T[,N])`` property."""

DECIMAL_MAX_PRECISION = 27
"""The largest P of ``decimal(P,S)`` (Kinetica SQL docs: 1-18 in 8 bytes, 19-27 in 12)."""

DECIMAL_MAX_SCALE = 18
"""The largest S of ``decimal(P,S)``."""

LEGACY_DECIMAL = (19, 4)  # plain "decimal": NUMERIC(19,4), an int64 scaled by 10^4

# Type properties: the effective type they give and the base types they refine.
_PLAIN_TYPE_PROPS = {
    "int8": ("int",),
    "int16": ("int",),
    "boolean": ("int",),
    "timestamp": ("long",),
    "date": ("string",),
    "time": ("string",),
    "datetime": ("string",),
    "decimal": ("string",),
    "ulong": ("string",),
    "uuid": ("string",),
    "ipv4": ("string",),
    "json": ("string",),
    "wkt": ("string", "bytes"),
}
_CHAR_RE = re.compile(r"char(\d+)")
_DECIMAL_RE = re.compile(r"decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)")
_ARRAY_RE = re.compile(r"array\(\s*([a-z]+)\s*(?:,\s*(-?\d+)\s*)?\)")
_VECTOR_RE = re.compile(r"vector\(\s*(\d+)\s*\)")
_CALL_RE = re.compile(r"(compress|default|default_sql)\((.+)\)", re.DOTALL | re.IGNORECASE)

# Other properties: the effective types (and base types) they are documented for.
_TIME_KINDS = frozenset({"date", "time", "datetime", "timestamp"})
_STRING_KINDS = frozenset({"string", "char", "date", "time", "datetime", "decimal", "ulong"}) | {
    "uuid",
    "ipv4",
    "wkt",
    "json",
    "array",
}
_FLAGS: dict[str, tuple[frozenset[str] | None, str]] = {
    "data": (None, ""),
    "store_only": (None, ""),
    "primary_key": (None, ""),
    "soft_primary_key": (None, ""),
    "shard_key": (None, ""),
    "nullable": (None, ""),
    "text_search": (
        _STRING_KINDS - {"decimal", "date", "time", "datetime"},
        "string columns other than decimal, date, time and datetime",
    ),
    "disk_optimized": (_STRING_KINDS, "string columns"),
    "dict": (
        frozenset({"int", "int8", "int16", "boolean", "long", "timestamp", "char", "date"}),
        "int, long, charN and date columns",
    ),
    "init_with_now": (_TIME_KINDS, "date, time, datetime and timestamp columns"),
    "update_with_now": (_TIME_KINDS, "date, time, datetime and timestamp columns"),
    "init_with_uuid": (frozenset({"uuid"}), "uuid columns"),
    "update_with_user": (frozenset({"char", "string"}), "charN and string columns"),
}
_STRING_ONLY = ("text_search", "disk_optimized")


@dataclass(frozen=True)
class PropertySpec:
    """What a column's properties say about its values."""

    kind: str  # int, int8, ..., char, decimal, array, vector, bytes
    type_property: str | None = None
    length: int | None = None  # charN: N; vector(N): N; array(T,N): N (-1: unbounded)
    precision: int | None = None
    scale: int | None = None
    item: str | None = None  # array item type


def column_error(column: str, message: str) -> InvalidArgumentError:
    """The error for a bad property of ``column``, naming it."""
    return InvalidArgumentError(f"Kinetica column {column!r}: {message}")


def normalise(column: str, prop: object) -> str:
    """A property as Kinetica compares it: trimmed, lower-case but a default's expression."""
    if not isinstance(prop, str) or not prop.strip():
        raise column_error(column, f"a property must be a non-empty string, not {prop!r}")
    call = _CALL_RE.fullmatch(prop.strip())
    if call and call.group(1).lower() in ("default", "default_sql"):
        # The default expression keeps its case: 'default(''Pending'')'.
        return f"{call.group(1).lower()}({call.group(2)})"
    return prop.strip().lower()


def type_property_spec(column: str, prop: str) -> PropertySpec | None:
    """The spec a type property gives, ``None`` for another property; raises if malformed."""
    if prop in _PLAIN_TYPE_PROPS:
        if prop == "decimal":
            return PropertySpec(
                "decimal", prop, precision=LEGACY_DECIMAL[0], scale=LEGACY_DECIMAL[1]
            )
        return PropertySpec(prop, prop)
    if m := _CHAR_RE.fullmatch(prop):
        if int(m.group(1)) not in CHAR_LENGTHS:
            raise column_error(
                column, f"{prop!r} is not a Kinetica type (charN takes N in {CHAR_LENGTHS})"
            )
        return PropertySpec("char", prop, length=int(m.group(1)))
    if prop.startswith("decimal"):
        m = _DECIMAL_RE.fullmatch(prop)
        p, s = (int(m.group(1)), int(m.group(2))) if m else (0, -1)
        if not (1 <= p <= DECIMAL_MAX_PRECISION and 0 <= s <= min(p, DECIMAL_MAX_SCALE)):
            raise column_error(
                column,
                f"{prop!r} is not a Kinetica decimal: decimal(P,S) takes "
                f"1 <= P <= {DECIMAL_MAX_PRECISION}, 0 <= S <= min(P, {DECIMAL_MAX_SCALE})",
            )
        return PropertySpec("decimal", prop, precision=p, scale=s)
    if prop.startswith("array"):
        m = _ARRAY_RE.fullmatch(prop)
        n = int(m.group(2)) if m and m.group(2) else -1
        if not m or m.group(1) not in ARRAY_ITEMS or n == 0 or n < -1:
            raise column_error(
                column, f"{prop!r} is not a Kinetica array: array(T[,N]), T in {ARRAY_ITEMS}"
            )
        return PropertySpec("array", prop, length=n, item=m.group(1))
    if prop.startswith("vector"):
        m = _VECTOR_RE.fullmatch(prop)
        if not m or int(m.group(1)) < 1:
            raise column_error(column, f"{prop!r} is not a Kinetica vector: vector(N), N >= 1")
        return PropertySpec("vector", prop, length=int(m.group(1)))
    return None


def type_bases(prop: str) -> tuple[str, ...]:
    """The Avro base types a type property refines."""
    if prop in _PLAIN_TYPE_PROPS:
        return _PLAIN_TYPE_PROPS[prop]
    return ("bytes",) if prop.startswith("vector") else ("string",)


def validate(column: str, base: str, props: tuple[str, ...]) -> PropertySpec:
    """Check ``column``'s properties against its Avro ``base`` type; say what they mean."""
    if not isinstance(column, str) or not column:
        raise InvalidArgumentError(f"a Kinetica column name must be a non-empty string: {column!r}")
    if base not in BASE_TYPES:
        raise column_error(column, f"base type {base!r} is not one of {BASE_TYPES}")
    spec = PropertySpec(base)
    typed: str | None = None
    for prop in props:
        if props.count(prop) > 1:
            raise column_error(column, f"property {prop!r} is given twice")
        found = type_property_spec(column, prop)
        if found is None:
            if prop not in _FLAGS and not _CALL_RE.fullmatch(prop):
                raise column_error(column, f"unknown Kinetica column property {prop!r}")
            continue
        if typed is not None:
            raise column_error(column, f"properties {typed!r} and {prop!r} both set the type")
        if base not in type_bases(prop):
            raise column_error(column, f"property {prop!r} is not allowed on base type {base!r}")
        typed, spec = prop, found
    for prop in props:
        kinds, text = _FLAGS.get(prop, (None, ""))
        misplaced = prop in _STRING_ONLY and base != "string"
        if misplaced or (kinds is not None and spec.kind not in kinds):
            shown = spec.type_property or base
            raise column_error(column, f"property {prop!r} is only for {text}, not {shown!r}")
    if "data" in props and "store_only" in props:
        raise column_error(column, "properties 'data' and 'store_only' exclude each other")
    return spec
