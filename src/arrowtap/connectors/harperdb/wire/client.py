"""The HarperDB operations API: one JSON POST per operation, errors translated once.

Every request is ``POST <url>/`` with a JSON body ``{"operation": ..., ...}``
and HTTP Basic credentials; every error is ``{"error": "<text>"}`` with a 4xx
status (``401 {"error": "Login failed"}`` for a wrong password). Connection
errors and 5xx are retried under the :class:`RetryPolicy`; 4xx never are.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import msgspec

from arrowtap.connectors._http import (
    HttpSession,
    RetryPolicy,
    basic_authorization,
    parse_url,
    redact,
)
from arrowtap.errors import (
    AuthenticationError,
    BadRequestError,
    DecodeError,
    InvalidArgumentError,
    NotFoundError,
    NotSupportedError,
    ServerError,
    UnavailableError,
)

__all__ = ["SYSTEM", "HarperDBClient", "operation_url"]

SYSTEM = "HarperDB"
# "Table 'db.t' does not exist", "database 'x' does not exist", "nosuch does not exist"
# (remove_node), "Table nosuch not found" (search_by_conditions, HTTP 400).
_NOT_FOUND = re.compile(r"does not exist|^Table .* not found$")


def operation_url(url: str) -> tuple[str, str | None, str | None]:
    """The operations API URL without credentials, and the user name and password it held.

    Checks ``url`` without building a client (plans name a node before reading it).

    Examples
    --------
    >>> operation_url("http://admin:secret@127.0.0.1:9925")
    ('http://127.0.0.1:9925/', 'admin', 'secret')
    """
    if not isinstance(url, str):
        raise InvalidArgumentError(f"{SYSTEM}: url must be a str, got {type(url).__name__}")
    parsed, why = parse_url(url)
    if parsed is None:
        raise InvalidArgumentError(f"{SYSTEM}: invalid url {redact(url)!r}{why}")
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidArgumentError(
            f"{SYSTEM}: url must be http(s)://host:port of the operations API, got {redact(url)!r}"
        )
    user = parsed.username or None
    password = parsed.password or None
    return redact(parsed).rstrip("/") + "/", user, password


def _body(operation: str, fields: dict[str, Any]) -> bytes:
    payload = {"operation": operation, **fields}
    if any(isinstance(value, msgspec.Raw) for value in fields.values()):
        # Pre-encoded JSON (e.g. a batch of records) goes in as it is.
        return msgspec.json.encode(payload, enc_hook=str)
    return json.dumps(payload, default=str).encode()


class HarperDBClient:
    """A client of one HarperDB node's operations API.

    Parameters
    ----------
    url : str
        ``http(s)://host:port`` of the operations API. A user name and password
        in it (``http://admin:pw@host:9925``) are taken out of the URL before
        any request and sent as HTTP Basic credentials; never shown.
    username, password : str, optional
        HTTP Basic credentials; each one given replaces its counterpart in the
        URL (``username=`` with the URL's password, and so on). Without any,
        only a dev-mode server's loopback ``authorizeLocal`` lets you in.
    client : httpx.Client, optional
        Your own client (transport, TLS settings); not closed by :meth:`close`.
    retry : RetryPolicy, optional
        Retries of connection errors and 5xx.

    Examples
    --------
    >>> client = HarperDBClient("http://admin:secret@127.0.0.1:9925")
    >>> client
    HarperDBClient('http://127.0.0.1:9925/', username='admin')
    >>> client.close()
    """

    def __init__(
        self,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.url, url_user, url_password = operation_url(url)
        self.username = username if username is not None else url_user
        password = password if password is not None else url_password
        self._session = HttpSession(
            self.url,
            system=SYSTEM,
            client=client,
            retry=retry,
            authorization=basic_authorization(self.username, password) if self.username else None,
            secrets=(password,),
        )

    def __repr__(self) -> str:
        return f"HarperDBClient({self.url!r}, username={self.username!r})"

    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        self._session.close()

    def __enter__(self) -> HarperDBClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def operation(self, operation: str, **fields: Any) -> Any:
        """Run one operation and return its decoded JSON answer.

        Raises
        ------
        AuthenticationError
            Wrong user name or password (HTTP 401), or not allowed (403).
        NotFoundError
            The database, table or record the operation names does not exist.
        NotSupportedError
            An operation of legacy NATS clustering on a natively replicating node.
        BadRequestError
            Any other refusal; the message carries the server's text.
        TransportError, UnavailableError
            The node did not answer, or answered 5xx, after the retries.

        Examples
        --------
        >>> from arrowtap.connectors.harperdb.wire.canned import canned_client
        >>> client = canned_client({"cluster_status": {"connections": []}})
        >>> HarperDBClient("http://127.0.0.1:9925", client=client).operation("cluster_status")
        {'connections': []}
        """
        body = _body(operation, fields)
        return self._session.call(lambda: self._decode(operation, self._send(operation, body)))

    def operation_bytes(self, operation: str, **fields: Any) -> bytes:
        """Run one operation and return its answer's body undecoded (for columnar decoders).

        Errors are those of :meth:`operation`.

        Examples
        --------
        >>> from arrowtap.connectors.harperdb.wire.canned import canned_client
        >>> client = canned_client({"search_by_value": [{"id": 1}]})
        >>> HarperDBClient("http://127.0.0.1:9925", client=client).operation_bytes(
        ...     "search_by_value", database="d", table="t")
        b'[{"id":1}]'
        """
        body = _body(operation, fields)
        return self._session.call(lambda: self._send(operation, body).content)

    def _send(self, operation: str, body: bytes) -> httpx.Response:
        request = self._session.build(
            "POST", "/", content=body, headers={"Content-Type": "application/json"}
        )
        response = self._session.send(request, operation)
        if response.status_code >= 400:
            raise self._error(operation, response)
        return response

    def _decode(self, operation: str, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise DecodeError(
                f"{SYSTEM}: {operation}: answer from {self.url} is not JSON "
                f"(starts with {response.content[:40]!r})"
            ) from exc

    def _error(self, operation: str, response: httpx.Response) -> ServerError:
        status = response.status_code
        try:
            text = str(response.json().get("error", response.text))
        except (ValueError, AttributeError):
            text = response.text[:200]
        message = f"{SYSTEM}: {operation} at {self.url}: HTTP {status}: {text}"
        kind: type[ServerError]
        if status in (401, 403):
            kind = AuthenticationError
            if self.username:
                message += f" (user {self.username!r})"
        elif status == 404 or _NOT_FOUND.search(text):
            kind = NotFoundError
        elif "Clustering must be enabled" in text:
            kind = NotSupportedError
        elif status >= 500:
            kind = UnavailableError
        elif status == 400:
            kind = BadRequestError
        else:
            kind = ServerError
        return kind(message, status=status, url=self.url, server_message=text)
