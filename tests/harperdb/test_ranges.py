"""Offline: how a table is cut into ranges of updated time, and what a sync stores of it."""

from __future__ import annotations

import itertools
import math
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
from arrowtap.connectors.harperdb.table_source import HarperDBTableSource
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
