"""The real-HarperDB harness: servers start on loopback, and stop leaving nothing behind."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from arrowtap.testing.harperdb import HARPERDB_VERSION, HarperDBServer, find_harperdb


def test_find_harperdb_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ARROWTAP_HARPERDB", str(tmp_path))
    hint = "npm install --prefix servers/harperdb --no-save"
    with pytest.raises(FileNotFoundError, match=hint) as info:
        find_harperdb()
    assert str(tmp_path) in str(info.value)


def test_session_server_is_dev_mode_on_loopback(harperdb_server: HarperDBServer) -> None:
    info = harperdb_server.operation({"operation": "registration_info"})
    assert info["version"] == HARPERDB_VERSION
    assert harperdb_server.url.startswith("http://127.0.0.1:")
    config = harperdb_server.operation({"operation": "get_configuration"})
    assert config["replication"]["url"] == harperdb_server.replication_url
    assert config["threads"]["debug"] is False


def test_close_stops_the_process_and_deletes_its_directory() -> None:
    server = HarperDBServer("harness")
    with server:
        assert server.running
        directory = server.directory
        assert (directory / "root" / "harperdb-config.yaml").is_file()
    assert not server.running
    assert not directory.exists()
    with pytest.raises(httpx.TransportError):
        httpx.post(server.url, json={"operation": "registration_info"}, timeout=2)
