"""Decimation: level choice, level fallback, and the aggregation of one interval.

Pure functions mirroring the server's ``Api10Controller.sendSamples`` and the
decimator (manual, appendix D).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from typing import TypeVar

from arrowtap.testing.pvarchiver.spec import SEVERITY_LEVELS, Sample

__all__ = ["Mode", "aggregate", "choose_level", "gather_levels"]

_INT_MAX = 2**31 - 1
_RANK = {level: rank for rank, level in enumerate(SEVERITY_LEVELS)}


class Mode(Enum):
    """How a time limit of a level query is interpreted (``TimeStampLimitMode``)."""

    AT_OR_BEFORE = "AT_OR_BEFORE"
    AT_OR_AFTER = "AT_OR_AFTER"


def choose_level(levels: Iterable[int], start: int, end: int, count: int) -> int:
    """Choose the decimation period for a request with ``count`` (§1.6 steps 1-3).

    Parameters
    ----------
    levels : iterable of int
        The channel's decimation periods in seconds; 0 (raw) is always added.
    start, end : int
        The requested range in ns.
    count : int
        The requested number of samples (> 0).

    Returns
    -------
    int
        The chosen period in seconds (0 = raw).

    Examples
    --------
    >>> day, year = 86_400 * 10**9, 365 * 86_400 * 10**9
    >>> choose_level({0, 30, 900, 21600}, 0, day, 1000)
    30
    >>> choose_level({0, 30, 900, 21600}, 0, year, 1000)
    21600
    >>> choose_level({0, 30, 900, 21600}, 0, 3_600 * 10**9, 1000)
    0
    """
    perfect = (end - start) / float(count) / 1e9
    floor_p = _INT_MAX if perfect > _INT_MAX else math.floor(perfect)
    available = sorted({0, *levels})
    longer = min((p for p in available if p >= floor_p), default=None)
    shorter = max(p for p in available if p <= floor_p)
    if longer is None or longer == shorter:
        return shorter
    longer_match = longer / perfect - 1.0
    shorter_match = (shorter / perfect - 1.0) * -1.0
    if longer_match < 0.05 and longer_match < shorter_match:
        return longer
    return shorter


SeqT = TypeVar("SeqT", bound=Sequence[Sample])


def gather_levels(
    levels: Iterable[int],
    best: int,
    start: int,
    end: int,
    query: Callable[[int, int, int, Mode], SeqT],
) -> list[SeqT]:
    """Collect the samples of the ``best`` level, filling expired data from coarser ones.

    Reproduces the server's ordering quirk: the segments are emitted in the
    order the levels were queried, i.e. the finer (newer) segment comes
    *before* the coarser (older) one that fills the gap before it, so the
    result is not globally sorted by time when more than one level
    contributes. Clients must sort.

    Parameters
    ----------
    levels : iterable of int
        The channel's periods in seconds (incl. 0).
    best : int
        The period chosen by :func:`choose_level`.
    start, end : int
        The requested range in ns.
    query : callable
        ``query(level, lower, upper, upper_mode)`` returns the samples of a
        level for ``[lower AT_OR_BEFORE, upper upper_mode]``.

    Returns
    -------
    list of sequences of Sample
        The contributing segments, in emission order (empty: no samples).
    """
    segments: list[SeqT] = []
    earliest = 0
    for level in sorted(p for p in set(levels) | {0} if p >= best):
        if not segments:
            samples = query(level, start, end, Mode.AT_OR_AFTER)
        else:
            samples = query(level, start, earliest - 1, Mode.AT_OR_BEFORE)
        if not samples:
            continue
        first = samples[0].time
        if not segments or first < earliest:
            # The server adds to the front of a list and then iterates it
            # backwards: emission order == the order the levels were added.
            segments.append(samples)
            earliest = first
        if first <= start:
            break
    return segments


def aggregate(sources: Sequence[Sample], t0: int, period_ns: int) -> Sample:
    """Decimate the source samples of the interval ``[t0, t0 + period_ns)``.

    ``sources`` start with the sample valid at ``t0`` (possibly older than
    ``t0``) followed by the samples inside the interval. Numeric scalars give a
    ``minMaxDouble`` sample (time-weighted mean as value, minimum, maximum,
    the first source's metadata, the highest severity and its status). Any
    other content (enum, string, arrays, only markers) gives the first source
    sample with its time replaced by ``t0`` ("pick-first"). Either way the
    quality is ``Interpolated``.

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver.spec import Sample
    >>> a = Sample(0, "OK", True, "NO_ALARM", "Original", None, "double", (1.0,))
    >>> b = Sample(5, "MINOR", True, "HIGH", "Original", None, "double", (3.0,))
    >>> m = aggregate([a, b], 0, 10)
    >>> (m.type, m.value, m.minimum, m.maximum, m.status)
    ('minMaxDouble', (2.0,), 1.0, 3.0, 'HIGH')
    """
    valued = [s for s in sources if s.has_value]
    numeric = valued and all(s.type in ("double", "long") and len(s.value) == 1 for s in valued)
    if not numeric:
        return sources[0]._replace(time=t0, quality="Interpolated")
    end = t0 + period_ns
    weighted = 0.0
    total = 0
    values: list[float] = []
    for j, s in enumerate(sources):
        nxt = sources[j + 1].time if j + 1 < len(sources) else end
        if not s.has_value:
            continue
        v = float(s.value[0])
        values.append(v)
        w = min(nxt, end) - max(s.time, t0)
        weighted += v * w
        total += w
    if any(math.isnan(v) for v in values):
        mean = low = high = math.nan
    else:
        mean = weighted / total if total > 0 else sum(values) / len(values)
        low, high = min(values), max(values)
    worst = max(valued, key=lambda s: _RANK.get(s.level, 3))
    return Sample(
        t0,
        worst.level,
        True,
        worst.status,
        "Interpolated",
        valued[0].meta,
        "minMaxDouble",
        (mean,),
        low,
        high,
    )
