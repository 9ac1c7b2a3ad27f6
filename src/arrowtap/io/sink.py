"""An exactly-once Parquet dataset sink, laid out for other engines (:mod:`arrowtap.io.layout`).

Each partition (a channel, say) owns a directory; page ``seq`` of it is the
file ``part-<seq>.parquet``, written to a file of the staging directory beside the
dataset (named per writer), fsynced and renamed into place, so a file is either
whole or absent and no reader ever meets a half-written one. The sync runner
commits ``seq + 1`` with the offset only once the file is durable; on the next
run, :meth:`ParquetDatasetSink.begin` deletes every file of that partition
numbered ``seq`` or more: pages written but never committed, which will be read
again. So the dataset after any number of crashes equals that of one clean run.

:meth:`~ParquetDatasetSink.begin` also removes the partition's staged files left
by a writer that died, and the pages a compaction that died had merged already
(a file ``part-<a>-<b>.parquet`` stands for pages ``a`` to ``b``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from arrowtap import _checks as checks
from arrowtap.errors import InvalidArgumentError, SinkError
from arrowtap.io.contract import Plan
from arrowtap.io.layout import (
    PageFile,
    check_column,
    dataset_column,
    legacy_dirname,
    page_files,
    partition_dirname,
    staging_dir,
)

__all__ = [
    "OFFSET_KEY",
    "ParquetDatasetSink",
    "check_compression",
    "check_rows",
    "fsync_dir",
    "open_dataset",
    "page_offset_of",
    "partition_column_of",
    "partition_dirname",
    "with_offset",
]

_CODECS = ("none", "snappy", "gzip", "brotli", "lz4", "zstd")
"""The Parquet codecs ``compression`` takes."""

OFFSET_KEY = b"arrowtap.offset"
"""Key of a page file's metadata holding (JSON) the offset that resumes after the page."""


