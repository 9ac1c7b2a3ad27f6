"""One writer at a time into a Delta table: the sync's lease, beside the table or in ``checkpoint``.

The offsets stay in the table; the lease (SQLite's, the same as a Parquet
dataset's) is in ``<table>.checkpoint.sqlite`` beside a local table, or in the
``checkpoint`` given (required for a table in object storage). Each commit checks
the lease's fencing token first, then the partitions' application transactions.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest

from arrowtap.checkpoint import Lease, open_checkpoint
from arrowtap.checkpoint.lease import check_fence, holder
from arrowtap.errors import CheckpointNotActiveError, DestinationHeldError, InvalidArgumentError
from arrowtap.io.contract import Partition, Plan
from arrowtap.io.dask import SyncGroup, sync_groups
from arrowtap.io.delta import DeltaDestination, DeltaSink
from arrowtap.io.job import sync_job
from arrowtap.io.offsets import PartitionState
from arrowtap.testing.delta import read_delta_table

from .listsource import ListSource

PARTS = [Partition("a"), Partition("b")]
NAME = "delta-lease"


def planner(gate: threading.Event | None = None) -> Callable[[], Plan]:
    return lambda: Plan(ListSource(gate=gate), list(PARTS), NAME)


def pairs(table: pa.Table) -> list[tuple[str, int]]:
    return sorted(zip(table["key"].to_pylist(), table["i"].to_pylist(), strict=True))


EXPECTED = sorted((k, i) for k in ("a", "b") for i in range(10))


def test_a_second_delta_sync_fails_at_once_then_waits_its_turn(tmp_path: Path) -> None:
    table = tmp_path / "t"
    to = f"delta:{table}"
    gate = threading.Event()
    first: list[object] = []
    runner = threading.Thread(
        target=lambda: first.append(sync_job(planner(gate), to=to, checkpoint=None)), daemon=True
    )
    runner.start()
    lease_file = tmp_path / "t.checkpoint.sqlite"  # beside the table, never inside it
    try:
        while not lease_file.exists():
            assert runner.is_alive(), first
            threading.Event().wait(0.01)
        with open_checkpoint(lease_file, NAME) as store:
            while holder(store) is None:
                assert runner.is_alive(), first
                threading.Event().wait(0.01)
            with pytest.raises(DestinationHeldError, match=f"pid {os.getpid()}") as held:
                sync_job(planner(), to=to, checkpoint=None)
            assert (held.value.host, held.value.pid) == (holder(store).host, os.getpid())  # type: ignore[union-attr]
            assert held.value.since is not None
            waiting = threading.Timer(0.2, gate.set)
            waiting.start()
            second = sync_job(planner(), to=to, checkpoint=None, wait=600)
            waiting.join()
            assert holder(store) is None  # released at the end
            assert store.keys() == []  # the offsets are in the table, not here
    finally:
        gate.set()
        runner.join(timeout=120)
    assert len(first) == 1
    assert second.rows == 0  # the first committed everything before it let go
    assert pairs(read_delta_table(table)) == EXPECTED


def test_a_delta_writer_that_lost_its_lease_commits_nothing(tmp_path: Path) -> None:
    sink = DeltaSink(str(tmp_path / "t"))
    ckpt = tmp_path / "t.checkpoint.sqlite"
    plan = Plan(ListSource(), PARTS[:1], NAME)
    clock = [1_700_000_000.0]
    with open_checkpoint(ckpt, NAME, clock=lambda: clock[0]) as old_store:
        Lease(old_store, renew=False).acquire()  # then the holder pauses: nobody renews
        old = DeltaDestination(sink, plan, guard=functools.partial(check_fence, old_store))
        old.load("a")
        old.write("a", 0, pa.record_batch({"key": ["a"], "i": [0]}))
        old.commit({"a": PartitionState(0, 1)})
        old.write("a", 1, pa.record_batch({"key": ["a"], "i": [1]}))
        clock[0] += 31  # past its expiry: another sync takes over
        with open_checkpoint(ckpt, NAME, clock=lambda: clock[0]) as new_store:
            assert Lease(new_store, renew=False).acquire().token == 2
            with pytest.raises(CheckpointNotActiveError, match=r"lost its lease .*token 1"):
                old.commit({"a": PartitionState(1, 2)})
            assert read_delta_table(sink.path).num_rows == 1  # nothing of that commit
            new = DeltaDestination(sink, plan, guard=functools.partial(check_fence, new_store))
            assert new.load("a") == PartitionState(0, 1, new.load("a").at)  # resumes from it
            new.write("a", 1, pa.record_batch({"key": ["a"], "i": [1]}))
            new.commit({"a": PartitionState(1, 2)})
    assert pairs(read_delta_table(sink.path)) == [("a", 0), ("a", 1)]


def test_a_holder_that_died_is_taken_over_without_loss(tmp_path: Path) -> None:
    table = tmp_path / "t"
    ckpt = tmp_path / "t.checkpoint.sqlite"
    sync_job(lambda: Plan(ListSource(n=4), list(PARTS), NAME), to=f"delta:{table}", checkpoint=None)
    # A holder that dies without releasing (SIGKILL, a lost machine) leaves its record.
    dies = (
        "import os, sys\n"
        "from arrowtap.checkpoint import Lease, open_checkpoint\n"
        "Lease(open_checkpoint(sys.argv[1], sys.argv[2]), renew=False).acquire()\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", dies, str(ckpt), NAME], check=True)
    with open_checkpoint(ckpt, NAME) as store:
        record = store._swap_lease(lambda current: None)
        assert record is not None
        assert record.writer is not None  # never released
        assert holder(store) is None  # but its process is gone: vacant on its own host
    summary = sync_job(planner(), to=f"delta:{table}", checkpoint=None)
    assert summary.rows == 2 * 6  # rows 4..9 of each partition, nothing again
    assert pairs(read_delta_table(table)) == EXPECTED


def test_a_delta_table_in_object_storage_needs_a_checkpoint_for_its_lease(
    tmp_path: Path,
) -> None:
    def never() -> Plan:
        raise AssertionError("planned")

    with pytest.raises(InvalidArgumentError, match="lease") as refused:
        sync_job(never, to="delta:s3://lake/t", checkpoint=None)
    assert "checkpoint=" in str(refused.value)


def test_a_checkpoint_given_with_a_delta_table_holds_its_lease(tmp_path: Path) -> None:
    table, ckpt = tmp_path / "t", tmp_path / "elsewhere.sqlite"
    with open_checkpoint(ckpt, NAME) as store, Lease(store), pytest.raises(DestinationHeldError):
        sync_job(planner(), to=f"delta:{table}", checkpoint=ckpt)
    sync_job(planner(), to=f"delta:{table}", checkpoint=ckpt)
    assert not (tmp_path / "t.checkpoint.sqlite").exists()
    assert pairs(read_delta_table(table)) == EXPECTED


def test_a_dask_sync_into_a_delta_table_holds_the_lease_on_the_client(tmp_path: Path) -> None:
    table, ckpt = tmp_path / "t", tmp_path / "t.checkpoint.sqlite"
    plan, groups = planner()(), [[p] for p in PARTS]
    with open_checkpoint(ckpt, NAME) as store, Lease(store), pytest.raises(DestinationHeldError):
        sync_groups(plan, groups, to=f"delta:{table}", checkpoint=None)
    summary = sync_groups(plan, groups, to=f"delta:{table}", checkpoint=None, wait=5)
    assert summary.rows == 20
    assert pairs(read_delta_table(table)) == EXPECTED
    with open_checkpoint(ckpt, NAME) as store:
        assert holder(store) is None
        assert store.keys() == []


def test_a_dask_task_of_a_client_that_lost_its_lease_cannot_commit_to_delta(
    tmp_path: Path,
) -> None:
    sink, ckpt = DeltaSink(str(tmp_path / "t")), tmp_path / "t.checkpoint.sqlite"
    clock = [1_700_000_000.0]
    with open_checkpoint(ckpt, NAME, clock=lambda: clock[0]) as client:
        fence = Lease(client, renew=False).acquire()  # then the client dies: nobody renews
        task = SyncGroup(planner()(), sink, str(ckpt), 1, fence)
        task([PARTS[0]])  # under the client's lease: commits
        clock[0] += 31
        with open_checkpoint(ckpt, NAME, clock=lambda: clock[0]) as later:
            Lease(later, renew=False).acquire()  # a later run took over
            with pytest.raises(CheckpointNotActiveError, match="lost its lease"):
                task([PARTS[1]])
    assert pairs(read_delta_table(sink.path)) == [("a", i) for i in range(10)]
