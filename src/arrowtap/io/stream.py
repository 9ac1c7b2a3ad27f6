"""Sources to Arrow streams: partitions read concurrently, delivered in order.

Up to ``max_concurrency`` partitions are read at once, each into a queue of at
most ``prefetch`` pages; pages come out partition by partition, in plan order.
Memory is bounded by ``max_concurrency * (prefetch + 1)`` pages, whatever the
size of the result.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import pyarrow as pa

from arrowtap.errors import InvalidArgumentError
from arrowtap.io.contract import Offset, Page, Partition, Source

__all__ = ["iter_pages", "scan"]

_DONE = object()


def iter_pages(
    source: Source,
    partitions: Sequence[Partition],
    *,
    offsets: Mapping[str, Offset] | None = None,
    max_concurrency: int = 4,
    prefetch: int = 2,
) -> Iterator[tuple[Partition, Page]]:
    """Pages of every partition after its offset, in plan order, read concurrently.

    Examples
    --------
    >>> from arrowtap.connectors.pvarchiver.samples import ArchiveSamplesSource
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver() as fake, ArchiveSamplesSource(fake.url) as source:
    ...     parts = source.partitions_for(["root:ai1", "ROOT:ai2"], 0, 2**62)
    ...     keys = [part.key for part, page in iter_pages(source, parts)]
    >>> sorted(set(keys))
    ['ROOT:ai2', 'root:ai1']
    """
    if max_concurrency < 1:
        raise InvalidArgumentError(f"max_concurrency must be >= 1, got {max_concurrency!r}")
    offsets = offsets or {}
    stop = threading.Event()
    if max_concurrency == 1:
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

    pending: deque[tuple[Partition, queue.Queue[object], Future[None]]] = deque()
    todo = iter(partitions)
    with ThreadPoolExecutor(max_concurrency, thread_name_prefix="arrowtap-read") as pool:
        try:
            while True:
                while len(pending) < max_concurrency:
                    nxt = next(todo, None)
                    if nxt is None:
                        break
                    out: queue.Queue[object] = queue.Queue(maxsize=prefetch)
                    pending.append((nxt, out, pool.submit(work, nxt, out)))
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


def scan(
    source: Source,
    partitions: Sequence[Partition],
    *,
    offsets: Mapping[str, Offset] | None = None,
    max_concurrency: int = 4,
) -> pa.RecordBatchReader:
    """Stream the pages of ``partitions`` as a :class:`pyarrow.RecordBatchReader`."""
    pages = iter_pages(source, partitions, offsets=offsets, max_concurrency=max_concurrency)
    return pa.RecordBatchReader.from_batches(source.schema, (page.batch for _, page in pages))
