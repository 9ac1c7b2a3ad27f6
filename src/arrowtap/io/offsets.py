"""The one place where offsets (and every other record of progress) reach a checkpoint.

A partition's *state* is the section of its key::

    {"offset": <resumes after the last page committed>, "seq": <pages committed>,
     "at": <ns since the epoch when it was committed>}

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
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from arrowtap.checkpoint import Checkpoint, CheckpointLike, open_checkpoint
from arrowtap.checkpoint.lease import DEFAULT_EXPIRY, Fence, Lease, adopted
from arrowtap.errors import CheckpointError, InvalidTypeError

__all__ = [
    "PartitionState",
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
    """

    offset: Any = None
    seq: int = 0
    at: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON value stored in the partition's section."""
        return {"offset": self.offset, "seq": self.seq, "at": self.at}

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
            and {"offset", "seq"} <= set(value) <= {"offset", "seq", "at"}
            and isinstance(value["seq"], int)
            and not isinstance(value["seq"], bool)
            and value["seq"] >= 0
            and (value.get("at") is None or isinstance(value["at"], int))
        ):
            return cls(value["offset"], value["seq"], value.get("at"))
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
        {key: PartitionState(s.offset, s.seq, now).to_json() for key, s in states.items()},
        exclusive=True,
    )


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
