"""Archive samples wide: one column per channel, indexed by time, ready to plot."""

from __future__ import annotations

import pandas as pd

from arrowtap import _checks as checks
from arrowtap.errors import InvalidArgumentError, InvalidTypeError

__all__ = ["pivot_samples"]


def pivot_samples(samples: pd.DataFrame, values: str = "value") -> pd.DataFrame:
    """One column per channel, indexed by time: archive samples as a plot wants them.

    Like ``samples.pivot_table(index="time", columns="channel", values="value")``,
    but nothing is aggregated: where one channel has several samples at the same
    time, the **last** in the frame's order wins (a read delivers a channel's
    samples in time order, so that is the one the server sent last). A channel with
    no sample at a time has a null there.

    Parameters
    ----------
    samples : pandas.DataFrame
        Samples as :func:`arrowtap.read_archive_samples` returns them, or as a Dask
        read computes them (``time`` the index): the columns ``channel`` and
        ``time`` and the ``values`` column are used, any others ignored.
    values : str
        The column to spread: ``"value"`` (the samples' numbers, null where a
        sample has none), or another of one value per sample, such as
        ``"minimum"`` or ``"maximum"`` of decimated samples.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``time`` (sorted, unique), one column per channel (sorted by
        name, as ``pivot_table`` does), of the ``values`` column's dtype.

    Raises
    ------
    InvalidTypeError
        ``samples`` is not a pandas DataFrame.
    InvalidArgumentError
        A column it needs is missing (the message lists those present).

    Examples
    --------
    >>> import arrowtap
    >>> from arrowtap.testing.pvarchiver import FakeArchiver
    >>> with FakeArchiver() as fake:
    ...     df = arrowtap.read_archive_samples(
    ...         fake.url, ["root:ai1", "wave:long"], 0, 2**62, unit="ns"
    ...     )
    >>> wide = arrowtap.pivot_samples(df)
    >>> list(wide.columns), wide.index.name, str(wide.index.dtype)
    (['root:ai1', 'wave:long'], 'time', 'datetime64[ns, UTC]')
    >>> wide["wave:long"].isna().all()  # waveforms have no one value
    np.True_
    """
    if not isinstance(samples, pd.DataFrame):
        raise InvalidTypeError(
            f"samples must be a pandas DataFrame (compute a Dask one first), "
            f"not {type(samples).__name__} {checks.shown(samples)}"
        )
    checks.text("values", values)
    frame = samples.reset_index() if samples.index.name == "time" else samples
    needed = ["time", "channel", values]
    missing = [name for name in needed if name not in frame.columns]
    if missing:
        raise InvalidArgumentError(
            f"samples: no column {missing[0]!r} (the columns are {list(frame.columns)})"
        )
    frame = frame[needed].drop_duplicates(["channel", "time"], keep="last")
    wide = frame.pivot(index="time", columns="channel", values=values)
    return wide.sort_index(axis=0).sort_index(axis=1)
