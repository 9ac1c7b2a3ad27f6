"""Inputs are checked against the service model before anything is sent."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from arrowtap.connectors.finspace import listings as fs
from arrowtap.connectors.finspace.wire.model import LISTINGS, check_value, listing, shape
from arrowtap.errors import InvalidArgumentError, InvalidTypeError
from arrowtap.testing.finspace import TEST_CREDENTIALS, World

READERS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "ListKxEnvironments": (fs.read_finspace_environments, ()),
    "ListKxClusters": (fs.read_finspace_clusters, ("abc",)),
    "ListKxDatabases": (fs.read_finspace_databases, ("abc",)),
    "ListKxChangesets": (fs.read_finspace_changesets, ("abc", "db1")),
    "ListKxClusterNodes": (fs.read_finspace_cluster_nodes, ("abc", "node-1")),
}


@pytest.fixture
def no_network() -> httpx.Client:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"a request was sent: {request.url}")

    return httpx.Client(transport=httpx.MockTransport(refuse))


def options(client: httpx.Client, **extra: Any) -> dict[str, Any]:
    return {"region": "us-east-1", "credentials": TEST_CREDENTIALS, "client": client, **extra}


@pytest.mark.parametrize("operation", LISTINGS)
def test_page_size_range_is_the_models(operation: str, no_network: httpx.Client) -> None:
    read, args = READERS[operation]
    spec = shape(listing(operation).member("maxResults").shape)
    if "max" not in spec:
        assert operation == "ListKxEnvironments"  # BoxedInteger: the model sets no range
        return
    assert (spec["min"], spec["max"]) == (0, 100)
    for bad in (spec["min"] - 1, spec["max"] + 1, 2.5, "10", True):
        with pytest.raises(InvalidArgumentError, match=f"maxResults.*{bad!r}"):
            read(*args, **options(no_network, page_size=bad))


@pytest.mark.parametrize(
    ("environment_id", "problem"),
    [
        ("ABC", "does not match"),
        ("abc-1", "does not match"),
        ("", "shorter than 1"),
        ("a" * 33, "longer than 32"),
        (12, "must be a str"),
    ],
)
def test_cluster_environment_id(
    environment_id: Any, problem: str, no_network: httpx.Client
) -> None:
    with pytest.raises(InvalidArgumentError, match=problem) as info:
        fs.read_finspace_clusters(environment_id, **options(no_network))
    assert repr(environment_id) in str(info.value)
    assert "environmentId" in str(info.value)


def test_cluster_type_enum(no_network: httpx.Client) -> None:
    with pytest.raises(InvalidArgumentError, match="'BOGUS' is not one of HDB, RDB"):
        fs.scan_finspace_clusters("abc", "BOGUS", **options(no_network))


def test_databases_environment_shape_differs(no_network: httpx.Client) -> None:
    # ListKxDatabases uses EnvironmentId (.*\S.*), not KxEnvironmentId (^[a-z0-9]+$).
    with pytest.raises(InvalidArgumentError, match="does not match"):
        fs.read_finspace_databases("   ", **options(no_network))
    with pytest.raises(InvalidArgumentError, match="databaseName 'a' is shorter than 3"):
        fs.read_finspace_changesets("abc", "a", **options(no_network))
    with pytest.raises(InvalidArgumentError, match="clusterName '-bad-' does not match"):
        fs.read_finspace_cluster_nodes("abc", "-bad-", **options(no_network))


def test_unknown_option_is_a_type_error(no_network: httpx.Client) -> None:
    with pytest.raises(TypeError, match="regoin"):
        fs.read_finspace_clusters("abc", **options(no_network), regoin="us-east-1")  # type: ignore[call-arg]


def test_environments_page_size_is_unbounded_client_side() -> None:
    check_value("BoxedInteger", 10_000, "maxResults")


def test_ecmascript_pattern_with_class_escape_range() -> None:
    # "[\w-\/.@+=,]" is valid ECMAScript but a bad range for Python's re as written.
    check_value("ExecutionRoleArn", "arn:aws:iam::123456789012:role/kx-exec", "executionRole")
    with pytest.raises(InvalidArgumentError):
        check_value("ExecutionRoleArn", "arn:aws:iam::123:role/x", "executionRole")


def test_fake_world_is_valid_against_the_model() -> None:
    world = World(clusters=40, environments=4, databases=3, changesets=5)
    env = world.main_environment
    collections = {
        "KxEnvironment": list(world.environments.values()),
        "KxCluster": [c for env_clusters in world.clusters.values() for c in env_clusters.values()],
        "KxDatabaseListEntry": list(world.databases[env].values()),
        "KxChangesetListEntry": [c for cs in world.changesets.values() for c in cs.values()],
        "KxNode": list(world.nodes(env, "cluster-00001").values()),
    }
    for shape_name, items in collections.items():
        assert items
        members = set(shape(shape_name)["members"])
        for item in items:
            check_value(shape_name, item, shape_name)
            assert set(item) <= members
    # Every member of every listed shape occurs at least once, so every column is exercised.
    for shape_name, items in collections.items():
        seen = {member for item in items for member in item}
        assert set(shape(shape_name)["members"]) == seen, shape_name


ENTRY_POINTS = [
    f"{module}:{kind}_finspace_{name}"
    for module, kinds in (
        ("listings", ("plan", "read", "scan", "sync")),
        ("dask", ("read",)),
    )
    for kind in kinds
    for name in ("environments", "clusters", "databases", "changesets", "cluster_nodes")
    if not (module == "dask" and name == "environments")
] + ["listings:diff_finspace_clusters"]


def _entry_point(ref: str) -> Any:
    import importlib

    module, name = ref.split(":")
    return getattr(importlib.import_module(f"arrowtap.connectors.finspace.{module}"), name)


def _args(function: Any) -> tuple[str, ...]:
    import inspect

    needed = [
        p.name
        for p in inspect.signature(function).parameters.values()
        if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is p.empty
    ]
    values = {"environment_id": "abc", "database_name": "db1", "cluster_name": "node-1"}
    return tuple(values[name] for name in needed)


@pytest.mark.parametrize("ref", ENTRY_POINTS)
@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        ({"page_size": 101}, InvalidArgumentError, r"maxResults\) 101 is above"),
        ({"client": "http://proxy"}, InvalidTypeError, "client must be an httpx.Client.*proxy"),
        ({"retry": 3}, InvalidTypeError, "retry must be a RetryPolicy.*3"),
        ({"columns": "status"}, InvalidTypeError, "columns must be a list.*'status'"),
        ({"region": "no region"}, InvalidArgumentError, "invalid region 'no region'"),
    ],
)
def test_every_entry_point_checks_before_sending(
    ref: str,
    bad: dict[str, Any],
    error: type[Exception],
    match: str,
    no_network: httpx.Client,
    tmp_path: Any,
) -> None:
    function = _entry_point(ref)
    kwargs = options(no_network) | bad
    if ref.endswith("diff_finspace_clusters"):
        if "columns" in bad:
            pytest.skip("a diff has no columns")
        kwargs["checkpoint"] = tmp_path / "c.db"
    if ":sync_" in ref:
        kwargs["to"] = tmp_path / "out"
    if ref.endswith("_environments") and "page_size" in bad:
        pytest.skip("the model sets no range on ListKxEnvironments' maxResults")
    with pytest.raises(error, match=match):
        function(*_args(function), **kwargs)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
