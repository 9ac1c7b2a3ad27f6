"""An exactly-once Parquet dataset sink.

Each partition (a channel, say) owns a directory; page ``seq`` of it is the
file ``part-<seq>.parquet``, written to a hidden temporary file, fsynced and
renamed, so a file is either whole or absent. The sync runner commits
``seq + 1`` with the offset only once the file is durable; on the next run,
:meth:`ParquetDatasetSink.begin` deletes every file of that partition numbered
``seq`` or more: pages written but never committed, which will be read again.
So the dataset after any number of crashes equals that of one clean run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import quote

import pyarrow as pa
import pyarrow.parquet as pq

from arrowtap import _checks as checks
from arrowtap.errors import InvalidArgumentError, SinkError

__all__ = ["OFFSET_KEY", "ParquetDatasetSink", "page_offset_of", "partition_dirname", "with_offset"]

_CODECS = ("none", "snappy", "gzip", "brotli", "lz4", "zstd")
"""The Parquet codecs ``compression`` takes."""

OFFSET_KEY = b"arrowtap.offset"
"""Key of a page file's metadata holding (JSON) the offset that resumes after the page."""

_PART = re.compile(r"^part-(\d{9})\.parquet$")


def partition_dirname(key: str) -> str:
    """Name the directory of a partition key: file-system-safe and injective.

    Examples
    --------
    >>> partition_dirname("root:ai1/x..y")
    'root%3Aai1%2Fx%2E%2Ey'
    """
    name = quote(key, safe="").replace(".", "%2E")
    if len(name) > 200:
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        name = f"{name[:180]}~{digest}"
    return name


class ParquetDatasetSink:
    """Write pages to a Parquet dataset directory, one sub-directory per partition.

    Parameters
    ----------
    directory : str or os.PathLike
        Root of the dataset; created if missing. Read it back with
        ``pyarrow.parquet.read_table(directory)`` or ``pandas.read_parquet``.
    compression : str
        Parquet compression codec.

    Examples
    --------
    >>> import tempfile
    >>> sink = ParquetDatasetSink(tempfile.mkdtemp())
    >>> sink.begin("a", 0)
    >>> sink.write("a", 0, pa.record_batch({"x": [1, 2]})) > 0
    True
    >>> pq.read_table(sink.directory).num_rows
    2
    """

    def __init__(self, directory: str | os.PathLike[str], *, compression: str = "zstd") -> None:
        self.directory = Path(checks.path("directory", directory))
        self.compression = checks.one_of("compression", compression, _CODECS)
        if compression != "none" and not pa.Codec.is_available(compression):
            raise InvalidArgumentError(f"compression {compression!r} is not in this pyarrow build")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SinkError(f"parquet sink: cannot create {str(self.directory)!r}: {exc}") from exc

    def __repr__(self) -> str:
        return f"ParquetDatasetSink({str(self.directory)!r})"

    def path(self, key: str, seq: int) -> Path:
        """Where page ``seq`` of partition ``key`` lives."""
        return self.directory / partition_dirname(key) / f"part-{seq:09d}.parquet"

    def begin(self, key: str, next_seq: int) -> None:
        """Prepare partition ``key`` to receive page ``next_seq``: drop uncommitted pages."""
        folder = self.directory / partition_dirname(key)
        try:
            folder.mkdir(exist_ok=True)
            for entry in os.scandir(folder):
                match = _PART.match(entry.name)
                if (match and int(match.group(1)) >= next_seq) or entry.name.startswith(".tmp-"):
                    os.unlink(entry.path)
            _fsync_dir(folder)
        except OSError as exc:
            raise SinkError(f"parquet sink: cannot prepare {str(folder)!r}: {exc}") from exc

    def write(self, key: str, seq: int, batch: pa.RecordBatch) -> int:
        """Write page ``seq`` of ``key`` durably; rewriting the same page gives the same file.

        Returns
        -------
        int
            Bytes written.
        """
        target = self.path(key, seq)
        tmp = target.with_name(f".tmp-{target.name}")
        try:
            with open(tmp, "wb") as handle:
                pq.write_table(pa.Table.from_batches([batch]), handle, compression=self.compression)
                handle.flush()
                os.fsync(handle.fileno())
                size = handle.tell()
            os.replace(tmp, target)
            _fsync_dir(target.parent)
        except (OSError, pa.ArrowException) as exc:
            raise SinkError(f"parquet sink: cannot write {str(target)!r}: {exc}") from exc
        return size

    def pages(self, key: str) -> list[tuple[int, Path]]:
        """The committed-or-not page files of partition ``key``, by number."""
        folder = self.directory / partition_dirname(key)
        if not folder.is_dir():
            return []
        found = ((_PART.match(entry.name), Path(entry.path)) for entry in os.scandir(folder))
        return sorted((int(match.group(1)), path) for match, path in found if match)

    def drop(self, key: str) -> None:
        """Delete partition ``key`` from the dataset (every page of it)."""
        folder = self.directory / partition_dirname(key)
        try:
            if folder.exists():
                shutil.rmtree(folder)
        except OSError as exc:
            raise SinkError(f"parquet sink: cannot delete {str(folder)!r}: {exc}") from exc


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


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
