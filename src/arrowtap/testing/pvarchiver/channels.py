"""Ready-made channel sets: the default test archive and the benchmark archive."""

from __future__ import annotations

import time

from arrowtap.testing.pvarchiver.spec import NS_PER_S, ChannelSpec, Kind

__all__ = ["BENCHMARK_START_NS", "DEFAULT_END_NS", "benchmark_channels", "default_channels"]

DEFAULT_END_NS = 1_700_000_000_123_456_789
"""Time of the newest sample of the default channels when no ``now_ns`` is given."""

BENCHMARK_START_NS = 1_600_000_000_000_000_000
"""Time of the first sample of every benchmark channel (unless live)."""

# name, kind, raw period in s, duration in s, decimation periods, retention, markers
_DEFAULTS: tuple[tuple[str, Kind, int, int, tuple[int, ...], dict[int, int], bool], ...] = (
    ("root:ai1", "double", 1, 2 * 3600, (30, 900, 3600), {}, True),
    ("ring/current", "double", 1, 2 * 3600, (60,), {}, False),
    ("temp+offset", "double_special", 1, 3600, (30,), {}, False),
    ("beam energy", "long", 1, 3600, (30,), {}, False),
    ("détecteur:état", "enum", 1, 3600, (30,), {}, False),
    ("wave:double", "double_array", 1, 1800, (30,), {}, False),
    ("wave:long", "long_array", 1, 1800, (30,), {}, False),
    ("msg:text", "string", 10, 3600, (300,), {}, True),
    ("retention:ai", "double", 1, 4 * 3600, (30, 900), {0: 1800, 30: 7200}, False),
    ("ROOT:ai2", "long", 1, 600, (), {}, False),
    ("myTest1Example", "double", 1, 600, (), {}, False),
    ("myTest2Example", "double", 1, 600, (), {}, False),
    ("sort:\uff01", "double", 1, 60, (), {}, False),
    ("sort:\U0001f680", "double", 1, 60, (), {}, False),
)


def default_channels(now_ns: int | None = None, *, live: bool = False) -> list[ChannelSpec]:
    r"""Return the default test channels: every kind, and names that need encoding care.

    The names include ``root:ai1``, ``ring/current`` (a ``/``), ``temp+offset``
    (a ``+``), ``beam energy`` (a space), ``détecteur:état`` (non-ASCII), upper
    and lower case (``ROOT:ai2``, ``myTest1Example``) and two names whose Java
    order differs from the code point order (``sort:\uff01``, ``sort:\U0001f680``).
    ``retention:ai`` keeps raw samples for the last 30 min and 30 s samples
    for the last 2 h only (the 900 s level forever), so requests with
    ``count`` over its whole range combine levels.

    Parameters
    ----------
    now_ns : int, optional
        Time of the newest sample; default :data:`DEFAULT_END_NS` (or the
        wall clock when ``live``).
    live : bool
        Make every channel live (``count=None``): the archive keeps growing
        with the fake's clock from ``now_ns`` on.

    Returns
    -------
    list of ChannelSpec
        The channels; raw sample ``i`` is at ``start_ns + i * period_ns``.

    Examples
    --------
    >>> specs = default_channels()
    >>> "root:ai1" in [s.name for s in specs]
    True
    >>> max(s.start_ns + (s.count - 1) * s.period_ns for s in specs) == DEFAULT_END_NS
    True
    """
    if now_ns is None:
        now_ns = time.time_ns() if live else DEFAULT_END_NS
    specs = []
    for seed, (name, kind, period_s, duration_s, levels, retention, markers) in enumerate(
        _DEFAULTS
    ):
        period = period_s * NS_PER_S
        count = duration_s // period_s
        specs.append(
            ChannelSpec(
                name=name,
                kind=kind,
                start_ns=now_ns - (count - 1) * period,
                period_ns=period,
                count=None if live else count,
                decimation=levels,
                retention=retention,
                markers=markers,
                seed=seed,
            )
        )
    return specs


def benchmark_channels(
    total_samples: int, channels: int = 8, *, live: bool = False, period_ns: int = 1_000_000
) -> list[ChannelSpec]:
    """Return ``channels`` numeric channels holding ``total_samples`` raw samples in all.

    The channels alternate between ``double``, ``long`` and ``double_special``,
    all with numeric metadata (about 300 bytes of JSON per sample), samples
    ``period_ns`` apart (1 ms) from :data:`BENCHMARK_START_NS`, decimation
    levels of 1 s and 10 s. Live channels end at the wall clock instead and
    keep growing.

    Examples
    --------
    >>> [s.count for s in benchmark_channels(10, 3)]
    [4, 3, 3]
    """
    if channels <= 0 or total_samples < 0:
        raise ValueError(
            f"benchmark_channels needs channels > 0 and total_samples >= 0, "
            f"not {channels!r} / {total_samples!r}"
        )
    kinds: tuple[Kind, ...] = ("double", "long", "double_special")
    per, extra = divmod(total_samples, channels)
    specs = []
    for j in range(channels):
        count = per + (j < extra)
        start = BENCHMARK_START_NS
        if live:
            start = time.time_ns() - max(count - 1, 0) * period_ns
        specs.append(
            ChannelSpec(
                name=f"bench:ch{j:02d}",
                kind=kinds[j % len(kinds)],
                start_ns=start,
                period_ns=period_ns,
                count=None if live else count,
                decimation=(1, 10),
                seed=j,
            )
        )
    return specs
