"""Arrow to pandas, written once: the same dtypes for data and for empty ``meta``.

Every Arrow type has one pandas dtype, chosen so that nothing is lost and so that
Dask keeps it as it is whatever ``dask.config["dataframe.convert-string"]`` says
(Dask turns ``object`` and ``str`` columns into ``string[pyarrow]``, and fails on
bytes doing so): no column is ever ``object`` or ``str``.

==========================================  =========================================
Arrow                                       pandas
==========================================  =========================================
bool, int8 .. int64, uint8 .. uint64        ``boolean``, ``Int8`` .. ``UInt64`` (masked)
float16, float32, float64                   ``pd.ArrowDtype`` (null and NaN kept apart)
string, large_string, string_view, json     ``string[pyarrow]`` (``pd.NA`` for null)
uuid (``arrow.uuid``)                       ``string[pyarrow]``, canonical lower-case text
timestamp, duration                         ``datetime64[unit, tz]``, ``timedelta64[unit]``
dictionary                                  ``category``
anything else: binary, date, time,          ``pd.ArrowDtype`` of the type itself
decimal, lists, structs, maps, null
==========================================  =========================================

Floats, measured (pandas 3.1, pyarrow 26, 5 M float64 with nulls and NaN): numpy
``float64`` merges null into NaN; the masked ``Float64`` merges NaN into null unless
the global option ``future.distinguish_nan_and_na`` is set while converting (and
arithmetic outside it merges them again), and costs a copy (18-21 ms);
``pd.ArrowDtype(pa.float64())`` keeps null and NaN apart under any option, wraps the
Arrow buffers without a copy (0.4 ms) and converts back to Arrow exactly. So floats
are Arrow-backed: ``isna()`` is true for a null only, and a NaN the server sent is a
value (``sum()`` of a column holding one is NaN).

Other Arrow-backed columns are those pandas has no exact dtype for: ``datetime.date``
or ``Decimal`` objects would be ``object`` columns. A uuid becomes text because
pandas' ``ArrowDtype`` of the uuid type cannot sort, group or even compare values.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["empty_frame", "read_pandas", "to_pandas"]

_MASKED = {
    pa.bool_(): pd.BooleanDtype(),
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.uint8(): pd.UInt8Dtype(),
    pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
}
_STRING = pd.StringDtype("pyarrow")
T = TypeVar("T", pa.Table, pa.RecordBatch)
_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)
# Where the 32 hex digits go among the 36 characters of 8-4-4-4-12.
_DIGITS = np.array([i for i in range(36) if i not in (8, 13, 18, 23)])


def _is_text(arrow_type: pa.DataType) -> bool:
    return (
        pa.types.is_string(arrow_type)
        or pa.types.is_large_string(arrow_type)
        or pa.types.is_string_view(arrow_type)
        or isinstance(arrow_type, pa.JsonType)
    )


class _IntoMasked:
    """pyarrow's hook (``__from_arrow__``) building a masked column, chunk by chunk.

    pandas' own hook joins the chunks (a copy), copies the values again and builds
    the mask twice: a peak of twice the column. This one copies each chunk once into
    the column's final arrays, and writes the mask only where a chunk has nulls (it
    starts as zeros: no null).
    """

    def __init__(self, dtype: pd.api.extensions.ExtensionDtype) -> None:
        self.dtype = dtype

    def __from_arrow__(self, array: pa.Array | pa.ChunkedArray) -> pd.api.extensions.ExtensionArray:
        chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
        values = np.empty(len(array), self.dtype.numpy_dtype)  # type: ignore[attr-defined]
        mask = np.zeros(len(array), np.bool_)
        at = 0
        for chunk in chunks:
            n = len(chunk)
            if not n:
                continue
            data = chunk.buffers()[1]
            if data is None:  # no values at all: every one null
                pass
            elif pa.types.is_boolean(chunk.type):  # bits: unpacked by Arrow, a chunk at a time
                bits = pa.Array.from_buffers(pa.bool_(), n, [None, data], offset=chunk.offset)
                values[at : at + n] = bits.to_numpy(zero_copy_only=False)
            else:
                values[at : at + n] = np.frombuffer(
                    data, values.dtype, n, chunk.offset * values.itemsize
                )
            if chunk.null_count:
                mask[at : at + n] = chunk.is_null().to_numpy(zero_copy_only=False)
            at += n
        array_type = self.dtype.construct_array_type()
        return array_type(values, mask, copy=False)  # type: ignore[call-arg]


def _dtype(arrow_type: pa.DataType) -> object:
    """The pandas dtype of an Arrow type; ``None``: pyarrow's own conversion."""
    if _is_text(arrow_type):
        return _STRING
    if arrow_type in _MASKED:
        return _IntoMasked(_MASKED[arrow_type])
    # Timestamps, durations and dictionaries convert best by pyarrow's own path
    # (unit and zone kept; categories from the dictionary).
    if (
        pa.types.is_timestamp(arrow_type)
        or pa.types.is_duration(arrow_type)
        or pa.types.is_dictionary(arrow_type)
    ):
        return None
    return pd.ArrowDtype(arrow_type)


