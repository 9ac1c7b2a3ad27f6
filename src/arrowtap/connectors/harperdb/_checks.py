"""Checks of the arguments HarperDB's public functions share, made before any request.

Built on the checkers every connector uses (:mod:`arrowtap._checks`); the names
of databases and tables, and the clustering operations' own arguments, are
checked again by the wire layer (:mod:`~arrowtap.connectors.harperdb.wire.arguments`).
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
import pyarrow as pa

from arrowtap import _checks as checks
from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.harperdb.wire.client import SYSTEM, HarperDBClient
from arrowtap.errors import InvalidTypeError
from arrowtap.io.inputs import check_server, to_ns

__all__ = ["check_node", "check_table_read", "open_node"]


def check_node(
    url: object, username: object, password: object, client: object, retry: object
) -> None:
    """Check how a node is reached (URL, credentials, client, retry), before any request.

    Examples
    --------
    >>> check_node("http://node1:9925", "admin", None, None, None)
    >>> check_node("http://node1:9925", "admin", None, None, 3)
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidTypeError: HarperDB: retry must be a RetryPolicy or None, not int 3
    """
    check_server(url, username=username, password=password, client=client, retry=retry,
                 system=SYSTEM)  # fmt: skip


def open_node(
    url: str,
    username: str | None,
    password: str | None,
    client: httpx.Client | None,
    retry: RetryPolicy | None,
) -> HarperDBClient:
    """A client of the node at ``url``, its arguments checked first."""
    check_node(url, username, password, client, retry)
    return HarperDBClient(url, username=username, password=password, client=client, retry=retry)


def check_table_read(
    url: object,
    database: object,
    table: object,
    *,
    columns: object,
    since: object,
    unit: object = None,
    page_size: object,
    schema: object,
    username: object,
    password: object,
    client: object,
    retry: object,
) -> int | None:
    """Check the arguments of a table read, before any request; ``since`` in ns.

    Examples
    --------
    >>> check_table_read("http://h:9925", "shop", "items", columns=["id"], since=0,
    ...                  page_size=100, schema=None, username=None, password=None,
    ...                  client=None, retry=None)
    0
    """
    check_node(url, username, password, client, retry)
    checks.name("database", database, system=SYSTEM)
    checks.name("table", table, system=SYSTEM)
    checks.optional(checks.names, "columns", columns, system=SYSTEM)
    checks.positive_int("page_size", page_size, system=SYSTEM)
    if schema is not None and not isinstance(schema, pa.Schema | Mapping):
        raise InvalidTypeError(
            f"{SYSTEM}: schema must be a pyarrow.Schema or a mapping of column to pyarrow"
            f" type, not {type(schema).__name__}"
        )
    return None if since is None else to_ns(since, "since", unit=unit)  # type: ignore[arg-type]
