"""HarperDB times: epoch milliseconds as floats (``__updatedtime__``) and ISO ``Date`` text.

``__createdtime__``, ``__updatedtime__`` and replication versions are
JavaScript doubles of milliseconds since the epoch with a fraction
(``1795296443169.9578``). They become nanoseconds from the double's *exact*
value, rounded to the nanosecond: the whole milliseconds and the fraction are
converted apart, so the 256 ns steps of a double near 1.8e18 never show. The
double itself stays the offset of incremental reads, untouched, since only
that value compares equal on the server.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["ms_to_ns", "ms_to_ns_array", "next_after", "ns_to_ms"]

_FITS = 9.2e12  # |ms| below it: its nanoseconds fit an int64 (larger ones fail the cast)


def ms_to_ns(ms: float) -> int:
    """Nanoseconds since the epoch of a float of milliseconds, exactly rounded.

    Examples
    --------
    >>> ms_to_ns(1795296532147.2366)
    1795296532147236572
    """
    whole = math.floor(ms)
    return whole * 1_000_000 + round((ms - whole) * 1_000_000)


def ms_to_ns_array(ms: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """:func:`ms_to_ns` over a float64 array, vectorised (nulls stay null).

    Examples
    --------
    >>> ms_to_ns_array(pa.array([1795296532147.2366, None])).to_pylist()
    [1795296532147236572, None]
    """
    if isinstance(ms, pa.Array) and ms.type == pa.float64() and not ms.null_count:
        # The same arithmetic in numpy: a page of a few rows pays eight compute calls'
        # fixed cost otherwise (it is most of decoding a small page).
        values = ms.to_numpy()
        if not len(values) or np.abs(values).max() < _FITS:
            whole = np.floor(values)
            fraction = np.round((values - whole) * 1_000_000.0)
            return pa.array(whole.astype(np.int64) * 1_000_000 + fraction.astype(np.int64))
    whole = pc.floor(ms)
    # x - floor(x) is exact for doubles; the fraction times 1e6 errs by far less than 1 ns.
    fraction = pc.round(pc.multiply(pc.subtract(ms, whole), 1_000_000.0))
    nanos = pc.multiply(pc.cast(whole, pa.int64()), pa.scalar(1_000_000, pa.int64()))
    return pc.add(nanos, pc.cast(fraction, pa.int64()))


def ns_to_ms(ns: int) -> float:
    """The float of milliseconds nearest to ``ns`` nanoseconds (for ``since`` bounds).

    Examples
    --------
    >>> ns_to_ms(1_500_000)
    1.5
    """
    return ns / 1_000_000


def next_after(ms: float) -> float:
    """The smallest double above ``ms``: ``>= next_after(t)`` is ``> t`` on the server.

    Examples
    --------
    >>> next_after(1.0) > 1.0, next_after(1.0) - 1.0 < 1e-15
    (True, True)
    """
    return math.nextafter(ms, math.inf)
