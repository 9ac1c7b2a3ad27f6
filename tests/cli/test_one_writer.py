"""Ten ``arrowtap sync archive`` processes on one destination at once: one writer at a time.

Before the lease, overlapping syncs of one directory lost rows, wrote pages twice
or left unreadable files, and still exited 0. Now each process either syncs (exit
0) or exits :data:`~arrowtap.cli.running.HELD` naming the holder, a process of the
same round; after several rounds and a final clean sync, the dataset equals a
one-shot read and every Parquet file opens. The archive (a fake, served from this
test's process) is live and grows between rounds, so every round has new samples
to write while the others contend. A held destination also ends ``--wait`` and
``state reset`` with that code.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import arrowtap
from arrowtap.checkpoint import Lease, open_checkpoint
from arrowtap.checkpoint.sqlite import checkpoint_names
from arrowtap.cli.running import HELD
from arrowtap.testing.pvarchiver import FakeArchiver
from arrowtap.testing.pvarchiver.channels import DEFAULT_END_NS, default_channels

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-c", "from arrowtap.cli import main; main()"]
CHANNELS = ["root:ai1", "ring/current", "temp+offset", "beam energy", "msg:text"]
PROCESSES = 10
ROUNDS = 3


@pytest.fixture
def live_archiver() -> Iterator[FakeArchiver]:
    """The fake archiver with live channels on a clock the test moves (no wall clock)."""
    specs = [s for s in default_channels(live=True, now_ns=DEFAULT_END_NS) if s.name in CHANNELS]
    with FakeArchiver(specs, clock=lambda: DEFAULT_END_NS) as fake:
        yield fake


def sync_command(url: str, to: Path) -> list[str]:
    return [*CLI, "sync", "archive", url, "--channels", "*", "--start", "0", "--to", str(to),
            "--page-size", "100", "--max-concurrency", "2"]  # fmt: skip


def run_round(url: str, to: Path) -> list[tuple[int, int, str, str]]:
    """Start the processes at once; (pid, exit code, stdout, stderr) of each."""
    procs: list[subprocess.Popen[str]] = []
    results = []
    try:
        for _ in range(PROCESSES):
            procs.append(
                subprocess.Popen(
                    sync_command(url, to), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
                )
            )
        for proc in procs:
            out, err = proc.communicate(timeout=300)
            results.append((proc.pid, proc.returncode, out, err))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    return results


def one_shot(url: str) -> pa.Table:
    table = arrowtap.scan_archive_samples(url, "*", 0).read_all()
    return table.sort_by([("channel", "ascending"), ("time", "ascending")])


def dataset(to: Path) -> pa.Table:
    """Every page file read on its own (each must open), then all of them together."""
    files = sorted(p for p in to.rglob("*.parquet") if not p.name.startswith("."))
    assert files
    tables = [pq.ParquetFile(p).read().replace_schema_metadata(None) for p in files]
    return pa.concat_tables(tables).sort_by([("channel", "ascending"), ("time", "ascending")])


def same(a: pa.Table, b: pa.Table) -> None:
    # Through pandas: NaN equals NaN there (the archive sends NaN limits).
    pd.testing.assert_frame_equal(
        a.to_pandas(types_mapper=pd.ArrowDtype), b.to_pandas(types_mapper=pd.ArrowDtype)
    )


def test_ten_syncs_of_one_destination_at_once(live_archiver: FakeArchiver, tmp_path: Path) -> None:
    to = tmp_path / "out"
    began = time.monotonic()
    for round_ in range(ROUNDS):
        live_archiver.advance(30 * 10**9)  # new samples on every channel
        results = run_round(live_archiver.url, to)
        pids = {pid for pid, *_ in results}
        synced = {pid for pid, code, *_ in results if code == 0}
        print(f"round {round_}: {len(synced)} synced, {len(pids) - len(synced)} refused")
        assert synced, f"round {round_}: no process synced: {results!r:.3000}"
        for pid, code, out, err in results:
            if code == 0:
                assert re.search(r"^sync: partitions=\d+ rows=\d+", out, re.M), out
                continue
            assert code == HELD, f"round {round_}, pid {pid}: exit {code}: {err[-3000:]}"
            assert "DestinationHeldError" in err, err
            holder = re.search(r"held by another writer: host \S+ pid (\d+)", err)
            assert holder, err
            assert int(holder.group(1)) in synced & pids, (err, synced)
    final = subprocess.run(sync_command(live_archiver.url, to), capture_output=True, text=True,
                           timeout=300)  # fmt: skip
    assert final.returncode == 0, final.stderr[-3000:]
    assert re.search(r"^sync: partitions=5 rows=0 ", final.stdout, re.M), final.stdout
    same(dataset(to), one_shot(live_archiver.url))
    print(f"{ROUNDS} rounds of {PROCESSES} processes: {time.monotonic() - began:.1f} s")


def test_a_held_destination_exits_75_or_waits(fake_archiver: FakeArchiver, tmp_path: Path) -> None:
    to, ckpt = tmp_path / "out", tmp_path / "ck.sqlite"
    command = [*sync_command(fake_archiver.url, to), "--checkpoint", str(ckpt)]
    assert subprocess.run(command, capture_output=True, timeout=300).returncode == 0
    [name] = checkpoint_names(ckpt)
    with open_checkpoint(ckpt, name) as store:
        lease = Lease(store)
        lease.acquire()
        try:
            began = time.monotonic()
            held = subprocess.run([*command, "--wait", "0.5"], capture_output=True, text=True,
                                  timeout=300)  # fmt: skip
            assert held.returncode == HELD, held.stderr[-3000:]
            assert time.monotonic() - began >= 0.5
            assert f"DestinationHeldError: checkpoint {name!r}" in held.stderr
            assert f"pid {os.getpid()}, since " in held.stderr
            reset = subprocess.run([*CLI, "state", "reset", "--checkpoint", str(ckpt), "--all"],
                                   capture_output=True, text=True, timeout=300)  # fmt: skip
            assert reset.returncode == HELD, reset.stderr[-3000:]
            release = threading.Timer(1.0, lease.release)
            release.start()
            waited = subprocess.run([*command, "--wait", "600"], capture_output=True, text=True,
                                    timeout=300)  # fmt: skip
            release.join()
            assert waited.returncode == 0, waited.stderr[-3000:]
            assert re.search(r"^sync: partitions=\d+ rows=0 ", waited.stdout, re.M), waited.stdout
        finally:
            lease.release()