class ParquetDatasetSink:
    """Write pages to a Parquet dataset directory, one sub-directory per partition.

    Parameters
    ----------
    directory : str or os.PathLike
        Root of the dataset; created if missing. Polars, DuckDB, pyarrow and Dask
        read it as it is (see :mod:`arrowtap.io.layout` for pandas).
    compression : str
        Parquet compression codec.
    partition_column : str, optional
        The column whose value each partition key is (archive samples:
        ``"channel"``): partitions become Hive directories ``<column>=<key>``, and
        every row written must hold its key there. ``None``: directories named
        after the keys, which readers do not turn into a column.

    Examples
    --------
    >>> import tempfile
    >>> sink = ParquetDatasetSink(tempfile.mkdtemp(), partition_column="ch")
    >>> sink.begin("a", 0)
    >>> sink.write("a", 0, pa.record_batch({"ch": ["a", "a"], "x": [1, 2]})) > 0
    True
    >>> import pyarrow.dataset as ds
    >>> sink.folder("a").name, ds.dataset(sink.directory, partitioning="hive").count_rows()
    ('ch=a', 2)
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        compression: str = "zstd",
        partition_column: str | None = None,
    ) -> None:
        self.directory = Path(checks.path("directory", directory))
        self.compression = check_compression(compression)
        self.partition_column = None if partition_column is None else check_column(partition_column)
        self._staging: Path | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SinkError(f"parquet sink: cannot create {str(self.directory)!r}: {exc}") from exc

    def __repr__(self) -> str:
        return f"ParquetDatasetSink({str(self.directory)!r})"

    @property
    def staging(self) -> Path:
        """Where files are written before they are renamed in (made on first use)."""
        if self._staging is None:
            try:
                self._staging = staging_dir(self.directory)
            except OSError as exc:
                raise SinkError(f"parquet sink: no staging directory for {self!r}: {exc}") from exc
        return self._staging

    def folder(self, key: str) -> Path:
        """The directory of partition ``key``."""
        return self.directory / partition_dirname(key, self.partition_column)

    def path(self, key: str, seq: int) -> Path:
        """Where page ``seq`` of partition ``key`` lives (until a compaction merges it)."""
        return self.folder(key) / f"part-{seq:09d}.parquet"

    def _staged(self, key: str) -> Path:
        return self.staging / self.folder(key).name

    def begin(self, key: str, next_seq: int) -> None:
        """Prepare partition ``key`` to receive page ``next_seq``: drop uncommitted pages."""
        folder = self.folder(key)
        try:
            self._move_legacy(key, folder)
            folder.mkdir(exist_ok=True)
            shutil.rmtree(self._staged(key), ignore_errors=True)  # a dead writer's files
            for entry in os.scandir(folder):
                if entry.name.startswith(".tmp-"):  # a dead writer's, before the staging area
                    os.unlink(entry.path)
            files = page_files(folder)
            for page in files:
                if page.first < next_seq <= page.last:
                    raise SinkError(
                        f"parquet sink: {page.path} holds pages {page.first}-{page.last}, across"
                        f" the {next_seq} committed: the checkpoint does not match the dataset"
                    )
                if page.first >= next_seq or _merged_into(page, files):
                    os.unlink(page.path)
            fsync_dir(folder)
        except OSError as exc:
            raise SinkError(f"parquet sink: cannot prepare {str(folder)!r}: {exc}") from exc

    def _move_legacy(self, key: str, folder: Path) -> None:
        # A dataset of an earlier layout moves on, partition by partition.
        legacy = self.directory / legacy_dirname(key)
        if legacy != folder and legacy.is_dir() and not folder.exists():
            os.rename(legacy, folder)
            fsync_dir(self.directory)

    def write(self, key: str, seq: int, batch: pa.RecordBatch) -> int:
        """Write page ``seq`` of ``key`` durably; rewriting the same page gives the same file.

        Returns
        -------
        int
            Bytes written.
        """
        check_rows(self.partition_column, key, batch)
        target = self.path(key, seq)
        staged = self._staged(key)
        tmp = staged / f"{uuid.uuid4().hex}-{target.name}"
        try:
            staged.mkdir(exist_ok=True)
            with open(tmp, "wb") as handle:
                pq.write_table(pa.Table.from_batches([batch]), handle, compression=self.compression)
                handle.flush()
                os.fsync(handle.fileno())
                size = handle.tell()
            os.replace(tmp, target)
            fsync_dir(target.parent)
        except (OSError, pa.ArrowException) as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise SinkError(f"parquet sink: cannot write {str(target)!r}: {exc}") from exc
        return size

    def files(self, key: str) -> list[PageFile]:
        """The page files of partition ``key``, committed or not, in page order."""
        return page_files(self.folder(key))

    def pages(self, key: str) -> list[tuple[int, Path]]:
        """The page files of partition ``key``, each by the number of its last page."""
        return [(page.last, page.path) for page in self.files(key)]

    def schema(self) -> pa.Schema | None:
        """The schema of the newest page file of the dataset (``None``: no page yet).

        What a sync compares the source's columns with (its schema contract).
        """
        newest: tuple[float, Path] | None = None
        try:
            folders = [entry.path for entry in os.scandir(self.directory) if entry.is_dir()]
        except FileNotFoundError:
            return None
        for folder in folders:
            for page in page_files(Path(folder)):
                mtime = page.path.stat().st_mtime
                if newest is None or mtime > newest[0]:
                    newest = (mtime, page.path)
        if newest is None:
            return None
        try:
            schema = pq.read_schema(newest[1])
        except (OSError, pa.ArrowException) as exc:
            raise SinkError(f"parquet sink: cannot read {str(newest[1])!r}: {exc}") from exc
        return schema.remove_metadata()

    def drop(self, key: str) -> None:
        """Delete partition ``key`` from the dataset (every page of it)."""
        folder = self.folder(key)
        try:
            if folder.exists():
                shutil.rmtree(folder)
            shutil.rmtree(self._staged(key), ignore_errors=True)
        except OSError as exc:
            raise SinkError(f"parquet sink: cannot delete {str(folder)!r}: {exc}") from exc


def check_compression(compression: object) -> str:
    """A Parquet codec this pyarrow build writes.

    Examples
    --------
    >>> check_compression("zstd")
    'zstd'
    """
    codec = checks.one_of("compression", compression, _CODECS)
    if codec != "none" and not pa.Codec.is_available(codec):
        raise InvalidArgumentError(f"compression {codec!r} is not in this pyarrow build")
    return codec


def check_rows(column: str | None, key: str, batch: pa.RecordBatch) -> None:
    """Raise unless every row of a page of partition ``key`` holds ``key`` in ``column``.

    Readers take the column from the directory name: the rows must agree with it.

    Examples
    --------
    >>> check_rows("ch", "a", pa.record_batch({"ch": ["a"]}))
    >>> check_rows("ch", "a", pa.record_batch({"ch": ["b"]}))
    Traceback (most recent call last):
    ...
    arrowtap.errors.SinkError: parquet sink: a page of 'a' holds other ch values
    """
    if column is None or batch.num_rows == 0:
        return
    if batch.schema.get_field_index(column) < 0:
        raise SinkError(f"parquet sink: a page of {key!r} has no column {column!r}")
    values = batch.column(column)
    if values.null_count or not pc.all(pc.equal(values, pa.scalar(key))).as_py():
        raise SinkError(f"parquet sink: a page of {key!r} holds other {column} values")


def _merged_into(page: PageFile, files: list[PageFile]) -> bool:
    """Whether another file of ``files`` holds every page of ``page`` (a compaction's)."""
    return any(
        other.first <= page.first and page.last <= other.last and other != page
        for other in files
        if other.last > other.first
    )


def partition_column_of(plan: Plan) -> str | None:
    """The column a sync of ``plan`` partitions its dataset by, if its rows keep it.

    A source declares it (``partition_column``); a projection that leaves it out
    leaves the dataset unpartitioned, as the directory names would add a column.
    """
    column = getattr(plan.source, "partition_column", None)
    return column if isinstance(column, str) and column in plan.schema.names else None


def open_dataset(directory: str | os.PathLike[str]) -> ParquetDatasetSink:
    """The sink of an existing dataset, its partition column read from its directories.

    Examples
    --------
    >>> import tempfile
    >>> open_dataset(tempfile.mkdtemp()).partition_column is None
    True
    """
    root = Path(checks.path("directory", directory))
    return ParquetDatasetSink(root, partition_column=dataset_column(root))


def with_offset(batch: pa.RecordBatch, offset: object) -> pa.RecordBatch:
    """``batch`` carrying ``offset`` in its schema metadata (kept in the page's file).

    Examples
    --------
    >>> page_offset_of(with_offset(pa.record_batch({"x": [1]}), {"value": 3}).schema)
    {'value': 3}
    """
    metadata = dict(batch.schema.metadata or {})
    metadata[OFFSET_KEY] = json.dumps(offset).encode()
    return batch.replace_schema_metadata(metadata)


def page_offset_of(schema: pa.Schema) -> object:
    """The offset a page file's schema carries (``None`` if it carries none)."""
    raw = (schema.metadata or {}).get(OFFSET_KEY)
    return None if raw is None else json.loads(raw)


def fsync_dir(path: Path) -> None:
    """Make the entries of directory ``path`` (a rename, an unlink) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
