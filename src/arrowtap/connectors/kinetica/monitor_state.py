"""Where a Kinetica monitor stream keeps its state, and the checks of its settings.

A stream's checkpoint holds two sections: the offset (the last value of the increasing
column delivered, as a partition state of :mod:`arrowtap.io.offsets`) under the
stream's key (:func:`monitor_key`: server, table, column), and the ids of its
server-side monitors under ``<key>#monitors``, written before the monitors are created
and emptied once they are cleared, so that a process killed in between has its
monitors cleared by the next run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from arrowtap.checkpoint import CheckpointLike
from arrowtap.connectors._http import redact
from arrowtap.connectors.kinetica.wire.client import SYSTEM
from arrowtap.connectors.kinetica.wire.monitor import EVENTS
from arrowtap.errors import InvalidArgumentError
from arrowtap.io import offsets as ledger

__all__ = [
    "CHECKPOINT_NAME",
    "DECODE_FAILURE_MODES",
    "MonitorState",
    "check_settings",
    "monitor_key",
]

CHECKPOINT_NAME = "kinetica-monitor"
"""The checkpoint (at a location) of the monitor streams' and syncs' offsets."""

DECODE_FAILURE_MODES = ("skip", "abort")
"""What to do with an insert message that does not decode: yield DecodeFailed, or raise."""


def monitor_key(url: str, table: str, increasing_column: str | None) -> str:
    """The checkpoint section of a monitored table (server, table, increasing column).

    Examples
    --------
    >>> monitor_key("http://kinetica:9191", "t", "id")
    'kinetica-monitor:http://kinetica:9191:t:by=id'
    """
    key = f"{SYSTEM.lower()}-monitor:{redact(url)}:{table}"
    key += f":by={increasing_column}" if increasing_column else ""
    if len(key.encode()) > 160:
        key = key[:120] + "~" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return key


class MonitorState:
    """Where a stream keeps its offset and the ids of its server-side monitors.

    Every write goes through :mod:`arrowtap.io.offsets`: the offset as the state of the
    stream's partition (``commit``), the monitor ids as a bookkeeping section
    (``record``). The checkpoint is opened for each of them when given as a location
    (so the state travels and holds no handle), used as it is when open.

    Parameters
    ----------
    checkpoint : Checkpoint, str or os.PathLike, optional
        The checkpoint; ``None`` keeps nothing (a killed process leaks its monitors).
    name : str
        The checkpoint's name at that location.
    key : str
        The section of the offset; the monitor ids go in ``<key>#monitors``.
    offsets : bool
        Whether the stream commits offsets here (not when a sync runner does).

    Examples
    --------
    >>> import tempfile
    >>> state = MonitorState(tempfile.mkdtemp() + "/o.db", "kinetica-monitor", "k")
    >>> state.record(["m1"])
    >>> state.commit({"value": 3}, 1)
    >>> state.offset(), state.monitors()
    ({'value': 3}, ['m1'])
    """

    def __init__(
        self, checkpoint: CheckpointLike | None, name: str, key: str, *, offsets: bool = True
    ) -> None:
        self.checkpoint, self.name, self.key, self.offsets = checkpoint, name, key, offsets

    def load(self) -> ledger.PartitionState:
        """The committed state: the offset and the count of batches (empty: none)."""
        if self.checkpoint is None or not self.offsets:
            return ledger.PartitionState()
        with ledger.opened(self.checkpoint, self.name) as store:
            return ledger.load(store, self.key)

    def offset(self) -> Any:
        """The committed offset (``None``: none)."""
        return self.load().offset

    def monitors(self) -> list[str]:
        """The monitor ids recorded by a previous run (not cleared by it)."""
        if self.checkpoint is None:
            return []
        with ledger.opened(self.checkpoint, self.name) as store:
            ids = store.read_json(f"{self.key}#monitors", [])
        return [str(i) for i in ids] if isinstance(ids, list) else []

    def record(self, ids: Sequence[str]) -> None:
        """Record the ids of the live monitors (``[]``: none left)."""
        if self.checkpoint is not None:
            with ledger.opened(self.checkpoint, self.name) as store:
                ledger.record(store, {f"{self.key}#monitors": list(ids)})

    def commit(self, offset: Any, seq: int) -> None:
        """Record `offset` as delivered, after `seq` batches in all."""
        if self.checkpoint is not None and self.offsets and offset is not None:
            with ledger.opened(self.checkpoint, self.name) as store:
                ledger.commit(store, {self.key: ledger.PartitionState(offset, seq)})


def check_settings(
    events: Sequence[str],
    inactivity_timeout: float,
    decode_failure_mode: str,
    stop_when_idle: float | None,
) -> tuple[str, ...]:
    """The events to monitor, checked along with the other settings of a stream.

    Examples
    --------
    >>> check_settings(["insert", "insert"], 60.0, "skip", None)
    ('insert',)
    """
    if isinstance(events, str) or not events or any(e not in EVENTS for e in events):
        raise InvalidArgumentError(
            f"{SYSTEM}: events must be a non-empty list of {EVENTS}, not {events!r}"
        )
    if decode_failure_mode not in DECODE_FAILURE_MODES:
        raise InvalidArgumentError(
            f"{SYSTEM}: decode_failure_mode must be one of {DECODE_FAILURE_MODES}, "
            f"not {decode_failure_mode!r}"
        )
    seconds = {"inactivity_timeout": inactivity_timeout}
    if stop_when_idle is not None:
        seconds["stop_when_idle"] = stop_when_idle
    for name, value in seconds.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise InvalidArgumentError(f"{SYSTEM}: {name} must be seconds > 0, not {value!r}")
    return tuple(dict.fromkeys(events))
