"""HTTP clients shared per server: one connection pool per origin, built once per process.

A call that builds its own :class:`httpx.Client` pays for it every time: loading
the CA bundle into an SSL context alone costs 35-100 ms here, and a fresh client
opens a fresh connection. A small read on a warm pool costs about a millisecond.
So every session made without the caller's own ``client=`` takes the client of
its origin (scheme, host, port) from here: built on first use, shared by every
thread (httpx clients are thread-safe), closed when the interpreter exits.

A shared client carries nothing of one caller: credentials travel on each request
(:class:`~arrowtap.connectors._http.HttpSession` adds them), and it keeps no
cookies, so one user's session cookie never rides on another user's request.
A forked child (a Dask worker, a multiprocessing pool) drops the parent's
clients without closing them: their sockets belong to the parent.
"""

from __future__ import annotations

import atexit
import functools
import http.cookiejar
import os
import ssl
import threading
import urllib.request

import httpx

from arrowtap._redact import url_of
from arrowtap._retry import DEFAULT_TIMEOUT
from arrowtap._transport import StdlibTransport

__all__ = ["close_shared_clients", "direct_transport", "origin", "pool_usage", "shared_client"]

_lock = threading.Lock()
_clients: dict[tuple[str, str, int | None], httpx.Client] = {}
# id of a shared client -> the client and its transport (the client kept: ids are reused)
_direct: dict[int, tuple[httpx.Client, StdlibTransport]] = {}


def origin(url: str | httpx.URL) -> tuple[str, str, int | None]:
    """The key of a URL's shared client: scheme, host and port (``None``: the default).

    Examples
    --------
    >>> origin("http://ann:pw@Archiver:9812/archive-access/api/1.0")
    ('http', 'archiver', 9812)
    """
    parsed = url if isinstance(url, httpx.URL) else url_of(url)
    return parsed.scheme, parsed.host, parsed.port


@functools.cache
def _verifying_context() -> ssl.SSLContext:
    # httpx's default (certifi, or SSL_CERT_FILE / SSL_CERT_DIR): built once, shared.
    return httpx.create_ssl_context()


@functools.cache
def _plain_context() -> ssl.SSLContext:
    # A plain-http origin never shakes hands; this context, verifying but with no CA
    # loaded, costs microseconds and would refuse any certificate if ever used.
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _no_cookies() -> http.cookiejar.CookieJar:
    return http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


def shared_client(url: str | httpx.URL) -> httpx.Client:
    """The client shared by every session on the origin of ``url``.

    Never close it: it lives until the interpreter exits
    (:func:`close_shared_clients`).

    Examples
    --------
    >>> a = shared_client("http://127.0.0.1:9812/archive-access/api/1.0")
    >>> a is shared_client("http://127.0.0.1:9812/admin"), a is shared_client("http://127.0.0.1:9")
    (True, False)
    """
    key = origin(url)
    client = _clients.get(key)
    if client is not None and not client.is_closed:
        return client
    with _lock:
        client = _clients.get(key)
        if client is None or client.is_closed:
            context = _verifying_context() if key[0] == "https" else _plain_context()
            transport = StdlibTransport(context)
            client = httpx.Client(
                timeout=DEFAULT_TIMEOUT, verify=context, transport=transport, cookies=_no_cookies()
            )
            _clients[key] = client
            if not urllib.request.getproxies():  # else httpx's proxy transports may apply
                _direct[id(client)] = client, transport
        return client


def direct_transport(client: httpx.Client) -> StdlibTransport | None:
    """The transport a request to ``client`` may go straight to, or ``None``.

    Only a shared client has one, and only when no proxy is configured in the
    environment: it has no authentication, cookies, hooks, redirects to follow
    (nor proxies) that :meth:`httpx.Client.send` would apply. A request built
    with the client's headers and timeout (:func:`direct_request`) and sent by
    the transport is the request the client would send, for a tenth of the cost.

    Examples
    --------
    >>> shared = shared_client("http://127.0.0.1:9")
    >>> direct_transport(shared) is shared._transport, direct_transport(httpx.Client())
    (True, None)
    """
    entry = _direct.get(id(client))
    return entry[1] if entry is not None and entry[0] is client else None


def pool_usage(url: str | httpx.URL) -> tuple[int, int]:
    """Connections of the shared client of ``url``'s origin: idle, and in use.

    A stream that ends or is dropped gives its connection back: it stays open,
    idle, for the next call. ``(0, 0)`` if no call went to that server yet.

    Examples
    --------
    >>> pool_usage("http://127.0.0.1:7")
    (0, 0)
    """
    client = _clients.get(origin(url))
    if client is None:
        return 0, 0
    transport = client._transport  # the one built in shared_client()
    assert isinstance(transport, StdlibTransport)
    return transport.usage()


def close_shared_clients() -> None:
    """Close every shared client (and its connections); the next call builds anew.

    Examples
    --------
    >>> client = shared_client("http://127.0.0.1:9")
    >>> close_shared_clients()
    >>> client.is_closed, shared_client("http://127.0.0.1:9") is client
    (True, False)
    """
    with _lock:
        clients = list(_clients.values())
        _clients.clear()
        _direct.clear()
    for client in clients:
        client.close()


def _forget_after_fork() -> None:
    global _lock
    _lock = threading.Lock()  # it may have been held by another thread at the fork
    _clients.clear()
    _direct.clear()


atexit.register(close_shared_clients)
os.register_at_fork(after_in_child=_forget_after_fork)
