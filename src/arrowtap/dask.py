"""Dask readers: ``arrowtap.dask.read_*`` build lazy Dask DataFrames.

Needs the ``dask`` extra: ``pip install 'arrowtap[dask]'``.
"""

from __future__ import annotations

from typing import Any

import httpx
import pandas as pd

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.pvarchiver.samples import Channels, _channels
from arrowtap.connectors.pvarchiver.samples_source import ArchiveSamplesSource, SamplesPartition
from arrowtap.errors import InvalidArgumentError
from arrowtap.io.dask import from_source
from arrowtap.io.inputs import TimeLike, to_time_range

__all__ = ["read_archive_samples", "read_kinetica"]


def read_archive_samples(
    url: str,
    channels: Channels,
    start: TimeLike,
    end: TimeLike,
    count: int | None = None,
    *,
    npartitions: int = 8,
    page_size: int = 65_536,
    retry: RetryPolicy | None = None,
    client: httpx.Client | None = None,
) -> Any:
    """Archive samples as a Dask DataFrame indexed by ``time``, with known divisions.

    The range is cut into ``npartitions`` equal time windows; each Dask
    partition reads every channel over its window (``[lo, hi)``, the last one
    ``[lo, end]``) on a worker and sorts it by time, then channel. Channels
    given as a glob are resolved once, on the client.

    Parameters
    ----------
    url, channels, start, end, count, page_size, retry
        As in :func:`arrowtap.read_archive_samples`. With ``count``, each
        window asks for its share of ``count``, so the server picks about
        the same decimation level for every window.
    npartitions : int
        Number of time windows.
    client : httpx.Client, optional
        Used only to resolve a glob on the client; workers make their own.

    Returns
    -------
    dask.dataframe.DataFrame
        Columns of :data:`arrowtap.SAMPLE_SCHEMA` but ``time``, the index.

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver() as fake:
    ...     ddf = read_archive_samples(fake.url, "*", 0, 10**18, npartitions=2)
    ...     n = len(ddf.compute())
    >>> ddf.known_divisions
    True
    """
    if isinstance(npartitions, bool) or not isinstance(npartitions, int) or npartitions < 1:
        raise InvalidArgumentError(f"npartitions must be a positive int, got {npartitions!r}")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise InvalidArgumentError(f"count must be a positive int or None, got {count!r}")
    lo, hi = to_time_range(start, end)
    with ArchiveSamplesSource(url, client=client, retry=retry) as resolver:
        names = _channels(resolver, channels)
    source = ArchiveSamplesSource(url, retry=retry, page_size=page_size)
    n = max(1, min(npartitions, hi - lo)) if hi > lo else 1
    bounds = [lo + (hi - lo) * i // n for i in range(n)] + [hi]
    groups = []
    for i in range(n):
        w0, w1 = bounds[i], bounds[i + 1]
        share = None if count is None else max(1, -(-count * (w1 - w0) // max(hi - lo, 1)))
        groups.append(
            [
                SamplesPartition(
                    key=f"{name}@{w0}",
                    channel=name,
                    start=w0,
                    end=w1,
                    end_open=i < n - 1,
                    count=share,
                )
                for name in names
            ]
        )
    divisions = [pd.Timestamp(b, tz="UTC") for b in bounds]
    return from_source(
        source, groups, index="time", sort_by=("time", "channel"), divisions=divisions
    )


def read_kinetica(
    url: str,
    table: str,
    columns: list[str] | None = None,
    where: str | None = None,
    *,
    partition_column: str,
    npartitions: int | None = None,
    divisions: list[Any] | None = None,
    page_size: int = 50_000,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    retry: RetryPolicy | None = None,
    client: httpx.Client | None = None,
) -> Any:
    """A Kinetica table as a Dask DataFrame indexed by a column, with known divisions.

    Each Dask partition reads one range of ``partition_column`` on a worker
    (``/get/records`` with a filter ``lo <= column < hi``, the last range closed),
    sorted by it. Rows whose ``partition_column`` is null are in no partition.

    Parameters
    ----------
    url, table, columns, where, page_size, username, password, token, retry
        As in :func:`arrowtap.read_kinetica`.
    partition_column : str
        The column to split on and index by: a number, a timestamp, or (with
        ``divisions``) a date, time, datetime or string column.
    npartitions : int, optional
        Split its range (asked of the server: smallest and largest value) into this
        many equal ranges. Numbers and timestamps only.
    divisions : list, optional
        The range bounds yourself, ascending (e.g. pandas Timestamps for a timestamp
        column); ``len(divisions) - 1`` partitions.
    client : httpx.Client, optional
        Used only on the client, to plan; workers make their own.

    Returns
    -------
    dask.dataframe.DataFrame
        The columns of :func:`arrowtap.read_kinetica`, indexed by ``partition_column``.

    Examples
    --------
    >>> from arrowtap.testing.kinetica import FakeKinetica
    >>> with FakeKinetica() as fake:
    ...     _ = fake.create_table("t", [("id", "long"), ("x", "double")])
    ...     fake.insert("t", [{"id": i, "x": i / 4} for i in range(100)])
    ...     ddf = read_kinetica(fake.url, "t", partition_column="id", npartitions=4)
    ...     n = len(ddf.compute())
    >>> ddf.npartitions, ddf.divisions[:2], n
    (4, (0, 24), 100)
    """
    from arrowtap.connectors.kinetica.dask import kinetica_frame  # the kinetica extra, on demand

    return kinetica_frame(
        url,
        table,
        columns,
        where,
        partition_column=partition_column,
        npartitions=npartitions,
        divisions=divisions,
        page_size=page_size,
        username=username,
        password=password,
        token=token,
        retry=retry,
        client=client,
    )
