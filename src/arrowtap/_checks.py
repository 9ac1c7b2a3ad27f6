"""Checks of the arguments of public functions, made once, at the boundary, before any request.

Every checker takes the argument's name (``arg``) and value, returns the value in its one
normal form (an ``int``, a ``float``, a ``str``) and otherwise raises
:class:`~arrowtap.errors.InvalidTypeError` (a type the argument does not take) or
:class:`~arrowtap.errors.InvalidArgumentError` (a value out of range), whose
message names the argument and shows the value: cut short, a URL without its
credentials, a secret never. ``system`` (``"Kinetica"``) starts the message.

It sits beside :mod:`arrowtap.errors`, below every other module: the engine, the
checkpoint stores, the HTTP layer and each connector check with the same rules.
The limits are far above any real use and far below where a number overflows a C
type (a ZMQ timeout in int milliseconds, an Avro long, a thread count) or a
string overflows a URL (httpx refuses URLs over 65,536 characters).
"""

from __future__ import annotations

import inspect
import math
import numbers
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, TypeVar

from arrowtap._redact import parse_url, redact
from arrowtap.errors import InvalidArgumentError, InvalidTypeError

__all__ = [
    "MAX_CONCURRENCY",
    "MAX_COUNT",
    "MAX_NAME",
    "MAX_PARTITIONS",
    "MAX_PATTERN",
    "MAX_SECONDS",
    "flag",
    "function",
    "instance",
    "integer",
    "name",
    "names",
    "one_of",
    "optional",
    "path",
    "positive_int",
    "seconds",
    "secret",
    "shown",
    "text",
    "url",
]

T = TypeVar("T")

MAX_COUNT = 2**31 - 1
"""Most rows (samples, records) per page, per batch or per request: an int32."""
MAX_CONCURRENCY = 1024
"""Most requests (threads) at once."""
MAX_PARTITIONS = 100_000
"""Most partitions of a Dask graph."""
MAX_SECONDS = 7 * 86_400.0
"""Longest wait, timeout or interval: a week."""
MAX_NAME = 1024
"""Most characters of a name (a table, a channel, a database, a column)."""
MAX_PATTERN = 4096
"""Most characters of a pattern, filter or URL: percent-encoded, it still fits a URL."""
_PATH_MAX, _NAME_MAX = 4095, 255  # bytes of a path and of one of its parts (Linux, macOS)


def shown(value: object, limit: int = 80) -> str:
    """``repr(value)``, cut to about ``limit`` characters.

    Examples
    --------
    >>> shown("x" * 1000, 10)
    "'xxxxxxxx...(1002 characters)"
    """
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}...({len(text)} characters)"


def _bad(system: str, arg: str, what: str) -> InvalidArgumentError:
    """``<system>: <arg> <what>``: a value out of range."""
    return InvalidArgumentError(f"{system}: {arg} {what}" if system else f"{arg} {what}")


def _type_error(
    system: str, arg: str, value: object, wanted: str, *, show: bool = True
) -> InvalidTypeError:
    """``<system>: <arg> must be <wanted>, not <type> <value>``: a type not taken."""
    what = f"must be {wanted}, not {type(value).__name__}"
    what += f" {shown(value)}" if show else ""
    return InvalidTypeError(f"{system}: {arg} {what}" if system else f"{arg} {what}")


def integer(
    arg: str,
    value: object,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    system: str = "",
) -> int:
    """An integer within ``[minimum, maximum]`` (a ``bool`` is not one; numpy integers are).

    Examples
    --------
    >>> integer("seq", 5, minimum=0)
    5
    >>> integer("seq", -1, minimum=0)
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: seq must be an int >= 0, not -1
    """
    if minimum is not None and maximum is not None:
        wanted = f"an int from {minimum} to {maximum}"
    elif minimum is not None or maximum is not None:
        wanted = f"an int >= {minimum}" if maximum is None else f"an int <= {maximum}"
    else:
        wanted = "an int"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _type_error(system, arg, value, wanted)
    number = int(value)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise _bad(system, arg, f"must be {wanted}, not {shown(value)}")
    return number


def positive_int(arg: str, value: object, *, maximum: int = MAX_COUNT, system: str = "") -> int:
    """A count from 1 to ``maximum`` (a page size, a batch size, a number of partitions).

    Examples
    --------
    >>> positive_int("page_size", 100)
    100
    >>> positive_int("page_size", 2**63)
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: page_size must be a positive int (at most 2147483647), not 9223372036854775808
    """  # noqa: E501
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _type_error(system, arg, value, "a positive int")
    number = int(value)
    if not 1 <= number <= maximum:
        raise _bad(system, arg, f"must be a positive int (at most {maximum}), not {shown(value)}")
    return number


