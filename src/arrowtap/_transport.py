"""An httpx transport over the standard library's ``http.client``: a small call's cost halved.

httpx's own transport (httpcore and h11, both pure Python) spends about 0.4 ms on a
keep-alive request to a local server; ``http.client`` on the same connection about
0.15 ms (measured in ``docs/performance.md``). A small read is one request, so the
shared clients of :mod:`arrowtap._pool` send through this transport. httpx keeps
everything above it: the client, its timeouts, proxies from the environment (mounted
as httpx's own transports), redirects, ``Content-Encoding`` decoding, the errors.

Connections are kept per origin and reused while idle (at most ``max_idle`` of each);
before reuse, one the server has closed (readable while idle) is dropped. A request
that fails to be written on a reused connection is sent once more on a new one (the
server closed it as it went idle: it never saw the request); so is a request of an
idempotent method whose answer never began (a POST that may have been taken is not).
A body not read to its end closes its connection. Failures are httpx's exceptions, so
sessions translate them as ever.
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import threading
from collections.abc import Iterator

import httpx

__all__ = ["PIECE", "StdlibTransport"]

_Origin = tuple[str, str, int]
PIECE = 120 * 1024
"""Bytes of a body handed on at once (read, or inflated): under glibc's 128 KiB ``mmap`` threshold.

