"""Configuration export (XML bytes, optionally a file) and import (flags, simulate, results)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from arrowtap.connectors.pvarchiver.admin import (
    export_archive_config,
    import_archive_config,
)
from arrowtap.connectors.pvarchiver.admin_sources import read_archive_channels
from arrowtap.connectors.pvarchiver.wire import admin_tables
from arrowtap.errors import (
    AuthenticationError,
    BadRequestError,
    InvalidArgumentError,
    NotFoundError,
    UnavailableError,
)
from arrowtap.testing.pvarchiver import FakeArchiver
from arrowtap.testing.pvarchiver.admin_state import OTHER_SERVER_ID, THIS_SERVER_ID

from .conftest import PASSWORD, Recorder

CREDS = {"username": "admin", "password": PASSWORD}


def test_export_bytes_and_file(fake: FakeArchiver, tmp_path: Path) -> None:
    target = tmp_path / "config.xml"
    data = export_archive_config(fake.admin_url, THIS_SERVER_ID, target)
    assert target.read_bytes() == data
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\r\n')
    assert b'<channel name="root:ai1" control-system-type="channel_access">' in data
    assert b"wave:long" in export_archive_config(fake.admin_url, OTHER_SERVER_ID)
    with pytest.raises(NotFoundError, match="no server"):
        export_archive_config(fake.admin_url, "00000000-0000-0000-0000-000000000001")


def test_import_round_trip_changes_nothing(fresh: FakeArchiver, tmp_path: Path) -> None:
    before = read_archive_channels(fresh.admin_url, THIS_SERVER_ID)
    path = tmp_path / "c.xml"
    export_archive_config(fresh.admin_url, THIS_SERVER_ID, path)
    result = import_archive_config(fresh.admin_url, THIS_SERVER_ID, path, **CREDS)
    assert list(result.columns) == admin_tables.IMPORT_RESULT_SCHEMA.names
    assert result["success"].all()
    assert set(result["operation"]) == {"add_or_update"}
    assert sorted(result["channel"]) == sorted(before["channel"])
    after = read_archive_channels(fresh.admin_url, THIS_SERVER_ID)
    assert after.drop(columns="total_samples_written").equals(
        before.drop(columns="total_samples_written")
    )


def test_import_text_simulate_remove(fresh: FakeArchiver) -> None:
    xml = export_archive_config(fresh.admin_url, THIS_SERVER_ID).decode()
    xml = xml.replace('name="ROOT:ai2"', 'name="ROOT:ai9"')
    recorder = Recorder()
    with recorder.client() as client:
        simulated = import_archive_config(
            fresh.admin_url, THIS_SERVER_ID, xml, dry_run=True, remove=True, client=client, **CREDS
        )
    assert recorder.posts()[0]["simulate"] is True
    assert set(recorder.posts()[0]) == {
        "addChannels",
        "configurationFile",
        "removeChannels",
        "simulate",
        "updateChannels",
    }
    removed = simulated[simulated["operation"] == "remove"]
    assert removed["channel"].tolist() == ["ROOT:ai2"]
    assert removed["success"].all()
    assert "ROOT:ai2" in fresh.channel_names  # a simulation changes nothing
    applied = import_archive_config(fresh.admin_url, THIS_SERVER_ID, xml, remove=True, **CREDS)
    assert applied["success"].all()
    assert "ROOT:ai9" in fresh.channel_names
    assert "ROOT:ai2" not in fresh.channel_names


def test_failing_channels_are_rows(fresh: FakeArchiver) -> None:
    xml = export_archive_config(fresh.admin_url, THIS_SERVER_ID).replace(b"ROOT:ai2", b"ROOT:new")
    # update only: the new channel cannot be updated (it does not exist): HTTP 500 with results
    result = import_archive_config(fresh.admin_url, THIS_SERVER_ID, xml, add=False, **CREDS)
    failed = result[~result["success"]]
    assert failed["channel"].tolist() == ["ROOT:new"]
    assert "does not exist" in failed["error_message"].iloc[0]
    assert result["success"].sum() == len(result) - 1


def test_import_errors(fresh: FakeArchiver, tmp_path: Path) -> None:
    url, sid = fresh.admin_url, THIS_SERVER_ID
    with pytest.raises(BadRequestError, match="Parsing error"):
        import_archive_config(url, sid, b"<server-configuration", **CREDS)
    with pytest.raises(AuthenticationError, match="refused the credentials"):
        import_archive_config(url, sid, b"<x/>", username="admin", password="wrong")
    with pytest.raises(InvalidArgumentError, match="empty"):
        import_archive_config(url, sid, b"", **CREDS)
    with pytest.raises(InvalidArgumentError, match="must be a bool"):
        import_archive_config(url, sid, b"<x/>", add=1, **CREDS)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match=r"xml: cannot read .*absent.xml.*No such file"):
        import_archive_config(url, sid, tmp_path / "absent.xml", **CREDS)
    fresh.admin_state.unavailable = True
    xml = b'<server-configuration xmlns="http://www.aquenos.com/2016/xmlns/cassandra-pv-archiver-configuration"/>'
    with pytest.raises(UnavailableError, match="Database access error"):
        import_archive_config(url, sid, xml, **CREDS)


def test_import_is_never_retried() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503, json={"errorMessage": "Database access error: x"})

    transport = httpx.MockTransport(handler)
    with httpx.Client(transport=transport) as client, pytest.raises(UnavailableError):
        import_archive_config("http://a:4812", THIS_SERVER_ID, b"<x/>", client=client, **CREDS)
    assert len(calls) == 1
    assert calls[0].headers["authorization"].startswith("Basic ")
