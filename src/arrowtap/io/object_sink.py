"""A Parquet dataset in object storage (``to="s3://bucket/path"``): the same layout, no rename.

The partitions' directories are those of a local dataset (:mod:`arrowtap.io.layout`),
so pyarrow, Polars, DuckDB and Dask read the prefix as they read a directory. Object
storage has no rename, but a PUT is atomic (an object is whole or absent), so each
page is written at once under its final name, unique per writer::

    <prefix>/<partition directory>/part-<seq>.<token>-<writer>.parquet

``token`` is the fencing token of the sync's lease (it grows with each new holder)
and ``writer`` is random per sink. The runner commits ``seq + 1`` only once the PUT
has returned, so the checkpoint never gets ahead of the data. On the next run,
:meth:`ObjectDatasetSink.begin` deletes the files of pages numbered at or past the
committed count (written, never committed), and of several files of one committed
page keeps the one of the highest token: its writer held the lease when it
committed (the fence is checked in the checkpoint's transaction), and every later
holder started past that page. A second file of a committed page comes only from a
writer that lost its lease between its last fence check and its PUT; readers see
its rows twice until the next run's :meth:`~ObjectDatasetSink.begin` removes it.
Two files of one page under one token (a Dask task run again while the worker that
first ran it, cut off but alive, still writes) differ only in their random ids: the
next ``begin`` keeps one of them, the same rows when the source gives the same page
for the same offset.

Credentials and the endpoint come from the environment, as for any AWS client
(``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``,
``AWS_ENDPOINT_URL``...): pyarrow's ``S3FileSystem`` reads them.
"""

from __future__ import annotations

import os
import re
import uuid
from typing import NamedTuple

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from arrowtap import _checks as checks
from arrowtap._redact import redact
from arrowtap.errors import InvalidArgumentError, SinkError
from arrowtap.io.layout import check_column, partition_dirname
from arrowtap.io.sink import ParquetDatasetSink, check_compression, check_rows

__all__ = ["ObjectDatasetSink", "ObjectPage", "check_url", "dataset_sink", "remote"]

SCHEMES = ("s3",)
"""The object stores a Parquet dataset sink writes to."""
_FILE = re.compile(r"^part-(\d{9})\.(\d{9})-([0-9a-f]{8})\.parquet$")


class ObjectPage(NamedTuple):
    """A page file in object storage: its page, the token and id of its writer, its path."""

    seq: int
    token: int
    writer: str
    path: str


def remote(to: object) -> bool:
    """Whether ``to`` names a dataset in object storage (``s3://...``).

    Examples
    --------
    >>> remote("s3://lake/samples"), remote("out/samples")
    (True, False)
    """
    return isinstance(to, str) and "://" in to


def check_url(to: object) -> str:
    """``to`` as a dataset in object storage: ``s3://bucket/prefix``.

    Examples
    --------
    >>> check_url("s3://lake/samples")
    's3://lake/samples'
    >>> check_url("gs://lake")
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: to: 'gs://lake' is not s3://bucket/prefix, where a dataset in object storage goes
    """  # noqa: E501
    url = checks.path("to", to)
    scheme, _, rest = url.partition("://")
    if scheme not in SCHEMES or not rest.strip("/"):
        raise InvalidArgumentError(
            f"to: {checks.shown(redact(url))} is not s3://bucket/prefix, where a dataset"
            " in object storage goes"
        )
    return url


