"""The SQLite backend: persistence, conflicts, limits, fencing, retention, file mode, processes."""

from __future__ import annotations

import datetime
import multiprocessing
import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from arrowtap.checkpoint import CheckpointAttributes, SQLiteCheckpoint, WriteMode, open_checkpoint
from arrowtap.errors import (
    CheckpointError,
    CheckpointExistsError,
    CheckpointNoSpaceError,
    CheckpointNotActiveError,
)

HERE = Path(__file__).parent


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def procs(monkeypatch: pytest.MonkeyPatch) -> Any:
    # Spawned children get the parent's sys.path, so they can import the helper module.
    monkeypatch.syspath_prepend(str(HERE))
    import _checkpoint_procs

    return _checkpoint_procs


def run_spawned(target: Callable[..., None], *argsets: tuple[object, ...]) -> None:
    ctx = multiprocessing.get_context("spawn")
    children = [ctx.Process(target=target, args=args) for args in argsets]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=60)
        assert child.exitcode == 0
        child.close()


def test_durable_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    with open_checkpoint(path, "a") as ckpt:
        ckpt.write({"k1": b"1", "k2": b"2"})
        ckpt.write("k1", b"one")
        ckpt.delete("k2")
    with open_checkpoint(path, "a") as ckpt:
        assert ckpt.keys() == ["k1"]
        assert ckpt.read("k1") == b"one"
        assert ckpt._conn.execute("PRAGMA synchronous").fetchone() == (2,)  # type: ignore[attr-defined]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_many_checkpoints_in_one_file(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    small = CheckpointAttributes(max_sections=1)
    with open_checkpoint(path, "a", small) as a, open_checkpoint(path, "b") as b:
        a.write("k", b"a")
        b.write({"k": b"b", "j": b"b"})
        assert a.read("k") == b"a"
        assert a.keys() == ["k"]
        assert b.attributes == CheckpointAttributes()


