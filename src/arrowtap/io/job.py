"""A sync job: a destination and a checkpoint, then one run of the runner or a follow loop.

Every ``sync_<source>`` function is its planner handed to :func:`sync_job`. With
``follow``, the plan is made again before each run (a glob finds new channels, an
end of "now" moves on) and runs follow each other every ``every`` seconds until
Ctrl-C or SIGTERM, which stop the run between pages and raise
:class:`~arrowtap.errors.Interrupted` with the summary of every run so far.
"""

from __future__ import annotations

import contextlib
import functools
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from arrowtap import _checks as checks
from arrowtap._redact import redact
from arrowtap.checkpoint import Checkpoint, CheckpointLike
from arrowtap.checkpoint.lease import check_fence, fence_of
from arrowtap.errors import Interrupted, InvalidArgumentError, InvalidTypeError, SinkError
from arrowtap.io import offsets
from arrowtap.io.checkpoint_home import default_checkpoint, move_legacy_checkpoint
from arrowtap.io.contract import Page, Partition, Plan
from arrowtap.io.delta import DeltaDestination, DeltaSink, delta_sink_of
from arrowtap.io.destination import CheckpointedSink, Destination
from arrowtap.io.drift import check_contract
from arrowtap.io.inputs import check_checkpoint
from arrowtap.io.object_sink import check_url, dataset_sink, remote
from arrowtap.io.sink import ParquetDatasetSink, partition_column_of
from arrowtap.io.sync import SyncSummary, sync

__all__ = [
    "SyncTarget",
    "check_follow",
    "check_sync",
    "checkpoint_location",
    "prepare",
    "sync_job",
]

SyncTarget = str | os.PathLike[str] | DeltaSink
"""What ``to=`` of a sync takes: a Parquet dataset directory or ``s3://bucket/prefix``,
or a Delta table (``"delta:PATH"`` or a :class:`~arrowtap.io.delta.DeltaSink`)."""


def checkpoint_location(
    to: str | os.PathLike[str] | DeltaSink, checkpoint: CheckpointLike | None
) -> CheckpointLike:
    """The checkpoint of a sync into ``to``: as given, or the default file beside ``to``.

    The default is ``<parent of to>/<name of to>.checkpoint.sqlite``, outside the
    dataset, which other engines then read as it is. A dataset that still keeps
    its checkpoint inside (``<to>.checkpoint.sqlite``) has it moved there, once
    (:mod:`arrowtap.io.checkpoint_home`).

    For a Delta table (whose offsets are in the table) it holds the sync's lease
    (one writer at a time) and what else a source records (a monitor's server-side
    objects, a Dask sync's ranges). A table in object storage has no directory
    beside it: its checkpoint must be given.

    Examples
    --------
    >>> checkpoint_location("/data/out", None)
    PosixPath('/data/out.checkpoint.sqlite')
    >>> checkpoint_location("out", None) == Path.cwd() / "out.checkpoint.sqlite"
    True
    """
    delta = delta_sink_of(to)
    to = delta.path if delta is not None else to
    assert not isinstance(to, DeltaSink)
    if checkpoint is not None:
        return checkpoint
    if delta is not None and delta.remote:
        raise _no_home(delta.path)
    if remote(to):
        raise _no_home(str(to))
    target = default_checkpoint(to)
    move_legacy_checkpoint(to, target)
    return target


def _no_home(remote: str) -> InvalidArgumentError:
    return InvalidArgumentError(
        f"checkpoint: a destination in object storage ({redact(remote)}) has no directory"
        " beside it for the sync's lease (one writer at a time): pass checkpoint= (a"
        " harperdb+http(s):// URL, or a path every writer sees)"
    )


