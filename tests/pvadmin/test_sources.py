"""The admin views as snapshot sources: plans, streams, syncs of stamped snapshots."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from arrowtap.checkpoint import open_checkpoint
from arrowtap.connectors.pvarchiver import admin_sources as views
from arrowtap.connectors.pvarchiver.admin_views import ChannelsView
from arrowtap.connectors.pvarchiver.wire import admin_tables
from arrowtap.errors import InvalidArgumentError, InvalidTypeError
from arrowtap.io import offsets
from arrowtap.io.frames import to_pandas
from arrowtap.testing.pvarchiver import FakeArchiver
from arrowtap.testing.pvarchiver.admin_state import OTHER_SERVER_ID, THIS_SERVER_ID

from .conftest import Recorder


def test_plans_are_one_view_snapshots(fake: FakeArchiver) -> None:
    plan = views.plan_archive_channels(fake.admin_url, THIS_SERVER_ID.upper())
    assert plan.snapshot
    assert [p.key for p in plan.partitions] == [f"channels:{THIS_SERVER_ID}"]
    assert plan.schema.equals(admin_tables.CHANNEL_DETAIL_SCHEMA)
    status = views.plan_archive_cluster_status(fake.admin_url + "/", columns=["server_name"])
    assert [p.key for p in status.partitions] == ["cluster-status"]
    assert status.checkpoint_name == plan.checkpoint_name
    assert status.checkpoint_name == f"pvarchiver-admin:{fake.admin_url}"
    assert status.schema.names == ["server_name"]


@pytest.fixture
def still() -> Iterator[FakeArchiver]:
    """A fake whose clock stands still unless advanced (the online server's time is its own)."""
    with FakeArchiver(admin=True, clock=lambda: 1_700_000_000 * 10**9) as server:
        yield server


def test_scans_equal_reads(still: FakeArchiver) -> None:
    for scan, read, args in [
        (views.scan_archive_channels, views.read_archive_channels, ()),
        (views.scan_archive_channels, views.read_archive_channels, (THIS_SERVER_ID,)),
        (views.scan_archive_cluster_status, views.read_archive_cluster_status, ()),
    ]:
        table = scan(still.admin_url, *args).read_all()
        frame = read(still.admin_url, *args)
        assert table.num_rows == len(frame) > 0
        pd.testing.assert_frame_equal(frame, to_pandas(table))


def test_columns(fake: FakeArchiver) -> None:
    df = views.read_archive_channels(fake.admin_url, columns=["decimation_levels", "channel"])
    whole = views.read_archive_channels(fake.admin_url)
    pd.testing.assert_frame_equal(df, whole[["decimation_levels", "channel"]])
    with pytest.raises(InvalidArgumentError, match="no column 'state'"):
        views.read_archive_channels(fake.admin_url, columns=["state"])  # only per server


def test_status_available_per_server(fake: FakeArchiver) -> None:
    online = views.read_archive_channels(fake.admin_url, THIS_SERVER_ID)
    offline = views.read_archive_channels(fake.admin_url, OTHER_SERVER_ID)
    cluster = views.read_archive_channels(fake.admin_url)
    assert online.attrs["status_available"] is True
    assert offline.attrs["status_available"] is False
    assert "status_available" not in cluster.attrs


def test_a_view_travels_without_its_client(fake: FakeArchiver) -> None:
    recorder = Recorder()
    with recorder.client() as client:
        view = ChannelsView(fake.admin_url, None, client, server_id=THIS_SERVER_ID)
        assert view().num_rows > 0
        assert len(recorder.requests) == 1
        copy = pickle.loads(pickle.dumps(view))
        assert copy.client is None
        assert copy == view  # the same view, asked on a connection of its own
        assert copy().equals(view())
        assert len(recorder.requests) == 2
    assert "client" not in repr(view)


def stamps(table: pa.Table) -> list[int]:
    return sorted(pc.unique(table["snapshot_time"]).cast(pa.int64()).to_pylist())


def test_syncs_append_one_stamped_snapshot_per_run(still: FakeArchiver, tmp_path: Path) -> None:
    to = tmp_path / "status"
    first = views.sync_archive_cluster_status(still.admin_url, to=to)
    still.advance(5 * 10**9)  # the online server's last online time moves on
    second = views.sync_archive_cluster_status(still.admin_url, to=to)
    assert first.rows == second.rows == 2
    table = pq.read_table(to)
    runs = stamps(table)
    assert len(runs) == 2
    online = table.filter(table["online"]).sort_by("snapshot_time")
    times = online["last_online_time"].cast(pa.int64()).to_pylist()
    assert times[1] - times[0] == 5000
    name = views.plan_archive_cluster_status(still.admin_url).checkpoint_name
    with open_checkpoint(tmp_path / "status.checkpoint.sqlite", name) as store:
        assert offsets.load(store, "cluster-status").offset == {"snapshot": runs[-1]}


def test_channel_syncs_per_server(fresh: FakeArchiver, tmp_path: Path) -> None:
    summary = views.sync_archive_channels(
        fresh.admin_url, THIS_SERVER_ID, to=tmp_path, columns=["channel", "state"]
    )
    table = pq.read_table(tmp_path)
    assert table.column_names == ["channel", "state", "snapshot_time"]
    expected = views.read_archive_channels(fresh.admin_url, THIS_SERVER_ID)
    assert sorted(table["channel"].to_pylist()) == sorted(expected["channel"])
    assert summary.rows == len(expected)


def refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a request was sent: {request.url}")


@pytest.mark.parametrize(
    "function",
    [
        views.plan_archive_channels,
        views.read_archive_channels,
        views.scan_archive_channels,
        views.sync_archive_channels,
        views.plan_archive_cluster_status,
        views.read_archive_cluster_status,
        views.scan_archive_cluster_status,
        views.sync_archive_cluster_status,
    ],
)
@pytest.mark.parametrize(
    ("url", "kwargs", "error", "match"),
    [
        ("ftp://archiver", {}, InvalidArgumentError, "ftp"),
        ("http://admin:pw@archiver:4812", {}, InvalidArgumentError, "no credentials in the url"),
        ("http://archiver:4812", {"client": "c"}, InvalidTypeError, "client must be.*'c'"),
        ("http://archiver:4812", {"retry": 2}, InvalidTypeError, "retry must be.*2"),
        ("http://archiver:4812", {"columns": "channel"}, InvalidTypeError, "columns must"),
    ],
)
def test_bad_arguments_fail_before_any_request(
    function: Any, url: str, kwargs: dict[str, Any], error: type[Exception], match: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    if function.__name__.startswith("sync_"):
        kwargs = kwargs | {"to": tmp_path / "out"}
    with (
        httpx.Client(transport=httpx.MockTransport(refuse)) as client,
        pytest.raises(error, match=match),
    ):
        function(url, **({"client": client} | kwargs))
    assert not (tmp_path / "out").exists()


def test_a_bad_server_id_fails_before_any_request(tmp_path: Path) -> None:
    for function in (views.plan_archive_channels, views.read_archive_channels):
        with pytest.raises(InvalidArgumentError, match="server_id must be a UUID, got 'me'"):
            function("http://archiver:4812", "me")
