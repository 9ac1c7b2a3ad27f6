"""The contract between a system's sources and the engine.

A *source* declares its Arrow schema up front and reads one partition as a stream
of :class:`Page` objects, each carrying the offset that resumes *after* it.
Offsets are small JSON-able values (a time in ns, a key, a snapshot stamp).
Planning is each system's own (its arguments differ): it runs on the driver and
returns a :class:`Plan`, a source and small picklable :class:`Partition` objects,
never live clients, which travel to threads, processes and Dask workers. From a
plan the engine makes everything else, once for all: streams, frames, Dask
graphs, syncs and commits.

A *snapshot* source (a status view, a listing) reads the state of a system now:
its offset is not a place to resume but the time of the snapshot. A sync of it
appends one whole snapshot per run, stamped with the run's time, committed after
its last page.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, TypeAlias

import pyarrow as pa

from arrowtap.errors import InvalidArgumentError, InvalidTypeError

__all__ = ["Offset", "Page", "Partition", "Plan", "Source", "project"]

Offset: TypeAlias = Any
"""A JSON-able value that resumes a partition's read after a page."""


@dataclass(frozen=True)
class Partition:
    """A picklable description of one independently readable unit of a source.

    Parameters
    ----------
    key : str
        Stable identity of the partition across runs; the checkpoint section id.
    """

    key: str


class Page(NamedTuple):
    """One decoded page of a partition and the offset that resumes after it."""

    batch: pa.RecordBatch
    offset: Offset


class Source(Protocol):
    """What every readable source provides."""

    @property
    def schema(self) -> pa.Schema:
        """The declared Arrow schema of every batch (never inferred from data)."""
        ...

    def read(self, partition: Partition, offset: Offset | None = None) -> Iterator[Page]:
        """Read ``partition`` from ``offset`` (``None``: from its start), page by page."""
        ...

    def close(self) -> None:
        """Release connections; a closed source reopens them when read again."""
        ...


# A source whose reads run threads of their own (requests sent ahead) also offers
# ``in_one_thread()``: a copy whose reads run in the calling thread alone. A Dask task
# reads through it: a worker's threads are the concurrency its user sized to the cores.
#
# A source whose reads wait for data to arrive (a table monitor) also offers
# ``interrupt()``: it ends the reads in progress at once, so that a stopping sync does
# not wait for a page that may never come. The runner calls it when it stops.


@dataclass
class Plan:
    """What one call reads: a source, its partitions, and where its offsets are kept.

    Parameters
    ----------
    source : Source
        Picklable; it opens its connections on first use.
    partitions : sequence of Partition
        The partitions, in the order their pages are delivered; keys unique.
    checkpoint_name : str
        The checkpoint (one location holds many) of this kind of source's offsets.
    snapshot : bool
        A snapshot source (see the module's text).
    columns : sequence of str, optional
        Deliver only these columns, in this order (the source may have pushed
        the projection to the server already).
    """

    source: Source
    partitions: Sequence[Partition]
    checkpoint_name: str
    snapshot: bool = False
    columns: Sequence[str] | None = None
    schema: pa.Schema = field(init=False)

    def __post_init__(self) -> None:
        keys = [p.key for p in self.partitions]
        if len(set(keys)) != len(keys):
            raise InvalidArgumentError("partition keys must be unique within one plan")
        self.partitions = list(self.partitions)
        self.schema = project(self.source.schema, self.columns)


def project(schema: pa.Schema, columns: Sequence[str] | None) -> pa.Schema:
    """The schema of ``columns`` of ``schema`` (all of it for ``None``), checked.

    Examples
    --------
    >>> project(pa.schema([("a", pa.int8()), ("b", pa.string())]), ["b"]).names
    ['b']
    >>> project(pa.schema([("a", pa.int8())]), ["z"])
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: columns: no column 'z' (the columns are ['a'])
    """
    if columns is None:
        return schema
    if isinstance(columns, str) or not isinstance(columns, Sequence):
        raise InvalidTypeError(f"columns must be a list of names, not {columns!r}")
    if not columns or len(set(columns)) != len(columns):
        raise InvalidArgumentError(f"columns must be distinct names, at least one: {columns!r}")
    for name in columns:
        if not isinstance(name, str) or schema.get_field_index(name) < 0:
            raise InvalidArgumentError(
                f"columns: no column {name!r} (the columns are {schema.names})"
            )
    return pa.schema([schema.field(name) for name in columns], metadata=schema.metadata)
