"""What arrowtap says that is not a failure: its warnings, and a stop by a signal.

Both are drawn in the tree of :mod:`arrowtap.errors`, which re-exports them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ArrowtapWarning", "CheckpointAheadWarning", "Interrupted", "NoMatchWarning"]


class Interrupted(KeyboardInterrupt):
    """A sync or read stopped between pages by Ctrl-C or SIGTERM.

    Parameters
    ----------
    summary : object
        What was committed before the stop (a :class:`~arrowtap.SyncSummary`).
    signal : int
        The signal that stopped it (``signal.SIGINT`` or ``signal.SIGTERM``).
    """

    summary: object
    signal: int

    def __init__(self, summary: object = None, signal: int = 2) -> None:
        super().__init__(f"stopped by signal {signal}; committed: {summary}")
        self.summary = summary
        self.signal = signal

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.summary, self.signal))


class ArrowtapWarning(UserWarning):
    """Root of arrowtap's warnings: the call worked, but likely not as meant."""


class NoMatchWarning(ArrowtapWarning):
    """A channel pattern (glob or regexp) matched no channel: nothing will be read.

    Examples
    --------
    >>> import warnings
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> import arrowtap
    >>> with FakeArchiver() as fake, warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     arrowtap.find_archive_channels(fake.url, "nomatch*")
    []
    >>> print(seen[0].message)
    pvarchiver: pattern 'nomatch*' matches no channel
    """


class CheckpointAheadWarning(ArrowtapWarning):
    """A ``start`` earlier than the checkpoint's offset: the read resumes from the offset.

    The samples between ``start`` and the offset are not read again; ``arrowtap state
    rewind`` (or resetting the checkpoint) moves the offset back to read them.
    """
