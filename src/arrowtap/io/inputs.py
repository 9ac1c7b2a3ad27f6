"""Friendly inputs normalised once, at the public boundary."""

from __future__ import annotations

import datetime as dt
import numbers

import pandas as pd

from arrowtap.errors import InvalidArgumentError

__all__ = ["TimeLike", "to_ns", "to_time_range"]

TimeLike = dt.datetime | pd.Timestamp | str | int
"""A point in time: an aware datetime or Timestamp, an ISO string with offset, or ns."""


def to_ns(value: TimeLike, name: str = "time") -> int:
    """Nanoseconds since the epoch (UTC) of an aware time.

    Parameters
    ----------
    value : datetime, pandas.Timestamp, str or int
        A timezone-aware datetime or Timestamp, an ISO 8601 string with a UTC
        offset or ``Z``, or an integer count of nanoseconds since the epoch.
    name : str
        The argument's name, for the error message.

    Raises
    ------
    InvalidArgumentError
        A naive datetime, a string without offset, or an unusable value.

    Examples
    --------
    >>> to_ns("2016-09-03T13:44:42.661419012Z")
    1472910282661419012
    >>> to_ns(1472910282661419012)
    1472910282661419012
    """
    if isinstance(value, bool):
        raise InvalidArgumentError(f"{name} must be a time, got {value!r}")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, str):
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, TypeError) as exc:
            raise InvalidArgumentError(f"{name}: cannot parse {value!r} as a time") from exc
    elif isinstance(value, dt.datetime):
        stamp = pd.Timestamp(value)
    else:
        raise InvalidArgumentError(
            f"{name} must be an aware datetime, a Timestamp, an ISO string or ns, "
            f"got {type(value).__name__} {value!r}"
        )
    if pd.isna(stamp):
        raise InvalidArgumentError(f"{name} must be a time, got {value!r}")
    if stamp.tzinfo is None:
        raise InvalidArgumentError(
            f"{name} {value!r} is naive; give a timezone (e.g. UTC) so the time is unambiguous"
        )
    return int(stamp.as_unit("ns").value)


def to_time_range(start: TimeLike, end: TimeLike | None) -> tuple[int, int]:
    """Normalise ``start`` and ``end`` (``None``: now) and check ``start <= end``.

    Examples
    --------
    >>> to_time_range(0, 10)
    (0, 10)
    """
    lo = to_ns(start, "start")
    hi = pd.Timestamp.now(tz="UTC").value if end is None else to_ns(end, "end")
    if lo < 0:
        raise InvalidArgumentError(f"start must not be before 1970-01-01, got {start!r}")
    if hi < lo:
        raise InvalidArgumentError(f"end {end!r} is before start {start!r}")
    return lo, hi
