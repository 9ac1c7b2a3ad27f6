"""A Dask read task's check that its rows already ascend (no sort, no copy needed)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from arrowtap.io.dask import _sorted


def batches(values: list[list[int | None]], kind: pa.DataType) -> list[pa.RecordBatch]:
    return [pa.record_batch({"k": pa.array(v, kind)}) for v in values]


@pytest.mark.parametrize(
    "kind", [pa.int32(), pa.int64(), pa.uint64(), pa.timestamp("ns", "UTC")], ids=str
)
def test_rows_ascending_across_batches_need_no_sort(kind: pa.DataType) -> None:
    assert _sorted(batches([[1, 2, 2], [], [3, 7]], kind), ["k"])
    assert not _sorted(batches([[1, 2], [1, 3]], kind), ["k"])  # across a batch edge
    assert not _sorted(batches([[1, 3, 2]], kind), ["k"])
    assert not _sorted(batches([[1, None, 3]], kind), ["k"])


def test_unsigned_keys_past_the_signed_range_compare_as_they_are() -> None:
    big = 2**63 + 5
    assert _sorted(batches([[1, big], [big + 1]], pa.uint64()), ["k"])
    assert not _sorted(batches([[big], [1]], pa.uint64()), ["k"])


def test_other_columns_or_several_keys_are_sorted_by_the_task() -> None:
    assert not _sorted([pa.record_batch({"k": ["a", "b"]})], ["k"])
    assert not _sorted(batches([[1, 2]], pa.int64()), ["k", "k"])
