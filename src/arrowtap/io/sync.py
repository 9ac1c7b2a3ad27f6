"""The sync runner: a plan's pages into a sink, offsets into a checkpoint, exactly once.

For each page the runner makes the sink's copy durable first and only then
commits the partition's state (:mod:`arrowtap.io.offsets`): the offset after the
page and the number of pages written. A run killed anywhere restarts from the
last commit: the sink drops the pages numbered at or past the committed count and
the source re-reads from the committed offset, so the checkpoint never gets ahead
of the data and no row is written twice.

A snapshot plan's partitions are committed once, after their last page, with the
run's time: a run that dies leaves nothing a re-run keeps, and each completed run
adds one whole snapshot, its rows stamped with the run's time (``snapshot_time``).

Ctrl-C (or a ``stop`` event) stops every partition between pages; what was
committed stays, and :class:`~arrowtap.errors.Interrupted` carries the summary.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from arrowtap.checkpoint import Checkpoint
from arrowtap.errors import Interrupted, InvalidArgumentError
from arrowtap.io import offsets as ledger
from arrowtap.io.contract import Page, Partition, Plan
from arrowtap.io.crashpoints import crashpoint
from arrowtap.io.destination import CheckpointedSink, Destination, Sink
from arrowtap.io.drift import check_contract, settle
from arrowtap.io.sink import with_offset
from arrowtap.io.stream import projector

__all__ = [
    "SNAPSHOT_FIELD",
    "CheckpointedSink",
    "Destination",
    "PartitionSummary",
    "Sink",
    "SyncSummary",
    "output_schema",
    "sync",
]

SNAPSHOT_FIELD = pa.field("snapshot_time", pa.timestamp("ns", tz="UTC"), nullable=False)
"""The column a snapshot sync adds: when the run that took the snapshot started."""


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
    """What a sync run did (or, after a stop, what it committed before it).

    Examples
    --------
    >>> str(SyncSummary([PartitionSummary("a", rows=3, pages=1, bytes=10)], 0.5))
    '1 partitions, 3 rows, 1 pages, 10 bytes, 0.50 s'
    """

    partitions: list[PartitionSummary] = field(default_factory=list)
    seconds: float = 0.0
    runs: int = 1
    drift: list[str] = field(default_factory=list)
    """The changes of the source's columns found (see :mod:`arrowtap.io.drift`)."""

    @property
    def rows(self) -> int:
        """Rows written and committed."""
        return sum(p.rows for p in self.partitions)

    @property
    def bytes(self) -> int:
        """Bytes written and committed."""
        return sum(p.bytes for p in self.partitions)

    @property
    def pages(self) -> int:
        """Pages written and committed."""
        return sum(p.pages for p in self.partitions)

    def __add__(self, other: SyncSummary) -> SyncSummary:
        return SyncSummary(
            self.partitions + other.partitions,
            self.seconds + other.seconds,
            self.runs + other.runs,
            self.drift + [d for d in other.drift if d not in self.drift],
        )

    def __str__(self) -> str:
        runs = f", {self.runs} runs" if self.runs != 1 else ""
        drift = f"; schema drift: {'; '.join(self.drift)}" if self.drift else ""
        return (
            f"{len(self.partitions)} partitions, {self.rows} rows, {self.pages} pages, "
            f"{self.bytes} bytes, {self.seconds:.2f} s{runs}{drift}"
        )


def output_schema(plan: Plan) -> pa.Schema:
    """The schema a sync of ``plan`` writes: the plan's, stamped if it is a snapshot."""
    return plan.schema.append(SNAPSHOT_FIELD) if plan.snapshot else plan.schema


