"""A read's frame, built page by page, is the frame of its whole table: dtypes, values, writes.

``read_pandas`` (every ``read_*``) brings each page to the Arrow types the frame keeps
and converts a table it owns, freeing it as it goes; integers and booleans are copied
chunk by chunk into their masked arrays. None of it may show in the frame.
"""

from __future__ import annotations

import math
import uuid

import pandas as pd
import pyarrow as pa
import pytest

from arrowtap.io.frames import _MASKED, read_pandas, to_pandas

NAN = math.nan


def _values(start: int) -> pa.RecordBatch:
    """Four rows of every kind of column, nulls among them, different per `start`."""
    i = start
    return pa.record_batch(
        {
            "id": pa.array([i, i + 1, i + 2, i + 3], pa.int64()),
            "i8": pa.array([i % 100, None, -1, 2], pa.int8()),
            "u64": pa.array([2**64 - 1, None, i, 0], pa.uint64()),
            "b": pa.array([True, None, False, i % 2 == 0]),
            "f": pa.array([1.5, None, NAN, float(i)]),
            "s": pa.array([f"s{i}", None, "", "é"]),
            "sv": pa.array([f"v{i}", "w", None, "x"], pa.string_view()),
            "ls": pa.array(["a", None, "b", "c"], pa.large_string()),
            "j": pa.array(['{"a":1}', None, "2", "[]"], pa.json_()),
            "u": pa.array([uuid.UUID(int=i).bytes, None, bytes(16), b"\xff" * 16], pa.uuid()),
            "ts": pa.array([i, None, 1, 2], pa.timestamp("ns", tz="UTC")),
            "dur": pa.array([i, 1, None, 3], pa.duration("ms")),
            "cat": pa.array(["x", None, "y", "x"]).dictionary_encode(),
            "bin": pa.array([b"\x00", None, b"", b"z"]),
            "list": pa.array([[1.0], None, [], [float(i)]]),
        }
    )


def _pages() -> list[pa.RecordBatch]:
    """Pages as sources give them: some sliced (an offset into their buffers), one empty."""
    pages = [_values(8 * k) for k in range(4)]
    return [pages[0], pages[1].slice(1), pages[2].slice(0, 0), pages[2].slice(2, 1), pages[3]]


def _reader(pages: list[pa.RecordBatch]) -> pa.RecordBatchReader:
    return pa.RecordBatchReader.from_batches(pages[0].schema, iter(pages))


@pytest.mark.parametrize("index", [None, "id"])
def test_a_read_frame_is_the_frame_of_the_whole_table(index: str | None) -> None:
    pages = _pages()
    expected = to_pandas(pa.Table.from_batches(pages), index=index)
    got = read_pandas(_reader(pages), index=index)
    pd.testing.assert_frame_equal(got, expected)
    assert got["u"].iloc[0] == "00000000-0000-0000-0000-000000000000"
    assert got["f"].isna().tolist()[:3] == [False, True, False]  # null and NaN apart


def test_an_empty_stream_reads_as_the_empty_frame() -> None:
    schema = _values(0).schema
    got = read_pandas(pa.RecordBatchReader.from_batches(schema, iter([])))
    pd.testing.assert_frame_equal(got, to_pandas(schema.empty_table()))
    assert len(got) == 0


@pytest.mark.parametrize("arrow_type", list(_MASKED), ids=str)
def test_masked_columns_are_what_pandas_own_conversion_gives(arrow_type: pa.DataType) -> None:
    # Chunks with and without nulls, sliced, empty, all null: copied chunk by chunk.
    values = [True, False, None] if pa.types.is_boolean(arrow_type) else [1, 0, None]
    chunks = [
        pa.array(values * 3, arrow_type).slice(2),
        pa.array(values[:2] * 2, arrow_type),
        pa.array([], arrow_type),
        pa.nulls(3, arrow_type),
        pa.array(values[:2], arrow_type).slice(1),
    ]
    column = pa.chunked_array(chunks, arrow_type)
    got = to_pandas(pa.table({"x": column}))["x"].array
    expected = _MASKED[arrow_type].__from_arrow__(column)
    pd.testing.assert_extension_array_equal(got, expected)


def test_a_read_frame_takes_writes_in_place() -> None:
    frame = read_pandas(_reader(_pages()))
    frame.loc[0, "ts"] = pd.Timestamp("2024-01-01", tz="UTC")
    frame.loc[0, "id"] = -5
    frame.loc[0, "b"] = None
    frame.loc[0, "s"] = "new"
    frame.loc[0, "cat"] = "y"
    assert frame.loc[0, ["id", "s", "cat"]].tolist() == [-5, "new", "y"]
    assert frame.loc[0, "ts"] == pd.Timestamp("2024-01-01", tz="UTC")
    assert frame["b"].isna()[0]
