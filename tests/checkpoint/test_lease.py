"""The lease of a checkpoint: its rules, and the SQLite store (one writer at a time).

Expiry and takeover run on an injected clock; the few real-time tests use
generous bounds and assert only what a slow machine cannot turn around.
"""

from __future__ import annotations

import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from arrowtap.checkpoint import Checkpoint, Lease, open_checkpoint
from arrowtap.checkpoint import _lease_rules as rules
from arrowtap.checkpoint.lease import adopted, fence_of, holder
from arrowtap.errors import CheckpointNotActiveError, DestinationHeldError, InvalidArgumentError
from arrowtap.io import offsets

Clock = list[float]
T0 = 1_700_000_000.0


@pytest.fixture
def clock() -> Clock:
    return [T0]


@pytest.fixture
def opener(tmp_path: Path, clock: Clock) -> Iterator[Callable[[], Checkpoint]]:
    """Open handles of one checkpoint ("job" in one file) on the test's clock."""
    handles: list[Checkpoint] = []

    def open_one() -> Checkpoint:
        handles.append(open_checkpoint(tmp_path / "o.db", "job", clock=lambda: clock[0]))
        return handles[-1]

    yield open_one
    for handle in handles:
        handle.close()


def stored(store: Checkpoint) -> rules.LeaseRecord:
    """The lease record as stored, held or not."""
    record = store._swap_lease(lambda current: None)
    assert record is not None
    return record


def state(n: int) -> dict[str, offsets.PartitionState]:
    return {"a": offsets.PartitionState(n, n), "b": offsets.PartitionState(-n, n)}


# -- the rules, without a store --------------------------------------------------------------


def test_rules_claim_renew_release_and_tokens_grow() -> None:
    me = rules.LeaseRecord(0, "me", "h", 1, 10.0, 40.0)
    first = rules.claim("ck", me, 10.0)(None)
    assert first == rules.LeaseRecord(1, "me", "h", 1, 10.0, 40.0)
    again = rules.claim("ck", rules.LeaseRecord(0, "me", "h", 1, 20.0, 50.0), 20.0)(first)
    assert again is not None
    assert (again.token, again.since, again.expires) == (1, 10.0, 50.0)  # the same holder
    fence = rules.Fence("me", 1)
    assert rules.extend("ck", fence, 70.0)(first) == rules.LeaseRecord(1, "me", "h", 1, 10.0, 70.0)
    released = rules.end(fence, 30.0)(first)
    assert released == rules.LeaseRecord(1, None, "h", 1, 10.0, 30.0)
    other = rules.claim("ck", rules.LeaseRecord(0, "you", "g", 2, 31.0, 61.0), 31.0)(released)
    assert other is not None
    assert (other.token, other.writer) == (2, "you")
    assert rules.end(fence, 32.0)(other) is None  # lost already: nothing to release
    with pytest.raises(CheckpointNotActiveError, match=r"lost its lease .*token 1.*g pid 2"):
        rules.extend("ck", fence, 90.0)(other)
    with pytest.raises(CheckpointNotActiveError):
        rules.fenced("ck", fence)(other)
    assert rules.fenced("ck", rules.Fence("you", 2))(other) is None


def test_rules_a_live_holder_refuses_claims_and_unleased_writes() -> None:
    live = rules.LeaseRecord(4, "w", "elsewhere", 99, T0, T0 + 30)
    me = rules.LeaseRecord(0, "me", rules.HOST, os.getpid(), T0 + 1, T0 + 31)
    with pytest.raises(DestinationHeldError) as held:
        rules.claim("checkpoint 'job'", me, T0 + 1)(live)
    error = held.value
    assert (error.host, error.pid) == ("elsewhere", 99)
    assert error.since.timestamp() == T0
    assert error.expires.timestamp() == T0 + 30
    assert "checkpoint 'job' is held by another writer: host elsewhere pid 99" in str(error)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.host, copy.pid, copy.since, copy.expires) == ("elsewhere", 99, error.since,
                                                               error.expires)  # fmt: skip
    with pytest.raises(DestinationHeldError):
        rules.exclusive("ck", T0 + 1)(live)
    # Expired: taken over, and a write without a lease fences the old holder off.
    assert rules.claim("ck", me, T0 + 30)(live) == rules.LeaseRecord(
        5, "me", rules.HOST, os.getpid(), T0 + 1, T0 + 31
    )
    fenced_off = rules.exclusive("ck", T0 + 30)(live)
    assert fenced_off == rules.LeaseRecord(5, None, "elsewhere", 99, T0, T0 + 30)
    assert rules.exclusive("ck", T0)(None) is None
    assert rules.exclusive("ck", T0)(fenced_off) is None  # free: nothing to store