def seconds(
    arg: str,
    value: object,
    *,
    positive: bool = False,
    maximum: float = MAX_SECONDS,
    system: str = "",
) -> float:
    """A finite number of seconds, ``>= 0`` (``> 0`` if ``positive``) and ``<= maximum``.

    Examples
    --------
    >>> seconds("every", 5)
    5.0
    >>> seconds("timeout", float("inf"))
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: timeout must be finite seconds >= 0 and <= 604800, not inf
    """
    low = "> 0" if positive else ">= 0"
    wanted = f"finite seconds {low} and <= {maximum:g}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _type_error(system, arg, value, f"a number of seconds ({wanted})")
    number = float(value)
    if not math.isfinite(number) or number < 0 or (positive and number == 0) or number > maximum:
        raise _bad(system, arg, f"must be {wanted}, not {shown(value)}")
    return number


def flag(arg: str, value: object, *, system: str = "") -> bool:
    """A ``bool`` (not a truthy object: ``"false"`` would read as true)."""
    if not isinstance(value, bool):
        raise _type_error(system, arg, value, "a bool")
    return value


def one_of(arg: str, value: object, choices: Collection[str], *, system: str = "") -> str:
    """One of the words ``choices``."""
    if not isinstance(value, str):
        raise _type_error(system, arg, value, f"one of {sorted(choices)}")
    if value not in choices:
        raise _bad(system, arg, f"must be one of {sorted(choices)}, not {shown(value)}")
    return value


def text(arg: str, value: object, *, maximum: int | None = None, system: str = "") -> str:
    """A non-empty ``str`` of at most ``maximum`` characters, without NUL."""
    if not isinstance(value, str):
        raise _type_error(system, arg, value, "a str")
    if not value.strip():
        raise _bad(system, arg, f"must be a non-empty str, not {value!r}")
    if maximum is not None and len(value) > maximum:
        raise _bad(system, arg, f"must be at most {maximum} characters, not {shown(value)}")
    if "\x00" in value:
        raise _bad(system, arg, f"must not hold a NUL character: {shown(value)}")
    return value


def name(arg: str, value: object, *, system: str = "") -> str:
    """A name (of a table, channel, column): printable text up to :data:`MAX_NAME` characters."""
    checked = text(arg, value, maximum=MAX_NAME, system=system)
    if not checked.isprintable():
        raise _bad(system, arg, f"must not hold control characters, not {shown(value)}")
    return checked


def names(arg: str, value: object, *, system: str = "") -> list[str]:
    """A list of names (``columns=``, ``primary_key=``): a sequence of :func:`name` s, not a str.

    Examples
    --------
    >>> names("columns", ("a", "b"))
    ['a', 'b']
    >>> names("columns", "ab")
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidTypeError: columns must be a list of names, not str 'ab'
    """
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
        raise _type_error(system, arg, value, "a list of names")
    for item in value:
        if not isinstance(item, str):
            raise _type_error(system, f"each of {arg}", item, "a name (str)")
    return [name(f"{arg}[{i}]", item, system=system) for i, item in enumerate(value)]


def optional(check: Callable[..., T], arg: str, value: object, **options: Any) -> T | None:
    """``None``, or ``check(arg, value, **options)``."""
    return None if value is None else check(arg, value, **options)


def secret(
    arg: str, value: object, *, header: bool = False, required: bool = False, system: str = ""
) -> str | None:
    """A credential (never shown), or ``None`` unless ``required``.

    ``header``: sent as it is in an HTTP header.

    A user name or password travels base64-encoded (any character will do but
    control characters, which no one can type); a token travels as it is, so it
    must be visible ASCII.

    Examples
    --------
    >>> secret("token", "t0ken", header=True)
    't0ken'
    >>> secret("token", "jeton-é", header=True)
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: token must be visible ASCII characters (it is sent in an HTTP header); not shown
    """  # noqa: E501
    if value is None and not required:
        return None
    if not isinstance(value, str):
        wanted = "a str" if required else "a str or None"
        raise _type_error(system, arg, value, wanted, show=False)
    if len(value) > MAX_PATTERN:
        raise _bad(system, arg, f"must be at most {MAX_PATTERN} characters; not shown")
    if header and not (value.isascii() and value.isprintable()):
        raise _bad(
            system,
            arg,
            "must be visible ASCII characters (it is sent in an HTTP header); not shown",
        )
    if not value.isprintable():
        raise _bad(system, arg, "must not hold control characters; not shown")
    return value


