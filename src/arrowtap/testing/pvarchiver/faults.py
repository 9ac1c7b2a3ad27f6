"""Fault injection settings and the request/fault counters of a fake server."""

from __future__ import annotations

import random
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Literal, get_args

__all__ = ["FAULT_KINDS", "FaultKind", "FaultStats", "FaultTrigger", "Faults"]

FaultKind = Literal["503", "429", "reset", "truncate", "slow", "garbage"]
"""What can go wrong with a response.

``503`` / ``429``: that status with a ``Retry-After`` header; ``reset``: the
connection is reset (RST) before or in the middle of the body; ``truncate``:
part of the chunked body, then a clean close without the last chunk;
``slow``: a delay before the response and another in the middle of the body;
``garbage``: a 200 whose body is not JSON, or whose type is ``text/html``.
"""

FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)
"""Every fault kind."""


@dataclass(frozen=True)
class Faults:
    """What faults to inject, and how often.

    Parameters
    ----------
    rate : float
        Probability in [0, 1] that a request gets a fault (1.0 = every one).
    kinds : tuple of FaultKind
        The kinds to draw from, uniformly.
    retry_after : float or None
        Seconds sent as ``Retry-After`` with 503 / 429 (fractions allowed,
        integral values are sent as integers); ``None`` sends no header.
    slow_delay : float
        Seconds of each delay of a ``slow`` fault.
    seed : int
        Seed of the random draws; the same seed gives the same fault sequence.

    Examples
    --------
    >>> Faults(rate=0.2, kinds=("503", "reset")).rate
    0.2
    >>> Faults.permanent("429").rate
    1.0
    """

    rate: float = 0.0
    kinds: tuple[FaultKind, ...] = ("503",)
    retry_after: float | None = 1.0
    slow_delay: float = 0.5
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"Faults.rate must be within [0, 1], not {self.rate!r}")
        kinds = tuple(dict.fromkeys(self.kinds))
        bad = [k for k in kinds if k not in FAULT_KINDS]
        if bad or not kinds:
            raise ValueError(f"Faults.kinds must be a non-empty subset of {FAULT_KINDS}")
        object.__setattr__(self, "kinds", kinds)
        if self.slow_delay < 0 or (self.retry_after is not None and self.retry_after < 0):
            raise ValueError("Faults.slow_delay and Faults.retry_after must be >= 0")

    @classmethod
    def permanent(
        cls,
        kind: FaultKind,
        *,
        retry_after: float | None = 1.0,
        slow_delay: float = 0.5,
        seed: int = 0,
    ) -> Faults:
        """Return faults that hit every request with ``kind``.

        Examples
        --------
        >>> Faults.permanent("503", retry_after=0.05).kinds
        ('503',)
        """
        return cls(1.0, (kind,), retry_after, slow_delay, seed)

    def retry_after_header(self) -> str | None:
        """Return the ``Retry-After`` header value, or ``None``."""
        if self.retry_after is None:
            return None
        ra = self.retry_after
        return str(int(ra)) if float(ra).is_integer() else repr(float(ra))


class FaultTrigger:
    """Draws, per request, whether and which fault to inject (thread-safe)."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._rng = random.Random(faults.seed)
        self._lock = threading.Lock()

    def draw(self) -> tuple[FaultKind | None, float]:
        """Return the fault kind for the next request (or ``None``) and a variant draw."""
        f = self.faults
        with self._lock:
            if f.rate <= 0.0 or self._rng.random() >= f.rate:
                return None, 0.0
            return self._rng.choice(f.kinds), self._rng.random()


@dataclass
class FaultStats:
    """Counters of a fake server, safe to read at any time.

    Attributes
    ----------
    requests : int
        Requests received (every method, every path).
    faults : Counter
        Faults injected, by kind.
    statuses : Counter
        Responses by HTTP status (faults that send no status are not counted).
    cache_hits : int
        Responses served from the rendered-body cache.
    paths : deque of str
        The raw request targets (path and query), newest last, at most 10,000.
    """

    requests: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    cache_hits: int = 0
    paths: deque[str] = field(default_factory=lambda: deque(maxlen=10_000))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def faults_total(self) -> int:
        """Return the number of faults injected, all kinds."""
        return sum(self.faults.values())

    def record_request(self, target: str) -> None:
        """Count a request."""
        with self._lock:
            self.requests += 1
            self.paths.append(target)

    def record_fault(self, kind: str) -> None:
        """Count an injected fault."""
        with self._lock:
            self.faults[kind] += 1

    def record_status(self, status: int, *, cached: bool = False) -> None:
        """Count a response status (and a cache hit)."""
        with self._lock:
            self.statuses[status] += 1
            self.cache_hits += cached

    def reset(self) -> None:
        """Set every counter back to zero."""
        with self._lock:
            self.requests = 0
            self.cache_hits = 0
            self.faults.clear()
            self.statuses.clear()
            self.paths.clear()
