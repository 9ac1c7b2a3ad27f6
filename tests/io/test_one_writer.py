"""One writer at a time, in the engine: a sync holds its checkpoint's lease while it runs.

A second sync of the destination fails at once naming the holder, or waits with
``wait``; an incremental read's commit is refused while a sync holds it; a Dask
sync's tasks commit under the client's lease and are fenced off once it is lost.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from arrowtap.checkpoint import Lease, open_checkpoint
from arrowtap.checkpoint.lease import holder
from arrowtap.errors import CheckpointNotActiveError, DestinationHeldError, InvalidArgumentError
from arrowtap.io import offsets, reading
from arrowtap.io.contract import Partition, Plan
from arrowtap.io.dask import SyncGroup, sync_groups
from arrowtap.io.job import sync_job

from .listsource import ListSource

PARTS = [Partition("a"), Partition("b")]
EXPECTED = sorted((k, i) for k in ("a", "b") for i in range(10))


def planner(gate: threading.Event | None = None) -> Callable[[], Plan]:
    return lambda: Plan(ListSource(gate=gate), list(PARTS), "one-writer")


def rows(directory: Path) -> list[tuple[str, int]]:
    files = sorted(p for p in directory.rglob("*.parquet") if not p.name.startswith("."))
    table = pa.concat_tables(pq.read_table(p).replace_schema_metadata(None) for p in files)
    return sorted(zip(table["key"].to_pylist(), table["i"].to_pylist(), strict=True))


def test_a_second_sync_fails_at_once_then_waits_its_turn(tmp_path: Path) -> None:
    to, ckpt = tmp_path / "out", tmp_path / "ck.sqlite"
    gate = threading.Event()
    first: list[object] = []
    runner = threading.Thread(
        target=lambda: first.append(sync_job(planner(gate), to=to, checkpoint=ckpt)), daemon=True
    )
    runner.start()
    try:
        with open_checkpoint(ckpt, "one-writer") as store:
            while holder(store) is None:  # the first sync took the lease
                assert runner.is_alive(), first
                threading.Event().wait(0.01)
            with pytest.raises(DestinationHeldError, match=f"pid {os.getpid()}") as held:
                sync_job(planner(), to=to, checkpoint=ckpt)
            assert held.value.pid == os.getpid()
            # An incremental read of the same checkpoint cannot commit over it either.
            increment = reading.read(Plan(ListSource(), list(PARTS), "one-writer"), checkpoint=ckpt)
            with pytest.raises(DestinationHeldError):
                increment.commit()
            waiting = threading.Timer(0.2, gate.set)  # the first one goes on in a moment
            waiting.start()
            second = sync_job(planner(), to=to, checkpoint=ckpt, wait=600)
            waiting.join()
    finally:
        gate.set()
        runner.join(timeout=120)
    assert len(first) == 1
    assert second.rows == 0  # the first sync committed everything before it let go
    assert rows(to) == EXPECTED


def test_wait_is_checked_before_planning(tmp_path: Path) -> None:
    def never() -> Plan:
        raise AssertionError("planned")

    for bad in (-1, float("nan"), "5", True):
        with pytest.raises(InvalidArgumentError, match="wait"):
            sync_job(never, to=tmp_path / "out", checkpoint=None, wait=bad)  # type: ignore[arg-type]


def test_a_dask_sync_holds_the_lease_on_the_client(tmp_path: Path) -> None:
    to, ckpt = tmp_path / "out", tmp_path / "ck.sqlite"
    plan = planner()()
    with (
        open_checkpoint(ckpt, "one-writer") as store,
        Lease(store),
        pytest.raises(DestinationHeldError),
    ):
        sync_groups(plan, [[p] for p in PARTS], to=to, checkpoint=ckpt)
    assert not list(to.rglob("*.parquet"))
    summary = sync_groups(plan, [[p] for p in PARTS], to=to, checkpoint=ckpt, wait=5)
    assert summary.rows == 20
    assert rows(to) == EXPECTED
    with open_checkpoint(ckpt, "one-writer") as store:
        assert holder(store) is None  # released when the graph ended


def test_a_task_of_a_client_that_lost_its_lease_cannot_commit(tmp_path: Path) -> None:
    to, ckpt = tmp_path / "out", tmp_path / "ck.sqlite"
    clock = [1_700_000_000.0]
    with open_checkpoint(ckpt, "one-writer", clock=lambda: clock[0]) as client:
        fence = Lease(client, renew=False).acquire()  # then the client dies: nobody renews
        task = SyncGroup(planner()(), str(to), str(ckpt), 1, fence)
        task([PARTS[0]])  # under the client's lease: commits
        clock[0] += 31
        with open_checkpoint(ckpt, "one-writer", clock=lambda: clock[0]) as later:
            Lease(later, renew=False).acquire()  # a later run took over
            with pytest.raises(CheckpointNotActiveError, match="lost its lease"):
                task([PARTS[1]])
            assert offsets.load(later, "a").seq == 4
            assert offsets.load(later, "b").seq == 0
