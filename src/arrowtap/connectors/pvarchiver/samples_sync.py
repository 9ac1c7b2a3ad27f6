"""Copy archive samples into a dataset, exactly once, resumably, once or following."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import httpx

from arrowtap.checkpoint import CheckpointLike
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.pvarchiver.samples import Channels, plan_archive_samples
from arrowtap.io import job
from arrowtap.io.contract import Page, Partition, Plan
from arrowtap.io.inputs import TimeLike, TimeUnit
from arrowtap.io.sync import SyncSummary

__all__ = ["sync_archive_samples"]


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
    follow: bool = False,
    every: float = 10.0,
    max_concurrency: int = 4,
    page_size: int = 65_536,
    on_page: Callable[[Partition, Page], None] | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> SyncSummary:
    """Copy new archive samples into a Parquet dataset, exactly once, resumably.

    Each channel's offset (the time of its last sample written) is committed
    to the checkpoint after its page is durable; the next run continues after
    it. ``end=None`` means now, so repeated runs (or ``follow=True``) follow a
    live archive. The other parameters are as in :func:`read_archive_samples`
    (an integer ``start`` or ``end`` needs its ``unit``). A ``start`` earlier
    than a channel's committed offset does not read the samples before it again:
    the run resumes from the offset and warns
    (:class:`~arrowtap.errors.CheckpointAheadWarning`); ``arrowtap state rewind``
    moves the offset back.

    Parameters
    ----------
    to : str, os.PathLike or DeltaSink
        The dataset directory (one sub-directory per channel).
    checkpoint : Checkpoint, str or os.PathLike, optional
        Where the offsets are kept: an open :class:`~arrowtap.Checkpoint`
        (e.g. a HarperDB one shared by many machines; it is not closed), or a
        location for :func:`~arrowtap.open_checkpoint` (an SQLite file, or a
        ``harperdb+http://`` URL). Default ``<to>.checkpoint.sqlite``.
    wait : float, optional
        Seconds to wait while another sync holds the destination (the lease of
        its checkpoint); ``None`` or ``0`` fails at once with
        :class:`~arrowtap.errors.DestinationHeldError` naming the holder.
    schema_contract : {"evolve", "freeze", "discard_value", "discard_row"}
        What a change of the source's columns does to the destination (see
        :mod:`arrowtap.io.drift`): a new column added (default), refused with
        :class:`~arrowtap.errors.SchemaDriftError` before anything is written, or its
        values or rows dropped; the summary reports every change found.
    follow : bool
        Keep syncing what is new, a run every ``every`` seconds, until stopped
        (Ctrl-C: :class:`~arrowtap.errors.Interrupted` carries the summary).
        A glob is resolved again at each run, so new channels join.
    every : float
        Seconds between the runs of ``follow``.
    on_page : callable, optional
        Called with ``(partition, page)`` after each commit.

    Returns
    -------
    SyncSummary
        Rows, pages and bytes written per channel, and the time taken.

    Examples
    --------
    >>> import tempfile
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver() as fake:
    ...     out = tempfile.mkdtemp()
    ...     summary = sync_archive_samples(fake.url, "*", 0, 2**62, unit="ns", to=out)
    >>> summary.rows > 0
    True
    """

    def plan() -> Plan:
        return plan_archive_samples(
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

    return job.sync_job(
        plan,
        to=to,
        checkpoint=checkpoint,
        follow=follow,
        every=every,
        max_concurrency=max_concurrency,
        on_page=on_page,
        wait=wait,
        schema_contract=schema_contract,
    )
