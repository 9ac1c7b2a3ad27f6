"""Secrets out of URLs, messages and exception chains, for every connector.

A user name and password in a URL (its *userinfo*, ``http://user:pw@host``)
never reach httpx, whose INFO log line of each request, exceptions and request
reprs would repeat them: :func:`split_userinfo` takes them out and
:func:`basic_authorization` turns them into a header.
:func:`redact` shows a URL without them (even one that does not parse), and
:func:`redact_text` cleans free text, such as a library's error message.
:func:`redacted_copy` stands in for an httpx exception in an error's chain: same
class, cleaned message, no request (whose headers hold the credentials).
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import re
from collections.abc import Iterable
from urllib.parse import quote

import httpx

__all__ = [
    "basic_authorization",
    "parse_url",
    "redact",
    "redact_text",
    "redacted_copy",
    "redacted_repr",
    "secret_forms",
    "split_userinfo",
    "url_of",
]

_SCHEME = r"[A-Za-z][A-Za-z0-9+.-]*://"
# A userinfo inside text: after a scheme, up to an "@" before the path starts.
_USERINFO_IN_TEXT = re.compile(rf"({_SCHEME})[^\s/?#@'\"<>]*@")
# Up to the last "@" of a string that does not parse as a URL with a host:
# "user:pw@host" reads as the scheme "user", "http://u:p/w@h" as a bad port.
_UP_TO_LAST_AT = re.compile(rf"^({_SCHEME})?.*@", re.DOTALL)
MASK = "***"
"""What stands for a secret found in text."""


@functools.lru_cache(maxsize=512)
def _parsed(url: str) -> httpx.URL:
    return httpx.URL(url)


def url_of(url: str) -> httpx.URL:
    """``url`` parsed by httpx; the parse of a URL without credentials is kept for next time.

    Every call of a reader checks, redacts and sends its URL: parsing it once
    saves more than the request costs to build. A URL with a user name and
    password is parsed afresh, so that no secret stays in the cache.

    Raises ``httpx.InvalidURL`` for a URL that does not parse.

    Examples
    --------
    >>> url_of("http://h:9/x") is url_of("http://h:9/x"), url_of("http://h:9/x").port
    (True, 9)
    """
    return httpx.URL(url) if "@" in url else _parsed(url)


def redact(url: str | httpx.URL) -> str:
    """Return ``url`` without user name and password, fit for messages and logs.

    A string that does not parse as a URL with a host loses everything up to
    its last ``@``: better a shortened address than a password.

    Examples
    --------
    >>> redact("http://admin:secret@host:4812/admin/api/1.0")
    'http://host:4812/admin/api/1.0'
    >>> redact("admin:secret@host:4812"), redact("http://u:se/cret@host")
    ('host:4812', 'http://host')
    """
    text = str(url)
    try:
        parsed: httpx.URL | None = url if isinstance(url, httpx.URL) else url_of(text)
    except (httpx.InvalidURL, TypeError):
        parsed = None
    if parsed is not None and parsed.host:
        if not parsed.userinfo:
            return text
        return str(parsed.copy_with(username=None, password=None))
    return _UP_TO_LAST_AT.sub(r"\1", text)


def parse_url(url: str) -> tuple[httpx.URL | None, str]:
    """``url`` parsed, or ``None`` and why not, for a message (``": reason"``).

    httpx's reason quotes the bad part, which may be a piece of a password
    (``http://ann:pa/ss@host`` has the bad port ``pa``): a quoted piece found
    before the URL's last ``@`` is masked. Call this rather than catching
    ``httpx.InvalidURL`` next to a ``raise``: an error raised in that ``except``
    clause would keep the httpx exception as its ``__context__``.

    Examples
    --------
    >>> parse_url("http://h:port")
    (None, ": Invalid port: 'port'")
    >>> parse_url("http://ann:pa/ss@h")
    (None, ": Invalid port: '***'")
    >>> parse_url("http://h:9")[0]
    URL('http://h:9')
    """
    try:
        return url_of(url), ""
    except httpx.InvalidURL as exc:
        reason = str(exc)
    head = url.rpartition("@")[0]
    for quoted in re.findall(r"'([^']*)'", reason):
        if quoted and quoted in head:
            reason = reason.replace(f"'{quoted}'", f"'{MASK}'")
    return None, f": {redact_text(reason)}"


def secret_forms(*secrets: str | None) -> tuple[str, ...]:
    """The texts under which ``secrets`` may show: as given and percent-encoded.

    Secrets shorter than 4 characters are left out: masking them would blank
    out ordinary words of a message.

    Examples
    --------
    >>> secret_forms("p@ss word", None, "ab")
    ('p@ss word', 'p%40ss%20word')
    """
    forms: dict[str, None] = {}
    for secret in secrets:
        if secret and len(secret) >= 4:
            forms[secret] = None
            forms[quote(secret, safe="")] = None
    return tuple(forms)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without any URL's userinfo, nor any of ``secrets`` (see :func:`secret_forms`).

    Examples
    --------
    >>> redact_text("GET http://ann:pw@h/x failed; token s3cr3t", ["s3cr3t"])
    'GET http://h/x failed; token ***'
    """
    for secret in secrets:
        text = text.replace(secret, MASK)
    return _USERINFO_IN_TEXT.sub(r"\1", text)


def split_userinfo(url: str) -> tuple[str, str | None, str | None]:
    """``url`` without its userinfo, and the user name and password it held (decoded).

    Raises ``httpx.InvalidURL`` for a URL that does not parse (callers check first).

    Examples
    --------
    >>> split_userinfo("http://ann:p%40ss@h:9/x")
    ('http://h:9/x', 'ann', 'p@ss')
    >>> split_userinfo("http://h:9/x")
    ('http://h:9/x', None, None)
    """
    parsed = url_of(url)
    if not parsed.userinfo:
        return url, None, None
    bare = str(parsed.copy_with(username=None, password=None))
    return bare, parsed.username or None, parsed.password or None


def basic_authorization(username: str, password: str | None) -> str:
    """The ``Authorization`` header of HTTP Basic credentials.

    Examples
    --------
    >>> basic_authorization("ann", "s3cret")
    'Basic YW5uOnMzY3JldA=='
    """
    raw = f"{username}:{password or ''}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def redacted_copy(exc: httpx.HTTPError, secrets: Iterable[str] = ()) -> httpx.HTTPError:
    """A new exception of ``exc``'s class with its message cleaned and no request.

    What an arrowtap error chains instead of ``exc``: ``except`` clauses and
    ``isinstance`` checks on the cause keep working, while nothing the request
    held (the URL, the ``Authorization`` header) can show.

    Examples
    --------
    >>> request = httpx.Request("GET", "http://ann:pw@h/x")
    >>> copy = redacted_copy(httpx.ConnectError("refused http://ann:pw@h/x", request=request))
    >>> type(copy).__name__, str(copy)
    ('ConnectError', 'refused http://h/x')
    """
    text = redact_text(str(exc), secrets)
    try:
        return type(exc)(text)
    except TypeError:  # a class whose constructor wants more (HTTPStatusError)
        return httpx.HTTPError(text)


def redacted_repr(obj: object) -> str:
    """A dataclass's repr with every URL among its fields shown by :func:`redact`.

    What a source that holds a URL uses as its ``__repr__`` (with
    ``@dataclass(repr=False)``): its fields as the generated repr shows them, the
    user name and password of a URL left out.

    Examples
    --------
    >>> @dataclasses.dataclass(repr=False)
    ... class Source:
    ...     url: str
    ...     page_size: int = 10
    ...     __repr__ = redacted_repr
    >>> Source("http://ann:s3cret@h:9")
    Source(url='http://h:9', page_size=10)
    """
    shown = []
    for field in dataclasses.fields(obj):  # type: ignore[arg-type]
        if not field.repr:
            continue
        value = getattr(obj, field.name)
        if isinstance(value, str | httpx.URL) and "://" in str(value):
            value = redact(value)
        shown.append(f"{field.name}={value!r}")
    return f"{type(obj).__name__}({', '.join(shown)})"
