"""Every listing read from the fake equals the fake's ground truth, page size whatever."""

from __future__ import annotations

import math
from typing import Any

import botocore.session
import pandas as pd
import pytest

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.finspace import listings as fs
from arrowtap.errors import InvalidArgumentError, NotFoundError, UnavailableError
from arrowtap.testing.finspace import SESSION_CREDENTIALS, TEST_CREDENTIALS, FakeFinSpace
from arrowtap.testing.finspace.routes import DEFAULT_PAGE_SIZE

from .normalise import expected_rows, table_rows

FAST = RetryPolicy(attempts=4, initial=0.001, maximum=0.01, jitter=0.0)


def by(key: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: r[key])


@pytest.mark.parametrize(
    ("page_size", "requests"),
    [(1, 57), (7, 9), (100, 1), (None, math.ceil(57 / DEFAULT_PAGE_SIZE)), (0, 6)],
)
def test_clusters_equal_ground_truth(
    small_fake: FakeFinSpace, page_size: int | None, requests: int
) -> None:
    env = small_fake.environment_id
    reader = fs.scan_finspace_clusters(env, page_size=page_size, **small_fake.options)
    table = reader.read_all()
    truth = small_fake.world.clusters[env].values()
    assert table_rows(table) == by("clusterName", expected_rows("ListKxClusters", truth))
    assert small_fake.stats.operations["ListKxClusters"] == requests


def test_cluster_type_filter(small_fake: FakeFinSpace) -> None:
    env = small_fake.environment_id
    df = fs.read_finspace_clusters(env, "RDB", **small_fake.options)
    want = sorted(n for n, c in small_fake.world.clusters[env].items() if c["clusterType"] == "RDB")
    assert df["clusterName"].tolist() == want
    assert set(df["clusterType"]) == {"RDB"}
    assert list(df["clusterType"].cat.categories) == ["HDB", "RDB", "GATEWAY", "GP", "TICKERPLANT"]


def test_environments_databases_changesets_nodes(fake_finspace: FakeFinSpace) -> None:
    fake, world = fake_finspace, fake_finspace.world
    env = fake.environment_id
    cases = [
        ("ListKxEnvironments", fs.scan_finspace_environments(page_size=2, **fake.options),
         world.environments.values(), "environmentId"),
        ("ListKxDatabases", fs.scan_finspace_databases(env, page_size=3, **fake.options),
         world.databases[env].values(), "databaseName"),
        ("ListKxChangesets",
         fs.scan_finspace_changesets(env, "db_002", page_size=4, **fake.options),
         world.changesets[(env, "db_002")].values(), "changesetId"),
        ("ListKxClusterNodes", fs.scan_finspace_cluster_nodes(env, "cluster-00004", **fake.options),
         world.nodes(env, "cluster-00004").values(), "nodeId"),
    ]  # fmt: skip
    for operation, reader, truth, key in cases:
        assert table_rows(reader.read_all()) == by(key, expected_rows(operation, truth)), operation


def test_frames_have_exact_typed_columns(fake_finspace: FakeFinSpace) -> None:
    env = fake_finspace.environment_id
    df = fs.read_finspace_clusters(env, **fake_finspace.options)
    first = fake_finspace.world.clusters[env]["cluster-00000"]
    row = df.set_index("clusterName").loc["cluster-00000"]
    assert row["createdTimestamp"].value == round(first["createdTimestamp"] * 1000) * 10**6
    assert str(df["status"].dtype) == "category"
    assert str(df["clusterName"].dtype) == "string"
    assert str(df["lastModifiedTimestamp"].dtype) == "datetime64[ns, UTC]"
    envs = fs.read_finspace_environments(**fake_finspace.options)
    assert envs["availabilityZoneIds"].list.len().min() >= 1


def test_empty_listing_has_the_schema() -> None:
    with FakeFinSpace(databases=0) as fake:
        df = fs.read_finspace_databases(fake.environment_id, **fake.options)
        reader = fs.scan_finspace_databases(fake.environment_id, **fake.options)
        assert reader.read_all().num_rows == 0
    assert list(df.columns) == ["databaseName", "createdTimestamp", "lastModifiedTimestamp"]
    assert len(df) == 0
    assert str(df["createdTimestamp"].dtype) == "datetime64[ns, UTC]"


