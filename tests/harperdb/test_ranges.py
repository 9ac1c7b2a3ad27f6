"""Offline: how a table is cut into ranges of updated time, and what a sync stores of it."""

from __future__ import annotations

import itertools
import json
import math
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrowtap.connectors.harperdb.ranges import (
    decode_bounds,
    encode_bounds,
    range_partitions,
    split,
)
from arrowtap.connectors.harperdb.table_source import (
    HarperDBTableSource,
    TablePartition,
    check_offset,
    is_complete,
)
from arrowtap.connectors.harperdb.wire.canned import canned_client, canned_table
from arrowtap.connectors.harperdb.wire.layout import table_layout
from arrowtap.errors import CheckpointError

DESCRIBE = {
    "hash_attribute": "id",
    "attributes": [{"attribute": "id"}, {"attribute": "__updatedtime__", "indexed": True}],
}
LAYOUT = table_layout(DESCRIBE, "db", "t")


def source(records: list[dict[str, Any]], page_size: int = 1000) -> HarperDBTableSource:
    answers = canned_table(records)
    return HarperDBTableSource(
        "http://h:9925", "db", "t", page_size=page_size, client=canned_client(answers)
    )


times = st.floats(min_value=0, max_value=4e12, allow_nan=False)


@given(times, times, times, st.integers(min_value=1, max_value=40))
def test_bounds_ascend_from_lo_and_stay_within_the_span(
    lo: float, first: float, last: float, n: int
) -> None:
    first, last = min(first, last), max(first, last)
    bounds = split(lo, first, last, n, "ms")
    assert bounds[0] == lo
    assert 1 <= len(bounds) <= n
    assert all(a < b for a, b in itertools.pairwise(bounds))
    assert all(max(lo, first) < b <= last for b in bounds[1:])


def test_an_empty_table_is_one_range() -> None:
    assert split(0.0, None, None, 8, "ms") == [0.0]


@given(st.lists(times, min_size=1, max_size=6, unique=True))
def test_consecutive_ranges_meet_without_a_gap(cuts: list[float]) -> None:
    bounds: list[float | str] = [0.0, *sorted(c + 1.0 for c in cuts)]
    with source([{"id": 1, "__updatedtime__": 1.0}]) as planner:
        parts = range_partitions(planner, bounds, 5e12)
    assert [p.since for p in parts] == bounds
    for part, nxt in itertools.pairwise(parts):
        assert isinstance(part.upper, float)
        assert math.nextafter(part.upper, math.inf) == nxt.since
    assert parts[-1].upper == 5e12


def test_a_range_ends_at_the_latest_time_when_rows_were_deleted() -> None:
    with source([{"id": 1, "__updatedtime__": 1.0}]) as planner:
        parts = range_partitions(planner, [0.0, 10.0, 20.0], 5.0)
        empty = range_partitions(planner, [0.0, 10.0], None)
    assert [p.upper for p in parts] == [5.0, 5.0, 5.0]
    assert [p.upper for p in empty] == [None, None]


