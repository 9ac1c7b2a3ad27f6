"""Plans to Dask, written once: reads with ``dd.from_map``, syncs as one task per group.

A Dask read partition reads a group of the plan's partitions (for the archive: every
channel over one time window) on a worker, with its own connections, one partition
after the other: Dask runs as many tasks at once as the workers have threads, so a
task that started threads of its own would compete with the other tasks for the
same cores, and one worker would already take the cores meant for the others.
``meta`` comes
from the declared schema, so an empty partition has the same dtypes as a full one;
the planner passes ``divisions`` when the groups are index ranges.

A Dask sync task syncs a group of partitions with the same runner as
``sync_<source>``: each page is made durable, then its offset committed to the
checkpoint the workers share (a file they all see, or HarperDB). A task whose
worker dies is run again elsewhere and resumes from the commits; a graph run again
after its client died re-reads only what was not committed. A task that Dask
cancels (its client went away) stops at its next page.

One writer at a time: the client holds the checkpoint's lease while the graph runs
and hands its fence to every task, whose commits are checked against it. If the
client dies, the lease expires (at once on the client's host) and a later run takes
over; a task of the dead client then fails to commit.
"""

from __future__ import annotations

import copy
import functools
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from arrowtap.checkpoint.lease import Fence, check_fence, fence_of
from arrowtap.errors import InvalidTypeError
from arrowtap.io import offsets
from arrowtap.io.contract import Partition, Plan
from arrowtap.io.delta import DeltaDestination, DeltaSink, delta_sink_of
from arrowtap.io.frames import empty_frame, read_pandas, to_pandas
from arrowtap.io.inputs import check_checkpoint
from arrowtap.io.job import checkpoint_location, prepare
from arrowtap.io.object_sink import dataset_sink
from arrowtap.io.sink import partition_column_of
from arrowtap.io.stream import scan
from arrowtap.io.sync import PartitionSummary, SyncSummary, sync

__all__ = ["from_plan", "sync_groups"]


def _dask() -> Any:
    try:
        import dask.dataframe  # binds dask too; the dataframe part must be installed
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "arrowtap's Dask functions need Dask: pip install 'arrowtap[dask]'"
        ) from exc
    return dask


def _subplan(plan: Plan, group: Sequence[Partition]) -> Plan:
    # A copy per call: Dask runs calls in parallel threads, and sources travel
    # without live clients, so each copy opens and closes its own. A task reads in
    # its worker's thread alone (see the source contract's ``in_one_thread``).
    source = copy.copy(plan.source)
    in_one_thread = getattr(source, "in_one_thread", None)
    if in_one_thread is not None:
        source = in_one_thread()
    return Plan(source, list(group), plan.checkpoint_name, plan.snapshot, plan.columns)


class ReadGroup:
    """Read one group of partitions into a pandas frame (runs on a Dask worker).

    A group that reads no rows gives ``meta`` (default: the schema's empty frame):
    an empty partition has the dtypes of the graph's ``meta``, categories included.
    Its partitions are read one at a time (the module's text says why).
    """

    def __init__(
        self,
        plan: Plan,
        index: str | None,
        sort_by: Sequence[str],
        meta: pd.DataFrame | None = None,
    ) -> None:
        self.plan = plan
        self.index = index
        self.sort_by = list(sort_by)
        self.meta = empty_frame(plan.schema, index=index) if meta is None else meta

    def __call__(self, group: Sequence[Partition]) -> pd.DataFrame:
        """Read ``group``, sorted by ``sort_by``, indexed by ``index``."""
        stream = scan(_subplan(self.plan, group), max_concurrency=1)
        batches = list(stream)
        if not sum(batch.num_rows for batch in batches):
            return self.meta.copy()
        if self.sort_by and not _sorted(batches, self.sort_by):
            table = pa.Table.from_batches(batches, stream.schema)
            del batches
            table = table.take(pc.sort_indices(table, [(c, "ascending") for c in self.sort_by]))
            return to_pandas(table, index=self.index)
        # In order already: each page converted as it goes, its Arrow memory freed.
        return read_pandas(
            pa.RecordBatchReader.from_batches(stream.schema, _taken(batches)), self.index
        )


def _sorted(batches: list[pa.RecordBatch], by: Sequence[str]) -> bool:
    """Whether the rows of ``batches`` ascend in the single column ``by`` (no nulls).

    A source may deliver rows in that order already (a range of a key the server
    sorts): a check in one pass, without a copy, then spares a sort and a copy of
    every column.
    """
    if len(by) != 1:
        return False
    last = None
    for batch in batches:
        column = batch.column(by[0])
        if not len(column):
            continue
        if pa.types.is_timestamp(column.type):
            column = column.view(pa.int64())
        if column.null_count or not pa.types.is_integer(column.type):
            return False
        values = column.to_numpy()  # its own type: a uint64 past int64's range compares right
        if (last is not None and values[0] < last) or (values[1:] < values[:-1]).any():
            return False
        last = values[-1]
    return True


