"""The embedded checkpoint backend: one SQLite file holding many checkpoints.

Durability comes first: the file runs in WAL mode with ``synchronous=FULL``
and every :meth:`~arrowtap.checkpoint.Checkpoint.write` is one ``BEGIN
IMMEDIATE`` transaction, so an offset the store acknowledged survives a power
failure. Several processes and threads may share a file (``busy_timeout``).
The file is created with mode 0600; SQLite gives its ``-wal`` and ``-shm``
files the mode of the database file.

Retention: the file keeps, per checkpoint, the number of open handles and the
time of the last close. A checkpoint opened while no handle is open and more
than ``retention`` after the last close is deleted first (sections and
attributes). A process that crashed without closing leaves the count above
zero, so that checkpoint never expires: the safe side for offsets.

Leases (:mod:`arrowtap.checkpoint.lease`) are rows of the table ``leases``; a
lease's check runs in the transaction of the write it guards (see
:mod:`~arrowtap.checkpoint._sqlite_lease`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator

from arrowtap import _checks as checks
from arrowtap.checkpoint import _sqlite_lease as leases
from arrowtap.checkpoint._lease_rules import Decide, LeaseRecord
from arrowtap.checkpoint.api import Checkpoint, CheckpointAttributes
from arrowtap.errors import CheckpointError, CheckpointExistsError

__all__ = ["SQLiteCheckpoint", "checkpoint_names"]

_SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS checkpoints (
    name TEXT PRIMARY KEY,
    attributes TEXT NOT NULL,
    active_handle TEXT,
    open_count INTEGER NOT NULL DEFAULT 0,
    last_close REAL
);
CREATE TABLE IF NOT EXISTS sections (
    checkpoint TEXT NOT NULL,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (checkpoint, key)
) WITHOUT ROWID;
"""
    + leases.TABLE.strip()
    + ";\n"
)
_CHUNK = 500  # bound on "?" parameters per statement


def _enable_wal(conn: sqlite3.Connection, timeout: float) -> None:
    # Switching a fresh file to WAL needs an exclusive lock and SQLite does not
    # call the busy handler for it: retry while another opener holds the lock.
    deadline = time.monotonic() + timeout
    while True:
        try:
            (mode,) = conn.execute("PRAGMA journal_mode=WAL").fetchone()
            break
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.005)
    if mode != "wal":
        raise sqlite3.OperationalError(f"journal_mode is {mode!r}, WAL is not available")


def _private_sidecars(path: str) -> None:
    """Make ``-wal``/``-shm`` 0600 when the database is (SQLite does; this is a guard)."""
    if os.stat(path).st_mode & 0o077:
        return
    for sidecar in (path + "-wal", path + "-shm"):
        with contextlib.suppress(FileNotFoundError):
            if os.stat(sidecar).st_mode & 0o077:
                os.chmod(sidecar, 0o600)


def _has_schema(conn: sqlite3.Connection) -> bool:
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    return {"checkpoints", "sections"} <= names


