"""A plain read planned by its first page, under the remembered description (real server)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pandas as pd
import pyarrow as pa
import pytest

import arrowtap as hdb
from arrowtap.connectors.harperdb.wire.known_tables import KNOWN
from arrowtap.errors import InvalidArgumentError, NotFoundError
from arrowtap.testing.harperdb import HarperDBServer


class Counted:
    """A client of the test's own that records the operation of every request."""

    def __init__(self) -> None:
        self.operations: list[str] = []
        self.client = httpx.Client(event_hooks={"request": [self._record]})

    def _record(self, request: httpx.Request) -> None:
        self.operations.append(json.loads(request.content)["operation"])

    def take(self) -> list[str]:
        taken, self.operations = self.operations, []
        return taken


@pytest.fixture
def counted() -> Iterator[Counted]:
    counter = Counted()
    yield counter
    counter.client.close()


def upsert(server: HarperDBServer, database: str, table: str, records: list[Any]) -> None:
    body = {"operation": "upsert", "database": database, "table": table, "records": records}
    server.operation(body)


def ids(frame: Any) -> list[Any]:
    return [json.loads(v) for v in frame["id"]]


SEARCH, DESCRIBE = "search_by_conditions", "describe_table"


def test_a_read_of_one_page_is_one_request_once_the_table_is_known(
    harperdb_server: HarperDBServer,
    database: str,
    make_table: Any,
    creds: dict[str, Any],
    counted: Counted,
) -> None:
    table = make_table()
    upsert(harperdb_server, database, table, [{"id": i, "v": i / 2} for i in range(5)])
    args = (harperdb_server.url, database, table)
    first = hdb.read_harperdb(*args, client=counted.client, **creds)
    assert counted.take() == [DESCRIBE, SEARCH], "first use: described, then one page"
    again = hdb.read_harperdb(*args, client=counted.client, **creds)
    assert counted.take() == [SEARCH]
    assert again.equals(first)
    assert ids(again) == list(range(5))
    # The stream holds the rows of the one answer: rows changed after it are not in it.
    reader = hdb.scan_harperdb(*args, client=counted.client, **creds)
    upsert(harperdb_server, database, table, [{"id": 0, "v": -1}, {"id": 9, "v": 9}])
    after = reader.read_all()
    assert after["id"].to_pylist() == ["0", "1", "2", "3", "4"]
    assert after["v"].to_pylist() == ["0", "0.5", "1", "1.5", "2"]
    assert counted.take() == [SEARCH]


def test_a_new_attribute_is_seen_by_the_next_read(
    harperdb_server: HarperDBServer,
    database: str,
    make_table: Any,
    creds: dict[str, Any],
    counted: Counted,
) -> None:
    table = make_table()
    upsert(harperdb_server, database, table, [{"id": 1, "v": 1}])
    args = (harperdb_server.url, database, table)
    assert "w" not in hdb.read_harperdb(*args, client=counted.client, **creds).columns
    upsert(harperdb_server, database, table, [{"id": 2, "w": "new"}])
    counted.take()
    frame = hdb.read_harperdb(*args, client=counted.client, **creds)
    assert counted.take() == [SEARCH, DESCRIBE, SEARCH], "the page refuted the description"
    assert list(frame.columns) == ["id", "__createdtime__", "__updatedtime__", "v", "w"]
    assert [None if pd.isna(v) else json.loads(v) for v in frame["w"]] == [None, "new"]
    # A dropped attribute is seen too.
    drop = {"operation": "drop_attribute", "database": database, "table": table}
    harperdb_server.operation(drop | {"attribute": "v"})
    frame = hdb.read_harperdb(*args, client=counted.client, **creds)
    assert list(frame.columns) == ["id", "__createdtime__", "__updatedtime__", "w"]
    # A declared type of the new attribute, once the read knows of it.
    typed = hdb.read_harperdb(*args, schema={"w": pa.string()}, **creds)
    assert typed["w"].tolist()[1] == "new"


