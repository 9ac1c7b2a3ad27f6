"""The fleet view: every system's clusters, nodes and connections in one frame."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from arrowtap import RetryPolicy
from arrowtap.connectors.fleet.view import read_fleet
from arrowtap.errors import InvalidArgumentError, TransportError
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
        ({"errors": "ignore"}, "errors must be 'report' or 'raise', got 'ignore'"),
        ({"max_concurrency": 0}, "max_concurrency must be >= 1, got 0"),
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