A larger piece is fresh pages from the system at every call wherever that threshold
is fixed, as a Dask worker's nanny fixes it (``MALLOC_TRIM_THRESHOLD_``): a 4 M-sample
read took 3.8 s there with pieces of 256 KiB read and 512 KiB inflated, 2.0 s with
these (1.4 s either way elsewhere; docs/performance.md)."""
_WHOLE = 64 * 2**20  # ... unless its length is known and at most this
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_STALE = (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected)


class _Unsent(Exception):
    """A request that failed while being written (its cause): the server did not take it."""


def _closed_by_peer(connection: http.client.HTTPConnection) -> bool:
    """An idle connection with something to read has been closed (or is out of step)."""
    sock = connection.sock
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class StdlibTransport(httpx.BaseTransport):
    """HTTP/1.1 through ``http.client``, connections pooled per origin, thread-safe.

    Parameters
    ----------
    ssl_context : ssl.SSLContext
        Verifies ``https`` servers.
    max_idle : int
        Idle connections kept per origin.

    Examples
    --------
    >>> client = httpx.Client(transport=StdlibTransport(ssl.create_default_context()))
    >>> client.close()
    """

    def __init__(self, ssl_context: ssl.SSLContext, *, max_idle: int = 20) -> None:
        self._context = ssl_context
        self._max_idle = max_idle
        self._idle: dict[_Origin, list[http.client.HTTPConnection]] = {}
        self._busy = 0
        self._lock = threading.Lock()
        self._closed = False

    def usage(self) -> tuple[int, int]:
        """Connections idle in the pool, and in use (a request or a body being read)."""
        with self._lock:
            return sum(len(idle) for idle in self._idle.values()), self._busy

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        port = url.port or (443 if url.scheme == "https" else 80)
        key = (url.scheme, url.raw_host.decode("ascii"), port)
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        body = request.read() or None
        for retry in (True, False):
            connection, reused = self._take(key, timeouts)
            try:
                response = self._exchange(connection, request, body, timeouts)
            except (_Unsent, *_STALE) as exc:
                connection.close()
                self._release()
                unsent = isinstance(exc, _Unsent)
                if reused and retry and (unsent or request.method in _IDEMPOTENT):
                    continue  # the server closed it as it went idle
                cause = exc.__cause__ if unsent else exc
                raise httpx.RemoteProtocolError(str(cause) or type(cause).__name__) from cause
            except BaseException:
                connection.close()
                self._release()
                raise
            reason = response.reason or ""
            return httpx.Response(
                response.status,
                headers=response.getheaders(),
                stream=_Body(self, key, connection, response),
                extensions={"http_version": b"HTTP/1.1", "reason_phrase": reason.encode()},
            )
        raise AssertionError("unreachable")  # pragma: no cover

    def _exchange(
        self,
        connection: http.client.HTTPConnection,
        request: httpx.Request,
        body: bytes | None,
        timeouts: dict[str, float | None],
    ) -> http.client.HTTPResponse:
        sock = connection.sock
        assert sock is not None
        try:
            sock.settimeout(timeouts.get("write"))
            connection.putrequest(request.method, request.url.raw_path.decode("ascii"), True, True)
            for name, value in request.headers.raw:
                connection.putheader(name, value)
            try:
                connection.endheaders(body)
            except _STALE as exc:  # the request did not reach the server whole
                raise _Unsent from exc
            sock.settimeout(timeouts.get("read"))
            return connection.getresponse()
        except TimeoutError as exc:
            raise httpx.ReadTimeout(str(exc) or "timed out", request=request) from exc
        except (_Unsent, *_STALE):
            raise
        except (OSError, http.client.HTTPException) as exc:
            raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__) from exc

    def _take(
        self, key: _Origin, timeouts: dict[str, float | None]
    ) -> tuple[http.client.HTTPConnection, bool]:
        """An idle connection to ``key`` (reused: ``True``), or a new one; counted busy."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the transport is closed")
            self._busy += 1
            idle = self._idle.get(key, [])
            while idle:
                connection = idle.pop()
                if not _closed_by_peer(connection):
                    return connection, True
                connection.close()
        try:
            return self._connect(key, timeouts.get("connect")), False
        except BaseException:
            self._release()
            raise

    def _connect(self, key: _Origin, timeout: float | None) -> http.client.HTTPConnection:
        scheme, host, port = key
        connection: http.client.HTTPConnection
        if scheme == "https":
            connection = http.client.HTTPSConnection(
                host, port, timeout=timeout, context=self._context
            )
        else:
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            connection.connect()
        except TimeoutError as exc:
            connection.close()
            raise httpx.ConnectTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            connection.close()
            raise httpx.ConnectError(str(exc)) from exc
        assert connection.sock is not None
        # Requests are small and answered at once: no Nagle delay between a request's
        # headers and its body.
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    def _release(self) -> None:
        with self._lock:
            self._busy -= 1

    def _give_back(self, key: _Origin, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            self._busy -= 1
            idle = self._idle.setdefault(key, [])
            if not self._closed and len(idle) < self._max_idle:
                idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            connections = [c for idle in self._idle.values() for c in idle]
            self._idle.clear()
        for connection in connections:
            connection.close()


class _Body(httpx.SyncByteStream):
    """A response's body, read from its connection; the connection goes back at the end."""

    def __init__(
        self,
        transport: StdlibTransport,
        key: _Origin,
        connection: http.client.HTTPConnection,
        response: http.client.HTTPResponse,
    ) -> None:
        self._transport = transport
        self._key = key
        self._connection: http.client.HTTPConnection | None = connection
        self._response = response

    def __iter__(self) -> Iterator[bytes]:
        response = self._response
        while self._connection is not None:
            # A body of known length up to _WHOLE is read at once: one allocation, which
            # httpx keeps as the content, instead of pieces it joins into a copy.
            whole = response.length is not None and response.length <= _WHOLE
            try:
                chunk = response.read(response.length) if whole else response.read1(PIECE)
            except TimeoutError as exc:
                self.close()
                raise httpx.ReadTimeout(str(exc) or "timed out") from exc
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__) from exc
            if not chunk:
                if response.length:  # the peer hung up before the Content-Length it sent
                    self.close()
                    left = response.length
                    raise httpx.RemoteProtocolError(
                        f"peer closed connection without sending complete message body:"
                        f" {left} bytes missing"
                    )
                self._finish()
                return
            yield chunk

    def _finish(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        self._response.close()  # ended: the connection takes its next request
        if self._response.will_close:
            connection.close()
            self._transport._release()
        else:
            self._transport._give_back(self._key, connection)

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:  # read to its end or not at all: not reusable
            self._response.close()
            connection.close()
            self._transport._release()

    def __repr__(self) -> str:
        return f"<_Body of {self._key[1]}:{self._key[2]}>"
