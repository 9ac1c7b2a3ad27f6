"""Ctrl-C and SIGTERM stop ``arrowtap sync`` between pages: a summary, 130 / 143, then resume."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

import arrowtap
from arrowtap.testing.pvarchiver import FakeArchiver
from arrowtap.testing.pvarchiver.channels import DEFAULT_END_NS, default_channels
from arrowtap.testing.pvarchiver.faults import Faults

CLI = [sys.executable, "-c", "from arrowtap.cli import main; main()"]
# No channel with a raw retention: a sync keeps samples the archive has since expired.
CHANNELS = ["root:ai1", "ring/current", "temp+offset", "beam energy", "msg:text"]


@pytest.fixture
def slow_fake() -> Iterator[FakeArchiver]:
    """Every answer is slow, so that a sync of small pages takes many seconds."""
    specs = [s for s in default_channels() if s.name in CHANNELS]
    faults = Faults(rate=1.0, kinds=("slow",), slow_delay=0.4, seed=1)
    with FakeArchiver(specs, faults=faults) as fake:
        yield fake


def _start(url: str, to: Path, *extra: str) -> subprocess.Popen[str]:
    args = ["sync", "archive", url, "--channels", "*", "--start", "0", "--to", str(to)]
    return subprocess.Popen(
        [*CLI, *args, "--page-size", "200", "--max-concurrency", "2", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_pages(to: Path, proc: subprocess.Popen[str], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not list(to.rglob("part-*.parquet")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no page was written"
        time.sleep(0.05)


def _stop(proc: subprocess.Popen[str], signum: int) -> tuple[int, str, str, float]:
    sent = time.monotonic()
    proc.send_signal(signum)
    try:
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, out, err, time.monotonic() - sent


def _one_shot(url: str) -> pa.Table:
    table = arrowtap.scan_archive_samples(url, "*", 0).read_all()
    return table.sort_by([("channel", "ascending"), ("time", "ascending")])


def _dataset(to: Path) -> pa.Table:
    table = ds.dataset(to, partitioning="hive").to_table().replace_schema_metadata(None)
    return table.sort_by([("channel", "ascending"), ("time", "ascending")])


def _same(a: pa.Table, b: pa.Table) -> None:
    # Through pandas: NaN equals NaN there (the archive sends NaN limits).
    pd.testing.assert_frame_equal(
        a.to_pandas(types_mapper=pd.ArrowDtype), b.to_pandas(types_mapper=pd.ArrowDtype)
    )


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stopped_sync_exits_promptly_with_a_summary_and_resumes(
    slow_fake: FakeArchiver, tmp_path: Path, signum: int, code: int
) -> None:
    to = tmp_path / "out"
    proc = _start(slow_fake.url, to)
    _wait_for_pages(to, proc)
    before = slow_fake.stats.requests
    returncode, out, err, _ = _stop(proc, signum)
    assert returncode == code, err[-2000:]
    # Promptly, counted in requests rather than seconds: the sync stops between pages, so
    # after the signal at most the pages its two workers were about to ask for are asked.
    assert slow_fake.stats.requests - before <= 4
    summary = re.search(r"sync \(stopped\): partitions=\d+ rows=(\d+) pages=(\d+)", out)
    assert summary, out
    committed = ds.dataset(to, partitioning="hive").count_rows()
    assert int(summary.group(1)) <= committed  # pages written, not yet committed, may remain
    assert signal.Signals(signum).name in err
    slow_fake.faults = Faults()  # the re-run at full speed
    rerun = subprocess.run([*CLI, "sync", "archive", slow_fake.url, "--channels", "*",
                            "--start", "0", "--to", str(to)],
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    _same(_dataset(to), _one_shot(slow_fake.url))


def test_a_following_sync_stops_on_ctrl_c_and_resumes(tmp_path: Path) -> None:
    specs = [s for s in default_channels(live=True, now_ns=DEFAULT_END_NS) if s.name in CHANNELS]
    clock = [DEFAULT_END_NS]
    with FakeArchiver(specs, clock=lambda: clock[0]) as fake:
        to = tmp_path / "out"
        proc = _start(fake.url, to, "--follow", "--every", "0.2")
        _wait_for_pages(to, proc)
        fake.advance(20 * 10**9)  # new samples for the next runs of the follow loop
        time.sleep(1.0)
        returncode, out, err, _ = _stop(proc, signal.SIGINT)  # _stop waits at most 30 s
        assert returncode == 130, err[-2000:]
        assert re.search(r"sync \(stopped\): partitions=\d+ rows=\d+", out), out
        rerun = subprocess.run([*CLI, "sync", "archive", fake.url, "--channels", "*",
                                "--start", "0", "--to", str(to)],
                               capture_output=True, text=True, timeout=300)  # fmt: skip
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        _same(_dataset(to), _one_shot(fake.url))
