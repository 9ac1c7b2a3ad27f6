"""The HarperDB backend on one real server: handles, fencing, retention, processes, errors."""

from __future__ import annotations

import datetime
import importlib.util
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from arrowtap.checkpoint import Checkpoint, CheckpointAttributes, WriteMode, open_checkpoint
from arrowtap.checkpoint.harperdb import HarperDBCheckpoint
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.harperdb.wire.client import HarperDBClient
from arrowtap.errors import (
    AuthenticationError,
    CheckpointNotActiveError,
    CheckpointNotFoundError,
    InvalidArgumentError,
    TransportError,
)
from arrowtap.testing.harperdb import HarperDBServer


def _sibling(module: str) -> ModuleType:
    path = Path(__file__).with_name(f"{module}.py")
    spec = importlib.util.spec_from_file_location(f"_harperdb_reuses_{module}", path)
    assert spec is not None
    assert spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


_base = _sibling("test_harperdb_checkpoint")
url = _base.url  # the fixtures and helpers of the checkpoint tests
name = _base.name
location = _base.location
DATABASE = _base.DATABASE


def test_all_replicas_needs_no_activation(url: str, name: str) -> None:
    with open_checkpoint(url, name) as one, open_checkpoint(url, name) as two:
        assert one.is_active
        assert two.is_active
        one.activate()
        one.synchronize()  # no peers: nothing to wait for
        one.write("k", b"1")
        two.write("k", b"2")
        assert one.read("k") == b"2"


@pytest.mark.parametrize("mode", [WriteMode.ACTIVE_REPLICA, WriteMode.ACTIVE_REPLICA_WEAK])
def test_fencing_and_takeover(url: str, name: str, mode: WriteMode) -> None:
    attrs = CheckpointAttributes(write_mode=mode)
    with open_checkpoint(url, name, attrs) as one, open_checkpoint(url, name, attrs) as two:
        with pytest.raises(CheckpointNotActiveError, match="activate"):
            one.write({"k": b"1", "j": b"1"})
        assert one.keys() == []
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
    with open_checkpoint(url, name, attrs) as three:
        assert not three.is_active


def test_racing_activations_leave_one_holder(url: str, name: str) -> None:
    attrs = CheckpointAttributes(write_mode=WriteMode.ACTIVE_REPLICA)
    handles = [open_checkpoint(url, name, attrs) for _ in range(4)]
    try:
        barrier = threading.Barrier(len(handles))

        def activate(handle: Checkpoint) -> None:
            barrier.wait(timeout=30)
            handle.activate()

        threads = [threading.Thread(target=activate, args=(h,)) for h in handles]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        active = [h for h in handles if h.is_active]
        assert len(active) == 1
        active[0].write("k", b"winner")
        for loser in set(handles) - set(active):
            with pytest.raises(CheckpointNotActiveError):
                loser.write("k", b"loser")
        assert handles[0].read("k") == b"winner"
    finally:
        for handle in handles:
            handle.close()


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_retention_expires_after_last_close(url: str, name: str) -> None:
    clock = FakeClock(1000.0)
    attrs = CheckpointAttributes(retention=datetime.timedelta(seconds=10))
    with HarperDBCheckpoint(url, name, attrs, clock=clock) as ckpt:
        ckpt.write("k", b"v")
    clock.now = 1010.0  # not yet past retention
    with HarperDBCheckpoint(url, name, attrs, clock=clock) as keeper:
        assert keeper.read("k") == b"v"
        clock.now = 2000.0  # past it, but a handle is open
        with HarperDBCheckpoint(url, name, clock=clock) as late:
            assert late.read("k") == b"v"
        clock.now = 2005.0
    with HarperDBCheckpoint(url, name + "forever", clock=clock) as other:
        other.write("k", b"v")
    clock.now = 2015.5
    with HarperDBCheckpoint(url, name, clock=clock) as ckpt:
        assert ckpt.keys() == []
        # The expired checkpoint was deleted: attributes=None recreates it with the defaults.
        assert ckpt.attributes == CheckpointAttributes()
    clock.now = 10**9
    with HarperDBCheckpoint(url, name + "forever", clock=clock) as other:
        assert other.read("k") == b"v"


_CHILD = """
import os, sys
from arrowtap.checkpoint import open_checkpoint
ckpt = open_checkpoint(os.environ["CKPT_URL"], sys.argv[1])
if sys.argv[2] == "crash":
    ckpt.write("k", b"v")
    os._exit(0)  # like a killed process: the handle is never closed
for i in range(int(sys.argv[3])):
    ckpt.write(f"{sys.argv[2]}{i}", str(i).encode())
ckpt.write({f"{sys.argv[2]}batch{i}": b"b" for i in range(10)})
ckpt.close()
"""


