"""A checkpointed listing killed midway resumes from its token: every cluster exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pyarrow as pa
import pytest

from arrowtap.checkpoint import open_checkpoint
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.finspace import listings as fs
from arrowtap.errors import BadRequestError, CheckpointError, UnavailableError
from arrowtap.testing.finspace import FakeFinSpace

FAST = RetryPolicy(attempts=8, initial=0.001, maximum=0.01, jitter=0.0)


class Stop(Exception):
    pass


def consume(reader: pa.RecordBatchReader, into: list[str], limit: int | None = None) -> None:
    """Append the names of each batch to ``into``; raise Stop when handed batch ``limit + 1``."""
    for i, batch in enumerate(reader):
        if limit is not None and i == limit:
            raise Stop
        into += batch.column("clusterName").to_pylist()


@pytest.mark.parametrize("stop_after", [0, 1, 5, 9])
def test_raise_after_k_pages_then_resume(tmp_path: Path, stop_after: int) -> None:
    ckpt = tmp_path / "listings.db"
    with FakeFinSpace(clusters=95, throttle_rate=0.2) as fake:
        env = fake.environment_id
        options = fake.options | {"page_size": 10, "retry": FAST}
        names: list[str] = []
        with pytest.raises(Stop):
            consume(fs.scan_finspace_clusters(env, checkpoint=ckpt, **options), names, stop_after)
        assert len(names) == 10 * stop_after
        consume(fs.scan_finspace_clusters(env, checkpoint=ckpt, **options), names)
        assert names == sorted(fake.world.clusters[env])  # each once, in order
        # Only the page in hand when the first run stopped was fetched twice.
        assert fake.stats.operations["ListKxClusters"] == 10 + 1


def test_many_interrupted_runs(tmp_path: Path) -> None:
    ckpt = tmp_path / "listings.db"
    with FakeFinSpace(clusters=42) as fake:
        env = fake.environment_id
        options = fake.options | {"page_size": 5}
        names: list[str] = []
        for limit in (2, 3, 0, 1):
            with pytest.raises(Stop):
                consume(fs.scan_finspace_clusters(env, checkpoint=ckpt, **options), names, limit)
        consume(fs.scan_finspace_clusters(env, checkpoint=ckpt, **options), names)
        assert names == sorted(fake.world.clusters[env])
        # A finished listing starts afresh next time.
        again: list[str] = []
        consume(fs.scan_finspace_clusters(env, checkpoint=ckpt, **options), again)
        assert again == names


def test_read_continues_an_interrupted_scan(tmp_path: Path) -> None:
    ckpt = tmp_path / "listings.db"
    with FakeFinSpace(clusters=30) as fake:
        env = fake.environment_id
        options = fake.options | {"page_size": 10}
        with pytest.raises(Stop):
            consume(fs.scan_finspace_clusters(env, checkpoint=ckpt, **options), [], 1)
        rest = fs.read_finspace_clusters(env, checkpoint=ckpt, **options)
        assert rest["clusterName"].tolist() == sorted(fake.world.clusters[env])[10:]
        whole = fs.read_finspace_clusters(env, checkpoint=ckpt, **options)
        assert len(whole) == 30


def test_a_frame_that_fails_midway_commits_nothing(tmp_path: Path) -> None:
    ckpt = tmp_path / "listings.db"
    with FakeFinSpace(clusters=30) as fake:
        env = fake.environment_id

        def fail_the_second_page(response: httpx.Response) -> None:
            if response.status_code == 200:
                fake.fail_next("InternalServerException")

        failing = httpx.Client(event_hooks={"response": [fail_the_second_page]})
        options = fake.options | {"page_size": 10, "retry": RetryPolicy(attempts=1)}
        with failing, pytest.raises(UnavailableError, match="InternalServerException"):
            fs.read_finspace_clusters(env, checkpoint=ckpt, client=failing, **options)
        assert fake.stats.operations["ListKxClusters"] == 1  # one page served, then a 500
        df = fs.read_finspace_clusters(env, checkpoint=ckpt, **options)
        assert len(df) == 30  # nothing was lost: the frame starts over


def test_checkpoint_object_is_left_open(tmp_path: Path) -> None:
    with FakeFinSpace(clusters=12) as fake, open_checkpoint(tmp_path / "c.db", "mine") as store:
        env = fake.environment_id
        reader = fs.scan_finspace_clusters(env, checkpoint=store, page_size=5, **fake.options)
        with pytest.raises(Stop):
            consume(reader, [], 1)
        state = store.read_json(f"finspace:us-east-1:ListKxClusters:environmentId={env}")
        assert isinstance(state, dict)
        assert state["seq"] == 1
        assert state["token"]
        assert state["done"] is None
        rest = fs.read_finspace_clusters(env, checkpoint=store, page_size=5, **fake.options)
        assert len(rest) == 7
        assert store.is_active  # still open


def test_a_foreign_section_is_refused(tmp_path: Path) -> None:
    with FakeFinSpace(clusters=3) as fake, open_checkpoint(tmp_path / "c.db", "x") as store:
        env = fake.environment_id
        store.write_json({f"finspace:us-east-1:ListKxClusters:environmentId={env}": [1, 2]})
        with pytest.raises(CheckpointError, match="does not hold a listing state"):
            fs.read_finspace_clusters(env, checkpoint=store, **fake.options)


def test_a_stale_token_fails_loudly(tmp_path: Path) -> None:
    ckpt = tmp_path / "listings.db"
    with FakeFinSpace(clusters=30) as fake:
        env = fake.environment_id
        key = f"finspace:us-east-1:ListKxClusters:environmentId={env}"
        with open_checkpoint(ckpt, "finspace-listings") as store:
            store.write_json({key: {"gen": 1, "token": "Zm9yZ2Vk", "seq": 1, "done": None}})
        with pytest.raises(BadRequestError, match="Invalid nextToken"):
            fs.read_finspace_clusters(env, checkpoint=ckpt, **fake.options)


CHILD = textwrap.dedent(
    """
    import json, os, sys, time
    from arrowtap.connectors.finspace import listings as fs
    from arrowtap.testing.finspace import TEST_CREDENTIALS
    url, env, ckpt, out = sys.argv[1:5]
    reader = fs.scan_finspace_clusters(env, checkpoint=ckpt, page_size=10, region="us-east-1",
                                 endpoint_url=url, credentials=TEST_CREDENTIALS)
    for batch in reader:
        names = batch.column("clusterName").to_pylist()
        # Idempotent by content: a page delivered again rewrites the same file.
        path = os.path.join(out, names[0] + ".json")
        with open(path + ".tmp", "w") as handle:
            json.dump(names, handle)
        os.replace(path + ".tmp", path)
        time.sleep(0.05)
    print("DONE", flush=True)
    """
)


def test_sigkill_midway_then_resume(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    ckpt = tmp_path / "listings.db"
    with FakeFinSpace(clusters=300) as fake:
        command = [sys.executable, str(script), fake.url, fake.environment_id, str(ckpt), str(out)]
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while len(list(out.glob("*.json"))) < 8 and time.monotonic() < deadline:
                time.sleep(0.01)
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=10)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        assert child.returncode == -signal.SIGKILL
        killed_after = fake.stats.operations["ListKxClusters"]
        assert 8 <= killed_after < 30
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
        assert done.stdout.strip() == "DONE"
        pages = [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]
        names = [n for page in pages for n in page]
        assert sorted(names) == sorted(fake.world.clusters[fake.environment_id])
        assert len(names) == len(set(names)) == 300
        # The second run resumed: at most the page in hand was fetched again.
        assert fake.stats.operations["ListKxClusters"] <= 30 + 1
