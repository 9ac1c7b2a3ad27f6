"""One table of the fake Kinetica: its type and its rows.

Rows are kept as framed Avro bytes in insertion order (:mod:`.rowcodec`); their
decoded values are built on first need and then kept in step. A primary-key table
keeps an index from key to row position. Every method expects the caller to hold the
store's lock. The row positions a filter and an order select are kept until the rows
change (:attr:`Table.selections`), so paging through a filtered table filters it once.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from arrowtap.connectors.kinetica.wire.types import KineticaType
from arrowtap.testing.kinetica.arrays import array_normaliser
from arrowtap.testing.kinetica.expr import Row
from arrowtap.testing.kinetica.rowcodec import RowCodec, frame, unframe
from arrowtap.testing.kinetica.validate import row_checker

__all__ = ["Table"]

_IDS = itertools.count(1)


class Table:
    """A fake Kinetica table.

    Parameters
    ----------
    name : str
        The table name as created (``schema.table`` or ``table``).
    type_id : str
        The id of its type.
    ktype : KineticaType
        Its type.
    options : dict of str to str
        The ``/create/table`` options (``is_replicated``, ``ttl``, ...).

    Examples
    --------
    >>> from arrowtap.connectors.kinetica.wire.types import KineticaColumn, KineticaType
    >>> t = Table("t", "1", KineticaType((KineticaColumn("k", "int", ("primary_key",)),)))
    >>> t.append([t.codec.encode({"k": 1})], [{"k": 1}])
    >>> len(t), t.values(), t.find_key({"k": 1})
    (1, [{'k': 1}], 0)
    """

    def __init__(
        self, name: str, type_id: str, ktype: KineticaType, options: dict[str, str] | None = None
    ) -> None:
        self.name = name
        self.options = dict(options or {})
        self.framed: list[bytes] = []
        self._values: list[Row] | None = []
        self._keys: dict[tuple[Any, ...], int] | None = None
        self.selections: dict[Any, list[int]] = {}
        self.set_type(type_id, ktype)

    def set_type(self, type_id: str, ktype: KineticaType) -> None:
        """Adopt a (new) type; the caller re-encodes existing rows if the columns changed."""
        self.type_id = type_id
        self.ktype = ktype
        self.codec = RowCodec(ktype)
        self.check = row_checker(ktype)
        # Array values are kept in their documented form, whatever text came in.
        self.normalise = array_normaliser(ktype)
        self.key_columns = ktype.primary_key
        self._keys = None
        self.selections.clear()

    def __len__(self) -> int:
        return len(self.framed)

    @property
    def definition(self) -> str:
        """The type's Avro record schema JSON (``type_schemas[i]`` of ``/show/table``)."""
        return self.codec.definition

    def values(self) -> list[Row]:
        """Every row's values, in order (decoded on first call, then kept)."""
        if self._values is None:
            self._values = self.codec.decode_framed(self.framed)
        return self._values

    def key(self, row: Row) -> tuple[Any, ...]:
        """The primary key of a row (empty for a table without one)."""
        return tuple(row[c] for c in self.key_columns)

    def _index(self) -> dict[tuple[Any, ...], int]:
        if self._keys is None:
            self._keys = {self.key(r): i for i, r in enumerate(self.values())}
        return self._keys

    def find_key(self, row: Row) -> int | None:
        """The position of the row with the same primary key, if the table has one."""
        if not self.key_columns:
            return None
        return self._index().get(self.key(row))

    def append(self, rows: Sequence[bytes], values: Sequence[Row] | None = None) -> None:
        """Add encoded rows (and their values when known) at the end."""
        self.selections.clear()
        start = len(self.framed)
        self.framed.extend(frame(r) for r in rows)
        if self._values is not None:
            if values is None:
                self._values = None
            else:
                self._values.extend(values)
        if self._keys is not None and values is not None:
            for i, row in enumerate(values):
                self._keys[self.key(row)] = start + i
        else:
            self._keys = None

    def reset(self, rows: Sequence[bytes], values: Sequence[Row]) -> None:
        """Replace every row (after a change of type)."""
        self.framed, self._values, self._keys = [], [], None
        self.append(rows, values)

    def append_framed(self, framed: Iterable[bytes]) -> None:
        """Add already framed rows whose values are not decoded (bulk loads)."""
        self.framed.extend(framed)
        self._values = None
        self._keys = None
        self.selections.clear()

    def replace(self, position: int, row: bytes, values: Row) -> None:
        """Replace the row at `position` (an upsert or an update)."""
        self.selections.clear()
        old = self.values()[position]
        self.framed[position] = frame(row)
        self.values()[position] = values
        if self._keys is not None and self.key_columns:
            self._keys.pop(self.key(old), None)
            self._keys[self.key(values)] = position

    def row(self, position: int) -> bytes:
        """The Avro bytes of the row at `position`."""
        return unframe(self.framed[position])

    def select(self, keep: Callable[[Row], Any]) -> list[int]:
        """The positions of the rows `keep` accepts."""
        return [i for i, r in enumerate(self.values()) if keep(r)]

    def delete(self, positions: Iterable[int]) -> int:
        """Delete the rows at `positions`; return how many."""
        gone = set(positions)
        if not gone:
            return 0
        self.selections.clear()
        values = self.values()
        self.framed = [f for i, f in enumerate(self.framed) if i not in gone]
        self._values = [v for i, v in enumerate(values) if i not in gone]
        self._keys = None
        return len(gone)

    def order(self, positions: list[int], sort_by: Sequence[tuple[str, bool]]) -> list[int]:
        """`positions` sorted by columns (name, descending); nulls first when ascending."""
        values = self.values()

        def key(name: str) -> Callable[[int], tuple[bool, Any]]:
            return lambda i: (values[i][name] is not None, values[i][name])

        for name, descending in reversed(sort_by):
            positions = sorted(positions, key=key(name), reverse=descending)
        return positions

    def next_record_id(self) -> str:
        """A new record id (``return_record_ids``)."""
        return f"{next(_IDS):016x}"
