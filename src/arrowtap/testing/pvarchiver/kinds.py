"""Deterministic raw samples: the value of raw sample ``i`` of a channel.

Everything is a pure function of ``(spec, i)`` so tests can recompute the
ground truth. Integer hashing (not :mod:`random`) keeps it fast: the benchmark
generates a million samples.
"""

from __future__ import annotations

from collections.abc import Callable

from arrowtap.testing.pvarchiver.spec import ChannelSpec, EnumMeta, NumericMeta, Sample

__all__ = [
    "ALARMS",
    "ALARM_HASH",
    "BASE_HASH",
    "ENUM_META",
    "META_BLOCK",
    "STRINGS",
    "alarm",
    "alarm_of_hash",
    "base_double",
    "base_milli",
    "is_special",
    "long_value",
    "marker",
    "numeric_metas",
    "raw_sample",
    "special_double",
]

_INF = float("inf")
_NAN = float("nan")
_INT64_MAX = 2**63 - 1
_INT64_MIN = -(2**63)

ENUM_META = EnumMeta(states=("Off", "On", "Fault", 'Ünknown "state"'))
"""The metadata of every ``enum`` channel."""

STRINGS: tuple[str, ...] = (
    "plain text",
    'with "double quotes"',
    "back\\slash and C:\\path\\",
    "unicode µ°Ω 日本語 🚀",
    "new\nline\ttab\rreturn",
    '},{"time":',
    '"NaN"',
    "control \x01\x1f\x7f chars",
    "",
    "</script> & <html>",
)
"""The values of ``string`` channels, cycled through by index."""

# Per-channel metadata variants; the variant changes every 1000 samples.
_DOUBLE_METAS = (
    NumericMeta(3, "mA", -20.0, 50.0, -10.0, 100.0, -_INF, _INF),
    NumericMeta(2, "°C", 0.0, 0.0, _NAN, 12.0, _NAN, 15.0),
)
_LONG_METAS = (
    NumericMeta(0, "counts", -1000.0, 1000.0, -900.0, 900.0, -990.0, 990.0),
    NumericMeta(0, None, 0.0, 0.0, _NAN, _NAN, -_INF, _INF),
)
META_BLOCK = 1000
"""The numeric metadata variant changes every this many samples."""

ALARMS = (
    ("OK", "NO_ALARM"),
    ("MINOR", "HIGH"),
    ("MINOR", "LOW"),
    ("MAJOR", "HIHI"),
    ("MAJOR", "LOLO"),
    ("INVALID", "UDF"),
    ("INVALID", "COMM"),
)
"""The (severity level, status) pairs of real samples, chosen by a hash of the index."""


def numeric_metas(spec: ChannelSpec) -> tuple[NumericMeta, ...]:
    """Return the numeric metadata variants of a channel (empty for enum/string).

    Examples
    --------
    >>> numeric_metas(ChannelSpec("x", kind="long"))[0].units
    'counts'
    """
    if spec.kind in ("long", "long_array"):
        return _LONG_METAS
    if spec.kind in ("double", "double_special", "double_array"):
        return _DOUBLE_METAS
    return ()


ALARM_HASH = (2_654_435_761, 40_503, 1009)
"""``alarm_hash(i, seed) = (i * a + seed * b) % m`` with ``(a, b, m)``."""

BASE_HASH = (7919, 104_729, 100_003)
"""``base_milli(i, seed) = (i * a + seed * b) % m - 50_000`` with ``(a, b, m)``."""


def alarm_of_hash(h: int) -> tuple[str, str]:
    """Return the (severity level, status) for an alarm hash in ``[0, 1009)``."""
    if h < 900:
        return ALARMS[0]
    if h < 960:
        return ALARMS[1 + (h & 1)]
    if h < 995:
        return ALARMS[3 + (h & 1)]
    return ALARMS[5 + (h & 1)]


def alarm(i: int, seed: int) -> tuple[str, str]:
    """Return the (severity level, status) of real sample ``i``."""
    a, b, m = ALARM_HASH
    return alarm_of_hash((i * a + seed * b) % m)


def base_milli(i: int, seed: int) -> int:
    """Return the value of sample ``i`` of a ``double`` channel in thousandths."""
    a, b, m = BASE_HASH
    return (i * a + seed * b) % m - 50_000


