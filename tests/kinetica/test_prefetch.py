"""Pages requested ahead give exactly the pages of a one-by-one loop, and no stray request."""

from __future__ import annotations

import threading

import pyarrow as pa
import pytest

from arrowtap.connectors.kinetica.wire.pages import RecordsPage
from arrowtap.connectors.kinetica.wire.prefetch import prefetched


class Table:
    """A server's ``/get/records`` over ``rows`` rows, giving at most ``cap`` a page."""

    def __init__(self, rows: int, cap: int, limit: int) -> None:
        self.rows, self.cap, self.limit = rows, cap, limit
        self.asked: list[int] = []
        self.lock = threading.Lock()

    def fetch(self, offset: int) -> RecordsPage:
        with self.lock:
            self.asked.append(offset)
        end = min(self.rows, offset + min(self.cap, self.limit))
        batch = pa.record_batch({"x": pa.array(range(offset, max(offset, end)), pa.int64())})
        return RecordsPage(batch, self.rows, end < self.rows, "")


def one_by_one(table: Table, start: int) -> list[tuple[int, list[int]]]:
    out, row = [], start
    while True:
        page = table.fetch(row)
        out.append((row, page.wire.column("x").to_pylist()))
        if not page.has_more or not page.wire.num_rows:
            return out
        row += page.wire.num_rows


@pytest.mark.parametrize("rows", [0, 1, 7, 20, 21, 100])
@pytest.mark.parametrize(("cap", "limit"), [(5, 5), (3, 5), (50, 5), (7, 7)])
@pytest.mark.parametrize("depth", [0, 1, 2, 3])
@pytest.mark.parametrize("start", [0, 4])
def test_the_same_pages_as_one_by_one(
    rows: int, cap: int, limit: int, depth: int, start: int
) -> None:
    expected = one_by_one(Table(rows, cap, limit), start)
    table = Table(rows, cap, limit)
    got = [
        (at, page.wire.column("x").to_pylist())
        for at, page in prefetched(table.fetch, start, limit, depth)
    ]
    assert got == expected
    # Requests ahead stay below the total the server reported, so none is wasted
    # past the end except the one a one-by-one loop sends too.
    assert all(offset < max(rows, start + 1) for offset in table.asked)


def test_the_stride_is_what_the_server_gives() -> None:
    table = Table(rows=30, cap=4, limit=10)  # the server gives 4 rows where 10 are asked
    pages = list(prefetched(table.fetch, 0, 10, depth=3))
    assert [at for at, _ in pages] == [0, 4, 8, 12, 16, 20, 24, 28]
    # The stride is what the first page held, not what was asked: no request at 10, 20...
    assert sorted(set(table.asked)) == [0, 4, 8, 12, 16, 20, 24, 28]


def test_an_error_of_the_page_awaited_is_raised() -> None:
    table = Table(rows=100, cap=10, limit=10)

    def fetch(offset: int) -> RecordsPage:
        if offset == 30:
            raise ConnectionResetError("server exiting")
        return table.fetch(offset)

    pages = prefetched(fetch, 0, 10, depth=2)
    assert [next(pages)[0] for _ in range(3)] == [0, 10, 20]
    with pytest.raises(ConnectionResetError, match="exiting"):
        next(pages)


def test_a_consumer_that_stops_early_leaves_no_thread() -> None:
    table = Table(rows=1000, cap=10, limit=10)
    pages = prefetched(table.fetch, 0, 10, depth=2)
    assert next(pages)[0] == 0
    assert next(pages)[0] == 10
    pages.close()
    alive = [t for t in threading.enumerate() if t.name.startswith("arrowtap-prefetch")]
    assert alive == []
    assert max(table.asked) <= 40  # a few pages ahead, never the whole table


def test_a_short_page_in_the_middle_realigns_the_requests_ahead() -> None:
    table = Table(rows=50, cap=10, limit=10)
    fetch = table.fetch

    def uneven(offset: int) -> RecordsPage:
        if offset == 20:  # this page comes short (rows deleted meanwhile, say)
            page = fetch(offset)
            return RecordsPage(page.wire.slice(0, 6), page.total, True, "")
        return fetch(offset)

    pages = [(at, page.wire.num_rows) for at, page in prefetched(uneven, 0, 10, depth=2)]
    assert pages == [(0, 10), (10, 10), (20, 6), (26, 10), (36, 10), (46, 4)]
    # Requests at 30 and 40 went ahead of the short page (or were cancelled before they ran).
    assert {0, 10, 20, 26, 36, 46} <= set(table.asked) <= {0, 10, 20, 26, 30, 36, 40, 46}
