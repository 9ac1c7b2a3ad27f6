"""The rules of a checkpoint's lease, without I/O: who may take it, renew it, write under it.

A checkpoint store keeps one lease record per checkpoint (per destination): the
fencing token, which grows with each new holder, and the holder (its random
writer id, host, pid, since, expires), or no holder. Each rule here is a
function of the stored record (``None`` when there is none yet) that returns the
record to store, or ``None`` to store nothing, or raises; a backend runs it
between its read and its write of the record, in one transaction where the store
has them (SQLite), so two writers never both pass it.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, replace

from arrowtap.errors import CheckpointNotActiveError, DestinationHeldError

__all__ = [
    "HOST",
    "Decide",
    "Fence",
    "LeaseRecord",
    "alive",
    "claim",
    "end",
    "exclusive",
    "extend",
    "fenced",
    "vacant",
]

HOST = socket.gethostname()
"""This machine's name, as lease records name their holders' hosts."""


@dataclass(frozen=True)
class Fence:
    """What a writer under a lease shows at each commit: its id and its fencing token.

    Small and picklable: a Dask sync's client holds the lease and hands its fence
    to every task, whose commits are checked against it.
    """

    writer: str
    token: int


@dataclass(frozen=True)
class LeaseRecord:
    """A checkpoint's lease as its store keeps it.

    ``writer`` is ``None`` when nobody holds the lease (released, or never
    taken); ``token`` stays, so that the next holder's is larger. Times are
    seconds since the epoch, by the holder's clock.
    """

    token: int
    writer: str | None
    host: str = ""
    pid: int = 0
    since: float = 0.0
    expires: float = 0.0

    def holds(self, fence: Fence) -> bool:
        """Whether ``fence`` is this record's holder and token.

        Examples
        --------
        >>> LeaseRecord(3, "w").holds(Fence("w", 3)), LeaseRecord(4, "v").holds(Fence("w", 3))
        (True, False)
        """
        return self.writer == fence.writer and self.token == fence.token


Decide = Callable[[LeaseRecord | None], LeaseRecord | None]
"""A rule: the stored record -> the record to store (``None``: store nothing), or raise."""


def alive(pid: int) -> bool:
    """Whether process ``pid`` of this host runs (a zombie does not; unknown counts as alive).

    Examples
    --------
    >>> alive(os.getpid())
    True
    """
    if pid <= 0:
        return True  # os.kill would address a process group: no answer, so assume alive
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process (EPERM): it exists
    try:  # Linux: a process killed but not reaped by its parent yet holds nothing
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[:1] != ["Z"]
    except OSError:
        return True


def vacant(record: LeaseRecord | None, now: float) -> bool:
    """Whether nobody holds the lease: none, released, expired, or its process on this host died.

    Examples
    --------
    >>> vacant(None, 0.0), vacant(LeaseRecord(1, "w", HOST, os.getpid(), 0.0, 10.0), 5.0)
    (True, False)
    """
    if record is None or record.writer is None or record.expires <= now:
        return True
    return record.host == HOST and not alive(record.pid)


def _utc(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def _when(seconds: float) -> str:
    return _utc(seconds).isoformat(timespec="seconds").replace("+00:00", "Z")


def held_error(what: str, record: LeaseRecord) -> DestinationHeldError:
    """The error naming ``record``'s holder of the lease of ``what``."""
    return DestinationHeldError(
        f"{what} is held by another writer: host {record.host} pid {record.pid}, since "
        f"{_when(record.since)}, lease until {_when(record.expires)}. One sync at a time "
        "writes a destination: wait for it (wait=SECONDS, --wait SECONDS) or stop it",
        host=record.host,
        pid=record.pid,
        since=_utc(record.since),
        expires=_utc(record.expires),
    )


def _stale(what: str, fence: Fence, record: LeaseRecord | None) -> CheckpointNotActiveError:
    if record is None or record.writer is None:
        now = "nobody holds it now"
    else:
        now = f"host {record.host} pid {record.pid} holds it (token {record.token})"
    return CheckpointNotActiveError(
        f"{what}: this writer lost its lease (fencing token {fence.token}); {now}. "
        "Nothing more is committed by it; a new run resumes from the committed offsets"
    )


def claim(what: str, claimant: LeaseRecord, now: float) -> Decide:
    """Take the lease for ``claimant`` (token: the stored one + 1) if it is vacant.

    Examples
    --------
    >>> me = LeaseRecord(0, "me", "h", 1, 0.0, 30.0)
    >>> claim("ckpt", me, 0.0)(LeaseRecord(7, None))
    LeaseRecord(token=8, writer='me', host='h', pid=1, since=0.0, expires=30.0)
    """

    def decide(current: LeaseRecord | None) -> LeaseRecord | None:
        if current is not None and current.writer == claimant.writer:
            return replace(current, expires=claimant.expires)
        if current is not None and not vacant(current, now):
            raise held_error(what, current)
        return replace(claimant, token=(current.token if current is not None else 0) + 1)

    return decide


def extend(what: str, fence: Fence, expires: float) -> Decide:
    """Renew the lease of ``fence`` until ``expires``; a lost lease raises."""

    def decide(current: LeaseRecord | None) -> LeaseRecord | None:
        if current is None or not current.holds(fence):
            raise _stale(what, fence, current)
        return replace(current, expires=expires)

    return decide


def end(fence: Fence, now: float) -> Decide:
    """Release the lease of ``fence`` (the token stays); nothing if it was lost already."""

    def decide(current: LeaseRecord | None) -> LeaseRecord | None:
        if current is None or not current.holds(fence):
            return None
        return replace(current, writer=None, expires=now)

    return decide


def fenced(what: str, fence: Fence) -> Decide:
    """A write under the lease of ``fence``: refused once another writer has taken it over."""

    def decide(current: LeaseRecord | None) -> LeaseRecord | None:
        if current is None or not current.holds(fence):
            raise _stale(what, fence, current)
        return None

    return decide


def exclusive(what: str, now: float) -> Decide:
    """A write without a lease of its own: a lease of no length, taken and given with the write.

    Refused while another writer holds the lease; an expired holder is fenced off
    (the token grows), so it cannot commit over this write later.
    """

    def decide(current: LeaseRecord | None) -> LeaseRecord | None:
        if current is None or current.writer is None:
            return None
        if not vacant(current, now):
            raise held_error(what, current)
        return replace(current, token=current.token + 1, writer=None, expires=now)

    return decide