def url(
    arg: str, value: object, *, schemes: Collection[str] = ("http", "https"), system: str = ""
) -> str:
    """A server's URL: one of ``schemes``, a host, a port from 1 to 65535 if any.

    Shown without its user name and password.

    Examples
    --------
    >>> url("url", "http://admin:s3cret@archiver:9812")
    'http://admin:s3cret@archiver:9812'
    >>> url("url", "http://admin:s3cret@[::1")
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: url 'http://[::1' is not a URL: Invalid port: ':1'
    """
    wanted = " or ".join(f"{s}://host[:port]" for s in schemes)
    if not isinstance(value, str):
        raise _type_error(system, arg, value, f"a URL ({wanted})", show=False)
    safe = shown(redact(value))
    if len(value) > MAX_PATTERN:
        raise _bad(system, arg, f"must be at most {MAX_PATTERN} characters, not {safe}")
    if not value.isprintable() or any(c.isspace() for c in value):
        raise _bad(system, arg, f"must not hold spaces or control characters, not {safe}")
    parsed, why = parse_url(value)  # never raises: no httpx error in the chain
    if parsed is None:
        raise _bad(system, arg, f"{safe} is not a URL{why}")
    if parsed.scheme not in schemes or not parsed.host:
        raise _bad(system, arg, f"must be {wanted}, not {safe}")
    port = parsed.port
    if port is not None and not 0 < port < 65536:
        raise _bad(system, arg, f"{safe} has no valid port (1 to 65535)")
    return value


def path(arg: str, value: object, *, system: str = "") -> str:
    """A filesystem path: a ``str`` or :class:`os.PathLike`, not empty, that the OS can take.

    Examples
    --------
    >>> path("to", "out/dataset")
    'out/dataset'
    >>> path("to", "")
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: to must be a path, not ''
    """
    given = value
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise _type_error(system, arg, given, "a path (a str or os.PathLike)")
    if not value:
        raise _bad(system, arg, "must be a path, not ''")
    if "\x00" in value:
        raise _bad(system, arg, f"must not hold a NUL character: {shown(value)}")
    try:
        raw = os.fsencode(value)
    except UnicodeError:
        raise _bad(system, arg, f"cannot be a file name: {shown(value)}") from None
    if len(raw) > _PATH_MAX or any(len(part) > _NAME_MAX for part in raw.split(b"/")):
        raise _bad(
            system,
            arg,
            f"is too long for a path ({_PATH_MAX} bytes, {_NAME_MAX} per name): {shown(value)}",
        )
    return value


def function(
    arg: str, value: object, *, takes: int | None = None, system: str = ""
) -> Callable[..., Any] | None:
    """``None`` or a callable; ``takes``: one that can be called with that many arguments.

    Examples
    --------
    >>> function("on_page", len, takes=2)
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidTypeError: on_page must be a function of 2 arguments, not builtin_function_or_method <built-in function len>
    """  # noqa: E501
    if value is None:
        return None
    wanted = "a function or None" if takes is None else f"a function of {takes} arguments"
    if not callable(value):
        raise _type_error(system, arg, value, wanted)
    if takes is not None:
        try:
            signature = inspect.signature(value)
        except (TypeError, ValueError):  # some builtins do not tell: they will
            return value
        try:
            signature.bind(*[None] * takes)
        except TypeError:
            raise _type_error(system, arg, value, wanted) from None
    return value


def instance(arg: str, value: object, kind: type[T], *, system: str = "") -> T | None:
    """``None`` or an instance of ``kind`` (a client, a retry policy...).

    Examples
    --------
    >>> import httpx
    >>> instance("client", None, httpx.Client) is None
    True
    >>> instance("client", "x", httpx.Client)
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidTypeError: client must be an httpx.Client or None, not str 'x'
    """
    if value is not None and not isinstance(value, kind):
        package = kind.__module__.split(".")[0]
        label = (
            kind.__name__ if package in ("arrowtap", "builtins") else f"{package}.{kind.__name__}"
        )
        article = "an" if label[0] in "AEIOUaeiou" or label.startswith("httpx") else "a"
        raise _type_error(system, arg, value, f"{article} {label} or None")
    return value
