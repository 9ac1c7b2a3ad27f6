"""Planning a HarperDB table read: its one partition, its schema, its upper bound.

A table is one partition (section ``harperdb:<database>.<table>`` of the
checkpoint ``harperdb-tables``, whatever node serves it), read in (updated
time, primary key) order; its offset is ``{"updated": t, "key": k}`` (see
:mod:`~arrowtap.connectors.harperdb.table_source`). Reads, scans and syncs
(:mod:`~arrowtap.connectors.harperdb.table`,
:mod:`~arrowtap.connectors.harperdb.table_sync`) run the plans made here.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from arrowtap.connectors._http import RetryPolicy
from arrowtap.connectors.harperdb import first_page
from arrowtap.connectors.harperdb._checks import check_table_read
from arrowtap.connectors.harperdb.table_source import DEFAULT_PAGE_SIZE, HarperDBTableSource
from arrowtap.connectors.harperdb.wire.layout import SchemaLike
from arrowtap.io.contract import Plan
from arrowtap.io.inputs import TimeLike, TimeUnit

__all__ = ["CHECKPOINT_NAME", "plan_harperdb", "plan_table"]

CHECKPOINT_NAME = "harperdb-tables"
"""The checkpoint of table offsets; one section per table (or per range, for Dask)."""


def plan_table(
    url: str,
    database: str,
    table: str,
    *,
    columns: Sequence[str] | None,
    since: TimeLike | None,
    unit: TimeUnit | None = None,
    page_size: int,
    schema: SchemaLike | None,
    username: str | None,
    password: str | None,
    client: httpx.Client | None,
    retry: RetryPolicy | None,
    incremental: bool,
    prime: bool = False,
) -> Plan:
    """The one-partition plan of a table; ``incremental``: read from offsets.

    A read from offsets (a checkpoint, a sync) is refused for a table without
    an indexed updated time, before any row is read. ``prime``: a plain read
    that follows at once, planned by its first page (one request for a table
    of one page; see :mod:`~arrowtap.connectors.harperdb.first_page`).

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client
    >>> describe = {"hash_attribute": "id", "attributes": [{"attribute": "id"}]}
    >>> plan_table("http://h:9925", "shop", "items", columns=None, since=None, page_size=10,
    ...            schema=None, username=None, password=None, retry=None, incremental=True,
    ...            client=canned_client({"describe_table": describe}))
    Traceback (most recent call last):
    ...
    arrowtap.errors.InvalidArgumentError: HarperDB: shop.items cannot be read incrementally: \
it has no updated-time attribute (__updatedtime__ or @updatedTime); read it whole (no since, \
no checkpoint)
    """
    since_ns = check_table_read(
        url, database, table, columns=columns, since=since, unit=unit, page_size=page_size,
        schema=schema,
        username=username, password=password, client=client, retry=retry,
    )  # fmt: skip
    source = HarperDBTableSource(
        url,
        database,
        table,
        columns=columns,
        page_size=page_size,
        schema=schema,
        username=username,
        password=password,
        client=client,
        retry=retry,
    )
    try:
        if prime and not incremental:
            part = first_page.prime(source, since_ns)
        else:
            part = source.partition(since_ns, incremental=incremental)
        return Plan(source, [part], CHECKPOINT_NAME)
    finally:
        source.close()  # reopened by whoever reads the plan


def plan_harperdb(
    url: str,
    database: str,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    since: TimeLike | None = None,
    unit: TimeUnit | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    schema: SchemaLike | None = None,
    username: str | None = None,
    password: str | None = None,
    client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
) -> Plan:
    """The plan of a table read: its declared schema, one partition, its upper bound.

    The table is described (``describe_table``) and its latest updated time
    asked now: the read covers the rows updated up to then. The parameters are
    those of :func:`read_harperdb`.

    Returns
    -------
    Plan
        One partition, keyed ``harperdb:<database>.<table>``, of the checkpoint
        ``harperdb-tables``.

    Examples
    --------
    >>> from arrowtap.connectors.harperdb.wire.canned import canned_client, canned_table
    >>> answers = canned_table([{"id": 1, "__updatedtime__": 5.0}])
    >>> plan = plan_harperdb("http://h:9925", "shop", "items", client=canned_client(answers))
    >>> [part.key for part in plan.partitions], plan.schema.names
    (['harperdb:shop.items'], ['id', '__createdtime__', '__updatedtime__'])
    """
    return plan_table(
        url,
        database,
        table,
        columns=columns,
        since=since,
        unit=unit,
        page_size=page_size,
        schema=schema,
        username=username,
        password=password,
        client=client,
        retry=retry,
        incremental=False,
    )
