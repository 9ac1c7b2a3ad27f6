"""Command-line parameters made from a public function's signature, the same way for all.

``arrowtap sync <source>`` and ``arrowtap read <source>`` are the source's
``sync_<source>`` and ``read_<source>`` functions: their positional parameters
become arguments, their keyword parameters ``--options`` (``--page-size`` for
``page_size``), a ``bool`` a ``--flag/--no-flag``, a list a repeatable option, a
time an ISO string or an integer with ``--unit``. Parameters a command line cannot
give (a client object, a callback, credentials objects) are left to their
defaults; the library takes them.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import click

__all__ = ["CliParam", "params_of"]

_SKIPPED = {"client", "retry", "on_page", "zmq_context", "credentials", "schema", "checkpoint"}
"""Parameters the command line does not offer (``--checkpoint`` is declared by the command)."""


@dataclass(frozen=True)
class CliParam:
    """One parameter of a function as the command line offers it."""

    name: str
    param: click.Parameter
    convert: Callable[[Any], Any]


def _members(annotation: Any) -> tuple[Any, ...]:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return typing.get_args(annotation)
    return (annotation,)


def _is_time(members: tuple[Any, ...]) -> bool:
    import datetime as dt

    return any(m is dt.datetime for m in members)


def _is_sequence(members: tuple[Any, ...]) -> bool:
    return any(typing.get_origin(m) in (Sequence, list, tuple, typing.Sequence) for m in members)


def time_value(text: str | None) -> str | int | None:
    """An integer stays an integer (a count since the epoch in ``--unit``); else an ISO time.

    Examples
    --------
    >>> time_value("1700000000000000000"), time_value("2024-05-01T00:00Z")
    (1700000000000000000, '2024-05-01T00:00Z')
    """
    if text is None:
        return None
    stripped = text.strip()
    return int(stripped) if stripped.lstrip("-").isdigit() else stripped


def _choices(members: tuple[Any, ...]) -> list[str] | None:
    for member in members:
        if typing.get_origin(member) is typing.Literal:
            return [str(choice) for choice in typing.get_args(member)]
    return None


def _plain(members: tuple[Any, ...]) -> Any:
    for kind in (bool, int, float, str):
        if kind in members:
            return kind
    return None


def params_of(function: Callable[..., Any]) -> list[CliParam]:
    """The command-line parameters of ``function``, in signature order.

    Examples
    --------
    >>> def f(url: str, n: int = 3, *, names: list[str] | None = None, fast: bool = False) -> None:
    ...     pass
    >>> [p.param.opts for p in params_of(f)]
    [['url'], ['--n'], ['--names'], ['--fast']]
    """
    hints = typing.get_type_hints(function)
    out = []
    for name, parameter in inspect.signature(function).parameters.items():
        if name in _SKIPPED or parameter.kind in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
            continue
        members = _members(hints.get(name, str))
        required = parameter.default is inspect.Parameter.empty
        default = None if required else parameter.default
        flag = "--" + name.replace("_", "-")
        positional = parameter.kind is parameter.POSITIONAL_OR_KEYWORD and required
        if _is_time(members):
            help_ = "ISO 8601 time with an offset, or an integer count since the epoch (--unit)"
            # Always an option, ``--start T``: a bare time among the arguments reads badly.
            param: click.Parameter = click.Option(
                [flag], default=default, required=required, help=help_
            )
            out.append(CliParam(name, param, time_value))
        elif _is_sequence(members):
            param = click.Option([flag], multiple=True, required=required, help="repeatable")
            out.append(CliParam(name, param, lambda v: list(v) if v else None))
        elif (choices := _choices(members)) is not None:
            param = click.Option(
                [flag], type=click.Choice(choices), default=default, show_default=True
            )
            out.append(CliParam(name, param, lambda v: v))
        elif bool in members:
            param = click.Option(
                [f"{flag}/--no-{flag[2:]}"], default=bool(default), show_default=True
            )
            out.append(CliParam(name, param, lambda v: v))
        else:
            kind = _plain(members)
            if kind is None:
                continue  # an object the command line cannot make: the library's default
            if positional:
                param = click.Argument([name], type=kind)
            else:
                param = click.Option(
                    [flag], type=kind, default=default, required=required, show_default=True
                )
            out.append(CliParam(name, param, lambda v: v))
    return out
