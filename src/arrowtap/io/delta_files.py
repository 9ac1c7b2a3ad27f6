"""A page of a Delta sync as data files, written before its commit and outside its lock.

An append sync's reading threads write each page's Parquet files as the page
arrives, all at once; the commit (one at a time, under the destination's lock)
only records the files (:meth:`DataFiles.write` makes their ``add`` actions). A
file no commit records is in no version of the table: readers never see it and
``vacuum`` removes it, as with a failed ``write_deltalake``.

The files are what delta-rs writes itself:

* one file per partition value, ``<column>=<value>/part-00000-<uuid>-c000.snappy.parquet``,
  the partition column kept in the log (``partitionValues``), not in the file; the
  value is percent-encoded (:func:`~arrowtap.io.layout.hive_value`) and a null is
  ``__HIVE_DEFAULT_PARTITION__`` (Polars reads the value from the path, not from
  the log), and a value whose name a file system cannot hold is refused;
* each file's statistics, for the engines that skip files by them: its rows, the
  nulls of each column, and the least and greatest value of each number, date,
  boolean, short string (at most 32 characters) and UTC timestamp. A timestamp's
  bounds are milliseconds, the least rounded down and the greatest up, so a
  reader's skipping never drops a row. A float's bounds leave NaN out, and a
  column with no finite bound has none.

Partition columns of other types than text, integers, booleans and dates go
through ``write_deltalake`` at the commit instead (:func:`writes_files`).
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from typing import Any
from urllib.parse import quote

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from arrowtap.errors import SinkError
from arrowtap.io.layout import NAME_MAX, hive_value

__all__ = ["DataFiles", "file_stats", "writes_files"]

_NULL_DIR = "__HIVE_DEFAULT_PARTITION__"
_TEXT_MAX = 32
"""Characters of a string bound kept in the statistics (longer: none, as Spark truncates)."""
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _partition_type(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_date32(kind)
    )


def writes_files(schema: pa.Schema, partition_by: str | None) -> bool:
    """Whether pages of ``schema`` partitioned by ``partition_by`` are written as files here."""
    return partition_by is None or _partition_type(schema.field(partition_by).type)


class DataFiles:
    """Where an append sync writes its pages' files: the table's root in a file system.

    Parameters
    ----------
    filesystem : pyarrow.fs.FileSystem
        The table's file system.
    root : str
        The table's directory in it.
    partition_by : str, optional
        The partition column.

    Examples
    --------
    >>> import tempfile, pyarrow as pa
    >>> from pyarrow import fs
    >>> files = DataFiles(fs.LocalFileSystem(), tempfile.mkdtemp(), "ch")
    >>> [a.partition_values for a in files.write(pa.table({"ch": ["x", "y"], "v": [1, 2]}))]
    [{'ch': 'x'}, {'ch': 'y'}]
    """

    def __init__(self, filesystem: Any, root: str, partition_by: str | None) -> None:
        self.filesystem, self.root, self.partition_by = filesystem, root.rstrip("/"), partition_by

    def write(self, data: pa.Table) -> list[Any]:
        """Write ``data``'s files; their ``add`` actions (``deltalake.transaction.AddAction``)."""
        if self.partition_by is None:
            return [self._file(data, "", {})]
        column = data.column(self.partition_by)
        rest = data.drop_columns([self.partition_by])
        values = pc.unique(column)
        if len(values) == 1:
            return [self._file(rest, *self._partition(values[0]))]
        actions = []
        for value in values:
            mask = pc.is_null(column) if not value.is_valid else pc.equal(column, value)
            actions.append(self._file(rest.filter(mask), *self._partition(value)))
        return actions

    def _partition(self, value: pa.Scalar) -> tuple[str, dict[str, str | None]]:
        """The directory of partition ``value`` (with its ``/``) and its ``partitionValues``."""
        assert self.partition_by is not None
        text = _partition_text(value.as_py())
        value_dir = _NULL_DIR if text is None else hive_value(text)
        name = f"{quote(self.partition_by, safe='')}={value_dir}"
        if len(name.encode()) > NAME_MAX:
            raise SinkError(
                f"delta sink: partition {str(text)[:80]!r}: its directory name {name[:60]}... is"
                f" longer than {NAME_MAX} bytes, which a file system takes"
            )
        return f"{name}/", {self.partition_by: text}

    def _file(self, data: pa.Table, folder: str, values: dict[str, str | None]) -> Any:
        from deltalake.transaction import AddAction

        name = f"{folder}part-00000-{uuid.uuid4()}-c000.snappy.parquet"
        path = f"{self.root}/{name}"
        found: list[pq.FileMetaData] = []
        try:
            out = self.filesystem.open_output_stream(path)
        except FileNotFoundError:  # a local directory to make (object storage has none)
            self.filesystem.create_dir(f"{self.root}/{folder}", recursive=True)
            out = self.filesystem.open_output_stream(path)
        with out:
            pq.write_table(data, out, compression="snappy", metadata_collector=found)
            size = out.tell()
        now = time.time_ns() // 1_000_000
        return AddAction(name, size, values, now, True, file_stats(data.schema, found[0]))


