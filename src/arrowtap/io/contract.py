"""The contract between a connector and the rest of arrowtap.

A *source* declares its Arrow schema up front and reads one partition as a stream of
:class:`Page` objects, each carrying the offset that resumes *after* it.
Offsets are small JSON-able values (a time in ns, a key, a page token).
Planning is each connector's own (its arguments differ): it runs on the
driver and returns small picklable :class:`Partition` objects, never live
clients, which travel to threads, processes and Dask workers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, TypeAlias

import pyarrow as pa

__all__ = ["Offset", "OffsetStore", "Page", "Partition", "Source"]

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
    """What every readable connector provides."""

    @property
    def schema(self) -> pa.Schema:
        """The declared Arrow schema of every batch (never inferred from data)."""
        ...

    def read(self, partition: Partition, offset: Offset | None = None) -> Iterator[Page]:
        """Read ``partition`` from ``offset`` (``None``: from its start), page by page."""
        ...


class OffsetStore(Protocol):
    """What a connector may ask of a checkpoint it is handed (it never opens one).

    :class:`arrowtap.Checkpoint` provides it; connectors depend on this protocol,
    not on :mod:`arrowtap.checkpoint`, so dependencies keep pointing one way.
    """

    def read_json(self, key: str, default: object = None) -> object:
        """The JSON value of section ``key`` (``default`` if there is none)."""
        ...

    def write_json(self, sections: Mapping[str, object]) -> None:
        """Replace the given sections with these JSON values, atomically."""
        ...

    def close(self) -> None:
        """Release the store."""
        ...
