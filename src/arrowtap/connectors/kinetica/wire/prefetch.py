"""Pages of ``/get/records`` requested ahead: the server renders the next while this one decodes.

A read pages by row offset (``offset``, ``limit``) and every full page is followed by
the next at ``offset + rows``, so the requests of the pages to come are known before
their turn. :func:`prefetched` keeps a few of them in flight on a small pool of
threads: the server encodes one page while the client receives and decodes another
(the codec runs without the GIL), so a read costs about the larger of the two
instead of their sum.

Speculation never changes what is read. The first page is fetched alone (a small
read sends no extra request); later requests are only sent below the total the
server reported; a page shorter than the stride (the server caps ``limit``) realigns
the stride and drops the requests sent at the wrong offsets; the pages come out in
order, exactly those a one-by-one loop would fetch.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator
from concurrent.futures import Future, ThreadPoolExecutor

from arrowtap.connectors.kinetica.wire.pages import RecordsPage

__all__ = ["prefetched"]


def prefetched(
    fetch: Callable[[int], RecordsPage], start: int, limit: int, depth: int = 2
) -> Generator[tuple[int, RecordsPage], None, None]:
    """Pages from row ``start`` on, each with its offset, with ``depth`` requests ahead.

    Parameters
    ----------
    fetch : callable
        Fetches the page at a row offset (``limit`` rows at most); it runs on a
        pool thread for the pages ahead.
    start : int
        The row offset of the first page.
    limit : int
        The rows asked per page.
    depth : int, default 2
        Requests in flight besides the page awaited (0: one by one).

    Yields
    ------
    (int, RecordsPage)
        The offset and the page, in order, up to the page that has no more after it.

    Examples
    --------
    >>> import pyarrow as pa
    >>> rows = list(range(10))
    >>> def fetch(offset):
    ...     part = rows[offset : offset + 4]
    ...     batch = pa.record_batch({"x": pa.array(part, pa.int64())})
    ...     return RecordsPage(batch, len(rows), offset + 4 < len(rows), "")
    >>> [(at, page.wire.column("x").to_pylist()) for at, page in prefetched(fetch, 0, 4)]
    [(0, [0, 1, 2, 3]), (4, [4, 5, 6, 7]), (8, [8, 9])]
    """
    page = fetch(start)
    yield start, page
    if not page.has_more or not page.wire.num_rows:
        return
    row = start + page.wire.num_rows
    step = page.wire.num_rows  # what the server gives per page, perhaps less than limit
    if depth < 1:
        while True:
            page = fetch(row)
            yield row, page
            if not page.has_more or not page.wire.num_rows:
                return
            row += page.wire.num_rows
    total = page.total
    ahead: deque[tuple[int, Future[RecordsPage]]] = deque()
    pool = ThreadPoolExecutor(depth + 1, thread_name_prefix="arrowtap-prefetch")
    try:
        nxt = row
        while True:
            # The page awaited is always asked; the ones after it only below the total.
            while len(ahead) <= depth and (not ahead or total <= 0 or nxt < total):
                ahead.append((nxt, pool.submit(fetch, nxt)))
                nxt += step
            at, future = ahead.popleft()
            page = future.result()
            yield at, page
            n = page.wire.num_rows
            if not page.has_more or not n:
                return
            row = at + n
            if n != step:  # the requests ahead are at the wrong offsets
                _drop(ahead)
                step, nxt = max(step, n), row  # a short page in the middle is no new stride
    finally:
        _drop(ahead)
        pool.shutdown(wait=True)  # the requests under way end (a read is bounded by timeouts)


def _drop(ahead: deque[tuple[int, Future[RecordsPage]]]) -> None:
    while ahead:
        ahead.popleft()[1].cancel()  # one already running ends, its page unused
