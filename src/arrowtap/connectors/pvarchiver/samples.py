"""Public functions for Cassandra PV Archiver samples: find, read, scan, sync."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import httpx
import pandas as pd
import pyarrow as pa

from arrowtap.checkpoint import CheckpointLike, opened
from arrowtap.connectors._http import RetryPolicy, redact
from arrowtap.connectors.pvarchiver.samples_source import ArchiveSamplesSource, SamplesPartition
from arrowtap.connectors.pvarchiver.wire import archive
from arrowtap.errors import InvalidArgumentError
from arrowtap.io.contract import Page, Partition
from arrowtap.io.frames import to_pandas
from arrowtap.io.inputs import TimeLike, to_time_range
from arrowtap.io.sink import ParquetDatasetSink
from arrowtap.io.stream import iter_pages
from arrowtap.io.sync import SyncSummary, sync

__all__ = [
    "find_channels",
    "read_archive_samples",
    "scan_archive_samples",
    "sync_archive_samples",
]

Channels = str | Sequence[str]


def find_channels(
    url: str,
    pattern: str | None = None,
    *,
    regexp: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> list[str]:
    """Names of the archive's channels matching a glob ``pattern`` or a ``regexp``.

    Parameters
    ----------
    url : str
        The archiver, e.g. ``http://archiver:9812``.
    pattern : str, optional
        Glob over the whole name: ``*`` and ``?`` only, case-insensitive.
    regexp : str, optional
        Java regular expression over the whole name, case-sensitive.
    client : httpx.Client, optional
        Your own client (proxies, TLS, transport).
    retry : RetryPolicy, optional
        Retry budget and backoff.

    Returns
    -------
    list of str
        Matching names, sorted as the server sorts them.

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver() as fake:
    ...     names = find_channels(fake.url, "*")
    >>> len(names) > 0
    True
    """
    with archive.open_session(url, client, retry) as session:
        return archive.find_channels(session, pattern=pattern, regexp=regexp)


def _channels(source: ArchiveSamplesSource, channels: Channels) -> list[str]:
    if isinstance(channels, str):
        return archive.find_channels(source.session, pattern=channels)
    if not isinstance(channels, Sequence):
        raise InvalidArgumentError(
            f"channels must be a glob str or a list of names, got {type(channels).__name__}"
        )
    names = list(dict.fromkeys(channels))
    for name in names:
        archive.name_path(name)
    return names


def _plan(
    source: ArchiveSamplesSource,
    channels: Channels,
    start: TimeLike,
    end: TimeLike | None,
    count: int | None,
    include_prior: bool,
) -> list[SamplesPartition]:
    lo, hi = to_time_range(start, end)
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise InvalidArgumentError(f"count must be a positive int or None, got {count!r}")
    names = _channels(source, channels)
    return source.partitions_for(names, lo, hi, count=count, include_prior=include_prior)


def scan_archive_samples(
    url: str,
    channels: Channels,
    start: TimeLike,
    end: TimeLike,
    count: int | None = None,
    *,
    include_prior: bool = False,
    max_concurrency: int = 4,
    page_size: int = 65_536,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pa.RecordBatchReader:
    """Stream archive samples as Arrow record batches, a page at a time.

    Same parameters as :func:`read_archive_samples`; memory stays bounded by
    ``max_concurrency`` channels' pages, whatever the size of the result.

    Returns
    -------
    pyarrow.RecordBatchReader
        Batches of :data:`arrowtap.SAMPLE_SCHEMA`, channel by channel, each in time order.

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver() as fake:
    ...     reader = scan_archive_samples(fake.url, "*", 0, 10**18)
    ...     table = reader.read_all()
    >>> table.schema.field("time").type
    TimestampType(timestamp[ns, tz=UTC])
    """
    source = ArchiveSamplesSource(url, client=client, retry=retry, page_size=page_size)
    try:
        parts = _plan(source, channels, start, end, count, include_prior)
    except BaseException:
        source.close()
        raise

    def batches() -> Iterator[pa.RecordBatch]:
        with source:
            for _, page in iter_pages(source, parts, max_concurrency=max_concurrency):
                yield page.batch

    return pa.RecordBatchReader.from_batches(source.schema, batches())


def read_archive_samples(
    url: str,
    channels: Channels,
    start: TimeLike,
    end: TimeLike,
    count: int | None = None,
    *,
    include_prior: bool = False,
    max_concurrency: int = 4,
    page_size: int = 65_536,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> pd.DataFrame:
    """Read archive samples of channels over a time range into a DataFrame.

    Parameters
    ----------
    url : str
        The archiver, e.g. ``http://archiver:9812``.
    channels : str or list of str
        Channel names, or a glob (``"ring:*"``) resolved on the server.
    start, end : datetime, pandas.Timestamp, str or int
        The range, both ends included: timezone-aware datetimes or Timestamps,
        ISO strings with an offset, or nanoseconds since the epoch.
    count : int, optional
        Ask the server for about this many samples over the range; it picks a
        decimation level (``minMaxDouble`` samples). ``None``: raw samples.
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
    pandas.DataFrame
        One row per sample, the columns of :data:`arrowtap.SAMPLE_SCHEMA`,
        grouped by channel (in the order given, or the server's for a glob),
        in time order within a channel.

    Examples
    --------
    >>> import pandas as pd
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver() as fake:
    ...     df = read_archive_samples(fake.url, "*", pd.Timestamp(0, tz="UTC"), "2100-01-01T00:00Z")
    >>> str(df["time"].dtype)
    'datetime64[ns, UTC]'
    """
    reader = scan_archive_samples(
        url,
        channels,
        start,
        end,
        count,
        include_prior=include_prior,
        max_concurrency=max_concurrency,
        page_size=page_size,
        client=client,
        retry=retry,
    )
    return to_pandas(reader.read_all())


def checkpoint_name(url: str) -> str:
    """The checkpoint table that :func:`sync_archive_samples` keeps for the archiver at ``url``.

    Examples
    --------
    >>> checkpoint_name("http://archiver:9812")
    'pvarchiver-samples:http://archiver:9812/archive-access/api/1.0'
    """
    return f"pvarchiver-samples:{redact(archive.archive_base_url(url))}"


def sync_archive_samples(
    url: str,
    channels: Channels,
    start: TimeLike,
    end: TimeLike | None = None,
    *,
    to: str | os.PathLike[str],
    checkpoint: CheckpointLike | None = None,
    count: int | None = None,
    include_prior: bool = False,
    max_concurrency: int = 4,
    page_size: int = 65_536,
    on_page: Callable[[Partition, Page], None] | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> SyncSummary:
    """Copy new archive samples into a Parquet dataset, exactly once, resumably.

    Each channel's offset (the time of its last sample written) is committed
    to the checkpoint after its page is durable; the next run continues after
    it. ``end=None`` means now, so repeated runs follow a live archive. The
    other parameters are as in :func:`read_archive_samples`.

    Parameters
    ----------
    to : str or os.PathLike
        The dataset directory (one sub-directory per channel).
    checkpoint : Checkpoint, str or os.PathLike, optional
        Where the offsets are kept: an open :class:`~arrowtap.Checkpoint`
        (e.g. a HarperDB one shared by many machines; it is not closed), or a
        location for :func:`~arrowtap.open_checkpoint` (an SQLite file, or a
        ``harperdb+http://`` URL). Default ``<to>/_checkpoint.sqlite``.
    on_page : callable, optional
        Called with ``(partition, page)`` after each commit.

    Returns
    -------
    SyncSummary
        Rows, pages and bytes written per channel in this run, and the time taken.

    Examples
    --------
    >>> import tempfile
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver() as fake:
    ...     summary = sync_archive_samples(fake.url, "*", 0, 2**62, to=tempfile.mkdtemp())
    >>> summary.rows > 0
    True
    """
    target = Path(to)
    source = ArchiveSamplesSource(url, client=client, retry=retry, page_size=page_size)
    with source:
        parts = _plan(source, channels, start, end, count, include_prior)
        sink = ParquetDatasetSink(target)
        location = checkpoint if checkpoint is not None else target / "_checkpoint.sqlite"
        with opened(location, checkpoint_name(url)) as store:
            return sync(
                source, parts, sink, store, max_concurrency=max_concurrency, on_page=on_page
            )
