"""The one place where offsets (and every other record of progress) reach a checkpoint.

A partition's *state* is the section of its key::

    {"offset": <resumes after the last page committed>, "seq": <pages committed>,
     "at": <ns since the epoch when it was committed>, "start": <where reads began>}

``offset`` is the source's own JSON-able value (a time, a key, a snapshot stamp);
``seq`` numbers the pages a sink has made durable, so that a resumed sync cuts and
numbers its pages as an uninterrupted one would. A sync runner commits a state only
after its sink has made the page durable; an incremental read commits it only when
the user says the data is stored (:class:`Increment`). Connectors never write to a
checkpoint: what they need to keep besides offsets (the ids of server-side objects to
clear after a crash, a listing's baseline) goes through :func:`record` here too.

One writer at a time (:mod:`arrowtap.checkpoint.lease`): a sync opens its checkpoint
with ``lease=True`` (:func:`opened`) and holds the checkpoint's lease while it runs,
so every :func:`commit` of it checks its fencing token in the same transaction as
the write. A commit through a handle without a lease (an incremental read's) takes
a lease of no length with its write: it fails with
:class:`~arrowtap.errors.DestinationHeldError` while a sync holds the checkpoint.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from arrowtap.checkpoint import Checkpoint, CheckpointLike, open_checkpoint
from arrowtap.checkpoint.lease import DEFAULT_EXPIRY, Fence, Lease, adopted
from arrowtap.errors import CheckpointAheadWarning, CheckpointError, InvalidTypeError

__all__ = [
    "PartitionState",
    "begun",
    "commit",
    "forget",
    "load",
    "opened",
    "record",
]


@dataclass(frozen=True)
class PartitionState:
    """What a checkpoint holds for one partition.

    Parameters
    ----------
    offset : object
        The source's offset after the last page committed (``None``: nothing yet).
    seq : int
        How many pages of the partition a sink has made durable.
    at : int or None
        When the state was committed (ns since the epoch, UTC).
    start : int or None
        Where the partition's first read began (a partition's ``start``, e.g. the
        archive's start time in ns), kept to tell a later, earlier ``start``
        that it reads nothing before it (:func:`begun`); ``None``: not known.
    """

    offset: Any = None
    seq: int = 0
    at: int | None = None
    start: int | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The JSON value stored in the partition's section."""
        value = {"offset": self.offset, "seq": self.seq, "at": self.at}
        return value if self.start is None else {**value, "start": self.start}

    @classmethod
    def from_json(cls, key: str, value: object) -> PartitionState:
        """Read a stored section back, or raise :class:`CheckpointError` naming ``key``.

        Examples
        --------
        >>> PartitionState.from_json("k", {"offset": 5, "seq": 2, "at": 1})
        PartitionState(offset=5, seq=2, at=1)
        """
        if (
            isinstance(value, dict)
            and {"offset", "seq"} <= set(value) <= {"offset", "seq", "at", "start"}
            and isinstance(value["seq"], int)
            and not isinstance(value["seq"], bool)
            and value["seq"] >= 0
            and (value.get("at") is None or isinstance(value["at"], int))
            and (value.get("start") is None or isinstance(value["start"], int))
        ):
            return cls(value["offset"], value["seq"], value.get("at"), value.get("start"))
        raise CheckpointError(
            f"checkpoint section {key!r} does not hold a partition state "
            "({'offset': ..., 'seq': n, 'at': ns}); was it written by another program?"
        )


def load(store: Checkpoint, key: str) -> PartitionState:
    """The committed state of partition ``key`` (an empty one if it has none).

    Examples
    --------
    >>> import tempfile
    >>> with open_checkpoint(tempfile.mkdtemp() + "/o.db", "job") as store:
    ...     commit(store, {"a": PartitionState(10, 1)})
    ...     load(store, "a").offset, load(store, "b")
    (10, PartitionState(offset=None, seq=0, at=None))
    """
    value = store.read_json(key)
    return PartitionState() if value is None else PartitionState.from_json(key, value)


def commit(store: Checkpoint, states: Mapping[str, PartitionState]) -> None:
    """Commit the states of some partitions in one atomic write, stamped with the time now.

    Under the lease ``store`` holds (or adopted), checked in the write's transaction;
    without one, only while no other writer holds the checkpoint's lease.
    """
    if not states:
        return
    now = time.time_ns()
    store.write_json(
        {key: replace(s, at=now).to_json() for key, s in states.items()},
        exclusive=True,
    )


