"""The PNG of ``arrowtap demo``: a few archive channels, read back from the Delta table.

The samples come from the table through deltalake as Arrow. Every panel spans the
same UTC time range; its y-axis carries the channel's units from the samples'
metadata (``units``); the samples the second, incremental sync added are marked.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from arrowtap.cli.demo_read import delta_arrow

__all__ = ["PlotSummary", "busiest", "finite_doubles", "plot_channels", "recent", "units_label"]

_COLUMNS = ["channel", "time", "time_ns", "type", "units", "value"]


@dataclasses.dataclass(frozen=True)
class PlotSummary:
    """What the PNG shows."""

    channels: list[str]
    """The channels drawn, one panel each."""
    samples: int
    """Samples drawn in all."""
    added: int
    """Of those, the samples the second sync added (marked)."""


def finite_doubles(table: pa.Table) -> pa.Table:
    """The ``double`` samples with a ``value``, of the channels whose values are all finite.

    Examples
    --------
    >>> t = pa.table({"channel": ["a", "a", "b", "c"], "type": ["double", "string", "double",
    ...     "double"], "value": [1.5, None, float("inf"), None]})
    >>> finite_doubles(t).to_pydict()
    {'channel': ['a'], 'type': ['double'], 'value': [1.5]}
    """
    keep = pc.and_(pc.equal(table["type"], "double"), pc.is_valid(table["value"]))
    rows = table.filter(pc.fill_null(keep, False))
    odd = pc.unique(rows.filter(pc.invert(pc.is_finite(rows["value"])))["channel"])
    return rows.filter(pc.invert(pc.is_in(rows["channel"], odd)))


def busiest(values: pa.Table, count: int) -> list[str]:
    """The ``count`` channels with the most values (ties by name).

    Examples
    --------
    >>> busiest(pa.table({"channel": ["b", "a", "b", "c", "a"]}), 2)
    ['a', 'b']
    """
    counts = values.group_by("channel").aggregate([("channel", "count")])
    order = counts.sort_by([("channel_count", "descending"), ("channel", "ascending")])
    return [str(name) for name in order["channel"].to_pylist()[:count]]


def units_label(units: pa.ChunkedArray) -> str:
    """The y-axis label of one channel's units, in the order they first appear.

    Examples
    --------
    >>> units_label(pa.chunked_array([["mA", None, "°C", "mA"]]))
    'mA, °C (changed over time)'
    >>> units_label(pa.chunked_array([[None]], type=pa.string()))
    '(no units)'
    """
    seen = [u for u in dict.fromkeys(units.to_pylist()) if u]
    if not seen:
        return "(no units)"
    return seen[0] if len(seen) == 1 else f"{', '.join(seen)} (changed over time)"


def _added(path: Path, first_version: int, values: pa.Table, names: list[str]) -> pa.Array:
    """Whether each row of ``values`` is new since version ``first_version`` of the table."""
    before = delta_arrow(
        path,
        version=first_version,
        columns=["channel", "time_ns"],
        filters=[("channel", "in", names)],
    )
    old = before.append_column("old", pa.repeat(True, before.num_rows))
    keyed = values.select(["channel", "time_ns"]).append_column(
        "row", pa.array(range(values.num_rows), pa.int64())
    )
    joined = keyed.join(old, keys=["channel", "time_ns"], join_type="left outer")
    joined = joined.sort_by("row")
    return pc.invert(pc.fill_null(joined["old"], False)).combine_chunks()


def recent(path: Path, first_version: int, count: int, window: float) -> pa.Table:
    """The last ``window`` seconds of the ``count`` busiest channels, ``added`` since a version.

    Parameters
    ----------
    path : Path
        The Delta table of archive samples.
    first_version : int
        The table's version after the first sync; ``added`` tells the rows newer than it.
    count : int
        Channels: those with the most finite ``double`` samples (ties by name).
    window : float
        Seconds before the newest of their samples.

    Returns
    -------
    pyarrow.Table
        ``channel``, ``time``, ``time_ns``, ``type``, ``units``, ``value``, ``added``,
        ordered by channel and time.
    """
    values = finite_doubles(delta_arrow(path, columns=_COLUMNS))
    names = busiest(values, count)
    values = values.filter(pc.is_in(values["channel"], pa.array(names, pa.string())))
    if values.num_rows:
        since = pc.max(values["time_ns"]).as_py() - int(window * 1e9)
        values = values.filter(pc.greater_equal(values["time_ns"], since))
    values = values.append_column("added", _added(path, first_version, values, names))
    return values.sort_by([("channel", "ascending"), ("time_ns", "ascending")])


def plot_channels(
    path: Path, first_version: int, png: Path, count: int = 3, window: float = 180.0
) -> PlotSummary:
    """Plot the last ``window`` seconds of ``count`` channels of the Delta table ``path``.

    Parameters are as in :func:`recent`; ``png`` is the file written.

    Returns
    -------
    PlotSummary
        What was drawn.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    values = recent(path, first_version, count, window)
    names = list(dict.fromkeys(values["channel"].to_pylist()))
    added = int(pc.sum(values["added"]).as_py() or 0)
    fig, axes = plt.subplots(
        max(len(names), 1), 1, sharex=True, figsize=(12, 1.6 + 2.2 * len(names)), squeeze=False
    )
    for ax, name in zip(axes[:, 0], names, strict=False):
        rows = values.filter(pc.equal(values["channel"], name))
        old, new = rows.filter(pc.invert(rows["added"])), rows.filter(rows["added"])
        ax.plot(_times(rows), rows["value"].to_numpy(), lw=0.7, color="lightsteelblue")
        ax.plot(_times(old), old["value"].to_numpy(), ".", ms=3, color="tab:blue", label="sync 1")
        label = f"added by sync 2, incremental ({new.num_rows})"
        ax.plot(_times(new), new["value"].to_numpy(), "o", ms=6, color="tab:orange", label=label)
        ax.set_title(name, loc="left", fontsize=10)
        ax.set_ylabel(units_label(rows["units"]))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)  # off the data
        ax.grid(alpha=0.3)
    bottom = axes[-1, 0]
    # matplotlib.dates is not annotated: its calls are untyped for mypy --strict.
    locator = mdates.AutoDateLocator(tz="UTC")  # type: ignore[no-untyped-call]
    concise = mdates.ConciseDateFormatter(locator, tz="UTC")  # type: ignore[no-untyped-call]
    bottom.xaxis.set_major_locator(locator)
    bottom.xaxis.set_major_formatter(concise)
    bottom.set_xlabel("time (UTC)")
    if values.num_rows:
        times = _times(values)
        first, last = times.min(), times.max()
        bottom.set_xlim(first, last + (last - first) * 0.03)  # room for the newest markers
    fig.suptitle(
        f"arrowtap demo: the last {window:g} s of {len(names)} channels of the fake live archive,"
        f" read from the Delta table {path.name}/",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return PlotSummary(names, values.num_rows, added)


def _times(rows: pa.Table) -> Any:
    """The ``time`` column as numpy UTC datetimes (matplotlib's dates)."""
    return rows["time"].to_numpy().astype("datetime64[us]")
