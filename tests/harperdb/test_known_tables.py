"""The per-process memory of table descriptions: keys, bounds, threads, forks."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import pytest

from arrowtap.connectors.harperdb.wire.canned import canned_client
from arrowtap.connectors.harperdb.wire.client import HarperDBClient
from arrowtap.connectors.harperdb.wire.known_tables import (
    KNOWN,
    KnownTables,
    confirms,
    describe,
    is_dynamic,
    remembered,
)

from .test_codec import DYNAMIC  # the description of a dynamic table the codec tests use


def client(
    url: str, answer: Any, username: str | None = None, password: str | None = None
) -> HarperDBClient:
    canned = canned_client({"describe_table": answer})
    return HarperDBClient(url, client=canned, username=username, password=password)


def test_descriptions_are_kept_per_server_user_and_table() -> None:
    url = "http://ann:secret@h-known-1:9925"
    ann = client(url, DYNAMIC)
    assert describe(ann, "db", "t") == DYNAMIC
    assert remembered(client("http://h-known-1:9925", None, username="ann"), "db", "t") == DYNAMIC
    for other in (
        client("http://h-known-1:9925", None, username="bob", password="pw"),
        client("http://h-known-1:9925", None),
        client("http://ann:secret@h-known-2:9925", None),
    ):
        assert remembered(other, "db", "t") is None
    assert remembered(ann, "db", "u") is None
    assert remembered(ann, "other", "t") is None
    assert not any("secret" in str(key) for key in KNOWN._answers)


def test_the_least_recently_used_go_first() -> None:
    known = KnownTables(size=2)
    keys = [("http://h:9925/", None, "db", name) for name in "abc"]
    known.put(keys[0], 0)
    known.put(keys[1], 1)
    assert known.get(keys[0]) == 0  # now the most recent
    known.put(keys[2], 2)
    assert [known.get(key) for key in keys] == [0, None, 2]


def test_a_page_confirms_only_the_described_attributes_in_order() -> None:
    row = {"id": 1, "__createdtime__": 1.0, "__updatedtime__": 1.0, "v": None}
    assert confirms(DYNAMIC, [row, row])
    assert not confirms(DYNAMIC, [row, row | {"w": 1}])
    assert not confirms(DYNAMIC, [{k: row[k] for k in ("v", "id", "__createdtime__")}])
    assert not confirms(DYNAMIC, [])
    reordered = dict(reversed(row.items()))
    assert not confirms(DYNAMIC, [reordered])
    assert is_dynamic(DYNAMIC)
    typed = DYNAMIC | {"schema_defined": True}
    assert not is_dynamic(typed)
    assert not is_dynamic(DYNAMIC | {"attributes": [{"attribute": "id", "type": "Int"}]})
    assert not is_dynamic({"attributes": "none"})


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
def test_a_forked_child_keeps_the_memory_and_can_use_it() -> None:
    key = ("http://h-fork:9925/", None, "db", "t")
    KNOWN.put(key, DYNAMIC)
    taken = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with KNOWN._lock:  # held by another thread while the process forks
            taken.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait(10)
    try:
        pid = os.fork()
        if pid == 0:  # the child: the lock held in the parent is a new one here
            code = 0 if KNOWN.get(key) == DYNAMIC else 1
            os._exit(code)
    finally:
        release.set()
        holder.join()
    deadline = time.monotonic() + 30
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    if done[0] == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the child waited for a lock held by a thread of its parent")
    assert os.waitstatus_to_exitcode(done[1]) == 0