def test_a_table_recreated_with_another_key_is_read_under_its_new_layout(
    harperdb_server: HarperDBServer,
    database: str,
    creds: dict[str, Any],
    counted: Counted,
) -> None:
    table = "recreated"
    body = {"operation": "create_table", "database": database, "table": table}
    harperdb_server.operation(body | {"primary_key": "id"})
    upsert(harperdb_server, database, table, [{"id": i, "code": f"c{i}"} for i in range(3)])
    args = (harperdb_server.url, database, table)
    before = hdb.read_harperdb(*args, client=counted.client, **creds)
    assert ids(before) == [0, 1, 2]
    drop = {"operation": "drop_table", "database": database, "table": table}
    harperdb_server.operation(drop)
    harperdb_server.operation(body | {"primary_key": "code"})
    # Empty: the answer proves nothing, the table is described again.
    empty = hdb.read_harperdb(*args, client=counted.client, **creds)
    assert list(empty.columns) == ["code", "__createdtime__", "__updatedtime__"]
    upsert(harperdb_server, database, table, [{"code": f"k{i}", "id": i} for i in (2, 1)])
    counted.take()
    reader = hdb.scan_harperdb(*args, client=counted.client, **creds)
    assert counted.take() == [SEARCH, DESCRIBE, SEARCH]
    assert reader.schema.names == ["code", "__createdtime__", "__updatedtime__", "id"]
    assert not reader.schema.field("code").nullable
    after = reader.read_all()
    # One upsert, one time: in key order, the key being `code` now.
    assert after["code"].to_pylist() == ['"k1"', '"k2"']
    harperdb_server.operation(drop)
    with pytest.raises(NotFoundError, match=table):
        hdb.read_harperdb(*args, client=counted.client, **creds)


def test_a_table_recreated_with_a_defined_schema_gets_its_types(
    harperdb_server: HarperDBServer,
    database: str,
    creds: dict[str, Any],
    counted: Counted,
) -> None:
    table = "retyped"
    create = {"operation": "create_table", "database": database, "table": table}
    harperdb_server.operation(create | {"primary_key": "id"})
    upsert(harperdb_server, database, table, [{"id": 1, "n": 2}])
    args = (harperdb_server.url, database, table)
    assert isinstance(hdb.scan_harperdb(*args, **creds).schema.field("n").type, pa.JsonType)
    harperdb_server.operation({"operation": "drop_table", "database": database, "table": table})
    attributes = [
        {"name": "id", "type": "Int"},
        {"name": "n", "type": "Long"},
        {"name": "__createdtime__", "type": "Float", "indexed": True},
        {"name": "__updatedtime__", "type": "Float", "indexed": True},
    ]
    harperdb_server.operation(create | {"primary_key": "id", "attributes": attributes})
    upsert(harperdb_server, database, table, [{"id": 1, "n": 2}])
    # The page refutes the remembered description; then, a defined schema's types are
    # asked every time: no record shows them.
    for asked in ([SEARCH, DESCRIBE, SEARCH], [DESCRIBE, SEARCH]):
        frame = hdb.read_harperdb(*args, client=counted.client, **creds)
        assert counted.take() == asked
        assert str(frame["n"].dtype) == "Int64"
        assert frame["n"].tolist() == [2]


def test_a_read_of_many_pages_ends_at_the_update_after_its_first_page(
    harperdb_server: HarperDBServer,
    database: str,
    make_table: Any,
    creds: dict[str, Any],
    counted: Counted,
) -> None:
    table = make_table()
    upsert(harperdb_server, database, table, [{"id": i} for i in range(4)])
    upsert(harperdb_server, database, table, [{"id": i} for i in range(4, 7)])
    args = (harperdb_server.url, database, table)
    hdb.read_harperdb(*args, client=counted.client, **creds)
    counted.take()
    reader = hdb.scan_harperdb(*args, page_size=3, client=counted.client, **creds)
    # Rows follow the first page: the description is checked, the latest update asked.
    assert counted.take() == [SEARCH, DESCRIBE, SEARCH]
    upsert(harperdb_server, database, table, [{"id": 1}, {"id": 100}])  # after the plan
    batches = list(reader)
    assert [b.num_rows for b in batches] == [3, 3, 1]
    assert [json.loads(v) for b in batches for v in b["id"].to_pylist()] == list(range(7))
    assert set(counted.take()) == {SEARCH}
    since = hdb.read_harperdb(*args, page_size=2, since=0, unit="ms", **creds)
    assert sorted(ids(since)) == sorted([*range(7), 100])


