"""Cluster views: every answer format decodes to the declared schema; the real server's too."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

import arrowtap as hdb
from arrowtap.connectors.harperdb.wire.canned import canned_client
from arrowtap.connectors.harperdb.wire.views import (
    CLUSTER_STATUS_SCHEMA,
    NODES_SCHEMA,
    ROUTES_SCHEMA,
    cluster_status_table,
    nodes_table,
    routes_table,
)
from arrowtap.errors import DecodeError
from arrowtap.testing.harperdb import HarperDBServer

URL = "http://node1:9925"

# As HarperDB 4.7.29 sent it (protocol notes B.3), two sockets.
NATIVE = {
    "type": "cluster-status",
    "node_name": "node1",
    "url": "ws://node1:19933",
    "is_enabled": True,
    "connections": [
        {
            "url": "ws://127.0.0.1:29933",
            "name": "node2",
            "ca_info": {
                "issuer": "CN=HarperDB-Certificate-Authority-node2",
                "serialNumber": "29C6",
                "validFrom": "Nov  1 23:55:28 2026 GMT",
                "validTo": "Nov 18 23:55:28 2036 GMT",
            },
            "subscriptions": None,
            "replicates": True,
            "database_sockets": [
                {
                    "database": "pipe",
                    "connected": True,
                    "latency": 7.41,
                    "threadId": 1,
                    "nodes": ["node2"],
                    "lastCommitConfirmed": "Sat, 21 Nov 2026 21:28:16 GMT",
                    "lastReceivedRemoteTime": "Sat, 21 Nov 2026 21:28:15 GMT",
                    "lastReceivedLocalTime": "Sat, 21 Nov 2026 21:28:16 GMT",
                    "lastReceivedVersion": 1795296532147.2366,
                    "backPressurePercent": 0,
                    "lastReceivedStatus": "Waiting",
                },
                {"database": "system", "connected": False, "lastReceivedVersion": 0},
            ],
        }
    ],
}

# The legacy NATS format of 4.0-4.3 (documented; NATS cannot run here).
LEGACY = {
    "node_name": "ec2-3-22-181-22",
    "is_enabled": True,
    "connections": [
        {
            "node_name": "ec2-3-137-184-8",
            "status": "open",
            "ports": {"clustering": 12345, "operations_api": 9925},
            "latency_ms": 13,
            "uptime": "30d 1h 18m 8s",
            "subscriptions": [
                {"schema": "dev", "table": "dog", "publish": True, "subscribe": True}
            ],
        }
    ],
}


def test_native_status_is_one_row_per_socket() -> None:
    table = cluster_status_table(NATIVE)
    assert table.schema == CLUSTER_STATUS_SCHEMA
    first, second = table.to_pylist()
    assert (first["node_name"], first["peer_name"], first["database"]) == ("node1", "node2", "pipe")
    assert first["connected"] is True
    assert first["latency_ms"] == 7.41
    assert first["thread_id"] == 1
    assert first["nodes"] == ["node2"]
    assert pd.Timestamp(first["last_commit_confirmed"]) == pd.Timestamp("2026-11-21T21:28:16Z")
    assert pd.Timestamp(first["ca_valid_from"]) == pd.Timestamp("2026-11-01T23:55:28Z")
    assert first["last_received_version"].value == 1_795_296_532_147_236_572
    assert (second["database"], second["connected"], second["last_received_version"]) == (
        "system",
        False,
        None,
    )


def test_legacy_and_minimal_status() -> None:
    (row,) = cluster_status_table(LEGACY).to_pylist()
    assert (row["peer_name"], row["status"], row["uptime"]) == (
        "ec2-3-137-184-8",
        "open",
        "30d 1h 18m 8s",
    )
    assert (row["clustering_port"], row["operations_api_port"], row["latency_ms"]) == (
        12345,
        9925,
        13,
    )
    assert row["subscriptions"] == [
        {"database": "dev", "table": "dog", "publish": True, "subscribe": True}
    ]
    assert row["database"] is None
    empty = cluster_status_table({"connections": []})
    assert empty.num_rows == 0
    assert empty.schema == CLUSTER_STATUS_SCHEMA


@pytest.mark.parametrize(
    "answer",
    [
        [],
        {"connections": "x"},
        {"connections": [1]},
        {"connections": [{"database_sockets": [{"lastCommitConfirmed": "yesterday"}]}]},
        {"connections": [{"database_sockets": [{"latency": "fast"}]}]},
    ],
)
def test_malformed_status_is_a_decode_error(answer: Any) -> None:
    with pytest.raises(DecodeError, match="HarperDB"):
        cluster_status_table(answer)


def test_routes_both_forms() -> None:
    table = routes_table(["ws://10.0.0.2:9933", {"hostname": "h3", "port": "9934"}])
    assert table.schema == ROUTES_SCHEMA
    assert table.to_pylist() == [
        {"server": None, "url": "ws://10.0.0.2:9933", "host": "10.0.0.2", "port": 9933},
        {"server": None, "url": None, "host": "h3", "port": 9934},
    ]
    nats = routes_table({"hub": [{"host": "a", "port": 1}], "leaf": [{"host": "b", "port": 2}]})
    assert nats.column("server").to_pylist() == ["hub", "leaf"]
    with pytest.raises(DecodeError):
        routes_table({"routes": []})


def test_nodes_never_ask_for_credentials_or_certificates() -> None:
    asked: list[Any] = []

    def answer(body: dict[str, Any]) -> Any:
        asked.append(body)
        return [
            {
                "name": "n2",
                "url": "ws://n2:9933",
                "subscriptions": [
                    {"database": "d", "table": "t", "subscribe": True, "publish": False}
                ],
                "system_info": {"hdb_version": "4.7.29"},
                "__updatedtime__": 1.5,
            }
        ]

    frame = hdb.read_harperdb_nodes(URL, client=canned_client({"search_by_value": answer}))
    (body,) = asked
    assert (body["database"], body["table"]) == ("system", "hdb_nodes")
    assert "authorization" not in body["get_attributes"]
    assert "ca" not in body["get_attributes"]
    assert json.loads(frame["system_info"].iloc[0]) == {"hdb_version": "4.7.29"}
    assert frame["updated_time"].iloc[0] == pd.Timestamp(1_500_000, tz="UTC")
    assert nodes_table([]).schema == NODES_SCHEMA


def test_real_single_node_views(harperdb_server: HarperDBServer, creds: dict[str, Any]) -> None:
    status = hdb.read_harperdb_cluster_status(harperdb_server.url, **creds)
    assert list(status.columns) == CLUSTER_STATUS_SCHEMA.names
    assert status.empty  # no peers
    routes = hdb.read_harperdb_routes(harperdb_server.url, **creds)
    assert list(routes.columns) == ["server", "url", "host", "port"]
    nodes = hdb.read_harperdb_nodes(harperdb_server.url, **creds)
    assert list(nodes.columns) == NODES_SCHEMA.names
    assert str(nodes["name"].dtype) == "string"
