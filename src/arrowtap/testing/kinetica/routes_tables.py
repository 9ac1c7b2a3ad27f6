"""Type and table endpoints of the fake Kinetica (``kinetica.md`` §2, §2.1).

``/create/type`` and ``/show/types``; ``/create/table``, ``/has/table``, ``/show/table``
(one table, ``*`` or empty for all, a schema name for its tables), ``/clear/table``
(drops the table and its monitors) and ``/alter/table`` with the actions
``add_column``, ``delete_column`` and ``rename_table`` (other actions are accepted and
kept as table options). ``/show/table`` lists the ``data`` property for every stored
column, as real servers do.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from arrowtap.connectors.kinetica.wire.properties import type_bases
from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType
from arrowtap.testing.kinetica.store import DEFAULT_SCHEMA, KineticaFault, qualified
from arrowtap.testing.kinetica.table import Table
from arrowtap.testing.kinetica.validate import constant

if TYPE_CHECKING:
    from arrowtap.testing.kinetica.fake import FakeKinetica

__all__ = ["ROUTES", "flag"]

Request = dict[str, Any]
Response = dict[str, Any]


def flag(options: dict[str, str], name: str) -> bool:
    """Whether the option `name` is ``"true"`` (case-insensitive)."""
    return options.get(name, "").strip().lower() == "true"


def create_type(fake: FakeKinetica, req: Request) -> Response:
    """Register a type; identical definitions get the same id."""
    entry = fake.store.add_type(req["type_definition"], req["properties"], req["label"])
    return {
        "type_id": entry.type_id,
        "type_definition": entry.definition,
        "label": entry.label,
        "properties": entry.properties,
    }


def _shown_properties(ktype: KineticaType) -> dict[str, list[str]]:
    return {
        c.name: (list(c.properties) if "store_only" in c.properties else ["data", *c.properties])
        for c in ktype.columns
    }


def show_types(fake: FakeKinetica, req: Request) -> Response:
    """Types by id (empty: all), optionally by label."""
    entries = [
        e
        for e in fake.store.types.values()
        if (not req["type_id"] or e.type_id == req["type_id"])
        and (not req["label"] or e.label == req["label"])
    ]
    if req["type_id"] and not entries:
        raise KineticaFault(f"Type '{req['type_id']}' does not exist")
    return {
        "type_ids": [e.type_id for e in entries],
        "type_schemas": [e.definition for e in entries],
        "labels": [e.label for e in entries],
        "properties": [_shown_properties(e.ktype) for e in entries],
    }


def create_table(fake: FakeKinetica, req: Request) -> Response:
    """Create a table of an existing type (``no_error_if_exists`` tolerated)."""
    name, options = req["table_name"], req["options"]
    existing = fake.store.find_table(name)
    if existing is not None and flag(options, "no_error_if_exists"):
        if existing.type_id != req["type_id"]:
            raise KineticaFault(f"Table '{name}' already exists with a different type")
    elif flag(options, "is_collection"):
        raise KineticaFault("Collections are not supported by this server; create a schema")
    else:
        fake.store.create_table(name, req["type_id"], {**options, "_created": f"{time.time()}"})
    return {
        "table_name": name,
        "type_id": req["type_id"],
        "is_collection": False,
        "info": {"qualified_table_name": qualified(name)},
    }


def has_table(fake: FakeKinetica, req: Request) -> Response:
    """Whether the table exists."""
    exists = fake.store.find_table(req["table_name"]) is not None
    return {"table_name": req["table_name"], "table_exists": exists}


def _tables_named(fake: FakeKinetica, name: str, options: dict[str, str]) -> list[Table]:
    tables = list(fake.store.tables.values())
    if name in ("", "*"):
        return tables
    found = fake.store.find_table(name)
    if found is not None:
        return [found]
    if "." not in name and any(qualified(t.name).split(".")[0] == name for t in tables):
        return [t for t in tables if qualified(t.name).split(".")[0] == name]
    if name == DEFAULT_SCHEMA or flag(options, "no_error_if_not_exists"):
        return []
    raise KineticaFault(f"Table '{name}' does not exist")


def show_table(fake: FakeKinetica, req: Request) -> Response:
    """Describe tables: names, types, properties, sizes."""
    tables = _tables_named(fake, req["table_name"], req["options"])
    sizes = [len(t) for t in tables]
    return {
        "table_name": req["table_name"],
        "table_names": [t.name for t in tables],
        "table_descriptions": [
            ["REPLICATED"] if flag(t.options, "is_replicated") else [] for t in tables
        ],
        "type_ids": [t.type_id for t in tables],
        "type_schemas": [t.definition for t in tables],
        "type_labels": [t.ktype.label for t in tables],
        "properties": [_shown_properties(t.ktype) for t in tables],
        "additional_info": [
            {
                "schema_name": qualified(t.name).split(".")[0],
                "qualified_table_name": qualified(t.name),
                "primary_key_type": "memory" if t.key_columns else "",
                "table_ttl": t.options.get("ttl", "-1"),
                "remaining_table_ttl": t.options.get("ttl", "-1"),
                "created_time": t.options.get("_created", ""),
            }
            for t in tables
        ],
        "sizes": sizes,
        "full_sizes": sizes,
        "join_sizes": [0.0] * len(tables),
        "total_size": sum(sizes),
        "total_full_size": sum(sizes),
    }


def clear_table(fake: FakeKinetica, req: Request) -> Response:
    """Drop a table and its monitors."""
    name = req["table_name"]
    if fake.store.results.pop(name, None) is not None:
        return {"table_name": name}  # a paging table of a SQL result
    if fake.store.find_table(name) is None:
        if flag(req["options"], "no_error_if_not_exists"):
            return {"table_name": name}
        raise KineticaFault(f"Table '{name}' does not exist")
    table = fake.store.drop_table(name)
    fake.publisher.remove_table(table.name)
    return {"table_name": name}


def _new_column(req: Request) -> tuple[KineticaColumn, Any]:
    """The column ``add_column`` describes, and the value existing rows get."""
    options = req["options"]
    kind = options.get("column_type", "").strip().lower()
    props = [p.strip() for p in options.get("column_properties", "").split(",") if p.strip()]
    base = kind if kind in ("int", "long", "float", "double", "string", "bytes") else None
    if base is None and kind:
        base = type_bases(kind)[0]
        props = [kind, *props]
    if base is None:
        raise KineticaFault("Missing option 'column_type' for action 'add_column'")
    try:
        column = KineticaColumn(req["value"], base, tuple(props))
        default = options.get("column_default_value")
        if default is not None:
            return column, constant(column, default)
    except ValueError as exc:
        raise KineticaFault(f"Invalid column for action 'add_column': {exc}") from None
    if column.nullable:
        return column, None
    return column, {"string": "", "bytes": b""}.get(base, 0)


def alter_table(fake: FakeKinetica, req: Request) -> Response:
    """``add_column``, ``delete_column``, ``rename_table``; other actions kept as options."""
    table = fake.store.table(req["table_name"])
    action, value = req["action"], req["value"]
    columns = list(table.ktype.columns)
    if action == "rename_table":
        old = table.name
        fake.store.rename_table(old, value)
        fake.publisher.rename_table(old, value)
    elif action in ("add_column", "delete_column"):
        rows = table.values()
        if action == "add_column":
            if value in table.ktype.names:
                raise KineticaFault(f"Column '{value}' already exists in table '{table.name}'")
            column, filler = _new_column(req)
            columns.append(column)
            new_rows = [{**r, value: filler} for r in rows]
        else:
            if value not in table.ktype.names or len(columns) == 1:
                raise KineticaFault(f"Cannot delete column '{value}' of table '{table.name}'")
            columns = [c for c in columns if c.name != value]
            new_rows = [{k: v for k, v in r.items() if k != value} for r in rows]
        entry = fake.store.add_ktype(KineticaType(tuple(columns), table.ktype.label))
        table.set_type(entry.type_id, entry.ktype)
        table.reset([table.codec.encode(r) for r in new_rows], new_rows)
    else:
        table.options[action] = value
    entry = fake.store.types[table.type_id]
    return {
        "table_name": req["table_name"],
        "action": action,
        "value": value,
        "type_id": entry.type_id,
        "type_definition": entry.definition,
        "properties": entry.properties,
        "label": entry.label,
    }


ROUTES = {
    "/create/type": create_type,
    "/show/types": show_types,
    "/create/table": create_table,
    "/has/table": has_table,
    "/show/table": show_table,
    "/clear/table": clear_table,
    "/alter/table": alter_table,
}
