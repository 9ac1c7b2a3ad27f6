"""The fake archiver's cluster: servers and channel configurations, as the admin API shows them.

The configuration is derived from the archive's channels (same names, their
decimation levels and retention), all owned by the online server
:data:`THIS_SERVER_ID`, except ``wave:long`` (when present), which belongs to
the offline server :data:`OTHER_SERVER_ID` so that its status is unavailable.
Commands change it (see :mod:`.admin_apply`); the archive side follows:
removed channels disappear from the archive, renamed ones keep their samples
under the new name, added ones exist without samples.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from arrowtap.testing.pvarchiver.archive import Archive, java_sorted
from arrowtap.testing.pvarchiver.spec import ChannelSpec

__all__ = [
    "CA_OPTIONS",
    "OTHER_SERVER_ID",
    "THIS_SERVER_ID",
    "AdminRequest",
    "AdminState",
    "ChannelConfig",
    "Server",
]

THIS_SERVER_ID = "7cf8f393-cd00-46ae-9343-53e9cb5793fd"
"""The ID of the server the fake is (online)."""
OTHER_SERVER_ID = "8c6959e2-0388-4854-8ebf-88a752375962"
"""The ID of a second, offline server of the cluster."""
CA_OPTIONS = frozenset(
    {
        "clockSource",
        "enablingChannel",
        "maxClockSkew",
        "maxUpdatePeriod",
        "metaDataMonitorMask",
        "minUpdatePeriod",
        "monitorMask",
        "writeSampleWhenDisabled",
        "writeSampleWhenDisconnected",
    }
)
"""The per-channel options of the Channel Access support."""

_OFFLINE_CHANNELS = ("wave:long",)
_DISCONNECTED = ("msg:text",)
_NAMESPACE = uuid.UUID("00000000-0000-0000-0000-00000000a7a9")


@dataclass(frozen=True)
class Server:
    """A server of the cluster."""

    server_id: str
    name: str
    online: bool
    last_online_ms: int


@dataclass
class ChannelConfig:
    """One channel's configuration and counters; ``retention`` keys are its levels."""

    name: str
    server_id: str
    control_system_type: str = "channel_access"
    enabled: bool = True
    retention: dict[int, int] = field(default_factory=lambda: {0: 0})
    options: dict[str, str] = field(default_factory=dict)
    data_id: str = ""
    disconnected: bool = False
    written: int = 0
    skipped_back: int = 0

    def status(self) -> tuple[str, str | None]:
        """The archiving state (lower case, as the server sends it) and its error message."""
        if self.control_system_type != "channel_access":
            return (
                "error",
                f'The control-system support "{self.control_system_type}" is not available.',
            )
        bad = sorted(set(self.options) - CA_OPTIONS)
        if bad:
            return "error", f'Invalid control-system option "{bad[0]}".'
        if not self.enabled:
            return "disabled", None
        return ("disconnected" if self.disconnected else "ok"), None


class AdminRequest(NamedTuple):
    """One request received on the admin port."""

    method: str
    target: str
    authorization: bool


def _levels_json(retention: dict[int, int]) -> dict[str, str]:
    return {str(p): str(retention[p]) for p in sorted(retention)}


