"""A Delta table in object storage: a local S3 endpoint (moto's server on 127.0.0.1).

Commits there are guarded by S3's conditional writes (``conditional_put=etag``:
a commit file is written only if absent), so two writers never both commit a
version, and the application transactions keep two syncs of one partition apart.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import boto3
import pyarrow as pa
import pytest
from moto.server import ThreadedMotoServer

import arrowtap
from arrowtap.errors import CheckpointNotActiveError
from arrowtap.io.contract import Partition, Plan
from arrowtap.io.delta import DeltaDestination, DeltaSink
from arrowtap.io.delta_types import table_to_delta
from arrowtap.io.offsets import PartitionState
from arrowtap.testing.delta import read_delta_table
from arrowtap.testing.pvarchiver import FakeArchiver

from .listsource import ListSource
from .test_delta import KEYS, rows

SECRET = "s3cr3t-key-never-shown"


@pytest.fixture
def s3() -> Iterator[dict[str, str]]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        options = {
            "AWS_ENDPOINT_URL": f"http://{host}:{port}",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": SECRET,
            "AWS_REGION": "us-east-1",
            "AWS_ALLOW_HTTP": "true",
            "conditional_put": "etag",
        }
        client = boto3.client(
            "s3", endpoint_url=options["AWS_ENDPOINT_URL"], region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key=SECRET,
        )  # fmt: skip
        client.create_bucket(Bucket="lake")
        client.close()
        yield options
    finally:
        server.stop()


def test_a_sync_into_s3_equals_a_one_shot_read_and_resumes(
    fake_archiver: FakeArchiver, s3: dict[str, str]
) -> None:
    sink = DeltaSink("s3://lake/samples", storage_options=s3)
    first = arrowtap.sync_archive_samples(fake_archiver.url, "*", 0, to=sink)
    second = arrowtap.sync_archive_samples(fake_archiver.url, "*", 0, to=sink)
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
