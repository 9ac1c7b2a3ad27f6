"""Friendly inputs normalised once, at the public boundary.

Times of every form become nanoseconds; the arguments every connector shares
(``checkpoint``, ``client``, ``retry``) are checked here, with the checkers of
:mod:`arrowtap._checks`.
"""

from __future__ import annotations

import datetime as dt
import numbers
import os
from typing import Literal

import httpx
import pandas as pd

from arrowtap import _checks as checks
from arrowtap._retry import RetryPolicy
from arrowtap.checkpoint import Checkpoint, CheckpointLike
from arrowtap.errors import InvalidArgumentError, InvalidTypeError

__all__ = [
    "TimeLike",
    "TimeUnit",
    "check_checkpoint",
    "check_http",
    "check_server",
    "to_ns",
    "to_time_range",
]

_NS_MAX = 2**63 - 1  # an int64 of nanoseconds, as Arrow and pandas keep times

TimeLike = dt.datetime | pd.Timestamp | str | int
"""A point in time: an aware datetime or Timestamp, an ISO string with offset, or an integer
count since the epoch in a ``unit``."""

TimeUnit = Literal["s", "ms", "us", "ns"]
"""The unit of an integer time, as ``pandas.to_datetime(unit=)``."""

_PER_UNIT = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


def to_ns(value: TimeLike, name: str = "time", *, unit: TimeUnit | None = None) -> int:
    """Nanoseconds since the epoch (UTC) of an aware time.

    Parameters
    ----------
    value : datetime, pandas.Timestamp, str or int
        A timezone-aware datetime or Timestamp, an ISO 8601 string with a UTC
        offset or ``Z``, or an integer count since the epoch in ``unit``.
    name : str
        The argument's name, for the error message.
    unit : {"s", "ms", "us", "ns"}, optional
        The unit of an integer ``value``, which needs one (but 0, the epoch in
        every unit): ``1714521600`` is a time in seconds and a time in ns alike.

    Raises
    ------
    InvalidArgumentError
        A naive datetime, a string without offset, an integer without ``unit``,
        or an unusable value.

    Examples
    --------
    >>> to_ns("2016-09-03T13:44:42.661419012Z")
    1472910282661419012
    >>> to_ns(1472910282, unit="s")
    1472910282000000000
    >>> to_ns(1472910282, "start")
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: start=1472910282 is an integer without a unit: pass unit='s', 'ms', 'us' or 'ns' (as pandas.to_datetime), or an aware datetime or ISO string
    """  # noqa: E501
    if unit is not None:
        checks.one_of("unit", unit, _PER_UNIT)
    if isinstance(value, bool):
        raise InvalidArgumentError(f"{name} must be a time, got {value!r}")
    if isinstance(value, numbers.Integral):
        if unit is None and int(value) != 0:
            raise InvalidArgumentError(
                f"{name}={checks.shown(value)} is an integer without a unit: pass unit='s', "
                "'ms', 'us' or 'ns' (as pandas.to_datetime), or an aware datetime or ISO string"
            )
        ns = int(value) * _PER_UNIT[unit or "ns"]
        if not -_NS_MAX <= ns <= _NS_MAX:
            raise InvalidArgumentError(
                f"{name} must be within years 1677 to 2262 (an int64 of ns), "
                f"got {checks.shown(value)} {unit}"
            )
        return ns
    if isinstance(value, str):
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, TypeError, OverflowError) as exc:
            raise InvalidArgumentError(
                f"{name}: cannot parse {checks.shown(value)} as a time"
            ) from exc
    elif isinstance(value, dt.datetime):
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, OverflowError) as exc:  # out of pandas' years 1677-2262
            raise InvalidArgumentError(f"{name}: {value!r} is out of range") from exc
    else:
        raise InvalidTypeError(
            f"{name} must be an aware datetime, a Timestamp, an ISO string or ns, "
            f"got {type(value).__name__} {checks.shown(value)}"
        )
    if pd.isna(stamp):
        raise InvalidArgumentError(f"{name} must be a time, got {value!r}")
    if stamp.tzinfo is None:
        raise InvalidArgumentError(
            f"{name} {value!r} is naive; give a timezone (e.g. UTC) so the time is unambiguous"
        )
    return int(stamp.as_unit("ns").value)


def to_time_range(
    start: TimeLike, end: TimeLike | None, unit: TimeUnit | None = None
) -> tuple[int, int]:
    """Normalise ``start`` and ``end`` (``None``: now) and check ``start <= end``.

    ``unit`` is that of integer times (see :func:`to_ns`).

    Examples
    --------
    >>> to_time_range(0, 10, unit="ns")
    (0, 10)
    """
    lo = to_ns(start, "start", unit=unit)
    hi = pd.Timestamp.now(tz="UTC").value if end is None else to_ns(end, "end", unit=unit)
    if lo < 0:
        raise InvalidArgumentError(f"start must not be before 1970-01-01, got {start!r}")
    if hi < lo:
        raise InvalidArgumentError(f"end {end!r} is before start {start!r}")
    return lo, hi


def check_checkpoint(checkpoint: object, name: str = "checkpoint") -> CheckpointLike | None:
    """A ``checkpoint=`` argument: ``None``, an open checkpoint, a path or a HarperDB URL.

    Examples
    --------
    >>> check_checkpoint("offsets.sqlite")
    'offsets.sqlite'
    >>> check_checkpoint(3)
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidTypeError: checkpoint must be a Checkpoint, a path or a harperdb+http(s):// URL, not int 3
    """  # noqa: E501
    if checkpoint is None or isinstance(checkpoint, Checkpoint):
        return checkpoint
    if isinstance(checkpoint, str) and "://" in checkpoint:
        return checks.url(name, checkpoint, schemes=("harperdb+http", "harperdb+https"))
    if not isinstance(checkpoint, str | os.PathLike):
        raise InvalidTypeError(
            f"{name} must be a Checkpoint, a path or a harperdb+http(s):// URL, "
            f"not {type(checkpoint).__name__} {checks.shown(checkpoint)}"
        )
    checks.path(name, checkpoint)
    return checkpoint


def check_server(
    url: object,
    *,
    client: object,
    retry: object,
    username: object = None,
    password: object = None,
    token: object = None,
    system: str = "",
) -> None:
    """Check a server's ``url``, the credentials to it, and the ``client`` and ``retry``.

    Examples
    --------
    >>> check_server("http://node:9925", client=None, retry=None, username="u", password="p")
    >>> check_server("http://node:9925", client=None, retry=None, token="jéton")
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: token must be visible ASCII characters (it is sent in an HTTP header); not shown
    """  # noqa: E501
    checks.url("url", url, system=system)
    checks.secret("username", username, system=system)
    checks.secret("password", password, system=system)
    checks.secret("token", token, header=True, system=system)
    check_http(client, retry, system=system)


def check_http(client: object, retry: object, *, system: str = "") -> None:
    """The ``client`` (an :class:`httpx.Client` or ``None``) and ``retry`` of a call.

    Examples
    --------
    >>> check_http(None, RetryPolicy(attempts=2))
    >>> check_http(None, 5, system="Kinetica")
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidTypeError: Kinetica: retry must be a RetryPolicy or None, not int 5
    """
    checks.instance("client", client, httpx.Client, system=system)
    checks.instance("retry", retry, RetryPolicy, system=system)
