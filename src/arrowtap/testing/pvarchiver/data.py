"""The samples of one channel at one moment: levels, retention, range queries.

Every level is an arithmetic time grid. Raw sample ``i`` sits at
``start_ns + i * period_ns``; decimated sample ``k`` of period ``P`` sits at
``k * P`` (ns) and stands for ``[k * P, (k + 1) * P)``. A decimated sample
exists once its interval is complete (a raw sample at or after its end
exists), from the interval holding raw sample 0 on. Retention is measured
back from the newest raw sample: older samples of that level are gone
(decimated samples were computed before the raw data expired).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import overload

from arrowtap.testing.pvarchiver.decimation import Mode, aggregate, choose_level, gather_levels
from arrowtap.testing.pvarchiver.kinds import raw_sample
from arrowtap.testing.pvarchiver.spec import NS_PER_S, ChannelSpec, Sample

__all__ = ["ChannelData", "LevelView"]

_CACHE_LIMIT = 200_000


class LevelView(Sequence[Sample]):
    """A lazy, indexable run of consecutive samples of one level."""

    def __init__(self, channel: ChannelData, level: int, indices: range) -> None:
        self._channel = channel
        self.level = level
        self.indices = indices

    @property
    def spec(self) -> ChannelSpec:
        """The channel's specification."""
        return self._channel.spec

    def __len__(self) -> int:
        return len(self.indices)

    @overload
    def __getitem__(self, item: int) -> Sample: ...

    @overload
    def __getitem__(self, item: slice) -> LevelView: ...

    def __getitem__(self, item: int | slice) -> Sample | LevelView:
        if isinstance(item, slice):
            return LevelView(self._channel, self.level, self.indices[item])
        return self._channel.sample(self.level, self.indices[item])

    def __iter__(self) -> Iterator[Sample]:
        make = self._channel.sample
        level = self.level
        for i in self.indices:
            yield make(level, i)


class ChannelData:
    """The samples of one channel, computed on demand.

    Parameters
    ----------
    spec : ChannelSpec
        The channel.

    Examples
    --------
    >>> ch = ChannelData(ChannelSpec("x", start_ns=0, period_ns=10, count=5))
    >>> [s.time for s in ch.samples(15, 25, None, now_ns=0)]
    [10, 20, 30]
    """

    def __init__(self, spec: ChannelSpec) -> None:
        self.spec = spec
        self._decimated: dict[tuple[int, int], Sample] = {}

    def raw_count(self, now_ns: int) -> int:
        """Return how many raw samples exist at ``now_ns`` (ignoring retention)."""
        spec = self.spec
        if spec.count is not None:
            return spec.count
        if now_ns < spec.start_ns:
            return 0
        return (now_ns - spec.start_ns) // spec.period_ns + 1

    def _grid(self, level: int) -> tuple[int, int]:
        """Return ``(offset, step)`` of the level's time grid."""
        if level == 0:
            return self.spec.start_ns, self.spec.period_ns
        return 0, level * NS_PER_S

    def index_range(self, level: int, now_ns: int) -> range:
        """Return the indices of the samples of ``level`` that exist at ``now_ns``."""
        n = self.raw_count(now_ns)
        if n == 0:
            return range(0)
        spec = self.spec
        newest_raw = spec.start_ns + (n - 1) * spec.period_ns
        offset, step = self._grid(level)
        if level == 0:
            lo, hi = 0, n
        else:
            lo = spec.start_ns // step
            hi = newest_raw // step  # interval hi - 1 is the last complete one
        retention = spec.retention_ns(level)
        if retention:
            cutoff = newest_raw - retention
            lo = max(lo, -((offset - cutoff) // step))  # first index at or after cutoff
        return range(lo, max(lo, hi))

    def sample(self, level: int, index: int) -> Sample:
        """Return sample ``index`` of ``level`` (no existence check)."""
        if level == 0:
            return raw_sample(self.spec, index)
        key = (level, index)
        cached = self._decimated.get(key)
        if cached is None:
            cached = self._decimate(level, index)
            if len(self._decimated) >= _CACHE_LIMIT:
                self._decimated.clear()
            self._decimated[key] = cached
        return cached

    def _decimate(self, level: int, k: int) -> Sample:
        spec = self.spec
        step = level * NS_PER_S
        t0 = k * step
        first = max(0, (t0 - spec.start_ns) // spec.period_ns)  # valid at t0
        last = (t0 + step - 1 - spec.start_ns) // spec.period_ns  # last inside
        sources = [raw_sample(spec, i) for i in range(first, last + 1)]
        return aggregate(sources, t0, step)

    def query(self, level: int, lower: int, upper: int, upper_mode: Mode, now_ns: int) -> LevelView:
        """Return the samples of ``level`` for ``[lower AT_OR_BEFORE, upper upper_mode]``.

        The first sample is the latest at or before ``lower`` (or the first
        one after it); the last is the first at or after ``upper``
        (``AT_OR_AFTER``, or the last one) or the latest at or before it
        (``AT_OR_BEFORE``).
        """
        existing = self.index_range(level, now_ns)
        if not existing:
            return LevelView(self, level, existing)
        offset, step = self._grid(level)
        lo, hi = existing.start, existing.stop - 1
        first = min(max((lower - offset) // step, lo), hi)
        if upper_mode is Mode.AT_OR_AFTER:
            last = min(max(-((offset - upper) // step), lo), hi)
        else:
            last = min((upper - offset) // step, hi)
        return LevelView(self, level, range(first, last + 1))

    def samples(self, start: int, end: int, count: int | None, now_ns: int) -> Iterator[Sample]:
        """Return the samples the server sends for a request, lazily, in emission order."""
        return itertools.chain.from_iterable(self.segments(start, end, count, now_ns))

    def segments(self, start: int, end: int, count: int | None, now_ns: int) -> list[LevelView]:
        """Return the runs of samples the server sends for a request, in emission order.

        Parameters
        ----------
        start, end : int
            The requested range in ns (validated by the caller).
        count : int or None
            The requested number of samples; ``None`` for raw samples.
        now_ns : int
            The archive's clock.
        """
        if count is None:
            return [self.query(0, start, end, Mode.AT_OR_AFTER, now_ns)]
        levels = self.spec.levels
        best = choose_level(levels, start, end, count)

        def query(level: int, lower: int, upper: int, mode: Mode) -> LevelView:
            return self.query(level, lower, upper, mode, now_ns)

        return gather_levels(levels, best, start, end, query)

    def raw_in(self, start: int, end: int, now_ns: int) -> LevelView:
        """Return the existing raw samples with ``start <= time <= end``."""
        existing = self.index_range(0, now_ns)
        spec = self.spec
        lo = max(existing.start, -((spec.start_ns - start) // spec.period_ns))
        hi = min(existing.stop, (end - spec.start_ns) // spec.period_ns + 1)
        return LevelView(self, 0, range(lo, max(lo, hi)))
