"""The rows a samples partition delivers from a page: a page inside the window is kept whole."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from arrowtap.connectors.pvarchiver.samples_source import SamplesPartition, _window


def page(times: list[int]) -> pa.RecordBatch:
    return pa.record_batch(
        {
            "time": pa.array(times, pa.timestamp("ns", tz="UTC")),
            "row": pa.array(range(len(times)), pa.int64()),
        }
    )


def expected(
    times: list[int], part: SamplesPartition, offset: int | None
) -> tuple[list[int], int] | None:
    """The rows kept, by the rule of the samples source's docstring, and the page's offset."""
    rows = [
        i
        for i, t in enumerate(times)
        if (t < part.end if part.end_open else t <= part.end)
        and (t > offset if offset is not None else (part.include_prior or t >= part.start))
    ]
    return (rows, times[rows[-1]]) if rows else None


CASES = [
    [10, 11, 12, 13],  # inside
    [5, 10, 11],  # the sample before start
    [18, 19, 20, 21],  # the sample after end
    [5, 25],  # only outside
    [20],  # the end itself
    [10],  # the start itself
    [12, 11, 30, 13],  # not in time order: never assumed
]


@pytest.mark.parametrize("times", CASES)
@pytest.mark.parametrize("end_open", [False, True])
@pytest.mark.parametrize("include_prior", [False, True])
@pytest.mark.parametrize("offset", [None, 10, 12])
def test_window_keeps_the_rows_of_the_rule(
    times: list[int], end_open: bool, include_prior: bool, offset: int | None
) -> None:
    part = SamplesPartition(
        key="c", channel="c", start=10, end=20, end_open=end_open, include_prior=include_prior
    )
    got = _window(page(times), part, offset)
    want = expected(times, part, offset)
    if want is None:
        assert got is None
        return
    assert got is not None
    assert got.batch.column("row").to_pylist() == want[0]
    assert got.offset == want[1]


def test_a_page_inside_the_window_is_the_same_batch() -> None:
    batch = page(list(range(10, 21)))
    part = SamplesPartition(key="c", channel="c", start=10, end=20)
    got = _window(batch, part, None)
    assert got is not None
    assert got.batch is batch  # no copy of its columns
    assert got.offset == pc.max(batch.column("time")).value
    assert _window(page([]), part, None) is None
