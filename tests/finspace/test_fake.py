"""The fake FinSpace speaks rest-json as the model and AWS say, in a thread or a process."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from arrowtap.connectors.finspace import listings as fs
from arrowtap.connectors.finspace.listing_source import ListingSource
from arrowtap.connectors.finspace.wire.auth import resolve_auth
from arrowtap.testing.finspace import TEST_CREDENTIALS, FakeFinSpace, environment_id
from arrowtap.testing.finspace.sigv4 import verify

HTTP = httpx.Client(verify=False)  # building an SSL context per call would cost 50 ms


@pytest.fixture(scope="module", autouse=True)
def close_http() -> Iterator[None]:
    yield
    HTTP.close()


def signed_get(fake: FakeFinSpace, path: str, **sign: Any) -> httpx.Response:
    auth = resolve_auth(fake.region, fake.url, sign.pop("credentials", TEST_CREDENTIALS))
    url = fake.url + path
    headers = auth.sign("GET", url)
    headers.update(sign.pop("headers", {}))
    return HTTP.get(url, headers=headers)


def test_answers_as_rest_json(fake_finspace: FakeFinSpace) -> None:
    env = fake_finspace.environment_id
    reply = signed_get(fake_finspace, f"/kx/environments/{env}/clusters?maxResults=3")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.headers["x-amzn-RequestId"]
    body = reply.json()
    assert set(body) == {"kxClusterSummaries", "nextToken"}
    first = body["kxClusterSummaries"][0]
    assert isinstance(first["createdTimestamp"], float)  # epoch seconds, not milliseconds
    assert 1.6e9 < first["createdTimestamp"] < 2e9


def test_validation_errors_name_every_constraint(fake_finspace: FakeFinSpace) -> None:
    reply = signed_get(
        fake_finspace, "/kx/environments/BAD-ID/clusters?maxResults=101&clusterType=X"
    )
    assert reply.status_code == 400
    assert reply.headers["x-amzn-ErrorType"].startswith("ValidationException:")
    message = reply.json()["message"]
    assert message.startswith("3 validation errors detected: ")
    assert "Value 'BAD-ID' at 'environmentId' failed to satisfy constraint" in message
    assert "Member must have value less than or equal to 100" in message
    assert "Member must satisfy enum value set: [HDB, RDB, GATEWAY, GP, TICKERPLANT]" in message


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({"Authorization": ""}, 403, "MissingAuthenticationTokenException"),
        ({"Authorization": "AWS4-HMAC-SHA256 garbage"}, 400, "IncompleteSignatureException"),
        ({"X-Amz-Date": "20200101T000000Z"}, 403, "InvalidSignatureException"),
        ({"Host": "elsewhere.example"}, 403, "InvalidSignatureException"),
        ({"X-Amz-Security-Token": "not-expected"}, 403, "UnrecognizedClientException"),
    ],
)
def test_refuses_bad_signatures(
    fake_finspace: FakeFinSpace, headers: dict[str, str], status: int, code: str
) -> None:
    reply = signed_get(fake_finspace, "/kx/environments", headers=headers)
    assert (reply.status_code, reply.headers["x-amzn-ErrorType"].split(":")[0]) == (status, code)
    assert "message" in reply.json()


def test_signature_expired_and_scope() -> None:
    now = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
    request = AWSRequest(method="GET", url="http://127.0.0.1:1/kx/environments", headers={})
    request.context["timestamp"] = "20240501T114000Z"
    request.headers["X-Amz-Date"] = "20240501T114000Z"
    creds = Credentials(
        TEST_CREDENTIALS["aws_access_key_id"], TEST_CREDENTIALS["aws_secret_access_key"]
    )
    signer = SigV4Auth(creds, "finspace", "us-east-1")
    signature = signer.signature(
        signer.string_to_sign(request, signer.canonical_request(request)), request
    )
    request.headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={signer.scope(request)}, SignedHeaders=host;x-amz-date, "
        f"Signature={signature}"
    )
    headers = dict(request.headers) | {"Host": "127.0.0.1:1"}
    late = verify("GET", "/kx/environments", headers, region="us-east-1", now=now)
    assert late is not None
    assert late.message.startswith("Signature expired: 20240501T114000Z")
    on_time = now - dt.timedelta(minutes=19)
    assert verify("GET", "/kx/environments", headers, region="us-east-1", now=on_time) is None
    assert verify("GET", "/kx/environments", headers, region="us-east-1", service="s3",
                  now=on_time).code == "InvalidSignatureException"  # type: ignore[union-attr]  # fmt: skip
    tampered = verify("GET", "/kx/environments?x=1", headers, region="us-east-1", now=on_time)
    assert tampered is not None
    assert "Canonical String" in tampered.message


def test_unknown_routes_and_tokens(fake_finspace: FakeFinSpace) -> None:
    assert signed_get(fake_finspace, "/kx/nothing").status_code == 404
    env = fake_finspace.environment_id
    bad = signed_get(fake_finspace, f"/kx/environments/{env}/clusters?nextToken=AAAA")
    assert bad.status_code == 400
    assert bad.json() == {"message": "Invalid nextToken."}
    other = signed_get(fake_finspace, f"/kx/environments/{env}/databases?maxResults=1").json()
    cross = signed_get(
        fake_finspace, f"/kx/environments/{env}/clusters?nextToken={other['nextToken']}"
    )
    assert cross.status_code == 400  # a token is bound to its listing


def test_throttle_rate_is_exact_per_hundred() -> None:
    with FakeFinSpace(clusters=1000, environments=1, throttle_rate=0.3, seed=7) as fake:
        for _ in range(200):
            signed_get(fake, "/kx/environments")
        assert fake.stats.throttled == 60  # exactly the rate, per 100 requests
        assert fake.stats.errors["ThrottlingException"] == fake.stats.throttled
        assert fake.stats.statuses[429] == fake.stats.throttled


def test_tokens_survive_changes_between_pages(fake_finspace: FakeFinSpace) -> None:
    env, world = fake_finspace.environment_id, fake_finspace.world
    # The source itself, not a stream: a stream reads pages ahead of its consumer.
    source = ListingSource("ListKxClusters", page_size=10, **fake_finspace.options)
    with source:
        pages = source.read(source.partition(environmentId=env))
        names = next(pages).batch.column("clusterName").to_pylist()
        world.remove_cluster(env, "cluster-00005")  # already read
        world.remove_cluster(env, "cluster-00015")  # not yet read
        world.add_cluster(env, "cluster-00012a")
        for page in pages:
            names += page.batch.column("clusterName").to_pylist()
    assert len(names) == len(set(names)) == 25
    assert "cluster-00015" not in names
    assert "cluster-00012a" in names


def test_stats_endpoint(fake_finspace: FakeFinSpace) -> None:
    fs.read_finspace_environments(**fake_finspace.options)
    with urllib.request.urlopen(fake_finspace.url + "/_fake/stats") as reply:
        stats = json.load(reply)
    assert stats["requests"] == 1
    assert stats["operations"] == {"ListKxEnvironments": 1}


def test_command_line_ready_serve_and_sigterm() -> None:
    command = [sys.executable, "-m", "arrowtap.testing.finspace", "--port", "0",
               "--clusters", "120", "--throttle-rate", "0.25"]  # fmt: skip
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.startswith("READY http://127.0.0.1:")
        url = line.split()[1]
        keys = "aws_access_key_id=AKIDARROWTAPTEST0001 aws_secret_access_key="
        assert line.startswith(f"READY {url} {keys}")  # the test credentials it accepts
        assert line.endswith(" region=us-east-1\n")
        said = dict(word.split("=", 1) for word in line.split()[2:])
        credentials = {k: said[k] for k in ("aws_access_key_id", "aws_secret_access_key")}
        assert credentials == TEST_CREDENTIALS
        df = fs.read_finspace_clusters(
            environment_id(0), region=said["region"], endpoint_url=url, credentials=credentials
        )
        assert len(df) == 120
        started = time.monotonic()
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=10)
        assert child.returncode == 0, err
        assert (out, err) == ("", "")
        assert time.monotonic() - started < 5
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()


def test_stop_releases_the_port() -> None:
    fake = FakeFinSpace().start()
    url = fake.url
    fake.stop()
    fake.stop()  # idempotent
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/_fake/stats")
