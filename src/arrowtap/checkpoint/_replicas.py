"""Waiting for the replicating peers of a HarperDB node to confirm a checkpoint write.

Every wait is bounded: HarperDB 4.7.29 can lose a replication confirmation (and a
concurrent ``cluster_status`` can hang), so each attempt has a short timeout that
doubles, and a timed-out attempt is sent again (the operations are idempotent).
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from arrowtap.connectors.harperdb.wire.client import HarperDBClient
from arrowtap.errors import (
    ArrowtapError,
    BadRequestError,
    CheckpointError,
    TransportError,
    UnavailableError,
)

__all__ = ["Replicas", "confirming_peers"]

_FAILURES = 5  # attempts failing otherwise than by a timeout before giving up


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
