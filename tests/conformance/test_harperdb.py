"""HarperDB tables (the real server): a table of typed and JSON columns, several upserts."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from arrowtap.testing.harperdb import HarperDBServer

from .suite import Case, SourceSuite


@pytest.fixture(scope="module")
def database(harperdb_server: HarperDBServer) -> Iterator[str]:
    name = f"conf_{uuid.uuid4().hex[:10]}"
    harperdb_server.operation({"operation": "create_database", "database": name})
    yield name
    if harperdb_server.running:
        harperdb_server.operation({"operation": "drop_database", "database": name})


ATTRIBUTES = [
    {"name": "id", "type": "String"},
    {"name": "n", "type": "Int"},
    {"name": "price", "type": "Float"},
    {"name": "when", "type": "Date"},
    {"name": "tags", "type": "array", "elements": {"type": "String"}},
    {"name": "doc", "type": "Any"},  # JSON text
    {"name": "__createdtime__", "type": "Float", "indexed": True},
    {"name": "__updatedtime__", "type": "Float", "indexed": True},
]


def _records(ids: range) -> list[dict[str, Any]]:
    return [
        {
            "id": f"k{i:05d}",
            "n": i,
            "price": None if i % 4 == 0 else i / 8,
            "when": f"2024-01-01T00:00:{i % 60:02d}.{i % 1000:03d}Z",
            "tags": ["a", str(i)][: i % 3],
            "doc": [i, "text", {"a": [i, None]}, None, 2.5][i % 5],
        }
        for i in ids
    ]


class TestHarperDB(SourceSuite):
    source = "harperdb"

    @pytest.fixture
    def case(self, harperdb_server: HarperDBServer, database: str) -> Case:
        table = f"t_{uuid.uuid4().hex[:10]}"
        server = harperdb_server
        body = {"operation": "create_table", "database": database, "table": table}
        server.operation(body | {"primary_key": "id", "attributes": ATTRIBUTES})
        ids = itertools.count()

        def upsert(n: int) -> None:
            start = next(ids) * 100  # each upsert: one updated time, shared by its rows
            records = _records(range(start, start + n))
            body = {"operation": "upsert", "database": database, "table": table}
            server.operation(body | {"records": records})

        for n in (9, 1, 12, 5):
            upsert(n)
        return Case(
            args=(server.url, database, table),
            kwargs={"username": server.username, "password": server.password},
            keys=["id"],
            page_kwargs={"page_size": 4},
            empty_kwargs={"since": "2200-01-01T00:00:00Z"},
            sync_kwargs={"page_size": 5},
            dask_kwargs={"npartitions": 3},
            grow=lambda: upsert(7),
            server_port=server.ports["ops"],
        )
