"""The lease records of a HarperDB checkpoint: one record per checkpoint in ``checkpoint_leases``.

HarperDB has no compare-and-set and no transaction across operations, so a
lease rule (:mod:`~arrowtap.checkpoint._lease_rules`) runs between a
``search_by_id`` of the record and an ``upsert`` of the new one (sent within
0.125 s of the read, else read again), confirmed by the connected peers. Two
claims at the same moment can both pass their read; the upsert of the last one
stays (last write wins, on every node once replicated). So a claimant waits a
moment (0.25 s, or twice its upsert's round trip) and reads the record back: only
the claimant whose record stayed holds the lease, the others get
:class:`~arrowtap.errors.DestinationHeldError` naming it. A claim whose upsert
takes longer than that to land after its read (a process paused between the two)
can still win after an earlier claimant read its own record back: both then
believe they hold the lease, but the fencing check of every commit compares the
stored writer, so only the one whose record stayed commits.

A fenced write (:func:`guarded`) cannot be one conditional operation: HarperDB's
operations API has no compare-and-set and no transaction across tables (an
``upsert`` is atomic over its own records only; ``insert`` skips an existing id
but concurrent inserts of one id can all succeed). So the write leans on the
lease's time instead: it reads the lease record and checks its writer and token
(as before), and also that the lease still has at least :data:`MARGIN` seconds
left, then sends the ``upsert`` of the sections at once (every other request of
the write goes before the check). Another writer takes the lease over only once
it has expired by its own clock, so the sections land under this writer's lease
unless the ``upsert`` takes longer than the time left (at least ``MARGIN``; about
two thirds of the expiry while the renewal thread keeps up) plus the clocks'
skew between the two hosts. A write that did take longer reads the record again
and raises :class:`~arrowtap.errors.CheckpointNotActiveError` if the lease was
lost meanwhile: that write may have landed after the takeover (it is not undone),
and its writer stops there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from arrowtap.checkpoint._harperdb import LEASES
from arrowtap.checkpoint._lease_rules import Decide, LeaseRecord
from arrowtap.errors import CheckpointError, CheckpointNotActiveError

if TYPE_CHECKING:
    from arrowtap.checkpoint.harperdb import HarperDBCheckpoint

__all__ = ["MARGIN", "SETTLE", "apply", "from_row", "guarded", "to_row"]

SETTLE = 0.25
"""Seconds a claimant lets concurrent claims land before reading back which one stayed."""
MARGIN = 2.0
"""Seconds a fenced write needs left on its lease to start (see :func:`guarded`)."""

_ATTEMPTS = 5  # reads of the record before a write that follows its read closely enough
_T = TypeVar("_T")


def to_row(checkpoint_id: str, record: LeaseRecord) -> dict[str, Any]:
    """The HarperDB record of a lease.

    Examples
    --------
    >>> to_row("c1", LeaseRecord(2, None))["token"]
    2
    """
    return {
        "id": checkpoint_id,
        "token": record.token,
        "writer": record.writer,
        "host": record.host,
        "pid": record.pid,
        "since": record.since,
        "expires": record.expires,
    }


def from_row(row: dict[str, Any], where: str) -> LeaseRecord:
    """A lease from its HarperDB record; one not written by arrowtap raises.

    Examples
    --------
    >>> from_row(to_row("c1", LeaseRecord(2, "w", "h", 3, 1.0, 2.0)), "ckpt").writer
    'w'
    """
    try:
        token, pid = row["token"], row["pid"]
        since, expires = float(row["since"]), float(row["expires"])
        writer, host = row.get("writer"), row["host"]
        if not (isinstance(token, int) and isinstance(pid, int) and isinstance(host, str)):
            raise TypeError(row)
        if writer is not None and not isinstance(writer, str):
            raise TypeError(row)
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{where}: the lease record is unreadable: {row!r:.200}") from exc
    return LeaseRecord(token, writer, host, pid, since, expires)


def _read(ckpt: HarperDBCheckpoint) -> LeaseRecord | None:
    rows = ckpt._rows("search_by_id", table=LEASES, ids=[ckpt._id], get_attributes=["*"])
    return from_row(rows[0], ckpt._what) if rows else None


def apply(ckpt: HarperDBCheckpoint, decide: Decide) -> LeaseRecord | None:
    """Read the lease record, store what ``decide`` makes of it; the record stored.

    The write follows its read within ``SETTLE / 2`` (else the record is read and
    decided again): a claim that read a vacant lease must land before an earlier
    claimant reads back. A new holder's record is confirmed by the peers, then
    read back after :data:`SETTLE`: what is returned is the record that stayed,
    maybe another claimant's.
    """
    counted = False
    for attempt in range(_ATTEMPTS):
        read_at = time.monotonic()
        current = _read(ckpt)
        new = decide(current)
        if new is None or new == current:
            return current
        claim = new.writer is not None and (current is None or current.writer != new.writer)
        peers = ckpt._replicas.count(fresh=claim and not counted)
        counted = True
        if time.monotonic() - read_at < SETTLE / 2 or attempt == _ATTEMPTS - 1:
            break
    assert new is not None
    started = time.monotonic()
    ckpt._confirmed("upsert", peers, table=LEASES, records=[to_row(ckpt._id, new)])
    if not claim:
        return new
    time.sleep(max(SETTLE, 2 * (time.monotonic() - started)))
    return _read(ckpt)


def guarded(ckpt: HarperDBCheckpoint, guard: Decide | None, write: Callable[[], _T]) -> _T:
    """Apply ``guard`` to the lease, then ``write`` at once; under a lease, bounded by its time.

    A write under this handle's fence starts only with :data:`MARGIN` seconds or
    more left on the lease; one that took longer than the time left checks the
    lease again afterwards and raises if it was lost (the module's notes say why).
    """
    started = time.monotonic()
    record = apply(ckpt, guard) if guard is not None else None
    fence = ckpt._lease_fence
    if fence is None or record is None or not record.holds(fence):
        return write()  # no lease of its own: an unfenced write, or a lease of no length
    left = record.expires - ckpt._clock()
    if left < MARGIN:
        raise CheckpointNotActiveError(
            f"{ckpt._what}: this writer's lease (fencing token {fence.token}) ends in"
            f" {max(left, 0.0):.1f} s, too soon to commit under it (its renewal is behind);"
            " nothing was written"
        )
    result = write()
    if time.monotonic() - started >= left:
        after = _read(ckpt)
        if after is None or not after.holds(fence):
            raise CheckpointNotActiveError(
                f"{ckpt._what}: this writer's lease (fencing token {fence.token}) ended while"
                " its commit was on the way, and another writer took it over: that commit may"
                " have landed after the takeover. Nothing more is committed by this writer"
            )
    return result
