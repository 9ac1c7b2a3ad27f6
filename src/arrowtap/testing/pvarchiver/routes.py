"""Request routing and validation: from a raw request target to a :class:`Reply`.

No I/O here. The rules follow ``Api10Controller`` behind Tomcat:

* the name / pattern / regexp is everything after the route prefix of the
  *raw* path, decoded like ``java.net.URLDecoder`` (``%XX`` as UTF-8, ``+``
  as a space), further ``/`` included; a ``%2F`` anywhere is rejected by
  Tomcat (400), so is a malformed ``%`` escape;
* query parameters are bound before the controller runs: a missing or
  non-numeric ``start`` / ``end``, or a non-numeric ``count``, is a 400 even
  for an unknown channel; then an empty or unknown channel name is a 404, and
  only then ``start < 0``, ``end < start`` and ``count <= 0`` are a 400;
* an empty pattern or regexp is not an error: it matches no channel;
* a regexp is Java's (see :mod:`~arrowtap.testing.pvarchiver.javaregex`): one
  Java cannot compile is a 400 "Invalid regular expression: ...", and so is
  one the fake cannot evaluate exactly as Java does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote_plus

from arrowtap.testing.pvarchiver.archive import Archive
from arrowtap.testing.pvarchiver.bulk import compact_texts
from arrowtap.testing.pvarchiver.javaregex_scan import JavaPatternError
from arrowtap.testing.pvarchiver.render import (
    format_string,
    json_array_chunks,
    render_pretty,
)

__all__ = ["BASE_PATH", "Reply", "resolve"]

BASE_PATH = "/archive-access/api/1.0"
"""The path of the archive-access API under the server root."""

_ARCHIVE = BASE_PATH + "/archive"
_PATTERN = _ARCHIVE + "/1/channels-by-pattern/"
_REGEXP = _ARCHIVE + "/1/channels-by-regexp/"
_SAMPLES = _ARCHIVE + "/1/samples/"
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_LONG = re.compile(r"[+-]?[0-9]+")
_HEX = re.compile(r"([+-]?)(?:0[xX]|#)([0-9a-fA-F]+)")
_ARCHIVES_COMPACT = b'[{"key":1,"name":"Cassandra","description":"Cassandra PV Archive"}]'
_ARCHIVES_PRETTY = (
    b'[ {\n  "key" : 1,\n  "name" : "Cassandra",\n  "description" : "Cassandra PV Archive"\n} ]'
)


@dataclass(frozen=True)
class Reply:
    """What to answer: an error status with a message, or a 200 with a JSON body.

    ``body`` renders the JSON array as UTF-8 pieces; ``cache_key`` identifies
    the body (``None``: do not cache).
    """

    status: int
    message: str = ""
    body: Callable[[], Iterator[bytes]] | None = None
    cache_key: tuple[object, ...] | None = None


def _error(status: int, message: str = "") -> Reply:
    return Reply(status, message)


def _parse_int(text: str | None, bits: int) -> int | None:
    """Parse like Spring's ``NumberUtils.parseNumber``: whitespace dropped, hex allowed."""
    if text is None:
        return None
    text = "".join(text.split())
    if _LONG.fullmatch(text):
        value = int(text)
    elif hexa := _HEX.fullmatch(text):
        value = int(hexa[1] + hexa[2], 16)
    else:
        return None
    limit = 1 << (bits - 1)
    return value if -limit <= value < limit else None


def resolve(target: str, archive: Archive, now_ns: int) -> Reply:
    """Route a raw request target (``path?query``) of a GET.

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver.spec import ChannelSpec
    >>> a = Archive([ChannelSpec("a b", count=3)])
    >>> resolve(BASE_PATH + "/archive/1/channels-by-pattern/A+*", a, 0).status
    200
    >>> resolve(BASE_PATH + "/archive/1/samples/a%2Fb?start=0&end=1", a, 0).status
    400
    """
    path, _, query = target.partition("?")
    if "%2f" in path.lower():
        return _error(400, "The request URI contains an encoded slash (%2F).")
    if _BAD_ESCAPE.search(path):
        return _error(400, "The request URI contains an invalid percent-encoding.")
    params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        params.setdefault(key, value)
    pretty = "prettyPrint" in params
    if path == _ARCHIVE + "/":
        body = _ARCHIVES_PRETTY if pretty else _ARCHIVES_COMPACT
        return Reply(200, body=lambda: iter((body,)), cache_key=(target,))
    for prefix, search in ((_PATTERN, archive.by_pattern), (_REGEXP, archive.by_regexp)):
        if path.startswith(prefix):
            text = unquote_plus(path[len(prefix) :])
            try:
                names = search(text)
            except JavaPatternError as exc:
                return _error(400, f"Invalid regular expression: {exc}")
            return _names_reply(names, target, pretty=pretty)
    if path.startswith(_SAMPLES) or path == _SAMPLES[:-1]:
        return _samples(path, target, params, archive, now_ns, pretty=pretty)
    return _error(404)


def _names_reply(names: list[str], target: str, *, pretty: bool) -> Reply:
    def body() -> Iterator[bytes]:
        return json_array_chunks(map(format_string, names), pretty=pretty)

    return Reply(200, body=body, cache_key=(target,))


def _samples(
    path: str, target: str, params: dict[str, str], archive: Archive, now_ns: int, *, pretty: bool
) -> Reply:
    if params.get("count") == "":
        del params["count"]  # Spring binds an empty optional Integer as null
    start = _parse_int(params.get("start"), 64)
    end = _parse_int(params.get("end"), 64)
    count = _parse_int(params.get("count"), 32)
    for key, parsed in (("start", start), ("end", end), ("count", count)):
        if parsed is None and (key != "count" or "count" in params):
            return _error(400, f"Required parameter {key!r} is missing or not a number.")
    name = unquote_plus(path[len(_SAMPLES) :]) if path.startswith(_SAMPLES) else ""
    channel = archive.channels.get(name)
    if channel is None:
        return _error(404)
    assert start is not None
    assert end is not None
    if start < 0 or end < start:
        return _error(400)
    if count is not None and count <= 0:
        return _error(400)
    version = channel.raw_count(now_ns) if channel.spec.live else None

    def body() -> Iterator[bytes]:
        segments = channel.segments(start, end, count, now_ns)
        if pretty:
            texts = (render_pretty(s) for segment in segments for s in segment)
            return json_array_chunks(texts, pretty=True)
        return json_array_chunks(compact_texts(segments), pretty=False)

    return Reply(200, body=body, cache_key=(target, version))