def prepare(to: SyncTarget) -> None:
    """Create the destination's directory (the parent of its default checkpoint too).

    Examples
    --------
    >>> import tempfile, os
    >>> root = tempfile.mkdtemp()
    >>> prepare(f"delta:{root}/t"); prepare(f"{root}/p")
    >>> sorted(os.listdir(root))
    ['p', 't']
    """
    delta = delta_sink_of(to)
    if delta is None:
        assert not isinstance(to, DeltaSink)
        if not remote(to):  # object storage has no directories to make
            ParquetDatasetSink(to)
        return
    if delta.remote:
        return  # object storage has no directories to make
    try:
        Path(delta.path).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SinkError(f"delta sink: cannot create {delta.path!r}: {exc}") from exc


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
    wait: object = None,
    schema_contract: object = "evolve",
) -> None:
    """Check what every sync takes: ``to``, ``checkpoint``, ``on_page``, ``max_concurrency``.

    And ``wait``: seconds to wait for another sync holding the destination's lease.

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
    checks.optional(checks.seconds, "wait", wait)
    check_contract(schema_contract)
    delta = delta_sink_of(to)
    if delta is None and remote(to):
        check_url(to)  # a Parquet dataset in object storage
    elif delta is None:
        checks.path("to", to)
    check_checkpoint(checkpoint)
    if checkpoint is None and (remote(to) or (delta is not None and delta.remote)):
        raise _no_home(delta.path if delta is not None else str(to))
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
    to: str | os.PathLike[str] | DeltaSink,
    checkpoint: CheckpointLike | None,
    follow: bool = False,
    every: float = 10.0,
    max_concurrency: int = 4,
    on_page: Callable[[Partition, Page], None] | None = None,
    wait: float | None = None,
    schema_contract: str = "evolve",
) -> SyncSummary:
    """Sync the plan ``make_plan`` gives into ``to``, once or following.

    The job holds its checkpoint's lease from the first run to the last (one writer
    at a time); ``wait`` is how long to wait for another holder (``None``: fail at
    once with :class:`~arrowtap.errors.DestinationHeldError`).

    ``to`` is a Parquet dataset directory or ``s3://bucket/prefix`` (its offsets in
    ``checkpoint``, which a dataset in object storage needs given), or a Delta table
    (``"delta:PATH"`` or a :class:`~arrowtap.io.delta.DeltaSink`), which keeps its
    offsets itself and its lease in ``checkpoint`` (by default beside a local table).

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
    check_sync(to, checkpoint, on_page, max_concurrency, wait=wait, schema_contract=schema_contract)
    total = SyncSummary(runs=0)
    try:
        plan = make_plan()
        with _destinations(to, checkpoint, plan, wait) as destination:
            while True:
                try:
                    run = sync(
                        plan, destination(plan), max_concurrency=max_concurrency,
                        on_page=on_page, schema_contract=schema_contract,
                    )  # fmt: skip
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


@contextlib.contextmanager
def _destinations(
    to: str | os.PathLike[str] | DeltaSink,
    checkpoint: CheckpointLike | None,
    plan: Plan,
    wait: float | None = None,
) -> Iterator[Callable[[Plan], Destination]]:
    """What each run of a job writes to: a Delta table, or the dataset and its checkpoint."""
    delta = delta_sink_of(to)
    if delta is not None:  # the offsets are in the table; the lease is in the checkpoint
        prepare(delta)
        location = checkpoint_location(delta, checkpoint)
        with offsets.opened(location, plan.checkpoint_name, lease=True, wait=wait) as store:
            guard = functools.partial(check_fence, store)
            yield lambda run_plan: DeltaDestination(delta, run_plan, guard=guard)
        return
    assert not isinstance(to, DeltaSink)
    prepare(to)
    location = checkpoint_location(to, checkpoint)
    with offsets.opened(location, plan.checkpoint_name, lease=True, wait=wait) as store:
        fence = fence_of(store)
        column = partition_column_of(plan)
        sink = dataset_sink(to, partition_column=column, token=fence.token if fence else 0)
        yield lambda run_plan: CheckpointedSink(sink, store)
