"""Compaction: a dataset's many small committed page files merged into files of a target size.

A sync writes one file per page; a partition followed for a month holds
thousands of small files. :func:`compact` merges, in each partition, runs of
consecutive *committed* page files into files of about ``target_size`` bytes,
rows and order unchanged. The protocol, per merged run of files holding pages
``a`` to ``b``:

1. Read the committed count ``n`` of each partition from the checkpoint. Only
   files whose pages are all below ``n`` are merged: a running sync writes pages
   ``n`` and up and its ``begin`` deletes only pages at or past its committed
   count (never below ``n``, which only grows), so the two never touch the same file.
2. Write the run's rows into a file of the staging directory (outside the
   dataset, so no reader sees it), in page order, with the metadata of the run's
   last file (its offset: ``arrowtap state rewind`` rewinds to the end of the
   merged file), and fsync it.
3. Rename it to ``part-<a>-<b>.parquet`` in the partition (a new name: nothing is
   replaced) and fsync the directory: the merged rows are durable.
4. Delete the run's old files and fsync the directory.

What a reader sees: before 3 the old files, after 4 the merged one, the same rows
in the same order. Between 3 and 4 (a few unlinks) a reader that lists the
partition sees the run's rows twice, and one that listed it before 4 and opens an
old file after it gets "file not found"; POSIX has no atomic replacement of
several files, so a reader that must never meet this reads while no compaction
runs (or reads a Delta table). A crash between 3 and 4 leaves the rows twice on
disk until repaired, and the name says which pages a file holds, so the repair
needs no read: a file whose pages another file holds is deleted by the next
compaction and by the next sync's ``begin``. The numbering stays: ``part-<a>-<b>``
ends at page ``b < n``, so the next ``begin`` keeps it and the next page is ``n``.

Why a new name and not the last page's (``part-<b>``): replacing that page in place
hides the same double rows (a reader that read pages ``a`` to ``b-1`` and then
opens ``part-<b>`` gets them again) and makes a merged file look like a page, so
the repair would have to open every file to know what it holds.

One compaction of a dataset runs at a time (it reads the counts of step 1 under
its lock), and ``arrowtap state rewind/reset`` wait for it: they hold the same
lock (:func:`dataset_lock`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from arrowtap import _checks as checks
from arrowtap._redact import redact
from arrowtap.checkpoint import Checkpoint, CheckpointLike, open_checkpoint
from arrowtap.errors import CheckpointError, InvalidArgumentError, SinkError
from arrowtap.io.checkpoint_home import default_checkpoint, move_legacy_checkpoint
from arrowtap.io.delta_log import compact_delta  # deltalake itself is imported on use
from arrowtap.io.inputs import check_checkpoint
from arrowtap.io.layout import PageFile, page_files
from arrowtap.io.offsets import PartitionState
from arrowtap.io.sink import ParquetDatasetSink, fsync_dir, open_dataset

__all__ = ["DEFAULT_TARGET_SIZE", "CompactSummary", "compact", "dataset_lock"]

DEFAULT_TARGET_SIZE = 128 * 2**20
"""The size merged files aim at, in bytes."""
_MAX_TARGET = 2**40
_ROW_GROUP_BYTES = 64 * 2**20
"""Rows held in memory (Arrow bytes) before they are written as one row group."""


@dataclass
class CompactSummary:
    """What a compaction did.

    Examples
    --------
    >>> str(CompactSummary(partitions=1, merged=10, written=2, bytes=4096))
    '1 partitions: 10 files merged into 2, 4096 bytes'
    """

    partitions: int = 0
    merged: int = 0
    written: int = 0
    bytes: int = 0

    def __str__(self) -> str:
        return (
            f"{self.partitions} partitions: {self.merged} files merged into {self.written},"
            f" {self.bytes} bytes"
        )


def compact(
    to: str | os.PathLike[str],
    *,
    target_size: int = DEFAULT_TARGET_SIZE,
    checkpoint: CheckpointLike | None = None,
) -> CompactSummary:
    """Merge each partition's small committed page files into files of about ``target_size``.

    Safe beside a running sync of the same dataset; rows and their order are
    unchanged. The module's text gives the protocol and what a reader may see.

    Parameters
    ----------
    to : str or os.PathLike
        The dataset a sync wrote, or ``"delta:PATH"`` for a Delta table (compacted
        by :func:`arrowtap.io.delta.compact_delta`).
    target_size : int
        The size, in bytes, merged files aim at (default 128 MiB).
    checkpoint : str, os.PathLike or Checkpoint, optional
        The sync's checkpoint, which says what is committed (default: beside ``to``).

    Returns
    -------
    CompactSummary

    Examples
    --------
    >>> import tempfile, pyarrow as pa
    >>> from arrowtap.io import offsets
    >>> root = tempfile.mkdtemp() + "/out"
    >>> sink = ParquetDatasetSink(root)
    >>> sink.begin("a", 0)
    >>> for seq in range(3):
    ...     _ = sink.write("a", seq, pa.record_batch({"x": [seq]}))
    >>> with open_checkpoint(root + ".checkpoint.sqlite", "job") as store:
    ...     offsets.commit(store, {"a": offsets.PartitionState(None, 3)})
    >>> print(compact(root))  # doctest: +ELLIPSIS
    1 partitions: 3 files merged into 1, ... bytes
    >>> [p.name for p in sorted(sink.folder("a").iterdir())]
    ['part-000000000-000000002.parquet']
    """
    size = checks.positive_int("target_size", target_size, maximum=_MAX_TARGET)
    if isinstance(to, str) and to.startswith("delta:"):
        return _compact_delta(to.removeprefix("delta:"), size)
    if isinstance(to, str) and "://" in to:
        raise InvalidArgumentError(
            f"to: {checks.shown(redact(to))}: compact() merges a local dataset's files;"
            " a dataset in object storage is not compacted (keep large pages there, or"
            " sync into a Delta table, which compacts anywhere)"
        )
    root = Path(checks.path("to", to))
    check_checkpoint(checkpoint)
    if not root.is_dir():
        raise InvalidArgumentError(f"to: no dataset at {str(root)!r}")
    if checkpoint is None:
        checkpoint = default_checkpoint(root)
        move_legacy_checkpoint(root, checkpoint)
    dataset = open_dataset(root)
    summary = CompactSummary()
    with dataset_lock(dataset, wait=False):
        committed = _committed(checkpoint)  # under the lock: a rewind may lower it, not now
        for key, count in sorted(committed.items()):
            before = summary.merged
            _partition(dataset, key, count, size, summary)
            summary.partitions += summary.merged > before
    return summary


@contextlib.contextmanager
def dataset_lock(dataset: ParquetDatasetSink, *, wait: bool = True) -> Iterator[None]:
    """Hold the lock of whoever rewrites committed files (a compaction, a rewind, a reset)."""
    path = dataset.staging / "compact.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as exc:
            raise SinkError(f"{dataset.directory}: another compaction is running") from exc
        yield
    finally:
        os.close(fd)  # releases the lock


def _compact_delta(path: str, target_size: int) -> CompactSummary:
    # deltalake's optimize metrics; "filesAdded" holds its statistics as JSON text.
    metrics = compact_delta(path, target_size)
    added = metrics.get("filesAdded") or {}
    added = json.loads(added) if isinstance(added, str) else added
    return CompactSummary(
        partitions=int(metrics.get("partitionsOptimized", 0)),
        merged=int(metrics.get("numFilesRemoved", 0)),
        written=int(metrics.get("numFilesAdded", 0)),
        bytes=int(added.get("totalSize", 0)) if isinstance(added, Mapping) else 0,
    )


def _committed(checkpoint: CheckpointLike) -> dict[str, int]:
    """The committed page count of every partition the checkpoint knows."""
    if isinstance(checkpoint, Checkpoint):
        return _counts(checkpoint)
    if isinstance(checkpoint, str) and "://" in checkpoint:
        raise InvalidArgumentError(
            "checkpoint: give a HarperDB checkpoint opened, open_checkpoint(url, name),"
            " so that compact knows which one"
        )
    from arrowtap.checkpoint.sqlite import checkpoint_names

    counts: dict[str, int] = {}
    for name in checkpoint_names(checkpoint):
        with open_checkpoint(checkpoint, name) as store:
            for key, count in _counts(store).items():
                counts[key] = min(count, counts.get(key, count))
    return counts


def _counts(store: Checkpoint) -> dict[str, int]:
    counts = {}
    for key in store.keys():
        try:
            counts[key] = PartitionState.from_json(key, store.read_json(key)).seq
        except CheckpointError:
            continue  # a connector's bookkeeping, not a partition
    return counts


def _partition(
    dataset: ParquetDatasetSink, key: str, count: int, target: int, summary: CompactSummary
) -> None:
    folder = dataset.folder(key)
    files = page_files(folder)
    merged = [f for f in files if f.last > f.first]
    for page in files:  # what a compaction that died between its steps 3 and 4 left
        if any(m.first <= page.first and page.last <= m.last and m != page for m in merged):
            _unlink(page.path)
    files = [f for f in page_files(folder) if f.last < count]
    for run in _runs(files, target):
        _merge(dataset, folder, run, summary)


def _runs(files: list[PageFile], target: int) -> Iterator[list[PageFile]]:
    """Runs of consecutive files of one schema, each at most ``target`` bytes, of two or more."""
    run: list[PageFile] = []
    size = 0
    schema: pa.Schema | None = None
    for page in files:
        page_size = page.path.stat().st_size
        page_schema = pq.read_schema(page.path).remove_metadata()
        joins = (
            run
            and page.first == run[-1].last + 1
            and size + page_size <= target
            and page_schema.equals(schema)
        )
        if not joins:
            if len(run) > 1:
                yield run
            run, size, schema = [], 0, page_schema
        run.append(page)
        size += page_size
    if len(run) > 1:
        yield run


def _merge(
    dataset: ParquetDatasetSink, folder: Path, run: list[PageFile], summary: CompactSummary
) -> None:
    target = folder / f"part-{run[0].first:09d}-{run[-1].last:09d}.parquet"
    if target.exists():  # only a compaction makes such a name, and one runs at a time
        raise SinkError(f"compact: {target} exists already")
    work = dataset.staging / "compacting"
    work.mkdir(exist_ok=True)
    tmp = work / f"{uuid.uuid4().hex}.parquet"
    last = pq.read_schema(run[-1].path)
    schema = pq.read_schema(run[0].path).with_metadata(last.metadata or {})
    try:
        with open(tmp, "wb") as handle:
            with pq.ParquetWriter(handle, schema, compression=dataset.compression) as writer:
                held: list[pa.Table] = []
                for page in run:
                    held.append(pq.ParquetFile(page.path).read().replace_schema_metadata(None))
                    if sum(t.nbytes for t in held) >= _ROW_GROUP_BYTES:
                        writer.write_table(pa.concat_tables(held))
                        held = []
                if held:
                    writer.write_table(pa.concat_tables(held))
            handle.flush()
            os.fsync(handle.fileno())
            size = handle.tell()
        os.rename(tmp, target)  # step 3: the merged rows are in the dataset
        fsync_dir(folder)
    except (OSError, pa.ArrowException) as exc:
        _unlink(tmp)
        raise SinkError(f"compact: cannot merge into {str(target)!r}: {exc}") from exc
    for page in run:  # step 4
        _unlink(page.path)
    fsync_dir(folder)
    summary.merged += len(run)
    summary.written += 1
    summary.bytes += size


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