def test_the_checks_of_a_plain_read_stay(
    harperdb_server: HarperDBServer, database: str, make_table: Any, creds: dict[str, Any]
) -> None:
    table = make_table(attributes=[{"name": "id", "type": "Int"}, {"name": "x", "type": "Float"}])
    upsert(harperdb_server, database, table, [{"id": i, "x": i / 2} for i in range(5)])
    args = (harperdb_server.url, database, table)
    with pytest.raises(InvalidArgumentError, match="no updated-time attribute"):
        hdb.read_harperdb(*args, since=0, unit="s", **creds)
    frame = hdb.read_harperdb(*args, page_size=2, **creds)
    assert frame["id"].tolist() == list(range(5))
    plain = make_table()
    upsert(harperdb_server, database, plain, [{"id": 1}])
    with pytest.raises(InvalidArgumentError, match="'nope'"):
        hdb.read_harperdb(harperdb_server.url, database, plain, columns=["nope"], **creds)


def test_threads_read_at_once(
    harperdb_server: HarperDBServer, database: str, make_table: Any, creds: dict[str, Any]
) -> None:
    tables = [make_table() for _ in range(3)]
    for n, table in enumerate(tables):
        upsert(harperdb_server, database, table, [{"id": i} for i in range(n + 1)])

    def read(i: int) -> int:
        table = tables[i % len(tables)]
        return len(hdb.read_harperdb(harperdb_server.url, database, table, **creds))

    with ThreadPoolExecutor(4) as pool:
        sizes = list(pool.map(read, range(24)))
    assert sizes == [i % 3 + 1 for i in range(24)]
    assert len(KNOWN) >= 3


def granted(
    server: HarperDBServer, database: str, table: str, user: dict[str, Any], *, secret: bool
) -> None:
    """Wait until the server's threads all answer ``user`` under its altered role.

    HarperDB applies ``alter_role`` to its worker threads in the background: for a
    moment some still answer under the old one. Every raw search here opens a new
    connection (a thread of the server's choosing); eight in a row must agree.
    """
    body = {"operation": "search_by_value", "database": database, "table": table,
            "search_attribute": "id", "search_value": "*", "get_attributes": ["*"]}  # fmt: skip
    agreed, deadline = 0, time.monotonic() + 30
    while agreed < 8:
        answer = httpx.post(server.url, json=body, auth=(user["username"], user["password"]))
        agreed = agreed + 1 if ("secret" in answer.json()[0]) == secret else 0
        assert time.monotonic() < deadline, f"the server never applied the role (secret={secret})"
        if not agreed:
            time.sleep(0.1)


def test_each_user_reads_under_the_attributes_granted_to_it(
    harperdb_server: HarperDBServer,
    database: str,
    make_table: Any,
    creds: dict[str, Any],
    counted: Counted,
) -> None:
    table = make_table()
    upsert(harperdb_server, database, table, [{"id": 1, "pub": "a", "secret": "s"}])
    role = f"reader_{table}"

    def grant(secret: bool) -> dict[str, Any]:
        attributes = [
            {"attribute_name": name, "read": name != "secret" or secret}
            | {"insert": False, "update": False}
            for name in ("id", "pub", "secret", "__createdtime__", "__updatedtime__")
        ]
        rights = {"read": True, "insert": False, "update": False, "delete": False}
        tables = {table: rights | {"attribute_permissions": attributes}}
        return {"super_user": False, database: {"tables": tables}}

    harperdb_server.operation({"operation": "add_role", "role": role, "permission": grant(False)})
    user: dict[str, Any] = {"username": f"u_{table}", "password": "reader-pw"}
    harperdb_server.operation({"operation": "add_user", "role": role, "active": True} | user)
    args = (harperdb_server.url, database, table)
    try:
        assert "secret" in hdb.read_harperdb(*args, **creds).columns
        frame = hdb.read_harperdb(*args, client=counted.client, **user)
        assert list(frame.columns) == ["id", "__createdtime__", "__updatedtime__", "pub"]
        assert counted.take() == [DESCRIBE, SEARCH], "not the description of another user"
        hdb.read_harperdb(*args, client=counted.client, **user)
        assert counted.take() == [SEARCH]
        alter = {"operation": "alter_role", "id": role, "role": role, "permission": grant(True)}
        harperdb_server.operation(alter)
        granted(harperdb_server, database, table, user, secret=True)
        frame = hdb.read_harperdb(*args, **user)
        assert "secret" in frame.columns
        assert json.loads(frame["secret"].iloc[0]) == "s"
        harperdb_server.operation(alter | {"permission": grant(False)})
        granted(harperdb_server, database, table, user, secret=False)
        assert "secret" not in hdb.read_harperdb(*args, **user).columns
    finally:
        harperdb_server.operation({"operation": "drop_user", "username": user["username"]})
        harperdb_server.operation({"operation": "drop_role", "id": role})
