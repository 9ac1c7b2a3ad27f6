"""A sync job: a destination and a checkpoint, then one run of the runner or a follow loop.

Every ``sync_<source>`` function is its planner handed to :func:`sync_job`. With
``follow``, the plan is made again before each run (a glob finds new channels, an
end of "now" moves on) and runs follow each other every ``every`` seconds until
Ctrl-C or SIGTERM, which stop the run between pages and raise
:class:`~arrowtap.errors.Interrupted` with the summary of every run so far.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from pathlib import Path

from arrowtap.checkpoint import CheckpointLike
from arrowtap.errors import Interrupted, InvalidArgumentError, InvalidTypeError
from arrowtap.io import offsets
from arrowtap.io.contract import Page, Partition, Plan
from arrowtap.io.sink import ParquetDatasetSink
from arrowtap.io.sync import SyncSummary, sync

__all__ = ["check_follow", "checkpoint_location", "sync_job"]


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
    if not isinstance(follow, bool):
        raise InvalidTypeError(f"follow must be a bool, got {follow!r}")
    if isinstance(every, bool) or not isinstance(every, int | float):
        raise InvalidTypeError(f"every must be seconds (a number), got {every!r}")
    if not math.isfinite(every) or every < 0:
        raise InvalidArgumentError(f"every must be finite seconds >= 0, got {every!r}")
    return float(every)


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
    if not isinstance(to, str | os.PathLike):
        raise InvalidTypeError(f"to must be a directory path, got {to!r}")
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
