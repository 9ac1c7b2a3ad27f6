"""Sources to Arrow streams: partitions read concurrently, delivered in order.

This is the one place where pages become a :class:`pyarrow.RecordBatchReader`
(:func:`scan`), for every source and every caller (frames, Dask partitions,
incremental reads, the CLI).

Up to ``max_concurrency`` partitions are read at once, each into a queue of at
most ``prefetch`` pages; pages come out partition by partition, in plan order.
Memory is bounded by ``max_concurrency * (prefetch + 1)`` pages, whatever the
size of the result.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence

import pyarrow as pa

from arrowtap.errors import InvalidArgumentError
from arrowtap.io.contract import Offset, Page, Partition, Plan, Source

__all__ = ["iter_pages", "projector", "scan"]

_DONE = object()


def iter_pages(
    source: Source,
    partitions: Sequence[Partition],
    *,
    offsets: Mapping[str, Offset] | None = None,
    max_concurrency: int = 4,
    prefetch: int = 2,
) -> Generator[tuple[Partition, Page], None, None]:
    """Pages of every partition after its offset, in plan order, read concurrently.

    Up to ``max_concurrency`` partitions are read at once, each by a thread of
    its own into a queue of ``prefetch`` pages; a consumer that stops early (or
    is interrupted) stops the readers at their next page. A single partition (or
    ``max_concurrency=1``) is read in the consumer's thread.

    Examples
    --------
    >>> from arrowtap.connectors.pvarchiver.samples_source import ArchiveSamplesSource
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver() as fake, ArchiveSamplesSource(fake.url) as source:
    ...     parts = source.partitions_for(["root:ai1", "ROOT:ai2"], 0, 2**62)
    ...     keys = [part.key for part, page in iter_pages(source, parts)]
    >>> sorted(set(keys))
    ['ROOT:ai2', 'root:ai1']
    """
    if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int):
        raise InvalidArgumentError(f"max_concurrency must be an int, got {max_concurrency!r}")
    if max_concurrency < 1:
        raise InvalidArgumentError(f"max_concurrency must be >= 1, got {max_concurrency!r}")
    offsets = offsets or {}
    stop = threading.Event()
    if max_concurrency == 1 or len(partitions) == 1:
        # One reader at a time: in this thread. A thread started per call costs more
        # than a small read itself (its start waits for the scheduler).
        for part in partitions:
            for page in source.read(part, offsets.get(part.key)):
                yield part, page
        return

    def work(part: Partition, out: queue.Queue[object]) -> None:
        try:
            for page in source.read(part, offsets.get(part.key)):
                if not _put(out, page, stop):
                    return
            _put(out, _DONE, stop)
        except BaseException as exc:  # handed to the consumer, raised there
            _put(out, exc, stop)

    # Daemon threads, not a pool: a stream left half-read when the interpreter exits
    # must not keep it waiting for readers that wait for their consumer.
    pending: deque[tuple[Partition, queue.Queue[object], threading.Thread]] = deque()
    started: list[threading.Thread] = []
    todo = iter(partitions)
    try:
        while True:
            while len(pending) < max_concurrency:
                nxt = next(todo, None)
                if nxt is None:
                    break
                out: queue.Queue[object] = queue.Queue(maxsize=prefetch)
                thread = threading.Thread(
                    target=work, args=(nxt, out), name="arrowtap-read", daemon=True
                )
                thread.start()
                started.append(thread)
                pending.append((nxt, out, thread))
            if not pending:
                return
            part, out, _ = pending.popleft()
            while (item := out.get()) is not _DONE:
                if isinstance(item, BaseException):
                    raise item
                assert isinstance(item, Page)
                yield part, item
    finally:
        stop.set()
        for _, out, _ in pending:
            _drain(out)
        for thread in started:
            thread.join()  # each stops at its next page (and finishes its read)


def _put(out: queue.Queue[object], item: object, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            out.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _drain(out: queue.Queue[object]) -> None:
    while True:
        try:
            out.get_nowait()
        except queue.Empty:
            return


def projector(plan: Plan) -> Callable[[pa.RecordBatch], pa.RecordBatch]:
    """What turns a source's batch into one of the plan's schema (``columns=``)."""
    if plan.columns is None:
        return lambda batch: batch
    names = list(plan.columns)
    return lambda batch: batch.select(names)


def scan(
    plan: Plan,
    *,
    offsets: Mapping[str, Offset] | None = None,
    max_concurrency: int = 4,
    on_page: Callable[[Partition, Page], None] | None = None,
) -> pa.RecordBatchReader:
    """Stream the pages of a plan as a :class:`pyarrow.RecordBatchReader` of its schema.

    The source is closed when the stream ends or is dropped. ``on_page`` is called
    with each page as the consumer takes its batch (incremental reads track
    their offsets with it).

    Examples
    --------
    >>> from arrowtap.connectors.pvarchiver.samples_source import ArchiveSamplesSource
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver() as fake:
    ...     source = ArchiveSamplesSource(fake.url)
    ...     plan = Plan(source, source.partitions_for(["root:ai1"], 0, 2**62), "demo",
    ...                 columns=["channel", "time"])
    ...     table = scan(plan).read_all()
    >>> table.column_names
    ['channel', 'time']
    """
    project = projector(plan)

    def batches() -> Iterator[pa.RecordBatch]:
        pages = iter_pages(
            plan.source, plan.partitions, offsets=offsets, max_concurrency=max_concurrency
        )
        try:
            for part, page in pages:
                if on_page is not None:
                    on_page(part, page)
                yield project(page.batch)
        finally:
            # The readers stop (and finish their reads) before the source closes under
            # them: a stream dropped mid-way would otherwise have them reopen it.
            pages.close()
            plan.source.close()

    return pa.RecordBatchReader.from_batches(plan.schema, batches())