def test_the_ranges_read_every_row_once_ties_at_a_bound_in_the_later_range() -> None:
    records = [{"id": i, "__updatedtime__": float(i // 3)} for i in range(30)]
    with source(records, page_size=2) as reader:
        parts = range_partitions(reader, [0.0, 3.0, 4.0, 7.0], 9.0)
        read = [
            [row["id"] for page in reader.read(part) for row in page.batch.to_pylist()]
            for part in parts
        ]
    assert [[int(k) for k in ids] for ids in read] == [
        list(range(0, 9)),
        list(range(9, 12)),
        list(range(12, 21)),
        list(range(21, 30)),
    ]


def test_date_bounds_are_whole_milliseconds() -> None:
    lo = "1970-01-01T00:00:00.000Z"
    bounds = split(lo, "2024-01-01T00:00:00.000Z", "2024-01-01T00:00:01.000Z", 3, "iso")
    assert bounds == [lo, "2024-01-01T00:00:00.334Z", "2024-01-01T00:00:00.667Z"]
    describe = {
        "hash_attribute": "id",
        "attributes": [
            {"attribute": "id"},
            {
                "attribute": "changed",
                "type": "Date",
                "indexed": True,
                "assigned_updated_time": True,
            },
        ],
    }
    client = canned_client({"describe_table": describe})
    with HarperDBTableSource("http://h:9925", "db", "t", client=client) as planner:
        parts = range_partitions(planner, bounds, "2024-01-01T00:00:01.000Z")
    assert [p.upper for p in parts] == [
        "2024-01-01T00:00:00.333Z",
        "2024-01-01T00:00:00.666Z",
        "2024-01-01T00:00:01.000Z",
    ]


def test_stored_bounds_round_trip_and_others_are_refused() -> None:
    assert decode_bounds(None, LAYOUT, "k#plan") is None
    stored = encode_bounds(LAYOUT, [0.0, 1.5, 7.25])
    assert decode_bounds(stored, LAYOUT, "k#plan") == [0.0, 1.5, 7.25]
    for bad in (
        [],
        {"cursor": "changed", "wire": "ms", "bounds": [0.0]},
        {"cursor": "__updatedtime__", "wire": "iso", "bounds": [0.0]},
        {"cursor": "__updatedtime__", "wire": "ms", "bounds": []},
        {"cursor": "__updatedtime__", "wire": "ms", "bounds": [0.0, "1"]},
        {"cursor": "__updatedtime__", "wire": "ms", "bounds": [True]},
        {"cursor": "__updatedtime__", "wire": "ms", "bounds": [2.0, 1.0]},
    ):
        with pytest.raises(CheckpointError, match="'k#plan'"):
            decode_bounds(bad, LAYOUT, "k#plan")


class Searches:
    """A canned table's client that keeps the body of every search it answers."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.answers = canned_table(records)
        self.bodies: list[dict[str, Any]] = []
        search = self.answers["search_by_conditions"]

        def kept(body: dict[str, Any]) -> Any:
            self.bodies.append(body)
            return search(body)

        self.answers["search_by_conditions"] = kept

    def source(self, page_size: int) -> HarperDBTableSource:
        client = canned_client(self.answers)
        return HarperDBTableSource("http://h:9925", "db", "t", page_size=page_size, client=client)


def pages_of(reader: HarperDBTableSource, part: TablePartition, offset: Any = None) -> list[Any]:
    return [(page.batch.num_rows, page.offset) for page in reader.read(part, offset)]


@pytest.mark.parametrize("rows", [1, 5, 6, 7])
def test_the_last_page_of_a_closed_range_says_complete_and_needs_no_empty_answer(
    rows: int,
) -> None:
    # Three rows per updated time: pages end inside ties and at their ends.
    records = [{"id": i, "__updatedtime__": float(i // 3)} for i in range(rows)]
    searches = Searches([*records, {"id": 99, "__updatedtime__": 50.0}])
    with searches.source(page_size=3) as reader:
        closed, last = range_partitions(reader, [0.0, 40.0], 50.0)
        assert (closed.closed, last.closed) == (True, False)
        pages = pages_of(reader, closed)
        # Whole pages, then the rest; the last asked no more than the page's rows.
        assert [n for n, _ in pages] == [3] * (rows // 3) + [rows % 3] * (rows % 3 > 0)
        assert [is_complete(offset) for _, offset in pages] == [False] * (len(pages) - 1) + [True]
        assert pages[-1][1] == {
            "updated": float((rows - 1) // 3),
            "key": rows - 1,
            "complete": True,
        }
        assert all(json.loads(json.dumps(o)) == o for _, o in pages)
        asked = len(searches.bodies)
        # A tie that fills a page is followed by a one-row look past it, not an empty page.
        assert asked <= 2 * len(pages)
        assert all(body["limit"] <= 4 for body in searches.bodies)

        assert pages_of(reader, closed, pages[-1][1]) == []
        assert len(searches.bodies) == asked, "a complete range is not asked again"
        (only,) = pages_of(reader, last)
        assert only == (1, {"updated": 50.0, "key": 99}), "the open range is never complete"


def test_an_open_range_reads_on_after_an_offset_that_says_complete() -> None:
    # Such an offset belongs to a closed range; were it given to another, rows could follow.
    records = [{"id": i, "__updatedtime__": float(i)} for i in range(4)]
    with Searches(records).source(page_size=10) as reader:
        whole = reader.partition()
        assert not whole.closed
        offset = {"updated": 1.0, "key": 1, "complete": True}
        assert pages_of(reader, whole, offset) == [(2, {"updated": 3.0, "key": 3})]


def test_a_range_of_exactly_whole_pages_ends_without_an_empty_answer() -> None:
    records = [{"id": i, "__updatedtime__": float(i)} for i in range(6)]
    searches = Searches(records)
    with searches.source(page_size=3) as reader:
        part = reader.partition()
        searches.bodies.clear()  # the plan's own search for the latest time
        pages = pages_of(reader, part)
    assert [n for n, _ in pages] == [3, 3]
    # Page 1: one range query; page 2: the tie of its offset, then the rest.
    assert len(searches.bodies) == 3
    assert [b["limit"] for b in searches.bodies] == [4, 4, 4]


@pytest.mark.parametrize(
    "offset",
    [
        {"updated": 1.5, "key": "a", "complete": False},
        {"updated": 1.5, "key": "a", "complete": 1},
        {"updated": 1.5, "key": "a", "done": True},
        {"updated": 1.5, "complete": True},
        {"complete": True},
    ],
)
def test_an_offset_with_a_bad_completion_is_refused(offset: dict[str, Any]) -> None:
    with pytest.raises(CheckpointError, match="not an offset of a HarperDB table read"):
        check_offset(offset, LAYOUT)


def test_a_complete_offset_is_an_offset() -> None:
    assert check_offset({"updated": 1.5, "key": "a", "complete": True}, LAYOUT) == (1.5, "a")


def test_a_closed_partition_travels_with_its_flag() -> None:
    with source([{"id": 1, "__updatedtime__": 1.0}]) as planner:
        parts = range_partitions(planner, [0.0, 3.0, 4.0], 5.0)
    assert [pickle.loads(pickle.dumps(p)).closed for p in parts] == [True, True, False]


@pytest.mark.parametrize(
    ("after", "pages", "limits"), [(0, [3, 3], [4, 4, 1]), (1, [3, 3, 1], [4, 4, 1, 4, 4])]
)
def test_a_tie_that_fills_a_page_is_followed_by_a_one_row_look(
    after: int, pages: list[int], limits: list[int]
) -> None:
    records = [{"id": i, "__updatedtime__": 0.0} for i in range(6)]
    records += [{"id": 6 + i, "__updatedtime__": 1.0} for i in range(after)]
    searches = Searches([*records, {"id": 99, "__updatedtime__": 50.0}])
    with searches.source(page_size=3) as reader:
        closed, _ = range_partitions(reader, [0.0, 40.0], 50.0)
        read = pages_of(reader, closed)
    assert [n for n, _ in read] == pages
    assert [is_complete(o) for _, o in read] == [False] * (len(pages) - 1) + [True]
    assert [body["limit"] for body in searches.bodies] == limits
