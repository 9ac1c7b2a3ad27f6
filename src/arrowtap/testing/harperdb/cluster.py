"""Real HarperDB servers replicating to each other over loopback (native replication)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Self

from arrowtap.testing.harperdb.server import HarperDBServer

__all__ = ["HarperDBCluster"]


class HarperDBCluster:
    """``size`` HarperDB servers, each node paired with every other one.

    Each node advertises ``ws://127.0.0.1:<port>`` as its replication URL, so
    the back-connections work without resolvable host names; node 1 runs
    ``add_node`` (with the peer's credentials) for every other node, and the
    cluster is ready when every node reports a connected ``system`` socket to
    every peer.

    Parameters
    ----------
    size : int
        Number of nodes (named ``node1``, ``node2``, ...).
    database : str, optional
        A database created on node 1 before pairing, so that it replicates.
    password : str
        The super user's password on every node.
    harperdb_js : pathlib.Path, optional
        The entry point of the npm package.

    Examples
    --------
    >>> with HarperDBCluster(2) as cluster:  # doctest: +SKIP
    ...     [node.node_name for node in cluster.nodes]
    ['node1', 'node2']
    """

    def __init__(
        self,
        size: int = 2,
        *,
        database: str | None = None,
        password: str = "arrowtap-test-password",
        harperdb_js: Path | None = None,
        ready_timeout: float = 60.0,
    ) -> None:
        if size < 1:
            raise ValueError(f"HarperDBCluster size must be >= 1, got {size!r}")
        self.nodes = [
            HarperDBServer(f"node{i + 1}", password=password, harperdb_js=harperdb_js)
            for i in range(size)
        ]
        self.database = database
        self.ready_timeout = ready_timeout

    def __repr__(self) -> str:
        return f"HarperDBCluster({[node.url for node in self.nodes]!r})"

    def start(self) -> Self:
        """Start every node, pair them, wait until replication is connected."""
        for node in self.nodes:
            node.start()
        first = self.nodes[0]
        if self.database:
            first.operation({"operation": "create_database", "database": self.database})
        for peer in self.nodes[1:]:
            first.operation(
                {
                    "operation": "add_node",
                    "url": peer.replication_url,
                    "authorization": {"username": peer.username, "password": peer.password},
                }
            )
        self.wait_connected()
        return self

    def wait_connected(self) -> None:
        """Block until every node has a connected ``system`` socket to every peer."""
        deadline = time.monotonic() + self.ready_timeout
        while not all(self._connected(node) for node in self.nodes):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self!r}: replication not connected in {self.ready_timeout} s")
            time.sleep(0.25)

    def _connected(self, node: HarperDBServer) -> bool:
        status = node.operation({"operation": "cluster_status"})
        peers = {peer.node_name for peer in self.nodes} - {node.node_name}
        connected = {
            conn.get("name")
            for conn in status.get("connections", [])
            if any(
                socket.get("database") == "system" and socket.get("connected")
                for socket in conn.get("database_sockets", [])
            )
        }
        return peers <= connected

    def close(self) -> None:
        """Stop every node and delete its directory."""
        for node in self.nodes:
            node.close()

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc: object) -> None:
        self.close()