def sync(
    plan: Plan,
    sink: Sink | Destination,
    checkpoint: Checkpoint | None = None,
    *,
    max_concurrency: int = 4,
    on_page: Callable[[Partition, Page], None] | None = None,
    stop: threading.Event | None = None,
    schema_contract: str = "evolve",
) -> SyncSummary:
    """Copy every partition's new pages to ``sink``, committing offsets to ``checkpoint``.

    Parameters
    ----------
    plan : Plan
        What to read.
    sink : Sink or Destination
        Where pages go: a :class:`Sink` (e.g. :class:`arrowtap.io.sink.ParquetDatasetSink`)
        with a ``checkpoint``, or a :class:`Destination` that keeps the offsets itself
        (a Delta table), without one.
    checkpoint : Checkpoint, optional
        Where a :class:`Sink`'s offsets go.
    max_concurrency : int
        Partitions synced at once.
    on_page : callable, optional
        Called after each page is committed (progress bars).
    stop : threading.Event, optional
        Set it to stop every partition between pages (e.g. from another thread).
    schema_contract : str
        What a change of the source's columns does (:mod:`arrowtap.io.drift`); checked
        against what the destination holds before any page is written.

    Raises
    ------
    ArrowtapError
        The first error of any partition; the others stop after their
        current page, and every commit made stays valid.
    Interrupted
        Ctrl-C: every partition stopped between pages; ``.summary`` holds what
        was committed.

    Returns
    -------
    SyncSummary
        Rows, pages and bytes committed per partition, and the time taken.

    Examples
    --------
    See :func:`arrowtap.sync_archive_samples`, which wires this to the archiver.
    """
    if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int):
        raise InvalidArgumentError(f"max_concurrency must be an int, got {max_concurrency!r}")
    if max_concurrency < 1:
        raise InvalidArgumentError(f"max_concurrency must be >= 1, got {max_concurrency!r}")
    if isinstance(sink, Destination):
        if checkpoint is not None:
            raise InvalidArgumentError(f"{sink!r} keeps its own offsets: pass no checkpoint")
        destination: Destination = sink
    elif checkpoint is None:
        raise InvalidArgumentError(f"a sync into {sink!r} needs a checkpoint for its offsets")
    else:
        destination = CheckpointedSink(sink, checkpoint)
    check_contract(schema_contract)
    settled = settle(destination.held_schema(), output_schema(plan), schema_contract)
    destination.adopt(settled.schema)
    began = time.perf_counter()
    stop = stop if stop is not None else threading.Event()
    run = _Run(plan, destination, on_page, stop, time.time_ns(), settled.convert)
    summaries = [PartitionSummary(p.key) for p in plan.partitions]

    def one(part: Partition, summary: PartitionSummary) -> None:
        try:
            run.partition(part, summary)
        except BaseException:
            stop.set()  # before this worker picks up the next partition
            raise

    pool = ThreadPoolExecutor(max_concurrency, thread_name_prefix="arrowtap-sync")
    futures = [pool.submit(one, p, s) for p, s in zip(plan.partitions, summaries, strict=True)]
    stopped: BaseException | None = None
    try:
        _wait(futures)
    except BaseException as exc:  # Ctrl-C (or a signal turned into an exception)
        stopped = exc
        stop.set()
    while True:
        try:
            _finish(pool, futures, plan)
            break
        except BaseException as exc:  # Ctrl-C again while the partitions finish their page
            stopped = stopped or exc
            stop.set()
    drift = [str(d) for d in settled.drift]
    summary = SyncSummary(summaries, time.perf_counter() - began, drift=drift)
    if isinstance(stopped, Interrupted):
        raise Interrupted(summary, stopped.signal) from None
    if isinstance(stopped, KeyboardInterrupt):
        raise Interrupted(summary) from None
    if stopped is not None:
        raise stopped
    failed = next((f for f in futures if f.exception() is not None), None)
    if failed is not None:
        raise failed.exception()  # type: ignore[misc]
    return summary


def _wait(futures: list[Future[None]]) -> None:
    # A bounded wait in a loop: the main thread stays responsive to signals.
    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=0.2, return_when=FIRST_EXCEPTION)
        if any(f.exception() is not None for f in done):
            return


def _finish(pool: ThreadPoolExecutor, futures: list[Future[None]], plan: Plan) -> None:
    for future in futures:
        future.cancel()  # partitions not started yet
    # A source that waits for data (a table monitor) never reaches its next page
    # while nothing comes: it offers interrupt() to end its reads now.
    interrupt = getattr(plan.source, "interrupt", None)
    if callable(interrupt):
        interrupt()
    try:
        pool.shutdown(wait=True)  # the running ones stop at their next page
    finally:
        plan.source.close()


@dataclass
class _Run:
    plan: Plan
    destination: Destination
    on_page: Callable[[Partition, Page], None] | None
    stop: threading.Event
    started_ns: int
    settle: Callable[[pa.RecordBatch], pa.RecordBatch]
    project: Callable[[pa.RecordBatch], pa.RecordBatch] = field(init=False)

    def __post_init__(self) -> None:
        self.project = projector(self.plan)

    def _stamp(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        stamp = pa.array([self.started_ns] * batch.num_rows, pa.int64()).cast(SNAPSHOT_FIELD.type)
        return batch.append_column(SNAPSHOT_FIELD, stamp)

    def partition(self, part: Partition, summary: PartitionSummary) -> None:
        if self.stop.is_set():
            return
        state = ledger.begun(part, self.destination.load(part.key))
        seq = state.seq
        summary.offset = state.offset
        self.destination.begin(part.key, seq)
        snapshot = self.plan.snapshot
        offset: Any = None if snapshot else state.offset
        pages: list[Page] = []  # a snapshot's pages, committed together at its end
        rows = size = 0
        for page in self.plan.source.read(part, offset):
            if self.stop.is_set():
                return  # a snapshot's pages written so far are dropped by the next begin
            batch = self.project(page.batch)
            # A snapshot's rows carry its time; a page's file keeps its offset (for a rewind).
            batch = self.settle(self._stamp(batch) if snapshot else batch)
            batch = batch if snapshot else with_offset(batch, page.offset)
            crashpoint("before_write")
            size += self.destination.write(part.key, seq, batch)
            crashpoint("after_write")
            seq += 1
            rows += batch.num_rows
            if snapshot:
                pages.append(page)
                continue
            self._commit(part, summary, page.offset, seq, rows, size, [page], state.start)
            rows = size = 0
        if snapshot and not self.stop.is_set():
            stamp = {"snapshot": self.started_ns}
            self._commit(part, summary, stamp, seq, rows, size, pages, state.start)

    def _commit(
        self,
        part: Partition,
        summary: PartitionSummary,
        offset: Any,
        seq: int,
        rows: int,
        size: int,
        pages: list[Page],
        start: int | None,
    ) -> None:
        self.destination.commit({part.key: ledger.PartitionState(offset, seq, start=start)})
        crashpoint("after_commit")
        summary.rows += rows
        summary.pages += len(pages)
        summary.bytes += size
        summary.offset = offset
        if self.on_page is not None:
            for page in pages:
                self.on_page(part, page)