def test_unknown_resources_are_not_found(fake_finspace: FakeFinSpace) -> None:
    env = fake_finspace.environment_id
    with pytest.raises(NotFoundError, match="ResourceNotFoundException") as info:
        fs.read_finspace_clusters("nosuchenv", **fake_finspace.options)
    assert info.value.code == "ResourceNotFoundException"  # type: ignore[attr-defined]
    with pytest.raises(NotFoundError, match="Database db_999 not found"):
        fs.read_finspace_changesets(env, "db_999", **fake_finspace.options)
    with pytest.raises(NotFoundError, match="Cluster nope not found"):
        fs.read_finspace_cluster_nodes(env, "nope", **fake_finspace.options)


def test_path_labels_are_escaped_and_signed(fake_finspace: FakeFinSpace) -> None:
    # EnvironmentId allows any non-blank text: it must travel escaped, and still verify.
    with pytest.raises(NotFoundError, match=r"Environment a b/c\+d not found"):
        fs.read_finspace_databases("a b/c+d", **fake_finspace.options)


def test_throttling_is_retried(fake_finspace: FakeFinSpace) -> None:
    fake_finspace.throttle_next(3)
    df = fs.read_finspace_clusters(
        fake_finspace.environment_id, retry=FAST, **fake_finspace.options
    )
    assert len(df) == 25
    assert fake_finspace.stats.throttled == 3


def test_throttling_past_the_budget_fails(fake_finspace: FakeFinSpace) -> None:
    fake_finspace.throttle_next(4)
    with pytest.raises(UnavailableError, match="ThrottlingException: Rate exceeded") as info:
        fs.read_finspace_clusters(fake_finspace.environment_id, retry=FAST, **fake_finspace.options)
    assert info.value.status == 429
    assert fake_finspace.stats.throttled == 4


def test_retry_after_is_honoured(fake_finspace: FakeFinSpace) -> None:
    fake_finspace.retry_after = 0.01
    fake_finspace.throttle_next(2)
    slow = RetryPolicy(attempts=3, initial=30.0, jitter=0.0)  # would take a minute without it
    df = fs.read_finspace_databases(
        fake_finspace.environment_id, retry=slow, **fake_finspace.options
    )
    assert len(df) == 4


def test_session_credentials(fake_finspace: FakeFinSpace) -> None:
    options = fake_finspace.options | {"credentials": SESSION_CREDENTIALS}
    assert len(fs.read_finspace_environments(**options)) == 3


def test_standard_chain_and_configured_region(
    fake_finspace: FakeFinSpace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", SESSION_CREDENTIALS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SESSION_CREDENTIALS["aws_secret_access_key"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_CREDENTIALS["aws_session_token"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", fake_finspace.region)
    df = fs.read_finspace_environments(endpoint_url=fake_finspace.url)
    assert len(df) == 3