def _taken(batches: list[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The batches, each dropped from the list as it is handed on.

    Its memory then belongs to the consumer alone, which may free it.
    """
    batches.reverse()
    while batches:
        yield batches.pop()


def from_plan(
    plan: Plan,
    groups: Sequence[Sequence[Partition]],
    *,
    index: str | None = None,
    sort_by: Sequence[str] = (),
    divisions: Sequence[Any] | None = None,
) -> Any:
    """A Dask DataFrame with one partition per group of the plan's partitions.

    Parameters
    ----------
    plan : Plan
        Its source is picklable; each worker opens its own connections.
    groups : sequence of sequences of Partition
        What each Dask partition reads.
    index : str, optional
        Column to make the index.
    sort_by : sequence of str
        Columns each Dask partition is sorted by.
    divisions : sequence, optional
        Known index boundaries, ``len(groups) + 1`` of them.

    Returns
    -------
    dask.dataframe.DataFrame
    """
    dd = _dask().dataframe
    # No column of meta or of a partition is ``object`` or ``str`` (see
    # :mod:`arrowtap.io.frames`), so Dask's string conversion, when its config turns
    # it on, changes nothing: the dtypes are pandas' under either setting.
    meta = empty_frame(plan.schema, index=index)
    return dd.from_map(
        ReadGroup(plan, index, sort_by, meta),
        [list(g) for g in groups],
        meta=meta,
        divisions=tuple(divisions) if divisions is not None else None,
        label="arrowtap-read",
        enforce_metadata=False,
    )


@dataclass
class SyncGroup:
    """Sync one group of partitions into the dataset (runs on a Dask worker)."""

    plan: Plan
    to: str | DeltaSink
    checkpoint: str
    max_concurrency: int
    fence: Fence | None = None
    schema_contract: str = "evolve"  # the client's lease: commits fail once it is lost

    def __call__(self, group: Sequence[Partition]) -> list[PartitionSummary]:
        """Sync ``group``; its pages durable, then their offsets committed."""
        stop = threading.Event()
        watch = _CancelWatch(stop)
        try:
            delta = delta_sink_of(self.to)
            if delta is not None:  # the offsets are in the table; the checkpoint has the lease
                part = _subplan(self.plan, group)
                name = self.plan.checkpoint_name
                with offsets.opened(self.checkpoint, name, fence=self.fence) as store:
                    guard = functools.partial(check_fence, store)
                    done = sync(
                        part, DeltaDestination(delta, part, guard=guard),
                        max_concurrency=self.max_concurrency, stop=stop,
                        schema_contract=self.schema_contract,
                    )  # fmt: skip
                return done.partitions
            assert not isinstance(self.to, DeltaSink)
            name = self.plan.checkpoint_name
            with offsets.opened(self.checkpoint, name, fence=self.fence) as store:
                summary = sync(
                    _subplan(self.plan, group),
                    dataset_sink(
                        self.to,
                        partition_column=partition_column_of(self.plan),
                        token=self.fence.token if self.fence is not None else 0,
                    ),
                    store,
                    max_concurrency=self.max_concurrency,
                    stop=stop,
                    schema_contract=self.schema_contract,
                )
        finally:
            watch.close()
        return summary.partitions


class _CancelWatch:
    """Set ``stop`` when Dask cancels the running task (its client went away)."""

    def __init__(self, stop: threading.Event) -> None:
        self.done = threading.Event()
        self.thread: threading.Thread | None = None
        try:
            from distributed import get_worker
            from distributed.worker import thread_state  # type: ignore[attr-defined]

            worker, key = get_worker(), thread_state.key
        except (ImportError, ValueError, AttributeError):
            return  # not on a distributed worker: nothing cancels a local task

        def watch() -> None:
            while not self.done.wait(0.2):
                task = worker.state.tasks.get(key)
                if task is None or task.state == "cancelled":
                    stop.set()
                    return

        self.thread = threading.Thread(target=watch, name="arrowtap-cancel-watch", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.done.set()
        if self.thread is not None:
            self.thread.join()


def sync_groups(
    plan: Plan,
    groups: Sequence[Sequence[Partition]],
    *,
    to: str | os.PathLike[str] | DeltaSink,
    checkpoint: object,
    max_concurrency: int = 4,
    wait: float | None = None,
    schema_contract: str = "evolve",
) -> SyncSummary:
    """Sync a plan as one Dask task per group of partitions; compute it; the summary.

    ``checkpoint`` must be reachable from every worker: an SQLite file on a file
    system they share, or a ``harperdb+http(s)://`` URL. The client holds its
    lease while the graph runs (``wait``: seconds to wait for another holder).
    """
    delta = delta_sink_of(to)
    if delta is not None:
        checkpoint = checkpoint_location(delta, check_checkpoint(checkpoint))  # the lease's
    if not isinstance(checkpoint, str | os.PathLike):
        raise InvalidTypeError(
            "a Dask sync needs a checkpoint every worker can open (a path or a "
            f"harperdb+http(s):// URL), not {type(checkpoint).__name__}"
        )
    if delta is None and not isinstance(to, str | os.PathLike):
        raise InvalidTypeError(f"to must be a directory path, got {to!r}")
    dask = _dask()
    began = time.perf_counter()
    prepare(to)  # a local directory exists before any task opens a file in it
    location = os.fspath(checkpoint)
    with offsets.opened(location, plan.checkpoint_name, lease=True, wait=wait) as store:
        fence = fence_of(store)
        if delta is not None:  # the table exists before any task commits to it
            DeltaDestination(delta, plan).load("")
        into = delta if delta is not None else os.fspath(to)  # type: ignore[arg-type]
        task = SyncGroup(plan, into, location, max_concurrency, fence, schema_contract)
        delayed = [dask.delayed(task, pure=False)(list(g)) for g in groups if g]
        results = dask.compute(*delayed)
    partitions = [summary for result in results for summary in result]
    return SyncSummary(partitions, time.perf_counter() - began)
