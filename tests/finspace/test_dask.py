"""Dask reads of the listings: a partition per environment, equal to the pandas reads."""

from __future__ import annotations

from typing import Any

import httpx
import pandas as pd
import pytest

from arrowtap.connectors.finspace import dask as fd
from arrowtap.connectors.finspace import listings as fs
from arrowtap.connectors.finspace.wire.schema import CHANGESETS_SCHEMA
from arrowtap.errors import InvalidArgumentError, InvalidTypeError
from arrowtap.testing.finspace import FakeFinSpace


@pytest.fixture(scope="module")
def fake() -> Any:
    with FakeFinSpace(clusters=12, environments=3, databases=3, changesets=4) as server:
        yield server


def envs_of(fake: FakeFinSpace) -> list[str]:
    return sorted(fake.world.environments)


def pandas_concat(frames: dict[str, pd.DataFrame], **first: str) -> pd.DataFrame:
    """The pandas reads of several listings as one frame, as the Dask read lays them out."""
    parts = []
    for env, frame in frames.items():
        frame = frame.copy()
        for name, value in first.items():
            frame.insert(0, name, pd.Series([value[env]] * len(frame), dtype="string"))
        frame.index = pd.Index([env] * len(frame), dtype="string", name="environmentId")
        parts.append(frame)
    return pd.concat(parts)


def assert_same(ddf: Any, expected: pd.DataFrame) -> None:
    pd.testing.assert_series_equal(ddf.dtypes, expected.dtypes)  # meta
    assert ddf.index.dtype == expected.index.dtype
    computed = ddf.compute()
    pd.testing.assert_series_equal(computed.dtypes, expected.dtypes)
    pd.testing.assert_frame_equal(computed, expected)


def test_clusters_of_every_environment(fake: FakeFinSpace) -> None:
    ddf = fd.read_finspace_clusters(**fake.options)
    envs = envs_of(fake)
    assert ddf.npartitions == len(envs) == 3
    assert ddf.divisions == (*envs, envs[-1])
    frames = {env: fs.read_finspace_clusters(env, **fake.options) for env in envs}
    assert_same(ddf, pandas_concat(frames))
    main = fake.environment_id
    pd.testing.assert_frame_equal(ddf.loc[main].compute().reset_index(drop=True), frames[main])


def test_clusters_of_given_environments_and_a_type(fake: FakeFinSpace) -> None:
    envs = envs_of(fake)[:2]
    ddf = fd.read_finspace_clusters(list(reversed(envs)), "HDB", **fake.options)
    assert ddf.divisions == (envs[0], envs[1], envs[1])
    frames = {env: fs.read_finspace_clusters(env, "HDB", **fake.options) for env in envs}
    assert_same(ddf, pandas_concat(frames))


def test_databases_with_columns(fake: FakeFinSpace) -> None:
    env = fake.environment_id
    ddf = fd.read_finspace_databases(env, columns=["lastModifiedTimestamp"], **fake.options)
    frame = fs.read_finspace_databases(env, columns=["lastModifiedTimestamp"], **fake.options)
    assert_same(ddf, pandas_concat({env: frame}))


def test_changesets_of_every_database(fake: FakeFinSpace) -> None:
    ddf = fd.read_finspace_changesets(**fake.options)
    frames: dict[tuple[str, str], pd.DataFrame] = {}
    for env in envs_of(fake):
        for db in fs.read_finspace_databases(env, **fake.options)["databaseName"]:
            frames[(env, db)] = fs.read_finspace_changesets(env, db, **fake.options)
    expected = pd.concat(
        pandas_concat({env: frame}, databaseName={env: db}) for (env, db), frame in frames.items()
    )
    assert len(expected) == 3 * 3 * 4
    assert ddf.npartitions == 3
    assert_same(ddf, expected)
    names = {db for _, db in frames}
    assert set(ddf["databaseName"].compute()) == names


def test_changesets_of_one_database(fake: FakeFinSpace) -> None:
    env = fake.environment_id
    ddf = fd.read_finspace_changesets(env, "db_001", **fake.options)
    frame = fs.read_finspace_changesets(env, "db_001", **fake.options)
    assert_same(ddf, pandas_concat({env: frame}, databaseName={env: "db_001"}))


def test_nodes_of_every_cluster_of_an_environment(fake: FakeFinSpace) -> None:
    env = fake.environment_id
    ddf = fd.read_finspace_cluster_nodes(env, **fake.options)
    clusters = fs.read_finspace_clusters(env, **fake.options)["clusterName"]
    expected = pd.concat(
        pandas_concat(
            {env: fs.read_finspace_cluster_nodes(env, name, **fake.options)},
            clusterName={env: name},
        )
        for name in clusters
    )
    assert_same(ddf, expected)


def test_an_environment_without_databases_has_no_partition() -> None:
    with FakeFinSpace(environments=2, databases=0) as fake:
        ddf = fd.read_finspace_changesets(**fake.options)
        frame = ddf.compute()
    assert frame.empty
    assert list(frame.columns) == ["databaseName", *CHANGESETS_SCHEMA.names]
    pd.testing.assert_series_equal(frame.dtypes, ddf.dtypes)
    assert str(frame["status"].dtype) == "category"


def refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a request was sent: {request.url}")


@pytest.mark.parametrize(
    ("function", "kwargs", "error", "match"),
    [
        (fd.read_finspace_clusters, {"environments": 5}, InvalidTypeError, "environments must"),
        (fd.read_finspace_clusters, {"environments": []}, InvalidArgumentError, "not be empty"),
        (fd.read_finspace_clusters, {"environments": "Bad-Env"}, InvalidArgumentError, "Bad-Env"),
        (fd.read_finspace_clusters, {"cluster_type": "X"}, InvalidArgumentError, "'X' is not"),
        (fd.read_finspace_databases, {"columns": ["nope"]}, InvalidArgumentError, "'nope'"),
        (fd.read_finspace_changesets, {"databases": "a"}, InvalidArgumentError, "databaseName 'a'"),
        (fd.read_finspace_cluster_nodes, {"clusters": [1]}, InvalidTypeError, "clusters must"),
        (fd.read_finspace_cluster_nodes, {"page_size": 0.5}, InvalidArgumentError, "0.5"),
    ],
)
def test_bad_arguments_fail_before_any_request(
    function: Any, kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    with httpx.Client(transport=httpx.MockTransport(refuse)) as client:
        options = {"region": "us-east-1", "credentials": {"aws_access_key_id": "AKID",
                   "aws_secret_access_key": "x"}, "client": client}  # fmt: skip
        with pytest.raises(error, match=match):
            function(**(options | kwargs))
