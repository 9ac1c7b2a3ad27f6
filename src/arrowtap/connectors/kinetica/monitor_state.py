"""Where a Kinetica monitor stream keeps its state, and the checks of its settings.

A stream's checkpoint holds two sections: the offset (the last value of the increasing
column delivered) under the stream's key (:func:`monitor_key`: server, table, column),
and the ids of its server-side monitors under ``<key>#monitors``, written before the
monitors are created and emptied once they are cleared, so that a process killed in
between has its monitors cleared by the next run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from arrowtap.checkpoint import Checkpoint
from arrowtap.connectors._http import redact
from arrowtap.connectors.kinetica.wire.client import SYSTEM
from arrowtap.connectors.kinetica.wire.monitor import EVENTS
from arrowtap.errors import InvalidArgumentError

__all__ = ["DECODE_FAILURE_MODES", "MonitorState", "check_settings", "monitor_key"]

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

    Parameters
    ----------
    store : Checkpoint, optional
        The checkpoint; ``None`` keeps nothing (a killed process leaks its monitors).
    key : str
        The section of the offset; the monitor ids go in ``<key>#monitors``.
    offsets : bool
        Whether the stream commits offsets here (not when a sync runner does).
    owns_store : bool
        Whether :meth:`close` closes the checkpoint.

    Examples
    --------
    >>> state = MonitorState(None, "k")
    >>> state.offset(), state.monitors()
    (None, [])
    """

    def __init__(
        self, store: Checkpoint | None, key: str, *, offsets: bool = True, owns_store: bool = False
    ) -> None:
        self.store, self.key, self.offsets, self.owns_store = store, key, offsets, owns_store

    def offset(self) -> Any:
        """The committed offset (``None``: none)."""
        if self.store is None or not self.offsets:
            return None
        return self.store.read_json(self.key)

    def monitors(self) -> list[str]:
        """The monitor ids recorded by a previous run (not cleared by it)."""
        if self.store is None:
            return []
        ids = self.store.read_json(f"{self.key}#monitors", [])
        return [str(i) for i in ids] if isinstance(ids, list) else []

    def record(self, ids: Sequence[str]) -> None:
        """Record the ids of the live monitors (``[]``: none left)."""
        if self.store is not None:
            self.store.write_json({f"{self.key}#monitors": list(ids)})

    def commit(self, offset: Any) -> None:
        """Record `offset` as delivered."""
        if self.store is not None and self.offsets and offset is not None:
            self.store.write_json({self.key: offset})

    def close(self) -> None:
        """Close the checkpoint if it was opened for the stream."""
        if self.store is not None and self.owns_store:
            self.store.close()


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
