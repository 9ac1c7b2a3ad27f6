"""Administrative API of the Cassandra PV Archiver (port 4812): requests and error translation.

Reads (GET) carry no credentials at all: the server needs none, and rejects
wrong ones even on reads. The two modifying requests (POST) send HTTP Basic
credentials pre-emptively, since the server answers a missing or wrong
``Authorization`` with a 403 and no challenge. POSTs are not retried once
sent (a command may have run); only failures to connect are.

Credentials in the URL (``http://user:pw@host:4812``) are refused with an
:class:`InvalidArgumentError` naming the URL without them, for reads and writes
alike: reads must go without credentials, and the modifying functions take
``username=`` and ``password=``, so there is never a choice between the two.

A 500 from a POST is not an error of the request: it carries the results of
every command (or channel), some of which failed, and is returned as such.
400 (malformed), 403 (credentials), 404 and 503 (database) are raised as
:class:`BadRequestError`, :class:`AuthenticationError`, :class:`NotFoundError`
and :class:`UnavailableError`. Credentials never appear in messages or reprs.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

import httpx

from arrowtap.connectors._http import (
    HttpSession,
    RetryPolicy,
    api_base_url,
    decode_json_body,
    redact,
    status_error,
)
from arrowtap.errors import (
    AuthenticationError,
    BadRequestError,
    InvalidArgumentError,
    ProtocolError,
    ServerError,
    TransportError,
    UnavailableError,
)

__all__ = [
    "API_PATH",
    "SYSTEM",
    "Credentials",
    "admin_base_url",
    "get_json",
    "open_admin_session",
    "post_json",
    "server_id_str",
]

API_PATH = "/admin/api/1.0"
SYSTEM = "pvarchiver-admin"
_NO_AUTH = httpx.Auth()  # the base class sends the request as it is


class Credentials:
    """A user name and password for the modifying requests; the password never shows.

    Examples
    --------
    >>> Credentials("admin", "s3cret")
    Credentials(username='admin', password=***)
    """

    __slots__ = ("_password", "username")

    def __init__(self, username: str, password: str) -> None:
        if not isinstance(username, str) or not isinstance(password, str):
            raise InvalidArgumentError(f"{SYSTEM}: username and password must be str")
        self.username = username
        self._password = password

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password=***)"

    def auth(self) -> httpx.BasicAuth:
        """The httpx Basic authentication of these credentials."""
        return httpx.BasicAuth(self.username, self._password)


def admin_base_url(url: str) -> str:
    """Normalise a server URL to the base of the administrative API.

    A URL with a user name or password is refused (see the module's text).

    Examples
    --------
    >>> admin_base_url("http://archiver:4812")
    'http://archiver:4812/admin/api/1.0'
    >>> admin_base_url("http://archiver:4812/admin/api/1.0/")
    'http://archiver:4812/admin/api/1.0'
    """
    base, parsed = api_base_url(url, API_PATH, SYSTEM)
    if parsed.userinfo:
        raise InvalidArgumentError(
            f"{SYSTEM}: put no credentials in the url {redact(url)!r}: reads need none; "
            "pass username= and password= to the functions that modify"
        )
    return base


def server_id_str(server_id: object) -> str:
    """Check a server ID (a UUID or its text) and return its canonical text.

    Examples
    --------
    >>> server_id_str("7CF8F393-CD00-46AE-9343-53E9CB5793FD")
    '7cf8f393-cd00-46ae-9343-53e9cb5793fd'
    """
    if isinstance(server_id, uuid.UUID):
        return str(server_id)
    if isinstance(server_id, str):
        try:
            return str(uuid.UUID(server_id))
        except ValueError:
            pass
    raise InvalidArgumentError(f"{SYSTEM}: server_id must be a UUID, got {server_id!r}")


def open_admin_session(
    url: str, client: httpx.Client | None = None, retry: RetryPolicy | None = None
) -> HttpSession:
    """An HTTP session on the administrative API of the server at ``url``."""
    return HttpSession(
        admin_base_url(url),
        system=SYSTEM,
        client=client,
        retry=retry,
        headers={"Accept": "application/json"},
    )


def get_json(session: HttpSession, path: str, what: str) -> Any:
    """GET ``path`` without any credentials, with retries, and decode its JSON."""

    def attempt() -> Any:
        request = session.build("GET", path, authorize=False)
        response = session.send(request, what, auth=_NO_AUTH)
        if response.status_code >= 400:
            raise status_error(SYSTEM, response, what)
        return decode_json_body(SYSTEM, what, response, response.content)

    return session.call(attempt)


def _server_message(response: httpx.Response) -> str:
    """The server's own explanation in an error body (``errorMessage`` or ``message``)."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return ""
    if isinstance(body, dict):
        for key in ("errorMessage", "message"):
            if isinstance(body.get(key), str) and body[key]:
                return f": {body[key][:500]}"
    return ""


def post_json(
    session: HttpSession, path: str, body: Mapping[str, Any], credentials: Credentials, what: str
) -> Any:
    """POST ``body`` with Basic credentials; return the JSON of a 200 or a 500 answer."""
    url = session.base_url + path
    content = json.dumps(body, separators=(",", ":")).encode("utf-8")
    headers = {"Content-Type": "application/json;charset=UTF-8"}
    for attempt in range(1, session.retry.attempts + 1):
        request = session.build("POST", path, content=content, headers=headers)
        try:
            response = session.send(request, what, auth=credentials.auth())
            break
        except TransportError as exc:
            # Only a connection never made is safe to try again: a command may have run.
            never_sent = isinstance(exc.__cause__, httpx.ConnectError)
            if not never_sent or attempt >= session.retry.attempts:
                raise
        time.sleep(session.retry.delay(attempt, None))
    status, where = response.status_code, redact(url)
    if status in (401, 403):
        raise AuthenticationError(
            f"{SYSTEM}: {what}: HTTP {status} from {where}: the server refused the "
            "credentials (check username and password; the user needs the admin role)",
            status=status,
            url=where,
        )
    detail = _server_message(response)
    if status == 400:
        raise BadRequestError(
            f"{SYSTEM}: {what}: HTTP 400 from {where}: malformed request{detail}",
            status=status,
            url=where,
        )
    if status == 503:
        raise UnavailableError(
            f"{SYSTEM}: {what}: HTTP 503 from {where}{detail}", status=status, url=where
        )
    if status not in (200, 500):
        error = status_error(SYSTEM, response, what)
        raise type(error)(f"{error}{detail}", status=status, url=where)
    try:
        return decode_json_body(SYSTEM, what, response, response.content)
    except ProtocolError as exc:
        if status == 500:  # an internal error without the per-item results
            raise ServerError(
                f"{SYSTEM}: {what}: HTTP 500 from {where}", status=500, url=where
            ) from exc
        raise
