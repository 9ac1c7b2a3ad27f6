"""The spine's crash and fault tests against a Delta table, with no checkpoint store at all.

`arrowtap sync archive --to delta:DIR` SIGKILLed at every crash point of every page and at
20 random moments, and a sync through an archiver failing 20 % of its requests: the table
equals a one-shot read, and nothing but the table (and, beside it, the sync's lease file,
which holds no offset) is written. Ten syncs at once into one table: one writes at a time.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import threading
import time
from pathlib import Path
from subprocess import PIPE
from typing import Any

import pyarrow as pa
import pytest
from deltalake import DeltaTable

import arrowtap
from arrowtap.checkpoint import Lease, open_checkpoint
from arrowtap.checkpoint.sqlite import checkpoint_names
from arrowtap.cli.running import HELD
from arrowtap.connectors.pvarchiver.samples import checkpoint_name
from arrowtap.io.crashpoints import CRASHPOINTS
from arrowtap.io.delta_types import delta_schema, table_to_delta
from arrowtap.testing.delta import read_delta_table
from arrowtap.testing.pvarchiver import Faults

from .conftest import END, same_rows
from .test_crash import command
from .test_faults import FAST, KINDS

pytestmark = pytest.mark.slow


def table_of(path: Path) -> pa.Table:
    """The Delta table's rows in (channel, time) order, typed as arrowtap wrote them."""
    table = read_delta_table(path)
    schema = delta_schema(arrowtap.SAMPLE_SCHEMA)
    table = table.select(schema.names).cast(pa.schema([f.with_nullable(True) for f in schema]))
    return table.sort_by([("channel", "ascending"), ("time_ns", "ascending")]).combine_chunks()


def truth_of(url: str, names: list[str]) -> pa.Table:
    truth = table_to_delta(arrowtap.scan_archive_samples(url, names, 0, END, unit="ns").read_all())
    truth = truth.cast(pa.schema([f.with_nullable(True) for f in truth.schema]))
    return truth.sort_by([("channel", "ascending"), ("time_ns", "ascending")]).combine_chunks()


def assert_only_the_table(root: Path) -> None:
    """No checkpoint store: beside each table only its lease file, holding no section."""
    for found in root.rglob("*.sqlite"):
        assert found.name.endswith(".checkpoint.sqlite"), found
        assert (found.parent / found.name.removesuffix(".checkpoint.sqlite")).is_dir(), found
        for name in checkpoint_names(found):
            with open_checkpoint(found, name) as store:
                assert store.keys() == [], f"{found}: offsets outside the table"


def test_sigkill_at_every_crash_point_of_every_page(
    setup: Any, crash_injector: Any, tmp_path: Path
) -> None:
    url, names, _, pages = setup
    truth = truth_of(url, names)
    for point in CRASHPOINTS:
        for n in range(1, pages + 1):
            table = tmp_path / f"{point}-{n}"
            runner = crash_injector(command(url, names, f"delta:{table}"))  # type: ignore[arg-type]
            killed = runner.run(crashpoint=f"{point}:{n}")
            assert killed.killed, (point, n, killed.stderr[-2000:])
            done = runner.run()
            assert done.returncode == 0, done.stderr[-2000:]
            assert same_rows(table_of(table), truth), (point, n)
    assert_only_the_table(tmp_path)


def test_sigkill_at_random_moments(setup: Any, crash_injector: Any, tmp_path: Path) -> None:
    url, names, _, _ = setup
    truth = truth_of(url, names)
    runner = crash_injector(command(url, names, f"delta:{tmp_path / 'timing'}"))  # type: ignore[arg-type]
    began = time.monotonic()
    assert runner.run().returncode == 0
    full = time.monotonic() - began
    rng = random.Random(20261207)
    kills = completions = 0
    table = tmp_path / "random-0"
    for attempt in range(60):  # bounded; stops after 20 kills
        table = tmp_path / f"random-{completions}"
        runner = crash_injector(command(url, names, f"delta:{table}"))  # type: ignore[arg-type]
        run = runner.run(kill_after=rng.uniform(0.05, 0.95) * full)
        assert run.killed or run.returncode == 0, run.stderr[-2000:]
        if run.killed:
            kills += 1
        else:
            assert same_rows(table_of(table), truth), attempt
            completions += 1
        if kills >= 20:
            break
    assert kills >= 20
    assert runner.run().returncode == 0
    assert same_rows(table_of(table), truth)
    assert_only_the_table(tmp_path)


