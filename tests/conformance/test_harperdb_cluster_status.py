"""HarperDB cluster status (two real nodes replicating): a snapshot of node 1's peers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow.compute as pc
import pytest

from arrowtap.io.crashpoints import CRASHPOINTS
from arrowtap.io.sync import SNAPSHOT_FIELD
from arrowtap.testing.harperdb import HarperDBCluster

from .suite import Case, SourceSuite, same_rows

# The columns that stay the same from one snapshot to the next in a settled cluster
# (latencies and last-received times change between any two requests).
STABLE = ["node_name", "peer_name", "peer_url", "replicates", "database"]


class TestHarperDBClusterStatus(SourceSuite):
    source = "harperdb_cluster_status"

    @pytest.fixture
    def case(self, harperdb_cluster: HarperDBCluster) -> Case:
        node = harperdb_cluster.nodes[0]
        return Case(
            args=(node.url,),
            kwargs={"username": node.username, "password": node.password, "columns": STABLE},
            keys=["peer_name", "database"],
            server_port=node.ports["ops"],
        )

    @pytest.mark.parametrize("point", CRASHPOINTS)
    def test_a_sync_killed_at_a_commit_point_then_rerun_equals_a_one_shot_read(
        self, case: Case, tmp_path: Path, point: str
    ) -> None:
        # The suite's version kills at the second pass first, then counts one snapshot:
        # a one-page snapshot passes each point once per run, so its first run completes
        # and the dataset ends with two or three. Here: killed at the first pass, then run
        # again; every snapshot in the dataset is whole, and only committed ones are there.
        to = tmp_path / "out"
        env = {k: v for k, v in os.environ.items() if k != "ARROWTAP_CRASHPOINT"}
        killed = subprocess.run(
            [sys.executable, "-c", self._sync_code(case, to)],
            env=env | {"ARROWTAP_CRASHPOINT": f"{point}:1"},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert killed.returncode == -9, killed.stderr[-2000:]
        self.sync(case, to)
        written = self.dataset(to)
        truth = self.truth(case)
        stamps = written[SNAPSHOT_FIELD.name].unique()
        assert len(stamps) == (2 if point == "after_commit" else 1)
        for stamp in stamps:
            one = written.filter(pc.equal(written[SNAPSHOT_FIELD.name], stamp))
            assert one.num_rows == truth.num_rows
            assert same_rows(one, truth, case.keys)
