"""The HTTP layer every connector shares: credentials, retries, error translation.

Every request of every system goes through an :class:`HttpSession`. It takes
the user name and password out of its base URL before any request is built (so
httpx's log lines, its exceptions and its request reprs never hold them) and
sends them as an ``Authorization: Basic`` header, unless the system's own
credentials are given, which win. Each call runs under a :class:`RetryPolicy`
(tenacity; see :mod:`arrowtap._retry`). httpx errors are mapped to arrowtap
errors by :mod:`~arrowtap.connectors._http_errors` and nowhere else; a
:class:`~arrowtap.errors.TransportError` is raised outside the ``except`` clause so
that the original is not its ``__context__``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx

from arrowtap._pool import direct_transport, shared_client
from arrowtap._redact import (
    basic_authorization,
    parse_url,
    redact,
    redact_text,
    redacted_repr,
    secret_forms,
    split_userinfo,
    url_of,
)
from arrowtap._retry import DEFAULT_TIMEOUT, RetryPolicy, parse_retry_after
from arrowtap.connectors._http_errors import (
    TranslatedStream,
    check_json_content_type,
    decode_json_body,
    status_error,
    transport_error,
)
from arrowtap.errors import InvalidArgumentError, TransportError

__all__ = [
    "DEFAULT_TIMEOUT",
    "HttpSession",
    "RetryPolicy",
    "api_base_url",
    "basic_authorization",
    "check_json_content_type",
    "decode_json_body",
    "parse_retry_after",
    "parse_url",
    "redact",
    "redacted_repr",
    "status_error",
    "transport_error",
]

T = TypeVar("T")

_httpx_log = logging.getLogger("httpx")  # the request lines httpx's client would log
_DEFAULT_RETRY = RetryPolicy()  # frozen: one for every session that names none


def api_base_url(url: str, api_path: str, system: str) -> tuple[str, httpx.URL]:
    """Check a server URL and extend a bare ``http(s)://host[:port]`` with ``api_path``.

    Returns the base URL (no trailing slash, credentials kept for
    :class:`HttpSession` to take out) and the parsed URL; errors name the URL
    without its credentials.

    Examples
    --------
    >>> api_base_url("http://archiver:9812/", "/archive-access/api/1.0", "demo")[0]
    'http://archiver:9812/archive-access/api/1.0'
    """
    if not isinstance(url, str):
        raise InvalidArgumentError(f"{system}: url must be a str, got {type(url).__name__}")
    parsed, why = parse_url(url)
    if parsed is None:
        raise InvalidArgumentError(f"{system}: invalid url {redact(url)!r}{why}")
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidArgumentError(
            f"{system}: url must be http(s)://host[:port], got {redact(url)!r}"
        )
    base = url.rstrip("/")
    if parsed.path.rstrip("/") in ("", "/"):
        base += api_path
    return base, parsed


def _query(params: Mapping[str, Any]) -> str:
    """``params`` as httpx encodes them; plain names of integers need no quoting.

    Examples
    --------
    >>> _query({"start": 5, "end": -1}), _query({"q": "a b", "n": 1})
    ('start=5&end=-1', 'q=a+b&n=1')
    """
    if all(type(v) is int and k.isascii() and k.isalnum() for k, v in params.items()):
        return "&".join(f"{name}={value}" for name, value in params.items())
    return str(httpx.QueryParams(params))


_AS_BUILT = httpx.Auth()  # the base class sends a request as it is


class HttpSession:
    """An httpx client bound to a base URL, with credentials, retries and error translation.

    Parameters
    ----------
    base_url : str
        Prefix of every request path. A user name and password in it are taken
        out before any request is built and sent as ``Authorization: Basic``.
    system : str
        Name of the system, used in error messages.
    client : httpx.Client, optional
        The caller's own client (its transport, proxies, TLS settings); it is
        not closed by :meth:`close`. By default the client shared by every
        session on the same server (:func:`~arrowtap._pool.shared_client`),
        whose connections outlive the session.
    retry : RetryPolicy, optional
        Retry budget and backoff.
    headers : mapping of str to str, optional
        Headers of every request.
    authorization : str, optional
        The ``Authorization`` header of the system's own credentials; when
        given, it wins and the credentials of ``base_url`` are not sent.
    secrets : iterable of str
        Further texts (passwords, tokens) never to show in a message.

    Examples
    --------
    >>> session = HttpSession("http://ann:s3cret@127.0.0.1:9", system="demo")
    >>> session.base_url, session
    ('http://127.0.0.1:9', HttpSession('http://127.0.0.1:9', system='demo'))
    >>> session.build("GET", "/x").headers["Authorization"]
    'Basic YW5uOnMzY3JldA=='
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
        authorization: str | None = None,
        secrets: Iterable[str | None] = (),
    ) -> None:
        parsed, why = parse_url(base_url)
        if parsed is None:
            raise InvalidArgumentError(f"{system}: invalid url {redact(base_url)!r}{why}")
        bare, username, password = split_userinfo(base_url)
        self.base_url = bare.rstrip("/")
        self.system = system
        self.retry = retry or _DEFAULT_RETRY
        self.client = client or shared_client(self.base_url)
        self._headers = dict(headers or {})
        if authorization is None and (username or password):
            authorization = basic_authorization(username or "", password)
        self._authorization = authorization
        self._secrets = secret_forms(password, *secrets)
        # A shared client's requests go straight to its transport (see direct_transport).
        self._direct = direct_transport(self.client)
        self._timeout = self.client.timeout.as_dict()
        self._direct_headers = httpx.Headers(self.client.headers)
        self._direct_headers.update(self._headers)

    def __repr__(self) -> str:
        return f"HttpSession({self.base_url!r}, system={self.system!r})"

    def close(self) -> None:
        """End the session; neither the caller's client nor the shared one is closed."""

    def __enter__(self) -> HttpSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def scrub(self, text: str) -> str:
        """``text`` without URL credentials nor this session's secrets."""
        return redact_text(text, self._secrets)

    def call(self, attempt: Callable[[], T]) -> T:
        """Run ``attempt`` under the retry policy; it raises arrowtap errors."""
        return self.retry.retrying()(attempt)

    def build(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        authorize: bool = True,
    ) -> httpx.Request:
        """A request of ``base_url + path``, with the credentials unless ``authorize=False``."""
        if self._direct is not None:
            return self._build_direct(method, path, params, content, headers, authorize)
        url: str | httpx.URL = self.base_url + path
        if not self.client.params:  # else httpx merges the client's own into ``params``
            # Parsed once per path, and once more with the query: a third of a small call.
            parsed = url_of(self.base_url + path)
            url = parsed if params is None else httpx.URL(parsed, params=params)
            params = None
        request = self.client.build_request(
            method, url, params=params, content=content, headers=self._headers
        )
        request.headers.update(headers or {})
        if authorize and self._authorization is not None:
            request.headers["Authorization"] = self._authorization
        elif not authorize:
            request.headers.pop("Authorization", None)  # even if the caller's client has one
        return request

    def _build_direct(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        content: bytes | None,
        headers: Mapping[str, str] | None,
        authorize: bool,
    ) -> httpx.Request:
        # What httpx's build_request makes of the shared client's defaults, for the
        # URL parsed once rather than three times.
        url = self.base_url + path
        if params:
            url += "?" + _query(params)
        merged = self._direct_headers.copy()
        if headers:
            merged.update(headers)
        if authorize and self._authorization is not None:
            merged["Authorization"] = self._authorization
        extensions = {"timeout": self._timeout}
        return httpx.Request(method, url, headers=merged, content=content, extensions=extensions)

    def _send_direct(self, request: httpx.Request, stream: bool) -> httpx.Response:
        assert self._direct is not None
        response = self._direct.handle_request(request)
        response.request = request
        if _httpx_log.isEnabledFor(logging.INFO):
            _httpx_log.info(
                'HTTP Request: %s %s "%s %d %s"', request.method, request.url,
                response.http_version, response.status_code, response.reason_phrase,
            )  # fmt: skip
        if not stream:
            try:
                response.read()
            finally:
                response.close()
        return response

    def send(
        self,
        request: httpx.Request,
        what: str,
        *,
        stream: bool = False,
        auth: httpx.Auth | None = None,
    ) -> httpx.Response:
        """Send ``request`` once; a failure to connect or read is a :class:`TransportError`.

        ``auth`` replaces the client's own authentication; by default the
        session's credentials, when it has some, win over the client's.
        """
        if auth is None:
            auth = _AS_BUILT if self._authorization is not None else None
        try:
            if self._direct is not None and auth in (None, _AS_BUILT):
                return self._send_direct(request, stream)
            return self.client.send(
                request, stream=stream, auth=httpx.USE_CLIENT_DEFAULT if auth is None else auth
            )
        except httpx.HTTPError as exc:
            error = transport_error(self.system, what, request.url, exc, self._secrets)
        raise error  # outside the except clause: nothing of exc in its context

    def request(self, method: str, path: str, what: str, **fields: Any) -> httpx.Response:
        """Build (see :meth:`build`) and send one request, its body read; no retry."""
        return self.send(self.build(method, path, **fields), what)

    @contextmanager
    def open(
        self, path: str, params: Mapping[str, Any] | None = None, what: str = "GET"
    ) -> Iterator[httpx.Response]:
        """Send one GET and yield the streaming response of a 2xx answer (no retry)."""
        request = self.build("GET", path, params=params)
        response = self.send(request, what, stream=True)

        def fail(exc: httpx.HTTPError) -> TransportError:
            return transport_error(self.system, what, request.url, exc, self._secrets)

        assert isinstance(response.stream, httpx.SyncByteStream)  # a sync client's
        response.stream = TranslatedStream(response.stream, fail)
        try:
            if response.status_code >= 400:
                response.read()
                raise status_error(self.system, response, what)
            yield response
        except httpx.HTTPError as exc:  # e.g. a body that does not decompress
            exc.request = httpx.Request(request.method, redact(request.url))  # no headers
            raise fail(exc)  # noqa: B904 - fail() chains a redacted copy
        finally:
            response.close()

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
