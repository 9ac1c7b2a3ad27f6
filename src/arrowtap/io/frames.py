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

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["empty_frame", "to_pandas"]

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


def _dtype(arrow_type: pa.DataType) -> object:
    """The pandas dtype of an Arrow type; ``None``: pyarrow's own conversion."""
    if _is_text(arrow_type):
        return _STRING
    if arrow_type in _MASKED:
        return _MASKED[arrow_type]
    # Timestamps, durations and dictionaries convert best by pyarrow's own path
    # (unit and zone kept; categories from the dictionary).
    if (
        pa.types.is_timestamp(arrow_type)
        or pa.types.is_duration(arrow_type)
        or pa.types.is_dictionary(arrow_type)
    ):
        return None
    return pd.ArrowDtype(arrow_type)


def _uuid_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Canonical 8-4-4-4-12 lower-case text of uuid values, columnar (NumPy)."""
    chunks = []
    for chunk in column.chunks:
        storage = chunk.storage
        n, data = len(storage), storage.buffers()[1]
        if data is None:  # no values at all (every one null)
            chunks.append(pa.nulls(n, pa.string()))
            continue
        raw = np.frombuffer(data, np.uint8)[storage.offset * 16 : (storage.offset + n) * 16]
        raw = raw.reshape(n, 16)
        text = np.full((n, 36), ord("-"), np.uint8)
        text[:, _DIGITS] = _HEX[np.stack([raw >> 4, raw & 15], axis=-1).reshape(n, 32)]
        offsets = np.arange(n + 1, dtype=np.int32) * 36
        buffers = [None, pa.py_buffer(offsets), pa.py_buffer(text)]
        plain = pa.Array.from_buffers(pa.string(), n, buffers)
        chunks.append(pc.if_else(storage.is_valid(), plain, pa.scalar(None, pa.string())))
    return pa.chunked_array(chunks, pa.string())


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
    for i, field in enumerate(table.schema):
        if isinstance(field.type, pa.UuidType):
            text = pa.field(field.name, pa.string(), field.nullable, field.metadata)
            table = table.set_column(i, text, _uuid_text(table.column(i)))
    frame: pd.DataFrame = table.to_pandas(types_mapper=_dtype)
    if index is not None:
        frame = frame.set_index(index)
    return frame


def empty_frame(schema: pa.Schema, index: str | None = None) -> pd.DataFrame:
    """An empty frame with exactly the dtypes :func:`to_pandas` gives ``schema``.

    Examples
    --------
    >>> empty_frame(pa.schema([("a", pa.float64()), ("b", pa.binary())])).dtypes.tolist()
    [double[pyarrow], binary[pyarrow]]
    """
    return to_pandas(schema.empty_table(), index=index)
