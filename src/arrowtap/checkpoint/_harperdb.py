"""Parts of the HarperDB checkpoint backend: locations, record ids, tables, replication waits.

:mod:`arrowtap.checkpoint.harperdb` builds the checkpoint from these; only
:func:`ensure_tables` and :class:`Replicas` send requests.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from arrowtap.connectors.harperdb.client import HarperDBClient
from arrowtap.errors import (
    ArrowtapError,
    BadRequestError,
    CheckpointError,
    InvalidArgumentError,
    NotFoundError,
    TransportError,
    UnavailableError,
)

__all__ = [
    "DEFAULT_DATABASE",
    "HANDLES",
    "METADATA",
    "SECTIONS",
    "Location",
    "Replicas",
    "checkpoint_id",
    "confirming_peers",
    "decode_value",
    "encode_value",
    "ensure_tables",
    "parse_location",
    "section_id",
]

DEFAULT_DATABASE = "arrowtap"
METADATA = "checkpoints"  # one record per checkpoint: name, attributes, active replica
SECTIONS = "checkpoint_sections"  # one record per section
HANDLES = "checkpoint_handles"  # one record per open handle (for retention)

# Schema-defined tables: only the ``checkpoint`` columns are indexed (for the
# listings); an indexed ``value`` would copy every offset into the index.
_TABLES: dict[str, list[dict[str, Any]]] = {
    METADATA: [
        {"name": "id", "type": "String"},
        {"name": "name", "type": "String"},
        {"name": "attributes", "type": "String"},
        {"name": "active", "type": "String"},
        {"name": "last_close", "type": "Float"},
    ],
    SECTIONS: [
        {"name": "id", "type": "String"},
        {"name": "checkpoint", "type": "String", "indexed": True},
        {"name": "key", "type": "String"},
        {"name": "value", "type": "String"},
    ],
    HANDLES: [
        {"name": "id", "type": "String"},
        {"name": "checkpoint", "type": "String", "indexed": True},
        {"name": "opened", "type": "Float"},
        {"name": "synchronized", "type": "Float"},
    ],
}
_FAILURES = 5  # attempts failing otherwise than by a timeout before giving up
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


@dataclass(frozen=True)
class Location:
    """Where a HarperDB checkpoint lives: an operations API and a database.

    ``url`` and ``display`` never carry credentials.
    """

    url: str
    database: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def display(self) -> str:
        """The location as shown in messages and reprs.

        Examples
        --------
        >>> Location("http://h:9925/", "pipes").display
        'harperdb+http://h:9925/pipes'
        """
        return f"harperdb+{self.url.rstrip('/')}/{self.database}"


def check_database(database: object) -> str:
    """Return ``database`` if it is a plain identifier (it is quoted into SQL counts).

    Examples
    --------
    >>> check_database("pipes_1")
    'pipes_1'
    """
    if not isinstance(database, str) or not _IDENTIFIER.fullmatch(database):
        raise InvalidArgumentError(
            f"HarperDB checkpoint: database must be a name of letters, digits and _ "
            f"(not starting with a digit, at most 63), not {database!r}"
        )
    return database


def parse_location(url: str, database: str | None = None) -> Location:
    """Split ``harperdb+http(s)://[user:password@]host:port[/database]`` (or ``http(s)://``).

    The database comes from the path, else ``database``, else ``arrowtap``.

    Examples
    --------
    >>> loc = parse_location("harperdb+http://admin:s3cret@127.0.0.1:9925/pipes")
    >>> loc.display, loc.username
    ('harperdb+http://127.0.0.1:9925/pipes', 'admin')
    >>> parse_location("http://127.0.0.1:9925").database
    'arrowtap'
    """
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    scheme = parsed.scheme if parsed is not None else ""
    transport = scheme.removeprefix("harperdb+")
    if parsed is None or transport not in ("http", "https") or not parsed.host:
        # Only the scheme: the rest may carry credentials.
        raise InvalidArgumentError(
            f"HarperDB checkpoint location must be harperdb+http(s)://[user:password@]host:port"
            f"[/database] (scheme {scheme!r})"
        )
    if parsed.query or parsed.fragment:
        raise InvalidArgumentError(
            f"HarperDB checkpoint location {_bare(parsed, transport)!r} takes no query or fragment"
        )
    path = parsed.path.strip("/")
    if path and database is not None and path != database:
        raise InvalidArgumentError(
            f"HarperDB checkpoint location names database {path!r} but database={database!r}"
        )
    chosen = check_database(path or (database if database is not None else DEFAULT_DATABASE))
    return Location(
        _bare(parsed, transport),
        chosen,
        parsed.username or None,
        parsed.password or None,
    )


def _bare(parsed: httpx.URL, transport: str) -> str:
    port = f":{parsed.port}" if parsed.port is not None else ""
    return f"{transport}://{parsed.host}{port}/"


def checkpoint_id(name: str) -> str:
    """The record id of a checkpoint (ids are at most 250 bytes in HarperDB; names are not).

    Examples
    --------
    >>> len(checkpoint_id("job"))
    64
    """
    try:
        data = name.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgumentError(f"checkpoint name {name!r} is not valid UTF-8") from None
    return hashlib.sha256(data).hexdigest()


def section_id(checkpoint: str, key: str) -> str:
    """The record id of section ``key`` of the checkpoint with id ``checkpoint``.

    ``checkpoint`` has a fixed length, so the id is unique per (checkpoint, key).

    Examples
    --------
    >>> section_id(checkpoint_id("a"), "k") != section_id(checkpoint_id("b"), "k")
    True
    """
    return hashlib.sha256((checkpoint + key).encode("utf-8")).hexdigest()


def encode_value(data: bytes) -> str:
    """Bytes as they are stored (base64: JSON has no bytes).

    Examples
    --------
    >>> encode_value(b"offset")
    'b2Zmc2V0'
    """
    return base64.b64encode(data).decode("ascii")


def decode_value(key: str, text: object) -> bytes:
    """Bytes of a stored value; a record not written by this backend raises.

    Examples
    --------
    >>> decode_value("k", "b2Zmc2V0")
    b'offset'
    """
    if not isinstance(text, str):
        raise CheckpointError(f"section {key!r}: stored value is {type(text).__name__}, not base64")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise CheckpointError(f"section {key!r}: stored value is not base64: {exc}") from exc


def confirming_peers(status: Any, database: str) -> int:
    """How many peers in a ``cluster_status`` answer replicate ``database`` right now.

    A peer counts when its socket for the database is connected: only those
    can confirm a write.

    Examples
    --------
    >>> socket = {"database": "pipes", "connected": True}
    >>> confirming_peers({"connections": [{"name": "n2", "database_sockets": [socket]}]}, "pipes")
    1
    >>> confirming_peers({"connections": []}, "pipes")
    0
    """
    connections = status.get("connections") if isinstance(status, dict) else None
    return sum(
        any(
            isinstance(s, dict) and s.get("database") == database and s.get("connected") is True
            for s in connection.get("database_sockets") or []
        )
        for connection in connections or []
        if isinstance(connection, dict)
    )


class Replicas:
    """Counts a database's connected peers and waits, bounded, for their confirmations.

    HarperDB 4.7.29 waits for ``replicatedConfirmation`` without a time limit
    and, with concurrent writers, sometimes loses the confirmation; concurrent
    ``cluster_status`` calls sometimes get no answer (about one in twenty with
    four clients on a loopback pair). So each attempt gets a short timeout (1 s,
    doubling) and a timed-out one is sent again: the operations are idempotent,
    and a later transaction's confirmation covers the earlier ones (a database
    replicates in commit order). ``timeout`` bounds the whole wait; the peer
    count is kept for ``recount`` seconds.

    Parameters
    ----------
    client : HarperDBClient
        The checkpoint's client.
    database : str
        The database replicated.
    fixed : int, optional
        The number of peers to wait for; ``None`` counts the connected ones.
    timeout : float
        Seconds one wait may take.
    confirmer : tuple of HarperDBClient and httpx.Client, optional
        A client without retries and its HTTP client, whose timeout is set per
        attempt; without it ``client`` sends the attempts under its own timeouts.

    Examples
    --------
    >>> client = HarperDBClient("http://127.0.0.1:9")
    >>> Replicas(client, "pipes", fixed=0, timeout=5.0).count()
    0
    >>> client.close()
    """

    recount = 5.0

    def __init__(
        self,
        client: HarperDBClient,
        database: str,
        fixed: int | None,
        timeout: float,
        confirmer: tuple[HarperDBClient, httpx.Client] | None = None,
    ) -> None:
        self.client = client
        self.database = database
        self.fixed = fixed
        self.timeout = timeout
        self.confirmer = confirmer
        self._counted = (-float("inf"), 0)

    def _send(self, attempt: float, deadline: float, operation: str, **fields: Any) -> Any:
        client = self.client
        if self.confirmer is not None:
            client, http = self.confirmer
            http.timeout = httpx.Timeout(max(min(attempt, deadline - time.monotonic()), 0.05))
        return client.operation(operation, **fields)

    def _again(self, exc: ArrowtapError, failures: int, deadline: float) -> int | None:
        """After a failed attempt: the failures other than timeouts so far, to go on.

        ``None`` when a timeout (an answer HarperDB lost) comes after the
        deadline; ``exc`` is raised after too many other failures.
        """
        if isinstance(exc.__cause__, httpx.TimeoutException):
            return None if time.monotonic() >= deadline else failures
        if failures + 1 >= _FAILURES:
            raise exc
        time.sleep(0.05 * 2**failures)
        return failures + 1

    def _status(self, deadline: float) -> Any:
        attempt, failures = 1.0, 0
        while True:
            try:
                return self._send(attempt, deadline, "cluster_status")
            except (TransportError, UnavailableError) as exc:
                again = self._again(exc, failures, deadline)
                if again is None:
                    raise
                failures = again
            attempt *= 2

    def count(self, fresh: bool = False, deadline: float | None = None) -> int:
        """Peers to wait for: ``fixed``, or those connected for the database."""
        if self.fixed is not None:
            return self.fixed
        now = time.monotonic()
        if fresh or now > self._counted[0] + self.recount:
            status = self._status(deadline if deadline is not None else now + self.timeout)
            self._counted = (now, confirming_peers(status, self.database))
        return self._counted[1]

    def await_database(self) -> None:
        """Give the connected peers up to ``timeout`` to replicate a new database."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            status = self._status(deadline)
            if confirming_peers(status, self.database) >= confirming_peers(status, "system"):
                return
            time.sleep(0.05)

    def run(self, what: str, operation: str, peers: int, **fields: Any) -> Any:
        """Run ``operation`` so that it returns once ``peers`` peers committed it."""
        deadline = time.monotonic() + self.timeout
        attempt, failures = 1.0, 0
        while peers:
            try:
                return self._send(
                    attempt,
                    deadline,
                    operation,
                    database=self.database,
                    replicatedConfirmation=peers,
                    **fields,
                )
            except BadRequestError as exc:
                # The network shrank since the count: "Cannot confirm replication to more nodes".
                if self.fixed is not None or "Cannot confirm replication" not in str(exc):
                    raise
            except (TransportError, UnavailableError) as exc:
                again = self._again(exc, failures, deadline)
                if again is None:
                    raise CheckpointError(
                        f"{what}: {operation}: no confirmation from {peers} replica(s) of "
                        f"database {self.database!r} within {self.timeout:g} s; the change "
                        "may be on this node only"
                    ) from exc
                failures = again
            attempt *= 2
            peers = self.count(fresh=True, deadline=deadline + self.timeout)
        return self.client.operation(operation, database=self.database, **fields)


def ensure_tables(client: HarperDBClient, database: str) -> bool:
    """Create the database and the three tables where missing; tell whether any was created.

    Creating concurrently from several processes is fine: "already exists" is success.
    """
    try:
        present = set(client.operation("describe_database", database=database))
    except NotFoundError:
        present = set()
        _create(client, "create_database", database=database)
    created = False
    for table, attributes in _TABLES.items():
        if table not in present:
            _create(
                client,
                "create_table",
                database=database,
                table=table,
                primary_key="id",
                attributes=attributes,
            )
            created = True
    return created


def _create(client: HarperDBClient, operation: str, **fields: Any) -> None:
    try:
        client.operation(operation, **fields)
    except BadRequestError as exc:
        if "already exists" not in str(exc):
            raise
