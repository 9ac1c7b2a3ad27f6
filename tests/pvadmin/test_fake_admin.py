"""The fake archiver's admin API answers like the real one (protocol notes §2, §6 item 7).

These tests speak plain HTTP (httpx, urllib), not arrowtap's client.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import urllib.request
from typing import Any

import httpx
import pytest

from arrowtap.testing.pvarchiver import FakeArchiver
from arrowtap.testing.pvarchiver.admin_state import OTHER_SERVER_ID, THIS_SERVER_ID

from .conftest import PASSWORD

AUTH = ("admin", PASSWORD)
COMMANDS = "/run-archive-configuration-commands"


def add(name: str, **extra: Any) -> dict[str, Any]:
    command = {
        "commandType": "add_channel",
        "channelName": name,
        "controlSystemType": "channel_access",
        "serverId": THIS_SERVER_ID,
        "enabled": True,
    }
    return command | extra


def test_names_match_the_archive_side(fake: FakeArchiver, raw: httpx.Client) -> None:
    names = [c["channelName"] for c in raw.get("/channels/all").json()["channels"]]
    assert names == fake.channel_names  # same names, same (Java) order


@pytest.mark.parametrize(
    "path",
    [
        "/channels/all",
        "/cluster-status",
        "/server-status/this-server",
        f"/channels/by-server/{THIS_SERVER_ID}",
        "/channels/all/by-name/root~3Aai1",
        f"/channels/by-server/{THIS_SERVER_ID}/export",
    ],
)
def test_trailing_slash_is_optional(raw: httpx.Client, path: str) -> None:
    plain, slashed = raw.get(path), raw.get(path + "/")
    assert plain.status_code == slashed.status_code == 200
    assert plain.headers["content-type"] == "application/json;charset=UTF-8"
    if "status" not in path:  # the status carries the time
        assert plain.content == slashed.content


def test_official_client_urls_work(fake: FakeArchiver) -> None:
    """The URLs the official Python client builds (urllib, trailing slashes)."""
    base = fake.admin_url
    for path in [
        "/channels/all/",
        f"/channels/by-server/{THIS_SERVER_ID}/",
        "/channels/all/by-name/ring~2Fcurrent/",
        "/cluster-status/",
        "/server-status/this-server/",
        f"/channels/by-server/{THIS_SERVER_ID}/export",
    ]:
        request = urllib.request.Request(base + path, headers={"Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.headers["Content-Type"].startswith("application/json")
            assert json.load(response)


def test_numbers_are_strings_state_lower_case(raw: httpx.Client) -> None:
    [item] = [
        c
        for c in raw.get(f"/channels/by-server/{THIS_SERVER_ID}").json()["channels"]
        if c["channelName"] == "retention:ai"
    ]
    assert item["decimationLevelToRetentionPeriod"] == {"0": "1800", "30": "7200", "900": "0"}
    assert item["state"] == "ok"
    assert isinstance(item["totalSamplesWritten"], str)
    assert isinstance(item["enabled"], bool)
    summary = raw.get("/channels/all/by-name/msg~3Atext").json()
    assert summary["state"] == "disconnected"
    status = raw.get("/server-status/this-server").json()
    assert status["serverOnline"] is True
    assert all(isinstance(status[k], str) for k in ("channelsTotal", "serverLastOnlineTime"))
    servers = raw.get("/cluster-status").json()["servers"]
    assert [s["online"] for s in servers] == [True, False]
    assert all(isinstance(s["lastOnlineTime"], str) for s in servers)


def test_offline_server_has_no_status(raw: httpx.Client) -> None:
    body = raw.get(f"/channels/by-server/{OTHER_SERVER_ID}").json()
    assert body["statusAvailable"] is False
    assert [c["channelName"] for c in body["channels"]] == ["wave:long"]
    assert body["channels"][0]["state"] is None
    assert body["channels"][0]["totalSamplesWritten"] is None


def test_path_names_use_the_tilde_codec(raw: httpx.Client) -> None:
    assert raw.get("/channels/all/by-name/ring~2Fcurrent").json()["channelName"] == "ring/current"
    assert raw.get("/channels/all/by-name/d~C3~A9tecteur~3A~C3~A9tat").status_code == 200
    assert raw.get("/channels/all/by-name/ring%2Fcurrent").status_code == 400  # Tomcat
    assert raw.get("/channels/all/by-name/ring%7E2Fcurrent").status_code == 200  # %-decoded first
    assert raw.get("/channels/all/by-name/ring/current").status_code == 404
    assert raw.get("/channels/all/by-name/beam~20energy").json()["serverName"] == "myserver"


@pytest.mark.parametrize(
    "path",
    [
        "/channels/by-server/not-a-uuid",
        "/channels/by-server/00000000-0000-0000-0000-000000000001",
        "/channels/all/by-name/no~20such",
        f"/channels/by-server/{OTHER_SERVER_ID}/by-name/root~3Aai1",
        "/channels/by-server/x/export",
        "/nothing",
    ],
)
def test_not_found(raw: httpx.Client, path: str) -> None:
    assert raw.get(path).status_code == 404


def test_posts_need_credentials_without_a_challenge(raw: httpx.Client) -> None:
    body = {"commands": [add("x:new")]}
    for auth in (None, ("admin", "wrong"), ("nobody", PASSWORD)):
        response = raw.post(COMMANDS, json=body, auth=auth)
        assert response.status_code == 403
        assert "www-authenticate" not in response.headers
    bad_read = raw.get("/channels/all", auth=("admin", "wrong"))
    assert bad_read.status_code == 403  # wrong credentials are refused even on reads
    assert raw.get("/channels/all/by-name/x~3Anew").status_code == 404  # nothing was added


@pytest.mark.parametrize(
    "body",
    [
        {"commands": [add("x", colour="red")]},  # unknown field
        {"commands": [], "extra": 1},
        {},  # commands missing
        {"commands": [{k: v for k, v in add("x").items() if k != "enabled"}]},  # enabled required
        {"commands": [add("x", enabled=None)]},
        {"commands": [{"commandType": "frobnicate_channel", "channelName": "x"}]},
        {"commands": [add("x", serverId="not-a-uuid")]},
        {"commands": [add("x", decimationLevels=["-30"])]},
        {
            "commands": [
                add(
                    "x",
                    decimationLevels=["30"],
                    decimationLevelToRetentionPeriod={"0": "0", "30": "60"},
                )
            ]
        },
        {
            "commands": [
                {
                    "commandType": "update_channel",
                    "channelName": "x",
                    "decimationLevels": ["30"],
                    "addDecimationLevels": ["60"],
                }
            ]
        },
        {"commands": [add("")]},
    ],
)
def test_malformed_commands_are_400(raw: httpx.Client, body: dict[str, Any]) -> None:
    for auth in (AUTH, None):  # the body is read before the credentials are checked
        response = raw.post(COMMANDS, json=body, auth=auth)
        assert response.status_code == 400
        assert response.json()["status"] == 400


def test_not_json_is_400(raw: httpx.Client) -> None:
    assert raw.post(COMMANDS, content=b"{", auth=AUTH).status_code == 400


def test_one_failing_command_is_500_with_results(fresh: FakeArchiver) -> None:
    with httpx.Client(base_url=fresh.admin_url, auth=AUTH) as client:
        commands = [
            add("new:a", decimationLevels=[30, "900"], decimationLevelToRetentionPeriod={"0": 60}),
            add("root:ai1"),
            {"commandType": "refresh_channel", "channelName": "absent", "serverId": THIS_SERVER_ID},
        ]
        response = client.post(COMMANDS, json={"commands": commands})
        assert response.status_code == 500
        body = response.json()
        assert body["errorMessage"] is None
        first, second, third = body["results"]
        assert first == {
            "command": {
                "channelName": "new:a",
                "commandType": "add_channel",
                "controlSystemType": "channel_access",
                "decimationLevels": ["0", "30", "900"],
                "decimationLevelToRetentionPeriod": {"0": "60", "30": "0", "900": "0"},
                "enabled": True,
                "options": {},
                "serverId": THIS_SERVER_ID,
            },
            "success": True,
        }
        assert second["success"] is False
        assert "already exists" in second["errorMessage"]
        assert third == {"command": commands[2], "success": True}  # no errorMessage member
        ok = client.post(COMMANDS, json={"commands": [add("new:b")]})
        assert ok.status_code == 200


def test_commands_change_admin_and_archive(fresh: FakeArchiver) -> None:
    sid = THIS_SERVER_ID
    with httpx.Client(base_url=fresh.admin_url, auth=AUTH) as client:
        before = fresh.raw_samples("beam energy")
        commands = [
            add("new:a", decimationLevels=["30"]),
            {"commandType": "remove_channel", "channelName": "ROOT:ai2", "expectedServerId": sid},
            {
                "commandType": "rename_channel",
                "oldChannelName": "beam energy",
                "newChannelName": "beam/energy",
            },
            {
                "commandType": "move_channel",
                "channelName": "msg:text",
                "newServerId": OTHER_SERVER_ID,
            },
            {
                "commandType": "update_channel",
                "channelName": "root:ai1",
                "enabled": False,
                "removeDecimationLevels": ["3600"],
                "addOptions": {"maxUpdatePeriod": "10"},
            },
        ]
        assert client.post(COMMANDS, json={"commands": commands}).status_code == 200
        names = [c["channelName"] for c in client.get("/channels/all").json()["channels"]]
        assert "new:a" in names
        assert "beam/energy" in names
        assert "ROOT:ai2" not in names
        assert "beam energy" not in names
        root = client.get("/channels/all/by-name/root~3Aai1").json()
        assert root["state"] == "disabled"
        assert root["decimationLevelToRetentionPeriod"] == {"0": "0", "30": "0", "900": "0"}
        assert root["options"] == {"maxUpdatePeriod": "10", "monitorMask": "value|alarm"}
        moved = client.get(f"/channels/by-server/{OTHER_SERVER_ID}/by-name/msg~3Atext")
        assert moved.status_code == 200
    # the archive side follows
    assert "new:a" in fresh.channel_names
    assert "ROOT:ai2" not in fresh.channel_names
    assert fresh.raw_samples("beam/energy") == before
    assert fresh.raw_samples("new:a") == []
    with urllib.request.urlopen(fresh.url + "/archive/1/channels-by-pattern/*") as response:
        assert "beam/energy" in json.load(response)


def test_per_command_failures(fresh: FakeArchiver) -> None:
    commands = [
        {
            "commandType": "remove_channel",
            "channelName": "root:ai1",
            "expectedServerId": OTHER_SERVER_ID,
        },
        {
            "commandType": "rename_channel",
            "oldChannelName": "ring/current",
            "newChannelName": "temp+offset",
        },
        {"commandType": "update_channel", "channelName": "absent", "enabled": True},
        {
            "commandType": "update_channel",
            "channelName": "retention:ai",
            "decimationLevelToRetentionPeriod": {"30": "60"},
        },
        {"commandType": "move_channel", "channelName": "absent", "newServerId": OTHER_SERVER_ID},
        {
            "commandType": "add_or_update_channel",
            "channelName": "wave:long",
            "controlSystemType": "channel_access",
            "serverId": THIS_SERVER_ID,
            "enabled": True,
        },
    ]
    with httpx.Client(base_url=fresh.admin_url, auth=AUTH) as client:
        response = client.post(COMMANDS, json={"commands": commands})
    assert response.status_code == 500
    results = response.json()["results"]
    assert [r["success"] for r in results] == [False] * len(commands)
    assert "less than the retention period" in results[3]["errorMessage"]
    assert "root:ai1" in fresh.channel_names
    assert "ring/current" in fresh.channel_names


def test_database_down(fresh: FakeArchiver) -> None:
    fresh.admin_state.unavailable = True
    with httpx.Client(base_url=fresh.admin_url, auth=AUTH) as client:
        assert client.get("/channels/all").status_code == 503
        assert client.get("/channels/all").content == b""
        assert client.get("/server-status/this-server").status_code == 200  # never 503
        response = client.post(COMMANDS, json={"commands": [add("x")]})
        assert response.status_code == 503
        assert response.json()["errorMessage"].startswith("Database access error: ")
        assert response.json()["results"] is None


def _xml(fake: FakeArchiver, raw: httpx.Client, server: str = THIS_SERVER_ID) -> bytes:
    body = raw.get(f"/channels/by-server/{server}/export").json()
    return base64.b64decode(body["configurationFile"], validate=True)


def test_export_is_base64_xml_with_crlf(fake: FakeArchiver, raw: httpx.Client) -> None:
    xml = _xml(fake, raw)
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\r\n<server-configuration ')
    assert b"\n" not in xml.replace(b"\r\n", b"")
    assert xml.endswith(b"</server-configuration>\r\n")
    text = xml.decode("utf-8")
    assert '  <channel name="ROOT:ai2" control-system-type="channel_access"/>\r\n' in text
    assert (
        '  <channel name="retention:ai" control-system-type="channel_access">\r\n'
        '    <raw-samples retention-period="1800"/>\r\n'
        '    <decimation-level decimation-period="30" retention-period="7200"/>\r\n'
        '    <decimation-level decimation-period="900"/>\r\n'
        "  </channel>\r\n"
    ) in text
    assert '<control-system-option name="monitorMask" value="value|alarm"/>' in text
    assert "wave:long" not in text
    assert "wave:long" in _xml(fake, raw, OTHER_SERVER_ID).decode()


def _import(client: httpx.Client, xml: bytes, **flags: bool) -> httpx.Response:
    body = {"configurationFile": base64.b64encode(xml).decode(), **flags}
    return client.post(f"/channels/by-server/{THIS_SERVER_ID}/import", json=body)


def test_import_simulate_and_apply(fresh: FakeArchiver) -> None:
    with httpx.Client(base_url=fresh.admin_url, auth=AUTH) as client:
        xml = _xml(fresh, client).replace(b'name="ROOT:ai2"', b'name="ROOT:ai3"')
        simulated = _import(client, xml, addChannels=True, removeChannels=True, simulate=True)
        assert simulated.status_code == 200
        body = simulated.json()
        assert body["addOrUpdateFailed"] is None
        assert body["removeFailed"] is None
        assert body["removeSucceeded"] == ["ROOT:ai2"]
        assert "ROOT:ai3" in body["addOrUpdateSucceeded"]
        assert "ROOT:ai2" in fresh.channel_names  # nothing changed
        applied = _import(client, xml, addChannels=True, removeChannels=True)
        # adding the existing channels fails (add without update): a 500 with the results
        assert applied.status_code == 500
        body = applied.json()
        assert body["removeSucceeded"] == ["ROOT:ai2"]
        assert body["removeFailed"] == {}
        assert body["addOrUpdateSucceeded"] == ["ROOT:ai3"]
        assert "root:ai1" in body["addOrUpdateFailed"]
        assert "ROOT:ai3" in fresh.channel_names
        assert "ROOT:ai2" not in fresh.channel_names
        both = _import(client, xml, addChannels=True, updateChannels=True)
        assert both.status_code == 200
        assert both.json()["addOrUpdateFailed"] == {}


def test_import_errors(fresh: FakeArchiver) -> None:
    with httpx.Client(base_url=fresh.admin_url, auth=AUTH) as client:
        empty = _import(client, b"", addChannels=True)
        assert empty.status_code == 503
        assert empty.json()["errorMessage"] == "Configuration file must have non-zero length."
        bad = _import(client, b"<server-configuration", addChannels=True)
        assert bad.status_code == 400
        assert bad.json()["errorMessage"].startswith("Parsing error: ")
        assert (
            client.post(
                f"/channels/by-server/{THIS_SERVER_ID}/import",
                json={"configurationFile": "", "extra": True},
            ).status_code
            == 400
        )
    with httpx.Client(base_url=fresh.admin_url) as anonymous:
        assert _import(anonymous, b"<x/>").status_code == 403


def _run_cli(*args: str) -> tuple[str, subprocess.Popen[str]]:
    env = dict(os.environ, PYTHONWARNINGS="error")
    proc = subprocess.Popen(
        [sys.executable, "-m", "arrowtap.testing.pvarchiver", "--port", "0", *args],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    return proc.stdout.readline().strip(), proc


@pytest.mark.parametrize("admin", [False, True])
def test_cli_ready_line(admin: bool) -> None:
    line, proc = _run_cli(*(["--admin-port", "0"] if admin else []))
    try:
        words = line.split()
        assert words[0] == "READY"
        assert words[1].startswith("archive=http://127.0.0.1:")
        if admin:
            assert len(words) == 4
            assert words[2].startswith("admin=http://127.0.0.1:")
            assert words[3] == "login=admin:admin"  # the test login it accepts
            url = words[2].removeprefix("admin=")
            assert url.endswith("/admin/api/1.0")
            with urllib.request.urlopen(url + "/cluster-status", timeout=10) as response:
                assert json.load(response)["servers"]
        else:
            assert len(words) == 2
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert proc.stdout is not None
        proc.stdout.close()
