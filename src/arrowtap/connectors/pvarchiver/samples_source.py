"""Archive samples as a source: one partition per channel and time window.

The server answers one channel and one window per request, with no paging:
the body is streamed and decoded a page at a time, so memory is bounded by a
page. The offset of a page is the time (ns) of its last sample; samples have
strictly increasing times per channel, so resuming means asking again from
that time and dropping what is not after it.

Which samples a window delivers: those with ``start <= time <= end`` (``<
end`` for a window whose end is open, as the Dask reader uses), plus, when
``include_prior`` is set and nothing was read yet, the latest sample before
``start``, which the server sends anyway. The sample the server adds after
``end`` is never delivered: the next window starts there.

Raw reads stream in server order. Decimated reads (``count``) are small by
design and can arrive out of time order (the coarser-level fallback), so they
are collected, sorted by time, then paged; resuming a decimated read asks for
the whole window again, so the server picks the same decimation level.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import httpx
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from arrowtap.connectors._gzip import iter_body
from arrowtap.connectors._http import (
    HttpSession,
    RetryPolicy,
    check_json_content_type,
    redact,
    redacted_repr,
)
from arrowtap.connectors.pvarchiver.values import with_value
from arrowtap.connectors.pvarchiver.wire.archive import ARCHIVE, SYSTEM, name_path, open_session
from arrowtap.connectors.pvarchiver.wire.decode import SampleDecoder
from arrowtap.connectors.pvarchiver.wire.schema import SAMPLE_SCHEMA
from arrowtap.errors import (
    ChannelNotFoundError,
    DecodeError,
    InvalidArgumentError,
    NotFoundError,
)
from arrowtap.io.contract import Offset, Page, Partition

__all__ = ["ArchiveSamplesSource", "SamplesPartition"]


@dataclass(frozen=True)
class SamplesPartition(Partition):
    """One channel over one time window (ns since the epoch, UTC)."""

    channel: str = ""
    start: int = 0
    end: int = 0
    end_open: bool = False
    count: int | None = None
    include_prior: bool = False


@dataclass(repr=False)
class ArchiveSamplesSource:
    """Samples of archive channels, page by page, under :data:`SAMPLE_SCHEMA`.

    Parameters
    ----------
    url : str
        The archiver's archive-access URL (``http://host:9812`` is enough).
    client : httpx.Client, optional
        The caller's own client; by default one is created per source.
    retry : RetryPolicy, optional
        Retry budget and backoff.
    page_size : int
        Samples per page at most.
    """

    url: str
    client: httpx.Client | None = None
    retry: RetryPolicy | None = None
    page_size: int = 65_536
    _session: HttpSession | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    __repr__ = redacted_repr  # the URL without its credentials

    def __post_init__(self) -> None:
        if self.page_size < 1:
            raise InvalidArgumentError(f"{SYSTEM}: page_size must be >= 1, got {self.page_size}")

    @property
    def schema(self) -> pa.Schema:
        """The declared schema, :data:`SAMPLE_SCHEMA`."""
        return SAMPLE_SCHEMA

    partition_column = "channel"
    """The column its partitions are cut by: a destination may partition by it too."""
    merge_key = ("channel", "time")
    """A sample's identity: a destination in merge mode keeps one row per key."""

    @property
    def session(self) -> HttpSession:
        """The HTTP session, opened on first use (sources travel unopened)."""
        with self._lock:
            if self._session is None:
                self._session = open_session(self.url, self.client, self.retry)
            return self._session

    def close(self) -> None:
        """Close the HTTP session if one was opened."""
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None

    def __enter__(self) -> ArchiveSamplesSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getstate__(self) -> dict[str, object]:
        # Partitions and sources travel to Dask workers without live clients.
        return {"url": self.url, "retry": self.retry, "page_size": self.page_size}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def partitions_for(
        self,
        channels: Sequence[str],
        start: int,
        end: int,
        *,
        count: int | None = None,
        include_prior: bool = False,
    ) -> list[SamplesPartition]:
        """One partition per channel over ``[start, end]``; the key is the channel."""
        return [
            SamplesPartition(
                key=name,
                channel=name,
                start=start,
                end=end,
                count=count,
                include_prior=include_prior,
            )
            for name in channels
        ]

    def read(self, partition: Partition, offset: Offset | None = None) -> Iterator[Page]:
        """Pages of ``partition`` after ``offset`` (the time of the last sample read)."""
        if not isinstance(partition, SamplesPartition):
            raise InvalidArgumentError(f"{SYSTEM}: not a samples partition: {partition!r}")
        if offset is not None and not isinstance(offset, int):
            raise InvalidArgumentError(f"{SYSTEM}: offset must be a time in ns, got {offset!r}")
        name_path(partition.channel)
        if offset is not None and offset >= partition.end:
            return iter(())
        retry = self.session.retry
        return retry.resume(
            lambda at: self._attempt(partition, at), offset, lambda page: page.offset
        )

    def _attempt(self, part: SamplesPartition, offset: int | None) -> Iterator[Page]:
        if part.count is None:
            start = part.start if offset is None else offset
            for batch in self._stream(part, start):
                page = _window(batch, part, offset)
                if page is not None:
                    yield page
                    offset = page.offset
            return
        batches = list(self._stream(part, part.start))
        table = pa.Table.from_batches(batches, schema=SAMPLE_SCHEMA)
        table = table.take(pc.sort_indices(table, [("time", "ascending")]))
        for batch in table.combine_chunks().to_batches(max_chunksize=self.page_size):
            page = _window(batch, part, offset)
            if page is not None:
                yield page
                offset = page.offset

    def _stream(self, part: SamplesPartition, start: int) -> Iterator[pa.RecordBatch]:
        params: dict[str, int] = {"start": start, "end": part.end}
        if part.count is not None:
            params["count"] = part.count
        path = f"{ARCHIVE}/samples/{name_path(part.channel)}"
        what = f"samples of channel {part.channel!r}"
        decoder = SampleDecoder(part.channel, page_size=self.page_size)
        try:
            with self.session.open(path, params, what) as response:
                check_json_content_type(SYSTEM, what, response)
                try:
                    # Chunks as they come: re-chunking them costs more than the decoder
                    # needs, which takes any chunk size and keeps no consumed bytes.
                    for chunk in iter_body(response):
                        for batch in decoder.feed(chunk):
                            yield with_value(batch)
                    last = decoder.finish()
                except DecodeError as exc:
                    raise DecodeError(f"{exc}; body from {redact(response.request.url)}") from exc
        except NotFoundError as exc:
            raise ChannelNotFoundError(
                f"{SYSTEM}: no channel {part.channel!r} in the archive",
                status=exc.status,
                url=exc.url,
            ) from exc
        if last is not None:
            yield with_value(last)