def _uuid_text(chunk: pa.ExtensionArray) -> pa.Array:
    """Canonical 8-4-4-4-12 lower-case text of uuid values, columnar (NumPy)."""
    storage = chunk.storage
    n, data = len(storage), storage.buffers()[1]
    if data is None:  # no values at all (every one null)
        return pa.nulls(n, pa.large_string())
    raw = np.frombuffer(data, np.uint8)[storage.offset * 16 : (storage.offset + n) * 16]
    raw = raw.reshape(n, 16)
    text = np.full((n, 36), ord("-"), np.uint8)
    text[:, _DIGITS] = _HEX[np.stack([raw >> 4, raw & 15], axis=-1).reshape(n, 32)]
    offsets = np.arange(n + 1, dtype=np.int64) * 36
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(text)]
    plain = pa.Array.from_buffers(pa.large_string(), n, buffers)
    return pc.if_else(storage.is_valid(), plain, pa.scalar(None, pa.large_string()))


def _as_kept(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray | None:
    """`column` as the Arrow type its pandas column holds, if that is another type.

    ``string[pyarrow]`` holds ``large_string``: pandas casts other text to it (new
    offsets, the characters shared), and uuids become their text.
    """
    if isinstance(column.type, pa.UuidType):
        if isinstance(column, pa.ChunkedArray):
            return pa.chunked_array([_uuid_text(c) for c in column.chunks], pa.large_string())
        return _uuid_text(column)
    if pa.types.is_string(column.type) or pa.types.is_string_view(column.type):
        return column.cast(pa.large_string())
    return None


def _converted(arrow_type: pa.DataType) -> bool:
    """Whether :func:`_as_kept` converts a column of ``arrow_type``."""
    return (
        isinstance(arrow_type, pa.UuidType)
        or pa.types.is_string(arrow_type)
        or pa.types.is_string_view(arrow_type)
    )


def _kept(data: T) -> T:
    """`data` with each column as the Arrow type its pandas column holds."""
    for i, field in enumerate(data.schema):
        if not _converted(field.type):  # the schema tells: no column object needed
            continue
        column = _as_kept(data.column(i))
        assert column is not None
        data = data.set_column(i, field.with_type(column.type), column)
    return data


def _kept_schema(schema: pa.Schema) -> pa.Schema:
    """The schema :func:`_kept` gives data of ``schema``."""
    for i, field in enumerate(schema):
        if _converted(field.type):
            schema = schema.set(i, field.with_type(pa.large_string()))
    return schema


def _frame(table: pa.Table, index: str | None, owned: bool = False) -> pd.DataFrame:
    # Without split_blocks, every column pyarrow converts is a copy pandas owns (and may
    # write to); split blocks can be read-only views of Arrow memory.
    frame: pd.DataFrame = table.to_pandas(types_mapper=_dtype, self_destruct=owned)
    if index is not None:
        frame = frame.set_index(index)
    return frame


def to_pandas(data: pa.Table | pa.RecordBatch, index: str | None = None) -> pd.DataFrame:
    """Convert Arrow data to pandas, losing nothing: no ``object`` column, nulls kept.

    Integers and booleans become pandas' masked dtypes (``Int64``, ``boolean``);
    floats stay Arrow-backed (``double[pyarrow]``), so a null and a NaN stay
    apart; strings, JSON text (``arrow.json``) and uuids (as their canonical
    text) are ``string[pyarrow]``; timestamps keep their unit and time zone;
    binaries, dates, times, decimals, lists and other nested types stay
    Arrow-backed (``pd.ArrowDtype``: exact and null-aware; use the ``.list`` or
    ``.dt`` accessors). See the module's table; :func:`empty_frame` gives a schema
    the same dtypes, and Dask partitions have them too.

    Examples
    --------
    >>> to_pandas(pa.table({"a": pa.array([1, None], pa.int64())})).dtypes["a"]
    Int64Dtype()
    >>> x = to_pandas(pa.table({"x": [1.5, None, float("nan")]}))["x"]
    >>> x.dtype, x.isna().tolist()
    (double[pyarrow], [False, True, False])
    >>> to_pandas(pa.table({"v": [[1.5, 2.0]]}))["v"].list[0].tolist()
    [1.5]
    """
    table = pa.Table.from_batches([data]) if isinstance(data, pa.RecordBatch) else data
    return _frame(_kept(table), index)


def read_pandas(reader: pa.RecordBatchReader, index: str | None = None) -> pd.DataFrame:
    """Read a stream whole into the frame :func:`to_pandas` makes of its table.

    The read peaks near the frame's own size, not at the table plus the frame: each
    batch is brought to the Arrow types the frame keeps as it arrives (text as
    ``large_string``: the frame then shares its characters and offsets), and the
    table, which nothing else holds, frees each column's Arrow memory once pandas
    has its own.

    Examples
    --------
    >>> batch = pa.record_batch({"s": ["a", None], "n": pa.array([1, 2], pa.int8())})
    >>> frame = read_pandas(pa.RecordBatchReader.from_batches(batch.schema, [batch] * 2))
    >>> frame["s"].tolist(), frame["n"].tolist()
    (['a', <NA>, 'a', <NA>], [1, 2, 1, 2])
    >>> frame.equals(to_pandas(pa.Table.from_batches([batch] * 2)))
    True
    """
    schema = _kept_schema(reader.schema)
    batches = [_kept(batch) for batch in reader]
    table = pa.Table.from_batches(batches, schema)
    del batches  # the table holds the only references to the columns it frees
    return _frame(table, index, owned=True)


def empty_frame(schema: pa.Schema, index: str | None = None) -> pd.DataFrame:
    """An empty frame with exactly the dtypes :func:`to_pandas` gives ``schema``.

    Examples
    --------
    >>> empty_frame(pa.schema([("a", pa.float64()), ("b", pa.binary())])).dtypes.tolist()
    [double[pyarrow], binary[pyarrow]]
    """
    return to_pandas(schema.empty_table(), index=index)
