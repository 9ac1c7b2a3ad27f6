"""Checks of the arguments Kinetica's public functions share, made before any request.

Built on the checkers every connector uses (:mod:`arrowtap._checks`); a function
calls :func:`check_call` first, then the checks of its own arguments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from arrowtap import _checks as checks
from arrowtap.connectors.kinetica.wire.client import SYSTEM
from arrowtap.errors import InvalidArgumentError, InvalidTypeError
from arrowtap.io.inputs import check_checkpoint, check_server

__all__ = [
    "check_call",
    "check_checkpoint",
    "check_monitor",
    "check_positive",
    "check_stream",
    "check_where",
    "need_increasing_column",
]


def check_call(
    url: object,
    *,
    username: object,
    password: object,
    token: object,
    client: object,
    retry: object,
    page_size: object = 1,
    table: object = "t",
    columns: object = None,
) -> None:
    """Check the server, the credentials and the options of a call, and the table if any.

    Examples
    --------
    >>> check_call("http://kinetica:9191", username=None, password=None, token="t0k",
    ...            client=None, retry=None, page_size=100, table="ki_home.t")
    >>> check_call("http://kinetica:9191", username=None, password=None, token="jéton",
    ...            client=None, retry=None)
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: Kinetica: token must be visible ASCII characters (it is sent in an HTTP header); not shown
    """  # noqa: E501
    check_server(
        url, username=username, password=password, token=token, client=client, retry=retry,
        system=SYSTEM,
    )  # fmt: skip
    check_positive("page_size", page_size)
    checks.name("table", table, system=SYSTEM)
    checks.optional(checks.names, "columns", columns, system=SYSTEM)


def need_increasing_column(increasing_column: object, what: str) -> str:
    """The increasing column `what` needs (its offsets are values of it), checked.

    Examples
    --------
    >>> need_increasing_column("seq", "a sync")
    'seq'
    >>> need_increasing_column(None, "a sync")
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: Kinetica: a sync needs increasing_column=, the column whose last value delivered is the offset (a sequence, an insertion time), not None
    """  # noqa: E501
    if increasing_column is None:
        raise InvalidArgumentError(
            f"{SYSTEM}: {what} needs increasing_column=, the column whose last value delivered "
            "is the offset (a sequence, an insertion time), not None"
        )
    if not isinstance(increasing_column, str):
        raise InvalidTypeError(
            f"{SYSTEM}: increasing_column must be a column name, "
            f"not {checks.shown(increasing_column)}"
        )
    return checks.name("increasing_column", increasing_column, system=SYSTEM)


def check_where(where: object) -> None:
    """A filter argument: ``None`` or an expression string.

    Examples
    --------
    >>> check_where("x > 1")
    >>> check_where(3)
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidTypeError: Kinetica: where must be a filter expression str, not int 3
    """
    if where is not None and not isinstance(where, str):
        raise InvalidTypeError(
            f"{SYSTEM}: where must be a filter expression str, "
            f"not {type(where).__name__} {checks.shown(where)}"
        )
    checks.optional(checks.text, "where", where, maximum=checks.MAX_PATTERN, system=SYSTEM)


def check_positive(name: str, value: Any, maximum: int = checks.MAX_COUNT) -> int:
    """A count argument (``page_size``, ``npartitions``...): an int from 1 to ``maximum``.

    Examples
    --------
    >>> check_positive("npartitions", 4)
    4
    """
    return checks.positive_int(name, value, maximum=maximum, system=SYSTEM)


def check_monitor(
    *,
    events: object,
    increasing_column: object,
    tie_breaker: object,
    inactivity_timeout: object,
    decode_failure_mode: object,
    stop_when_idle: object,
    monitor_url: object,
    zmq_context: object,
) -> tuple[str, ...]:
    """Check the settings of a table monitor; the events, each once.

    Examples
    --------
    >>> check_monitor(events=["insert", "insert"], increasing_column="id", tie_breaker=None,
    ...               inactivity_timeout=60, decode_failure_mode="skip", stop_when_idle=None,
    ...               monitor_url="tcp://kinetica:9002", zmq_context=None)
    ('insert',)
    """
    import zmq  # here: only monitors need the ZMQ extra

    from arrowtap.connectors.kinetica.wire.monitor import EVENTS

    if isinstance(events, str | bytes) or not isinstance(events, Sequence) or not events:
        raise InvalidTypeError(
            f"{SYSTEM}: events must be a non-empty list of {EVENTS}, not {checks.shown(events)}"
        )
    chosen = tuple(checks.one_of("events", e, EVENTS, system=SYSTEM) for e in events)
    for arg, value in (("increasing_column", increasing_column), ("tie_breaker", tie_breaker)):
        checks.optional(checks.name, arg, value, system=SYSTEM)
    checks.seconds("inactivity_timeout", inactivity_timeout, positive=True, system=SYSTEM)
    checks.optional(checks.seconds, "stop_when_idle", stop_when_idle, positive=True, system=SYSTEM)
    checks.one_of("decode_failure_mode", decode_failure_mode, ("skip", "abort"), system=SYSTEM)
    if monitor_url is not None:
        zmq_url = checks.url("monitor_url", monitor_url, schemes=("tcp",), system=SYSTEM)
        if httpx.URL(zmq_url).port is None:
            raise InvalidArgumentError(
                f"{SYSTEM}: monitor_url must be tcp://host:port, with the port, "
                f"not {checks.shown(monitor_url)}"
            )
    checks.instance("zmq_context", zmq_context, zmq.Context, system=SYSTEM)
    return tuple(dict.fromkeys(chosen))


def check_stream(
    url: object,
    table: object,
    *,
    events: object,
    checkpoint: object,
    increasing_column: object,
    tie_breaker: object,
    inactivity_timeout: object,
    decode_failure_mode: object,
    stop_when_idle: object,
    monitor_url: object,
    page_size: object,
    credentials: Mapping[str, Any],
    zmq_context: object,
) -> tuple[str, ...]:
    """Check every argument of a stream before any request; the events, each once."""
    check_call(url, table=table, page_size=page_size, **credentials)
    check_checkpoint(checkpoint)
    return check_monitor(
        events=events, increasing_column=increasing_column, tie_breaker=tie_breaker,
        inactivity_timeout=inactivity_timeout, decode_failure_mode=decode_failure_mode,
        stop_when_idle=stop_when_idle, monitor_url=monitor_url, zmq_context=zmq_context,
    )  # fmt: skip
