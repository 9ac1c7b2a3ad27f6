"""Fixtures of the HarperDB connector tests: the real server of the session, and own names.

Tests share one server (``harperdb_server``) and one pair (``harperdb_cluster``),
and keep apart by writing only to databases and tables of their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from arrowtap.connectors._http import RetryPolicy
from arrowtap.testing.harperdb import HarperDBServer

FAST = RetryPolicy(attempts=2, initial=0.001, maximum=0.01, jitter=0.0)


def unique(prefix: str) -> str:
    """A name no other test uses."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def creds(harperdb_server: HarperDBServer) -> dict[str, Any]:
    """Keyword arguments that reach the session's server as its super user."""
    return {"username": harperdb_server.username, "password": harperdb_server.password}


@pytest.fixture(scope="module")
def database(harperdb_server: HarperDBServer) -> Iterator[str]:
    """A database of this test module's own, dropped after it."""
    name = unique("h1")
    harperdb_server.operation({"operation": "create_database", "database": name})
    yield name
    if harperdb_server.running:
        harperdb_server.operation({"operation": "drop_database", "database": name})


@pytest.fixture
def make_table(harperdb_server: HarperDBServer, database: str) -> Any:
    """Create a table of this test's own: ``make_table(**create_table_fields) -> name``."""

    def make(**fields: Any) -> str:
        name = unique("t")
        body = {"operation": "create_table", "database": database, "table": name}
        harperdb_server.operation(body | {"primary_key": "id"} | fields)
        return name

    return make
