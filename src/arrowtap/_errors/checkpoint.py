"""Errors of the checkpoint store: its limits, its sections, its active replica and lease."""

from __future__ import annotations

import datetime as dt

from arrowtap._errors.base import ArrowtapError, exported

__all__ = [
    "CheckpointError",
    "CheckpointExistsError",
    "CheckpointInvalidParamError",
    "CheckpointNoSpaceError",
    "CheckpointNotActiveError",
    "CheckpointNotFoundError",
    "DestinationHeldError",
]


@exported
class CheckpointError(ArrowtapError):
    """An operation on the checkpoint store failed."""


@exported
class CheckpointExistsError(CheckpointError):
    """A checkpoint or section exists already with other attributes."""


@exported
class CheckpointNoSpaceError(CheckpointError):
    """Creating a section would exceed the checkpoint's ``max_sections``."""


@exported
class CheckpointInvalidParamError(CheckpointError, ValueError):
    """A section id or value exceeds the checkpoint's limits."""


@exported
class CheckpointNotFoundError(CheckpointError, KeyError):
    """No section with that id exists."""

    def __str__(self) -> str:
        # KeyError quotes its argument; a message reads better unquoted.
        return str(self.args[0]) if self.args else ""


@exported
class CheckpointNotActiveError(CheckpointError):
    """A write reached a checkpoint whose active replica is another handle.

    Also a commit of a writer that lost its lease (:mod:`arrowtap.checkpoint.lease`):
    another writer took the destination over, and this one's fencing token is stale.
    """


@exported
class DestinationHeldError(CheckpointError):
    """Another writer holds the lease of a destination: one sync at a time writes it.

    A sync takes exclusive ownership of its checkpoint's partitions (a lease in
    the checkpoint store, see :mod:`arrowtap.checkpoint.lease`); a second one
    fails at once with this error, or after ``wait`` seconds.

    Parameters
    ----------
    message : str
        The checkpoint, and the holder.
    host : str
        The host name of the holder.
    pid : int
        Its process id on that host.
    since : datetime.datetime
        When it took the lease (UTC).
    expires : datetime.datetime
        When the lease ends unless the holder renews it (UTC).
    """

    host: str
    pid: int
    since: dt.datetime
    expires: dt.datetime

    def __init__(
        self, message: str, *, host: str, pid: int, since: dt.datetime, expires: dt.datetime
    ) -> None:
        super().__init__(message)
        self.host = host
        self.pid = pid
        self.since = since
        self.expires = expires
