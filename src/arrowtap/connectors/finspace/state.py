"""Checkpointed listings: resume an interrupted pagination, tell what changed since last time.

Per listing (its partition key ``K``) the checkpoint holds the section ``K``,
``{"gen", "token", "seq", "done"}``, and one snapshot section per delivered
page, ``K#<gen>:<seq>``, listing each item's identity and tracked members
(for clusters: name, status, last modification). ``gen`` numbers the
listings; ``done`` is ``[gen, pages]`` of the last complete one.

A page is delivered when the consumer asks for the next one (streams) or when
the whole result is handed over (frames, diffs); only then are its token and
snapshot committed, in one atomic write. A run that dies resumes from the
last committed token, so across runs each page is delivered once. A listing
that ended starts afresh next time, and its snapshot is what the next one
is compared with; snapshot sections of older listings are then deleted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from arrowtap.checkpoint import Checkpoint
from arrowtap.connectors.finspace.listing_source import ListingPartition, ListingSource
from arrowtap.connectors.finspace.wire.model import SYSTEM, listing, shape
from arrowtap.connectors.finspace.wire.schema import enum_array, listing_schema
from arrowtap.errors import CheckpointError
from arrowtap.io.contract import Page

__all__ = ["SNAPSHOTS", "CheckpointedListing", "diff_schema"]

SNAPSHOTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ListKxClusters": ("clusterName", ("status", "lastModifiedTimestamp")),
    "ListKxEnvironments": ("environmentId", ("status", "updateTimestamp")),
    "ListKxDatabases": ("databaseName", ("lastModifiedTimestamp",)),
    "ListKxChangesets": ("changesetId", ("status", "lastModifiedTimestamp")),
    "ListKxClusterNodes": ("nodeId", ("status",)),
}
"""Per listing: the member identifying an item and the members whose change is reported."""

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


def _plain(column: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(column.type):
        return column.cast(pa.string())
    if pa.types.is_timestamp(column.type):
        return column.cast(pa.int64())
    return column


def snapshot_rows(operation: str, batch: pa.RecordBatch) -> list[list[Any]]:
    """The snapshot of one page: ``[identity, *tracked]`` per item, JSON-able."""
    ident, tracked = SNAPSHOTS[operation]
    columns = [_plain(batch.column(name)).to_pylist() for name in (ident, *tracked)]
    return [list(row) for row in zip(*columns, strict=True)]


@dataclass
class CheckpointedListing:
    """The checkpoint state of one listing, and the pages it still has to deliver.

    Parameters
    ----------
    store : Checkpoint
        Where the state lives.
    source : ListingSource
        What reads the pages.
    partition : ListingPartition
        The listing; its key names the sections.
    """

    store: Checkpoint
    source: ListingSource
    partition: ListingPartition
    gen: int = field(init=False)
    token: str | None = field(init=False)
    seq: int = field(init=False)
    done: tuple[int, int] | None = field(init=False)

    def __post_init__(self) -> None:
        key = self.partition.key
        state = self.store.read_json(key)
        if state is None:
            self.gen, self.token, self.seq, self.done = 1, None, 0, None
            return
        try:
            if not isinstance(state, dict) or not isinstance(state["token"], str | None):
                raise TypeError(state)
            gen, token, seq, done = int(state["gen"]), state["token"], state["seq"], state["done"]
            self.done = None if done is None else (int(done[0]), int(done[1]))
            if self.done is not None and self.done[0] == gen:  # the last listing ended
                self.gen, self.token, self.seq = gen + 1, None, 0
            else:
                self.gen, self.token, self.seq = gen, token, int(seq)
        except (KeyError, TypeError, ValueError, IndexError):
            raise CheckpointError(
                f"{SYSTEM}: checkpoint section {key!r} does not hold a listing state"
            ) from None

    @property
    def resuming(self) -> bool:
        """Whether an interrupted listing is continued (rather than a new one started)."""
        return self.seq > 0

    def _snap_key(self, gen: int, seq: int) -> str:
        return f"{self.partition.key}#{gen}:{seq}"

    def _pages(self) -> Iterator[Page]:
        offset = {"nextToken": self.token} if self.resuming else None
        return self.source.read(self.partition, offset)

    def _commit(self, pages: Sequence[Page]) -> None:
        """Record ``pages`` as delivered: snapshots and state in one atomic write."""
        operation = self.partition.operation
        sections: dict[str, object] = {}
        for page in pages:
            sections[self._snap_key(self.gen, self.seq)] = snapshot_rows(operation, page.batch)
            self.seq += 1
            self.token = page.offset["nextToken"]
        ended = bool(pages) and self.token is None
        if ended:
            self.done = (self.gen, self.seq)
        done = None if self.done is None else list(self.done)
        state = {"gen": self.gen, "token": self.token, "seq": self.seq, "done": done}
        self.store.write_json(sections | {self.partition.key: state})
        if ended:
            self._forget_other_generations()

    def _forget_other_generations(self) -> None:
        prefix = self.partition.key + "#"
        keep = f"{prefix}{self.gen}:"
        for key in self.store.keys():
            if key.startswith(prefix) and not key.startswith(keep):
                self.store.delete(key)

    def stream(self) -> Iterator[pa.RecordBatch]:
        """Yield the remaining pages, committing each when the next one is asked for."""
        for page in self._pages():
            yield page.batch
            self._commit([page])

    def read_all(self) -> list[pa.RecordBatch]:
        """Read the remaining pages and commit them all at once, after the last one."""
        pages = list(self._pages())
        self._commit(pages)
        return [page.batch for page in pages]

    def _snapshot(self, gen: int, pages: int) -> dict[Any, Row]:
        keys = [self._snap_key(gen, seq) for seq in range(pages)]
        found: dict[Any, Row] = {}
        for key in keys:
            rows = self.store.read_json(key)
            if not isinstance(rows, list):
                raise CheckpointError(f"{SYSTEM}: checkpoint lacks the snapshot section {key!r}")
            found.update((row[0], tuple(row[1:])) for row in rows)
        return found

    def diff(self) -> pa.Table:
        """Finish the listing and compare it with the last complete one (all added if none)."""
        # Read the baseline first: ending this listing deletes it.
        before = self._snapshot(*self.done) if self.done is not None else {}
        self.read_all()
        return _changes(self.partition.operation, before, self._snapshot(self.gen, self.seq))


def _changes(operation: str, before: dict[Any, Row], now: dict[Any, Row]) -> pa.Table:
    schema = diff_schema(operation)
    rows: list[tuple[Any, str, Row, Row]] = []
    empty = (None,) * len(SNAPSHOTS[operation][1])
    for ident in sorted(before.keys() | now.keys()):
        old, new = before.get(ident), now.get(ident)
        if old is None:
            rows.append((ident, "added", new or empty, empty))
        elif new is None:
            rows.append((ident, "removed", empty, old))
        elif old != new:
            rows.append((ident, "changed", new, old))
    width = len(empty)
    members = shape(listing(operation).item_shape)["members"]
    enums = [shape(members[n]["shape"]).get("enum", ()) for n in SNAPSHOTS[operation][1]]
    columns: list[pa.Array] = [pa.array([r[0] for r in rows], schema.field(0).type)]
    change_codes = pa.array([CHANGES.index(r[1]) for r in rows], pa.int32())
    columns.append(pa.DictionaryArray.from_arrays(change_codes, pa.array(CHANGES)))
    for part in (2, 3):
        for i in range(width):
            target = schema.field(len(columns)).type
            values = [r[part][i] for r in rows]
            if pa.types.is_dictionary(target):
                columns.append(enum_array(values, enums[i]))
            elif pa.types.is_timestamp(target):
                columns.append(pa.array(values, pa.int64()).cast(target))
            else:
                columns.append(pa.array(values, target))
    return pa.Table.from_arrays(columns, schema=schema)