def test_a_sync_through_faults_is_identical(fake_archiver: Any, tmp_path: Path) -> None:
    url = fake_archiver.url
    names = arrowtap.find_archive_channels(url, "*")
    truth = truth_of(url, names)
    fake_archiver.faults = Faults(rate=0.2, kinds=KINDS, retry_after=0.01, slow_delay=0.05, seed=7)
    table = tmp_path / "table"
    summary = arrowtap.sync_archive_samples(
        url, names, 0, END, to=f"delta:{table}", page_size=300, retry=FAST, unit="ns"
    )
    assert fake_archiver.stats.faults_total >= 5
    assert summary.rows == truth.num_rows
    assert same_rows(table_of(table), truth)


def test_ten_syncs_at_once_into_one_table_lose_and_double_nothing(
    fake_archiver: Any, tmp_path: Path
) -> None:
    # Each sync holds the table's lease (beside it): one writes, the others exit at once
    # with the typed "destination is held" error naming a holder that synced.
    url = fake_archiver.url
    names = arrowtap.find_archive_channels(url, "*")[:6]
    table = tmp_path / "table"
    args = command(url, names, f"delta:{table}")  # type: ignore[arg-type]
    refused = 0
    for _ in range(3):
        results = run_all([args] * 10)
        synced = {pid for pid, code, _ in results if code == 0}
        assert synced, results
        for pid, code, err in results:
            if code != 0:
                assert code == HELD, (pid, code, err[-2000:])
                assert "DestinationHeldError" in err, err[-2000:]
                holder = re.search(r"held by another writer: host \S+ pid (\d+)", err)
                assert holder, err[-2000:]
                assert int(holder.group(1)) in synced, err[-2000:]
                refused += 1
    print(f"3 rounds of 10: {refused} refused as held")
    # While this process holds the lease: every sync is refused at once and writes nothing.
    version = DeltaTable(str(table)).version()
    lease_file = tmp_path / "table.checkpoint.sqlite"
    with open_checkpoint(lease_file, checkpoint_name(url)) as store:
        lease = Lease(store)
        lease.acquire()
        try:
            for _, code, err in run_all([args] * 10):
                assert code == HELD, err[-2000:]
                assert f"pid {os.getpid()}, since " in err, err[-2000:]
            assert DeltaTable(str(table)).version() == version
            # With --wait they queue up and each takes its turn once the lease is free.
            release = threading.Timer(1.0, lease.release)
            release.start()
            waited = run_all([[*args, "--wait", "600"]] * 10)
            release.join()
        finally:
            lease.release()
    assert all(code == 0 for _, code, _ in waited), waited
    assert subprocess.run(args, capture_output=True, timeout=300).returncode == 0
    written = table_of(table)
    keys = zip(written["channel"].to_pylist(), written["time_ns"].to_pylist(), strict=True)
    assert written.num_rows == len(set(keys)), "a sample twice"
    assert same_rows(written, truth_of(url, names))
    assert_only_the_table(tmp_path)


def run_all(commands: list[list[str]]) -> list[tuple[int, int, str]]:
    """Start the commands at once; (pid, exit code, stderr) of each."""
    runs = [subprocess.Popen(c, stdout=PIPE, stderr=PIPE, text=True) for c in commands]
    results = []
    try:
        for run in runs:
            _, err = run.communicate(timeout=300)
            results.append((run.pid, run.returncode, err))
    finally:
        for run in runs:
            if run.poll() is None:
                run.kill()
                run.communicate()
    return results
