"""Reading the demo's Delta tables back: the lines it prints, and the reads it does itself.

``deltalake`` scans a table through a Python filesystem of its own by default,
whose calls back into Python from Arrow's I/O threads can crash or hang the
interpreter's exit (``terminate called without an active exception``) when a scan
is left open, as a DuckDB relation's preview leaves one. A local table needs no
such filesystem: these reads, and the DuckDB line printed, pass pyarrow's own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

__all__ = ["delta_arrow", "delta_rows", "read_lines"]


def read_lines(path: Path) -> list[str]:
    """Python that reads the local Delta table ``path`` with pandas, Polars and DuckDB.

    The first two lines import and name the table; each other line works on its own
    after them.

    Examples
    --------
    >>> read_lines(Path("/d/samples"))[:4]  # doctest: +NORMALIZE_WHITESPACE
    ['import deltalake, duckdb, polars as pl, pyarrow.fs as fs', "table = '/d/samples'",
     'deltalake.DeltaTable(table).to_pandas()  # pandas', 'pl.read_delta(table)  # Polars']
    """
    return [
        "import deltalake, duckdb, polars as pl, pyarrow.fs as fs",
        f"table = {str(path)!r}",
        "deltalake.DeltaTable(table).to_pandas()  # pandas",
        "pl.read_delta(table)  # Polars",
        "duckdb.connect().from_arrow(deltalake.DeltaTable(table).to_pyarrow_dataset("
        "filesystem=fs.SubTreeFileSystem(table, fs.LocalFileSystem())))  # DuckDB",
    ]


def _dataset(path: Path, version: int | None = None) -> Any:
    import pyarrow.fs as fs
    from deltalake import DeltaTable

    table = DeltaTable(str(path), version=version)
    local = fs.SubTreeFileSystem(str(path.resolve()), fs.LocalFileSystem())
    return table, local


def delta_arrow(
    path: Path,
    *,
    version: int | None = None,
    columns: list[str] | None = None,
    filters: list[tuple[str, str, Any]] | None = None,
) -> pa.Table:
    """The local Delta table ``path`` (at ``version``, default the latest) as Arrow.

    Parameters
    ----------
    path : Path
        The table's directory.
    version : int, optional
        A version of the table; default the latest.
    columns : list of str, optional
        The columns read; default all.
    filters : list of tuple, optional
        deltalake's ``(column, op, value)`` filters.

    Returns
    -------
    pyarrow.Table
        The rows.
    """
    table, local = _dataset(path, version)
    read: pa.Table = table.to_pyarrow_table(columns=columns, filters=filters, filesystem=local)
    return read


def delta_rows(path: Path) -> tuple[int, int]:
    """The rows of the local Delta table ``path`` and its version."""
    table, local = _dataset(path)
    return int(table.to_pyarrow_dataset(filesystem=local).count_rows()), int(table.version())
