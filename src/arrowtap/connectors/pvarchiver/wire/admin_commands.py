"""The seven archive configuration commands, and channel configurations as the server keeps them.

Pure code, no I/O. Numbers go to the server as strings, as it sends them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "COMMAND_TYPES",
    "ChannelConfig",
    "add_channel",
    "current_config",
    "move_channel",
    "refresh_channel",
    "remove_channel",
    "rename_channel",
    "update_channel",
]

COMMAND_TYPES = (
    "add_channel",
    "add_or_update_channel",
    "move_channel",
    "refresh_channel",
    "remove_channel",
    "rename_channel",
    "update_channel",
)
"""The ``commandType`` values of ``/run-archive-configuration-commands``."""


@dataclass(frozen=True)
class ChannelConfig:
    """A complete channel configuration, as the server keeps it.

    ``retention`` maps every decimation period (seconds, 0 = raw samples) to
    its retention period (seconds, 0 = forever); its keys are the levels.
    """

    name: str
    control_system_type: str
    server_id: str
    enabled: bool
    retention: Mapping[int, int]
    options: Mapping[str, str] = field(default_factory=dict)
    state: str | None = None

    @property
    def levels(self) -> list[int]:
        """The decimation periods, ascending, 0 included."""
        return sorted(self.retention)


def current_config(item: Mapping[str, Any], server_id: str) -> ChannelConfig:
    """A channel item of ``/channels/by-server/{id}`` as a :class:`ChannelConfig`."""
    retention = item.get("decimationLevelToRetentionPeriod") or {"0": "0"}
    return ChannelConfig(
        name=str(item["channelName"]),
        control_system_type=str(item.get("controlSystemType")),
        server_id=server_id,
        enabled=bool(item.get("enabled", True)),
        retention={int(k): int(v) for k, v in retention.items()},
        options=dict(item.get("options") or {}),
        state=item.get("state"),
    )


def _levels(config: ChannelConfig) -> dict[str, Any]:
    return {
        "decimationLevels": [str(p) for p in config.levels],
        "decimationLevelToRetentionPeriod": {
            str(p): str(config.retention[p]) for p in config.levels
        },
    }


def add_channel(config: ChannelConfig, *, upsert: bool = False) -> dict[str, Any]:
    """An ``add_channel`` (or ``add_or_update_channel``) command for ``config``."""
    return {
        "channelName": config.name,
        "commandType": "add_or_update_channel" if upsert else "add_channel",
        "controlSystemType": config.control_system_type,
        **_levels(config),
        "enabled": config.enabled,
        "options": dict(config.options),
        "serverId": config.server_id,
    }


def update_channel(config: ChannelConfig, current: ChannelConfig) -> dict[str, Any]:
    """An ``update_channel`` command that turns ``current`` into ``config`` (changes only)."""
    command: dict[str, Any] = {
        "channelName": config.name,
        "commandType": "update_channel",
        "expectedControlSystemType": current.control_system_type,
        "expectedServerId": current.server_id,
    }
    if config.enabled != current.enabled:
        command["enabled"] = config.enabled
    if dict(config.retention) != dict(current.retention):
        command.update(_levels(config))
    if dict(config.options) != dict(current.options):
        command["options"] = dict(config.options)
    return command


def move_channel(name: str, new_server_id: str, old_server_id: str | None) -> dict[str, Any]:
    """A ``move_channel`` command."""
    command = {"channelName": name, "commandType": "move_channel", "newServerId": new_server_id}
    if old_server_id is not None:
        command["expectedOldServerId"] = old_server_id
    return command


def refresh_channel(name: str, server_id: str) -> dict[str, Any]:
    """A ``refresh_channel`` command."""
    return {"channelName": name, "commandType": "refresh_channel", "serverId": server_id}


def remove_channel(name: str, server_id: str | None) -> dict[str, Any]:
    """A ``remove_channel`` command (``server_id``: the server expected to own it)."""
    command = {"channelName": name, "commandType": "remove_channel"}
    if server_id is not None:
        command["expectedServerId"] = server_id
    return command


def rename_channel(old: str, new: str, server_id: str | None) -> dict[str, Any]:
    """A ``rename_channel`` command."""
    command = {"commandType": "rename_channel", "newChannelName": new, "oldChannelName": old}
    if server_id is not None:
        command["expectedServerId"] = server_id
    return command
