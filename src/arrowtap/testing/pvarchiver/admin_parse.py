"""Strict reading of admin request bodies, the way Jackson and the command constructors do.

Unknown fields, a missing required field, a value of the wrong JSON type, an
unknown ``commandType`` and every constructor check (negative decimation
periods, a retention cascade that shrinks, explicit and differential changes
mixed) make the whole request a 400. Numbers are accepted as JSON numbers or
as strings (Jackson's coercion) within Java ``int`` range.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any

__all__ = ["BadRequest", "parse_commands", "parse_import", "render_command", "verify_retention"]

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1

# field -> kind; kinds: str, uuid, bool, levels, retention, options, names
_FIELDS: dict[str, dict[str, str]] = {
    "add_channel": {
        "channelName": "str",
        "controlSystemType": "str",
        "decimationLevels": "levels",
        "decimationLevelToRetentionPeriod": "retention",
        "enabled": "bool",
        "options": "options",
        "serverId": "uuid",
    },
    "move_channel": {"channelName": "str", "expectedOldServerId": "uuid", "newServerId": "uuid"},
    "refresh_channel": {"channelName": "str", "serverId": "uuid"},
    "remove_channel": {"channelName": "str", "expectedServerId": "uuid"},
    "rename_channel": {
        "expectedServerId": "uuid",
        "newChannelName": "str",
        "oldChannelName": "str",
    },
    "update_channel": {
        "addDecimationLevels": "levels",
        "addOptions": "options",
        "channelName": "str",
        "decimationLevels": "levels",
        "decimationLevelToRetentionPeriod": "retention",
        "enabled": "bool",
        "expectedControlSystemType": "str",
        "expectedServerId": "uuid",
        "options": "options",
        "removeDecimationLevels": "levels",
        "removeOptions": "names",
    },
}
_FIELDS["add_or_update_channel"] = _FIELDS["add_channel"]
_REQUIRED = {
    "add_channel": ("channelName", "controlSystemType", "enabled", "serverId"),
    "add_or_update_channel": ("channelName", "controlSystemType", "enabled", "serverId"),
    "move_channel": ("channelName", "newServerId"),
    "refresh_channel": ("channelName", "serverId"),
    "remove_channel": ("channelName",),
    "rename_channel": ("newChannelName", "oldChannelName"),
    "update_channel": ("channelName",),
}
_NAMES = ("channelName", "oldChannelName", "newChannelName")


class BadRequest(ValueError):
    """The request is malformed: the server answers 400."""


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadRequest(f"{where}: expected a number, got {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"{where}: not a number: {value!r}") from None
    if not _INT_MIN <= number <= _INT_MAX:
        raise BadRequest(f"{where}: out of range of int: {value!r}")
    return number


def _value(kind: str, value: Any, where: str) -> Any:
    if value is None:
        return None
    if kind == "str":
        if not isinstance(value, str):
            raise BadRequest(f"{where}: expected a string, got {value!r}")
        return value
    if kind == "uuid":
        try:
            return str(uuid.UUID(value))
        except (ValueError, TypeError, AttributeError):
            raise BadRequest(f"{where}: not a UUID: {value!r}") from None
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise BadRequest(f"{where}: expected a boolean, got {value!r}")
    if kind in ("levels", "names"):
        if not isinstance(value, list):
            raise BadRequest(f"{where}: expected an array, got {value!r}")
        if kind == "names":
            return {_value("str", v, where) for v in value}
        levels = {_int(v, where) for v in value}
        if any(p < 0 for p in levels):
            raise BadRequest("A decimation level cannot have a negative decimation period.")
        return levels
    if not isinstance(value, dict):
        raise BadRequest(f"{where}: expected an object, got {value!r}")
    if kind == "options":
        return {k: _value("str", v, where) for k, v in value.items()}
    retention = {_int(k, where): max(0, _int(v, where)) for k, v in value.items()}
    if any(p < 0 for p in retention):
        raise BadRequest("A decimation level cannot have a negative decimation period.")
    return retention


def _period(seconds: int) -> str:
    return "unbounded" if seconds == 0 else str(seconds)


def verify_retention(retention: dict[int, int]) -> str | None:
    """The server's message if retention shrinks towards coarser levels, else ``None``.

    Examples
    --------
    >>> verify_retention({0: 0, 30: 60})[:42]
    'Decimation level 30 has a retention period'
    """
    last: tuple[int, int] | None = None
    for period in sorted(retention):
        kept = retention[period]
        if last is not None and kept != 0 and (last[1] == 0 or kept < last[1]):
            return (
                f"Decimation level {period} has a retention period of {_period(kept)} which "
                f"is less than the retention period of decimation level {last[0]} which is "
                f"{_period(last[1])}."
            )
        last = (period, kept)
    return None


def _normalise(command: dict[str, Any]) -> None:
    """Apply the command constructors' checks and normalisation in place."""
    kind = command["commandType"]
    for name in _NAMES:
        if command.get(name) == "":
            raise BadRequest(f"The {name} must not be empty.")
    if kind in ("add_channel", "add_or_update_channel"):
        levels = (command.get("decimationLevels") or set()) | {0}
        given = command.get("decimationLevelToRetentionPeriod") or {}
        command["decimationLevels"] = levels
        command["decimationLevelToRetentionPeriod"] = {p: given.get(p, 0) for p in levels}
        command["options"] = command.get("options") or {}
    elif kind == "update_channel":
        explicit = command.get("decimationLevels")
        add, remove = command.get("addDecimationLevels"), command.get("removeDecimationLevels")
        given = command.get("decimationLevelToRetentionPeriod") or {}
        if explicit is not None:
            if add is not None or remove is not None:
                raise BadRequest(
                    "If decimationLevels is specified, addDecimationLevels and "
                    "removeDecimationLevels must be null."
                )
            explicit = explicit | {0}
            command["decimationLevels"] = explicit
            given = {p: given.get(p, 0) for p in explicit}
        elif add is not None or remove is not None:
            add, remove = (add or set()) - {0}, (remove or set()) - {0}
            if add & remove:
                raise BadRequest("A decimation level cannot be added and removed at the same time.")
            command["addDecimationLevels"], command["removeDecimationLevels"] = add, remove
            given = {p: r for p, r in given.items() if p not in remove} | {
                p: given.get(p, 0) for p in add
            }
        command["decimationLevelToRetentionPeriod"] = given
        if command.get("options") is not None and (
            command.get("addOptions") is not None or command.get("removeOptions") is not None
        ):
            raise BadRequest("If options is specified, addOptions and removeOptions must be null.")
        if command.get("addOptions") is not None or command.get("removeOptions") is not None:
            command["addOptions"] = command.get("addOptions") or {}
            command["removeOptions"] = command.get("removeOptions") or set()
            if set(command["addOptions"]) & command["removeOptions"]:
                raise BadRequest("An option cannot be added and removed at the same time.")
    retention = command.get("decimationLevelToRetentionPeriod")
    if retention is not None and (message := verify_retention(retention)):
        raise BadRequest(message)


