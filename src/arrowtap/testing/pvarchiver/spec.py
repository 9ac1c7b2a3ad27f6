"""The data model of the fake archive: channel specifications, metadata and samples.

A :class:`ChannelSpec` describes one synthetic channel; the samples are not
stored but computed from ``(channel, index)`` whenever they are needed, so a
test can always recompute exactly what the server sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, get_args

__all__ = [
    "KINDS",
    "SEVERITY_LEVELS",
    "ChannelSpec",
    "EnumMeta",
    "Kind",
    "NumericMeta",
    "Sample",
]

Kind = Literal["double", "double_special", "double_array", "long", "long_array", "enum", "string"]
"""What a channel archives.

``double``: scalar doubles with numeric metadata; ``double_special``: the same
with NaN, +-Infinity, tiny and huge values mixed in; ``double_array``: double
waveforms (sometimes empty); ``long``: scalar longs, some near the int64 limits
(not representable as float64); ``long_array``: long waveforms; ``enum``: state
indices with enum metadata; ``string``: strings that are hard to escape.
"""

KINDS: tuple[Kind, ...] = get_args(Kind)
"""Every channel kind."""

SEVERITY_LEVELS = ("OK", "MINOR", "MAJOR", "INVALID")
"""Alarm severity levels, least severe first."""

NS_PER_S = 1_000_000_000


@dataclass(frozen=True, eq=False)
class NumericMeta:
    """Numeric channel metadata (``"type": "numeric"``).

    Instances compare by identity: they are created once per channel and the
    renderer caches their JSON text per instance.
    """

    precision: int
    units: str | None
    display_low: float
    display_high: float
    warn_low: float
    warn_high: float
    alarm_low: float
    alarm_high: float


@dataclass(frozen=True, eq=False)
class EnumMeta:
    """Enum channel metadata (``"type": "enum"``) with the state labels."""

    states: tuple[str, ...]


class Sample(NamedTuple):
    """One sample, in the terms of the JsonV1 format.

    ``value`` holds floats for ``double`` and ``minMaxDouble``, ints for
    ``long`` and ``enum``, and strs for ``string`` samples; ``minimum`` and
    ``maximum`` are set for ``minMaxDouble`` samples only.
    """

    time: int
    level: str
    has_value: bool
    status: str
    quality: str
    meta: NumericMeta | EnumMeta | None
    type: str
    value: tuple[Any, ...]
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class ChannelSpec:
    """A synthetic archive channel.

    Parameters
    ----------
    name : str
        The channel name (any non-empty text; ``+``, ``/``, spaces and non-ASCII
        characters are fine).
    kind : Kind
        What the channel archives, see :data:`Kind`.
    start_ns : int
        Time of raw sample 0, in ns since the UNIX epoch.
    period_ns : int
        Spacing of the raw samples in ns; raw sample ``i`` is at
        ``start_ns + i * period_ns``.
    count : int or None
        Number of raw samples; ``None`` makes a live channel whose samples
        exist up to the archive's current clock and keep growing.
    decimation : tuple of int
        Decimation periods in whole seconds (level 0, raw, is implicit).
    retention : Mapping[int, int]
        Retention in seconds per level period (0 = raw); missing or 0 =
        forever. Samples older than the newest raw sample minus the
        retention are gone from that level.
    markers : bool
        Intersperse "Disconnected" and "Archive_Disabled" marker samples.
    seed : int
        Varies the values between channels of the same kind.

    Examples
    --------
    >>> spec = ChannelSpec("root:ai1", count=10, decimation=(30, 900))
    >>> spec.levels
    (0, 30, 900)
    """

    name: str
    kind: Kind = "double"
    start_ns: int = 1_700_000_000_000_000_000
    period_ns: int = NS_PER_S
    count: int | None = 1000
    decimation: tuple[int, ...] = ()
    retention: Mapping[int, int] = field(default_factory=dict)
    markers: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("ChannelSpec.name must not be empty")
        if self.kind not in KINDS:
            raise ValueError(f"ChannelSpec.kind must be one of {KINDS}, not {self.kind!r}")
        if self.start_ns < 0 or self.period_ns <= 0:
            raise ValueError(
                f"channel {self.name!r}: start_ns must be >= 0 and period_ns > 0, "
                f"not {self.start_ns!r} / {self.period_ns!r}"
            )
        if self.count is not None and self.count < 0:
            raise ValueError(f"channel {self.name!r}: count must be >= 0, not {self.count!r}")
        periods = tuple(sorted(set(self.decimation)))
        if any(p <= 0 for p in periods):
            raise ValueError(f"channel {self.name!r}: decimation periods must be > 0 s")
        object.__setattr__(self, "decimation", periods)
        unknown = set(self.retention) - set(self.levels)
        if unknown or any(r < 0 for r in self.retention.values()):
            raise ValueError(
                f"channel {self.name!r}: retention must map levels {self.levels} "
                f"to seconds >= 0, not {dict(self.retention)!r}"
            )

    def __hash__(self) -> int:
        return hash((self.name, self.kind, self.start_ns, self.period_ns, self.count))

    @property
    def levels(self) -> tuple[int, ...]:
        """The decimation periods in seconds, including 0 (raw), ascending."""
        return (0, *self.decimation)

    @property
    def live(self) -> bool:
        """Whether the channel grows with the clock (``count is None``)."""
        return self.count is None

    def retention_ns(self, level: int) -> int:
        """Return the retention of ``level`` in ns (0 = forever)."""
        return self.retention.get(level, 0) * NS_PER_S
