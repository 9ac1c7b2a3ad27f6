"""The sync runner: source pages into a sink, offsets into a checkpoint, exactly once.

For each page the runner makes the sink's copy durable first and only then
commits ``{"offset": <after the page>, "seq": <next page number>}`` to the
checkpoint section of the partition. A run killed anywhere restarts from the
last commit: the sink drops the pages numbered at or past the committed
``seq`` and the source re-reads from the committed offset, so the checkpoint
never gets ahead of the data and no row is written twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Protocol

import pyarrow as pa

from arrowtap.checkpoint import Checkpoint
from arrowtap.errors import CheckpointError, InvalidArgumentError
from arrowtap.io.contract import Page, Partition, Source
from arrowtap.io.crashpoints import crashpoint

__all__ = ["PartitionSummary", "Sink", "SyncSummary", "sync"]


class Sink(Protocol):
    """Where the runner writes pages; writes must be durable and idempotent."""

    def begin(self, key: str, next_seq: int) -> None:
        """Prepare partition ``key``, discarding its pages numbered ``next_seq`` or more."""
        ...

    def write(self, key: str, seq: int, batch: pa.RecordBatch) -> int:
        """Write page ``seq`` of ``key`` durably; return the bytes written."""
        ...


@dataclass
class PartitionSummary:
    """What one partition contributed to a sync run."""

    key: str
    rows: int = 0
    pages: int = 0
    bytes: int = 0
    offset: object = None


@dataclass
class SyncSummary:
    """What a sync run did."""

    partitions: list[PartitionSummary] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        """Rows written in this run."""
        return sum(p.rows for p in self.partitions)

    @property
    def bytes(self) -> int:
        """Bytes written in this run."""
        return sum(p.bytes for p in self.partitions)

    @property
    def pages(self) -> int:
        """Pages written in this run."""
        return sum(p.pages for p in self.partitions)

    def __str__(self) -> str:
        return (
            f"{len(self.partitions)} partitions, {self.rows} rows, {self.pages} pages, "
            f"{self.bytes} bytes, {self.seconds:.2f} s"
        )


def sync(
    source: Source,
    partitions: Sequence[Partition],
    sink: Sink,
    checkpoint: Checkpoint,
    *,
    max_concurrency: int = 4,
    on_page: Callable[[Partition, Page], None] | None = None,
) -> SyncSummary:
    """Copy every partition's new pages to ``sink``, committing offsets to ``checkpoint``.

    Parameters
    ----------
    source : Source
        What to read.
    partitions : sequence of Partition
        What to read of it; each key names one checkpoint section.
    sink : Sink
        Where pages go, e.g. :class:`arrowtap.io.sink.ParquetDatasetSink`.
    checkpoint : Checkpoint
        Where offsets go.
    max_concurrency : int
        Partitions synced at once.
    on_page : callable, optional
        Called after each page is committed (progress bars).

    Raises
    ------
    ArrowtapError
        The first error of any partition; the others stop after their
        current page, and every commit made stays valid.

    Returns
    -------
    SyncSummary
        Rows, pages and bytes written per partition, and the time taken.

    Examples
    --------
    See :func:`arrowtap.sync_archive_samples`, which wires this to the archiver.
    """
    if max_concurrency < 1:
        raise InvalidArgumentError(f"max_concurrency must be >= 1, got {max_concurrency!r}")
    keys = [p.key for p in partitions]
    if len(set(keys)) != len(keys):
        raise InvalidArgumentError("partition keys must be unique within one sync")
    began = time.perf_counter()
    stop = threading.Event()

    def one(part: Partition) -> PartitionSummary:
        try:
            return _sync_partition(source, part, sink, checkpoint, on_page, stop)
        except BaseException:
            stop.set()  # before this worker picks up the next partition
            raise

    with ThreadPoolExecutor(max_concurrency, thread_name_prefix="arrowtap-sync") as pool:
        futures = [pool.submit(one, part) for part in partitions]
        wait(futures, return_when=FIRST_EXCEPTION)
        failed = next((f for f in futures if f.done() and f.exception()), None)
        if failed is not None:
            # Stop the others between pages: what they committed stays valid.
            stop.set()
            for future in futures:
                future.cancel()
            wait(futures)
            raise failed.exception()  # type: ignore[misc]
    return SyncSummary([f.result() for f in futures], time.perf_counter() - began)


def _sync_partition(
    source: Source,
    part: Partition,
    sink: Sink,
    checkpoint: Checkpoint,
    on_page: Callable[[Partition, Page], None] | None,
    stop: threading.Event,
) -> PartitionSummary:
    summary = PartitionSummary(part.key)
    if stop.is_set():
        return summary
    state = checkpoint.read_json(part.key)
    if state is None:
        offset, seq = None, 0
    elif isinstance(state, dict) and set(state) == {"offset", "seq"}:
        offset, seq = state["offset"], int(state["seq"])
    else:
        raise CheckpointError(f"checkpoint section {part.key!r} does not hold a sync state")
    summary.offset = offset
    sink.begin(part.key, seq)
    for page in source.read(part, offset):
        if stop.is_set():
            break
        crashpoint("before_write")
        summary.bytes += sink.write(part.key, seq, page.batch)
        crashpoint("after_write")
        seq += 1
        checkpoint.write_json({part.key: {"offset": page.offset, "seq": seq}})
        crashpoint("after_commit")
        summary.rows += page.batch.num_rows
        summary.pages += 1
        summary.offset = page.offset
        if on_page is not None:
            on_page(part, page)
    return summary