def parse_commands(body: Any) -> list[dict[str, Any]]:
    """The commands of a ``run-archive-configuration-commands`` body, checked and normalised.

    Examples
    --------
    >>> [c] = parse_commands({"commands": [{"commandType": "remove_channel", "channelName": "x"}]})
    >>> c["channelName"]
    'x'
    """
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    if set(body) - {"commands"}:
        raise BadRequest(f'Unrecognized field "{sorted(set(body) - {"commands"})[0]}".')
    if not isinstance(body.get("commands"), list):
        raise BadRequest('Missing required creator property "commands".')
    commands = []
    for at, raw in enumerate(body["commands"]):
        where = f"commands[{at}]"
        if not isinstance(raw, dict) or raw.get("commandType") not in _FIELDS:
            got = raw.get("commandType") if isinstance(raw, dict) else raw
            raise BadRequest(f"{where}: missing or unknown commandType {got!r}")
        kind = raw["commandType"]
        fields = _FIELDS[kind]
        unknown = sorted(set(raw) - set(fields) - {"commandType"})
        if unknown:
            raise BadRequest(f'{where}: Unrecognized field "{unknown[0]}" ({kind}).')
        command = {"commandType": kind}
        command |= {k: _value(fields[k], raw.get(k), f"{where}.{k}") for k in fields}
        missing = [k for k in _REQUIRED[kind] if command.get(k) is None]
        if missing:
            raise BadRequest(f'{where}: Missing required creator property "{missing[0]}".')
        _normalise(command)
        commands.append(command)
    return commands


def render_command(command: dict[str, Any]) -> dict[str, Any]:
    """The command as the server echoes it: known members only, numbers as strings."""
    out: dict[str, Any] = {}
    always = ("add_channel", "add_or_update_channel")
    for key in sorted(command, key=str.lower):
        value = command[key]
        if value is None and command["commandType"] not in always:
            continue
        if isinstance(value, set):
            value = sorted(value) if key == "removeOptions" else [str(v) for v in sorted(value)]
        elif key == "decimationLevelToRetentionPeriod":
            value = {str(p): str(value[p]) for p in sorted(value)}
        out[key] = value
    return out


def parse_import(body: Any) -> tuple[bytes, dict[str, bool]]:
    """The configuration file and the flags of an ``import`` body."""
    flags = ("addChannels", "removeChannels", "simulate", "updateChannels")
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    unknown = sorted(set(body) - set(flags) - {"configurationFile"})
    if unknown:
        raise BadRequest(f'Unrecognized field "{unknown[0]}".')
    encoded = body.get("configurationFile")
    if not isinstance(encoded, str):
        raise BadRequest('Missing required creator property "configurationFile".')
    try:
        data = base64.b64decode(encoded.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise BadRequest("configurationFile: not base64.") from None
    return data, {f: bool(_value("bool", body.get(f), f)) for f in flags}
