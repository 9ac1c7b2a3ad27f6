"""Incremental reads of a Kinetica table that resume from a checkpoint (facade layer).

The checkpoint holds one section per read (the partition's key, naming server, table,
filter and increasing column): the offset after the last page delivered, a value of
the increasing column (:mod:`~arrowtap.connectors.kinetica.wire.incremental`). A page is
delivered when the consumer asks for the next one or the stream ends (streams), or when
the whole result has been handed over (frames); only then is its offset committed.
A run that dies re-reads at most the page in hand; the next run returns the rows after
the committed value, those added since included.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from arrowtap.checkpoint import Checkpoint, open_checkpoint
from arrowtap.connectors.kinetica.table_source import TablePartition, TableSource

__all__ = ["CHECKPOINT_NAME", "CheckpointLike", "CheckpointedRead", "opened"]

CheckpointLike = Checkpoint | str | os.PathLike[str] | None
CHECKPOINT_NAME = "kinetica"
"""The checkpoint opened in a file given as ``checkpoint=``."""


@contextlib.contextmanager
def opened(checkpoint: Checkpoint | str | os.PathLike[str]) -> Iterator[Checkpoint]:
    """The checkpoint as given, or opened (and closed after) from a file path.

    Examples
    --------
    >>> import tempfile
    >>> with opened(tempfile.mkdtemp() + "/offsets.db") as store:
    ...     store.name
    'kinetica'
    """
    if isinstance(checkpoint, Checkpoint):
        yield checkpoint  # the caller's handle: the caller closes it
        return
    with open_checkpoint(checkpoint, CHECKPOINT_NAME) as store:
        yield store


@dataclass
class CheckpointedRead:
    """One incremental read of a table partition, from the offset its checkpoint holds.

    Parameters
    ----------
    store : Checkpoint
        Where the offset lives (section: the partition's key).
    source : TableSource
        The table, with its increasing column.
    partition : TablePartition
        What is read.
    """

    store: Checkpoint
    source: TableSource
    partition: TablePartition
    offset: Any = field(init=False)

    def __post_init__(self) -> None:
        self.offset = self.store.read_json(self.partition.key)
        if self.source.order is not None:
            self.source.order.check(self.offset)

    def commit(self, offset: Any) -> None:
        """Record `offset` as delivered."""
        if offset is not None and offset != self.offset:
            self.store.write_json({self.partition.key: offset})
            self.offset = offset

    def stream(self) -> Iterator[pa.RecordBatch]:
        """The pages after the offset; each is committed once the consumer asks for more."""
        for page in self.source.read(self.partition, self.offset):
            yield page.batch
            self.commit(page.offset)

    def read_all(self) -> tuple[list[pa.RecordBatch], Any]:
        """Every page after the offset, and the offset after them (not yet committed)."""
        batches, offset = [], self.offset
        for page in self.source.read(self.partition, self.offset):
            batches.append(page.batch)
            offset = page.offset
        return batches, offset
