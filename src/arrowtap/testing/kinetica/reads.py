"""What the fake Kinetica was asked to read, and a gate that holds reads back.

Every answered ``/get/records`` request is kept as a :class:`RecordsRequest`: the table
and filter expression as the client sent them, the paging it asked for and what came
back. A test tells from them which partition (a range of a column is a filter) a
request was for. The :class:`Gate` holds ``/get/records`` requests back while closed,
either from now or from just after a chosen answer, so a test can stop readers at a
point it names (say, right after a range's last page) instead of racing them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Gate", "RecordsRequest"]


@dataclass(frozen=True)
class RecordsRequest:
    """One answered ``/get/records`` request: what was asked, and how much came back.

    Parameters
    ----------
    table : str
        The ``table_name`` sent.
    expression : str
        The ``expression`` option sent (``""``: none).
    offset, limit : int
        The paging asked for.
    rows : int
        Rows answered.
    has_more : bool
        The ``has_more_records`` answered.
    """

    table: str
    expression: str
    offset: int
    limit: int
    rows: int
    has_more: bool


class Gate:
    """Holds ``/get/records`` requests back while closed; thread-safe.

    Open at first. :meth:`close` closes it now, or with ``after`` once a request
    matching it has been answered (that request goes through, the next ones wait);
    :meth:`open` lets the held requests through. A stopping fake opens its gate.

    Examples
    --------
    >>> gate = Gate()
    >>> gate.close(after=lambda r: not r.has_more)
    >>> gate.answered(RecordsRequest("t", "", 0, 10, 10, True)); gate.closed
    False
    >>> gate.answered(RecordsRequest("t", "", 10, 10, 3, False)); gate.closed
    True
    >>> gate.open(); gate.wait(); gate.held
    0
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open = threading.Event()
        self._open.set()
        self._after: Callable[[RecordsRequest], bool] | None = None
        self._held = 0

    @property
    def closed(self) -> bool:
        """Whether requests are held back now."""
        return not self._open.is_set()

    @property
    def held(self) -> int:
        """How many requests wait at the gate now."""
        with self._lock:
            return self._held

    def close(self, after: Callable[[RecordsRequest], bool] | None = None) -> None:
        """Hold requests back from now, or (``after``) from the first answer matching it."""
        with self._lock:
            self._after = after
            if after is None:
                self._open.clear()

    def open(self) -> None:
        """Let every held request through; a pending ``close(after=...)`` is dropped."""
        with self._lock:
            self._after = None
            self._open.set()

    def answered(self, request: RecordsRequest) -> None:
        """Note an answered request (the route calls this before the reply is sent)."""
        with self._lock:
            if self._after is not None and self._after(request):
                self._after = None
                self._open.clear()

    def wait(self) -> None:
        """Wait while the gate is closed (the HTTP layer calls this per request)."""
        with self._lock:
            self._held += 1
        try:
            self._open.wait()
        finally:
            with self._lock:
                self._held -= 1
