"""Public functions for Cassandra PV Archiver samples: find, read, scan, sync."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import httpx
import pandas as pd
import pyarrow as pa

from arrowtap import _checks as checks
from arrowtap.checkpoint import CheckpointLike
from arrowtap.connectors._http import RetryPolicy, redact
from arrowtap.connectors.pvarchiver.channel_names import Channels, check_channels, names_of
from arrowtap.connectors.pvarchiver.samples_source import ArchiveSamplesSource
from arrowtap.connectors.pvarchiver.wire import archive
from arrowtap.connectors.pvarchiver.wire.schema import SAMPLE_SCHEMA
from arrowtap.io import reading
from arrowtap.io.contract import Plan, project
from arrowtap.io.inputs import (
    TimeLike,
    TimeUnit,
    check_checkpoint,
    check_http,
    to_time_range,
)
from arrowtap.io.reading import Increment

__all__ = [
    "Channels",
    "check_samples",
    "plan_archive_samples",
    "read_archive_samples",
    "scan_archive_samples",
]


def check_samples(
    url: object,
    channels: object,
    start: object,
    end: object,
    count: object,
    *,
    unit: object = None,
    columns: object,
    include_prior: object,
    page_size: object,
    client: object,
    retry: object,
) -> tuple[int, int]:
    """Check the arguments of a samples read, before any request; the time range in ns.

    Examples
    --------
    >>> check_samples("http://archiver:9812", ["root:ai1"], 0, 10, None, unit="ns",
    ...               columns=None, include_prior=False, page_size=100, client=None, retry=None)
    (0, 10)
    """
    system = archive.SYSTEM
    checks.url("url", url, system=system)
    check_channels(channels)
    lo, hi = to_time_range(start, end, unit)  # type: ignore[arg-type]
    checks.optional(checks.positive_int, "count", count, system=system)
    project(SAMPLE_SCHEMA, columns)  # type: ignore[arg-type]
    checks.flag("include_prior", include_prior, system=system)
    checks.positive_int("page_size", page_size, system=system)
    check_http(client, retry, system=system)
    return lo, hi


def checkpoint_name(url: str) -> str:
    """The checkpoint that keeps the offsets of the samples of the archiver at ``url``.

    Examples
    --------
    >>> checkpoint_name("http://archiver:9812")
    'pvarchiver-samples:http://archiver:9812/archive-access/api/1.0'
    """
    return f"pvarchiver-samples:{redact(archive.archive_base_url(url))}"


def plan_archive_samples(
    url: str,
    channels: Channels,
    start: TimeLike,
    end: TimeLike | None = None,
    count: int | None = None,
    *,
    unit: TimeUnit | None = None,
    columns: Sequence[str] | None = None,
    include_prior: bool = False,
    page_size: int = 65_536,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Plan:
    """The plan of a samples read: one partition per channel (a glob is resolved now).

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver() as fake:
    ...     plan = plan_archive_samples(fake.url, ["root:ai1"], 0, 10, unit="ns")
    >>> [part.key for part in plan.partitions]
    ['root:ai1']
    """
    lo, hi = check_samples(
        url, channels, start, end, count, unit=unit, columns=columns,
        include_prior=include_prior, page_size=page_size, client=client, retry=retry,
    )  # fmt: skip
    source = ArchiveSamplesSource(url, client=client, retry=retry, page_size=page_size)
    try:
        names = names_of(source, channels)
        parts = source.partitions_for(names, lo, hi, count=count, include_prior=include_prior)
        return Plan(source, parts, checkpoint_name(url), columns=columns)
    finally:
        source.close()  # reopened by whoever reads the plan


def _check_reading(checkpoint: object, max_concurrency: object) -> None:
    # Before planning, which resolves a glob on the server.
    check_checkpoint(checkpoint)
    checks.positive_int("max_concurrency", max_concurrency, maximum=checks.MAX_CONCURRENCY)


@overload
def scan_archive_samples(
    url: str,
    channels: Channels,
    start: TimeLike,
    end: TimeLike | None = None,
    count: int | None = None,
    *,
    unit: TimeUnit | None = None,
    columns: Sequence[str] | None = None,
    checkpoint: None = None,
    include_prior: bool = False,
    max_concurrency: int = 4,
    page_size: int = 65_536,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pa.RecordBatchReader: ...


@overload
def scan_archive_samples(
    url: str,
    channels: Channels,
    start: TimeLike,
    end: TimeLike | None = None,
    count: int | None = None,
    *,
    unit: TimeUnit | None = None,
    columns: Sequence[str] | None = None,
    checkpoint: CheckpointLike,
    include_prior: bool = False,
    max_concurrency: int = 4,
    page_size: int = 65_536,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Increment[pa.RecordBatchReader]: ...


def scan_archive_samples(
    url: str,
    channels: Channels,
    start: TimeLike,
    end: TimeLike | None = None,
    count: int | None = None,
    *,
    unit: TimeUnit | None = None,
    columns: Sequence[str] | None = None,
    checkpoint: CheckpointLike | None = None,
    include_prior: bool = False,
    max_concurrency: int = 4,
    page_size: int = 65_536,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Any:
    """Stream archive samples as Arrow record batches, a page at a time.

    Same parameters as :func:`read_archive_samples`; memory stays bounded by
    ``max_concurrency`` channels' pages, whatever the size of the result.

    Returns
    -------
    pyarrow.RecordBatchReader or Increment
        Batches of :data:`arrowtap.SAMPLE_SCHEMA` (or ``columns``), channel by
        channel, each in time order; with a ``checkpoint``, an
        :class:`~arrowtap.Increment` whose ``commit()`` records what was taken.

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver() as fake:
    ...     reader = scan_archive_samples(fake.url, "*", 0, 10**18, unit="ns")
    ...     table = reader.read_all()
    >>> table.schema.field("time").type
    TimestampType(timestamp[ns, tz=UTC])
    """
    _check_reading(checkpoint, max_concurrency)
    plan = plan_archive_samples(
        url,
        channels,
        start,
        end,
        count,
        unit=unit,
        columns=columns,
        include_prior=include_prior,
        page_size=page_size,
        client=client,
        retry=retry,
    )
    return reading.scan(plan, checkpoint=checkpoint, max_concurrency=max_concurrency)


@overload
def read_archive_samples(
    url: str,
    channels: Channels,
    start: TimeLike,
    end: TimeLike | None = None,
    count: int | None = None,
    *,
    unit: TimeUnit | None = None,
    columns: Sequence[str] | None = None,
    checkpoint: None = None,
    include_prior: bool = False,
    max_concurrency: int = 4,
    page_size: int = 65_536,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame: ...


@overload
def read_archive_samples(
    url: str,
    channels: Channels,
    start: TimeLike,
    end: TimeLike | None = None,
    count: int | None = None,
    *,
    unit: TimeUnit | None = None,
    columns: Sequence[str] | None = None,
    checkpoint: CheckpointLike,
    include_prior: bool = False,
    max_concurrency: int = 4,
    page_size: int = 65_536,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Increment[pd.DataFrame]: ...


def read_archive_samples(
    url: str,
    channels: Channels,
    start: TimeLike,
    end: TimeLike | None = None,
    count: int | None = None,
    *,
    unit: TimeUnit | None = None,
    columns: Sequence[str] | None = None,
    checkpoint: CheckpointLike | None = None,
    include_prior: bool = False,
    max_concurrency: int = 4,
    page_size: int = 65_536,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Any:
    """Read archive samples of channels over a time range into a DataFrame.

    Parameters
    ----------
    url : str
        The archiver, e.g. ``http://archiver:9812``.
    channels : str or list of str
        Channel names, or a glob (``"ring:*"``) resolved on the server.
    start, end : datetime, pandas.Timestamp, str or int
        The range, both ends included: timezone-aware datetimes or Timestamps,
        ISO strings with an offset, or integer counts since the epoch in
        ``unit``. ``end=None``: now.
    unit : {"s", "ms", "us", "ns"}, optional
        The unit of integer ``start`` and ``end``, which need one (as
        ``pandas.to_datetime``): ``1714521600`` alone is refused, not taken as ns.
    count : int, optional
        Ask the server for about this many samples over the range; it picks a
        decimation level (``minMaxDouble`` samples). ``None``: raw samples.
    columns : list of str, optional
        Only these columns of :data:`arrowtap.SAMPLE_SCHEMA`, in this order.
    checkpoint : Checkpoint, str or os.PathLike, optional
        Read incrementally: each channel from after the last sample recorded in
        this checkpoint (an SQLite file, a ``harperdb+http://`` URL or an open
        :class:`~arrowtap.Checkpoint`). The result is then an
        :class:`~arrowtap.Increment`: commit it once the frame is stored.
    include_prior : bool
        Also return the latest sample before ``start`` (the value in force at
        ``start``), which the server sends anyway. Default False.
    max_concurrency : int
        Channels requested at once.
    page_size : int
        Samples decoded per page.
    client : httpx.Client, optional
        Your own client; arrowtap does not close it.
    retry : RetryPolicy, optional
        Retry budget and backoff.

    Returns
    -------
    pandas.DataFrame or Increment
        One row per sample, the columns of :data:`arrowtap.SAMPLE_SCHEMA`,
        grouped by channel (in the order given, or the server's for a glob),
        in time order within a channel: the lossless ones and ``value``, the
        sample's one number (float64; null for waveforms, enums and strings),
        which :func:`arrowtap.pivot_samples` spreads one column per channel.

    Examples
    --------
    >>> import pandas as pd
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver() as fake:
    ...     df = read_archive_samples(fake.url, "*", pd.Timestamp(0, tz="UTC"), "2100-01-01T00:00Z")
    >>> str(df["time"].dtype)
    'datetime64[ns, UTC]'
    """
    _check_reading(checkpoint, max_concurrency)
    plan = plan_archive_samples(
        url,
        channels,
        start,
        end,
        count,
        unit=unit,
        columns=columns,
        include_prior=include_prior,
        page_size=page_size,
        client=client,
        retry=retry,
    )
    return reading.read(plan, checkpoint=checkpoint, max_concurrency=max_concurrency)