def test_botocore_session_gives_credentials_and_region(
    fake_finspace: FakeFinSpace, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = botocore.session.Session()
    session.set_credentials(
        TEST_CREDENTIALS["aws_access_key_id"], TEST_CREDENTIALS["aws_secret_access_key"]
    )
    session.set_config_variable("region", fake_finspace.region)
    df = fs.read_finspace_environments(endpoint_url=fake_finspace.url, credentials=session)
    assert len(df) == 3


def test_missing_credentials_or_region(fake_finspace: FakeFinSpace) -> None:
    with pytest.raises(InvalidArgumentError, match="no AWS credentials found"):
        fs.read_finspace_environments(endpoint_url=fake_finspace.url, region="us-east-1")
    with pytest.raises(InvalidArgumentError, match="no AWS region"):
        fs.read_finspace_environments(endpoint_url=fake_finspace.url, credentials=TEST_CREDENTIALS)
    with pytest.raises(InvalidArgumentError, match=r"got keys \['aws_access_key_id'\]"):
        fs.read_finspace_environments(region="us-east-1", credentials={"aws_access_key_id": "AKID"})
    with pytest.raises(InvalidArgumentError, match="invalid region"):
        fs.read_finspace_environments(region="us-east-1/../x", credentials=TEST_CREDENTIALS)
    with pytest.raises(InvalidArgumentError, match="endpoint_url"):
        fs.read_finspace_environments(
            region="us-east-1", endpoint_url="ftp://x", credentials=TEST_CREDENTIALS
        )


def test_wrong_region_is_refused_by_the_signature_check(fake_finspace: FakeFinSpace) -> None:
    options = fake_finspace.options | {"region": "eu-west-1"}
    with pytest.raises(PermissionError, match="Credential should be scoped to a valid region"):
        fs.read_finspace_environments(**options)


def test_large_listing_in_pages_of_100() -> None:
    with FakeFinSpace(clusters=10_000, environments=1) as fake:
        reader = fs.scan_finspace_clusters(fake.environment_id, **fake.options)
        sizes = [batch.num_rows for batch in reader]
        assert sizes == [100] * 100
        assert fake.stats.requests == 100


def test_source_pickles_without_live_clients(fake_finspace: FakeFinSpace) -> None:
    import pickle

    from arrowtap.connectors.finspace.listing_source import ListingSource

    source = ListingSource("ListKxDatabases", **fake_finspace.options)
    part = source.partition(environmentId=fake_finspace.environment_id)
    assert len(list(source.read(part))) == 1
    copy = pickle.loads(pickle.dumps(source))
    source.close()
    with copy:
        pages = list(copy.read(pickle.loads(pickle.dumps(part))))
    assert pages[-1].offset == {"nextToken": None}
    assert sum(p.batch.num_rows for p in pages) == 4


def test_columns_are_projected(fake_finspace: FakeFinSpace) -> None:
    env = fake_finspace.environment_id
    columns = ["status", "clusterName"]
    df = fs.read_finspace_clusters(env, columns=columns, **fake_finspace.options)
    whole = fs.read_finspace_clusters(env, **fake_finspace.options)
    pd.testing.assert_frame_equal(df, whole[columns])
    reader = fs.scan_finspace_clusters(env, columns=columns, page_size=10, **fake_finspace.options)
    assert reader.schema.names == columns
    assert [b.num_rows for b in reader] == [10, 10, 5]
    with pytest.raises(InvalidArgumentError, match="no column 'nope'"):
        fs.read_finspace_clusters(env, columns=["nope"], **fake_finspace.options)


def test_a_listing_is_not_read_incrementally(fake_finspace: FakeFinSpace, tmp_path: Any) -> None:
    env = fake_finspace.environment_id
    for function in (fs.read_finspace_clusters, fs.scan_finspace_clusters):
        with pytest.raises(TypeError, match="checkpoint"):
            function(env, checkpoint=tmp_path / "c.db", **fake_finspace.options)  # type: ignore[call-arg]
    first = fs.read_finspace_clusters(env, **fake_finspace.options)
    again = fs.read_finspace_clusters(env, **fake_finspace.options)
    pd.testing.assert_frame_equal(first, again)  # a state, read whole each time


def test_plans_are_snapshots_that_pickle(fake_finspace: FakeFinSpace) -> None:
    import pickle

    from arrowtap.io.stream import scan

    env = fake_finspace.environment_id
    plan = fs.plan_finspace_changesets(env, "db_002", page_size=4, **fake_finspace.options)
    assert (plan.snapshot, plan.checkpoint_name) == (True, "finspace-listings")
    assert [p.key for p in plan.partitions] == [
        f"finspace:us-east-1:ListKxChangesets:environmentId={env}:databaseName=db_002"
    ]
    copy = pickle.loads(pickle.dumps(plan))
    table = scan(copy).read_all()
    truth = fake_finspace.world.changesets[(env, "db_002")].values()
    assert table_rows(table) == by("changesetId", expected_rows("ListKxChangesets", truth))
