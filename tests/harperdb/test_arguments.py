"""Offline: every bad argument is a typed error naming it and its value, before any request.

The node's URL is a closed port: a request would be a ``TransportError``, so an
argument error proves the check came first.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from arrowtap.checkpoint import open_checkpoint
from arrowtap.connectors.harperdb import cluster, dask, table, table_sync
from arrowtap.errors import InvalidArgumentError, InvalidTypeError

from .conftest import FAST


def closed_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


URL = closed_url()
T = (URL, "db", "t")

CASES: list[tuple[str, Callable[..., Any], dict[str, Any], type[Exception], str]] = [
    ("plan page_size", table.plan_harperdb, {"page_size": 0}, InvalidArgumentError, "page_size.*0"),
    ("read page_size type", table.read_harperdb, {"page_size": "9"}, InvalidTypeError, "'9'"),
    ("read columns", table.read_harperdb, {"columns": "id"}, InvalidTypeError, "columns.*'id'"),
    ("scan schema", table.scan_harperdb, {"schema": ["id"]}, InvalidTypeError, "schema.*list"),
    ("read since", table.read_harperdb, {"since": "2024-01-01T00:00"}, InvalidArgumentError,
     "since.*naive"),
    ("sync follow", table_sync.sync_harperdb, {"follow": "yes"}, InvalidTypeError,
     "follow.*'yes'"),
    ("sync every", table_sync.sync_harperdb, {"every": -1}, InvalidArgumentError, "every.*-1"),
    ("sync to", table_sync.sync_harperdb, {"to": 5}, InvalidTypeError, "to.*5"),
    ("dask npartitions", dask.read_harperdb, {"npartitions": 0}, InvalidArgumentError,
     "npartitions.*0"),
    ("dask npartitions type", dask.read_harperdb, {"npartitions": 2.0}, InvalidTypeError,
     "npartitions.*2.0"),
    ("dask sync concurrency", dask.sync_harperdb, {"max_concurrency": 0}, InvalidArgumentError,
     "max_concurrency.*0"),
    ("dask sync to", dask.sync_harperdb, {"to": None}, InvalidTypeError, "to.*None"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("function", "kwargs", "error", "match"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_bad_table_argument_is_named_before_any_request(
    function: Callable[..., Any],
    kwargs: dict[str, Any],
    error: type[Exception],
    match: str,
    tmp_path: Path,
) -> None:
    if "to" not in kwargs and function in (table_sync.sync_harperdb, dask.sync_harperdb):
        kwargs = kwargs | {"to": tmp_path / "out"}
    with pytest.raises(error, match=match):
        function(*T, retry=FAST, **kwargs)


@pytest.mark.parametrize("name", [{"database": ""}, {"table": " t"}, {"database": 3}])
def test_a_bad_name_is_named(name: dict[str, Any]) -> None:
    args = {"url": URL, "database": "db", "table": "t"} | name
    with pytest.raises(InvalidArgumentError, match=repr(next(iter(name.values())))):
        table.read_harperdb(**args, retry=FAST)


def test_a_dask_sync_needs_a_checkpoint_every_worker_opens(tmp_path: Path) -> None:
    with (
        open_checkpoint(tmp_path / "c.db", "x") as store,
        pytest.raises(InvalidTypeError, match="SQLiteCheckpoint"),
    ):
        dask.sync_harperdb(*T, to=tmp_path / "out", checkpoint=store, retry=FAST)


@pytest.mark.parametrize(
    "call",
    [cluster.plan_harperdb_cluster_status, cluster.read_harperdb_cluster_status],
)
def test_cluster_status_arguments_are_checked_first(call: Callable[..., Any]) -> None:
    with pytest.raises(InvalidArgumentError, match="'nope'"):
        call(URL, columns=["peer_name", "nope"], retry=FAST)
    with pytest.raises(InvalidArgumentError, match="ftp://h"):
        call("ftp://h:9925", retry=FAST)
