"""The fleet view: every system's clusters, nodes and connections in one frame."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import httpx
import pandas as pd
import pyarrow.parquet as pq
import pytest

from arrowtap import RetryPolicy
from arrowtap.connectors.fleet.rows import FLEET_SCHEMA
from arrowtap.connectors.fleet.view import plan_fleet, read_fleet, scan_fleet, sync_fleet
from arrowtap.errors import (
    AuthenticationError,
    InvalidArgumentError,
    InvalidTypeError,
    TransportError,
)
from arrowtap.io import reading
from arrowtap.testing.finspace import FakeFinSpace
from arrowtap.testing.harperdb import HarperDBCluster
from arrowtap.testing.kinetica import FakeKinetica
from arrowtap.testing.pvarchiver import FakeArchiver

ONE_TRY = RetryPolicy(attempts=1)
CLOSED = "http://127.0.0.1:1/"


def test_columns_and_dtypes_with_no_system() -> None:
    fleet = read_fleet()
    assert fleet.empty
    assert list(fleet.columns) == ["system", "cluster", "node", "status", "last_seen", "details"]
    assert str(fleet["last_seen"].dtype) == "datetime64[ns, UTC]"


def test_finspace_clusters_of_every_environment(fake_finspace: FakeFinSpace) -> None:
    import arrowtap

    fleet = read_fleet(finspace=True, finspace_options=fake_finspace.options)
    envs = arrowtap.read_finspace_environments(**fake_finspace.options)
    expected = pd.concat(
        [
            arrowtap.read_finspace_clusters(env, **fake_finspace.options).assign(environmentId=env)
            for env in envs["environmentId"]
        ]
    )
    assert len(fleet) == len(expected) > 0
    assert (fleet["system"] == "finspace").all()
    assert fleet["node"].isna().all()
    details = pd.DataFrame([json.loads(text) for text in fleet["details"]])
    got = pd.DataFrame(
        {
            "environmentId": details["environmentId"],
            "clusterName": fleet["cluster"],
            "status": fleet["status"].astype(str),
            "lastModifiedTimestamp": fleet["last_seen"],
            "clusterType": details["clusterType"],
        }
    )
    want = expected[got.columns].astype({"status": str, "clusterType": str})
    key = ["environmentId", "clusterName"]
    pd.testing.assert_frame_equal(
        got.sort_values(key).reset_index(drop=True),
        want.sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )


def test_pvarchiver_servers_and_an_unreachable_cluster() -> None:
    with FakeArchiver(admin=True) as fake:
        fleet = read_fleet(pvarchiver={"beamline": fake.admin_url, "gone": CLOSED}, retry=ONE_TRY)
    online = fleet[fleet["cluster"] == "beamline"].set_index("node")
    assert sorted(online["status"]) == ["offline", "online"]
    assert online["last_seen"].notna().all()
    gone = fleet[fleet["cluster"] == "gone"].iloc[0]
    assert gone["status"] == "unreachable"
    assert pd.isna(gone["last_seen"])
    assert "127.0.0.1:1" in json.loads(gone["details"])["error"]


def test_errors_raise_raises_the_first_failure() -> None:
    with pytest.raises(TransportError, match=r"127\.0\.0\.1:1"):
        read_fleet(pvarchiver=[CLOSED], errors="raise", retry=ONE_TRY)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"errors": "ignore"}, r"errors must be one of \['raise', 'report'\], not 'ignore'"),
        ({"max_concurrency": 0}, r"max_concurrency must be a positive int \(at most 1024\), not 0"),
        ({"pvarchiver": 42}, "pvarchiver must be a URL.*got 42"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidArgumentError, match=match):
        read_fleet(**kwargs)  # type: ignore[arg-type]


def test_no_secret_in_the_frame(fake_finspace: FakeFinSpace) -> None:
    secret = "s3cret-pass"
    with FakeArchiver(admin=True) as fake:
        url = fake.admin_url.replace("http://", f"http://admin:{secret}@")
        fleet = read_fleet(
            finspace=True,
            finspace_options=fake_finspace.options,
            pvarchiver=[url, f"http://admin:{secret}@127.0.0.1:1/"],
            retry=ONE_TRY,
        )
    text = fleet.to_csv()
    assert secret not in text
    assert fake_finspace.options["credentials"]["aws_secret_access_key"] not in text


def test_harperdb_nodes_and_connections(harperdb_cluster: HarperDBCluster) -> None:
    node1, node2 = harperdb_cluster.nodes
    urls = [
        f"http://{node.username}:{node.password}@{node.url.removeprefix('http://')}"
        for node in (node1, node2)
    ]
    wrong = f"http://admin:not-the-password@{node1.url.removeprefix('http://')}"
    fleet = read_fleet(harperdb={"pair": urls, "bad": [wrong, CLOSED]}, retry=ONE_TRY)
    pair = fleet[fleet["cluster"] == "pair"].set_index("node")
    assert pair.loc["node1", "status"] == "enabled"
    assert pair.loc["node2", "status"] == "enabled"
    for link in ("node1 -> node2", "node2 -> node1"):
        assert pair.loc[link, "status"] == "connected"
        assert "system" in json.loads(pair.loc[link, "details"])["databases"]
    bad = fleet[fleet["cluster"] == "bad"].set_index("node")["status"]
    assert bad.to_dict() == {
        node1.url.removeprefix("http://"): "error",
        "127.0.0.1:1": "unreachable",
    }
    text = fleet.to_csv()
    assert node1.password not in text
    assert "not-the-password" not in text


def test_kinetica_system_status(fake_kinetica: FakeKinetica) -> None:
    fake_kinetica_url = fake_kinetica.url
    fleet = read_fleet(kinetica={"gpu": fake_kinetica_url})
    row = fleet.iloc[0]
    assert (row["system"], row["cluster"], row["status"]) == ("kinetica", "gpu", "running")
    assert json.loads(row["details"])["url"] == fake_kinetica_url


def test_plan_has_one_partition_per_system_asked(fake_finspace: FakeFinSpace) -> None:
    plan = plan_fleet(
        finspace=[fake_finspace.environment_id, fake_finspace.environment_id],
        pvarchiver={"a": ["http://admin:s3cret@archiver:4812"], "b": "http://other:4812"},
        kinetica="http://kinetica:9191",
        harperdb={"pair": ["http://h1:9925", "http://h2:9925"]},
    )
    keys = [part.key for part in plan.partitions]
    assert keys == [
        f"finspace:{fake_finspace.environment_id}",  # given twice, asked once
        "harperdb:pair:http://h1:9925",
        "harperdb:pair:http://h2:9925",
        "pvarchiver:a:http://archiver:4812",
        "pvarchiver:b:http://other:4812",
        "kinetica:kinetica:9191:http://kinetica:9191",
    ]
    assert plan.snapshot
    assert plan.checkpoint_name == "fleet"
    assert "s3cret" not in repr(plan.partitions)
    assert fake_finspace.stats.requests == 0  # environments given: nothing listed


def test_finspace_environments_that_cannot_be_listed(fake_finspace: FakeFinSpace) -> None:
    fake_finspace.fail_next("AccessDeniedException", "not allowed")
    fleet = read_fleet(finspace=True, finspace_options=fake_finspace.options)
    assert fleet[["system", "cluster", "status"]].values.tolist() == [["finspace", "*", "error"]]
    assert json.loads(fleet["details"][0])["error_type"] == "AuthenticationError"
    fake_finspace.fail_next("AccessDeniedException", "not allowed")
    with pytest.raises(AuthenticationError, match="not allowed"):
        read_fleet(finspace=True, finspace_options=fake_finspace.options, errors="raise")


def test_scan_gives_a_batch_per_system() -> None:
    with FakeArchiver(admin=True) as fake:
        reader = scan_fleet(pvarchiver={"one": fake.admin_url, "gone": CLOSED}, retry=ONE_TRY)
        batches = list(reader)
    assert [b.num_rows for b in batches] == [2, 1]
    assert batches[1].column("status").to_pylist() == ["unreachable"]
    assert reader.schema == FLEET_SCHEMA


def test_columns(fake_finspace: FakeFinSpace) -> None:
    env = fake_finspace.environment_id
    whole = read_fleet(finspace=[env], finspace_options=fake_finspace.options)
    some = read_fleet(
        finspace=[env], finspace_options=fake_finspace.options, columns=["status", "cluster"]
    )
    pd.testing.assert_frame_equal(some, whole[["status", "cluster"]])


def test_sync_appends_one_stamped_snapshot_per_run(tmp_path: Path) -> None:
    to = tmp_path / "fleet"
    with FakeArchiver(admin=True, clock=lambda: 1_700_000_000 * 10**9) as fake:
        url = fake.admin_url
        targets = {"beamline": url, "gone": CLOSED}
        first = sync_fleet(to=to, pvarchiver=targets, retry=ONE_TRY)
        fake.advance(60 * 10**9)
        second = sync_fleet(to=to, pvarchiver=targets, retry=ONE_TRY)
    assert first.rows == second.rows == 3
    assert sorted(p.key for p in first.partitions) == [
        f"pvarchiver:beamline:{url}",
        "pvarchiver:gone:http://127.0.0.1:1/",
    ]
    table = pq.read_table(to).to_pandas()
    assert table["snapshot_time"].nunique() == 2
    online = table[table["status"] == "online"].sort_values("snapshot_time")
    assert online["last_seen"].diff().iloc[1] == pd.Timedelta(seconds=60)
    assert (table[table["cluster"] == "gone"]["status"] == "unreachable").all()


def test_a_sync_keeps_no_secret(tmp_path: Path) -> None:
    secret = "s3cret-pass"
    with FakeArchiver(admin=True) as fake:
        url = fake.admin_url.replace("http://", f"http://admin:{secret}@")
        sync_fleet(to=tmp_path, kinetica=[url], pvarchiver=[url], retry=ONE_TRY)
    for path in tmp_path.rglob("*"):
        assert secret not in str(path)
        if path.is_file():
            assert secret.encode() not in path.read_bytes()


def test_the_source_travels_without_clients(fake_finspace: FakeFinSpace) -> None:
    import pickle

    with httpx.Client() as client:
        options = fake_finspace.options | {"client": client}
        plan = plan_fleet(finspace=True, finspace_options=options, client=client)
        copy = pickle.loads(pickle.dumps(plan))
    assert copy.source.client is None
    assert "client" not in copy.source.finspace_options
    assert [p.key for p in copy.partitions] == [p.key for p in plan.partitions]
    fleet = reading.read(copy)
    assert len(fleet) == sum(len(c) for c in fake_finspace.world.clusters.values())


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"finspace": 3}, InvalidTypeError, "finspace must be True, an environment id"),
        ({"finspace_options": {"regoin": "x"}}, InvalidArgumentError, "no option 'regoin'"),
        ({"client": "c"}, InvalidTypeError, "client must be an httpx.Client"),
        ({"retry": 1}, InvalidTypeError, "retry must be a RetryPolicy"),
        ({"columns": ["nope"]}, InvalidArgumentError, "no column 'nope'"),
        ({"harperdb": {"a": [1]}}, InvalidTypeError, "harperdb must be a URL"),
        ({"max_concurrency": True}, InvalidTypeError, "max_concurrency must be a positive int"),
    ],
)
def test_every_function_checks_before_asking(
    kwargs: dict[str, object], error: type[Exception], match: str, tmp_path: Path
) -> None:
    for function in (plan_fleet, read_fleet, scan_fleet, sync_fleet):
        accepted = inspect.signature(function).parameters
        if not set(kwargs) <= set(accepted):
            continue
        extra = {"to": tmp_path / "out"} if function is sync_fleet else {}
        with pytest.raises(error, match=match):
            function(**({"finspace": True} | kwargs | extra))
    assert not (tmp_path / "out").exists()
