"""Named places where a test may have the process killed, for crash testing.

``ARROWTAP_CRASHPOINT=<name>:<n>`` in the environment makes the ``n``-th pass
(1-based) through :func:`crashpoint` with that name SIGKILL the process, as a
power cut would. ``<name>:<n>:<marker path>`` does so once among many processes
(Dask workers): the first to get there creates the marker file and dies, the
others and its successors go on. Unset, a crash point costs one comparison. The
pytest plugin (:mod:`arrowtap.testing.plugin`) drives this.
"""

from __future__ import annotations

import os
import signal
import threading

__all__ = ["CRASHPOINTS", "crashpoint"]

CRASHPOINTS = ("before_write", "after_write", "after_commit")
"""Crash points of the sync runner, in the order one page passes them."""

_SPEC = os.environ.get("ARROWTAP_CRASHPOINT")
_lock = threading.Lock()
_hits: dict[str, int] = {}


def crashpoint(name: str) -> None:
    """Pass crash point ``name``; SIGKILL the process if the environment says so.

    Examples
    --------
    >>> crashpoint("after_commit")  # no ARROWTAP_CRASHPOINT: nothing happens
    """
    if _SPEC is None:
        return
    target, _, rest = _SPEC.partition(":")
    if name != target:
        return
    nth, _, marker = rest.partition(":")
    with _lock:
        _hits[name] = _hits.get(name, 0) + 1
        if _hits[name] != int(nth or 1):
            return
        if marker:
            try:
                os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            except FileExistsError:
                return  # another process died here already
        os.kill(os.getpid(), signal.SIGKILL)
