"""How often and how patiently a request is tried again: one policy for every connector.

Retries use tenacity: exponential backoff with jitter, or exactly the server's
``Retry-After`` (capped) when it sends one (:attr:`UnavailableError.retry_after
<arrowtap.errors.UnavailableError.retry_after>`). Connection errors, HTTP 429
and 5xx, and bodies that break the protocol are retried.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from arrowtap import _checks as checks
from arrowtap.errors import ProtocolError, TransportError, UnavailableError

if TYPE_CHECKING:  # tenacity imports asyncio (50-150 ms): at first use, not at import
    import tenacity

__all__ = ["DEFAULT_TIMEOUT", "RETRYABLE", "RetryPolicy", "parse_retry_after"]

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=60.0, pool=60.0)
RETRYABLE = (TransportError, UnavailableError, ProtocolError)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a request is retried.

    Parameters
    ----------
    attempts : int
        Total tries of one request, the first included.
    initial, maximum : float
        Bounds in seconds of the exponential backoff between tries.
    jitter : float
        Upper bound in seconds of the random time added to each backoff.
    max_retry_after : float
        Cap on a server's ``Retry-After``, in seconds.

    Examples
    --------
    >>> RetryPolicy(attempts=3).attempts
    3
    """

    attempts: int = 6
    initial: float = 0.05
    maximum: float = 5.0
    jitter: float = 0.1
    max_retry_after: float = 30.0

    def __post_init__(self) -> None:
        # Checked here, once: a NaN or infinite wait would retry without end, a
        # huge one overflow the sleep; a thousand tries is past any real budget.
        attempts = checks.integer("RetryPolicy.attempts", self.attempts, minimum=1, maximum=1000)
        object.__setattr__(self, "attempts", attempts)
        for name in ("initial", "maximum", "jitter", "max_retry_after"):
            value = checks.seconds(f"RetryPolicy.{name}", getattr(self, name))
            object.__setattr__(self, name, value)

    def delay(self, attempt: int, exc: BaseException | None) -> float:
        """Seconds to wait before try ``attempt + 1`` after ``exc`` failed try ``attempt``.

        The server's ``Retry-After`` wins (capped at ``max_retry_after``);
        otherwise tenacity's exponential backoff with jitter.

        Examples
        --------
        >>> RetryPolicy(initial=1.0, jitter=0.0).delay(3, None)
        4.0
        """
        if isinstance(exc, UnavailableError) and exc.retry_after is not None:
            return min(float(exc.retry_after), self.max_retry_after)
        import tenacity

        state = tenacity.RetryCallState(None, None, (), {})  # type: ignore[arg-type]
        state.attempt_number = attempt
        backoff = tenacity.wait_exponential_jitter(
            multiplier=self.initial, max=self.maximum, jitter=self.jitter
        )
        return float(backoff(state))

    def retrying(self, sleep: Callable[[float], None] = time.sleep) -> tenacity.Retrying:
        """Build the tenacity controller that applies this policy to one call.

        One per call: a controller keeps a call's state per thread, which a call
        retried inside another one on the same thread would share.
        """
        import tenacity

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            return self.delay(state.attempt_number, exc)

        return tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.attempts),
            wait=wait,
            retry=tenacity.retry_if_exception_type(RETRYABLE),
            sleep=sleep,
            reraise=True,
        )

    def resume(
        self,
        pages: Callable[[Any], Iterator[T]],
        offset: Any,
        offset_of: Callable[[T], Any],
        sleep: Callable[[float], None] = time.sleep,
    ) -> Iterator[T]:
        """Stream ``pages(offset)``, re-opening it after the last item on retryable errors.

        The budget of ``attempts`` counts consecutive failures: each item
        delivered starts it afresh, so a long stream survives scattered faults
        while a server that never answers fails after ``attempts`` tries.
        """
        failures = 0
        while True:
            try:
                for item in pages(offset):
                    yield item
                    offset = offset_of(item)
                    failures = 0
                return
            except RETRYABLE as exc:
                failures += 1
                if failures >= self.attempts:
                    raise
                sleep(self.delay(failures, exc))


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
