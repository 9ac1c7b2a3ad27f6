"""One Kinetica call: POST of an Avro (or JSON) request, the ``gpudb_response`` envelope back.

Every endpoint is ``POST <url><endpoint>`` (``kinetica.md`` §1). This module adds the
credentials (HTTP Basic, or a bearer token, which wins; a user name and password in the
URL only when no ``username=``, ``password=`` nor ``token=`` is given), runs each call
under the session's :class:`~arrowtap.connectors._http.RetryPolicy` and translates every
failure once, naming the endpoint, the table and the server's message, never a secret:

======================================  ==============================================
server answer                           arrowtap error
======================================  ==============================================
HTTP 401 / 403                          AuthenticationError (not retried)
HTTP 404 (no such endpoint)             NotFoundError
HTTP 5xx, 429, connection errors        UnavailableError / TransportError, retried
``ERROR``: table ... does not exist     NotFoundError naming the table
``ERROR``: not authorized, privileges   AuthenticationError
``ERROR``: server exiting, offline...   UnavailableError, retried
other ``ERROR``                         BadRequestError with the server's message
a body that is not an envelope          DecodeError, retried
======================================  ==============================================

A call that must not run twice (an append insert) is retried only when the server
surely did not act on it: HTTP 502 / 503 (as the official client does) or a connection
that was never made; after an ambiguous failure its error says so. The response header
``x-request-time-secs`` is ignored.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from typing import Any, Self, TypeVar

import httpx

from arrowtap.connectors._http import (
    HttpSession,
    RetryPolicy,
    api_base_url,
    basic_authorization,
    redact,
    redacted_repr,
    status_error,
)
from arrowtap.connectors.kinetica.wire.cursor import Cursor
from arrowtap.connectors.kinetica.wire.envelope import ENCODINGS, decode_response, encode_request
from arrowtap.errors import (
    ArrowtapError,
    AuthenticationError,
    BadRequestError,
    InvalidArgumentError,
    NotFoundError,
    ProtocolError,
    ServerError,
    TransportError,
    UnavailableError,
)

__all__ = ["SYSTEM", "KineticaClient", "LazyClient", "envelope_data"]

SYSTEM = "Kinetica"
T = TypeVar("T")

_MEDIA = {"binary": "application/octet-stream", "json": "application/json"}
_MISSING = re.compile(r"does not exist|not found|unknown table", re.IGNORECASE)
_DENIED = re.compile(
    r"insufficient privileges|not authori[sz]ed|unauthori[sz]ed|permission denied|access denied",
    re.IGNORECASE,
)
# The messages the official client treats as a failover trigger (kinetica.md §1.4).
_UNAVAILABLE = re.compile(
    r"Kinetica is exiting|Kinetica is offline|system-limited-fatal|Connection refused|"
    r"Connection reset|Query planner is not running|System shutting down|"
    r"Draining HA queue"
)
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class _Final(Exception):
    """Carries an error past the retry policy (a call that must not be repeated)."""

    def __init__(self, error: ArrowtapError) -> None:
        super().__init__(str(error))
        self.error = error


def envelope_data(body: bytes, what: str) -> tuple[str, str, memoryview]:
    r"""Status, message and the response record (a view into `body`) of a binary envelope.

    Examples
    --------
    >>> status, message, data = envelope_data(b"\x04OK\x00\x02x\x04\x01\x02\x00", "demo")
    >>> status, message, bytes(data)
    ('OK', '', b'\x01\x02')
    """
    cursor = Cursor(body, what=what)
    status, message = cursor.read_string(), cursor.read_string()
    cursor.read_view()  # data_type
    data = cursor.read_view()
    cursor.read_view()  # data_str
    return status, message, data


class KineticaClient:
    """Calls to one Kinetica server, with credentials, retries and error translation.

    Parameters
    ----------
    url : str
        The server, e.g. ``http://kinetica:9191`` (a path, for a proxy, is kept). A
        user name and password in it (``http://ann:pw@kinetica:9191``) are sent as
        HTTP Basic credentials when none of `username`, `password` and `token` is
        given, and ignored otherwise; they never show in a message or a repr.
    username, password : str, optional
        HTTP Basic credentials; they win over the URL's.
    token : str, optional
        An OAuth bearer token; used instead of any Basic credentials.
    client : httpx.Client, optional
        Your own client (proxies, TLS, transport); never closed here.
    retry : RetryPolicy, optional
        Retry budget and backoff.
    encoding : {"binary", "json"}
        The body encoding of control calls (:meth:`call`); records always travel as
        Avro binary.

    Examples
    --------
    >>> client = KineticaClient("http://127.0.0.1:9191", username="ann", password="s3cret")
    >>> client
    KineticaClient('http://127.0.0.1:9191', username='ann')
    >>> client.close()
    """

    def __init__(
        self,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        encoding: str = "binary",
    ) -> None:
        base, _ = api_base_url(url, "", SYSTEM)
        if encoding not in ENCODINGS:
            raise InvalidArgumentError(f"{SYSTEM}: encoding must be one of {ENCODINGS}")
        for name, value in (("username", username), ("password", password), ("token", token)):
            if value is not None and not isinstance(value, str):
                raise InvalidArgumentError(f"{SYSTEM}: {name} must be a str")
        self.username = username
        self.encoding = encoding
        own = (
            f"Bearer {token}"
            if token
            else basic_authorization(username or "", password)
            if username is not None or password is not None
            else None
        )
        self.session = HttpSession(
            base,
            system=SYSTEM,
            client=client,
            retry=retry,
            authorization=own,
            secrets=(password, token),
        )

    @property
    def url(self) -> str:
        """The server URL without credentials."""
        return redact(self.session.base_url)

    def __repr__(self) -> str:
        user = f", username={self.username!r}" if self.username else ""
        return f"KineticaClient({self.url!r}{user})"

    def close(self) -> None:
        """End the client; neither the caller's ``client`` nor the shared one is closed."""
        self.session.close()

    def __enter__(self) -> KineticaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(
        self,
        path: str,
        request: Mapping[str, Any],
        *,
        table: str | None = None,
        idempotent: bool = True,
    ) -> dict[str, Any]:
        """Call a control endpoint: the request record in, the response record out.

        Parameters
        ----------
        path : str
            The endpoint, e.g. ``/show/table``.
        request : mapping
            The request fields; those left out take their defaults.
        table : str, optional
            The table concerned, named in errors.
        idempotent : bool
            Whether the call may be repeated after an ambiguous failure.
        """
        body = encode_request(path, request, encoding=self.encoding)

        def parse(raw: bytes, response: httpx.Response) -> dict[str, Any]:
            reply = decode_response(path, raw, encoding=self.encoding)
            if reply.status != "OK":
                raise _error(path, table, reply.message, response)
            return reply.data

        return self.post(
            path, body, parse, table=table, idempotent=idempotent, encoding=self.encoding
        )

    def call_binary(
        self,
        path: str,
        body: bytes,
        parse: Callable[[memoryview], T],
        *,
        table: str | None = None,
        idempotent: bool = True,
    ) -> T:
        """Call an endpoint with a ready Avro body; `parse` reads the response record in place.

        `parse` runs inside the retried attempt, so a body that does not decode
        (:class:`~arrowtap.errors.DecodeError`) is fetched again.
        """

        def handle(raw: bytes, response: httpx.Response) -> T:
            status, message, data = envelope_data(raw, f"reply from {path}")
            if status != "OK":
                raise _error(path, table, message, response)
            return parse(data)

        return self.post(path, body, handle, table=table, idempotent=idempotent)

    def post(
        self,
        path: str,
        body: bytes,
        handle: Callable[[bytes, httpx.Response], T],
        *,
        table: str | None = None,
        idempotent: bool = True,
        encoding: str = "binary",
    ) -> T:
        """POST `body` to `path` under the retry policy; `handle` reads a 2xx/400 answer."""
        headers = {"Content-Type": _MEDIA[encoding], "Accept": _MEDIA[encoding]}
        where = path + (f" (table {table!r})" if table else "")
        what = f"{SYSTEM} {where}"

        def attempt() -> T:
            request = self.session.build("POST", path, content=body, headers=headers)
            try:
                response = self.session.send(request, where)
            except TransportError as exc:
                if idempotent or isinstance(exc.__cause__, _NEVER_SENT):
                    raise
                error = TransportError(f"{exc} (it may or may not have been applied)", url=exc.url)
                error.__cause__ = exc.__cause__
                raise _Final(error) from None
            try:
                return self._answer(response, handle, what)
            except (UnavailableError, ProtocolError) as exc:
                if idempotent or (isinstance(exc, ServerError) and exc.status in (502, 503)):
                    raise
                raise _Final(exc) from None

        try:
            return self.session.call(attempt)
        except _Final as final:
            error = final.error
        raise error  # outside the except clause: the carrier stays out of its context

    def _answer(
        self, response: httpx.Response, handle: Callable[[bytes, httpx.Response], T], what: str
    ) -> T:
        status = response.status_code
        if status in (401, 403):
            raise AuthenticationError(
                f"{what}: HTTP {status}: the server refused the credentials",
                status=status,
                url=redact(response.request.url),
            )
        if status == 404:
            raise NotFoundError(
                f"{what}: HTTP 404: the server has no such endpoint",
                status=status,
                url=redact(response.request.url),
            )
        if status >= 300 and status != 400:
            raise status_error(SYSTEM, response, what.removeprefix(f"{SYSTEM} "))
        return handle(response.content, response)


def _error(path: str, table: str | None, message: str, response: httpx.Response) -> ServerError:
    """The error of an ``ERROR`` envelope."""
    where = f"{SYSTEM} {path}" + (f" (table {table!r})" if table else "")
    status, url = response.status_code, redact(response.request.url)
    text = message.strip() or "(no message)"
    kind: type[ServerError] = BadRequestError
    if _UNAVAILABLE.search(text):
        kind, text = UnavailableError, f"server unavailable: {text}"
    elif _DENIED.search(text):
        kind, text = AuthenticationError, f"access denied: {text}"
    elif table is not None and _MISSING.search(text):
        kind, text = NotFoundError, f"table {table!r} does not exist: {text}"
    said = message.strip() or None
    return kind(f"{where}: {text}", status=status, url=url, server_message=said)


class LazyClient:
    """What the sources share: a :class:`KineticaClient` opened on first use, closed by them.

    A source is a picklable description (it travels to threads, processes and Dask
    workers); its client is made from its connection fields where it is used.
    """

    url: str
    username: str | None
    password: str | None
    token: str | None
    client: httpx.Client | None
    retry: RetryPolicy | None
    _kinetica: KineticaClient | None
    _lock: threading.Lock

    __repr__ = redacted_repr  # the URL without its credentials (subclasses: repr=False)

    @property
    def kinetica(self) -> KineticaClient:
        """The client, opened on first use."""
        with self._lock:
            if self._kinetica is None:
                self._kinetica = KineticaClient(
                    self.url,
                    username=self.username,
                    password=self.password,
                    token=self.token,
                    client=self.client,
                    retry=self.retry,
                )
            return self._kinetica

    def close(self) -> None:
        """Close the client if one was opened here."""
        with self._lock:
            if self._kinetica is not None:
                self._kinetica.close()
                self._kinetica = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
