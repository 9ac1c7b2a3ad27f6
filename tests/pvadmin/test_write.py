"""write_archive_channels against the fake archiver: commands, results, dry runs, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pandas as pd
import pytest

from arrowtap.connectors.pvarchiver.admin import read_archive_channel
from arrowtap.connectors.pvarchiver.admin_sources import read_archive_channels
from arrowtap.connectors.pvarchiver.admin_write import write_archive_channels
from arrowtap.connectors.pvarchiver.wire import admin, admin_endpoints
from arrowtap.connectors.pvarchiver.wire.admin_writer import WRITE_RESULT_SCHEMA
from arrowtap.errors import (
    AuthenticationError,
    BadRequestError,
    InvalidArgumentError,
    ServerError,
    UnavailableError,
)
from arrowtap.testing.pvarchiver import FakeArchiver
from arrowtap.testing.pvarchiver.admin_state import OTHER_SERVER_ID, THIS_SERVER_ID, ChannelConfig

from .conftest import PASSWORD, Recorder

CREDS = {"username": "admin", "password": PASSWORD}


def write(fake: FakeArchiver, desired: Any, **options: Any) -> pd.DataFrame:
    return write_archive_channels(
        fake.admin_url, desired, server_id=THIS_SERVER_ID, **CREDS, **options
    )


def before_post(action: Callable[[], None]) -> httpx.Client:
    """A client that runs ``action`` just before each POST is sent (a concurrent change)."""

    def hook(request: httpx.Request) -> None:
        if request.method == "POST":
            action()

    return httpx.Client(event_hooks={"request": [hook]})


def test_round_trip_from_a_read_frame(fresh: FakeArchiver) -> None:
    frame = read_archive_channels(fresh.admin_url, THIS_SERVER_ID)
    assert len(write(fresh, frame)) == 0  # what the server has needs no command
    frame.loc[frame["channel"] == "root:ai1", "enabled"] = False
    frame.loc[frame["channel"] == "retention:ai", "retention"] = pd.Series(
        [[(0, 3600), (30, 7200), (900, 0)]], index=frame.index[frame["channel"] == "retention:ai"]
    )
    result = write(fresh, frame)
    assert list(result.columns) == WRITE_RESULT_SCHEMA.names
    assert result[["channel", "command_type", "success"]].values.tolist() == [
        ["retention:ai", "update_channel", True],
        ["root:ai1", "update_channel", True],
    ]
    assert result["error_message"].isna().all()
    assert not bool(read_archive_channel(fresh.admin_url, "root:ai1")["enabled"].iloc[0])
    assert (
        dict(read_archive_channel(fresh.admin_url, "retention:ai")["retention"].iloc[0])[0] == 3600
    )
    assert len(write(fresh, read_archive_channels(fresh.admin_url, THIS_SERVER_ID))) == 0


def test_every_command_type(fresh: FakeArchiver) -> None:
    desired = pd.DataFrame(
        {
            "channel": ["new:pv", "beam/energy", "wave:long", "root:ai1", "msg:text"],
            "renamed_from": [None, "beam energy", None, None, None],
            "server_id": [None, None, THIS_SERVER_ID, None, None],
            "enabled": [True, None, False, None, None],
            "decimation_levels": [[30], None, None, [30, 900], None],
            "options": [{"monitorMask": "alarm"}, None, None, None, None],
        }
    )
    keep = [
        n
        for n in fresh.admin_state.names(THIS_SERVER_ID)
        if n not in {"beam energy", "ROOT:ai2"} and n not in set(desired["channel"])
    ]
    desired = pd.concat([desired, pd.DataFrame({"channel": keep})], ignore_index=True)
    fresh.admin_state.channels["temp+offset"].options = {"noSuchOption": "1"}  # in error
    desired.loc[desired["channel"] == "temp+offset", "options"] = None
    dry = write(fresh, desired, remove_missing=True, refresh_errors=True, dry_run=True)
    assert dry["success"].isna().all()
    result = write(fresh, desired, remove_missing=True, refresh_errors=True)
    got = result[["channel", "command_type", "success"]].values.tolist()
    assert got == dry[["channel", "command_type"]].assign(success=True).values.tolist()
    assert sorted(map(tuple, got)) == sorted(
        [
            ("ROOT:ai2", "remove_channel", True),
            ("beam energy", "rename_channel", True),
            ("new:pv", "add_channel", True),
            ("wave:long", "move_channel", True),
            ("wave:long", "update_channel", True),
            ("root:ai1", "update_channel", True),
            ("temp+offset", "refresh_channel", True),
        ]
    )
    steps = result["command_type"].tolist()
    assert steps.index("update_channel") > steps.index("move_channel")  # later request
    names = set(read_archive_channels(fresh.admin_url)["channel"])
    assert {"new:pv", "beam/energy"} <= names
    assert not {"ROOT:ai2", "beam energy"} & names
    moved = read_archive_channel(fresh.admin_url, "wave:long").iloc[0]
    assert moved["server_id"] == THIS_SERVER_ID
    assert not moved["enabled"]
    assert "beam/energy" in fresh.channel_names
    assert fresh.raw_samples("beam/energy")
    assert len(write(fresh, desired, remove_missing=True)) == 0  # idempotent


def test_requests_hold_one_command_per_channel_and_numbers_as_strings(fresh: FakeArchiver) -> None:
    recorder = Recorder()
    rows = [
        {"channel": f"c{i}", "decimation_levels": [30], "retention": {0: 60, 30: 600 * i}}
        for i in range(1, 6)
    ]
    rows += [{"channel": "wave:long", "server_id": THIS_SERVER_ID, "enabled": False}]
    with recorder.client() as client:
        write_archive_channels(
            fresh.admin_url, rows, server_id=THIS_SERVER_ID, batch_size=2, client=client, **CREDS
        )
    bodies = recorder.posts()
    assert [len(b["commands"]) for b in bodies] == [2, 2, 2, 1]  # step 0 in batches, then step 1
    for body in bodies:
        names = [c.get("channelName") or c.get("oldChannelName") for c in body["commands"]]
        assert len(names) == len(set(names))
        for command in body["commands"]:
            for level in command.get("decimationLevels", []):
                assert isinstance(level, str)
            for key, value in command.get("decimationLevelToRetentionPeriod", {}).items():
                assert isinstance(key, str)
                assert isinstance(value, str)
    gets = [r for r in recorder.requests if r.method == "GET"]
    posts = [r for r in recorder.requests if r.method == "POST"]
    assert all("authorization" not in r.headers for r in gets)
    assert all(r.headers["authorization"].startswith("Basic ") for r in posts)


def test_dry_run_sends_no_post(fresh: FakeArchiver) -> None:
    before = len(fresh.admin_state.log)
    planned = write(
        fresh, [{"channel": "new:x"}, {"channel": "root:ai1", "enabled": False}], dry_run=True
    )
    assert planned["command_type"].tolist() == ["add_channel", "update_channel"]
    assert planned["success"].isna().all()
    assert planned["error_message"].isna().all()
    assert '"commandType":"add_channel"' in planned["command"].iloc[0]
    assert all(entry.method == "GET" for entry in list(fresh.admin_state.log)[before:])
    assert "new:x" not in fresh.channel_names


def test_a_rejected_command_is_a_row(fresh: FakeArchiver) -> None:
    def someone_adds_it() -> None:
        fresh.admin_state.add(ChannelConfig("new:x", THIS_SERVER_ID))

    rows = [{"channel": "new:x"}, {"channel": "root:ai1", "enabled": False}]
    with before_post(someone_adds_it) as client:
        result = write_archive_channels(
            fresh.admin_url, rows, server_id=THIS_SERVER_ID, client=client, **CREDS
        )
    assert result["success"].tolist() == [False, True]
    assert "already exists" in result["error_message"].iloc[0]


def test_after_a_failed_step_the_next_is_not_sent(fresh: FakeArchiver) -> None:
    def someone_moves_it() -> None:
        fresh.admin_state.channels["wave:long"].server_id = "00000000-0000-0000-0000-000000000009"

    rows = [{"channel": "wave:long", "server_id": THIS_SERVER_ID, "enabled": False}]
    recorder = Recorder()
    with before_post(someone_moves_it) as client:
        client.event_hooks["request"].append(recorder)
        result = write_archive_channels(
            fresh.admin_url, rows, server_id=THIS_SERVER_ID, client=client, **CREDS
        )
    assert result[["command_type", "success"]].values.tolist() == [
        ["move_channel", False],
        ["update_channel", False],
    ]
    assert "instead of server" in result["error_message"].iloc[0]
    assert result["error_message"].iloc[1].startswith("not sent")
    assert len(recorder.posts()) == 1


def test_typed_errors(fresh: FakeArchiver) -> None:
    rows = [{"channel": "new:x"}]
    with pytest.raises(AuthenticationError):
        write_archive_channels(
            fresh.admin_url, rows, server_id=THIS_SERVER_ID, username="admin", password="wrong"
        )

    def database_down() -> None:
        fresh.admin_state.unavailable = True

    with before_post(database_down) as client, pytest.raises(UnavailableError, match="Database"):
        write(fresh, rows, client=client)
    fresh.admin_state.unavailable = False
    bad = [{"commandType": "remove_channel", "channelName": "x", "colour": "red"}]
    good = admin.Credentials("admin", PASSWORD)
    session = admin.open_admin_session(fresh.admin_url)
    with session, pytest.raises(BadRequestError, match="Unrecognized field"):
        admin_endpoints.run_commands(session, bad, good)
    with pytest.raises(InvalidArgumentError):
        write(fresh, [{"channel": "root:ai1", "retention": {0: 0, 30: 5}}])
    with pytest.raises(InvalidArgumentError, match="'channel' column"):
        write(fresh, pd.DataFrame({"name": ["x"]}))
    with pytest.raises(InvalidArgumentError, match="batch_size"):
        write(fresh, rows, batch_size=0)
    assert "new:x" not in fresh.channel_names


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(400, json={"message": "Could not read document"}), BadRequestError),
        (
            httpx.Response(500, text="<html>boom</html>", headers={"Content-Type": "text/html"}),
            ServerError,
        ),
        (httpx.Response(404), ServerError),
    ],
)
def test_post_errors_from_a_mock(response: httpx.Response, error: type[Exception]) -> None:
    sid = THIS_SERVER_ID

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"channels": [], "statusAvailable": True})
        return response

    with httpx.Client(transport=httpx.MockTransport(handler)) as client, pytest.raises(error):
        write_archive_channels(
            "http://a:4812", [{"channel": "x"}], server_id=sid, client=client, **CREDS
        )


def test_moving_to_an_offline_server(fresh: FakeArchiver) -> None:
    result = write(fresh, [{"channel": "root:ai1", "server_id": OTHER_SERVER_ID}])
    assert result[["command_type", "success"]].values.tolist() == [["move_channel", True]]
    assert read_archive_channel(fresh.admin_url, "root:ai1")["server_name"].iloc[0] == "thirdserver"


def test_upsert(fresh: FakeArchiver) -> None:
    rows = [{"channel": "root:ai1", "enabled": False}, {"channel": "new:u", "enabled": False}]
    result = write(fresh, rows, upsert=True)
    assert result[["channel", "command_type", "success"]].values.tolist() == [
        ["root:ai1", "add_or_update_channel", True],
        ["new:u", "add_or_update_channel", True],
    ]
    after = read_archive_channels(fresh.admin_url, THIS_SERVER_ID).set_index("channel")
    assert not after.loc["root:ai1", "enabled"]
    assert not after.loc["new:u", "enabled"]
    assert dict(after.loc["root:ai1", "options"]) == {"monitorMask": "value|alarm"}  # kept
