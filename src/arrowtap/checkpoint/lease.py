"""One writer at a time: a lease on a checkpoint's partitions, with a fencing token.

A sync takes exclusive ownership of its destination before it writes: the lease
of its checkpoint (one per checkpoint name, kept in the checkpoint store itself,
so it holds between processes of one machine with SQLite and between machines
with HarperDB). The store keeps a lease record per checkpoint: the holder (a
random writer id, host, pid, since, expires) and a **fencing token**, a number
that grows with each new holder.

- **Acquire**: the holder's record is stored only if the lease is vacant (never
  taken, released, expired, or its holder's process on this host is gone),
  otherwise :class:`~arrowtap.errors.DestinationHeldError` names the holder, at
  once or after ``wait`` seconds of trying again.
- **Renew**: a background thread extends ``expires`` every ``expiry / 3`` seconds.
- **Fencing**: while a handle holds a lease, each of its writes checks, in the
  same transaction as the write, that the stored writer and token are still its
  own; a writer that lost its lease (paused past ``expiry``, then taken over)
  gets :class:`~arrowtap.errors.CheckpointNotActiveError` and commits nothing.
- **Release**: at the end of the ``with`` block, a stop or an error included; a
  holder that died is taken over once its lease expires (at once on its own host),
  and the new holder resumes from the committed offsets.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Self

from arrowtap import _checks as checks
from arrowtap.checkpoint import _lease_rules as rules
from arrowtap.checkpoint._lease_rules import Fence, LeaseRecord
from arrowtap.errors import ArrowtapError, CheckpointNotActiveError, DestinationHeldError

if TYPE_CHECKING:
    from arrowtap.checkpoint.api import Checkpoint

__all__ = [
    "DEFAULT_EXPIRY",
    "Fence",
    "Lease",
    "LeaseRecord",
    "adopted",
    "check_fence",
    "fence_of",
    "holder",
]

DEFAULT_EXPIRY = 30.0
"""Seconds a lease lasts unless renewed; its holder renews it every third of that."""

_log = logging.getLogger(__name__)


class Lease:
    """Exclusive ownership of a checkpoint's partitions while the ``with`` block runs.

    Parameters
    ----------
    store : Checkpoint
        The open checkpoint; its writes are fenced while the lease is held.
    expiry : float
        Seconds the lease lasts unless renewed (a dead holder's lease ends then).
    wait : float, optional
        Seconds to keep trying while another writer holds the lease; ``None``
        or ``0`` fails at once with :class:`~arrowtap.errors.DestinationHeldError`.
    renew : bool
        Renew in a background thread every ``expiry / 3`` seconds; ``False``
        leaves :meth:`renew` to the caller (tests, single commits).

    Examples
    --------
    >>> import tempfile
    >>> from arrowtap.checkpoint import open_checkpoint
    >>> from arrowtap.errors import DestinationHeldError
    >>> path = tempfile.mkdtemp() + "/o.db"
    >>> with open_checkpoint(path, "job") as store, Lease(store) as lease:
    ...     store.write("k", b"1")  # fenced: refused once another writer took over
    ...     with open_checkpoint(path, "job") as other:
    ...         try:
    ...             Lease(other).acquire()
    ...         except DestinationHeldError as exc:
    ...             print("held by pid", exc.pid == os.getpid())
    held by pid True
    """

    def __init__(
        self,
        store: Checkpoint,
        *,
        expiry: float = DEFAULT_EXPIRY,
        wait: float | None = None,
        renew: bool = True,
    ) -> None:
        self.store = store
        self.expiry = checks.seconds("expiry", expiry, positive=True)
        self.wait = checks.optional(checks.seconds, "wait", wait) or 0.0
        self.renews = checks.flag("renew", renew)
        self.writer = uuid.uuid4().hex
        self.fence: Fence | None = None
        self.lost: CheckpointNotActiveError | None = None
        self._outer: Lease | None = None  # the lease this handle held already (nested use)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def acquire(self) -> Fence:
        """Take the lease (trying for up to ``wait`` seconds); the fence of this holder."""
        store = self.store
        outer = store._lease
        if outer is not None and outer.fence is not None:  # this handle holds it: share it
            store._swap_lease(rules.fenced(store._what, outer.fence))  # raises if it was lost
            self._outer, self.fence = outer, outer.fence
            return outer.fence
        deadline = time.monotonic() + self.wait
        pause = 0.05
        while True:
            try:
                self.fence = self._claim()
                break
            except DestinationHeldError:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise
                time.sleep(min(pause, left))
                pause = min(2 * pause, 1.0, self.expiry / 10)
        store._lease_fence, store._lease = self.fence, self
        if self.renews:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._renewing, name="arrowtap-lease", daemon=True
            )
            self._thread.start()
        return self.fence

    def _claim(self) -> Fence:
        now = self.store._clock()
        me = LeaseRecord(0, self.writer, rules.HOST, os.getpid(), now, now + self.expiry)
        stored = self.store._swap_lease(rules.claim(self.store._what, me, now))
        if stored is None or stored.writer is None:
            raise rules.held_error(self.store._what, stored or me)  # pragma: no cover
        if stored.writer != self.writer:  # another claim stayed (HarperDB: last write wins)
            raise rules.held_error(self.store._what, stored)
        return Fence(stored.writer, stored.token)

    def renew(self) -> None:
        """Extend the lease by ``expiry`` from now; raises if another writer took it over."""
        if self.fence is None:
            raise CheckpointNotActiveError(f"{self.store._what}: no lease held to renew")
        until = self.store._clock() + self.expiry
        self.store._swap_lease(rules.extend(self.store._what, self.fence, until))

    def _renewing(self) -> None:
        every = pause = self.expiry / 3
        while not self._stop.wait(pause):
            try:
                self.renew()
                pause = every
            except CheckpointNotActiveError as exc:
                self.lost = exc
                _log.warning("%s", exc)
                return
            except ArrowtapError as exc:  # the store unreachable for a moment: sooner again
                if self.store._closed:
                    return
                _log.warning("%s: lease renewal failed, trying again: %s", self.store._what, exc)
                pause = every / 4

    def release(self) -> None:
        """Give the lease back (the token stays, so the next holder's grows); idempotent."""
        fence, self.fence = self.fence, None
        if fence is None or self._outer is not None:
            self._outer = None
            return
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        self._thread = None
        store = self.store
        if store._lease is self:
            store._lease_fence, store._lease = None, None
        # A release that fails leaves the lease to expire: nothing to undo.
        with contextlib.suppress(ArrowtapError):
            store._swap_lease(rules.end(fence, store._clock()))

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def __repr__(self) -> str:
        state = f"token={self.fence.token}" if self.fence is not None else "not held"
        return f"<Lease {self.store._what} {state}>"


def holder(store: Checkpoint) -> LeaseRecord | None:
    """Who holds the lease of ``store``'s checkpoint now (``None``: nobody).

    Examples
    --------
    >>> import tempfile
    >>> from arrowtap.checkpoint import open_checkpoint
    >>> with open_checkpoint(tempfile.mkdtemp() + "/o.db", "job") as store:
    ...     before = holder(store)
    ...     with Lease(store):
    ...         during = holder(store)
    >>> before, during.pid == os.getpid(), during.token
    (None, True, 1)
    """
    record = store._swap_lease(lambda current: None)
    now = store._clock()
    return None if rules.vacant(record, now) else record


def fence_of(store: Checkpoint) -> Fence | None:
    """The fence ``store``'s writes are checked against (its lease's), or ``None``.

    Examples
    --------
    >>> import tempfile
    >>> from arrowtap.checkpoint import open_checkpoint
    >>> with open_checkpoint(tempfile.mkdtemp() + "/o.db", "job") as store, Lease(store):
    ...     fence_of(store).token
    1
    """
    return store._lease_fence


def check_fence(store: Checkpoint) -> None:
    """Raise unless the lease ``store`` holds (or adopted) is still this writer's.

    For a destination that commits elsewhere than in the checkpoint (a Delta
    table): called before each of its commits, it reads the lease record and
    compares the writer and the fencing token.

    Raises
    ------
    CheckpointNotActiveError
        No lease is held through ``store``, or another writer has taken it over.

    Examples
    --------
    >>> import tempfile
    >>> from arrowtap.checkpoint import open_checkpoint
    >>> with open_checkpoint(tempfile.mkdtemp() + "/o.db", "job") as store:
    ...     with Lease(store):
    ...         check_fence(store)  # still ours: nothing happens
    ...     try:
    ...         check_fence(store)
    ...     except CheckpointNotActiveError as exc:
    ...         print("no lease")
    no lease
    """
    fence = store._lease_fence
    if fence is None:
        raise CheckpointNotActiveError(f"{store._what}: no lease is held to commit under")
    store._swap_lease(rules.fenced(store._what, fence))


@contextlib.contextmanager
def adopted(store: Checkpoint, fence: Fence) -> Iterator[Checkpoint]:
    """Check ``store``'s writes against a lease held elsewhere (a Dask sync's client).

    The holder renews the lease; once it is lost (the client died, another run
    took over), every write through ``store`` raises
    :class:`~arrowtap.errors.CheckpointNotActiveError`.

    Examples
    --------
    >>> import tempfile
    >>> from arrowtap.checkpoint import open_checkpoint
    >>> path = tempfile.mkdtemp() + "/o.db"
    >>> with open_checkpoint(path, "job") as client, Lease(client) as lease:
    ...     with open_checkpoint(path, "job") as task, adopted(task, lease.fence):
    ...         task.write("k", b"1")
    """
    previous = store._lease_fence
    store._lease_fence = fence
    try:
        yield store
    finally:
        store._lease_fence = previous
