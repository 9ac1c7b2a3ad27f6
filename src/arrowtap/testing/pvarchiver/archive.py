"""The archive as a whole: the channel table, name searches and sample lookups."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from arrowtap.testing.pvarchiver.data import ChannelData, LevelView
from arrowtap.testing.pvarchiver.spec import ChannelSpec, Sample

__all__ = ["Archive", "glob_to_regex", "java_sorted"]


def java_sorted(names: Iterable[str]) -> list[str]:
    r"""Sort names in Java ``String`` order (UTF-16 code units), as the server does.

    Examples
    --------
    >>> java_sorted(["b", "a", "B", "z\\U0001f680", "z\\uff01"]) == ["B", "a", "b",
    ...     "z\\U0001f680", "z\\uff01"]
    True
    """
    return sorted(names, key=lambda s: s.encode("utf-16-be", "surrogatepass"))


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Compile a channel glob like the server: only ``*`` and ``?`` are special.

    The match is anchored (use ``fullmatch``), case-insensitive (Unicode) and
    ``.`` matches newlines.

    Examples
    --------
    >>> bool(glob_to_regex("my*EXAMPLE").fullmatch("myTest1Example"))
    True
    >>> bool(glob_to_regex("[a]").fullmatch("a"))
    False
    """
    parts = [".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


class Archive:
    """The channels of a fake archive, by name.

    Parameters
    ----------
    specs : iterable of ChannelSpec
        The channels; names must be unique.

    Examples
    --------
    >>> a = Archive([ChannelSpec("b"), ChannelSpec("A")])
    >>> a.by_regexp("[a-z]")
    ['b']
    """

    def __init__(self, specs: Iterable[ChannelSpec]) -> None:
        self.channels: dict[str, ChannelData] = {}
        for spec in specs:
            if spec.name in self.channels:
                raise ValueError(f"duplicate channel name {spec.name!r}")
            self.channels[spec.name] = ChannelData(spec)
        self.names = java_sorted(self.channels)

    def update(self, removed: Iterable[str] = (), specs: Iterable[ChannelSpec] = ()) -> None:
        """Drop the channels ``removed``, then add (or replace) the channels ``specs``.

        The tables are swapped whole, so requests being served keep a consistent view.

        Examples
        --------
        >>> a = Archive([ChannelSpec("b")])
        >>> a.update(["b"], [ChannelSpec("c")]); a.names
        ['c']
        """
        channels = dict(self.channels)
        for name in removed:
            channels.pop(name, None)
        for spec in specs:
            channels[spec.name] = ChannelData(spec)
        self.names, self.channels = java_sorted(channels), channels

    def by_pattern(self, pattern: str) -> list[str]:
        """Return the names matching a glob, in Java order."""
        rx = glob_to_regex(pattern)
        return [n for n in self.names if rx.fullmatch(n)]

    def by_regexp(self, regexp: str) -> list[str]:
        r"""Return the names a Java regular expression matches whole, in Java order.

        The server runs ``Pattern.compile(regexp).matcher(name).matches()``
        (no flags: case-sensitive, ``\w`` and ``(?i)`` ASCII-only); the fake
        evaluates the same with :func:`~arrowtap.testing.pvarchiver.javaregex.compile_java`.

        Raises
        ------
        JavaPatternError
            If Java does not compile ``regexp``, or if the fake cannot evaluate
            it exactly as Java does (:class:`UnsupportedPatternError`, refused
            rather than answered differently).

        Examples
        --------
        >>> a = Archive([ChannelSpec("détecteur:état"), ChannelSpec("root:ai1")])
        >>> a.by_regexp(r"\w+:\w+"), a.by_regexp(r"(?U)\w+:\w+")
        (['root:ai1'], ['détecteur:état', 'root:ai1'])
        """
        from arrowtap.testing.pvarchiver.javaregex import compile_java  # imports regex

        rx = compile_java(regexp)
        return [n for n in self.names if rx.fullmatch(n)]

    def samples(
        self, name: str, start: int, end: int, count: int | None, now_ns: int
    ) -> Iterator[Sample]:
        """Return the samples the server sends, lazily, in emission order.

        Raises
        ------
        KeyError
            If there is no channel ``name`` (exact, case-sensitive).
        """
        return self.channels[name].samples(start, end, count, now_ns)

    def segments(
        self, name: str, start: int, end: int, count: int | None, now_ns: int
    ) -> list[LevelView]:
        """Return the runs of samples the server sends, in emission order.

        Raises
        ------
        KeyError
            If there is no channel ``name``.
        """
        return self.channels[name].segments(start, end, count, now_ns)
