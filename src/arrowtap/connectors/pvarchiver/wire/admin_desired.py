"""Desired channel configurations: checked once, then resolved against what the server has.

Pure code, no I/O. A desired configuration comes as plain records (one
mapping per channel); a part left out (a missing key or ``None``) means
"as it is now" for an existing channel and the server's default for a new
one. The server checks decimation periods and retention periods as Java
``int`` values and rejects a whole request (400) for one bad retention
cascade, so both are checked here first, naming the channel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from arrowtap.connectors.pvarchiver.wire.admin import SYSTEM, server_id_str
from arrowtap.connectors.pvarchiver.wire.admin_commands import ChannelConfig
from arrowtap.errors import InvalidArgumentError

__all__ = [
    "DEFAULT_CONTROL_SYSTEM",
    "DesiredChannel",
    "desired_channels",
    "resolve",
    "verify_retention",
]

DEFAULT_CONTROL_SYSTEM = "channel_access"
_INT_MAX = 2**31 - 1


@dataclass(frozen=True)
class DesiredChannel:
    """One row of a desired configuration; ``None`` parts are left as they are."""

    name: str
    server_id: str
    control_system_type: str | None = None
    enabled: bool | None = None
    levels: tuple[int, ...] | None = None
    retention: Mapping[int, int] | None = None
    options: Mapping[str, str] | None = None
    renamed_from: str | None = None


def _fail(row: int, name: object, message: str) -> InvalidArgumentError:
    return InvalidArgumentError(f"{SYSTEM}: desired row {row} (channel {name!r}): {message}")


def _seconds(value: Any, what: str, row: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _fail(row, name, f"{what} must be an int of seconds, got {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise _fail(row, name, f"{what} must be an int of seconds, got {value!r}") from None
    if not 0 <= number <= _INT_MAX:
        raise _fail(row, name, f"{what} must be within [0, {_INT_MAX}], got {value!r}")
    return number


def _pairs(value: Any, what: str, row: int, name: str) -> list[tuple[Any, Any]]:
    """A mapping given as a dict or as (key, value) pairs (pandas' map columns)."""
    if isinstance(value, Mapping):
        return list(value.items())
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        pairs = list(value)
        if all(isinstance(p, Sequence) and not isinstance(p, str) and len(p) == 2 for p in pairs):
            return [(p[0], p[1]) for p in pairs]
    raise _fail(row, name, f"{what} must be a mapping or (key, value) pairs, got {value!r}")


def _text(value: Any, what: str, row: int, name: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise _fail(row, name, f"{what} must be a non-empty str, got {value!r}")
    return value


def desired_channels(
    rows: Sequence[Mapping[str, Any]], default_server: str
) -> list[DesiredChannel]:
    """Check and normalise desired rows (plain Python values, ``None`` for missing).

    Examples
    --------
    >>> sid = "7cf8f393-cd00-46ae-9343-53e9cb5793fd"
    >>> [d] = desired_channels([{"channel": "a", "retention": {"30": 60}}], sid)
    >>> d.levels, dict(d.retention)
    ((0, 30), {30: 60})
    """
    out: list[DesiredChannel] = []
    seen: set[str] = set()
    for row_no, row in enumerate(rows):
        name = _text(row.get("channel"), "channel", row_no, row.get("channel"))
        if name is None:
            raise _fail(row_no, None, "channel is missing")
        if name in seen:
            raise _fail(row_no, name, "the channel appears twice")
        seen.add(name)
        server = row.get("server_id")
        server = default_server if server is None else server_id_str(server)
        enabled = row.get("enabled")
        if enabled is not None and not isinstance(enabled, bool):
            raise _fail(row_no, name, f"enabled must be a bool, got {enabled!r}")
        levels = row.get("decimation_levels")
        level_set = None
        if levels is not None:
            if isinstance(levels, str | bytes | Mapping) or not isinstance(levels, Iterable):
                raise _fail(row_no, name, f"decimation_levels must be a list, got {levels!r}")
            level_set = {_seconds(v, "a decimation level", row_no, name) for v in levels} | {0}
        retention = row.get("retention")
        periods = None
        if retention is not None:
            periods = {
                _seconds(k, "a decimation level", row_no, name): _seconds(
                    v, "a retention period", row_no, name
                )
                for k, v in _pairs(retention, "retention", row_no, name)
            }
            if level_set is None:
                level_set = set(periods) | {0}
            elif not set(periods) <= level_set:
                extra = sorted(set(periods) - level_set)
                raise _fail(row_no, name, f"retention for levels {extra} not in decimation_levels")
        options = row.get("options")
        opts = None
        if options is not None:
            opts = {}
            for key, value in _pairs(options, "options", row_no, name):
                if not isinstance(key, str) or not isinstance(value, str):
                    raise _fail(row_no, name, f"options must map str to str: {key!r}: {value!r}")
                opts[key] = value
        out.append(
            DesiredChannel(
                name=name,
                server_id=server,
                control_system_type=_text(
                    row.get("control_system_type"), "control_system_type", row_no, name
                ),
                enabled=enabled,
                levels=None if level_set is None else tuple(sorted(level_set)),
                retention=periods,
                options=opts,
                renamed_from=_text(row.get("renamed_from"), "renamed_from", row_no, name),
            )
        )
    return out


def verify_retention(name: str, retention: Mapping[int, int]) -> None:
    """Apply the server's rule: retention never shrinks towards coarser levels (0 = forever).

    Examples
    --------
    >>> verify_retention("a", {0: 86400, 30: 0, 900: 0})
    >>> verify_retention("a", {0: 0, 30: 60})
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: pvarchiver-admin: channel 'a': decimation level 30 \
has a retention period of 60 which is less than the retention period of decimation level 0 \
which is unbounded
    """
    last: tuple[int, int] | None = None
    for period in sorted(retention):
        kept = retention[period]
        if last is not None and kept != 0 and (last[1] == 0 or kept < last[1]):
            before = "unbounded" if last[1] == 0 else str(last[1])
            raise InvalidArgumentError(
                f"{SYSTEM}: channel {name!r}: decimation level {period} has a retention period "
                f"of {kept} which is less than the retention period of decimation level "
                f"{last[0]} which is {before}"
            )
        last = (period, kept)


def resolve(desired: DesiredChannel, current: ChannelConfig | None) -> ChannelConfig:
    """The complete configuration ``desired`` asks for, given what the server has."""
    if desired.levels is None:
        retention = dict(current.retention) if current is not None else {0: 0}
    else:
        before = dict(current.retention) if current is not None else {}
        given = dict(desired.retention or {})
        retention = {p: given.get(p, before.get(p, 0)) for p in desired.levels}
    config = ChannelConfig(
        name=desired.name,
        control_system_type=desired.control_system_type
        or (current.control_system_type if current else DEFAULT_CONTROL_SYSTEM),
        server_id=desired.server_id,
        enabled=desired.enabled
        if desired.enabled is not None
        else (current.enabled if current else True),
        retention=retention,
        options=dict(desired.options)
        if desired.options is not None
        else (dict(current.options) if current else {}),
    )
    verify_retention(config.name, config.retention)
    return config
