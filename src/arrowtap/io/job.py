"""A sync job: a destination and a checkpoint, then one run of the runner or a follow loop.

Every ``sync_<source>`` function is its planner handed to :func:`sync_job`. With
``follow``, the plan is made again before each run (a glob finds new channels, an
end of "now" moves on) and runs follow each other every ``every`` seconds until
Ctrl-C or SIGTERM, which stop the run between pages and raise
:class:`~arrowtap.errors.Interrupted` with the summary of every run so far.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from arrowtap import _checks as checks
from arrowtap._redact import redact
from arrowtap.checkpoint import Checkpoint, CheckpointLike
from arrowtap.errors import Interrupted, InvalidArgumentError, InvalidTypeError
from arrowtap.io import offsets
from arrowtap.io.contract import Page, Partition, Plan
from arrowtap.io.inputs import check_checkpoint
from arrowtap.io.sink import ParquetDatasetSink
from arrowtap.io.sync import SyncSummary, sync

__all__ = ["check_follow", "check_sync", "checkpoint_location", "sync_job"]


def checkpoint_location(
    to: str | os.PathLike[str], checkpoint: CheckpointLike | None
) -> CheckpointLike:
    """The checkpoint of a sync into ``to``: as given, or the default file in ``to``.

    Examples
    --------
    >>> str(checkpoint_location("out", None))
    'out/_checkpoint.sqlite'
    """
    return checkpoint if checkpoint is not None else Path(to) / "_checkpoint.sqlite"


def check_follow(follow: object, every: object) -> float:
    """Check ``follow`` and ``every`` at the boundary; the seconds between runs.

    Examples
    --------
    >>> check_follow(True, 5)
    5.0
    """
    checks.flag("follow", follow)
    return checks.seconds("every", every)


def check_sync(
    to: object,
    checkpoint: object,
    on_page: object,
    max_concurrency: object = 1,
    *,
    workers: bool = False,
) -> None:
    """Check what every sync takes: ``to``, ``checkpoint``, ``on_page``, ``max_concurrency``.

    A sync function calls it before its own checks and its first request. With
    ``workers`` (a Dask sync) the checkpoint must be a location each worker opens.

    Examples
    --------
    >>> check_sync("out", None, None, 4)
    >>> check_sync("out", None, "print", 4)
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidTypeError: on_page must be a function of 2 arguments, not str 'print'
    """
    checks.path("to", to)
    if isinstance(to, str) and "://" in to:  # "s3://b/x" would become a local "s3:" directory
        raise InvalidArgumentError(
            f"to must be a local directory; {checks.shown(redact(to))} is a URL, which a sync"
            " does not write to"
        )
    check_checkpoint(checkpoint)
    if workers and isinstance(checkpoint, Checkpoint):
        raise InvalidTypeError(
            "checkpoint of a Dask sync must be a location every worker opens (a path or a"
            f" harperdb+http(s):// URL), not an open {type(checkpoint).__name__}"
        )
    checks.function("on_page", on_page, takes=2)
    checks.positive_int("max_concurrency", max_concurrency, maximum=checks.MAX_CONCURRENCY)


def sync_job(
    make_plan: Callable[[], Plan],
    *,
    to: str | os.PathLike[str],
    checkpoint: CheckpointLike | None,
    follow: bool = False,
    every: float = 10.0,
    max_concurrency: int = 4,
    on_page: Callable[[Partition, Page], None] | None = None,
) -> SyncSummary:
    """Sync the plan ``make_plan`` gives into a Parquet dataset at ``to``, once or following.

    Returns
    -------
    SyncSummary
        Of the one run, or of every run when following (which ends only by a stop).

    Raises
    ------
    Interrupted
        Ctrl-C or SIGTERM; ``.summary`` holds what every run committed.
    """
    pause = check_follow(follow, every)
    check_sync(to, checkpoint, on_page, max_concurrency)
    total = SyncSummary(runs=0)
    try:
        plan = make_plan()
        sink = ParquetDatasetSink(to)
        with offsets.opened(checkpoint_location(to, checkpoint), plan.checkpoint_name) as store:
            while True:
                try:
                    run = sync(plan, sink, store, max_concurrency=max_concurrency, on_page=on_page)
                except Interrupted as exc:
                    done = exc.summary if isinstance(exc.summary, SyncSummary) else None
                    raise Interrupted(total + done if done else total, exc.signal) from None
                total += run
                if not follow:
                    return total
                time.sleep(pause)
                plan = make_plan()
    except Interrupted:
        raise
    except KeyboardInterrupt as exc:  # between runs, or while planning
        signal = getattr(exc, "signal", 2)
        raise Interrupted(total, signal) from None
