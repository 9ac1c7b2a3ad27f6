"""What changed in a listing since the last complete one, against a baseline in a checkpoint.

A listing's *baseline* is the identity and tracked members of every item of its
last complete listing (for clusters: name, status, last modification). Per listing
(its partition key ``K``) the checkpoint holds it in chunks of at most
:data:`CHUNK_ROWS` items, sections ``K#<gen>:<i>`` (each far below a section's size
limit), and the section ``K#baseline``, ``{"gen": gen, "chunks": n, "rows": m}``,
which names the chunks of the current one.

A new baseline is recorded only once its listing is complete: its chunks and its
``K#baseline`` in one atomic write (:func:`arrowtap.io.offsets.record`); then the
sections of older generations are forgotten (:func:`arrowtap.io.offsets.forget`).
A listing that fails midway records nothing, so the next diff compares with the
same baseline. Section ``K`` itself is left alone: it is the listing's partition
state when a sync shares the checkpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from arrowtap.checkpoint import Checkpoint
from arrowtap.connectors.finspace.wire.model import SYSTEM
from arrowtap.connectors.finspace.wire.schema import enum_array, enum_values, listing_schema
from arrowtap.errors import CheckpointError
from arrowtap.io import offsets

__all__ = ["CHUNK_ROWS", "SNAPSHOTS", "Baseline", "changes", "diff_schema", "snapshot_rows"]

SNAPSHOTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ListKxClusters": ("clusterName", ("status", "lastModifiedTimestamp")),
    "ListKxEnvironments": ("environmentId", ("status", "updateTimestamp")),
    "ListKxDatabases": ("databaseName", ("lastModifiedTimestamp",)),
    "ListKxChangesets": ("changesetId", ("status", "lastModifiedTimestamp")),
    "ListKxClusterNodes": ("nodeId", ("status",)),
}
"""Per listing: the member identifying an item and the members whose change is reported."""

CHUNK_ROWS = 200
"""Items per baseline section: about 25 kB of JSON at most, within the 64 kB a section holds."""

CHANGES = ("added", "removed", "changed")
Row = tuple[Any, ...]


def _previous(name: str) -> str:
    return "previous" + name[0].upper() + name[1:]


def diff_schema(operation: str) -> pa.Schema:
    """Schema of the changes of a listing: identity, change, tracked members now and before.

    Examples
    --------
    >>> diff_schema("ListKxClusters").names
    ['clusterName', 'change', 'status', 'lastModifiedTimestamp', 'previousStatus', \
'previousLastModifiedTimestamp']
    """
    ident, tracked = SNAPSHOTS[operation]
    items = listing_schema(operation)
    fields = [items.field(ident), pa.field("change", pa.dictionary(pa.int32(), pa.string()))]
    fields += [items.field(name) for name in tracked]
    fields += [items.field(name).with_name(_previous(name)) for name in tracked]
    return pa.schema(fields)


def _plain(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(column.type):
        return column.cast(pa.string())
    if pa.types.is_timestamp(column.type):
        return column.cast(pa.int64())
    return column


def snapshot_rows(operation: str, table: pa.Table) -> dict[Any, Row]:
    """The tracked state of each item of a listing, by identity, JSON-able.

    Examples
    --------
    >>> t = pa.table({"nodeId": ["n1"], "status": ["RUNNING"]})
    >>> snapshot_rows("ListKxClusterNodes", t)
    {'n1': ('RUNNING',)}
    """
    ident, tracked = SNAPSHOTS[operation]
    columns = [_plain(table.column(name)).to_pylist() for name in (ident, *tracked)]
    return {row[0]: tuple(row[1:]) for row in zip(*columns, strict=True)}


@dataclass(frozen=True)
class Baseline:
    """The baseline of one listing in a checkpoint.

    Parameters
    ----------
    store : Checkpoint
        Where it is kept (read here; written through :mod:`arrowtap.io.offsets`).
    key : str
        The listing's partition key.

    Examples
    --------
    >>> import tempfile
    >>> from arrowtap.checkpoint import open_checkpoint
    >>> with open_checkpoint(tempfile.mkdtemp() + "/b.db", "demo") as store:
    ...     baseline = Baseline(store, "k")
    ...     baseline.record({"c1": ("RUNNING", 5)})
    ...     baseline.load(), store.keys()
    ({'c1': ('RUNNING', 5)}, ['k#1:0', 'k#baseline'])
    """

    store: Checkpoint
    key: str

    @property
    def pointer(self) -> str:
        """The section naming the chunks of the current baseline."""
        return f"{self.key}#baseline"

    def _chunk(self, gen: int, index: int) -> str:
        return f"{self.key}#{gen}:{index}"

    def _current(self) -> tuple[int, int] | None:
        value = self.store.read_json(self.pointer)
        if value is None:
            return None
        if (
            isinstance(value, dict)
            and set(value) == {"gen", "chunks", "rows"}
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value.values())
        ):
            return value["gen"], value["chunks"]
        raise CheckpointError(
            f"{SYSTEM}: checkpoint section {self.pointer!r} does not hold a listing baseline; "
            "was it written by another program?"
        )

    def load(self) -> dict[Any, Row] | None:
        """The items of the last complete listing (``None``: none was recorded)."""
        current = self._current()
        if current is None:
            return None
        gen, chunks = current
        found: dict[Any, Row] = {}
        for index in range(chunks):
            key = self._chunk(gen, index)
            rows = self.store.read_json(key)
            if not isinstance(rows, list) or not all(isinstance(r, list) and r for r in rows):
                raise CheckpointError(f"{SYSTEM}: checkpoint lacks the baseline section {key!r}")
            found.update((row[0], tuple(row[1:])) for row in rows)
        return found

    def record(self, items: Mapping[Any, Row]) -> None:
        """Make ``items`` (a complete listing) the baseline, then forget the older ones."""
        current = self._current()
        gen = 1 if current is None else current[0] + 1
        rows = [[ident, *state] for ident, state in items.items()]
        chunks = [rows[i : i + CHUNK_ROWS] for i in range(0, len(rows), CHUNK_ROWS)]
        sections: dict[str, object] = {self._chunk(gen, i): chunk for i, chunk in enumerate(chunks)}
        sections[self.pointer] = {"gen": gen, "chunks": len(chunks), "rows": len(rows)}
        offsets.record(self.store, sections)
        # Only after the new baseline is whole and current: a crash before this leaves
        # stale sections, which the next record forgets.
        prefix = self.key + "#"
        stale = [k for k in self.store.keys() if k.startswith(prefix) and k not in sections]
        offsets.forget(self.store, stale)


def changes(operation: str, before: Mapping[Any, Row], now: Mapping[Any, Row]) -> pa.Table:
    """The items added, removed and changed from ``before`` to ``now``, by identity.

    Examples
    --------
    >>> t = changes("ListKxClusterNodes", {"a": ("RUNNING",), "b": ("RUNNING",)},
    ...             {"b": ("PROVISIONING",), "c": ("RUNNING",)})
    >>> t.select(["nodeId", "change", "status", "previousStatus"]).to_pylist()[0]
    {'nodeId': 'a', 'change': 'removed', 'status': None, 'previousStatus': 'RUNNING'}
    >>> t["change"].to_pylist()
    ['removed', 'changed', 'added']
    """
    schema = diff_schema(operation)
    tracked = SNAPSHOTS[operation][1]
    empty = (None,) * len(tracked)
    rows: list[tuple[Any, str, Row, Row]] = []
    for ident in sorted(before.keys() | now.keys()):
        old, new = before.get(ident), now.get(ident)
        if old is None:
            rows.append((ident, "added", new or empty, empty))
        elif new is None:
            rows.append((ident, "removed", empty, old))
        elif old != new:
            rows.append((ident, "changed", new, old))
    enums = enum_values(operation)
    codes = pa.array([CHANGES.index(r[1]) for r in rows], pa.int32())
    columns: list[pa.Array] = [
        pa.array([r[0] for r in rows], schema.field(0).type),
        pa.DictionaryArray.from_arrays(codes, pa.array(CHANGES)),
    ]
    for part in (2, 3):
        for i, name in enumerate(tracked):
            target = schema.field(len(columns)).type
            values = [r[part][i] for r in rows]
            if pa.types.is_dictionary(target):
                columns.append(enum_array(values, enums[name]))
            elif pa.types.is_timestamp(target):
                columns.append(pa.array(values, pa.int64()).cast(target))
            else:
                columns.append(pa.array(values, target))
    return pa.Table.from_arrays(columns, schema=schema)