class ObjectDatasetSink:
    """Write pages to a Parquet dataset under an ``s3://bucket/prefix``, one folder per partition.

    Parameters
    ----------
    url : str
        ``s3://bucket/prefix``.
    compression : str
        Parquet compression codec.
    partition_column : str, optional
        As for :class:`~arrowtap.io.sink.ParquetDatasetSink`: Hive folders ``<column>=<key>``.
    token : int
        The fencing token of the sync's lease (0 without one); in every file's name.
    filesystem : pyarrow.fs.FileSystem, optional
        The store; by default pyarrow's ``S3FileSystem`` of ``url``, configured from the
        environment (and from the URL's query: ``?endpoint_override=...``).

    Examples
    --------
    >>> import tempfile, pyarrow.fs as pafs
    >>> local = pafs.SubTreeFileSystem(tempfile.mkdtemp(), pafs.LocalFileSystem())
    >>> local.create_dir("lake/s/ch=a")  # S3 has no directories; a local file system has
    >>> sink = ObjectDatasetSink("s3://lake/s", filesystem=local, partition_column="ch", token=3)
    >>> sink.begin("a", 0)
    >>> sink.write("a", 0, pa.record_batch({"ch": ["a"], "x": [1]})) > 0
    True
    >>> [(p.seq, p.token) for p in sink.files("a")]
    [(0, 3)]
    """

    def __init__(
        self,
        url: str,
        *,
        compression: str = "zstd",
        partition_column: str | None = None,
        token: int = 0,
        filesystem: pafs.FileSystem | None = None,
    ) -> None:
        self.url = check_url(url)
        self.prefix = url.partition("://")[2].partition("?")[0].strip("/")
        self.compression = check_compression(compression)
        self.partition_column = None if partition_column is None else check_column(partition_column)
        self.token = checks.integer("token", token, minimum=0, maximum=10**9 - 1)
        self.writer = uuid.uuid4().hex[:8]
        if filesystem is None:
            try:  # from a URI, pyarrow's S3 client also takes AWS_ENDPOINT_URL
                filesystem, self.prefix = pafs.FileSystem.from_uri(url)
            except (OSError, pa.ArrowException) as exc:
                raise SinkError(f"parquet sink: no S3 client for {self!r}: {exc}") from exc
        self.filesystem = filesystem

    def __repr__(self) -> str:
        return f"ObjectDatasetSink({redact(self.url)!r})"

    def folder(self, key: str) -> str:
        """The folder (key prefix) of partition ``key``."""
        return f"{self.prefix}/{partition_dirname(key, self.partition_column)}"

    def files(self, key: str) -> list[ObjectPage]:
        """The page files of partition ``key``, committed or not, in page order."""
        selector = pafs.FileSelector(self.folder(key), allow_not_found=True)
        try:
            infos = self.filesystem.get_file_info(selector)
        except (OSError, pa.ArrowException) as exc:
            raise SinkError(f"parquet sink: cannot list {self.folder(key)!r}: {exc}") from exc
        return sorted(_pages(infos))

    def begin(self, key: str, next_seq: int) -> None:
        """Prepare partition ``key`` for page ``next_seq``: drop what no commit holds.

        The files of pages ``next_seq`` and later, and of each earlier page every
        file but the one of the highest token (see the module's notes).
        """
        doomed: list[ObjectPage] = []
        committed: dict[int, list[ObjectPage]] = {}
        for page in self.files(key):
            if page.seq >= next_seq:
                doomed.append(page)
            else:
                committed.setdefault(page.seq, []).append(page)
        for copies in committed.values():
            doomed.extend(sorted(copies, key=_rank)[:-1])
        for page in doomed:
            try:
                self.filesystem.delete_file(page.path)
            except FileNotFoundError:
                pass
            except (OSError, pa.ArrowException) as exc:
                raise SinkError(f"parquet sink: cannot delete {page.path!r}: {exc}") from exc

    def write(self, key: str, seq: int, batch: pa.RecordBatch) -> int:
        """PUT page ``seq`` of ``key`` under this writer's name; the bytes written."""
        check_rows(self.partition_column, key, batch)
        name = f"part-{seq:09d}.{self.token:09d}-{self.writer}.parquet"
        target = f"{self.folder(key)}/{name}"
        buffer = pa.BufferOutputStream()
        pq.write_table(pa.Table.from_batches([batch]), buffer, compression=self.compression)
        data = buffer.getvalue()
        try:
            with self.filesystem.open_output_stream(target) as out:
                out.write(data)
        except (OSError, pa.ArrowException) as exc:
            raise SinkError(f"parquet sink: cannot write {target!r}: {exc}") from exc
        return int(data.size)

    def schema(self) -> pa.Schema | None:
        """The schema of the dataset's newest page file (``None``: no page yet)."""
        selector = pafs.FileSelector(self.prefix, allow_not_found=True, recursive=True)
        try:
            infos = self.filesystem.get_file_info(selector)
            newest = max(
                (i for i in infos if _FILE.match(i.base_name)),
                key=lambda i: (i.mtime_ns or 0, i.path),
                default=None,
            )
            if newest is None:
                return None
            schema = pq.read_schema(newest.path, filesystem=self.filesystem)
        except (OSError, pa.ArrowException) as exc:
            raise SinkError(f"parquet sink: cannot read the schema of {self!r}: {exc}") from exc
        return schema.remove_metadata()

    def drop(self, key: str) -> None:
        """Delete partition ``key`` from the dataset (every page of it)."""
        try:
            self.filesystem.delete_dir_contents(self.folder(key), missing_dir_ok=True)
        except (OSError, pa.ArrowException) as exc:
            raise SinkError(f"parquet sink: cannot delete {self.folder(key)!r}: {exc}") from exc


def _rank(page: ObjectPage) -> tuple[int, str]:
    return page.token, page.writer


def _pages(infos: list[pafs.FileInfo]) -> list[ObjectPage]:
    found = []
    for info in infos:
        match = _FILE.match(info.base_name)
        if match and info.type == pafs.FileType.File:
            seq, token, writer = int(match[1]), int(match[2]), match[3]
            found.append(ObjectPage(seq, token, writer, info.path))
    return found


def dataset_sink(
    to: str | os.PathLike[str],
    *,
    partition_column: str | None = None,
    token: int = 0,
) -> ParquetDatasetSink | ObjectDatasetSink:
    """The Parquet dataset sink of ``to``: in object storage (``s3://``) or a local directory.

    ``token`` (the fencing token of the sync's lease) names an object store's files.

    Examples
    --------
    >>> import tempfile
    >>> dataset_sink(tempfile.mkdtemp(), partition_column="ch").partition_column
    'ch'
    """
    if remote(to):
        assert isinstance(to, str)
        return ObjectDatasetSink(to, partition_column=partition_column, token=token)
    return ParquetDatasetSink(to, partition_column=partition_column)