def begun(part: object, state: PartitionState) -> PartitionState:
    """``state`` knowing where the partition's reads began: its ``start`` on a first read.

    A partition with an integer ``start`` (a time) that resumes from a committed
    offset reads nothing before the start of its first read; a ``start`` earlier
    than that is said (:class:`~arrowtap.errors.CheckpointAheadWarning`), not
    ignored in silence.

    Examples
    --------
    >>> from arrowtap.io.contract import Partition
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Window(Partition):
    ...     start: int = 0
    >>> begun(Window("ch", start=5), PartitionState()).start
    5
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     begun(Window("ch", start=0), PartitionState(2 * 10**18, 1, start=10**18)).start
    1000000000000000000
    >>> print(seen[0].message)  # doctest: +ELLIPSIS
    ch: start 1970-01-01T00:00:00+00:00 is before 2001-09-09T01:46:40+00:00, where ...
    """
    start = getattr(part, "start", None)
    if not isinstance(start, int) or isinstance(start, bool):
        return state
    if state.offset is None:
        return replace(state, start=start)
    if state.start is not None and start < state.start:
        key = getattr(part, "key", "?")
        warnings.warn(
            f"{key}: start {_shown(start)} is before {_shown(state.start)}, where the "
            f"checkpoint's reads of it began: resuming after its offset, nothing before "
            f"{_shown(state.start)} is read. To read it, rewind the partition "
            f"(arrowtap state rewind --partition {key!r} --pages 0 ...) or reset it "
            "(arrowtap state reset), or sync into a new destination",
            CheckpointAheadWarning,
            stacklevel=2,
        )
    return state


def _shown(ns: int) -> str:
    """An offset in ns as an ISO time (to the microsecond: it is for a message)."""
    try:
        return dt.datetime.fromtimestamp(ns / 1e9, tz=dt.UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return str(ns)


def record(store: Checkpoint, sections: Mapping[str, object]) -> None:
    """Write a connector's bookkeeping sections (not partition states), atomically.

    Examples
    --------
    >>> import tempfile
    >>> with open_checkpoint(tempfile.mkdtemp() + "/o.db", "job") as store:
    ...     record(store, {"k#monitors": ["m1"]})
    ...     store.read_json("k#monitors")
    ['m1']
    """
    if sections:
        store.write_json(dict(sections))


def forget(store: Checkpoint, keys: list[str]) -> None:
    """Delete sections (partition states or bookkeeping), e.g. to start a partition afresh."""
    for key in keys:
        store.delete(key)


@contextlib.contextmanager
def opened(
    checkpoint: CheckpointLike,
    name: str,
    *,
    lease: bool = False,
    wait: float | None = None,
    fence: Fence | None = None,
    expiry: float = DEFAULT_EXPIRY,
) -> Iterator[Checkpoint]:
    """The checkpoint as given (its owner closes it), or ``name`` opened at a location.

    Parameters
    ----------
    checkpoint : Checkpoint, str or os.PathLike
        An open checkpoint, or where to open one.
    name : str
        The checkpoint's name at a location.
    lease : bool
        Hold the checkpoint's lease in the block (a sync): one writer at a time,
        renewed every ``expiry / 3`` seconds, released at the end.
    wait : float, optional
        Seconds to wait for another holder of the lease (``None``: fail at once).
    fence : Fence, optional
        A lease held elsewhere (a Dask sync's client): writes are checked against it.
    expiry : float
        Seconds the lease lasts unless renewed.

    Examples
    --------
    >>> import tempfile
    >>> with opened(tempfile.mkdtemp() + "/o.db", "job", lease=True) as store:
    ...     store.name
    'job'
    """
    with _opened(checkpoint, name) as store:
        if lease:
            with Lease(store, expiry=expiry, wait=wait):
                yield store
        elif fence is not None:
            with adopted(store, fence):
                yield store
        else:
            yield store


@contextlib.contextmanager
def _opened(checkpoint: CheckpointLike, name: str) -> Iterator[Checkpoint]:
    if isinstance(checkpoint, Checkpoint):
        yield checkpoint
        return
    if not isinstance(checkpoint, str | os.PathLike):
        raise InvalidTypeError(
            "checkpoint must be a Checkpoint, a path or a harperdb+http(s):// URL, "
            f"not {type(checkpoint).__name__}"
        )
    store = open_checkpoint(checkpoint, name)
    try:
        yield store
    finally:
        store.close()
