"""The state of a fake Kinetica: record types by id and tables by name.

Type ids are derived from the definition, properties and label (identical
definitions get the same id, as on a real server; properties listed in another order
make another type, so a type reads back exactly as it was created), written as
decimal numbers like the server's. Table names compare without the default schema:
``ki_home.t`` and ``t`` are one table. One re-entrant lock guards everything; routes
hold it while they work.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

from arrowtap.connectors.kinetica.wire.types import KineticaType, format_type, parse_type
from arrowtap.testing.kinetica.table import Table

__all__ = ["DEFAULT_SCHEMA", "KineticaFault", "Store", "TypeEntry"]

DEFAULT_SCHEMA = "ki_home"
"""The schema of tables created without one."""


class KineticaFault(Exception):
    """A request the fake refuses: an ``ERROR`` envelope with this message.

    Parameters
    ----------
    message : str
        The envelope's ``message``.
    status : int
        The HTTP status (400 for ordinary errors).
    """

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class TypeEntry:
    """A registered record type: its id, definition, properties and label."""

    type_id: str
    definition: str
    properties: dict[str, list[str]]
    label: str
    ktype: KineticaType


def type_id_of(definition: str, properties: dict[str, list[str]], label: str) -> str:
    """The id of a type: a hash of its canonical form, as a decimal number.

    Examples
    --------
    >>> a = type_id_of('{"type":"record","name":"type_name","fields":[]}', {}, "")
    >>> a == type_id_of('{"type":"record","name":"type_name","fields":[]}', {}, "") and a.isdigit()
    True
    """
    canonical = json.dumps(
        [
            json.loads(definition),
            sorted(properties.items()),
            label,
        ],
        sort_keys=True,
    )
    return str(int.from_bytes(hashlib.sha256(canonical.encode()).digest()[:8], "big"))


def qualified(name: str) -> str:
    """``schema.table`` of a table name.

    Examples
    --------
    >>> qualified("t"), qualified("s.t")
    ('ki_home.t', 's.t')
    """
    return name if "." in name else f"{DEFAULT_SCHEMA}.{name}"


class Store:
    """Types and tables of one fake server.

    Examples
    --------
    >>> store = Store()
    >>> entry = store.add_type(
    ...     '{"type":"record","name":"type_name","fields":[{"name":"i","type":"int"}]}', {}, ""
    ... )
    >>> store.create_table("t", entry.type_id).name, store.table("ki_home.t").name
    ('t', 't')
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.types: dict[str, TypeEntry] = {}
        self.tables: dict[str, Table] = {}
        # SQL results kept in paging tables by name (``/execute/sql`` option
        # ``paging_table``) until ``/clear/table`` drops them.
        self.results: dict[str, Any] = {}

    def add_type(self, definition: str, properties: dict[str, list[str]], label: str) -> TypeEntry:
        """Register a type (``/create/type``); raises :class:`KineticaFault` if invalid."""
        try:
            ktype = parse_type(definition, properties, label=label)
        except ValueError as exc:
            raise KineticaFault(f"Invalid type definition: {exc}") from None
        definition, props = format_type(ktype)
        type_id = type_id_of(definition, props, label)
        entry = TypeEntry(type_id, definition, props, label, ktype)
        self.types.setdefault(type_id, entry)
        return self.types[type_id]

    def add_ktype(self, ktype: KineticaType) -> TypeEntry:
        """Register a :class:`KineticaType` (direct set-up, no HTTP)."""
        definition, props = format_type(ktype)
        return self.add_type(definition, props, ktype.label)

    def find_table(self, name: str) -> Table | None:
        """The table called `name` (with or without the default schema), if any."""
        return self.tables.get(qualified(name))

    def table(self, name: str) -> Table:
        """The table called `name`; :class:`KineticaFault` if there is none."""
        found = self.find_table(name)
        if found is None:
            raise KineticaFault(f"Table '{name}' does not exist")
        return found

    def create_table(self, name: str, type_id: str, options: dict[str, str] | None = None) -> Table:
        """Create a table of a registered type (``/create/table``)."""
        if not name or name.count(".") > 1 or any(c in name for c in " \t\n\"'"):
            raise KineticaFault(f"Invalid table name '{name}'")
        entry = self.types.get(type_id)
        if entry is None:
            raise KineticaFault(f"Type '{type_id}' does not exist")
        if qualified(name) in self.tables:
            raise KineticaFault(f"Table '{name}' already exists")
        table = Table(name, type_id, entry.ktype, options)
        self.tables[qualified(name)] = table
        return table

    def drop_table(self, name: str) -> Table:
        """Remove a table (``/clear/table``); return it."""
        table = self.table(name)
        del self.tables[qualified(name)]
        return table

    def rename_table(self, name: str, new_name: str) -> None:
        """Rename a table (``/alter/table rename_table``)."""
        if qualified(new_name) in self.tables:
            raise KineticaFault(f"Table '{new_name}' already exists")
        table = self.drop_table(name)
        table.name = new_name
        self.tables[qualified(new_name)] = table
