"""A Delta table in object storage: a local S3 endpoint (moto's server on 127.0.0.1).

A sync holds the lease of the ``checkpoint`` it is given (required: object
storage has no directory beside the table), so a second sync fails at once.
Below the lease, commits are guarded by S3's conditional writes
(``conditional_put=etag``: a commit file is written only if absent), so two
writers never both commit a version, and the application transactions keep two
writers of one partition apart.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

import arrowtap
from arrowtap.checkpoint import Lease, open_checkpoint
from arrowtap.connectors.pvarchiver.samples import checkpoint_name
from arrowtap.errors import CheckpointNotActiveError, DestinationHeldError
from arrowtap.io.contract import Partition, Plan
from arrowtap.io.delta import DeltaDestination, DeltaSink
from arrowtap.io.delta_types import table_to_delta
from arrowtap.io.offsets import PartitionState
from arrowtap.testing.delta import read_delta_table
from arrowtap.testing.pvarchiver import FakeArchiver

from .conftest import SECRET
from .listsource import ListSource
from .test_delta import KEYS, rows


def test_a_sync_into_s3_equals_a_one_shot_read_and_resumes(
    fake_archiver: FakeArchiver, s3: dict[str, str], tmp_path: Path
) -> None:
    sink = DeltaSink("s3://lake/samples", storage_options=s3)
    lease = tmp_path / "lease.sqlite"  # every writer's: a shared path or a HarperDB URL
    first = arrowtap.sync_archive_samples(fake_archiver.url, "*", 0, to=sink, checkpoint=lease)
    with open_checkpoint(lease, checkpoint_name(fake_archiver.url)) as store:
        with Lease(store), pytest.raises(DestinationHeldError):
            arrowtap.sync_archive_samples(fake_archiver.url, "*", 0, to=sink, checkpoint=lease)
        assert store.keys() == []  # the offsets are in the table
    second = arrowtap.sync_archive_samples(fake_archiver.url, "*", 0, to=sink, checkpoint=lease)
    truth = table_to_delta(arrowtap.scan_archive_samples(fake_archiver.url, "*", 0).read_all())
    assert (first.rows, second.rows) == (truth.num_rows, 0)
    written = read_delta_table(sink.path, s3)
    assert rows(written, KEYS) == rows(truth, KEYS)
    assert SECRET not in repr(sink)


def test_two_writers_of_one_partition_on_s3_commit_once(s3: dict[str, str]) -> None:
    sink = DeltaSink("s3://lake/t", storage_options=s3)
    plan = Plan(ListSource(n=3), [Partition("a")], "test")
    one, two = DeltaDestination(sink, plan), DeltaDestination(sink, plan)
    for writer in (one, two):
        writer.load("a")
        writer.write("a", 0, pa.record_batch({"key": ["a"], "i": [0]}))
    one.commit({"a": PartitionState(0, 1)})
    with pytest.raises(CheckpointNotActiveError):
        two.commit({"a": PartitionState(0, 1)})
    assert read_delta_table(sink.path, s3).num_rows == 1
