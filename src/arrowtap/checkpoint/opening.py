"""Opening a checkpoint: from a path (SQLite), a HarperDB URL or client, or as given."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from arrowtap._checks import shown
from arrowtap.checkpoint.api import Checkpoint, CheckpointAttributes
from arrowtap.errors import InvalidArgumentError, InvalidTypeError

if TYPE_CHECKING:
    from arrowtap.connectors.harperdb.wire.client import HarperDBClient

__all__ = ["CheckpointLike", "open_checkpoint", "opened"]


def open_checkpoint(
    location: str | os.PathLike[str] | HarperDBClient,
    name: str = "default",
    attributes: CheckpointAttributes | None = None,
    **options: Any,
) -> Checkpoint:
    """Open (creating if needed) the checkpoint ``name`` at ``location``.

    Parameters
    ----------
    location : str, os.PathLike or HarperDBClient
        A filesystem path: an SQLite file (see :class:`~arrowtap.checkpoint.SQLiteCheckpoint`).
        ``harperdb+http(s)://[user:password@]host:port[/database]`` or a
        :class:`~arrowtap.connectors.harperdb.wire.client.HarperDBClient`: records of a
        HarperDB database shared by many machines (see
        :class:`~arrowtap.checkpoint.harperdb.HarperDBCheckpoint`).
    name : str
        The checkpoint; one location holds many.
    attributes : CheckpointAttributes, optional
        Required creation attributes; an existing checkpoint with others raises
        :class:`~arrowtap.errors.CheckpointExistsError`. ``None`` accepts the stored
        ones (and creates a missing checkpoint with the defaults).
    **options
        Keyword arguments of the backend's class (e.g. ``password`` for HarperDB).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp, open_checkpoint(f"{tmp}/o.db", "job") as ckpt:
    ...     ckpt.name
    'job'
    """
    if isinstance(location, str) and "://" in location:
        scheme = location.split("://", 1)[0]
        if scheme not in ("harperdb+http", "harperdb+https"):
            # Only the scheme: the rest of a URL may carry credentials.
            raise InvalidArgumentError(
                f"checkpoint location: unsupported scheme {scheme!r}"
                " (a path, or harperdb+http:// or harperdb+https:// for HarperDB)"
            )
    elif isinstance(location, str) and location.startswith("harperdb+"):
        # A URL short of its "//" would name a file after the password it may hold.
        raise InvalidArgumentError(
            "checkpoint location starts with 'harperdb+' but is not a harperdb+http(s):// URL"
        )
    elif isinstance(location, str | os.PathLike):
        from arrowtap.checkpoint.sqlite import SQLiteCheckpoint  # here: sqlite imports this module

        return SQLiteCheckpoint(location, name, attributes, **options)
    # Imported here: HarperDB needs the HTTP stack, SQLite users do not.
    from arrowtap.checkpoint.harperdb import HarperDBCheckpoint
    from arrowtap.connectors.harperdb.wire.client import HarperDBClient

    if not isinstance(location, str | HarperDBClient):
        raise InvalidTypeError(
            "checkpoint location must be a path, a harperdb+http(s):// URL or a HarperDBClient,"
            f" not {type(location).__name__} {shown(location)}"
        )
    return HarperDBCheckpoint(location, name, attributes, **options)


CheckpointLike = Checkpoint | str | os.PathLike[str]
"""What ``checkpoint=`` of the readers accepts: an open checkpoint, or where to open one."""


@contextlib.contextmanager
def opened(checkpoint: CheckpointLike, name: str) -> Iterator[Checkpoint]:
    """The checkpoint as given (its owner closes it), or ``name`` opened at a location.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "offsets.sqlite")
    >>> with opened(path, "job") as store:
    ...     store.write_json({"k": 1})
    >>> with open_checkpoint(path, "job") as store, opened(store, "ignored") as same:
    ...     same is store, same.read_json("k")
    (True, 1)
    """
    if isinstance(checkpoint, Checkpoint):
        yield checkpoint
        return
    with open_checkpoint(checkpoint, name) as store:
        yield store
