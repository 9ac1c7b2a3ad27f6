"""Which channels a samples read means: a glob the server expands, or a list of names."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import httpx

from arrowtap import _checks as checks
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.pvarchiver.samples_source import ArchiveSamplesSource
from arrowtap.connectors.pvarchiver.wire import archive
from arrowtap.errors import InvalidTypeError, NoMatchWarning
from arrowtap.io.inputs import check_http

__all__ = ["Channels", "check_channels", "find_archive_channels", "matched", "names_of"]

Channels = str | Sequence[str]


def find_archive_channels(
    url: str,
    pattern: str | None = None,
    *,
    regexp: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> list[str]:
    """Names of the archive's channels matching a glob ``pattern`` or a ``regexp``.

    Parameters
    ----------
    url : str
        The archiver, e.g. ``http://archiver:9812``.
    pattern : str, optional
        Glob over the whole name: ``*`` and ``?`` only, case-insensitive.
    regexp : str, optional
        Java regular expression over the whole name, case-sensitive.
    client : httpx.Client, optional
        Your own client (proxies, TLS, transport).
    retry : RetryPolicy, optional
        Retry budget and backoff.

    Returns
    -------
    list of str
        Matching names, sorted as the server sorts them.

    Examples
    --------
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver() as fake:
    ...     names = find_archive_channels(fake.url, "*")
    >>> len(names) > 0
    True
    """
    checks.url("url", url, system=archive.SYSTEM)
    for arg, value in (("pattern", pattern), ("regexp", regexp)):
        checks.optional(checks.text, arg, value, maximum=checks.MAX_PATTERN, system=archive.SYSTEM)
    check_http(client, retry, system=archive.SYSTEM)
    with archive.open_session(url, client, retry) as session:
        names = archive.find_channels(session, pattern=pattern, regexp=regexp)
    what = f"pattern {pattern!r}" if regexp is None else f"regexp {regexp!r}"
    return matched(names, what)


def matched(names: list[str], what: str) -> list[str]:
    """``names``, with a :class:`~arrowtap.NoMatchWarning` if the pattern ``what`` matched none."""
    if not names:
        warnings.warn(f"{archive.SYSTEM}: {what} matches no channel", NoMatchWarning, stacklevel=3)
    return names


def check_channels(channels: object) -> Channels:
    """``channels`` checked: a glob (sent to the server), or a list of valid names.

    Examples
    --------
    >>> check_channels(["root:ai1", "root:ai2"]), check_channels("root:*")
    (['root:ai1', 'root:ai2'], 'root:*')
    """
    if isinstance(channels, str):  # a glob, sent in the URL
        return checks.text("channels", channels, maximum=checks.MAX_PATTERN, system=archive.SYSTEM)
    if isinstance(channels, bytes | Mapping) or not isinstance(channels, Sequence):
        raise InvalidTypeError(
            f"{archive.SYSTEM}: channels must be a glob str or a list of names, "
            f"got {type(channels).__name__} {checks.shown(channels)}"
        )
    names = checks.names("channels", channels, system=archive.SYSTEM)
    for name in names:
        archive.name_path(name)
    return names


def names_of(source: ArchiveSamplesSource, channels: Channels) -> list[str]:
    """The names a read of ``channels`` covers: a glob's matches, or the names once each.

    Examples
    --------
    >>> names_of(ArchiveSamplesSource("http://archiver:9812"), ["b", "a", "b"])
    ['b', 'a']
    """
    if isinstance(channels, str):
        names = archive.find_channels(source.session, pattern=channels)
        return matched(names, f"pattern {channels!r}")
    return list(dict.fromkeys(channels))
