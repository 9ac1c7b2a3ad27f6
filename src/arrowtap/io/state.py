"""What a sync has committed, and how to take it back: show, reset, rewind.

A partition's state says how many pages of it are durable and where its source
resumes; each page file of a Parquet dataset keeps the offset that resumes after
it (:func:`~arrowtap.io.sink.with_offset`). So a partition can be rewound to the
end of any of its pages: the later pages are deleted and the state set to that
page's offset and number, all through :mod:`arrowtap.io.offsets`. The next sync
reads again what followed that page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from arrowtap.checkpoint import Checkpoint
from arrowtap.errors import CheckpointError, InvalidArgumentError
from arrowtap.io import offsets
from arrowtap.io.compact import dataset_lock
from arrowtap.io.sink import ParquetDatasetSink, page_offset_of

__all__ = ["StateRow", "reset", "rewind", "states"]


@dataclass(frozen=True)
class StateRow:
    """One section of a checkpoint, as ``arrowtap state show`` lists it."""

    key: str
    offset: Any
    pages: int | None
    committed: str | None

    @property
    def bookkeeping(self) -> bool:
        """A connector's own section (server-side object ids, a stored plan), not a state."""
        return self.pages is None


def states(store: Checkpoint) -> list[StateRow]:
    """Every section of ``store``: partition states first, by key.

    Examples
    --------
    >>> import tempfile
    >>> from arrowtap.checkpoint import open_checkpoint
    >>> with open_checkpoint(tempfile.mkdtemp() + "/o.db", "job") as store:
    ...     offsets.commit(store, {"ch": offsets.PartitionState(7, 1)})
    ...     [(row.key, row.offset, row.pages) for row in states(store)]
    [('ch', 7, 1)]
    """
    rows = []
    for key in store.keys():
        value = store.read_json(key)
        try:
            state = offsets.PartitionState.from_json(key, value)
        except CheckpointError:
            rows.append(StateRow(key, value, None, None))
            continue
        at = None
        if state.at is not None:
            at = dt.datetime.fromtimestamp(state.at / 1e9, dt.UTC).isoformat(timespec="seconds")
        rows.append(StateRow(key, state.offset, state.seq, at))
    return sorted(rows, key=lambda r: (r.bookkeeping, r.key))


def reset(store: Checkpoint, keys: list[str], dataset: ParquetDatasetSink | None) -> None:
    """Forget partitions ``keys`` (and their bookkeeping); drop their data from ``dataset``."""
    known = set(store.keys())
    missing = [key for key in keys if key not in known]
    if missing:
        raise InvalidArgumentError(f"partition: no partition {missing[0]!r} in {store.name!r}")
    for key in keys:
        # The state first, as in rewind: data left behind is deleted by the next sync.
        offsets.forget(store, [key, *(k for k in known if k.startswith(key + "#"))])
        if dataset is not None:
            with dataset_lock(dataset):  # a compaction must not bring a file back
                dataset.drop(key)


def _as_column_value(column: pa.DataType, value: str) -> Any:
    from arrowtap.io.inputs import to_ns

    if pa.types.is_timestamp(column):
        number = int(value) if value.lstrip("-").isdigit() else None
        return pa.scalar(number if number is not None else to_ns(value, "to"), pa.int64()).cast(
            column
        )
    try:
        return pa.scalar(value).cast(column)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise InvalidArgumentError(f"to: {value!r} is not a value of a {column} column") from exc


def rewind(
    store: Checkpoint,
    key: str,
    dataset: ParquetDatasetSink,
    *,
    pages: int | None = None,
    column: str | None = None,
    to: str | None = None,
) -> int:
    """Rewind partition ``key`` to the end of a page; the number of pages kept.

    Keep its first ``pages`` pages, or every first page whose ``column`` values
    are all at most ``to``; delete the later ones and commit the kept page's offset.
    A compacted file (:mod:`arrowtap.io.compact`) is kept or deleted whole: a rewind
    to a page inside one keeps the pages before that file, and the next sync reads
    the rest again.
    """
    with dataset_lock(dataset):  # a compaction waits: it must not merge what this deletes
        return _rewind(store, key, dataset, pages, column, to)


def _rewind(
    store: Checkpoint,
    key: str,
    dataset: ParquetDatasetSink,
    pages: int | None,
    column: str | None,
    to: str | None,
) -> int:
    state = offsets.load(store, key)
    if state.seq == 0:
        raise InvalidArgumentError(f"partition: {key!r} has nothing committed to rewind")
    files = [page for page in dataset.files(key) if page.last < state.seq]
    if (pages is None) == (column is None or to is None):
        raise InvalidArgumentError("rewind: give either pages, or column and to")
    keep = 0
    if pages is not None:
        if isinstance(pages, bool) or not isinstance(pages, int) or not 0 <= pages <= state.seq:
            raise InvalidArgumentError(f"pages: must be 0 to {state.seq}, got {pages!r}")
        keep = max((page.last + 1 for page in files if page.last < pages), default=0)
    else:
        assert column is not None
        assert to is not None
        for page in files:
            table = pq.read_table(page.path, columns=[column])
            bound = _as_column_value(table.schema.field(column).type, to)
            if not pc.all(pc.less_equal(table[column], bound)).as_py():
                break
            keep = page.last + 1
    kept_offset = None
    if keep:
        kept = next(page.path for page in files if page.last == keep - 1)
        kept_offset = page_offset_of(pq.read_schema(kept))
        if kept_offset is None:
            raise CheckpointError(f"{kept} carries no offset: it cannot be rewound")
    # The state first: a stop between the two leaves pages past it, which the next
    # sync deletes (it drops every page numbered at or past the committed count).
    if keep:
        offsets.commit(store, {key: offsets.PartitionState(kept_offset, keep)})
    else:
        offsets.forget(store, [key])
    dataset.begin(key, keep)  # deletes the pages numbered keep or more
    return keep