def test_a_holder_whose_process_is_gone_is_vacant_on_its_own_host() -> None:
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = time.monotonic() + 60
        while rules.alive(zombie.pid) and time.monotonic() < deadline:
            time.sleep(0.02)  # exited, not reaped: a zombie holds nothing
        assert not rules.alive(zombie.pid)
        record = rules.LeaseRecord(1, "w", rules.HOST, zombie.pid, T0, T0 + 3600)
        assert rules.vacant(record, T0)
        assert not rules.vacant(rules.LeaseRecord(1, "w", "other-host", zombie.pid, T0, T0 + 3600),
                                T0)  # fmt: skip
        assert not rules.vacant(rules.LeaseRecord(1, "w", rules.HOST, os.getpid(), T0, T0 + 1), T0)
        assert rules.alive(0)  # never a process group: unknown counts as alive
        assert rules.alive(-1)
    finally:
        zombie.wait()


# -- the SQLite store --------------------------------------------------------------------------


def test_a_second_writer_is_refused_naming_the_holder(opener: Callable[[], Checkpoint]) -> None:
    one, two = opener(), opener()
    with Lease(one, renew=False) as lease:
        assert lease.fence is not None
        assert lease.fence.token == 1
        with pytest.raises(DestinationHeldError, match=f"pid {os.getpid()}") as held:
            Lease(two, renew=False).acquire()
        assert (held.value.host, held.value.pid) == (rules.HOST, os.getpid())
        assert held.value.since.timestamp() == T0
        assert held.value.expires.timestamp() == T0 + 30
        # A commit without a lease (an incremental read's) is refused too, atomically.
        with pytest.raises(DestinationHeldError):
            offsets.commit(two, state(1))
        assert two.keys() == []
        offsets.commit(one, state(1))
        record = holder(two)
        assert record is not None
        assert (record.token, record.writer) == (1, lease.writer)
    assert holder(two) is None
    offsets.commit(two, state(2))  # free again
    assert offsets.load(one, "a").offset == 2


def test_an_expired_lease_is_taken_over_and_the_old_holder_is_fenced(
    opener: Callable[[], Checkpoint], clock: Clock
) -> None:
    old_store, new_store = opener(), opener()
    old = Lease(old_store, renew=False)
    old.acquire()
    offsets.commit(old_store, state(1))
    clock[0] += 29.9
    with pytest.raises(DestinationHeldError):
        Lease(new_store, renew=False).acquire()
    clock[0] += 0.2  # the holder paused past its expiry: it is taken over
    new = Lease(new_store, renew=False)
    fence = new.acquire()
    assert fence.token == 2
    assert offsets.load(new_store, "a") == offsets.load(old_store, "a")  # resumes from commits
    with pytest.raises(CheckpointNotActiveError, match=r"lost its lease .*token 1"):
        offsets.commit(old_store, state(9))  # the old holder wakes up: never commits again
    with pytest.raises(CheckpointNotActiveError):
        old_store.delete("a")
    with pytest.raises(CheckpointNotActiveError):
        old.renew()
    offsets.commit(new_store, state(2))
    assert offsets.load(old_store, "a").offset == 2
    old.release()  # lost already: nothing changes
    assert holder(new_store) is not None
    new.release()
    assert Lease(old_store, renew=False).acquire().token == 3  # tokens keep growing


def test_a_multi_section_commit_refused_by_its_fence_writes_nothing(
    opener: Callable[[], Checkpoint], clock: Clock
) -> None:
    old_store, new_store = opener(), opener()
    Lease(old_store, renew=False).acquire()
    offsets.commit(old_store, state(1))
    clock[0] += 60
    Lease(new_store, renew=False).acquire()
    with pytest.raises(CheckpointNotActiveError):
        offsets.commit(old_store, {**state(5), "c": offsets.PartitionState(5, 5)})
    assert new_store.keys() == ["a", "b"]
    assert offsets.load(new_store, "b").offset == -1


def test_renewal_keeps_the_lease(opener: Callable[[], Checkpoint], clock: Clock) -> None:
    one, two = opener(), opener()
    lease = Lease(one, renew=False)
    lease.acquire()
    for _ in range(5):
        clock[0] += 20
        lease.renew()
        with pytest.raises(DestinationHeldError):
            Lease(two, renew=False).acquire()
    lease.release()
    assert Lease(two, renew=False).acquire().token == 2


def test_the_renewal_thread_extends_the_lease(tmp_path: Path) -> None:
    with open_checkpoint(tmp_path / "o.db", "job") as store:
        with Lease(store, expiry=0.6) as lease:
            first = holder(store)
            assert first is not None
            deadline = time.monotonic() + 60  # every 0.2 s; a loaded machine may take longer
            while stored(store).expires == first.expires:  # expired or not: still its record
                assert time.monotonic() < deadline, "never renewed"
                time.sleep(0.05)
            assert lease.lost is None
        assert holder(store) is None


