"""The password never shows: not in any error message, repr, note, chain, log line or result."""

from __future__ import annotations

import logging
import socket
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pandas as pd
import pytest

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.pvarchiver.admin import import_archive_config
from arrowtap.connectors.pvarchiver.admin_sources import read_archive_cluster_status
from arrowtap.connectors.pvarchiver.admin_write import write_archive_channels
from arrowtap.connectors.pvarchiver.wire import admin, admin_endpoints
from arrowtap.errors import ArrowtapError
from arrowtap.testing.pvarchiver import FakeArchiver
from arrowtap.testing.pvarchiver.admin_state import THIS_SERVER_ID, ChannelConfig

from .conftest import PASSWORD

ONCE = RetryPolicy(attempts=1)
SID = THIS_SERVER_ID


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.DEBUG):
        yield caplog


def texts(exc: BaseException) -> Iterator[str]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield str(e)
        yield repr(e)
        yield from getattr(e, "__notes__", [])
        yield from (str(a) for a in e.args)
        todo += [e.__cause__, e.__context__]
    yield "".join(traceback.format_exception(exc))


def assert_hidden(*values: Any) -> None:
    for value in values:
        text = value.to_string() if isinstance(value, pd.DataFrame) else str(value)
        assert PASSWORD not in text


def provoke(call: Callable[[], Any]) -> BaseException:
    with pytest.raises(ArrowtapError) as info:
        call()
    for text in texts(info.value):
        assert PASSWORD not in text
    return info.value


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_error_paths_hide_the_password(fresh: FakeArchiver, logs: pytest.LogCaptureFixture) -> None:
    url = fresh.admin_url
    creds = {"username": "admin", "password": PASSWORD}
    good = admin.Credentials("admin", PASSWORD)
    with FakeArchiver(admin=True, admin_users={"admin": "another"}) as other:
        provoke(
            lambda: write_archive_channels(
                other.admin_url, [{"channel": "n"}], server_id=SID, **creds
            )
        )
        provoke(lambda: import_archive_config(other.admin_url, SID, b"<x/>", **creds))
    provoke(lambda: import_archive_config(url, SID, b"<broken", **creds))  # 400
    with admin.open_admin_session(url) as session:
        bad = [{"commandType": "remove_channel", "channelName": "x", "colour": 1}]
        provoke(lambda: admin_endpoints.run_commands(session, bad, good))  # 400
    fresh.admin_state.unavailable = True  # 503s
    with admin.open_admin_session(url, retry=ONCE) as session:
        provoke(lambda: admin_endpoints.run_commands(session, [], good))
        provoke(
            lambda: admin_endpoints.import_config(
                session, SID, b"<x/>", good, add=True, remove=False, update=True, simulate=False
            )
        )
    fresh.admin_state.unavailable = False
    dead = f"http://127.0.0.1:{closed_port()}"
    provoke(lambda: import_archive_config(dead, SID, b"<x/>", retry=ONCE, **creds))  # transport
    provoke(lambda: read_archive_cluster_status(f"http://admin:{PASSWORD}@127.0.0.1:1"))
    provoke(
        lambda: write_archive_channels(
            url, [{"channel": "x", "retention": {0: 0, 30: 1}}], server_id=SID, **creds
        )
    )

    def mocked(status: int, text: str) -> httpx.Client:
        return httpx.Client(
            transport=httpx.MockTransport(
                lambda r: (
                    httpx.Response(200, json={"channels": []})
                    if r.method == "GET"
                    else httpx.Response(status, text=text, headers={"Content-Type": "text/html"})
                )
            )
        )

    for status in (500, 502, 401, 418):
        with mocked(status, "<html>no</html>") as client:
            provoke(
                lambda c=client: write_archive_channels(
                    "http://a:4812", [{"channel": "x"}], server_id=SID, client=c, **creds
                )
            )

    # per-command failures and dry runs are rows, which hold no secret either
    def race(request: httpx.Request) -> None:
        if request.method == "POST":
            fresh.admin_state.add(ChannelConfig("n", SID))

    with httpx.Client(event_hooks={"request": [race]}) as client:
        result = write_archive_channels(
            url, [{"channel": "n"}], server_id=SID, client=client, **creds
        )
    assert result["error_message"].str.contains("already exists").all()
    dry = write_archive_channels(url, [{"channel": "m"}], server_id=SID, dry_run=True, **creds)
    with admin.open_admin_session(url) as session:
        assert_hidden(result, dry, good, repr(good), repr(session))
    assert logs.records, "httpx logged nothing: the log check would prove nothing"
    assert_hidden(logs.text, *(r.getMessage() for r in logs.records))


def test_basic_auth_object_is_built_per_request() -> None:
    credentials = admin.Credentials("admin", PASSWORD)
    assert not hasattr(credentials, "password")
    assert not hasattr(credentials, "__dict__")
    request = httpx.Request("POST", "http://a")
    flow = credentials.auth().sync_auth_flow(request)
    assert next(flow).headers["authorization"].startswith("Basic ")
