"""Where a dataset's default checkpoint lives: in a file beside the dataset, never inside it.

A sync into ``out/`` keeps its offsets, unless told otherwise, in
``out.checkpoint.sqlite`` next to ``out/`` (with SQLite's ``-wal`` and ``-shm``
files): the dataset directory holds Parquet files only, so Polars, DuckDB,
pyarrow and Dask read it as it is.

Datasets written before kept the checkpoint inside, at ``out/_checkpoint.sqlite``.
The first sync after the upgrade moves it out, once and safely:

1. SQLite's backup API copies the live database (its WAL included) into a
   temporary file beside the target, which is fsynced;
2. the copy is linked to the target name, which never replaces a file: if a
   checkpoint appeared there meanwhile, the link fails and nothing changes;
3. only then the old file and its ``-wal``/``-shm`` are removed.

A crash before 2 leaves the old checkpoint in use (and a temporary file, removed
by the next attempt's cleanup or harmlessly left hidden); a crash between 2 and 3
leaves both, which the next sync refuses with a
:class:`~arrowtap.errors.CheckpointError` naming both paths, as it does whenever
both exist: which one holds the truth is for a person to decide.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from pathlib import Path

from arrowtap.errors import CheckpointError, InvalidArgumentError

__all__ = ["LEGACY_NAME", "default_checkpoint", "move_legacy_checkpoint"]

LEGACY_NAME = "_checkpoint.sqlite"
"""The default checkpoint's name inside a dataset, before it moved beside it."""


def default_checkpoint(to: str | os.PathLike[str]) -> Path:
    """The default checkpoint file of a dataset at ``to``: ``<to>.checkpoint.sqlite``.

    Examples
    --------
    >>> default_checkpoint("/data/out")
    PosixPath('/data/out.checkpoint.sqlite')
    """
    root = Path(to).resolve()  # "." has a name once resolved
    if not root.name:
        raise InvalidArgumentError(
            f"to: {str(root)!r} has no parent to keep its checkpoint beside; pass checkpoint="
        )
    return root.parent / f"{root.name}.checkpoint.sqlite"


def move_legacy_checkpoint(to: str | os.PathLike[str], target: Path) -> None:
    """Move ``<to>.checkpoint.sqlite`` to ``target`` if it is there (see the module text)."""
    old = Path(to) / LEGACY_NAME
    if not old.exists():
        return
    if target.exists():
        raise CheckpointError(
            f"two checkpoints for the dataset {str(to)!r}: {old} (the old place) and {target};"
            " keep the right one and delete the other"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, building = tempfile.mkstemp(prefix=f".{target.name}-", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        _backup(old, building)
        try:
            os.link(building, target)
        except FileExistsError as exc:
            raise CheckpointError(
                f"two checkpoints for the dataset {str(to)!r}: {old} (the old place) and"
                f" {target}; keep the right one and delete the other"
            ) from exc
        except OSError as exc:
            raise CheckpointError(f"cannot move {old} to {target}: {exc}") from exc
        _fsync_dir(target.parent)
        for moved in (old, Path(f"{old}-wal"), Path(f"{old}-shm")):
            with contextlib.suppress(FileNotFoundError):
                moved.unlink()
        _fsync_dir(old.parent)
    finally:
        for leftover in (building, building + "-wal", building + "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)


def _backup(old: Path, building: str) -> None:
    try:
        source = sqlite3.connect(old)
        try:
            copy = sqlite3.connect(building)
            try:
                source.backup(copy)
            finally:
                copy.close()  # the last connection: its WAL is folded into the file
        finally:
            source.close()
        with open(building, "rb+") as handle:
            os.fsync(handle.fileno())
    except (sqlite3.Error, OSError) as exc:
        raise CheckpointError(f"cannot copy the checkpoint {old}: {exc}") from exc


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