class AdminState:
    """The cluster's servers and channel configurations, thread-safe.

    Parameters
    ----------
    archive : Archive
        The archive whose channels are configured (kept in step with commands).
    users : mapping of str to str
        User names and passwords accepted for the modifying requests.
    now_ms : callable
        The current time in ms (this server's ``lastOnlineTime``).
    on_change : callable, optional
        Called after every change of the archive (the fake clears its body cache).
    """

    def __init__(
        self,
        archive: Archive,
        users: dict[str, str],
        now_ms: Callable[[], int],
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.archive = archive
        self.users = dict(users)
        self.now_ms = now_ms
        self.on_change = on_change
        self.lock = threading.RLock()
        self.unavailable = False
        """When set, every request fails like a server whose database is down (503)."""
        self.log: deque[AdminRequest] = deque(maxlen=10_000)
        self.other = Server(OTHER_SERVER_ID, "thirdserver", False, 1_490_631_012_050)
        self.channels: dict[str, ChannelConfig] = {}
        for data in archive.channels.values():
            spec = data.spec
            owner = OTHER_SERVER_ID if spec.name in _OFFLINE_CHANNELS else THIS_SERVER_ID
            config = ChannelConfig(
                name=spec.name,
                server_id=owner,
                retention={p: spec.retention.get(p, 0) for p in spec.levels},
                options={"monitorMask": "value|alarm"} if spec.name == "root:ai1" else {},
                disconnected=spec.name in _DISCONNECTED,
                written=spec.count or 0,
                skipped_back=spec.seed % 3,
            )
            self.add(config)

    # -- servers ---------------------------------------------------------------------

    def servers(self) -> list[Server]:
        """The servers of the cluster, this one first."""
        return [Server(THIS_SERVER_ID, "myserver", True, self.now_ms()), self.other]

    def server(self, server_id: str) -> Server | None:
        """The server with that ID, or ``None``."""
        return next((s for s in self.servers() if s.server_id == server_id), None)

    def server_name(self, server_id: str) -> str:
        """The server's name, ``"unknown"`` if it is not registered."""
        found = self.server(server_id)
        return "unknown" if found is None else found.name

    # -- configuration ---------------------------------------------------------------

    def names(self, server_id: str | None = None) -> list[str]:
        """The channel names (of one server), in Java order."""
        with self.lock:
            found = [
                c.name
                for c in self.channels.values()
                if server_id is None or c.server_id == server_id
            ]
        return java_sorted(found)

    def add(self, config: ChannelConfig) -> None:
        """Register a channel (its ``data_id`` derived from its name when not set)."""
        with self.lock:
            if not config.data_id:
                config.data_id = str(uuid.uuid5(_NAMESPACE, config.name))
            self.channels[config.name] = config

    def sync_archive(
        self, removed: Iterable[str] = (), changed: Iterable[tuple[str, ChannelSpec]] = ()
    ) -> None:
        """Reflect a change on the archive side: drop ``removed``, (re)place ``changed``."""
        self.archive.update(removed, [spec for _, spec in changed])
        if self.on_change is not None:
            self.on_change()

    def spec_for(self, config: ChannelConfig, base: ChannelSpec | None) -> ChannelSpec:
        """The archive channel of ``config``: ``base``'s samples, ``config``'s levels."""
        decimation = tuple(p for p in sorted(config.retention) if p > 0)
        retention = {p: r for p, r in config.retention.items() if r > 0}
        if base is None:
            return ChannelSpec(config.name, count=0, decimation=decimation, retention=retention)
        return replace(base, name=config.name, decimation=decimation, retention=retention)

    # -- JSON views ------------------------------------------------------------------

    def summary_item(self, config: ChannelConfig) -> dict[str, Any]:
        """An item of ``/channels/all``."""
        return {
            "channelDataId": config.data_id,
            "channelName": config.name,
            "controlSystemName": _cs_name(config.control_system_type),
            "controlSystemType": config.control_system_type,
            "decimationLevels": [str(p) for p in sorted(config.retention)],
            "serverId": config.server_id,
            "serverName": self.server_name(config.server_id),
        }

    def detail_item(self, config: ChannelConfig, *, with_server: bool) -> dict[str, Any]:
        """An item of ``/channels/by-server/{id}`` (``with_server``: of ``by-name``)."""
        online = config.server_id == THIS_SERVER_ID
        state, message = config.status() if online else (None, None)
        item: dict[str, Any] = {
            "channelDataId": config.data_id,
            "channelName": config.name,
            "controlSystemName": _cs_name(config.control_system_type),
            "controlSystemType": config.control_system_type,
            "decimationLevelToRetentionPeriod": _levels_json(config.retention),
            "enabled": config.enabled,
            "errorMessage": message,
            "options": {k: config.options[k] for k in java_sorted(config.options)},
        }
        if with_server:
            item["serverId"] = config.server_id
            item["serverName"] = self.server_name(config.server_id)
        item["state"] = state
        item["totalSamplesDropped"] = "0" if online else None
        item["totalSamplesSkippedBack"] = str(config.skipped_back) if online else None
        item["totalSamplesWritten"] = str(config.written) if online else None
        return item

    def server_status(self) -> dict[str, Any]:
        """The answer of ``/server-status/this-server``."""
        with self.lock:
            mine = [c for c in self.channels.values() if c.server_id == THIS_SERVER_ID]
            states = [c.status()[0] for c in mine]
            written = sum(c.written for c in mine)
        this = self.servers()[0]
        return {
            "cassandraClusterName": "Fake Cassandra cluster",
            "cassandraError": None,
            "cassandraKeyspaceName": "pv_archive",
            "channelsDisconnected": str(states.count("disconnected")),
            "channelsError": str(states.count("error")),
            "channelsTotal": str(len(mine)),
            "serverId": this.server_id,
            "serverLastOnlineTime": str(this.last_online_ms),
            "serverName": this.name,
            "serverOnline": this.online,
            "totalSamplesDropped": "0",
            "totalSamplesWritten": str(written),
        }

    def cluster_status(self) -> dict[str, Any]:
        """The answer of ``/cluster-status``."""
        servers = [
            {
                "lastOnlineTime": str(s.last_online_ms),
                "online": s.online,
                "serverId": s.server_id,
                "serverName": s.name,
            }
            for s in self.servers()
        ]
        return {"servers": servers}


def _cs_name(control_system_type: str) -> str:
    return "Channel Access" if control_system_type == "channel_access" else control_system_type
