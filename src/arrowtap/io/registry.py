"""What a source offers, declared once per source by its system's package.

Each ``arrowtap.connectors.<system>`` package lists its sources as
:class:`SourceInfo` values (``SOURCES``), naming its public functions rather than
importing them, so that listing the sources imports no connector.
:func:`arrowtap.sources` gathers them; the CLI builds its ``read`` and ``sync``
commands from them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

__all__ = ["OFFSET_KINDS", "SourceInfo"]

OFFSET_KINDS = {
    "time": "the time of the last sample delivered, per channel",
    "value": "the last value of an increasing column (with a tie-breaker); a closed range "
    "of it (a Dask sync's) is marked complete once read to its end",
    "updated": "the last updated time, with the primary key as tie-breaker; a closed range "
    "is marked complete once read to its end",
    "snapshot": "none: each run takes a whole snapshot, stamped with its time",
}
"""What an offset means, by kind."""

_ENTRY_POINTS = ("plan", "read", "scan", "sync", "dask_read", "dask_sync", "monitor")


@dataclass(frozen=True)
class SourceInfo:
    """One source: its name, what it offers, its offsets and its schema.

    Parameters
    ----------
    name : str
        The source's name: ``read_<name>``, ``scan_<name>``, ``sync_<name>``;
        ``arrowtap sync <name>`` on the command line (``-`` for ``_``).
    system : str
        The system's package under ``arrowtap.connectors``.
    description : str
        One line.
    offset : str
        A key of :data:`OFFSET_KINDS`.
    plan : str
        Its planner (``"module:function"``): the arguments of ``read_<name>``
        (without ``checkpoint`` and ``max_concurrency``) to a
        :class:`~arrowtap.io.contract.Plan`.
    read, scan, sync, dask_read, dask_sync, monitor : str or None
        The public functions (``"module:function"``) it offers.
    follow : bool
        Whether ``sync_<name>(..., follow=True)`` keeps syncing new data.
    schema_ref : str or None
        ``"module:NAME"`` of the declared schema, when it does not depend on
        the arguments (a table's schema is its table's).
    cli_aliases : tuple of str
        Other names the command line accepts.

    Examples
    --------
    >>> info = SourceInfo("demo", "pvarchiver", "an example", "time",
    ...                   read="arrowtap.io.frames:to_pandas")
    >>> info.offers()
    ['read']
    """

    name: str
    system: str
    description: str
    offset: str
    plan: str | None = None
    read: str | None = None
    scan: str | None = None
    sync: str | None = None
    dask_read: str | None = None
    dask_sync: str | None = None
    monitor: str | None = None
    follow: bool = False
    schema_ref: str | None = None
    cli_aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.offset not in OFFSET_KINDS:
            raise ValueError(f"source {self.name}: offset kind {self.offset!r} unknown")

    @property
    def snapshot(self) -> bool:
        """Whether each run takes a whole snapshot (no offset to resume from)."""
        return self.offset == "snapshot"

    def offers(self) -> list[str]:
        """The entry points it has, of ``read scan sync dask_read dask_sync monitor``."""
        return [name for name in _ENTRY_POINTS[1:] if getattr(self, name) is not None]

    def entry_point(self, kind: str) -> Callable[..., Any]:
        """The function of entry point ``kind`` (imported now)."""
        ref = getattr(self, kind) if kind in _ENTRY_POINTS else None
        if ref is None:
            raise LookupError(f"source {self.name} has no {kind} entry point")
        return _resolve(ref)  # type: ignore[no-any-return]

    @property
    def schema(self) -> pa.Schema | None:
        """The declared schema (``None``: it is the table's or the query's)."""
        return None if self.schema_ref is None else _resolve(self.schema_ref)

    @property
    def cli_name(self) -> str:
        """The name on the command line."""
        return self.name.replace("_", "-")


def _resolve(ref: str) -> Any:
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)
