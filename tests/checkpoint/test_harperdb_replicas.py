"""Waiting for HarperDB replicas, without a server: lost answers, deadlines, a shrinking network.

A mock transport plays the node; it can lose an answer (a read timeout), refuse
connections, or refuse a confirmation count larger than the network.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from arrowtap.checkpoint._harperdb import (
    decode_value,
    encode_value,
    parse_location,
)
from arrowtap.checkpoint._replicas import Replicas, confirming_peers
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.harperdb.wire.client import HarperDBClient
from arrowtap.errors import CheckpointError, InvalidArgumentError, TransportError

URL = "http://127.0.0.1:9925"
Handler = Callable[[dict[str, Any], httpx.Request], httpx.Response]


def status(*peers: bool) -> dict[str, Any]:
    """A ``cluster_status`` answer with one peer per flag (its socket for ``pipes`` connected)."""
    sockets = [[{"database": "pipes", "connected": up}] for up in peers]
    return {
        "connections": [{"name": f"n{i}", "database_sockets": s} for i, s in enumerate(sockets)]
    }


class Node:
    """Records the operations received and answers with ``handler``."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.seen: list[dict[str, Any]] = []
        self.timeouts: list[float | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.seen.append(body)
        self.timeouts.append(request.extensions["timeout"]["read"])
        return self.handler(body, request)

    def replicas(self, fixed: int | None = None, timeout: float = 5.0) -> Replicas:
        main = HarperDBClient(URL, client=httpx.Client(transport=httpx.MockTransport(self)))
        http = httpx.Client(transport=httpx.MockTransport(self))
        quick = HarperDBClient(URL, client=http, retry=RetryPolicy(attempts=1))
        return Replicas(main, "pipes", fixed, timeout, (quick, http))


def ok(body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json={"message": f"{body['operation']} done"})


def test_a_lost_confirmation_is_asked_again_with_a_longer_timeout() -> None:
    def handler(body: dict[str, Any], request: httpx.Request) -> httpx.Response:
        if body["operation"] == "upsert" and len(node.seen) == 1:
            raise httpx.ReadTimeout("lost", request=request)
        return (
            httpx.Response(200, json=status(True))
            if body["operation"] == "cluster_status"
            else ok(body)
        )

    node = Node(handler)
    answer = node.replicas().run("ckpt", "upsert", 1, table="t", records=[{"id": "a"}])
    assert answer == {"message": "upsert done"}
    operations = [(b["operation"], b.get("replicatedConfirmation")) for b in node.seen]
    assert operations == [("upsert", 1), ("cluster_status", None), ("upsert", 1)]
    assert node.timeouts[0] == 1.0
    assert node.timeouts[2] == 2.0


def test_no_confirmation_by_the_deadline_is_a_checkpoint_error() -> None:
    def handler(body: dict[str, Any], request: httpx.Request) -> httpx.Response:
        if body["operation"] == "cluster_status":
            return httpx.Response(200, json=status(True, True))
        raise httpx.ReadTimeout("lost", request=request)

    node = Node(handler)
    with pytest.raises(
        CheckpointError, match="no confirmation from 2 replica\\(s\\) of database 'pipes'"
    ):
        node.replicas(timeout=0.2).run("checkpoint 'c'", "upsert", 2, table="t", records=[])
    assert {b["operation"] for b in node.seen} == {"upsert", "cluster_status"}


def test_a_refusing_node_is_a_transport_error_after_a_few_tries() -> None:
    def handler(body: dict[str, Any], request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    node = Node(handler)
    with pytest.raises(TransportError, match="refused"):
        node.replicas(fixed=1, timeout=60.0).run("ckpt", "upsert", 1, table="t", records=[])
    assert len(node.seen) == 5


def test_a_shrunk_network_is_counted_again() -> None:
    def handler(body: dict[str, Any], request: httpx.Request) -> httpx.Response:
        if body["operation"] == "cluster_status":
            return httpx.Response(200, json=status(False))  # the peer went away
        if "replicatedConfirmation" in body:
            text = "Cannot confirm replication to more nodes (1) than are in the network (0)"
            return httpx.Response(400, json={"error": text})
        return ok(body)

    node = Node(handler)
    replicas = node.replicas()
    assert replicas.run("ckpt", "delete", 1, table="t", ids=["a"]) == {"message": "delete done"}
    assert [b["operation"] for b in node.seen] == ["delete", "cluster_status", "delete"]
    assert "replicatedConfirmation" not in node.seen[-1]
    assert replicas.count() == 0


def test_a_lost_status_is_asked_again_and_the_count_is_kept() -> None:
    def handler(body: dict[str, Any], request: httpx.Request) -> httpx.Response:
        if len(node.seen) == 1:
            raise httpx.ReadTimeout("lost", request=request)
        return httpx.Response(200, json=status(True, False, True))

    node = Node(handler)
    replicas = node.replicas()
    assert replicas.count() == 2
    assert replicas.count() == 2  # kept: no third request
    assert len(node.seen) == 2
    assert replicas.count(fresh=True) == 2
    assert len(node.seen) == 3


def test_no_peers_means_no_confirmation() -> None:
    node = Node(lambda body, request: ok(body))
    assert node.replicas(fixed=0).run("ckpt", "upsert", 0, table="t", records=[]) is not None
    assert node.seen == [{"operation": "upsert", "database": "pipes", "table": "t", "records": []}]


@pytest.mark.parametrize(
    ("answer", "count"),
    [
        ({"connections": []}, 0),
        ({}, 0),
        ([], 0),
        (status(True, True), 2),
        ({"connections": [{"database_sockets": [{"database": "other", "connected": True}]}]}, 0),
        ({"connections": [{"database_sockets": [{"database": "pipes"}]}]}, 0),  # not yet up
        ({"connections": ["junk", {"database_sockets": None}]}, 0),
    ],
)
def test_confirming_peers(answer: Any, count: int) -> None:
    assert confirming_peers(answer, "pipes") == count


def test_location_parsing_keeps_credentials_out_of_what_is_shown() -> None:
    where = parse_location("harperdb+https://us%40er:p%3Ass@host:9925/pipes")
    assert (where.username, where.password) == ("us@er", "p:ss")
    assert where.display == "harperdb+https://host:9925/pipes"
    assert "p:ss" not in repr(where)
    assert parse_location("harperdb+http://host:1", "pipes").database == "pipes"
    with pytest.raises(InvalidArgumentError, match="must be harperdb") as info:
        parse_location("harperdb+http://user:secret@")
    assert "secret" not in str(info.value)


def test_values_round_trip_and_foreign_records_are_refused() -> None:
    assert decode_value("k", encode_value(bytes(range(256)))) == bytes(range(256))
    with pytest.raises(CheckpointError, match="'k'"):
        decode_value("k", "not base64!")
    with pytest.raises(CheckpointError, match="int"):
        decode_value("k", 5)
