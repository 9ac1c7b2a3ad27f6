"""Reads of a plan, whole or streamed, and incremental ones that the caller commits.

Without a checkpoint, :func:`read` is a frame and :func:`scan` a stream. With one,
both start each partition after the offset it holds and return an
:class:`Increment`: the data, and the commit that records it as delivered. Nothing
is committed before the caller says the data is stored (``commit()``, or the end of
a ``with`` block that raised nothing), so a notebook that dies before it saves a
frame reads the same rows again.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from dataclasses import replace
from types import TracebackType
from typing import Any, Generic, TypeVar

import pandas as pd

from arrowtap.checkpoint import CheckpointLike
from arrowtap.io import offsets as ledger
from arrowtap.io.contract import Offset, Page, Partition, Plan
from arrowtap.io.frames import read_pandas
from arrowtap.io.stream import scan as stream

__all__ = ["Increment", "read", "scan"]

T = TypeVar("T")


class Increment(Generic[T]):
    """Data read after the offsets of a checkpoint, and the commit that records its delivery.

    Use it as a context manager (the data is the ``as`` target; a block that
    raises nothing commits) or call :meth:`commit` yourself once the data is stored.
    A stream commits what was taken from it so far.

    Attributes
    ----------
    data : pandas.DataFrame or pyarrow.RecordBatchReader
        What was read.

    Examples
    --------
    >>> import tempfile
    >>> import arrowtap
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> ckpt = tempfile.mkdtemp() + "/offsets.db"
    >>> with FakeArchiver() as fake:
    ...     with arrowtap.read_archive_samples(fake.url, "root:ai1", 0, 2**62, unit="ns",
    ...                                        checkpoint=ckpt) as df:
    ...         n = len(df)  # store the frame here; the block's end commits
    ...     again = arrowtap.read_archive_samples(fake.url, "root:ai1", 0, 2**62, unit="ns",
    ...                                           checkpoint=ckpt)
    >>> n > 0, len(again.data)
    (True, 0)
    """

    def __init__(
        self,
        data: T,
        checkpoint: CheckpointLike,
        name: str,
        committed: Mapping[str, ledger.PartitionState],
    ) -> None:
        self.data = data
        self._checkpoint = checkpoint
        self._name = name
        self._committed = dict(committed)
        self._delivered: dict[str, ledger.PartitionState] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Increment({type(self.data).__name__}, pending={len(self.pending)} partitions)"

    def deliver(self, part: Partition, page: Page) -> None:
        """Note that ``page`` of ``part`` was handed to the caller (not yet committed)."""
        with self._lock:
            before = self._delivered.get(part.key) or self._committed[part.key]
            self._delivered[part.key] = replace(before, offset=page.offset, seq=before.seq + 1)

    @property
    def pending(self) -> dict[str, Offset]:
        """The offsets delivered but not committed, per partition key."""
        with self._lock:
            return {key: state.offset for key, state in self._delivered.items()}

    def commit(self) -> None:
        """Record everything delivered so far as stored: the next read starts after it.

        The commit takes the checkpoint's lease for its one write: while a sync holds
        it, :class:`~arrowtap.errors.DestinationHeldError` names that sync and nothing
        is recorded (commit again later; the data stays delivered but pending).
        """
        with self._lock:
            states = dict(self._delivered)
        if not states:
            return
        with ledger.opened(self._checkpoint, self._name) as store:
            ledger.commit(store, states)
        with self._lock:
            self._committed.update(states)
            for key, state in states.items():
                if self._delivered.get(key) is state:
                    del self._delivered[key]

    def __enter__(self) -> T:
        return self.data

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()


def _committed(plan: Plan, checkpoint: CheckpointLike) -> dict[str, ledger.PartitionState]:
    with ledger.opened(checkpoint, plan.checkpoint_name) as store:
        loaded = {part.key: ledger.load(store, part.key) for part in plan.partitions}
    return {part.key: ledger.begun(part, loaded[part.key]) for part in plan.partitions}


def scan(
    plan: Plan,
    *,
    checkpoint: CheckpointLike | None = None,
    max_concurrency: int = 4,
) -> Any:
    """The plan's pages as a stream; with a checkpoint, an :class:`Increment` of one.

    Returns
    -------
    pyarrow.RecordBatchReader or Increment
    """
    if checkpoint is None:
        return stream(plan, max_concurrency=max_concurrency)
    committed = _committed(plan, checkpoint)
    offsets = {key: state.offset for key, state in committed.items()}
    increment: Increment[Any] = Increment(None, checkpoint, plan.checkpoint_name, committed)
    # The stream reaches the increment through a weak reference: a strong one would close
    # a cycle (increment -> reader -> generator -> increment) through the C++ reader, which
    # the garbage collector cannot see, and an abandoned stream would never stop its reading
    # threads nor close its source.
    alive = weakref.ref(increment)

    def deliver(part: Partition, page: Page) -> None:
        owner = alive()
        if owner is not None:
            owner.deliver(part, page)

    increment.data = stream(plan, offsets=offsets, max_concurrency=max_concurrency, on_page=deliver)
    return increment


def read(
    plan: Plan,
    *,
    checkpoint: CheckpointLike | None = None,
    max_concurrency: int = 4,
    index: str | None = None,
) -> Any:
    """The plan read whole into a frame; with a checkpoint, an :class:`Increment` of one.

    Returns
    -------
    pandas.DataFrame or Increment
    """
    scanned = scan(plan, checkpoint=checkpoint, max_concurrency=max_concurrency)
    if checkpoint is None:
        frame: pd.DataFrame = read_pandas(scanned, index=index)
        return frame
    scanned.data = read_pandas(scanned.data, index=index)
    return scanned
