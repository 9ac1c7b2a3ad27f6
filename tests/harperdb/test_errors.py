"""Refused credentials and unreachable nodes: typed errors that never show the password."""

from __future__ import annotations

import logging
import socket
import traceback
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pytest

import arrowtap as hdb
import arrowtap.harperdb as ops
from arrowtap.connectors.harperdb.table_source import HarperDBTableSource
from arrowtap.connectors.harperdb.wire.client import HarperDBClient
from arrowtap.errors import AuthenticationError, TransportError
from arrowtap.testing.harperdb import HarperDBServer

from .conftest import FAST

WRONG = "Wr0ng-Passw0rd-Never-Shown"
SUBS = [{"database": "d", "subscribe": True, "publish": True}]

CALLS: list[tuple[str, Callable[..., Any]]] = [
    ("cluster_status", lambda url, **kw: hdb.read_harperdb_cluster_status(url, **kw)),
    ("nodes", lambda url, **kw: hdb.read_harperdb_nodes(url, **kw)),
    ("routes", lambda url, **kw: hdb.read_harperdb_routes(url, **kw)),
    ("read", lambda url, **kw: hdb.read_harperdb(url, "d", "t", **kw)),
    ("scan", lambda url, **kw: hdb.scan_harperdb(url, "d", "t", **kw).read_all()),
    ("write", lambda url, **kw: hdb.write_harperdb(pa.table({"id": [1]}), url, "d", "t", **kw)),
    ("set_routes", lambda url, **kw: ops.cluster_set_routes(url, "ws://h:9933", **kw)),
    ("get_routes", lambda url, **kw: ops.cluster_get_routes(url, **kw)),
    ("delete_routes", lambda url, **kw: ops.cluster_delete_routes(url, "ws://h:9933", **kw)),
    ("add_node", lambda url, **kw: ops.add_node(url, "ws://h:9933", **kw)),
    ("update_node", lambda url, **kw: ops.update_node(url, hostname="h", subscriptions=SUBS, **kw)),
    ("set_node_replication", lambda url, **kw: ops.set_node_replication(url, "h", SUBS, **kw)),
    ("remove_node", lambda url, **kw: ops.remove_node(url, hostname="h", **kw)),
    (
        "configure_cluster",
        lambda url, **kw: ops.configure_cluster(
            url, [{"node_name": "h", "subscriptions": SUBS}], **kw
        ),
    ),
    ("purge_stream", lambda url, **kw: ops.purge_stream(url, "d", "t", **kw)),
    ("cluster_network", lambda url, **kw: ops.cluster_network(url, **kw)),
]


def everything_said(error: BaseException) -> str:
    parts = ["".join(traceback.format_exception(error))]
    seen: BaseException | None = error
    while seen is not None:
        parts += [str(seen), repr(seen), repr(vars(seen))]
        seen = seen.__cause__ or seen.__context__
    return "\n".join(parts)


@pytest.mark.parametrize(("name", "call"), CALLS, ids=[c[0] for c in CALLS])
def test_wrong_password_is_refused_and_never_shown(
    harperdb_server: HarperDBServer,
    caplog: pytest.LogCaptureFixture,
    name: str,
    call: Callable[..., Any],
) -> None:
    caplog.set_level(logging.DEBUG)
    user = harperdb_server.username
    for kwargs in (
        {"username": user, "password": WRONG},
        {"url": harperdb_server.url.replace("//", f"//{user}:{WRONG}@")},
    ):
        url = kwargs.pop("url", harperdb_server.url)
        with pytest.raises(AuthenticationError) as info:
            call(url, retry=FAST, **kwargs)
        assert info.value.status == 401
        assert "Login failed" in str(info.value)
        assert WRONG not in everything_said(info.value)
    assert "401" in caplog.text  # httpx logged the exchanges...
    assert WRONG not in caplog.text  # ...without the password
    assert all(WRONG not in str(record.__dict__) for record in caplog.records)


def test_reprs_hold_no_password(harperdb_server: HarperDBServer) -> None:
    url = harperdb_server.url.replace("//", f"//admin:{WRONG}@")
    client = HarperDBClient(url, password=WRONG)
    source = HarperDBTableSource(url, "d", "t", password=WRONG)
    try:
        shown = repr(client) + repr(source)
    finally:
        client.close()
        source.close()
    assert WRONG not in shown
    assert harperdb_server.url.removeprefix("http://") in shown


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(("name", "call"), CALLS, ids=[c[0] for c in CALLS])
def test_unreachable_node_is_a_transport_error_naming_it(
    name: str, call: Callable[..., Any]
) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(TransportError, match="unreachable") as info:
        call(url, username="admin", password=WRONG, retry=FAST)
    assert url.removeprefix("http://") in str(info.value)
    assert WRONG not in everything_said(info.value)