def _window(batch: pa.RecordBatch, part: SamplesPartition, offset: int | None) -> Page | None:
    """Keep the rows of ``batch`` the partition delivers after ``offset``."""
    if batch.num_rows == 0:
        return None
    # The times as int64 ns, without a copy (the column has no nulls).
    times = batch.column("time").to_numpy().view(np.int64)
    # Nearly every page lies inside the window: its bounds tell, and the page is kept
    # as it is. A filter would copy every column of it (the most costly step of a read).
    first, last = int(times.min()), int(times.max())
    inside = last < part.end if part.end_open else last <= part.end
    if offset is not None:
        inside = inside and first > offset
    elif not part.include_prior:  # else the one sample the server adds before start is wanted
        inside = inside and first >= part.start
    if inside:
        return Page(batch, int(times[-1]))
    keep = times < part.end if part.end_open else times <= part.end
    if offset is not None:
        keep &= times > offset
    elif not part.include_prior:
        keep &= times >= part.start
    rows = np.flatnonzero(keep)
    if rows.size == 0:
        return None
    if rows[-1] - rows[0] + 1 == rows.size:  # one run (the samples ascend): no copy
        kept = batch.slice(int(rows[0]), int(rows.size))
    else:
        kept = batch.filter(pa.array(keep))
    return Page(kept, int(times[rows[-1]]))
