"""A size-bounded LRU of rendered (possibly gzipped) response bodies."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import NamedTuple

__all__ = ["Body", "BodyCache"]


class Body(NamedTuple):
    """A response body: its pieces, and whether they are gzip-encoded."""

    pieces: list[bytes]
    gzip: bool = False

    @property
    def size(self) -> int:
        """Return the total length in bytes."""
        return sum(map(len, self.pieces))


class BodyCache:
    """Least-recently-used cache of response bodies, bounded in bytes.

    Parameters
    ----------
    max_bytes : int
        Total size limit; a body larger than half of it is never cached.

    Examples
    --------
    >>> c = BodyCache(max_bytes=8)
    >>> c.put("a", Body([b"1234"])); c.put("b", Body([b"5678"])); c.put("c", Body([b"9"]))
    >>> c.get("a") is None, c.get("c")
    (True, Body(pieces=[b'9'], gzip=False))
    """

    def __init__(self, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[Body, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Body | None:
        """Return the body stored under ``key`` (and mark it recently used), or ``None``."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: Hashable, body: Body) -> None:
        """Store a body, evicting the least recently used ones beyond the limit."""
        size = body.size
        if size > self.max_entry_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= old[1]
            self._entries[key] = (body, size)
            self._size += size
            while self._size > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._size -= dropped

    @property
    def max_entry_bytes(self) -> int:
        """Return the size of the largest body that is cached (half the limit)."""
        return self.max_bytes // 2

    def clear(self) -> None:
        """Drop every body."""
        with self._lock:
            self._entries.clear()
            self._size = 0