def run_children(url: str, *argsets: tuple[str, ...]) -> None:
    env = {**os.environ, "CKPT_URL": url}  # the password stays out of the command line
    children = [
        subprocess.Popen([sys.executable, "-c", _CHILD, *args], env=env) for args in argsets
    ]
    try:
        for child in children:
            assert child.wait(timeout=120) == 0
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


def test_crashed_process_keeps_checkpoint(url: str, name: str) -> None:
    attrs = CheckpointAttributes(retention=datetime.timedelta(hours=1))
    with open_checkpoint(url, name, attrs) as ckpt:
        ckpt.write("mine", b"1")
    run_children(url, (name, "crash"))
    clock = FakeClock(datetime.datetime.now().timestamp() + 7200)
    with HarperDBCheckpoint(url, name, attrs, clock=clock) as ckpt:
        assert ckpt.read(["mine", "k"]) == [b"1", b"v"]


def test_two_processes_write_concurrently(url: str, name: str) -> None:
    run_children(url, (name, "p", "40"), (name, "q", "40"))
    with open_checkpoint(url, name) as ckpt:
        keys = set(ckpt.keys())
    expected = {f"{p}{i}" for p in "pq" for i in range(40)}
    expected |= {f"{p}batch{i}" for p in "pq" for i in range(10)}
    assert keys == expected


def test_wrong_password_is_an_authentication_error(
    harperdb_server: HarperDBServer, name: str
) -> None:
    bad = location(harperdb_server, password="not-the-Secret-42")
    with pytest.raises(AuthenticationError) as info:
        open_checkpoint(bad, name)
    assert "not-the-Secret-42" not in str(info.value)
    assert info.value.status == 401
    with pytest.raises(AuthenticationError):
        HarperDBCheckpoint(location(harperdb_server), name, password="not-the-Secret-42")


def test_unreachable_node_is_a_transport_error(name: str) -> None:
    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        with pytest.raises(TransportError, match=f"127.0.0.1:{port}") as info:
            open_checkpoint(
                f"harperdb+http://admin:Pw-9-secret@127.0.0.1:{port}/db",
                name,
                retry=RetryPolicy(attempts=2, initial=0.01),
            )
    assert "Pw-9-secret" not in str(info.value)


def test_location_forms(harperdb_server: HarperDBServer, name: str) -> None:
    secret = harperdb_server.password
    with open_checkpoint(location(harperdb_server), name) as by_url:
        by_url.write("k", b"v")
        shown = f"harperdb+{harperdb_server.url}/{DATABASE}"
        assert by_url.location == shown
        assert secret not in repr(by_url)
        assert repr(by_url) == f"<HarperDBCheckpoint name={name!r} location={shown!r}>"
    with HarperDBClient(
        harperdb_server.url, username=harperdb_server.username, password=secret
    ) as client:
        with open_checkpoint(client, name, database=DATABASE) as by_client:
            assert by_client.read("k") == b"v"
        assert client.operation("describe_database", database=DATABASE)  # still open
    plain = harperdb_server.url  # the operations API URL, credentials as options
    with HarperDBCheckpoint(
        plain, name, database=DATABASE, username=harperdb_server.username, password=secret
    ) as by_options:
        assert by_options.read("k") == b"v"


@pytest.mark.parametrize(
    ("where", "options", "match"),
    [
        ("harperdb://admin:pw@127.0.0.1:1/db", {}, "'harperdb'"),
        ("harperdb+http://admin:pw@127.0.0.1:1/bad-name", {}, "bad-name"),
        ("harperdb+http://admin:pw@127.0.0.1:1/a/b", {}, "a/b"),
        ("harperdb+http://admin:pw@127.0.0.1:1/one", {"database": "two"}, "'one'"),
        ("harperdb+http://admin:pw@127.0.0.1:1/?x=1", {}, "query"),
        ("harperdb+ftp://admin:pw@127.0.0.1:1/db", {}, "'harperdb\\+ftp'"),
        ("harperdb+http://admin:pw@127.0.0.1:1/db", {"replicas": -1}, "replicas"),
        ("harperdb+http://admin:pw@127.0.0.1:1/db", {"timeout": 0}, "timeout"),
    ],
)
def test_bad_locations(where: str, options: dict[str, Any], match: str) -> None:
    with pytest.raises(InvalidArgumentError, match=match) as info:
        open_checkpoint(where, "n", **options)
    assert "pw@" not in str(info.value)


def test_bad_argument_types(url: str) -> None:
    with pytest.raises(TypeError, match="HarperDBClient"):
        open_checkpoint(42, "n")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="attributes"):
        HarperDBCheckpoint(url, "n", {"max_sections": 1})  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="name"):
        open_checkpoint(url, "")


def test_missing_section_after_delete_elsewhere(url: str, name: str) -> None:
    with open_checkpoint(url, name) as one, open_checkpoint(url, name) as two:
        one.write("k", b"1")
        two.delete("k")
        with pytest.raises(CheckpointNotFoundError, match="'k'"):
            one.read("k")
