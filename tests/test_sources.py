"""arrowtap.sources(): every source, the entry points it claims, each in the public API."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import arrowtap
import arrowtap.dask
from arrowtap.catalog import source
from arrowtap.errors import InvalidArgumentError

SOURCES = [
    "archive_samples",
    "archive_channels",
    "archive_cluster_status",
    "kinetica",
    "kinetica_sql",
    "kinetica_monitor",
    "finspace_environments",
    "finspace_clusters",
    "finspace_databases",
    "finspace_changesets",
    "finspace_cluster_nodes",
    "harperdb",
    "harperdb_cluster_status",
    "fleet",
]
CONFORMANCE = Path(__file__).parent / "conformance"


def test_every_source_is_listed() -> None:
    assert [info.name for info in arrowtap.sources()] == SOURCES


def test_what_the_issue_asks_of_each_source() -> None:
    offers = {info.name: set(info.offers()) for info in arrowtap.sources()}
    assert all("sync" in kinds for kinds in offers.values())
    assert all(
        {"read", "scan"} <= kinds for name, kinds in offers.items() if name != "kinetica_monitor"
    )
    assert offers["kinetica_monitor"] == {"sync", "monitor"}
    for name in ("archive_samples", "kinetica", "harperdb"):
        assert {"dask_read", "dask_sync"} <= offers[name], name
    for name in ("kinetica_sql", "finspace_clusters", "finspace_databases"):
        assert "dask_read" in offers[name], name
    follow = {info.name for info in arrowtap.sources() if info.follow}
    assert {"archive_samples", "kinetica", "kinetica_monitor", "harperdb"} <= follow


@pytest.mark.parametrize("name", SOURCES)
def test_each_entry_point_is_the_public_function_of_its_name(name: str) -> None:
    info = source(name)
    public = {
        "read": f"read_{name}",
        "scan": f"scan_{name}",
        "sync": f"sync_{name}",
        "monitor": "monitor_kinetica",
    }
    for kind in info.offers():
        function = info.entry_point(kind)
        if kind.startswith("dask_"):
            assert getattr(arrowtap.dask, f"{kind[5:]}_{name}") is function
        else:
            assert getattr(arrowtap, public[kind]) is function
    assert callable(info.entry_point("plan"))
    if info.schema is not None:
        assert info.schema.names


@pytest.mark.parametrize("name", SOURCES)
def test_each_source_runs_the_conformance_suite(name: str) -> None:
    declared = {
        match
        for path in CONFORMANCE.glob("test_*.py")
        for match in re.findall(r'^\s+source = "(\w+)"', path.read_text(), re.M)
    }
    assert name in declared


def test_a_source_is_found_by_its_command_line_names() -> None:
    assert source("archive").name == "archive_samples"
    assert source("finspace-cluster-nodes").name == "finspace_cluster_nodes"
    with pytest.raises(InvalidArgumentError, match="no source 'nope'"):
        source("nope")
