"""Reading the admin API into typed frames: channels (cluster, server, one), status."""

from __future__ import annotations

import uuid

import httpx
import pandas as pd
import pyarrow as pa
import pytest

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.pvarchiver.admin import (
    read_archive_channel,
    read_archive_server_status,
)
from arrowtap.connectors.pvarchiver.admin_sources import (
    read_archive_channels,
    read_archive_cluster_status,
)
from arrowtap.connectors.pvarchiver.wire import admin_tables
from arrowtap.errors import (
    ChannelNotFoundError,
    DecodeError,
    InvalidArgumentError,
    NotFoundError,
    ProtocolError,
    UnavailableError,
)
from arrowtap.testing.pvarchiver import FakeArchiver
from arrowtap.testing.pvarchiver.admin_state import OTHER_SERVER_ID, THIS_SERVER_ID

from .conftest import Recorder

JSON = {"Content-Type": "application/json;charset=UTF-8"}
FAST = RetryPolicy(attempts=2, initial=0.001, maximum=0.001, jitter=0.0)


def test_cluster_channels(fake: FakeArchiver, raw: httpx.Client) -> None:
    df = read_archive_channels(fake.admin_url)
    assert list(df.columns) == admin_tables.CHANNEL_SCHEMA.names
    assert df["channel"].tolist() == fake.channel_names
    row = df.set_index("channel").loc["root:ai1"]
    assert row["decimation_levels"] == [0, 30, 900, 3600]
    assert (row["server_id"], row["server_name"]) == (THIS_SERVER_ID, "myserver")
    assert row["control_system_name"] == "Channel Access"
    sent = {c["channelName"]: c for c in raw.get("/channels/all").json()["channels"]}
    assert row["channel_data_id"] == sent["root:ai1"]["channelDataId"]
    assert str(df["decimation_levels"].dtype) == "list<item: int64>[pyarrow]"


def test_server_channels_are_typed(fake: FakeArchiver) -> None:
    df = read_archive_channels(fake.admin_url, uuid.UUID(THIS_SERVER_ID))
    assert list(df.columns) == admin_tables.CHANNEL_DETAIL_SCHEMA.names
    assert df.attrs["status_available"] is True
    assert str(df["total_samples_written"].dtype) == "Int64"
    assert str(df["retention"].dtype) == "map<int64, int64>[pyarrow]"
    assert str(df["options"].dtype) == "map<string, string>[pyarrow]"
    assert str(df["state"].dtype) == "string"
    rows = df.set_index("channel")
    assert dict(rows.loc["retention:ai", "retention"]) == {0: 1800, 30: 7200, 900: 0}
    assert rows.loc["retention:ai", "decimation_levels"] == [0, 30, 900]
    assert dict(rows.loc["root:ai1", "options"]) == {"monitorMask": "value|alarm"}
    assert rows.loc["root:ai1", "total_samples_written"] == 7200
    assert set(df["state"]) == {"ok", "disconnected"}
    assert (df["server_id"] == THIS_SERVER_ID).all()
    assert df["server_name"].isna().all()
    assert "wave:long" not in set(df["channel"])


def test_offline_server_channels(fake: FakeArchiver) -> None:
    df = read_archive_channels(fake.admin_url, OTHER_SERVER_ID)
    assert df.attrs["status_available"] is False
    assert df["channel"].tolist() == ["wave:long"]
    assert df["state"].isna().all()
    assert df["total_samples_written"].isna().all()


def test_one_channel(fake: FakeArchiver) -> None:
    df = read_archive_channel(fake.admin_url, "ring/current")
    assert len(df) == 1
    assert list(df.columns) == admin_tables.CHANNEL_DETAIL_SCHEMA.names
    row = df.iloc[0]
    assert (row["channel"], row["server_name"], row["state"]) == ("ring/current", "myserver", "ok")
    assert bool(row["enabled"]) is True
    same = read_archive_channel(fake.admin_url, "ring/current", THIS_SERVER_ID)
    pd.testing.assert_frame_equal(df, same)
    offline = read_archive_channel(fake.admin_url, "wave:long").iloc[0]
    assert offline["server_name"] == "thirdserver"
    assert pd.isna(offline["state"])


def test_not_found(fake: FakeArchiver) -> None:
    with pytest.raises(ChannelNotFoundError, match="no channel 'nope'"):
        read_archive_channel(fake.admin_url, "nope")
    with pytest.raises(ChannelNotFoundError, match=f"owned by server {OTHER_SERVER_ID}"):
        read_archive_channel(fake.admin_url, "root:ai1", OTHER_SERVER_ID)
    unknown = "00000000-0000-0000-0000-000000000001"
    with pytest.raises(NotFoundError, match=f"no server {unknown}"):
        read_archive_channels(fake.admin_url, unknown)
    with pytest.raises(InvalidArgumentError, match="server_id must be a UUID"):
        read_archive_channels(fake.admin_url, "myserver")
    with pytest.raises(InvalidArgumentError, match="non-empty"):
        read_archive_channel(fake.admin_url, "")


