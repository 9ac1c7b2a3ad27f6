"""A distributed cluster of two worker processes on loopback, and a client in a child process."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import distributed


@contextmanager
def local_cluster(env: Mapping[str, str] | None = None) -> Iterator[distributed.LocalCluster]:
    """Two single-thread worker processes; every port a free one.

    The scheduler's HTTP server runs even without a dashboard: it listens on a
    free port too, not on 8787 (a busy 8787 gives a warning, an error here).
    """
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        env=dict(env or {}),
    ) as cluster:
        yield cluster


@contextmanager
def dask_default_port_taken() -> Iterator[None]:
    """Dask's default dashboard port, 8787, busy for the duration (it may be busy already).

    Whoever holds it, the cluster must not care: nothing in the suite may need a fixed port.
    """
    holder = socket.socket()
    try:
        try:
            holder.bind(("127.0.0.1", 8787))
            holder.listen()
        except OSError:
            pass  # taken by someone else: the case under test all the same
        yield
    finally:
        holder.close()


def wait_idle(client: distributed.Client, timeout: float = 60.0) -> None:
    """Until no task runs on any worker (a cancelled task stops at its next page)."""
    import time

    deadline = time.monotonic() + timeout
    while any(client.processing().values()) or _executing(client):
        assert time.monotonic() < deadline, "tasks still running"
        time.sleep(0.1)


def _executing(client: distributed.Client) -> bool:
    def count(dask_worker: Any) -> int:
        return sum(
            1 for ts in dask_worker.state.tasks.values() if ts.state in ("executing", "cancelled")
        )

    return any(client.run(count).values())


def client_process(scheduler: str, call: str) -> subprocess.Popen[str]:
    """A child process that connects to ``scheduler`` and runs ``call`` (Python) as client."""
    code = (
        f"import distributed, arrowtap.dask\nwith distributed.Client({scheduler!r}):\n    {call}\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
