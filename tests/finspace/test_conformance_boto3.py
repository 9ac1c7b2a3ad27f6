"""boto3, reading the FinSpace model from tests/data/aws-models, agrees with the fake and arrowtap.

boto3 is the independent client: if it parses what the fake sends (URIs,
query names, epoch-second timestamps, error headers) into the same items
arrowtap returns, both the fake and arrowtap follow the model.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from arrowtap.connectors.finspace import listings as fs
from arrowtap.testing.finspace import FakeFinSpace

from .conftest import MODELS
from .normalise import boto_ns, expected_rows, round_to_us, table_rows

TIMESTAMPS = {
    "ListKxClusters": ["createdTimestamp", "lastModifiedTimestamp"],
    "ListKxEnvironments": ["creationTimestamp", "updateTimestamp"],
    "ListKxDatabases": ["createdTimestamp", "lastModifiedTimestamp"],
    "ListKxChangesets": ["createdTimestamp", "activeFromTimestamp", "lastModifiedTimestamp"],
    "ListKxClusterNodes": ["launchTime"],
}


@pytest.fixture
def models(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AWS_DATA_PATH", str(MODELS))
    return MODELS


@pytest.fixture
def fake() -> Iterator[FakeFinSpace]:
    with FakeFinSpace(clusters=230, environments=5) as server:
        yield server


def client(fake: FakeFinSpace, **config: Any) -> Any:
    creds = fake.credentials
    return boto3.session.Session().client(
        "finspace",
        region_name=fake.region,
        endpoint_url=fake.url,
        aws_access_key_id=creds["aws_access_key_id"],
        aws_secret_access_key=creds["aws_secret_access_key"],
        config=Config(**config),
    )


def test_boto3_loads_the_test_model(models: Path) -> None:
    session = botocore.session.get_session()
    assert os.fspath(models) in session.get_config_variable("data_path")
    loader = session.get_component("data_loader")
    assert os.fspath(models) in loader.search_paths
    _, path = loader.load_data_with_path("finspace/2021-03-12/service-2")
    assert Path(path).resolve().is_relative_to(models)


def boto_list(api: Any, method: str, key: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token = None
    while True:
        page = getattr(api, method)(**params, **({"nextToken": token} if token else {}))
        items += page.get(key, [])
        token = page.get("nextToken")
        if token is None:
            return items


def agree(operation: str, boto_items: list[dict[str, Any]], table: Any) -> None:
    ours = round_to_us(table_rows(table), TIMESTAMPS[operation])
    theirs = expected_rows(operation, boto_items, ts=boto_ns)
    assert len(ours) == len(theirs) > 0
    assert ours == theirs


def test_clusters_and_environments_agree(models: Path, fake: FakeFinSpace) -> None:
    api = client(fake)
    env = fake.environment_id
    clusters = boto_list(
        api, "list_kx_clusters", "kxClusterSummaries", environmentId=env, maxResults=37
    )
    agree("ListKxClusters", clusters, fs.scan_finspace_clusters(env, **fake.options).read_all())
    gateways = boto_list(
        api, "list_kx_clusters", "kxClusterSummaries", environmentId=env, clusterType="GATEWAY"
    )
    agree(
        "ListKxClusters",
        gateways,
        fs.scan_finspace_clusters(env, "GATEWAY", **fake.options).read_all(),
    )
    paginator = api.get_paginator("list_kx_environments")
    pages = list(paginator.paginate(PaginationConfig={"PageSize": 2}))
    assert len(pages) == 3
    environments = [e for page in pages for e in page["environments"]]
    agree(
        "ListKxEnvironments", environments, fs.scan_finspace_environments(**fake.options).read_all()
    )


def test_other_listings_agree(models: Path, fake: FakeFinSpace) -> None:
    api = client(fake)
    env = fake.environment_id
    databases = boto_list(api, "list_kx_databases", "kxDatabases", environmentId=env)
    agree("ListKxDatabases", databases, fs.scan_finspace_databases(env, **fake.options).read_all())
    changesets = boto_list(
        api, "list_kx_changesets", "kxChangesets", environmentId=env, databaseName="db_001"
    )
    agree(
        "ListKxChangesets",
        changesets,
        fs.scan_finspace_changesets(env, "db_001", **fake.options).read_all(),
    )
    nodes = boto_list(
        api, "list_kx_cluster_nodes", "nodes", environmentId=env, clusterName="cluster-00002"
    )
    agree(
        "ListKxClusterNodes",
        nodes,
        fs.scan_finspace_cluster_nodes(env, "cluster-00002", **fake.options).read_all(),
    )


def test_boto3_reads_the_fakes_errors(models: Path, fake: FakeFinSpace) -> None:
    api = client(fake, retries={"max_attempts": 1, "mode": "standard"})
    env = fake.environment_id
    # boto3 does not check maxResults' maximum: the fake answers as the service would.
    with pytest.raises(ClientError) as info:
        api.list_kx_clusters(environmentId=env, maxResults=1000)
    error = info.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert "less than or equal to 100" in error["Message"]
    with pytest.raises(api.exceptions.ResourceNotFoundException):
        api.list_kx_databases(environmentId="nosuchenv")
    fake.throttle_next(2)
    with pytest.raises(api.exceptions.ThrottlingException):
        api.list_kx_clusters(environmentId=env)
    assert fake.stats.throttled == 2  # boto3 retried once, as configured
    fake.fail_next("ConflictException", "busy")
    with pytest.raises(api.exceptions.ConflictException) as conflict:
        api.list_kx_clusters(environmentId=env)
    assert conflict.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_fake_refuses_boto3_with_a_wrong_secret(models: Path, fake: FakeFinSpace) -> None:
    api = boto3.session.Session().client(
        "finspace",
        region_name=fake.region,
        endpoint_url=fake.url,
        aws_access_key_id=fake.credentials["aws_access_key_id"],
        aws_secret_access_key="wrong-secret",
    )
    with pytest.raises(ClientError) as info:
        api.list_kx_environments()
    assert info.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
