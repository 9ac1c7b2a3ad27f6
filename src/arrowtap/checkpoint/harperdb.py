"""The shared checkpoint backend: sections as records of a HarperDB table.

Many processes and machines (Dask workers, a standby job) open the same
checkpoint through any node of a replicating HarperDB cluster. Tables of one
database (``arrowtap`` by default, created when missing) hold it:
``checkpoints`` (name, creation attributes, the active replica),
``checkpoint_sections`` (one record per section, the value in base64),
``checkpoint_handles`` (one record per open handle, for retention) and
``checkpoint_leases`` (see :mod:`~arrowtap.checkpoint._harperdb_lease`).

How the rules map onto HarperDB:

- A multi-section :meth:`~arrowtap.checkpoint.Checkpoint.write` is one
  ``upsert`` operation: HarperDB runs all its records in one transaction, so a
  failing record rolls back the others and readers see all or none, on the
  node written and on its peers (measured; so both ``ACTIVE_REPLICA`` modes
  behave like the strict one).
- Replication: ``ALL_REPLICAS`` writes and deletes carry HarperDB's
  ``replicatedConfirmation`` and return once every peer whose replication of
  the database is connected has committed them (a disconnected peer catches up
  when it reconnects). ``ACTIVE_REPLICA(_WEAK)`` writes return after the local
  commit; :meth:`synchronize` commits a marker with that confirmation, which
  covers every earlier write since a database replicates in commit order.
  Each wait is bounded (see :class:`~arrowtap.checkpoint._replicas.Replicas`).
- :meth:`activate` records this handle as the checkpoint's active replica
  (last caller wins) with the same confirmation, so every node knows the new
  holder when it returns; every write and delete first checks the holder on its
  node. HarperDB has no compare-and-set: a write already checked when another
  handle takes over may still land (a window of one request).
- Creating a checkpoint is an ``insert``, which skips an existing id. It is
  no atomic create-if-absent on HarperDB 4.7.29: inserts of one id arriving at
  the same moment can all report success, the last one staying. So a creator
  waits a moment (0.25 s, or twice its insert's round trip if longer) and
  reads back which record stayed; the others then compare attributes.
  Creators further apart than that, or through two nodes at once, are not
  ordered this way (the last write wins).
- ``max_sections`` is checked before each write; writers adding new sections
  at the same instant through different handles may overshoot it together.
- Retention: a checkpoint whose last handle closed more than ``retention`` ago
  is deleted when opened; a handle of a crashed process keeps it forever.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from arrowtap import _checks as checks
from arrowtap.checkpoint import _harperdb_lease as leases
from arrowtap.checkpoint._harperdb import (
    DEFAULT_DATABASE,
    HANDLES,
    METADATA,
    SECTIONS,
    Location,
    check_database,
    checkpoint_id,
    count_sections,
    decode_value,
    encode_value,
    ensure_tables,
    parse_location,
    section_id,
)
from arrowtap.checkpoint._lease_rules import Decide, LeaseRecord
from arrowtap.checkpoint._replicas import Replicas
from arrowtap.checkpoint.api import Checkpoint, CheckpointAttributes
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.harperdb.wire.client import HarperDBClient
from arrowtap.errors import (
    ArrowtapError,
    CheckpointError,
    CheckpointExistsError,
    InvalidTypeError,
    ProtocolError,
)

__all__ = ["HarperDBCheckpoint"]

_SYSTEM = "HarperDB checkpoint"
_SETTLE = 0.25  # seconds a creator waits before reading back which creation stayed
_CHUNK = 1000  # ids per delete when a checkpoint expires


class HarperDBCheckpoint(Checkpoint):
    """A checkpoint stored in HarperDB, shared by machines; usually made by ``open_checkpoint``.

    Parameters
    ----------
    location : str or HarperDBClient
        ``harperdb+http(s)://[user:password@]host:port[/database]`` (or the
        operations API's ``http(s)://`` URL), or a client of your own: it is
        not closed by :meth:`close`, and its own timeouts and retries apply to
        every request, the waits for confirmations included.
    name : str
        The checkpoint within the database.
    attributes : CheckpointAttributes, optional
        As for :func:`~arrowtap.checkpoint.open_checkpoint`.
    database : str, optional
        The database (default ``arrowtap``) when the URL names none.
    username, password : str, optional
        Credentials; they override those in the URL. Never shown.
    replicas : int, optional
        How many peers must confirm a replicated write; by default every peer
        whose replication of the database is connected at that moment.
        ``0`` never waits (and needs no super user).
    timeout : float
        Seconds of the HTTP timeouts, and of one wait for confirmations.
    retry : RetryPolicy, optional
        Retries of connection errors and 5xx answers.
    clock : callable
        Returns the current time in seconds since the epoch (for retention).

    Examples
    --------
    Errors name the node, never the password (nothing listens on port 9):

    >>> from arrowtap.errors import TransportError
    >>> try:
    ...     HarperDBCheckpoint("harperdb+http://admin:s3cret@127.0.0.1:9", "job",
    ...                        retry=RetryPolicy(attempts=1))
    ... except TransportError as exc:
    ...     "127.0.0.1:9" in str(exc), "s3cret" in str(exc)
    (True, False)

    With a server (see :class:`arrowtap.testing.harperdb.HarperDBServer`):

    >>> with HarperDBCheckpoint(url, "job") as ckpt:  # doctest: +SKIP
    ...     ckpt.write({"ch1": b"1700000000", "ch2": b"1700000005"})
    """

    def __init__(
        self,
        location: str | HarperDBClient,
        name: str = "default",
        attributes: CheckpointAttributes | None = None,
        *,
        database: str | None = None,
        username: str | None = None,
        password: str | None = None,
        replicas: int | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        # Every argument checked before any request (the URL shown without credentials).
        if isinstance(location, HarperDBClient):
            where = Location(location.url, check_database(database or DEFAULT_DATABASE))
        elif isinstance(location, str):
            schemes = ("harperdb+http", "harperdb+https", "http", "https")
            where = parse_location(checks.url("location", location, schemes=schemes), database)
        else:
            raise InvalidTypeError(
                f"{_SYSTEM}: location must be a URL or a HarperDBClient, "
                f"not {type(location).__name__}"
            )
        super().__init__(name, where.display)
        checks.instance("attributes", attributes, CheckpointAttributes, system=_SYSTEM)
        checks.secret("username", username, system=_SYSTEM)
        checks.secret("password", password, system=_SYSTEM)
        checks.optional(checks.integer, "replicas", replicas, minimum=0, maximum=1000,
                        system=_SYSTEM)  # fmt: skip
        timeout = checks.seconds("timeout", timeout, positive=True, system=_SYSTEM)
        checks.instance("retry", retry, RetryPolicy, system=_SYSTEM)
        checks.function("clock", clock, takes=0, system=_SYSTEM)
        self._database = where.database
        self._id = checkpoint_id(name)
        self._handle = uuid.uuid4().hex
        self._clock = clock
        self._owned: list[HarperDBClient | httpx.Client] = []
        if isinstance(location, HarperDBClient):
            self._client, confirmer = location, None
        else:
            user = username if username is not None else where.username
            secret = password if password is not None else where.password
            http, confirm_http = httpx.Client(timeout=timeout), httpx.Client(timeout=timeout)
            self._client = HarperDBClient(
                where.url, username=user, password=secret, client=http, retry=retry
            )
            quick = HarperDBClient(
                where.url,
                username=user,
                password=secret,
                client=confirm_http,
                retry=RetryPolicy(attempts=1),
            )
            confirmer = (quick, confirm_http)
            self._owned = [self._client, quick, http, confirm_http]
        self._replicas = Replicas(self._client, self._database, replicas, timeout, confirmer)
        try:
            if ensure_tables(self._client, self._database) and replicas is None:
                self._replicas.await_database()
            self.attributes = self._attach(attributes)
        except BaseException:
            self._closed = True
            self._close_clients()
            raise

    # -- requests --
    def _op(self, operation: str, **fields: Any) -> Any:
        return self._client.operation(operation, database=self._database, **fields)

    def _rows(self, operation: str, **fields: Any) -> list[dict[str, Any]]:
        answer = self._op(operation, **fields)
        if not isinstance(answer, list) or not all(isinstance(row, dict) for row in answer):
            raise ProtocolError(
                f"HarperDB: {operation} on {self._location}: expected a list of records, "
                f"got {type(answer).__name__}"
            )
        return answer

    def _of_checkpoint(self, table: str, attributes: list[str]) -> list[dict[str, Any]]:
        condition = {"search_attribute": "checkpoint", "search_type": "equals"}
        return self._rows(
            "search_by_conditions",
            table=table,
            operator="and",
            get_attributes=attributes,
            conditions=[{**condition, "search_value": self._id}],
        )

    def _metadata(self) -> dict[str, Any] | None:
        rows = self._rows("search_by_id", table=METADATA, ids=[self._id], get_attributes=["*"])
        return rows[0] if rows else None

    def _confirmed(self, operation: str, peers: int, **fields: Any) -> Any:
        what = f"checkpoint {self.name!r} at {self._location}"
        return self._replicas.run(what, operation, peers, **fields)

    def _write(self, operation: str, **fields: Any) -> Any:
        # Only ALL_REPLICAS writes wait; the active replica's wait in synchronize().
        peers = 0 if self._fenced else self._replicas.count()
        return self._confirmed(operation, peers, **fields)

    @contextlib.contextmanager
    def _forgetting_handle(self) -> Iterator[None]:
        try:
            yield
        except BaseException:
            with contextlib.suppress(ArrowtapError):
                self._op("delete", table=HANDLES, ids=[self._handle])
            raise

    # -- opening and retention --
    def _attach(self, requested: CheckpointAttributes | None) -> CheckpointAttributes:
        now = self._clock()
        handle = {"id": self._handle, "checkpoint": self._id, "opened": now}
        self._op("insert", table=HANDLES, records=[handle])
        with self._forgetting_handle():
            meta = self._metadata()
            if meta is not None and self._expired(meta, now):
                self._expire()
                meta = None
            if meta is None:
                attributes = requested if requested is not None else CheckpointAttributes()
                record = {"id": self._id, "name": self.name, "attributes": attributes.to_json()}
                # Confirmed: a handle opened next through another node finds it.
                peers = self._replicas.count(fresh=True)
                started = time.monotonic()
                answer = self._confirmed("insert", peers, table=METADATA, records=[record])
                if isinstance(answer, dict) and answer.get("inserted_hashes"):
                    # HarperDB 4.7.29's insert is no atomic create-if-absent: concurrent
                    # inserts of one id can all report success, the last one staying. Let
                    # them land (longer on a slow server), then read back which stayed.
                    time.sleep(max(_SETTLE, 2 * (time.monotonic() - started)))
                meta = self._metadata()
                if meta is None:
                    raise CheckpointError(
                        f"checkpoint {self.name!r} at {self._location} vanished while opening"
                    )
            stored = self._stored_attributes(meta)
            if requested is not None and requested != stored:
                raise CheckpointExistsError(
                    f"checkpoint {self.name!r} at {self._location} exists with other attributes: "
                    + "; ".join(stored.differences(requested))
                )
            return stored

    def _stored_attributes(self, meta: dict[str, Any]) -> CheckpointAttributes:
        try:
            return CheckpointAttributes.from_json(meta["attributes"])
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(
                f"checkpoint {self.name!r} at {self._location}: stored attributes are unreadable"
            ) from exc

    def _expired(self, meta: dict[str, Any], now: float) -> bool:
        retention = self._stored_attributes(meta).retention
        last_close = meta.get("last_close")
        if retention is None or not isinstance(last_close, int | float):
            return False
        if now <= last_close + retention.total_seconds():
            return False
        others = [h for h in self._of_checkpoint(HANDLES, ["id"]) if h["id"] != self._handle]
        return not others

    def _expire(self) -> None:
        ids = [row["id"] for row in self._of_checkpoint(SECTIONS, ["id"])]
        for i in range(0, len(ids), _CHUNK):
            self._op("delete", table=SECTIONS, ids=ids[i : i + _CHUNK])
        self._op("delete", table=METADATA, ids=[self._id])

    # -- the backend hooks --
    def _fence(self) -> None:
        if self._fenced and not self._holds_claim():
            raise self._not_active()

    def _put(self, sections: dict[str, bytes], guard: Decide | None) -> None:
        self._fence()
        ids = {key: section_id(self._id, key) for key in sections}
        present = self._rows(
            "search_by_id", table=SECTIONS, ids=list(ids.values()), get_attributes=["id"]
        )
        if len(present) < len(ids):
            existing = count_sections(self._client, self._database, self._id, self._location)
            self._check_space(existing, len(ids) - len(present))
        records = [
            {"id": ids[key], "checkpoint": self._id, "key": key, "value": encode_value(value)}
            for key, value in sections.items()
        ]
        # The lease checked last, the upsert sent right after it (no compare-and-set here).
        leases.guarded(self, guard, lambda: self._write("upsert", table=SECTIONS, records=records))

    def _fetch(self, keys: list[str]) -> dict[str, bytes]:
        wanted = set(keys)
        ids = [section_id(self._id, key) for key in dict.fromkeys(keys)]
        rows = self._rows("search_by_id", table=SECTIONS, ids=ids, get_attributes=["key", "value"])
        return {
            row["key"]: decode_value(row["key"], row.get("value"))
            for row in rows
            if row.get("key") in wanted
        }

    def _list_keys(self) -> list[str]:
        return sorted(row["key"] for row in self._of_checkpoint(SECTIONS, ["key"]))

    def _remove(self, key: str, guard: Decide | None) -> None:
        self._fence()
        ids = [section_id(self._id, key)]
        leases.guarded(self, guard, lambda: self._write("delete", table=SECTIONS, ids=ids))

    def _lease_update(self, decide: Decide) -> LeaseRecord | None:
        return leases.apply(self, decide)

    def _claim(self) -> None:
        record = {"id": self._id, "active": self._handle}
        peers = self._replicas.count(fresh=True)
        answer = self._confirmed("update", peers, table=METADATA, records=[record])
        if not (isinstance(answer, dict) and answer.get("update_hashes")):
            raise CheckpointError(
                f"checkpoint {self.name!r} at {self._location} no longer exists (expired?)"
            )

    def _holds_claim(self) -> bool:
        meta = self._metadata()
        return meta is not None and meta.get("active") == self._handle

    def synchronize(self) -> None:
        """Wait until every connected peer holds what this node committed before.

        Commits a marker (this handle's record) with ``replicatedConfirmation``;
        nothing to do on a node without peers. Writes in ``ALL_REPLICAS`` mode
        are already confirmed one by one; this also covers peers that
        reconnected since.

        Examples
        --------
        >>> ckpt.synchronize()  # doctest: +SKIP
        """
        with self._lock:
            self._ensure_open()
            peers = self._replicas.count(fresh=True)
            if peers:
                record = {"id": self._handle, "checkpoint": self._id, "synchronized": self._clock()}
                self._confirmed("upsert", peers, table=HANDLES, records=[record])

    def _release(self) -> None:
        try:
            record = {"id": self._id, "last_close": self._clock()}
            self._op("update", table=METADATA, records=[record])
            self._op("delete", table=HANDLES, ids=[self._handle])
        finally:
            self._close_clients()

    def _close_clients(self) -> None:
        for owned in self._owned:
            owned.close()
