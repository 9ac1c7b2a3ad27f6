"""The HarperDB backend on two replicating nodes: offsets shared across nodes, and a sync run.

Each test uses checkpoints of its own in one database; the cluster is the
session's (``harperdb_cluster``), and the test that stops node 2 starts it again.
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import arrowtap
from arrowtap.checkpoint import CheckpointAttributes, WriteMode, open_checkpoint
from arrowtap.connectors.pvarchiver.samples_source import ArchiveSamplesSource
from arrowtap.errors import CheckpointNotActiveError
from arrowtap.io.contract import Plan
from arrowtap.io.sink import ParquetDatasetSink
from arrowtap.io.sync import SyncSummary, sync
from arrowtap.testing.harperdb import HarperDBCluster, HarperDBServer
from arrowtap.testing.pvarchiver import DEFAULT_END_NS, FakeArchiver

DATABASE = "ckpt_cluster_tests"
END = 2**62


def node_url(node: HarperDBServer) -> str:
    host = node.url.removeprefix("http://")
    return f"harperdb+http://{node.username}:{quote(node.password, safe='')}@{host}/{DATABASE}"


@pytest.fixture
def name() -> str:
    return f"c-{uuid.uuid4().hex[:12]}"


def test_offsets_written_through_node1_are_read_through_node2(
    harperdb_cluster: HarperDBCluster, name: str
) -> None:
    one, two = harperdb_cluster.nodes
    with open_checkpoint(node_url(one), name) as writer:
        # ALL_REPLICAS (the default): a write returns once node 2 has committed it.
        writer.write_json({"ring/current": {"offset": 1_700_000_000, "seq": 1}})
        writer.write({"a": b"1", "b": bytes(range(256))})
        with open_checkpoint(node_url(two), name) as reader:
            assert reader.attributes == writer.attributes
            assert reader.read_json("ring/current") == {"offset": 1_700_000_000, "seq": 1}
            assert reader.read(["a", "b"]) == [b"1", bytes(range(256))]
            for i in range(10):
                writer.write({"a": str(i).encode(), "b": str(i).encode()})
                assert reader.read(["a", "b"]) == [str(i).encode()] * 2
            writer.delete("b")
            assert reader.keys() == ["a", "ring/current"]
            reader.write("c", b"from node 2")
            assert writer.read("c") == b"from node 2"


def test_active_replica_synchronize_and_takeover_across_nodes(
    harperdb_cluster: HarperDBCluster, name: str
) -> None:
    one, two = harperdb_cluster.nodes
    attrs = CheckpointAttributes(write_mode=WriteMode.ACTIVE_REPLICA)
    with (
        open_checkpoint(node_url(one), name, attrs) as first,
        open_checkpoint(node_url(two), name, attrs) as second,
    ):
        first.activate()
        assert not second.is_active  # the claim reached node 2 before activate() returned
        for i in range(5):
            first.write({"k": str(i).encode(), "j": str(i).encode()})
        first.synchronize()  # a barrier: node 2 holds every write made before it
        assert second.read(["k", "j"]) == [b"4", b"4"]
        second.activate()  # the standby takes over through the other node
        assert not first.is_active
        with pytest.raises(CheckpointNotActiveError):
            first.write("k", b"stale")
        second.write("k", b"5")
        second.synchronize()
        assert first.read("k") == b"5"


def test_a_replicated_write_is_applied_whole(harperdb_cluster: HarperDBCluster, name: str) -> None:
    one, two = harperdb_cluster.nodes
    attrs = CheckpointAttributes(write_mode=WriteMode.ACTIVE_REPLICA)  # writes do not wait
    keys = [f"k{i}" for i in range(20)]
    with (
        open_checkpoint(node_url(one), name, attrs) as writer,
        open_checkpoint(node_url(two), name, attrs) as reader,
    ):
        writer.activate()
        writer.write(dict.fromkeys(keys, b"0"))
        writer.synchronize()
        done = threading.Event()
        seen: list[set[bytes]] = []

        def read_until_done() -> None:
            while not done.is_set():
                seen.append(set(reader.read(keys)))

        thread = threading.Thread(target=read_until_done)
        thread.start()
        try:
            for generation in range(1, 40):
                writer.write(dict.fromkeys(keys, str(generation).encode()))
        finally:
            done.set()
            thread.join()
    assert seen
    assert all(len(values) == 1 for values in seen)  # never half of a write


def poll(read: object, expected: object, seconds: float = 60.0) -> object:
    """Call ``read`` until it returns ``expected`` or ``seconds`` pass; return the last value."""
    assert callable(read)
    deadline = time.monotonic() + seconds
    value = read()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.2)
        value = read()
    return value


@pytest.mark.slow
def test_writes_go_on_while_a_peer_is_down_and_it_catches_up(
    harperdb_cluster: HarperDBCluster, name: str
) -> None:
    one, two = harperdb_cluster.nodes
    with open_checkpoint(node_url(one), name, timeout=30) as writer:
        writer.write("k", b"before")
        two.stop()
        try:
            # Node 2 stops counting once node 1 sees it gone; the writes need no restart.
            writer.write("k", b"while node 2 is down")
            writer.write("j", b"too")
        finally:
            two.start()
            harperdb_cluster.wait_connected()
        with open_checkpoint(node_url(two), name) as reader:
            assert poll(lambda: reader.get("j"), b"too") == b"too"
            assert reader.read("k") == b"while node 2 is down"


def sorted_rows(table: pa.Table) -> pa.Table:
    keys = table.select(["channel", "time"])
    return keys.sort_by([("channel", "ascending"), ("time", "ascending")])


def test_sync_runner_resumes_from_offsets_kept_in_harperdb(
    harperdb_cluster: HarperDBCluster, fake_archiver: FakeArchiver, tmp_path: Path, name: str
) -> None:
    one, two = harperdb_cluster.nodes
    channels = arrowtap.find_archive_channels(fake_archiver.url, "*")
    truth = arrowtap.scan_archive_samples(fake_archiver.url, channels, 0, END, unit="ns").read_all()

    def run(node: HarperDBServer, end: int) -> SyncSummary:
        with (
            open_checkpoint(node_url(node), name) as ckpt,
            ArchiveSamplesSource(fake_archiver.url) as source,
        ):
            parts = source.partitions_for(channels, 0, end)
            return sync(Plan(source, parts, name), ParquetDatasetSink(tmp_path), ckpt)

    first = run(one, DEFAULT_END_NS - 1800 * 10**9)  # the older samples, through node 1
    second = run(two, END)  # another machine, through node 2, resumes after them
    third = run(one, END)
    assert first.rows > 0
    assert second.rows > 0
    assert third.rows == 0
    assert first.rows + second.rows == truth.num_rows
    written = pq.read_table(tmp_path)
    assert sorted_rows(written).equals(sorted_rows(truth))


def test_sync_archive_samples_with_a_harperdb_checkpoint(
    harperdb_cluster: HarperDBCluster, fake_archiver: FakeArchiver, tmp_path: Path, name: str
) -> None:
    one, two = harperdb_cluster.nodes
    url = fake_archiver.url
    with open_checkpoint(node_url(one), name) as ckpt:
        first = arrowtap.sync_archive_samples(
            url, "*", 0, END, to=tmp_path, checkpoint=ckpt, unit="ns"
        )
    with open_checkpoint(node_url(two), name) as ckpt:
        second = arrowtap.sync_archive_samples(
            url, "*", 0, END, to=tmp_path, checkpoint=ckpt, unit="ns"
        )
    assert first.rows > 0
    assert second.rows == 0
