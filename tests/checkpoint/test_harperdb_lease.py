"""The lease on the HarperDB store: one real server, and two replicating nodes.

Expiry and takeover run on an injected clock. HarperDB has no compare-and-set:
concurrent claims settle by reading back which record stayed (see
:mod:`arrowtap.checkpoint._harperdb_lease`), which the race test checks.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest

from arrowtap.checkpoint import Checkpoint, Lease, open_checkpoint
from arrowtap.checkpoint._harperdb import checkpoint_id
from arrowtap.checkpoint._harperdb_lease import MARGIN
from arrowtap.checkpoint._lease_rules import HOST
from arrowtap.checkpoint.lease import holder
from arrowtap.errors import CheckpointNotActiveError, DestinationHeldError
from arrowtap.io import offsets
from arrowtap.testing.harperdb import HarperDBCluster, HarperDBServer

DATABASE = "lease_tests"
T0 = 1_700_000_000.0


def location(node: HarperDBServer, database: str = DATABASE) -> str:
    host = node.url.removeprefix("http://")
    return f"harperdb+http://{node.username}:{quote(node.password, safe='')}@{host}/{database}"


@pytest.fixture
def clock() -> list[float]:
    return [T0]


@pytest.fixture
def name() -> str:
    return f"l-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def opener(
    harperdb_server: HarperDBServer, name: str, clock: list[float]
) -> Iterator[Callable[[], Checkpoint]]:
    handles: list[Checkpoint] = []

    def open_one() -> Checkpoint:
        handle = open_checkpoint(location(harperdb_server), name, clock=lambda: clock[0])
        handles.append(handle)
        return handle

    yield open_one
    for handle in handles:
        handle.close()


def lease_record(server: HarperDBServer, name: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = server.operation(
        {"operation": "search_by_id", "database": DATABASE, "table": "checkpoint_leases",
         "ids": [checkpoint_id(name)], "get_attributes": ["*"]}
    )  # fmt: skip
    assert len(rows) == 1
    return rows[0]


def state(n: int) -> dict[str, offsets.PartitionState]:
    return {"a": offsets.PartitionState(n, n), "b": offsets.PartitionState(-n, n)}


def test_a_second_writer_is_refused_and_the_record_names_the_holder(
    opener: Callable[[], Checkpoint], harperdb_server: HarperDBServer, name: str
) -> None:
    one, two = opener(), opener()
    with Lease(one, renew=False) as lease:
        assert lease.fence is not None
        token = lease.fence.token
        with pytest.raises(DestinationHeldError, match=f"host {HOST} pid {os.getpid()}") as held:
            Lease(two, renew=False).acquire()
        assert held.value.since.timestamp() == T0
        assert held.value.expires.timestamp() == T0 + 30
        with pytest.raises(DestinationHeldError):
            offsets.commit(two, state(1))  # an incremental read's commit
        assert two.keys() == []
        offsets.commit(one, state(1))
        record = lease_record(harperdb_server, name)
        assert (record["token"], record["writer"], record["host"], record["pid"]) == (
            token, lease.writer, HOST, os.getpid()
        )  # fmt: skip
        assert (record["since"], record["expires"]) == (T0, T0 + 30)
    assert lease_record(harperdb_server, name)["writer"] is None  # released; the token stays
    assert holder(two) is None
    offsets.commit(two, state(2))
    assert Lease(two, renew=False).acquire().token == token + 1


def test_expiry_takeover_and_fencing(opener: Callable[[], Checkpoint], clock: list[float]) -> None:
    old_store, new_store = opener(), opener()
    old = Lease(old_store, renew=False)
    first = old.acquire()
    offsets.commit(old_store, state(1))
    clock[0] += 20
    old.renew()
    clock[0] += 20  # renewed at +20: held until +50
    with pytest.raises(DestinationHeldError):
        Lease(new_store, renew=False).acquire()
    clock[0] += 11  # the holder paused past its expiry
    new = Lease(new_store, renew=False)
    second = new.acquire()
    assert second.token == first.token + 1
    assert offsets.load(new_store, "a").offset == 1  # resumes from the commits
    with pytest.raises(CheckpointNotActiveError, match="lost its lease"):
        offsets.commit(old_store, state(9))
    with pytest.raises(CheckpointNotActiveError):
        old.renew()
    offsets.commit(new_store, state(2))
    assert offsets.load(old_store, "a").offset == 2
    with pytest.raises(CheckpointNotActiveError):
        Lease(old_store, renew=False).acquire()  # its handle still has the lost lease
    old.release()
    new.release()
    assert Lease(old_store, renew=False).acquire().token == second.token + 1


def test_concurrent_claims_leave_one_writer(harperdb_server: HarperDBServer, name: str) -> None:
    # HarperDB has no compare-and-set: claims settle by reading back which one stayed,
    # and each commit checks the stored writer, so exactly one claimant commits.
    stores = [open_checkpoint(location(harperdb_server), name) for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    won: list[int] = []

    def race(i: int) -> None:
        barrier.wait(timeout=60)
        try:
            Lease(stores[i], renew=False).acquire()
            won.append(i)
        except DestinationHeldError:
            pass

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert won
        record = holder(stores[0])
        assert record is not None
        committed = []
        for i, store in enumerate(stores):
            try:
                offsets.commit(store, state(i + 1))
                committed.append(i)
            except (DestinationHeldError, CheckpointNotActiveError):
                pass
        assert len(committed) == 1
        assert committed[0] in won
        lease = stores[committed[0]]._lease
        assert lease is not None
        assert record.writer == lease.writer
    finally:
        for store in stores:
            store.close()


def test_a_holder_through_node1_is_seen_through_node2(harperdb_cluster: HarperDBCluster) -> None:
    one, two = harperdb_cluster.nodes
    name = f"l-{uuid.uuid4().hex[:12]}"
    with open_checkpoint(location(one), name) as first, Lease(first) as lease:
        offsets.commit(first, state(1))
        with open_checkpoint(location(two), name) as second:
            with pytest.raises(DestinationHeldError, match=f"pid {os.getpid()}"):
                Lease(second, renew=False).acquire()
            with pytest.raises(DestinationHeldError):
                offsets.commit(second, state(2))
            assert offsets.load(second, "a").offset == 1
        assert lease.lost is None
    with open_checkpoint(location(two), name) as second, Lease(second, renew=False) as taken:
        assert taken.fence is not None
        assert lease.fence is None
        offsets.commit(second, state(3))


def test_a_fenced_commit_needs_time_left_on_its_lease(
    opener: Callable[[], Checkpoint], clock: list[float]
) -> None:
    # No compare-and-set on HarperDB: a commit relies on landing before its lease can end.
    store = opener()
    Lease(store, renew=False).acquire()  # until T0 + 30
    offsets.commit(store, state(1))
    clock[0] += 30 - MARGIN / 2  # its renewal fell behind: too little time left
    with pytest.raises(CheckpointNotActiveError, match=r"ends in 1\.0 s, too soon"):
        offsets.commit(store, state(2))
    assert offsets.load(store, "a").offset == 1  # nothing written


def test_a_commit_that_outlived_its_lease_stops_its_writer(
    opener: Callable[[], Checkpoint], clock: list[float]
) -> None:
    old_store, new_store = opener(), opener()
    Lease(old_store, renew=False).acquire()  # until T0 + 30
    clock[0] += 30 - (MARGIN + 0.5)  # MARGIN + 0.5 s left: the commit may start
    write = old_store._write  # type: ignore[attr-defined]

    def slow_write(operation: str, **fields: Any) -> Any:
        # The upsert is slow to land; meanwhile the lease ends and another writer takes over.
        clock[0] += MARGIN + 1
        Lease(new_store, renew=False).acquire()
        time.sleep(MARGIN + 0.6)  # longer, in real time, than the lease had left
        return write(operation, **fields)

    old_store._write = slow_write  # type: ignore[attr-defined]
    with pytest.raises(CheckpointNotActiveError, match="may have landed after the takeover"):
        offsets.commit(old_store, state(7))
    old_store._write = write  # type: ignore[attr-defined]
    with pytest.raises(CheckpointNotActiveError, match="lost its lease"):
        offsets.commit(old_store, state(8))  # and nothing more
    offsets.commit(new_store, state(9))
    assert offsets.load(old_store, "a").offset == 9
