"""Sources to Dask DataFrames, written once: ``dd.from_map`` over groups of partitions.

Each Dask partition reads a group of source partitions (for the archive: every
channel over one time window) on a worker, with its own HTTP session. ``meta``
comes from the declared schema, so an empty partition has the same dtypes as a
full one; the planner passes ``divisions`` when the groups are index ranges.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from arrowtap.io.contract import Partition, Source
from arrowtap.io.frames import empty_frame, to_pandas
from arrowtap.io.stream import iter_pages

__all__ = ["from_source"]


class ReadGroup:
    """Read one group of partitions into a pandas frame (runs on a Dask worker)."""

    def __init__(self, source: Source, index: str | None, sort_by: Sequence[str]) -> None:
        self.source = source
        self.index = index
        self.sort_by = list(sort_by)

    def __call__(self, group: Sequence[Partition]) -> pd.DataFrame:
        """Read ``group``, sorted by ``sort_by``, indexed by ``index``."""
        # A copy per call: Dask runs calls in parallel threads, and sources
        # travel without live clients, so each copy opens and closes its own.
        source = copy.copy(self.source)
        try:
            batches = [page.batch for _, page in iter_pages(source, group, max_concurrency=4)]
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()
        table = pa.Table.from_batches(batches, schema=self.source.schema)
        if self.sort_by and table.num_rows:
            table = table.take(pc.sort_indices(table, [(c, "ascending") for c in self.sort_by]))
        return to_pandas(table, index=self.index)


def from_source(
    source: Source,
    groups: Sequence[Sequence[Partition]],
    *,
    index: str | None = None,
    sort_by: Sequence[str] = (),
    divisions: Sequence[Any] | None = None,
) -> Any:
    """A Dask DataFrame with one partition per group of source partitions.

    Parameters
    ----------
    source : Source
        Picklable; each worker opens its own connections.
    groups : sequence of sequences of Partition
        What each Dask partition reads.
    index : str, optional
        Column to make the index.
    sort_by : sequence of str
        Columns each Dask partition is sorted by.
    divisions : sequence, optional
        Known index boundaries, ``len(groups) + 1`` of them.

    Returns
    -------
    dask.dataframe.DataFrame
    """
    try:
        import dask.dataframe as dd
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "arrowtap's Dask readers need Dask: pip install 'arrowtap[dask]'"
        ) from exc
    meta = empty_frame(source.schema, index=index)
    return dd.from_map(  # type: ignore[no-untyped-call]
        ReadGroup(source, index, sort_by),
        [list(g) for g in groups],
        meta=meta,
        divisions=tuple(divisions) if divisions is not None else None,
        label="arrowtap-read",
        enforce_metadata=False,
    )
