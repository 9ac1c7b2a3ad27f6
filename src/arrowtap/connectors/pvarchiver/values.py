"""The ``value`` column of archive samples: one float a plot can use as it is.

The decoder keeps what the server sends, lossless: values as lists, split by type
(``value_double``, ``value_long``...). A plot, a ``groupby().mean()`` or DuckDB's
``avg`` wants one number per sample, so every samples path adds ``value`` after
decoding, a few vectorized operations over whole columns (no Python per row):

==========================================  ==============================================
sample                                      ``value``
==========================================  ==============================================
``double`` with one element                 that element (a NaN the server sent stays NaN)
``long`` with one element                   that element as float64 (exact up to 2**53)
``minMaxDouble`` (decimated)                its mean, the one element of ``value_double``
waveforms (not one element), ``enum``,      null
``string`` (the markers among them)
==========================================  ==============================================

Channel Access float, short and char channels arrive as ``double`` and ``long``
samples, so they are covered. An enum's state index is a label, not a quantity: it
stays in ``value_enum``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from arrowtap.connectors.pvarchiver.wire.schema import SAMPLE_SCHEMA, VALUE_FIELD

__all__ = ["scalar_value", "with_value"]

_AT = SAMPLE_SCHEMA.get_field_index(VALUE_FIELD.name)
_NUMERIC = ("value_double", "value_long")


def _mask(array: pa.Array) -> np.ndarray:
    """Which slots of ``array`` are valid, unpacked from its validity bitmap."""
    bitmap = np.frombuffer(array.buffers()[0], np.uint8)
    bits = np.unpackbits(bitmap, count=array.offset + len(array), bitorder="little")
    return bits[array.offset :].view(np.bool_)


def _singles(column: pa.ListArray) -> tuple[np.ndarray, np.ndarray]:
    """The first element of each list (anything where there is none), and which hold one."""
    # NumPy over the offsets, gathers rather than masks: a few passes over a page,
    # a fraction of what the equivalent Arrow kernels (length, filter, flatten,
    # replace_with_mask) take.
    offsets = column.offsets.to_numpy()
    single = np.diff(offsets) == 1
    if column.null_count:
        single &= _mask(column)
    values = column.values
    if len(values) == 0:
        return np.zeros(len(column)), single
    starts = np.minimum(offsets[:-1], len(values) - 1)  # in bounds; not single anyway
    if values.null_count:  # a null element is no value
        single &= _mask(values)[starts]
    return values.to_numpy(zero_copy_only=False).take(starts), single


def scalar_value(batch: pa.RecordBatch) -> pa.Array:
    """The ``value`` of each sample of ``batch`` (decoded samples), as the module says.

    Examples
    --------
    >>> lists = pa.RecordBatch.from_pydict({
    ...     "value_double": pa.array([[1.5], None, [2.0, 3.0], None], pa.list_(pa.float64())),
    ...     "value_long": pa.array([None, [7], None, []], pa.list_(pa.int64())),
    ... })
    >>> scalar_value(lists).to_pylist()
    [1.5, 7.0, None, None]
    """
    doubles, longs = (batch.column(name) for name in _NUMERIC)
    n = len(doubles)
    if longs.null_count == n == doubles.null_count:  # no numbers at all (enums, strings)
        return pa.nulls(n, pa.float64())
    if longs.null_count == n:  # a channel of one type: nothing to merge
        out, valid = _singles(doubles)
    elif doubles.null_count == n:
        out, valid = _singles(longs)
    else:
        values, has_double = _singles(doubles)
        others, has_long = _singles(longs)
        # A sample has values of one type only: at most one of the two is set.
        out, valid = np.where(has_double, values, others), has_double | has_long
    out = out.astype(np.float64, copy=False)
    validity = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(pa.float64(), n, [validity, pa.py_buffer(out)])


def with_value(batch: pa.RecordBatch) -> pa.RecordBatch:
    """A batch of decoded samples with its ``value`` column: a batch of :data:`SAMPLE_SCHEMA`.

    Examples
    --------
    >>> from arrowtap.connectors.pvarchiver.wire.decode import decode_samples
    >>> body = (b'[{"time":5,"severity":{"level":"OK","hasValue":true},"status":"OK",'
    ...         b'"quality":"Original","type":"long","value":[42]}]')
    >>> batch = with_value(decode_samples(body, "ch").to_batches()[0])
    >>> batch.schema == SAMPLE_SCHEMA, batch.column("value").to_pylist()
    (True, [42.0])
    """
    # add_column keeps the other columns as they are: no Python object per column.
    return batch.add_column(_AT, VALUE_FIELD, scalar_value(batch))
