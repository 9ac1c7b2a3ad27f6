"""Checks of the arguments of Kinetica's writer and Dask functions, made before any request.

Each check names the argument and the value it refuses: an
:class:`~arrowtap.errors.InvalidTypeError` for a value of a type the argument does
not take, an :class:`~arrowtap.errors.InvalidArgumentError` for one out of range (a
NaN, an infinity, a count below 1 or past :data:`MAX_PARTITIONS`, an empty name).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

from arrowtap import _checks as checks
from arrowtap.connectors.kinetica.ranges import check_split
from arrowtap.connectors.kinetica.wire.client import SYSTEM
from arrowtap.errors import InvalidArgumentError, InvalidTypeError
from arrowtap.io.inputs import check_server

__all__ = [
    "MAX_CONCURRENCY",
    "MAX_PAGE_SIZE",
    "MAX_PARTITIONS",
    "check_bool",
    "check_connection",
    "check_count",
    "check_dask_read",
    "check_divisions",
    "check_mapping",
    "check_name",
    "check_names",
]

MAX_PARTITIONS = checks.MAX_PARTITIONS
"""The most Dask partitions (or tasks) a Kinetica read or sync is cut into."""

MAX_PAGE_SIZE = checks.MAX_COUNT
"""The largest page (or batch) of rows: Kinetica's MAX_INT, its bound on offsets."""

MAX_CONCURRENCY = checks.MAX_CONCURRENCY
"""The most partitions one task reads at once (each holds a connection and a thread)."""


def _type_error(name: str, wanted: str, value: object) -> InvalidTypeError:
    return InvalidTypeError(
        f"{SYSTEM}: {name} must be {wanted}, not {type(value).__name__} {checks.shown(value)}"
    )


def check_name(name: str, value: object, *, optional: bool = False) -> str | None:
    """A table, column or other name (or ``None`` when `optional`): :func:`arrowtap._checks.name`.

    Examples
    --------
    >>> check_name("table", "t")
    't'
    >>> check_name("table", "")
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: Kinetica: table must be a non-empty str, not ''
    """
    if value is None and optional:
        return None
    return checks.name(name, value, system=SYSTEM)


def check_names(name: str, value: object, *, optional: bool = True) -> list[str] | None:
    """A list of names (``columns``, ``primary_key``...): :func:`arrowtap._checks.names`.

    Examples
    --------
    >>> check_names("columns", ("a", "b")), check_names("columns", None)
    (['a', 'b'], None)
    """
    if value is None and optional:
        return None
    return checks.names(name, value, system=SYSTEM)


def check_bool(name: str, value: object) -> bool:
    """A flag: ``True`` or ``False`` only (not 0, 1 or a string)."""
    return checks.flag(name, value, system=SYSTEM)


def check_count(name: str, value: object, maximum: int = checks.MAX_COUNT) -> int:
    """A count (``npartitions``, ``batch_size``...): an int from 1 to `maximum`.

    Examples
    --------
    >>> check_count("npartitions", 4, MAX_PARTITIONS)
    4
    """
    return checks.positive_int(name, value, maximum=maximum, system=SYSTEM)


def check_mapping(name: str, value: object, *, lists: bool) -> None:
    """``None`` or a mapping of str to str (or, with `lists`, to lists of str)."""
    if value is None:
        return
    wanted = "a mapping of str to " + ("lists of str" if lists else "str")
    if not isinstance(value, Mapping):
        raise _type_error(name, wanted + " or None", value)
    for key, item in value.items():
        check_name(f"a key of {name}", key)
        if lists:
            check_names(f"{name}[{key!r}]", item, optional=False)
        elif not isinstance(item, str):
            raise _type_error(f"{name}[{key!r}]", "a str", item)


_BOUND_TYPES = (numbers.Real, str, dt.date, dt.time, decimal.Decimal)


def check_divisions(value: object) -> list[Any] | None:
    """``None``, or at least two bounds, each a number, a time or a str (NaN refused).

    The bounds are checked against the column's type once it is known.

    Examples
    --------
    >>> check_divisions([0, 10.5, "2024-01-01T00:00:00Z"])
    [0, 10.5, '2024-01-01T00:00:00Z']
    """
    if value is None:
        return None
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise _type_error("divisions", "a list of bounds or None", value)
    if not 2 <= len(value) <= MAX_PARTITIONS + 1:
        raise InvalidArgumentError(
            f"{SYSTEM}: divisions must hold 2 to {MAX_PARTITIONS + 1} bounds, "
            f"not {len(value)}: {checks.shown(value)}"
        )
    for bound in value:
        if isinstance(bound, bool) or not isinstance(bound, _BOUND_TYPES):
            raise _type_error("a bound of divisions", "a number, a time or a str", bound)
        if isinstance(bound, numbers.Real) and not math.isfinite(float(bound)):
            raise InvalidArgumentError(f"{SYSTEM}: a bound of divisions is not finite: {bound!r}")
        if isinstance(bound, decimal.Decimal) and not bound.is_finite():
            raise InvalidArgumentError(f"{SYSTEM}: a bound of divisions is not finite: {bound!r}")
    return list(value)


def check_connection(
    url: object,
    username: object = None,
    password: object = None,
    token: object = None,
    client: object = None,
    retry: object = None,
) -> None:
    """The server URL, the credentials, the client and the retries: as every connector's.

    Examples
    --------
    >>> check_connection("http://kinetica:9191", username="ann", password="pw")
    >>> check_connection("kinetica:9191")
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: Kinetica: url must be http://host[:port] or https://host[:port], not 'kinetica:9191'
    """  # noqa: E501
    check_server(
        url, client=client, retry=retry, username=username, password=password, token=token,
        system=SYSTEM,
    )  # fmt: skip


def check_dask_read(
    url: object, npartitions: object, divisions: object, page_size: object, *connection: object
) -> None:
    """The arguments both Dask reads take: exactly one of ``npartitions`` and ``divisions``.

    ``connection`` is ``username, password, token, client, retry``.

    Examples
    --------
    >>> check_dask_read("http://kinetica:9191", 4, None, 1000)
    """
    check_connection(url, *connection)
    if npartitions is not None:
        check_count("npartitions", npartitions, MAX_PARTITIONS)
    check_divisions(divisions)
    check_split(npartitions, divisions)
    check_count("page_size", page_size, MAX_PAGE_SIZE)
