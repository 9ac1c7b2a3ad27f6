"""Archive samples on Dask: a read split by time windows, a sync split by channels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import httpx
import pandas as pd

from arrowtap import _checks as checks
from arrowtap.checkpoint import CheckpointLike
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.pvarchiver.samples import Channels, check_samples, plan_archive_samples
from arrowtap.connectors.pvarchiver.samples_source import ArchiveSamplesSource, SamplesPartition
from arrowtap.io import job
from arrowtap.io.dask import from_plan, sync_groups
from arrowtap.io.delta import delta_sink_of
from arrowtap.io.inputs import TimeLike, TimeUnit
from arrowtap.io.sync import SyncSummary

__all__ = ["read_archive_samples", "sync_archive_samples"]


def _npartitions(npartitions: object) -> int:
    return checks.positive_int("npartitions", npartitions, maximum=checks.MAX_PARTITIONS)


def read_archive_samples(
    url: str,
    channels: Channels,
    start: TimeLike,
    end: TimeLike | None = None,
    count: int | None = None,
    *,
    unit: TimeUnit | None = None,
    columns: Sequence[str] | None = None,
    npartitions: int = 8,
    page_size: int = 65_536,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Any:
    """Archive samples as a Dask DataFrame indexed by ``time``, with known divisions.

    The range is cut into ``npartitions`` equal time windows; each Dask
    partition reads every channel over its window (``[lo, hi)``, the last one
    ``[lo, end]``) on a worker and sorts it by time, then channel. Channels
    given as a glob are resolved once, on the client.

    Parameters
    ----------
    url, channels, start, end, count, unit, columns, page_size, retry
        As in :func:`arrowtap.read_archive_samples`. With ``count``, each
        window asks for its share of ``count``, so the server picks about
        the same decimation level for every window. ``time`` is the index whether
        ``columns`` names it or not.
    npartitions : int
        Number of time windows.
    client : httpx.Client, optional
        Used only to resolve a glob on the client; workers make their own.

    Returns
    -------
    dask.dataframe.DataFrame
        Columns of :data:`arrowtap.SAMPLE_SCHEMA` (or ``columns``) but ``time``, the index.

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver() as fake:
    ...     ddf = read_archive_samples(fake.url, "*", 0, 10**18, unit="ns", npartitions=2)
    ...     n = len(ddf.compute())
    >>> ddf.known_divisions
    True
    """
    n = _npartitions(npartitions)
    check_samples(
        url, channels, start, end, count, unit=unit, columns=columns, include_prior=False,
        page_size=page_size, client=client, retry=retry,
    )  # fmt: skip
    if columns is not None and "time" not in columns:
        columns = ["time", *columns]  # the index, whether named or not
    plan = plan_archive_samples(
        url, channels, start, end, count, unit=unit, columns=columns, page_size=page_size,
        client=client, retry=retry,
    )  # fmt: skip
    parts: list[SamplesPartition] = plan.partitions  # type: ignore[assignment]
    lo, hi = (parts[0].start, parts[0].end) if parts else (0, 1)
    n = max(1, min(n, hi - lo)) if hi > lo else 1
    bounds = [lo + (hi - lo) * i // n for i in range(n)] + [hi]
    groups = []
    for i in range(n):
        w0, w1 = bounds[i], bounds[i + 1]
        share = None if count is None else max(1, -(-count * (w1 - w0) // max(hi - lo, 1)))
        groups.append(
            [
                replace(
                    p, key=f"{p.channel}@{w0}", start=w0, end=w1, end_open=i < n - 1, count=share
                )
                for p in parts
            ]
        )
    plan.source = ArchiveSamplesSource(url, retry=retry, page_size=page_size)  # no user client
    divisions = [pd.Timestamp(b, tz="UTC") for b in bounds]
    return from_plan(plan, groups, index="time", sort_by=("time", "channel"), divisions=divisions)


def sync_archive_samples(
    url: str,
    channels: Channels,
    start: TimeLike,
    end: TimeLike | None = None,
    *,
    to: job.SyncTarget,
    unit: TimeUnit | None = None,
    checkpoint: CheckpointLike | None = None,
    wait: float | None = None,
    schema_contract: str = "evolve",
    columns: Sequence[str] | None = None,
    count: int | None = None,
    include_prior: bool = False,
    npartitions: int = 8,
    max_concurrency: int = 1,
    page_size: int = 65_536,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> SyncSummary:
    """Sync archive samples into a Parquet dataset with Dask: the channels split among tasks.

    Each task syncs its channels as :func:`arrowtap.sync_archive_samples` does:
    a page is made durable, then the channel's offset is committed to the
    checkpoint every worker shares. Run it again after a worker or the client
    died: only what was not committed is read again. The graph is computed on
    the current Dask scheduler (a ``distributed.Client`` if one is active).

    Parameters
    ----------
    url, channels, start, end, to, unit, columns, count, include_prior, page_size, retry
        As in :func:`arrowtap.sync_archive_samples`.
    checkpoint : str or os.PathLike, optional
        An SQLite file on a file system every worker shares, or a
        ``harperdb+http(s)://`` URL; default ``<to>.checkpoint.sqlite``.
    wait : float, optional
        Seconds to wait while another sync holds the destination (the lease of
        its checkpoint); ``None`` or ``0`` fails at once with
        :class:`~arrowtap.errors.DestinationHeldError` naming the holder.
    schema_contract : {"evolve", "freeze", "discard_value", "discard_row"}
        What a change of the source's columns does to the destination (see
        :mod:`arrowtap.io.drift`): a new column added (default), refused with
        :class:`~arrowtap.errors.SchemaDriftError` before anything is written, or its
        values or rows dropped; the summary reports every change found.
    npartitions : int
        Tasks; the channels are dealt among them.
    max_concurrency : int
        Channels a task syncs at once.
    client : httpx.Client, optional
        Used only to resolve a glob on the client; workers make their own.

    Returns
    -------
    SyncSummary
        What every task committed.

    Examples
    --------
    >>> import tempfile
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver() as fake:
    ...     summary = sync_archive_samples(fake.url, "*", 0, 2**62, unit="ns",
    ...                                    to=tempfile.mkdtemp(), npartitions=2)
    >>> summary.rows > 0
    True
    """
    n = _npartitions(npartitions)
    job.check_sync(
        to,
        checkpoint,
        None,
        max_concurrency,
        workers=True,
        wait=wait,
        schema_contract=schema_contract,
    )
    # A Delta table keeps the offsets: no checkpoint to locate.
    location = None if delta_sink_of(to) is not None else job.checkpoint_location(to, checkpoint)
    plan = plan_archive_samples(
        url, channels, start, end, count, unit=unit, columns=columns,
        include_prior=include_prior, page_size=page_size, client=client, retry=retry,
    )  # fmt: skip
    plan.source = ArchiveSamplesSource(url, retry=retry, page_size=page_size)  # no user client
    groups = [plan.partitions[i::n] for i in range(n)]
    return sync_groups(
        plan,
        groups,
        to=to,
        checkpoint=location,
        max_concurrency=max_concurrency,
        wait=wait,
        schema_contract=schema_contract,
    )
