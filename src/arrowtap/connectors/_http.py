"""The HTTP layer every connector shares: timeouts, retries, and error translation.

Retries use tenacity: exponential backoff with jitter, or exactly the server's
``Retry-After`` (capped) when it sends one. Connection errors, HTTP 429 and
5xx, and bodies that break the protocol are retried; the last error, already
translated into the :mod:`arrowtap.errors` tree, is raised once the budget is
spent. httpx errors are mapped to arrowtap errors here and nowhere else.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import tenacity

from arrowtap.errors import (
    AuthenticationError,
    BadRequestError,
    DecodeError,
    InvalidArgumentError,
    NotFoundError,
    ProtocolError,
    ServerError,
    TransportError,
    UnavailableError,
)

__all__ = ["HttpSession", "RetryPolicy", "api_base_url", "redact"]

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
        if self.attempts < 1:
            raise ValueError(f"RetryPolicy.attempts must be >= 1, got {self.attempts!r}")

    def delay(self, attempt: int, exc: BaseException | None) -> float:
        """Seconds to wait before try ``attempt + 1`` after ``exc`` failed try ``attempt``.

        The server's ``Retry-After`` wins (capped at ``max_retry_after``);
        otherwise tenacity's exponential backoff with jitter.

        Examples
        --------
        >>> RetryPolicy(initial=1.0, jitter=0.0).delay(3, None)
        4.0
        """
        after = getattr(exc, "retry_after", None)
        if after is not None:
            return min(float(after), self.max_retry_after)
        state = tenacity.RetryCallState(None, None, (), {})  # type: ignore[arg-type]
        state.attempt_number = attempt
        backoff = tenacity.wait_exponential_jitter(
            multiplier=self.initial, max=self.maximum, jitter=self.jitter
        )
        return float(backoff(state))

    def retrying(self, sleep: Callable[[float], None] = time.sleep) -> tenacity.Retrying:
        """Build the tenacity controller that applies this policy to one call."""

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


def redact(url: str | httpx.URL) -> str:
    """Return ``url`` without user name and password, fit for messages and logs.

    Examples
    --------
    >>> redact("http://admin:secret@host:4812/admin/api/1.0")
    'http://host:4812/admin/api/1.0'
    """
    parsed = httpx.URL(str(url))
    return str(parsed.copy_with(username=None, password=None))


def api_base_url(url: str, api_path: str, system: str) -> tuple[str, httpx.URL]:
    """Check a server URL and extend a bare ``http(s)://host[:port]`` with ``api_path``.

    Returns the base URL (no trailing slash) and the parsed URL; errors name the
    URL without its credentials.

    Examples
    --------
    >>> api_base_url("http://archiver:9812/", "/archive-access/api/1.0", "demo")[0]
    'http://archiver:9812/archive-access/api/1.0'
    """
    if not isinstance(url, str):
        raise InvalidArgumentError(f"{system}: url must be a str, got {type(url).__name__}")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise InvalidArgumentError(f"{system}: invalid url {redact(url)!r}: {exc}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidArgumentError(
            f"{system}: url must be http(s)://host[:port], got {redact(url)!r}"
        )
    base = url.rstrip("/")
    if parsed.path.rstrip("/") in ("", "/"):
        base += api_path
    return base, parsed


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


def status_error(system: str, response: httpx.Response, what: str) -> ServerError:
    """Translate an HTTP error status into the arrowtap error tree."""
    status = response.status_code
    url = redact(response.request.url)
    message = f"{system}: {what}: HTTP {status} from {url}"
    error: ServerError
    if status == 400:
        error = BadRequestError(message, status=status, url=url)
    elif status in (401, 403):
        error = AuthenticationError(message, status=status, url=url)
    elif status == 404:
        error = NotFoundError(message, status=status, url=url)
    elif status == 429 or status >= 500:
        error = UnavailableError(message, status=status, url=url)
        error.retry_after = parse_retry_after(response.headers.get("Retry-After"))  # type: ignore[attr-defined]
    else:
        error = ServerError(message, status=status, url=url)
    return error


class HttpSession:
    """An httpx client bound to a base URL, with retries and error translation.

    Parameters
    ----------
    base_url : str
        Prefix of every request path.
    system : str
        Name of the system, used in error messages.
    client : httpx.Client, optional
        The caller's own client (its transport, proxies, TLS settings); it is
        not closed by :meth:`close`. By default a client is created.
    retry : RetryPolicy, optional
        Retry budget and backoff.

    Examples
    --------
    >>> session = HttpSession("http://127.0.0.1:9", system="demo")
    >>> session.base_url
    'http://127.0.0.1:9'
    >>> session.close()
    """

    def __init__(
        self,
        base_url: str,
        *,
        system: str,
        client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.system = system
        self.retry = retry or RetryPolicy()
        self._owned = client is None
        self.client = client or httpx.Client(timeout=DEFAULT_TIMEOUT, headers=headers)

    def __repr__(self) -> str:
        return f"HttpSession({redact(self.base_url)!r}, system={self.system!r})"

    def close(self) -> None:
        """Close the client if this session created it."""
        if self._owned:
            self.client.close()

    def __enter__(self) -> HttpSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, attempt: Callable[[], T]) -> T:
        """Run ``attempt`` under the retry policy; it raises arrowtap errors."""
        return self.retry.retrying()(attempt)

    @contextmanager
    def open(
        self, path: str, params: Mapping[str, Any] | None = None, what: str = "GET"
    ) -> Iterator[httpx.Response]:
        """Send one GET and yield the streaming response of a 2xx answer (no retry)."""
        url = self.base_url + path
        try:
            with self.client.stream("GET", url, params=params) as response:
                if response.status_code >= 400:
                    response.read()
                    raise status_error(self.system, response, what)
                yield response
        except httpx.HTTPError as exc:
            raise TransportError(f"{self.system}: {what}: {redact(url)}: {exc!r}") from exc

    def get_json(
        self, path: str, params: Mapping[str, Any] | None = None, what: str = "GET"
    ) -> Any:
        """GET ``path`` and decode its JSON body, with retries.

        Raises
        ------
        ProtocolError
            The answer is not ``application/json`` (after the retries).
        DecodeError
            The body is not JSON (after the retries).
        """

        def attempt() -> Any:
            with self.open(path, params, what) as response:
                body = response.read()
                return decode_json_body(self.system, what, response, body)

        return self.call(attempt)


def check_json_content_type(system: str, what: str, response: httpx.Response) -> None:
    """Raise :class:`ProtocolError` unless the answer declares a JSON body."""
    content_type = response.headers.get("Content-Type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise ProtocolError(
            f"{system}: {what}: expected Content-Type application/json from "
            f"{redact(response.request.url)}, got {content_type!r}"
        )


def decode_json_body(system: str, what: str, response: httpx.Response, body: bytes) -> Any:
    """Check the content type and decode a small JSON body."""
    check_json_content_type(system, what, response)
    try:
        return json.loads(body)
    except ValueError as exc:
        raise DecodeError(
            f"{system}: {what}: body from {redact(response.request.url)} is not JSON "
            f"({exc}; starts with {body[:40]!r})"
        ) from exc
