"""HTTP failures as arrowtap errors: statuses, transport failures, bodies that are not JSON.

The one place where httpx's answers and exceptions become the error tree of
:mod:`arrowtap.errors`; :class:`~arrowtap.connectors._http.HttpSession` and the
connectors' clients call it. A :class:`~arrowtap.errors.TransportError` chains no
httpx exception, only a redacted copy of it (:func:`~arrowtap._redact.redacted_copy`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import httpx

from arrowtap._redact import redact, redact_text, redacted_copy
from arrowtap._retry import parse_retry_after
from arrowtap.errors import (
    AuthenticationError,
    BadRequestError,
    DecodeError,
    NotFoundError,
    ProtocolError,
    ServerError,
    TransportError,
    UnavailableError,
)

__all__ = [
    "TranslatedStream",
    "check_json_content_type",
    "decode_json_body",
    "status_error",
    "transport_error",
]


def status_error(system: str, response: httpx.Response, what: str) -> ServerError:
    """Translate an HTTP error status into the arrowtap error tree."""
    status = response.status_code
    url = redact(response.request.url)
    message = f"{system}: {what}: HTTP {status} from {url}"
    if status == 400:
        return BadRequestError(message, status=status, url=url)
    if status in (401, 403):
        return AuthenticationError(message, status=status, url=url)
    if status == 404:
        return NotFoundError(message, status=status, url=url)
    if status == 429 or status >= 500:
        after = parse_retry_after(response.headers.get("Retry-After"))
        return UnavailableError(message, status=status, url=url, retry_after=after)
    return ServerError(message, status=status, url=url)


_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def transport_error(
    system: str, what: str, url: str | httpx.URL, exc: httpx.HTTPError, secrets: Iterable[str] = ()
) -> TransportError:
    """The :class:`TransportError` of ``exc``, chained to a redacted copy of it.

    Raise it outside the ``except`` clause that caught ``exc``: raised inside,
    Python would record ``exc`` itself as its ``__context__``.

    Examples
    --------
    >>> exc = httpx.ConnectError("[Errno 111] Connection refused")
    >>> error = transport_error("demo", "GET /x", "http://ann:pw@h:9/x", exc)
    >>> str(error)
    'demo: GET /x: http://h:9/x unreachable: ConnectError: [Errno 111] Connection refused'
    >>> type(error.__cause__) is httpx.ConnectError, error.__cause__ is exc
    (True, False)
    """
    where = redact(url)
    how = " unreachable" if isinstance(exc, _NEVER_SENT) else ": connection failed"
    text = redact_text(str(exc), secrets)
    error = TransportError(
        f"{system}: {what}: {where}{how}: {type(exc).__name__}: {text}", url=where
    )
    error.__cause__ = redacted_copy(exc, secrets)
    return error


class TranslatedStream(httpx.SyncByteStream):
    """A response body whose read errors arrive as :class:`TransportError`, unchained."""

    def __init__(
        self, inner: httpx.SyncByteStream, fail: Callable[[httpx.HTTPError], TransportError]
    ) -> None:
        self._inner = inner
        self._fail = fail

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._inner)
        while True:
            try:
                chunk = next(chunks)
            except StopIteration:
                return
            except httpx.HTTPError as exc:
                error = self._fail(exc)
                break
            yield chunk
        raise error  # outside the except clause: nothing of exc in its context

    def close(self) -> None:
        self._inner.close()


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
