"""The Kinetica part of ``arrowtap demo``: a keyed table, an upsert, and a Delta ``MERGE``.

A small table of sensors (primary key ``id``, increasing column ``updated``) is
written to the fake Kinetica and synced into a Delta table in ``"merge"`` mode;
an upsert then changes one row and moves its ``updated`` on, so the next sync
copies that row alone and the Delta table still holds one row per key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pyarrow as pa

__all__ = ["CHANGED_ID", "TABLE", "Upsert", "create_sensors", "merged_rows", "upsert_one"]

TABLE = "demo.sensors"
"""The Kinetica table the demo writes (schema ``demo``)."""

CHANGED_ID = 3
"""The ``id`` of the row the upsert changes."""

_SITES = ["north hall", "south hall", "cold room", "roof", "basement"]
_READINGS = [20.5, 21.0, 4.2, 17.9, 12.6]
_UPDATED = pa.timestamp("ms", tz="UTC")  # Kinetica keeps milliseconds


def _now() -> dt.datetime:
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def sensors(now: dt.datetime) -> pa.Table:
    """The table's first rows: one per sensor, updated a minute apart up to ``now``.

    Examples
    --------
    >>> t = sensors(dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC))
    >>> t["id"].to_pylist(), f"{t['updated'][-1].as_py():%H:%M}"
    ([1, 2, 3, 4, 5], '12:00')
    """
    n = len(_SITES)
    return pa.table(
        {
            "id": pa.array(range(1, n + 1), pa.int64()),
            "site": _SITES,
            "celsius": _READINGS,
            "updated": pa.array(
                [now - dt.timedelta(minutes=n - 1 - i) for i in range(n)], _UPDATED
            ),
        }
    )


def create_sensors(url: str) -> pa.Table:
    """Create :data:`TABLE` on the Kinetica at ``url`` and write its first rows; those rows."""
    from arrowtap.connectors.kinetica.write import write_kinetica

    rows = sensors(_now())
    write_kinetica(rows, url, TABLE, primary_key=["id"])
    return rows


@dataclasses.dataclass(frozen=True)
class Upsert:
    """One row changed by an upsert: its values before and after."""

    before: dict[str, object]
    after: dict[str, object]

    def describe(self) -> str:
        """One line: the key and each value that changed.

        Examples
        --------
        >>> Upsert({"id": 3, "celsius": 4.2}, {"id": 3, "celsius": 6.8}).describe()
        'id 3: celsius 4.2 -> 6.8'
        """
        changes = [
            f"{name} {_show(self.before[name])} -> {_show(value)}"
            for name, value in self.after.items()
            if value != self.before[name]
        ]
        return f"id {self.after['id']}: " + ", ".join(changes)


def _show(value: object) -> str:
    if isinstance(value, dt.datetime):
        return f"{value:%H:%M:%S.%f}"[:-3] + " UTC"
    return str(value)


def upsert_one(url: str, rows: pa.Table) -> Upsert:
    """Upsert row :data:`CHANGED_ID`: a new reading, ``updated`` moved on to now."""
    from arrowtap.connectors.kinetica.write import write_kinetica

    before = next(row for row in rows.to_pylist() if row["id"] == CHANGED_ID)
    after = {**before, "celsius": round(float(before["celsius"]) + 2.6, 1), "updated": _now()}
    changed = pa.Table.from_pylist([after], schema=rows.schema)
    write_kinetica(changed, url, TABLE, mode="upsert")
    return Upsert(before, after)


def merged_rows(path: Path) -> tuple[list[str], int]:
    """The Delta table at ``path`` as text lines (the changed row marked), and its distinct keys.

    Returns
    -------
    lines : list of str
        A header and one line per row, ordered by ``id``.
    keys : int
        Distinct ``id`` values (equal to the rows when the merge kept one row per key).
    """
    from arrowtap.cli.demo_read import delta_arrow

    frame = delta_arrow(path).to_pandas().sort_values("id", ignore_index=True)
    lines = frame.to_string(index=False).splitlines()
    for i, key in enumerate(frame["id"], start=1):
        if key == CHANGED_ID:
            lines[i] += "   <- changed by the upsert"
    return lines, int(frame["id"].nunique())
