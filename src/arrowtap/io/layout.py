"""How a Parquet dataset names its partitions and page files, so that other engines read it.

A dataset is a directory with one sub-directory per partition:

* a source whose partition key *is* a column value (archive samples: the channel)
  declares that column (its ``partition_column``) and its partitions are Hive
  directories, ``<column>=<value>``: Polars, DuckDB (``hive_partitioning``),
  pyarrow (``partitioning="hive"``) and Dask decode the value back from the name;
* any other source's keys (a server and a statement, a key range) are no column:
  its directories are the quoted key with no ``=``, which every engine above
  skips, so the data reads back with exactly the columns of a one-shot read.

Values are percent-encoded (RFC 3986: all but ``A-Z a-z 0-9 _ . - ~``, UTF-8), as
pyarrow's ``HivePartitioning`` (``segment_encoding="uri"``), DuckDB and Polars
decode them. The files keep the column too, and its first character is escaped
when the value would look typed (``123``, ``-5``, ``2024-01-01``, ``epoch``,
``true``): DuckDB types a directory value it can cast (a ``BIGINT``, a ``DATE``)
and prefers it to the file's column, but never casts an escaped one. pyarrow and
Dask type the values after decoding: when *every* directory of a dataset holds an
int32 literal they infer ``int32``, which clashes with the files' string column
and fails loudly ("Unable to merge"); ``ds.dataset(dir)`` without partitioning
reads such a dataset right. ``pyarrow.parquet.read_table(dir)`` and
``pandas.read_parquet(dir)`` type Hive values as dictionaries, which clash with
the files' column in every Hive dataset: give them ``partitioning=None`` (the
files hold the column). Keeping the column in the files is what makes a value
come back as the string it is: without it, Polars, pyarrow and Dask would turn a
channel ``123`` into a number and ``2024-01-01`` into a date.

Page ``seq`` is ``part-<seq>.parquet``; a compacted file holding pages ``a`` to
``b`` is ``part-<a>-<b>.parquet`` (:mod:`arrowtap.io.compact`); both sort in page
order. Files being written live outside the dataset, in a hidden directory beside
it (:func:`staging_dir`): Polars and DuckDB read every file under a directory,
hidden or not, so a temporary file inside it would break their reads.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from arrowtap.errors import InvalidArgumentError

__all__ = [
    "NAME_MAX",
    "PageFile",
    "dataset_column",
    "hive_value",
    "legacy_dirname",
    "page_files",
    "partition_dirname",
    "staging_dir",
]

_FILE = re.compile(r"^part-(\d{9})(?:-(\d{9}))?\.parquet$")
_COLUMN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_TYPED = {"epoch", "inf", "infinity", "nan", "true", "false", "null", "now", "today"}
"""Words DuckDB (or another engine) may read as a value of a type: escaped."""
NAME_MAX = 255
"""Bytes in a file name on the usual file systems."""


class PageFile(NamedTuple):
    """A page file of a partition: pages ``first`` to ``last`` (one page: equal)."""

    first: int
    last: int
    path: Path


def hive_value(value: str) -> str:
    """``value`` as a Hive directory value: percent-encoded, never read as a number or date.

    Examples
    --------
    >>> hive_value("root:ai1"), hive_value("123"), hive_value("a b/c=%")
    ('root%3Aai1', '%3123', 'a%20b%2Fc%3D%25')
    """
    text = quote(value, safe="")
    first = value[:1]
    if first and (first in "0123456789_.-~" or value.lower() in _TYPED):
        # Left as is by quote(): escaped, it keeps the value a string in every engine.
        text = f"%{ord(first):02X}{text[1:]}"
    return text


def partition_dirname(key: str, column: str | None = None) -> str:
    """The directory of partition ``key``: ``<column>=<value>``, or the quoted key.

    Examples
    --------
    >>> partition_dirname("root:ai1", "channel")
    'channel=root%3Aai1'
    >>> partition_dirname("kinetica:SELECT x..y")
    'kinetica%3ASELECT%20x%2E%2Ey'
    """
    if column is not None:
        name = f"{check_column(column)}={hive_value(key)}"
        if len(name.encode()) > NAME_MAX:
            raise InvalidArgumentError(
                f"partition {key[:80]!r}: its directory name {name[:60]}... is longer than"
                f" {NAME_MAX} bytes, which a file system takes"
            )
        return name
    # No "=", no leading "." or "_" (which readers skip) and no "." or "..".
    name = legacy_dirname(key)
    return f"%5F{name[1:]}" if name.startswith("_") else name


def legacy_dirname(key: str) -> str:
    """The directory name of ``key`` before Hive layouts (a dataset moves on from it)."""
    name = quote(key, safe="").replace(".", "%2E")
    if len(name) > 200:
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        name = f"{name[:180]}~{digest}"
    return name


def check_column(column: str) -> str:
    """A partition column's name, checked: it names a directory and a Hive key."""
    if not isinstance(column, str) or not _COLUMN.match(column):
        raise InvalidArgumentError(
            f"partition_column must be a column name of letters, digits and '_', not {column!r}"
        )
    return column


def page_files(folder: Path) -> list[PageFile]:
    """The page files of a partition's directory, in page order (none if it is missing)."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    found = []
    for entry in entries:
        match = _FILE.match(entry.name)
        if match:
            first = int(match.group(1))
            last = int(match.group(2)) if match.group(2) else first
            found.append(PageFile(first, last, Path(entry.path)))
    return sorted(found)


def dataset_column(directory: Path) -> str | None:
    """The partition column of the dataset at ``directory``, from its directory names.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "channel=a").mkdir()
    >>> dataset_column(root)
    'channel'
    """
    try:
        names = [e.name for e in os.scandir(directory) if e.is_dir() and "=" in e.name]
    except FileNotFoundError:
        return None
    columns = sorted({name.split("=", 1)[0] for name in names})
    if len(columns) > 1:
        raise InvalidArgumentError(f"{directory} is partitioned by several columns: {columns}")
    return columns[0] if columns else None


def staging_dir(directory: Path) -> Path:
    """Where files for ``directory`` are written before they are renamed into it.

    A hidden directory beside the dataset, ``.<name>.staging``, when the file
    system allows (writable, the same device); else ``.staging`` inside it.
    """
    directory = directory.resolve()
    beside = directory.parent / f".{directory.name}.staging"
    try:
        beside.mkdir(exist_ok=True)
        if beside.stat().st_dev == directory.stat().st_dev:
            return beside
        beside.rmdir()
    except OSError:
        pass
    inside = directory / ".staging"
    inside.mkdir(exist_ok=True)
    return inside
