"""Table reads with or without a checkpoint: plan, stream, read whole, commit after.

The checkpoint holds, per table (section ``harperdb:<database>.<table>``),
the offset after the last row delivered, ``{"updated": t, "key": k}``. A
stream commits a batch's offset when the next batch is asked for or the
stream ends; a whole read hands back a ``commit`` to call once its result is
built. Everything here stays in Arrow; :mod:`arrowtap.connectors.harperdb.cluster` adds pandas.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa

from arrowtap.checkpoint import Checkpoint
from arrowtap.checkpoint import opened as using
from arrowtap.connectors.harperdb.table_source import (
    HarperDBTableSource,
    TablePartition,
    check_offset,
)
from arrowtap.io.contract import Offset

__all__ = ["CHECKPOINT_NAME", "CheckpointLike", "read_table", "scan"]

CheckpointLike = Checkpoint | str | os.PathLike[str] | None
CHECKPOINT_NAME = "harperdb-tables"
"""The checkpoint opened at a location given as ``checkpoint=``; one section per table."""


def opened(
    checkpoint: Checkpoint | str | os.PathLike[str],
) -> contextlib.AbstractContextManager[Checkpoint]:
    """The checkpoint as given, or opened (and closed after) from a path or URL."""
    return using(checkpoint, CHECKPOINT_NAME)


def _start(
    source: HarperDBTableSource, store: Checkpoint | None, since_ns: int | None
) -> tuple[TablePartition, Offset | None]:
    """The partition to read and the stored offset to resume from (``None``: from ``since``)."""
    offset = None if store is None else store.read_json(source.key)
    if offset is not None:
        check_offset(offset, source.layout)
    incremental = store is not None
    part = source.partition(since_ns if offset is None else None, incremental=incremental)
    return part, offset


def scan(
    source: HarperDBTableSource, since_ns: int | None, checkpoint: CheckpointLike
) -> pa.RecordBatchReader:
    """Stream the table's rows; with a checkpoint, resumably.

    Each batch's offset is committed when the next batch is asked for (or the
    stream ends).
    """
    try:
        schema = source.schema  # declared before the first row; errors raised now
    finally:
        source.close()  # reopened on the first batch: a reader never read holds no socket

    def batches() -> Iterator[pa.RecordBatch]:
        with source, contextlib.ExitStack() as stack:
            store = None if checkpoint is None else stack.enter_context(opened(checkpoint))
            part, offset = _start(source, store, since_ns)
            for page in source.read(part, offset):
                yield page.batch
                if store is not None:
                    store.write_json({source.key: page.offset})

    return pa.RecordBatchReader.from_batches(schema, batches())


def read_table(
    source: HarperDBTableSource, since_ns: int | None, checkpoint: CheckpointLike
) -> tuple[pa.Table, Callable[[], None]]:
    """Read the table's rows whole; and the ``commit`` that records them as delivered."""
    with source, contextlib.ExitStack() as stack:
        store = None if checkpoint is None else stack.enter_context(opened(checkpoint))
        part, offset = _start(source, store, since_ns)
        last: Any = offset
        batches = []
        for page in source.read(part, offset):
            batches.append(page.batch)
            last = page.offset
        table = pa.Table.from_batches(batches, schema=source.schema)

    def commit() -> None:
        if checkpoint is not None and last is not offset:
            with opened(checkpoint) as store:
                store.write_json({source.key: last})

    return table, commit
