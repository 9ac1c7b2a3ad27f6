"""A local S3 endpoint for the sinks' object-storage tests: moto's server on 127.0.0.1."""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

SECRET = "s3cr3t-key-never-shown"
BUCKET = "lake"


@pytest.fixture
def s3() -> Iterator[dict[str, str]]:
    """A fresh S3 endpoint with the bucket ``lake``; deltalake's storage options for it."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        # moto's backends live in this process, shared by every server it starts: empty them.
        urllib.request.urlopen(urllib.request.Request(f"http://{host}:{port}/moto-api/reset",
                                                      method="POST")).close()  # fmt: skip
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
        client.create_bucket(Bucket=BUCKET)
        client.close()
        yield options
    finally:
        server.stop()


@pytest.fixture
def s3_env(s3: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The endpoint and credentials in the environment, where pyarrow's S3 client reads them."""
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"):
        monkeypatch.setenv(name, s3[name])
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return s3