def test_reopen_with_other_attributes_conflicts(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    attrs = CheckpointAttributes(max_sections=5, retention=datetime.timedelta(hours=1))
    with open_checkpoint(path, "a", attrs) as ckpt:
        ckpt.write("k", b"v")
        with pytest.raises(CheckpointExistsError) as info:
            open_checkpoint(path, "a", CheckpointAttributes(max_sections=6, max_section_size=9))
        message = str(info.value)
        assert "max_sections (stored 5, requested 6)" in message
        assert "max_section_size" in message
        assert "retention" in message
        assert "write_mode" not in message
        with open_checkpoint(path, "a", attrs) as same, open_checkpoint(path, "a") as reader:
            assert reader.attributes == attrs
            assert same.read("k") == reader.read("k") == b"v"


def test_no_space_counts_new_keys_only(tmp_path: Path) -> None:
    with open_checkpoint(tmp_path / "o.db", "a", CheckpointAttributes(max_sections=3)) as ckpt:
        ckpt.write({"a": b"1", "b": b"1", "c": b"1"})
        with pytest.raises(CheckpointNoSpaceError, match="max_sections=3"):
            ckpt.write("d", b"1")
        ckpt.write("a", b"2")  # updates work at the limit
        ckpt.write({"a": b"3", "b": b"3", "c": b"3"})
        ckpt.delete("c")
        ckpt.write({"a": b"4", "d": b"4"})  # one new key fits
        assert ckpt.read(["a", "b", "d"]) == [b"4", b"3", b"4"]


def test_failed_multi_write_writes_nothing(tmp_path: Path) -> None:
    with open_checkpoint(tmp_path / "o.db", "a", CheckpointAttributes(max_sections=3)) as ckpt:
        ckpt.write({"a": b"old", "b": b"old"})
        # The update of "a" comes before the overflowing new keys: it must roll back too.
        with pytest.raises(CheckpointNoSpaceError):
            ckpt.write({"a": b"new", "c": b"new", "d": b"new"})
        assert ckpt.keys() == ["a", "b"]
        assert ckpt.read("a") == b"old"


def test_failed_multi_write_on_fencing_writes_nothing(tmp_path: Path) -> None:
    attrs = CheckpointAttributes(write_mode=WriteMode.ACTIVE_REPLICA)
    with open_checkpoint(tmp_path / "o.db", "a", attrs) as ckpt:
        with pytest.raises(CheckpointNotActiveError):
            ckpt.write({"a": b"1", "b": b"2"})
        assert ckpt.keys() == []


def test_all_replicas_needs_no_activation(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    with open_checkpoint(path, "a") as one, open_checkpoint(path, "a") as two:
        assert one.is_active
        assert two.is_active
        one.activate()
        one.synchronize()
        one.write("k", b"1")
        two.write("k", b"2")
        assert one.read("k") == b"2"


@pytest.mark.parametrize("mode", [WriteMode.ACTIVE_REPLICA, WriteMode.ACTIVE_REPLICA_WEAK])
def test_fencing_and_takeover(tmp_path: Path, mode: WriteMode) -> None:
    path = tmp_path / "o.db"
    attrs = CheckpointAttributes(write_mode=mode)
    with open_checkpoint(path, "a", attrs) as one, open_checkpoint(path, "a", attrs) as two:
        with pytest.raises(CheckpointNotActiveError, match="activate"):
            one.write("k", b"1")
        one.activate()
        assert one.is_active
        assert not two.is_active
        one.write("k", b"1")
        one.synchronize()
        with pytest.raises(CheckpointNotActiveError):
            two.write("k", b"2")
        with pytest.raises(CheckpointNotActiveError):
            two.delete("k")
        assert two.read("k") == b"1"  # reads work from any handle
        two.activate()  # takeover
        assert two.is_active
        assert not one.is_active
        with pytest.raises(CheckpointNotActiveError):
            one.write("k", b"stale")
        two.write("k", b"2")
        two.delete("k")
    # Closing the active handle releases the claim.
    with open_checkpoint(path, "a", attrs) as three:
        three.activate()
    with open_checkpoint(path, "a", attrs) as four:
        assert not four.is_active


def test_retention_expires_after_last_close(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    clock = FakeClock(1000.0)
    attrs = CheckpointAttributes(retention=datetime.timedelta(seconds=10))
    with SQLiteCheckpoint(path, "a", attrs, clock=clock) as ckpt:
        ckpt.write("k", b"v")
    clock.now = 1010.0  # not yet past retention
    with SQLiteCheckpoint(path, "a", attrs, clock=clock) as ckpt:
        assert ckpt.read("k") == b"v"
    # A checkpoint without retention in the same file is untouched.
    with SQLiteCheckpoint(path, "forever", clock=clock) as other:
        other.write("k", b"v")
    clock.now = 1020.5
    with SQLiteCheckpoint(path, "a", clock=clock) as ckpt:
        assert ckpt.keys() == []
        # The expired checkpoint was deleted: attributes=None recreates it with the defaults.
        assert ckpt.attributes == CheckpointAttributes()
    clock.now = 10**9
    with SQLiteCheckpoint(path, "forever", clock=clock) as other:
        assert other.read("k") == b"v"


def test_retention_waits_for_open_handles(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    clock = FakeClock(0.0)
    attrs = CheckpointAttributes(retention=datetime.timedelta(seconds=0))
    with SQLiteCheckpoint(path, "a", attrs, clock=clock) as keeper:
        with SQLiteCheckpoint(path, "a", attrs, clock=clock) as writer:
            writer.write("k", b"v")
        clock.now = 50.0
        with SQLiteCheckpoint(path, "a", attrs, clock=clock) as late:
            assert late.read("k") == b"v"
        assert keeper.read("k") == b"v"
    clock.now = 51.0
    with SQLiteCheckpoint(path, "a", attrs, clock=clock) as after:
        assert after.keys() == []


def test_crashed_process_keeps_checkpoint(tmp_path: Path, procs: Any) -> None:
    path = tmp_path / "o.db"
    attrs = CheckpointAttributes(retention=datetime.timedelta(hours=1))
    with SQLiteCheckpoint(path, "a", attrs) as ckpt:
        ckpt.write("mine", b"1")
    run_spawned(procs.open_and_crash, (str(path), "a"))
    clock = FakeClock(datetime.datetime.now().timestamp() + 7200)
    with SQLiteCheckpoint(path, "a", attrs, clock=clock) as ckpt:
        assert ckpt.read(["mine", "k"]) == [b"1", b"v"]


def test_two_processes_write_concurrently(tmp_path: Path, procs: Any) -> None:
    path = str(tmp_path / "o.db")
    barrier = multiprocessing.get_context("spawn").Barrier(2)  # both open the fresh file at once
    args = [(path, p, 150, barrier) for p in "pq"]
    run_spawned(procs.write_keys, *args)
    with open_checkpoint(path, "shared") as ckpt:
        keys = set(ckpt.keys())
    expected = {f"{p}{i}" for p in "pq" for i in range(150)}
    expected |= {f"{p}batch{i}" for p in "pq" for i in range(10)}
    assert keys == expected


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_files_are_private(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "o.db"
    old = os.umask(umask)
    try:
        with open_checkpoint(path, "a") as ckpt:
            ckpt.write("k", b"v")
            for name in ("o.db", "o.db-wal", "o.db-shm"):
                assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600, name
    finally:
        os.umask(old)


def test_sidecars_are_tightened(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    with open_checkpoint(path, "a") as first:
        os.chmod(tmp_path / "o.db-shm", 0o644)
        with open_checkpoint(path, "a") as second:
            second.write("k", b"v")
        assert stat.S_IMODE(os.stat(tmp_path / "o.db-shm").st_mode) == 0o600
        assert first.read("k") == b"v"


def test_open_failure_is_a_checkpoint_error(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="open failed"):
        open_checkpoint(tmp_path / "missing-dir" / "o.db")
    (tmp_path / "junk.db").write_bytes(b"this is not an sqlite database file at all" * 100)
    with pytest.raises(CheckpointError, match="open failed"):
        open_checkpoint(tmp_path / "junk.db")


def test_bad_attributes_type(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        SQLiteCheckpoint(tmp_path / "o.db", "a", {"max_sections": 1})  # type: ignore[arg-type]
