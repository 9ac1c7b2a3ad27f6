"""Snapshot sources of one request: a status view as a one-page source.

Many sources are views of a system's state answered by one request (a cluster's
status, a node's peers): small, with no paging and nothing to resume. A
:class:`ViewSource` turns the function that fetches such a view into a source the
engine reads, streams and syncs like any other (a snapshot plan: one stamped
snapshot per sync run).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyarrow as pa

from arrowtap.errors import DecodeError
from arrowtap.io.contract import Offset, Page, Partition, Plan

__all__ = ["ViewSource", "view_plan"]


@dataclass
class ViewSource:
    """A source whose one partition is one page: the table ``fetch`` returns.

    Parameters
    ----------
    schema : pyarrow.Schema
        The declared schema; ``fetch`` must return a table of exactly this schema.
    fetch : callable
        Fetches the view (a picklable callable, e.g. a dataclass instance, for Dask).

    Examples
    --------
    >>> schema = pa.schema([("node", pa.string())])
    >>> source = ViewSource(schema, lambda: pa.table({"node": ["a", "b"]}, schema=schema))
    >>> [page.batch.num_rows for page in source.read(Partition("view"))]
    [2]
    """

    schema: pa.Schema
    fetch: Callable[[], pa.Table]

    def read(self, partition: Partition, offset: Offset | None = None) -> Iterator[Page]:
        """The whole view, as one page (a snapshot: ``offset`` is not a resume point)."""
        table = self.fetch()
        if not table.schema.equals(self.schema):
            raise DecodeError(
                f"{partition.key}: the view's schema {table.schema.names} is not the declared "
                f"{self.schema.names}"
            )
        batches = table.combine_chunks().to_batches()
        yield Page(batches[0] if batches else _empty(self.schema), None)

    def close(self) -> None:
        """Nothing to close: ``fetch`` opens and closes its own connection."""


def _empty(schema: pa.Schema) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist([], schema=schema)


def view_plan(key: str, schema: pa.Schema, fetch: Callable[[], pa.Table], name: str) -> Plan:
    """The snapshot plan of one view: partition ``key``, checkpoint ``name``.

    Examples
    --------
    >>> schema = pa.schema([("x", pa.int64())])
    >>> plan = view_plan("demo", schema, lambda: pa.table({"x": [1]}), "views")
    >>> plan.snapshot, [p.key for p in plan.partitions]
    (True, ['demo'])
    """
    return Plan(ViewSource(schema, fetch), [Partition(key)], name, snapshot=True)