def test_a_lost_lease_stops_the_renewal_thread(
    opener: Callable[[], Checkpoint], clock: Clock
) -> None:
    one, two = opener(), opener()
    lease = Lease(one, expiry=0.3)  # renewed every 0.1 s of real time, on the test's clock
    lease.acquire()
    clock[0] += 1
    Lease(two, renew=False).acquire()
    deadline = time.monotonic() + 60
    while lease.lost is None:
        assert time.monotonic() < deadline, "the renewal never noticed"
        time.sleep(0.02)
    assert "lost its lease" in str(lease.lost)
    with pytest.raises(CheckpointNotActiveError):
        offsets.commit(one, state(1))
    lease.release()
    assert fence_of(one) is None


def test_wait_takes_the_lease_once_the_holder_releases(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    with open_checkpoint(path, "job") as one, open_checkpoint(path, "job") as two:
        first = Lease(one)
        first.acquire()
        timer = threading.Timer(0.3, first.release)
        timer.start()
        try:
            began = time.monotonic()
            with Lease(two, wait=600) as second:  # generous: only the release ends the wait
                assert second.fence is not None
                assert second.fence.token == 2
            assert time.monotonic() - began >= 0.25
        finally:
            timer.cancel()
        with Lease(one):
            began = time.monotonic()
            with pytest.raises(DestinationHeldError):
                Lease(two, wait=0.3).acquire()
            assert time.monotonic() - began >= 0.3


def test_a_holder_that_died_on_this_host_is_taken_over_at_once(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    code = (
        "import sys, time\n"
        "from arrowtap.checkpoint import Lease, open_checkpoint\n"
        f"store = open_checkpoint({str(path)!r}, 'job')\n"
        "Lease(store, expiry=3600).acquire()\n"
        "print('held', flush=True)\n"
        "time.sleep(600)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    with proc:
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "held"
            with open_checkpoint(path, "job") as store:
                with pytest.raises(DestinationHeldError, match=f"pid {proc.pid}"):
                    Lease(store, renew=False).acquire()
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=60)
                with Lease(store, renew=False) as lease:  # long before the hour is up
                    assert lease.fence is not None
                    assert lease.fence.token == 2
        finally:
            if proc.poll() is None:
                proc.kill()


def test_concurrent_acquirers_have_one_winner(tmp_path: Path) -> None:
    stores = [open_checkpoint(tmp_path / "o.db", "job") for _ in range(8)]
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
        assert len(won) == 1
        record = holder(stores[0])
        assert record is not None
        assert record.token == 1
    finally:
        for store in stores:
            store.close()


def test_close_releases_and_a_nested_lease_shares_the_outer_one(
    opener: Callable[[], Checkpoint],
) -> None:
    one, two = opener(), opener()
    with Lease(one, renew=False) as outer:
        with Lease(one, renew=False) as inner:
            assert inner.fence == outer.fence
        assert fence_of(one) == outer.fence  # the inner one released nothing
        with offsets.opened(one, "ignored", lease=True) as same:
            offsets.commit(same, state(1))
        with pytest.raises(DestinationHeldError):
            Lease(two, renew=False).acquire()
        one.close()
        assert fence_of(one) is None
        assert Lease(two, renew=False).acquire().token == 2


def test_a_task_adopting_the_fence_commits_until_a_takeover(
    opener: Callable[[], Checkpoint], clock: Clock
) -> None:
    client, task, later = opener(), opener(), opener()
    fence = Lease(client, renew=False).acquire()
    fence = pickle.loads(pickle.dumps(fence))  # as it travels to a Dask worker
    with adopted(task, fence):
        offsets.commit(task, state(1))
        clock[0] += 31  # the client died: nobody renews
        Lease(later, renew=False).acquire()
        with pytest.raises(CheckpointNotActiveError):
            offsets.commit(task, state(2))
    assert offsets.load(later, "a").offset == 1


def test_lease_arguments_are_checked(opener: Callable[[], Checkpoint]) -> None:
    store = opener()
    with pytest.raises(InvalidArgumentError, match="wait"):
        Lease(store, wait=-1)
    with pytest.raises(InvalidArgumentError, match="expiry"):
        Lease(store, expiry=0)
    with pytest.raises(InvalidArgumentError, match="renew"):
        Lease(store, renew=1)  # type: ignore[arg-type]
    with pytest.raises(CheckpointNotActiveError, match="no lease"):
        Lease(store).renew()


def test_a_file_made_before_leases_gets_its_table(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    with open_checkpoint(path, "job") as store:
        offsets.commit(store, state(1))
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE leases")
    conn.commit()
    conn.close()
    with open_checkpoint(path, "job") as store, Lease(store, renew=False) as lease:
        assert lease.fence is not None
        assert offsets.load(store, "a").offset == 1
