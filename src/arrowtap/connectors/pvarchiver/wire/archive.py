"""Archive-access API of the Cassandra PV Archiver: URLs, name encoding, channel search.

The server takes the name from the raw request path and decodes it with
``URLDecoder`` (``+`` becomes a space), keeps every ``/`` after the fixed
prefix, and rejects ``%2F``. So names are percent-encoded except ``/``, and
names whose ``/``-separated parts are ``.`` or ``..`` are refused: a URL
cannot carry them without being normalised into another endpoint.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from arrowtap.connectors._http import HttpSession, RetryPolicy, api_base_url
from arrowtap.errors import BadRequestError, InvalidArgumentError, ProtocolError

__all__ = [
    "API_PATH",
    "archive_base_url",
    "find_channels",
    "name_path",
    "open_session",
]

API_PATH = "/archive-access/api/1.0"
ARCHIVE = "/archive/1"
SYSTEM = "pvarchiver"


def archive_base_url(url: str) -> str:
    """Normalise a server URL to the base of the archive-access API.

    Examples
    --------
    >>> archive_base_url("http://archiver:9812")
    'http://archiver:9812/archive-access/api/1.0'
    >>> archive_base_url("http://archiver:9812/archive-access/api/1.0/")
    'http://archiver:9812/archive-access/api/1.0'
    """
    return api_base_url(url, API_PATH, SYSTEM)[0]


def name_path(name: str, what: str = "channel") -> str:
    """Encode a channel name (or pattern) as the server decodes it back.

    Examples
    --------
    >>> name_path("a+b c/d")
    'a%2Bb%20c/d'
    """
    if not isinstance(name, str) or not name:
        raise InvalidArgumentError(f"{SYSTEM}: {what} must be a non-empty str, got {name!r}")
    if any(part in (".", "..") for part in name.split("/")):
        raise InvalidArgumentError(
            f"{SYSTEM}: {what} {name!r} has a '.' or '..' path segment, which the "
            "archive-access URL cannot carry"
        )
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name):
        raise InvalidArgumentError(f"{SYSTEM}: {what} {name!r} contains a control character")
    return quote(name, safe="/")


def open_session(
    url: str, client: httpx.Client | None = None, retry: RetryPolicy | None = None
) -> HttpSession:
    """An HTTP session on the archive-access API of the server at ``url``.

    The archive-access API itself takes no credentials; a user name and
    password in ``url`` (for a proxy in front of it) are taken out of the URL
    and sent as ``Authorization: Basic`` with every request, never shown.

    Examples
    --------
    >>> session = open_session("http://ann:s3cret@archiver:9812")
    >>> session
    HttpSession('http://archiver:9812/archive-access/api/1.0', system='pvarchiver')
    >>> session.close()
    """
    return HttpSession(
        archive_base_url(url),
        system=SYSTEM,
        client=client,
        retry=retry,
        headers={"Accept": "application/json"},
    )


def find_channels(
    session: HttpSession, *, pattern: str | None = None, regexp: str | None = None
) -> list[str]:
    """Names of the archive's channels matching a glob ``pattern`` or a ``regexp``.

    Both match the whole name. The glob knows only ``*`` and ``?`` and ignores
    case; the regular expression (Java syntax) is case-sensitive. The result is
    in the server's order (sorted).
    """
    if (pattern is None) == (regexp is None):
        raise InvalidArgumentError(f"{SYSTEM}: give exactly one of pattern= or regexp=")
    if regexp is not None:
        path = f"{ARCHIVE}/channels-by-regexp/{name_path(regexp, 'regexp')}"
        what = f"channels matching regexp {regexp!r}"
    else:
        assert pattern is not None
        path = f"{ARCHIVE}/channels-by-pattern/{name_path(pattern, 'pattern')}"
        what = f"channels matching pattern {pattern!r}"
    try:
        names = session.get_json(path, what=what)
    except BadRequestError as exc:
        raise BadRequestError(
            f"{SYSTEM}: the server rejected {what} (invalid regular expression?)",
            status=exc.status,
            url=exc.url,
        ) from exc
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ProtocolError(f"{SYSTEM}: {what}: expected a JSON array of names")
    return names
