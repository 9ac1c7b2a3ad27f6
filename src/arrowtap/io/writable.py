"""What the writers take, normalised once to Arrow: pandas, Arrow, Dask, any Arrow stream.

Every ``write_*`` accepts the same data: a pandas DataFrame, a pyarrow ``Table``,
``RecordBatch`` or ``RecordBatchReader``, a dict of columns, a Dask DataFrame, and
any object that exports the Arrow C stream interface (``__arrow_c_stream__``: a
Polars DataFrame, a DuckDB relation, a pyarrow dataset scanner...).

A pandas index is data, as ``DataFrame.to_sql`` takes it: with ``index=None`` (the
default) it is written as columns named after its levels (``index``, or
``level_0``, ``level_1``... for unnamed levels, as ``reset_index`` names them),
unless it is an unnamed ``RangeIndex``: the row numbers pandas gives a frame built
without an index, which ``DataFrame.to_parquet`` does not write either.
``index=True`` writes even that one; ``index=False`` writes no index. A column
named like an index level is an error, not a silent overwrite.

Arrow's view layouts (``string_view``, ``binary_view``, ``list_view``), which Polars
exports, become their ``large_`` equivalents: the same values, in the layouts every
writer's encoder reads.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

from arrowtap import _checks as checks
from arrowtap.errors import InvalidArgumentError, InvalidTypeError

__all__ = ["TAKES", "check_index", "from_pandas", "is_dask", "to_arrow", "writes_index"]

TAKES = (
    "a pandas or Dask DataFrame, a pyarrow Table, RecordBatch or RecordBatchReader, "
    "a dict of columns, or an object with __arrow_c_stream__ (Polars, DuckDB)"
)
"""What every writer takes, for its messages."""


def check_index(index: object, *, system: str = "") -> bool | None:
    """The ``index=`` of a writer: ``None`` (the default rule), ``True`` or ``False``.

    Examples
    --------
    >>> check_index(None), check_index(False)
    (None, False)
    >>> check_index("yes")
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidTypeError: index must be True, False or None, not str 'yes'
    """
    if index is None or isinstance(index, bool):
        return index
    prefix = f"{system}: " if system else ""
    raise InvalidTypeError(
        f"{prefix}index must be True, False or None, not {type(index).__name__} "
        f"{checks.shown(index)}"
    )


def is_dask(data: object) -> bool:
    """Whether ``data`` is a Dask DataFrame (without importing Dask)."""
    return type(data).__module__.split(".")[0] == "dask" and hasattr(data, "to_delayed")


def writes_index(frame_index: pd.Index, index: bool | None) -> bool:
    """Whether a frame with this index writes it (the module's rule).

    Examples
    --------
    >>> writes_index(pd.RangeIndex(3), None), writes_index(pd.Index([5, 7]), None)
    (False, True)
    >>> writes_index(pd.RangeIndex(3, name="row"), None), writes_index(pd.RangeIndex(3), True)
    (True, True)
    """
    if index is not None:
        return index
    return not (isinstance(frame_index, pd.RangeIndex) and frame_index.name is None)


def from_pandas(
    frame: pd.DataFrame,
    index: bool,
    *,
    schema: pa.Schema | None = None,
    system: str = "",
) -> pa.Table:
    """A pandas frame as an Arrow table, its index first as columns when ``index``.

    Examples
    --------
    >>> frame = pd.DataFrame({"x": [1.5, 2.5]}, index=pd.Index([7, 9], name="id"))
    >>> from_pandas(frame, True).column_names
    ['id', 'x']
    >>> from_pandas(pd.DataFrame({"id": [1]}, index=pd.Index([4], name="id")), True)
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: data: the index would be written as column 'id', which the frame has already; rename one or pass index=False
    """  # noqa: E501
    prefix = f"{system}: " if system else ""
    if index:
        named = frame.reset_index(allow_duplicates=True)
        level_names = list(named.columns[: frame.index.nlevels])
        clash = [name for name in level_names if list(named.columns).count(name) > 1]
        if clash:
            raise InvalidArgumentError(
                f"{prefix}data: the index would be written as column {clash[0]!r}, which the "
                "frame has already; rename one or pass index=False"
            )
        frame = named
    try:
        return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        # e.g. an object column mixing numbers and strings: no one Arrow type
        raise InvalidArgumentError(f"{prefix}data: {exc}") from exc


def _unviewed(t: pa.DataType) -> pa.DataType:
    """``t`` with every view layout, nested ones included, in its ``large_`` layout."""
    if pa.types.is_string_view(t):
        return pa.large_string()
    if pa.types.is_binary_view(t):
        return pa.large_binary()
    if pa.types.is_list_view(t) or pa.types.is_large_list_view(t):
        return pa.large_list(t.value_field.with_type(_unviewed(t.value_type)))
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        inner = _unviewed(t.value_type)
        if inner == t.value_type:
            return t
        field = t.value_field.with_type(inner)
        if pa.types.is_fixed_size_list(t):
            return pa.list_(field, t.list_size)
        return pa.large_list(field) if pa.types.is_large_list(t) else pa.list_(field)
    if pa.types.is_struct(t):
        return pa.struct([f.with_type(_unviewed(f.type)) for f in t])
    return t


def unviewed(data: pa.Table | pa.RecordBatchReader) -> pa.Table | pa.RecordBatchReader:
    """``data`` without view layouts (the module's text); as it is when it has none.

    Examples
    --------
    >>> unviewed(pa.table({"s": pa.array(["a"], pa.string_view())})).schema.field("s").type
    DataType(large_string)
    """
    schema = pa.schema(
        [f.with_type(_unviewed(f.type)) for f in data.schema], metadata=data.schema.metadata
    )
    if schema.equals(data.schema):
        return data
    if isinstance(data, pa.Table):
        return data.cast(schema)
    return pa.RecordBatchReader.from_batches(schema, (batch.cast(schema) for batch in data))


def to_arrow(data: Any, index: bool | None, *, system: str = "") -> pa.Table | pa.RecordBatchReader:
    """Data in memory as an Arrow table, a stream as a reader (not Dask: see :func:`is_dask`).

    Examples
    --------
    >>> to_arrow(pd.DataFrame({"a": [1]}, index=pd.Index(["k"], name="key")), None).column_names
    ['key', 'a']
    >>> to_arrow({"a": [1, 2]}, None).num_rows
    2
    >>> to_arrow([1, 2], None)
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidTypeError: data must be a pandas or Dask DataFrame, a pyarrow Table, RecordBatch or RecordBatchReader, a dict of columns, or an object with __arrow_c_stream__ (Polars, DuckDB), not list
    """  # noqa: E501
    prefix = f"{system}: " if system else ""
    if isinstance(data, pd.DataFrame):
        return from_pandas(data, writes_index(data.index, index), system=system)
    if index:
        raise InvalidArgumentError(
            f"{prefix}index=True, but {type(data).__name__} data has no index to write"
        )
    if isinstance(data, pa.Table | pa.RecordBatchReader):
        return unviewed(data)
    if isinstance(data, pa.RecordBatch):
        return unviewed(pa.Table.from_batches([data]))
    if isinstance(data, dict):
        try:
            return pa.table(data)
        except (TypeError, ValueError, pa.ArrowException) as exc:
            raise InvalidArgumentError(
                f"{prefix}data is not a table of columns Arrow can type: {exc}"
            ) from exc
    if hasattr(type(data), "__arrow_c_stream__"):
        try:
            return unviewed(pa.RecordBatchReader.from_stream(data))
        except (TypeError, ValueError, pa.ArrowException) as exc:
            raise InvalidArgumentError(
                f"{prefix}data: its Arrow stream ({type(data).__name__}) cannot be read: {exc}"
            ) from exc
    raise InvalidTypeError(f"{prefix}data must be {TAKES}, not {type(data).__name__}")
