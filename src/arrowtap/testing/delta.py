"""Reading a Delta table back in a test, without deltalake's exit-time abort.

``deltalake.DeltaTable(path).to_pyarrow_table()`` (and ``to_pandas``,
``to_pyarrow_dataset``) reads through a file system written in Python by default;
a process that did so often aborts as it exits ("terminate called without an
active exception", exit status 134; delta-rs #2184). Reading through pyarrow's own
file system, or with Polars' reader, does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa

__all__ = ["read_delta_table"]


def read_delta_table(
    path: str | Path, storage_options: Mapping[str, str] | None = None
) -> pa.Table:
    """The rows of the Delta table at ``path`` (a directory, or ``s3://...`` with options).

    Examples
    --------
    >>> import tempfile, deltalake
    >>> path = tempfile.mkdtemp()
    >>> deltalake.write_deltalake(path, pa.table({"i": [1, 2]}))
    >>> read_delta_table(path).num_rows
    2
    """
    if storage_options is not None or "://" in str(path):
        import polars as pl

        options = dict(storage_options) if storage_options is not None else None
        return pl.read_delta(str(path), storage_options=options).to_arrow()
    from deltalake import DeltaTable
    from pyarrow import fs

    local = fs.SubTreeFileSystem(str(Path(path).resolve()), fs.LocalFileSystem())
    return DeltaTable(str(path)).to_pyarrow_dataset(filesystem=local).to_table()
