"""SIGKILL a process syncing a monitored table while rows pour in; the dataset holds each once."""

from __future__ import annotations

import random
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from arrowtap.testing.crash import CrashInjector
from arrowtap.testing.kinetica import FakeKinetica

pytestmark = pytest.mark.slow

BATCHES, ROWS = 200, 500
COLUMNS = [
    ("id", "long", "primary_key"),
    ("x", "double"),
    ("s", "string", "nullable"),
]
SUBSCRIBER = """
import sys
from arrowtap.connectors.kinetica.monitor import sync_kinetica_monitor
url, zmq_url, out = sys.argv[1:4]
summary = sync_kinetica_monitor(url, "t", to=out, increasing_column="id",
                                stop_when_idle=float(sys.argv[4]), monitor_url=zmq_url)
print("ROWS", summary.rows)
"""


class Inserter(threading.Thread):
    """Insert BATCHES batches of ROWS rows (ids 0..N-1), pausing a little between them."""

    def __init__(self, fake: FakeKinetica, pause: float) -> None:
        super().__init__(name="inserter", daemon=True)
        self.fake, self.pause = fake, pause
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for b in range(BATCHES):
                base = b * ROWS
                rows = [
                    {"id": base + i, "x": (base + i) / 2, "s": None if i % 7 == 0 else f"r{i}"}
                    for i in range(ROWS)
                ]
                self.fake.insert("t", rows)
                time.sleep(self.pause)
        except BaseException as exc:  # reported by the test
            self.error = exc


def written_ids(out: Path) -> np.ndarray:
    files = sorted(p for p in out.rglob("part-*.parquet"))
    ids = [pq.read_table(f, columns=["id"])["id"].to_numpy() for f in files]
    return np.sort(np.concatenate(ids)) if ids else np.array([], dtype=np.int64)


def kill_while_inserting(
    fake: FakeKinetica,
    tmp_path: Path,
    crash_injector: Callable[..., CrashInjector],
    seed: int,
) -> None:
    fake.create_table("t", COLUMNS)
    out = tmp_path / "dataset"
    command = [sys.executable, "-c", SUBSCRIBER, fake.url, fake.monitor_url, str(out), "3"]
    runner = crash_injector(command, timeout=240)
    inserter = Inserter(fake, pause=0.08)
    rng = random.Random(seed)
    inserter.start()
    kills, partial = 0, []
    for _ in range(8):  # bounded: a few runs killed while the rows come in
        if not inserter.is_alive():
            break
        run = runner.run(kill_after=rng.uniform(3.5, 6.0))
        assert run.killed or run.returncode == 0, run.stderr[-3000:]
        kills += run.killed
        partial.append(len(written_ids(out)))
    inserter.join(timeout=120)
    assert inserter.error is None, inserter.error
    # Runs were killed in the middle of the stream, after writing some rows.
    assert kills >= 2, partial
    assert any(0 < n < BATCHES * ROWS for n in partial), partial
    final = runner.run()
    assert final.returncode == 0, final.stderr[-3000:]
    ids = written_ids(out)
    assert len(ids) == BATCHES * ROWS, (len(ids), len(np.unique(ids)))
    assert np.array_equal(ids, np.arange(BATCHES * ROWS))
    assert fake.monitors == {}  # the killed runs' monitors were cleared by the next run


def test_sigkill_and_restart_deliver_every_row_once(tmp_path, crash_injector) -> None:  # type: ignore[no-untyped-def]
    with FakeKinetica() as fake:
        kill_while_inserting(fake, tmp_path, crash_injector, seed=20260101)


def test_sigkill_and_restart_with_lost_messages(tmp_path, crash_injector) -> None:  # type: ignore[no-untyped-def]
    with FakeKinetica(zmq_drop_rate=0.05, seed=7) as fake:
        kill_while_inserting(fake, tmp_path, crash_injector, seed=20260202)
        assert fake.publisher.monitors == {}
