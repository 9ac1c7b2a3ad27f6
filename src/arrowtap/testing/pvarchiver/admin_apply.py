"""Running archive configuration commands against the fake cluster, one result each.

Commands run in request order (the real server may run them in parallel,
which is why a request must not hold two commands for the same channel). A
command that cannot be applied fails alone, with a message in the style of
the server's; the others still run.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from arrowtap.testing.pvarchiver.admin_parse import render_command, verify_retention
from arrowtap.testing.pvarchiver.admin_state import AdminState, ChannelConfig

__all__ = ["run_commands"]


def _q(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _owner_mismatch(config: ChannelConfig, expected: str | None, verb: str) -> str | None:
    if expected is not None and expected != config.server_id:
        return (
            f"Channel {_q(config.name)} cannot be {verb} because it is registered with server "
            f"{config.server_id} instead of server {expected}."
        )
    return None


def _missing(name: str, verb: str) -> str:
    return f"Channel {_q(name)} cannot be {verb} because it does not exist."


def _levels_changed(state: AdminState, config: ChannelConfig, before: dict[int, int]) -> None:
    if config.retention != before:
        base = state.archive.channels.get(config.name)
        spec = state.spec_for(config, None if base is None else base.spec)
        state.sync_archive(changed=[(config.name, spec)])


def _add(state: AdminState, c: dict[str, Any]) -> str | None:
    name = c["channelName"]
    current = state.channels.get(name)
    if current is not None and c["commandType"] == "add_channel":
        return (
            f"Channel {_q(name)} cannot be added because a channel with the same name "
            "already exists."
        )
    if current is not None:
        if current.control_system_type != c["controlSystemType"]:
            return (
                f"Channel {_q(name)} cannot be updated because it has the control-system type "
                f"{_q(current.control_system_type)} instead of {_q(c['controlSystemType'])}."
            )
        if (mismatch := _owner_mismatch(current, c["serverId"], "updated")) is not None:
            return mismatch
        before = current.retention
        current.retention = dict(c["decimationLevelToRetentionPeriod"])
        current.enabled, current.options = c["enabled"], dict(c["options"])
        _levels_changed(state, current, before)
        return None
    config = ChannelConfig(
        name=name,
        server_id=c["serverId"],
        control_system_type=c["controlSystemType"],
        enabled=c["enabled"],
        retention=dict(c["decimationLevelToRetentionPeriod"]),
        options=dict(c["options"]),
    )
    state.add(config)
    state.sync_archive(changed=[(name, state.spec_for(config, None))])
    return None


def _update(state: AdminState, c: dict[str, Any]) -> str | None:
    name = c["channelName"]
    config = state.channels.get(name)
    if config is None:
        return _missing(name, "updated")
    expected_type = c.get("expectedControlSystemType")
    if expected_type is not None and expected_type != config.control_system_type:
        return (
            f"Channel {_q(name)} cannot be updated because it has the control-system type "
            f"{_q(config.control_system_type)} instead of {_q(expected_type)}."
        )
    if (mismatch := _owner_mismatch(config, c.get("expectedServerId"), "updated")) is not None:
        return mismatch
    given = c["decimationLevelToRetentionPeriod"]
    if c.get("decimationLevels") is not None:
        retention = dict(given)
    else:
        add, remove = (
            c.get("addDecimationLevels") or set(),
            c.get("removeDecimationLevels") or set(),
        )
        levels = (set(config.retention) - remove) | add
        retention = {p: given.get(p, config.retention.get(p, 0)) for p in levels}
    if (message := verify_retention(retention)) is not None:
        return message
    before = config.retention
    config.retention = retention
    if c.get("enabled") is not None:
        config.enabled = c["enabled"]
    if c.get("options") is not None:
        config.options = dict(c["options"])
    elif c.get("addOptions") is not None:
        kept = {k: v for k, v in config.options.items() if k not in c["removeOptions"]}
        config.options = kept | c["addOptions"]
    _levels_changed(state, config, before)
    return None


def _move(state: AdminState, c: dict[str, Any]) -> str | None:
    config = state.channels.get(c["channelName"])
    if config is None:
        return _missing(c["channelName"], "moved")
    mismatch = _owner_mismatch(config, c.get("expectedOldServerId"), "moved")
    if mismatch is None:
        config.server_id = c["newServerId"]
    return mismatch


def _remove(state: AdminState, c: dict[str, Any]) -> str | None:
    name = c["channelName"]
    config = state.channels.get(name)
    if config is None:
        return _missing(name, "removed")
    mismatch = _owner_mismatch(config, c.get("expectedServerId"), "removed")
    if mismatch is None:
        del state.channels[name]
        state.sync_archive(removed=[name])
    return mismatch


def _rename(state: AdminState, c: dict[str, Any]) -> str | None:
    old, new = c["oldChannelName"], c["newChannelName"]
    config = state.channels.get(old)
    if config is None:
        return _missing(old, "renamed")
    if new in state.channels:
        return (
            f"Channel {_q(old)} cannot be renamed to {_q(new)} because a channel with the new "
            "name already exists."
        )
    if (mismatch := _owner_mismatch(config, c.get("expectedServerId"), "renamed")) is not None:
        return mismatch
    del state.channels[old]
    renamed = replace(config, name=new)
    state.add(renamed)
    base = state.archive.channels.get(old)
    state.sync_archive([old], [(new, state.spec_for(renamed, None if base is None else base.spec))])
    return None


_APPLY = {
    "add_channel": _add,
    "add_or_update_channel": _add,
    "move_channel": _move,
    "refresh_channel": lambda state, c: None,  # succeeds even for an absent channel
    "remove_channel": _remove,
    "rename_channel": _rename,
    "update_channel": _update,
}


def run_commands(state: AdminState, commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Apply parsed commands in order; the ``results`` of the server's answer."""
    results = []
    for command in commands:
        with state.lock:
            message = _APPLY[command["commandType"]](state, command)
        result: dict[str, Any] = {"command": render_command(command)}
        if message is not None:
            result["errorMessage"] = message
        result["success"] = message is None
        results.append(result)
    return results