def base_double(i: int, seed: int) -> float:
    """Return the value of sample ``i`` of a ``double`` channel (-50.0 to 50.002)."""
    return base_milli(i, seed) / 1000.0


def is_special(i: int) -> bool:
    """Tell whether sample ``i`` of a ``double_special`` channel is not a plain value."""
    return i % 7 == 3 or i % 11 == 5 or i % 13 == 6 or i % 17 == 8 or i % 19 == 9


def _double(spec: ChannelSpec, i: int) -> tuple[str, tuple[object, ...]]:
    return "double", (base_double(i, spec.seed),)


def special_double(i: int, seed: int) -> float:
    """Return the value of sample ``i`` of a ``double_special`` channel."""
    v = base_double(i, seed)
    if i % 7 == 3:
        v = _NAN
    elif i % 11 == 5:
        v = _INF
    elif i % 13 == 6:
        v = -_INF
    elif i % 17 == 8:
        v *= 1e-7
    elif i % 19 == 9:
        v *= 1e18
    return v


def _double_special(spec: ChannelSpec, i: int) -> tuple[str, tuple[object, ...]]:
    return "double", (special_double(i, spec.seed),)


def _double_array(spec: ChannelSpec, i: int) -> tuple[str, tuple[object, ...]]:
    n = 0 if i % 10 == 0 else 2 + i % 4
    v = base_double(i, spec.seed)
    return "double", tuple(v + 0.25 * j for j in range(n))


def long_value(i: int, seed: int) -> int:
    """Return the value of sample ``i`` of a ``long`` channel."""
    if i % 13 == 4:
        return _INT64_MAX - i % 3
    if i % 17 == 7:
        return _INT64_MIN + i % 5
    return (i * 7919 + seed * 104_729) % 2001 - 1000


def _long(spec: ChannelSpec, i: int) -> tuple[str, tuple[object, ...]]:
    return "long", (long_value(i, spec.seed),)


def _long_array(spec: ChannelSpec, i: int) -> tuple[str, tuple[object, ...]]:
    n = (0, 2, 3, 4, 5, 7)[i % 6]
    return "long", tuple(long_value(i + 13 * j, spec.seed) for j in range(n))


def _enum(spec: ChannelSpec, i: int) -> tuple[str, tuple[object, ...]]:
    # Index 7 is out of range for the 4 states: Channel Access allows that.
    return "enum", (7 if i % 31 == 15 else (i + spec.seed) % 4,)


def _string(spec: ChannelSpec, i: int) -> tuple[str, tuple[object, ...]]:
    s = STRINGS[(i + spec.seed) % len(STRINGS)]
    if i % 11 == 0:
        return "string", (s, STRINGS[(i + 1) % len(STRINGS)])
    return "string", (s,)


_VALUES: dict[str, Callable[[ChannelSpec, int], tuple[str, tuple[object, ...]]]] = {
    "double": _double,
    "double_special": _double_special,
    "double_array": _double_array,
    "long": _long,
    "long_array": _long_array,
    "enum": _enum,
    "string": _string,
}


def marker(spec: ChannelSpec, i: int) -> str | None:
    """Return the marker status of raw sample ``i`` or ``None`` for a real sample."""
    if not spec.markers:
        return None
    if i % 101 == 50:
        return "Disconnected"
    if i % 211 == 100:
        return "Archive_Disabled"
    return None


def raw_sample(spec: ChannelSpec, i: int) -> Sample:
    """Return raw sample ``i`` of ``spec`` (quality ``Original``).

    Examples
    --------
    >>> s = raw_sample(ChannelSpec("x", start_ns=0, period_ns=10), 3)
    >>> (s.time, s.type, s.quality, s.meta.units)
    (30, 'double', 'Original', 'mA')
    """
    t = spec.start_ns + i * spec.period_ns
    mark = marker(spec, i)
    if mark is not None:
        return Sample(t, "INVALID", False, mark, "Original", None, "string", (mark,))
    level, status = alarm(i, spec.seed)
    typ, value = _VALUES[spec.kind](spec, i)
    if spec.kind == "enum":
        meta: NumericMeta | EnumMeta | None = ENUM_META
    elif spec.kind == "string":
        meta = None
    else:
        metas = numeric_metas(spec)
        meta = metas[(i // META_BLOCK) % len(metas)]
    return Sample(t, level, True, status, "Original", meta, typ, value)