def _partition_text(value: object) -> str | None:
    """A partition value as the Delta log writes it."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def file_stats(schema: pa.Schema, metadata: pq.FileMetaData) -> str:
    """The Delta statistics of a Parquet file: from the ones its writer kept (``metadata``).

    Examples
    --------
    >>> data, found = pa.table({"v": [2.5, None, 1.0]}), []
    >>> pq.write_table(data, pa.BufferOutputStream(), metadata_collector=found)
    >>> file_stats(data.schema, found[0])
    '{"numRecords": 3, "minValues": {"v": 1.0}, "maxValues": {"v": 2.5}, "nullCount": {"v": 1}}'
    """
    groups = [metadata.row_group(i) for i in range(metadata.num_row_groups)]
    least: dict[str, object] = {}
    greatest: dict[str, object] = {}
    nulls: dict[str, int] = {}
    index = 0  # of the column's first leaf in the file
    for column in schema:
        index += _leaves(column.type)
        if pa.types.is_nested(column.type):
            continue
        found = [(g.num_rows, g.column(index - 1).statistics) for g in groups]
        if any(stats is None or not stats.has_null_count for _, stats in found):
            continue
        nulls[column.name] = sum(stats.null_count for _, stats in found)
        bounds = [stats for rows, stats in found if stats.null_count < rows]
        if bounds and all(stats.has_min_max for stats in bounds):
            low = _bound(column.type, min(_raw(column.type, b.min_raw) for b in bounds), up=False)
            high = _bound(column.type, max(_raw(column.type, b.max_raw) for b in bounds), up=True)
            if low is not None and high is not None:
                least[column.name], greatest[column.name] = low, high
    return json.dumps(
        {"numRecords": metadata.num_rows, "minValues": least, "maxValues": greatest,
         "nullCount": nulls}
    )  # fmt: skip


def _leaves(kind: pa.DataType) -> int:
    """The Parquet leaf columns of a column of type ``kind``."""
    if pa.types.is_struct(kind):
        return sum(_leaves(kind.field(i).type) for i in range(kind.num_fields))
    if pa.types.is_map(kind):
        return _leaves(kind.key_type) + _leaves(kind.item_type)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return _leaves(kind.value_type)
    return 1


def _raw(kind: pa.DataType, value: Any) -> Any:
    """A Parquet statistic's raw value, comparable (a decimal's bytes: its integer)."""
    if pa.types.is_decimal(kind):
        return int.from_bytes(value, "big", signed=True)
    return value


def _bound(kind: pa.DataType, value: Any, *, up: bool) -> object:
    """A column's least (or greatest) raw value as the statistics write it; ``None``: not kept."""
    if pa.types.is_timestamp(kind):
        # A local time's text is not settled among readers; a UTC one is kept in whole
        # milliseconds, rounded outwards so that a reader's skipping never drops a row.
        return None if kind.tz is None else _millis(value, kind.unit, up=up)
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        return value
    if pa.types.is_floating(kind):
        return float(value) if abs(value) < float("inf") else None  # JSON holds no infinity
    if pa.types.is_date32(kind):
        return (_EPOCH.date() + dt.timedelta(days=value)).isoformat()
    if pa.types.is_decimal(kind):
        return value if kind.scale == 0 else None
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        text = value.decode()
        return text if len(text) <= _TEXT_MAX else None
    return None


def _millis(value: int, unit: str, *, up: bool) -> str | None:
    """A timestamp of ``unit`` as the statistics' text, in whole milliseconds."""
    per_ms = {"s": 0, "ms": 1, "us": 1_000, "ns": 1_000_000}[unit]
    ms = value * 1000 if per_ms == 0 else -(-value // per_ms) if up else value // per_ms
    try:
        moment = _EPOCH + dt.timedelta(milliseconds=ms)
    except OverflowError:
        return None
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
