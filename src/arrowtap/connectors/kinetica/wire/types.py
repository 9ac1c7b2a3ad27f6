"""Kinetica record types: the wire forms and the column properties.

A Kinetica type is what ``/create/type`` takes and ``/show/table`` returns: an Avro
record schema (``type_definition``) whose fields have one of six base types, and a map
from column to property list that refines them (protocol notes, ``kinetica.md`` §3).
:func:`parse_type` and :func:`format_type` read and write exactly those two forms, and
reject what Kinetica documents as invalid: an unknown property, a type property on the
wrong base type (``char4`` on an ``int``), two type properties, a property outside the
types it is documented for (``text_search`` on a date, ``init_with_uuid`` on a
``char16``), ``data`` with ``store_only``, ``nullable`` without the Avro union.

The Arrow schema is in :mod:`~arrowtap.connectors.kinetica.wire.schema`, values in
:mod:`~arrowtap.connectors.kinetica.wire.values`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from arrowtap.connectors.kinetica.wire.properties import (
    ARRAY_ITEMS,
    BASE_TYPES,
    CHAR_LENGTHS,
    DECIMAL_MAX_PRECISION,
    DECIMAL_MAX_SCALE,
    PropertySpec,
    column_error,
    normalise,
    validate,
)
from arrowtap.errors import InvalidArgumentError

__all__ = [
    "ARRAY_ITEMS",
    "BASE_TYPES",
    "CHAR_LENGTHS",
    "DECIMAL_MAX_PRECISION",
    "DECIMAL_MAX_SCALE",
    "KineticaColumn",
    "KineticaType",
    "format_type",
    "parse_type",
]


@dataclass(frozen=True)
class KineticaColumn:
    """One column of a Kinetica record type.

    Parameters
    ----------
    name : str
        The column name.
    base : str
        The Avro base type, one of :data:`BASE_TYPES`.
    properties : tuple of str
        The column properties as Kinetica lists them (``"char16"``, ``"primary_key"``,
        ``"nullable"``, ...), lower-cased on construction except the expression of
        ``default(...)``. ``"nullable"`` among them makes the column nullable.

    Raises
    ------
    InvalidArgumentError
        An unknown property, one not allowed on the base type, or two that set the type.

    Examples
    --------
    >>> col = KineticaColumn("sym", "string", ("char4", "nullable"))
    >>> col.kind, col.type_name, col.length, col.nullable
    ('char', 'char4', 4, True)
    >>> try:
    ...     KineticaColumn("x", "int", ("char4",))
    ... except InvalidArgumentError as exc:
    ...     print(exc)
    Kinetica column 'x': property 'char4' is not allowed on base type 'int'
    """

    name: str
    base: str
    properties: tuple[str, ...] = ()
    _spec: PropertySpec = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        props = tuple(normalise(self.name, p) for p in self.properties)
        object.__setattr__(self, "properties", props)
        object.__setattr__(self, "_spec", validate(self.name, self.base, props))

    @property
    def kind(self) -> str:
        """The effective type without parameters: ``int8``, ``char``, ``decimal``, ``array``..."""
        return self._spec.kind

    @property
    def type_name(self) -> str:
        """The effective type as Kinetica names it: ``char16``, ``decimal(10,2)``, ``long``..."""
        return self._spec.type_property or self.base

    @property
    def nullable(self) -> bool:
        """Whether the column holds nulls (its Avro type is ``[base, "null"]``)."""
        return "nullable" in self.properties

    @property
    def length(self) -> int | None:
        """N of ``charN`` and ``vector(N)``; of ``array(T,N)`` (-1 when unbounded)."""
        return self._spec.length

    @property
    def precision(self) -> int | None:
        """The precision of a decimal column (19 for plain ``decimal``)."""
        return self._spec.precision

    @property
    def scale(self) -> int | None:
        """The scale of a decimal column (4 for plain ``decimal``)."""
        return self._spec.scale

    @property
    def item(self) -> str | None:
        """The item type of an array column, one of :data:`ARRAY_ITEMS`."""
        return self._spec.item


@dataclass(frozen=True)
class KineticaType:
    """A Kinetica record type: its columns, in order, and its label.

    Parameters
    ----------
    columns : tuple of KineticaColumn
        At least one column; names are unique.
    label : str
        The type label (``/create/type``'s ``label``), often empty.

    Examples
    --------
    >>> ktype = KineticaType((KineticaColumn("id", "long", ("primary_key",)),))
    >>> ktype.names, ktype.primary_key, ktype.column("id").type_name
    (('id',), ('id',), 'long')
    """

    columns: tuple[KineticaColumn, ...]
    label: str = ""

    def __post_init__(self) -> None:
        columns = tuple(self.columns)
        object.__setattr__(self, "columns", columns)
        if not columns:
            raise InvalidArgumentError("a Kinetica type needs at least one column")
        names = [c.name for c in columns]
        for name in names:
            if names.count(name) > 1:
                raise InvalidArgumentError(f"Kinetica column {name!r} appears twice")
        if not isinstance(self.label, str):
            raise InvalidArgumentError(f"a Kinetica type label is a string, not {self.label!r}")

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, in order."""
        return tuple(c.name for c in self.columns)

    @property
    def primary_key(self) -> tuple[str, ...]:
        """The names of the columns with the ``primary_key`` property."""
        return tuple(c.name for c in self.columns if "primary_key" in c.properties)

    @property
    def shard_key(self) -> tuple[str, ...]:
        """The names of the columns with the ``shard_key`` property."""
        return tuple(c.name for c in self.columns if "shard_key" in c.properties)

    def column(self, name: str) -> KineticaColumn:
        """The column called `name`; :class:`InvalidArgumentError` if there is none."""
        for col in self.columns:
            if col.name == name:
                return col
        raise InvalidArgumentError(f"the Kinetica type has no column {name!r}")


def _avro_base(column: str, avro: object) -> tuple[str, bool]:
    """(base, nullable) of an Avro field type; only what the server's decoder accepts."""
    if isinstance(avro, dict) and set(avro) == {"type"}:
        avro = avro["type"]
    if isinstance(avro, str) and avro in BASE_TYPES:
        return avro, False
    if isinstance(avro, list) and len(avro) == 2 and avro[1] == "null":
        base, nullable = _avro_base(column, avro[0])
        if not nullable:
            return base, True
    if isinstance(avro, list) and "null" in avro:
        raise column_error(
            column, f"Avro type {avro!r}: a union must be [base, 'null'], null second"
        )
    raise column_error(column, f"Avro type {avro!r} is not one of {BASE_TYPES} or [base, 'null']")


def parse_type(
    type_definition: str,
    properties: Mapping[str, Sequence[str]] | None = None,
    *,
    label: str = "",
) -> KineticaType:
    """Read a Kinetica type from its wire form.

    Parameters
    ----------
    type_definition : str
        The Avro record schema JSON (``type_schemas[i]`` of ``/show/table``). The record
        name is not kept (the server always calls it ``type_name``).
    properties : mapping of str to list of str, optional
        Column -> properties (``properties[i]`` of ``/show/table``); columns may be absent.
        A nullable column gets ``"nullable"`` if the map omits it.
    label : str
        The type label.

    Returns
    -------
    KineticaType

    Raises
    ------
    InvalidArgumentError
        Not a record of Kinetica base types, an unknown or misplaced property, or
        properties for a column the record lacks. (A connector that got the type from a
        server re-raises this as a :class:`~arrowtap.errors.DecodeError`.)

    Examples
    --------
    >>> ktype = parse_type(
    ...     '{"type": "record", "name": "type_name", "fields": ['
    ...     '{"name": "ts", "type": "long"}, {"name": "s", "type": ["string", "null"]}]}',
    ...     {"ts": ["timestamp", "shard_key"], "s": ["char16", "nullable"]},
    ... )
    >>> [(c.name, c.type_name, c.nullable) for c in ktype.columns]
    [('ts', 'timestamp', False), ('s', 'char16', True)]
    """
    try:
        doc = json.loads(type_definition)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"Kinetica type definition is not JSON: {exc}") from exc
    fields = doc.get("fields") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or doc.get("type") != "record" or not isinstance(fields, list):
        raise InvalidArgumentError(
            f"Kinetica type definition is not an Avro record: {type_definition[:200]!r}"
        )
    props = dict(properties or {})
    columns = []
    for entry in fields:
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str):
            raise InvalidArgumentError(
                f"Kinetica type definition has a field without name: {entry!r}"
            )
        base, union = _avro_base(name, entry.get("type"))
        given = props.pop(name, ())
        if not isinstance(given, list | tuple):
            raise column_error(name, f"properties must be a list of strings, not {given!r}")
        col = KineticaColumn(name, base, tuple(given))
        if union and not col.nullable:
            col = KineticaColumn(name, base, (*col.properties, "nullable"))
        if col.nullable and not union:
            raise column_error(name, f"property 'nullable' needs the Avro type ['{base}', 'null']")
        columns.append(col)
    if props:
        raise InvalidArgumentError(f"Kinetica properties name unknown columns: {sorted(props)}")
    return KineticaType(tuple(columns), label)


def format_type(ktype: KineticaType) -> tuple[str, dict[str, list[str]]]:
    """Write a Kinetica type in its wire form, as the official client sends it.

    Parameters
    ----------
    ktype : KineticaType

    Returns
    -------
    type_definition : str
        The Avro record schema JSON, record name ``type_name``, nullable columns as
        ``[base, "null"]``.
    properties : dict of str to list of str
        Column -> properties, for the columns that have any.

    Examples
    --------
    >>> definition, props = format_type(KineticaType((KineticaColumn("i", "int", ("int8",)),)))
    >>> definition
    '{"type": "record", "name": "type_name", "fields": [{"type": "int", "name": "i"}]}'
    >>> props
    {'i': ['int8']}
    """
    fields = [
        {"type": [c.base, "null"] if c.nullable else c.base, "name": c.name} for c in ktype.columns
    ]
    definition = json.dumps({"type": "record", "name": "type_name", "fields": fields})
    return definition, {c.name: list(c.properties) for c in ktype.columns if c.properties}
