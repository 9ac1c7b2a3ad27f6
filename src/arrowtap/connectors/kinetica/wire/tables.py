"""A Kinetica table's type, and creating one from a Kinetica type.

``/show/table`` gives a table's record type as its Avro schema string and column
properties (``kinetica.md`` §2.1); :func:`describe` reads them into a
:class:`~arrowtap.connectors.kinetica.wire.types.KineticaType`, from which the Arrow
schema follows (:func:`~arrowtap.connectors.kinetica.wire.schema.to_arrow_schema`).
:func:`create` does what the official client does: ``/create/type``, then
``/create/table`` of that type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from arrowtap.connectors.kinetica.wire.client import SYSTEM, KineticaClient
from arrowtap.connectors.kinetica.wire.types import KineticaType, format_type, parse_type
from arrowtap.errors import DecodeError, InvalidArgumentError, NotFoundError

__all__ = ["TableInfo", "create", "describe", "drop", "exists"]


@dataclass(frozen=True)
class TableInfo:
    """What ``/show/table`` says of one table.

    Attributes
    ----------
    name : str
        The table name as asked.
    type_id : str
        The id of its record type.
    ktype : KineticaType
        Its record type.
    size : int
        Its number of rows when described.
    """

    name: str
    type_id: str
    ktype: KineticaType
    size: int = 0


def _check_name(table: str) -> str:
    if not isinstance(table, str) or not table.strip():
        raise InvalidArgumentError(f"{SYSTEM}: a table name must be a non-empty str, not {table!r}")
    return table


def exists(client: KineticaClient, table: str) -> bool:
    """Whether `table` exists (``/has/table``).

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> with FakeKinetica() as fake, KineticaClient(fake.url) as client:
    ...     _ = fake.create_table("t", [("x", "double")])
    ...     exists(client, "t"), exists(client, "u")
    (True, False)
    """
    reply = client.call("/has/table", {"table_name": _check_name(table)}, table=table)
    return bool(reply["table_exists"])


def describe(client: KineticaClient, table: str) -> TableInfo:
    """The record type of `table` (``/show/table``).

    Raises
    ------
    NotFoundError
        If there is no such table.
    DecodeError
        If the server's type is not a Kinetica record type.

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> with FakeKinetica() as fake, KineticaClient(fake.url) as client:
    ...     _ = fake.create_table("t", [("id", "long", "primary_key"), ("s", "string", "char4")])
    ...     info = describe(client, "t")
    >>> [c.type_name for c in info.ktype.columns], info.ktype.primary_key
    (['long', 'char4'], ('id',))
    """
    options = {"show_children": "false", "get_sizes": "true"}
    reply = client.call(
        "/show/table", {"table_name": _check_name(table), "options": options}, table=table
    )
    schemas = reply["type_schemas"]
    if not schemas:
        raise NotFoundError(
            f"{SYSTEM} /show/table: table {table!r} does not exist",
            status=200,
            url=client.url,
        )
    if len(schemas) > 1:
        raise InvalidArgumentError(
            f"{SYSTEM} /show/table: {table!r} names {len(schemas)} tables (a schema?): "
            f"{reply['table_names'][:5]}"
        )
    properties = reply["properties"][0] if reply["properties"] else {}
    label = reply["type_labels"][0] if reply["type_labels"] else ""
    try:
        ktype = parse_type(schemas[0], _type_properties(properties), label=label)
    except InvalidArgumentError as exc:
        raise DecodeError(
            f"{SYSTEM} /show/table: table {table!r} has an unusable type: {exc}"
        ) from exc
    sizes = reply["sizes"]
    return TableInfo(table, reply["type_ids"][0], ktype, int(sizes[0]) if sizes else 0)


def _type_properties(properties: Mapping[str, list[str]]) -> dict[str, list[str]]:
    # The server lists "data" for every stored column; it says nothing about the type.
    return {name: [p for p in props if p.lower() != "data"] for name, props in properties.items()}


def create(
    client: KineticaClient,
    table: str,
    ktype: KineticaType,
    options: Mapping[str, str] | None = None,
) -> TableInfo:
    """Create `table` of type `ktype` (``/create/type``, then ``/create/table``).

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.types import KineticaColumn
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> ktype = KineticaType((KineticaColumn("x", "int", ("int8",)),))
    >>> with FakeKinetica() as fake, KineticaClient(fake.url) as client:
    ...     _ = create(client, "t", ktype)
    ...     fake.table("t").ktype == ktype
    True
    """
    definition, properties = format_type(ktype)
    created = client.call(
        "/create/type",
        {"type_definition": definition, "label": ktype.label, "properties": properties},
        table=table,
    )
    type_id = created["type_id"]
    # no_error_if_exists: a repeated call (a retry after a reset) finds the table made,
    # which the server accepts only when it is of this very type.
    request_options = {"is_collection": "false", "no_error_if_exists": "true", **(options or {})}
    client.call(
        "/create/table",
        {"table_name": _check_name(table), "type_id": type_id, "options": request_options},
        table=table,
    )
    return TableInfo(table, type_id, ktype, 0)


def drop(client: KineticaClient, table: str, *, missing_ok: bool = True) -> None:
    """Drop `table` (``/clear/table``); a missing one is fine when `missing_ok`.

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> with FakeKinetica() as fake, KineticaClient(fake.url) as client:
    ...     _ = fake.create_table("t", [("x", "double")])
    ...     drop(client, "t")
    ...     drop(client, "t")
    ...     exists(client, "t")
    False
    """
    options = {"no_error_if_not_exists": "true"} if missing_ok else {}
    client.call(
        "/clear/table",
        {"table_name": _check_name(table), "authorization": "", "options": options},
        table=table,
    )
