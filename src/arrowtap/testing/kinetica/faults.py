"""Fault injection of the fake Kinetica: unavailable replies, resets, delays, lost messages.

Every setting may be given at construction and changed while the fake serves; draws
come from one seeded RNG under a lock, so a seed gives the same sequence of faults for
the same sequence of requests. The system endpoints ``GPUdb()`` calls on construction
(``/show/system/status`` and ``/show/system/properties``) are exempt from the random
faults unless ``system=True``, so a client can connect before the faults begin;
:meth:`Faults.force` applies to whatever request comes next.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass

__all__ = ["FAULT_KINDS", "Faults"]

FAULT_KINDS = ("unavailable", "reset", "slow", "exiting")
"""What :meth:`Faults.force` can inject: HTTP 503, a connection reset, a delay, and an
``ERROR`` envelope saying "Kinetica is exiting" (which the official client fails over on)."""

_SYSTEM = ("/show/system/status", "/show/system/properties")


@dataclass(frozen=True)
class Fault:
    """What to do to one request: a kind of :data:`FAULT_KINDS` (or ``None``) and a delay."""

    kind: str | None
    delay: float = 0.0


def _fraction(name: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be within [0, 1], not {value!r}")
    return float(value)


class Faults:
    """The fault settings of one fake, thread-safe.

    Parameters
    ----------
    unavailable_rate : float
        Fraction of requests answered HTTP 503 (the official client retries a 503 five
        times at once, then fails over).
    reset_rate : float
        Fraction of requests whose connection is closed without a reply.
    delay : float
        Seconds every request waits before it is answered.
    zmq_drop_rate : float
        Fraction of monitor messages not published.
    system : bool
        Whether the random faults also hit the system endpoints.
    seed : int
        Seed of the draws.

    Examples
    --------
    >>> faults = Faults(unavailable_rate=1.0)
    >>> faults.draw("/get/records").kind, faults.draw("/show/system/status").kind
    ('unavailable', None)
    >>> faults.force("reset"); faults.draw("/show/system/status").kind
    'reset'
    """

    def __init__(
        self,
        *,
        unavailable_rate: float = 0.0,
        reset_rate: float = 0.0,
        delay: float = 0.0,
        zmq_drop_rate: float = 0.0,
        system: bool = False,
        seed: int = 0,
    ) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._forced: deque[Fault] = deque()
        self.set(
            unavailable_rate=unavailable_rate,
            reset_rate=reset_rate,
            delay=delay,
            zmq_drop_rate=zmq_drop_rate,
            system=system,
        )

    def set(
        self,
        *,
        unavailable_rate: float | None = None,
        reset_rate: float | None = None,
        delay: float | None = None,
        zmq_drop_rate: float | None = None,
        system: bool | None = None,
    ) -> None:
        """Change some settings (those given); the others stay."""
        with self._lock:
            if unavailable_rate is not None:
                self.unavailable_rate = _fraction("unavailable_rate", unavailable_rate)
            if reset_rate is not None:
                self.reset_rate = _fraction("reset_rate", reset_rate)
            if zmq_drop_rate is not None:
                self.zmq_drop_rate = _fraction("zmq_drop_rate", zmq_drop_rate)
            if delay is not None:
                if delay < 0:
                    raise ValueError(f"delay must be >= 0, not {delay!r}")
                self.delay = float(delay)
            if system is not None:
                self.system = bool(system)

    def clear(self) -> None:
        """No faults any more (forced ones included)."""
        self.set(unavailable_rate=0.0, reset_rate=0.0, delay=0.0, zmq_drop_rate=0.0)
        with self._lock:
            self._forced.clear()

    def force(self, kind: str, count: int = 1, *, delay: float = 1.0) -> None:
        """Inflict `kind` (one of :data:`FAULT_KINDS`) on the next `count` requests.

        A ``"slow"`` request waits `delay` seconds, then is answered normally.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}, not {kind!r}")
        with self._lock:
            self._forced.extend([Fault(kind, delay if kind == "slow" else 0.0)] * count)

    def draw(self, endpoint: str) -> Fault:
        """The fault for one request to `endpoint`."""
        with self._lock:
            if self._forced:
                return self._forced.popleft()
            if endpoint in _SYSTEM and not self.system:
                return Fault(None)
            x = self._rng.random()
            if x < self.unavailable_rate:
                return Fault("unavailable", self.delay)
            if x < self.unavailable_rate + self.reset_rate:
                return Fault("reset", self.delay)
            return Fault(None, self.delay)

    def drop_message(self) -> bool:
        """Whether to drop the next monitor message."""
        with self._lock:
            return self.zmq_drop_rate > 0 and self._rng.random() < self.zmq_drop_rate
