"""The lease records of an SQLite checkpoint file: one row per checkpoint in ``leases``.

The backend runs :func:`apply` inside its own ``BEGIN IMMEDIATE`` transaction,
which takes the file's write lock before the read: the read of the record, the
rule (:mod:`~arrowtap.checkpoint._lease_rules`), the write of the record and,
for a fenced write, the write of the sections are one transaction, so no other
process or thread acts between the check and the write.
"""

from __future__ import annotations

import sqlite3

from arrowtap.checkpoint._lease_rules import Decide, LeaseRecord

__all__ = ["TABLE", "apply", "read"]

TABLE = """
CREATE TABLE IF NOT EXISTS leases (
    checkpoint TEXT PRIMARY KEY,
    token INTEGER NOT NULL,
    writer TEXT,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    since REAL NOT NULL,
    expires REAL NOT NULL
)
"""
"""One row per checkpoint ever leased; the row stays when released, keeping the token."""


def read(conn: sqlite3.Connection, name: str) -> LeaseRecord | None:
    """The lease record of checkpoint ``name``, if it was ever leased."""
    row = conn.execute(
        "SELECT token, writer, host, pid, since, expires FROM leases WHERE checkpoint = ?",
        (name,),
    ).fetchone()
    return None if row is None else LeaseRecord(*row)


def apply(conn: sqlite3.Connection, name: str, decide: Decide) -> LeaseRecord | None:
    """Read the record, store what ``decide`` makes of it; the record stored (in a transaction).

    Examples
    --------
    >>> from arrowtap.checkpoint._lease_rules import claim
    >>> conn = sqlite3.connect(":memory:")
    >>> _ = conn.execute(TABLE)
    >>> me = LeaseRecord(0, "me", "h", 1, 0.0, 30.0)
    >>> apply(conn, "job", claim("job", me, 0.0)).token
    1
    """
    current = read(conn, name)
    new = decide(current)
    if new is None or new == current:
        return current
    conn.execute(
        "INSERT INTO leases (checkpoint, token, writer, host, pid, since, expires) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (checkpoint) DO UPDATE SET "
        "token = excluded.token, writer = excluded.writer, host = excluded.host, "
        "pid = excluded.pid, since = excluded.since, expires = excluded.expires",
        (name, new.token, new.writer, new.host, new.pid, new.since, new.expires),
    )
    return new