def _create(path: str) -> bool:
    """Create the file at ``path`` if missing, its tables in it; whether this call did.

    The file is made under a temporary name and then linked to ``path`` (which
    never replaces a file), so a checkpoint file is never seen without its
    tables: an empty or table-less file at ``path`` is not a checkpoint.
    """
    if os.path.lexists(path):
        return False
    fd, building = tempfile.mkstemp(
        prefix=".arrowtap-", suffix=".tmp", dir=os.path.dirname(path) or "."
    )
    os.close(fd)
    try:
        conn = sqlite3.connect(building, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
        finally:
            conn.close()  # the last connection: the WAL is folded into the file
        try:
            try:
                os.link(building, path)
            except FileExistsError:
                raise
            except OSError:
                # A file system without hard links: copy it in, never replacing a file.
                with open(building, "rb") as source, open(path, "xb") as target:
                    shutil.copyfileobj(source, target)
                    target.flush()
                    os.fsync(target.fileno())
        except FileExistsError:
            return False  # another opener created it first: that file is the checkpoint
        return True
    finally:
        for leftover in (building, building + "-wal", building + "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)


class SQLiteCheckpoint(Checkpoint):
    """A checkpoint stored in an SQLite file; usually made by :func:`open_checkpoint`.

    Parameters
    ----------
    path : str or os.PathLike
        The database file, created (mode 0600) when missing.
    name : str
        The checkpoint within the file.
    attributes : CheckpointAttributes, optional
        As for :func:`~arrowtap.checkpoint.open_checkpoint`.
    timeout : float
        Seconds to wait for another connection's write lock.
    clock : callable
        Returns the current time in seconds since the epoch (for retention).

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with SQLiteCheckpoint(os.path.join(tmp, "o.db"), "job") as ckpt:
    ...         ckpt.write("ch1", b"42")
    ...     with SQLiteCheckpoint(os.path.join(tmp, "o.db"), "job") as again:
    ...         again.read("ch1")
    b'42'
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        name: str = "default",
        attributes: CheckpointAttributes | None = None,
        *,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(name, checks.path("checkpoint path", path))
        checks.instance("attributes", attributes, CheckpointAttributes)
        timeout = checks.seconds("timeout", timeout)
        checks.function("clock", clock, takes=0)
        self._clock = clock
        self._handle = uuid.uuid4().hex
        with self._errors("open"):
            if not _create(self._location) and os.stat(self._location).st_size == 0:
                # A checkpoint file is never empty (see _create): this one was truncated
                # or made by something else. Taken as new, every offset would be lost.
                raise CheckpointError(
                    f"{self._location} is an empty file, not a checkpoint: its offsets are"
                    " lost; remove it to start again from the beginning"
                )
            self._conn = sqlite3.connect(
                self._location, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        try:
            with self._errors("open"):
                _enable_wal(self._conn, timeout)
                self._conn.execute("PRAGMA synchronous=FULL")
                with self._transaction():
                    if not _has_schema(self._conn):
                        raise CheckpointError(
                            f"{self._location} is an SQLite file but not a checkpoint file"
                            " (it has no checkpoints table)"
                        )
                    self._conn.execute(leases.TABLE)  # files made before leases lack it
                    self.attributes = self._attach(attributes)
                _private_sidecars(self._location)
        except BaseException:
            self._closed = True
            self._conn.close()
            raise

    @contextlib.contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        # The one place where sqlite and OS errors become CheckpointError.
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            raise CheckpointError(
                f"checkpoint {self.name!r} at {self._location}: {what} failed: {exc}"
            ) from exc

    @contextlib.contextmanager
    def _transaction(self, mode: str = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
        self._conn.execute(f"BEGIN {mode}")
        try:
            yield self._conn
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise

    def _attach(self, requested: CheckpointAttributes | None) -> CheckpointAttributes:
        """Find or create the checkpoint row, expire it if due, count this handle in."""
        row = self._conn.execute(
            "SELECT attributes, open_count, last_close FROM checkpoints WHERE name = ?",
            (self.name,),
        ).fetchone()
        if row is not None:
            stored = CheckpointAttributes.from_json(row[0])
            retention, open_count, last_close = stored.retention, row[1], row[2]
            if (
                retention is not None
                and open_count == 0
                and last_close is not None
                and self._clock() > last_close + retention.total_seconds()
            ):
                self._conn.execute("DELETE FROM sections WHERE checkpoint = ?", (self.name,))
                self._conn.execute("DELETE FROM checkpoints WHERE name = ?", (self.name,))
                row = None
        if row is None:
            attributes = requested if requested is not None else CheckpointAttributes()
            self._conn.execute(
                "INSERT INTO checkpoints (name, attributes, open_count) VALUES (?, ?, 1)",
                (self.name, attributes.to_json()),
            )
            return attributes
        if requested is not None and requested != stored:
            raise CheckpointExistsError(
                f"checkpoint {self.name!r} at {self._location} exists with other attributes: "
                + "; ".join(stored.differences(requested))
            )
        self._conn.execute(
            "UPDATE checkpoints SET open_count = open_count + 1 WHERE name = ?", (self.name,)
        )
        return stored

    def _fence(self) -> None:
        if self._fenced and not self._holds_claim():
            raise self._not_active()

    def _put(self, sections: dict[str, bytes], guard: Decide | None) -> None:
        with self._errors("write"), self._transaction() as conn:
            self._fence()
            if guard is not None:
                leases.apply(conn, self.name, guard)
            keys = list(sections)
            present = 0
            for i in range(0, len(keys), _CHUNK):
                chunk = keys[i : i + _CHUNK]
                present += conn.execute(
                    f"SELECT COUNT(*) FROM sections WHERE checkpoint = ? "
                    f"AND key IN ({','.join('?' * len(chunk))})",
                    (self.name, *chunk),
                ).fetchone()[0]
            if present < len(keys):
                (existing,) = conn.execute(
                    "SELECT COUNT(*) FROM sections WHERE checkpoint = ?", (self.name,)
                ).fetchone()
                self._check_space(existing, len(keys) - present)
            conn.executemany(
                "INSERT INTO sections (checkpoint, key, value) VALUES (?, ?, ?) "
                "ON CONFLICT (checkpoint, key) DO UPDATE SET value = excluded.value",
                [(self.name, k, v) for k, v in sections.items()],
            )

    def _fetch(self, keys: list[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        unique = list(dict.fromkeys(keys))
        with self._errors("read"), self._transaction("DEFERRED") as conn:
            for i in range(0, len(unique), _CHUNK):
                chunk = unique[i : i + _CHUNK]
                found.update(
                    conn.execute(
                        f"SELECT key, value FROM sections WHERE checkpoint = ? "
                        f"AND key IN ({','.join('?' * len(chunk))})",
                        (self.name, *chunk),
                    ).fetchall()
                )
        return found

    def _list_keys(self) -> list[str]:
        with self._errors("keys"):
            rows = self._conn.execute(
                "SELECT key FROM sections WHERE checkpoint = ? ORDER BY key", (self.name,)
            ).fetchall()
        return [key for (key,) in rows]

    def _remove(self, key: str, guard: Decide | None) -> None:
        with self._errors("delete"), self._transaction() as conn:
            self._fence()
            if guard is not None:
                leases.apply(conn, self.name, guard)
            conn.execute("DELETE FROM sections WHERE checkpoint = ? AND key = ?", (self.name, key))

    def _lease_update(self, decide: Decide) -> LeaseRecord | None:
        with self._errors("lease"), self._transaction() as conn:
            return leases.apply(conn, self.name, decide)

    def _claim(self) -> None:
        with self._errors("activate"), self._transaction() as conn:
            conn.execute(
                "UPDATE checkpoints SET active_handle = ? WHERE name = ?", (self._handle, self.name)
            )

    def _holds_claim(self) -> bool:
        with self._errors("status"):
            row = self._conn.execute(
                "SELECT active_handle FROM checkpoints WHERE name = ?", (self.name,)
            ).fetchone()
        return row is not None and row[0] == self._handle

    def _release(self) -> None:
        try:
            with self._errors("close"), self._transaction() as conn:
                conn.execute(
                    "UPDATE checkpoints SET open_count = MAX(open_count - 1, 0), last_close = ?, "
                    "active_handle = NULLIF(active_handle, ?) WHERE name = ?",
                    (self._clock(), self._handle, self.name),
                )
        finally:
            self._conn.close()


def checkpoint_names(path: str | os.PathLike[str]) -> list[str]:
    """The names of the checkpoints an SQLite file holds (read only: nothing is created).

    Examples
    --------
    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "o.db")
    >>> SQLiteCheckpoint(path, "job").close()
    >>> checkpoint_names(path)
    ['job']
    """
    location = os.fspath(path)
    if not os.path.isfile(location):
        raise CheckpointError(f"no checkpoint file at {location}")
    uri = "file:" + urllib.parse.quote(os.path.abspath(location)) + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            rows = conn.execute("SELECT name FROM checkpoints ORDER BY name").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise CheckpointError(f"{location} is not a checkpoint file: {exc}") from exc
    return [str(name) for (name,) in rows]