def test_cluster_status(fake: FakeArchiver) -> None:
    df = read_archive_cluster_status(fake.admin_url)
    assert list(df.columns) == admin_tables.CLUSTER_STATUS_SCHEMA.names
    assert df["server_id"].tolist() == [THIS_SERVER_ID, OTHER_SERVER_ID]
    assert str(df["last_online_time"].dtype) == "datetime64[ms, UTC]"
    assert df["last_online_time"].iloc[1] == pd.Timestamp(1_490_631_012_050, unit="ms", tz="UTC")


def test_server_status(fake: FakeArchiver) -> None:
    df = read_archive_server_status(fake.admin_url)
    assert len(df) == 1
    assert list(df.columns) == admin_tables.SERVER_STATUS_SCHEMA.names
    row = df.iloc[0]
    assert row["server_id"] == THIS_SERVER_ID
    assert bool(row["server_online"]) is True
    assert row["channels_total"] == len(fake.channel_names) - 1  # wave:long is elsewhere
    assert str(df["channels_total"].dtype) == "Int64"
    assert row["cassandra_keyspace_name"] == "pv_archive"
    assert pd.isna(row["cassandra_error"])


def test_reads_never_carry_credentials(fake: FakeArchiver) -> None:
    recorder = Recorder()
    # even a client that has credentials and an Authorization header of its own
    with httpx.Client(
        auth=("admin", "x"), headers={"Authorization": "Basic eDp5"}, event_hooks={"response": []}
    ) as client:
        client.event_hooks["request"] = [recorder]
        before = len(fake.admin_state.log)
        read_archive_channels(fake.admin_url, client=client)
        read_archive_channels(fake.admin_url, THIS_SERVER_ID, client=client)
        read_archive_channel(fake.admin_url, "root:ai1", client=client)
        read_archive_cluster_status(fake.admin_url, client=client)
        read_archive_server_status(fake.admin_url, client=client)
    log = list(fake.admin_state.log)[before:]
    assert len(log) == 5
    assert not any(entry.authorization for entry in log)
    assert not any("authorization" in r.headers for r in recorder.requests)
    assert [r.url.path.endswith("/") for r in recorder.requests] == [False] * 5


def test_url_forms(fake: FakeArchiver) -> None:
    root = fake.admin_url.removesuffix("/admin/api/1.0")
    assert len(read_archive_cluster_status(root)) == len(
        read_archive_cluster_status(fake.admin_url + "/")
    )
    with pytest.raises(InvalidArgumentError, match="no credentials in the url"):
        read_archive_cluster_status(root.replace("http://", "http://admin:hunter2@"))
    with pytest.raises(InvalidArgumentError):
        read_archive_cluster_status("ftp://host")


def mock(handler: httpx.MockTransport) -> httpx.Client:
    return httpx.Client(transport=handler)


def test_numbers_that_are_not_numbers() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {
            "servers": [
                {"lastOnlineTime": "soon", "online": True, "serverId": "x", "serverName": "s"}
            ]
        }
        return httpx.Response(200, json=body, headers=JSON)

    with mock(httpx.MockTransport(handler)) as client, pytest.raises(DecodeError, match="soon"):
        read_archive_cluster_status("http://archiver:4812", client=client, retry=FAST)


def test_numbers_as_json_numbers_are_accepted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {
            "servers": [{"lastOnlineTime": 5, "online": True, "serverId": "x", "serverName": "s"}]
        }
        return httpx.Response(200, json=body, headers=JSON)

    with mock(httpx.MockTransport(handler)) as client:
        df = read_archive_cluster_status("http://archiver:4812", client=client, retry=FAST)
    assert df["last_online_time"].iloc[0] == pd.Timestamp(5, unit="ms", tz="UTC")


@pytest.mark.parametrize(
    ("response", "error", "tries"),
    [
        (httpx.Response(200, json={"nope": []}, headers=JSON), ProtocolError, 1),
        (httpx.Response(200, json={"channels": [1]}, headers=JSON), ProtocolError, 1),
        (
            httpx.Response(200, text="<html/>", headers={"Content-Type": "text/html"}),
            ProtocolError,
            2,
        ),
        (httpx.Response(503), UnavailableError, 2),
    ],
)
def test_bad_answers(response: httpx.Response, error: type[Exception], tries: int) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return response

    with mock(httpx.MockTransport(handler)) as client, pytest.raises(error):
        read_archive_channels("http://archiver:4812", client=client, retry=FAST)
    assert len(calls) == tries  # transient failures of reads are retried


def test_declared_schemas_on_empty_answers() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"channels": [], "statusAvailable": True}, headers=JSON)

    with mock(httpx.MockTransport(handler)) as client:
        df = read_archive_channels("http://a:4812", THIS_SERVER_ID, client=client, retry=FAST)
    assert len(df) == 0
    assert pa.Schema.from_pandas(df, preserve_index=False).names == df.columns.tolist()
    assert str(df["total_samples_written"].dtype) == "Int64"
