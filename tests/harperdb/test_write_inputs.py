"""What ``write_harperdb`` takes, against the real server: Polars and a pandas index."""

from __future__ import annotations

from typing import Any

import dask.dataframe as dd
import pandas as pd
import polars as pl
import pytest

import arrowtap
from arrowtap.errors import InvalidArgumentError
from arrowtap.testing.harperdb import HarperDBServer

from .conftest import unique


def stored(server: HarperDBServer, database: str, table: str, key: str) -> list[dict[str, Any]]:
    body = {"operation": "search_by_value", "database": database, "table": table}
    body |= {"search_attribute": key, "search_value": "*", "get_attributes": ["*"]}
    found: list[dict[str, Any]] = server.operation(body)
    for row in found:
        for name in ("__createdtime__", "__updatedtime__"):
            row.pop(name, None)
    return sorted(found, key=lambda r: str(r[key]))


def test_a_polars_frame_is_upserted_through_its_arrow_stream(
    harperdb_server: HarperDBServer, database: str, creds: dict[str, Any]
) -> None:
    table = unique("pl")
    frame = pl.DataFrame({"id": ["a", "b"], "qty": [1, None], "name": ["x", "y"]})
    summary = arrowtap.write_harperdb(frame, harperdb_server.url, database, table, **creds)
    assert summary.rows == 2
    assert stored(harperdb_server, database, table, "id") == [
        {"id": "a", "qty": 1, "name": "x"},
        {"id": "b", "qty": None, "name": "y"},
    ]


def test_a_frame_indexed_by_its_keys_writes_them(
    harperdb_server: HarperDBServer, database: str, creds: dict[str, Any]
) -> None:
    table = unique("ix")
    frame = pd.DataFrame({"qty": [3, 4]}, index=pd.Index(["k1", "k2"], name="sku"))
    arrowtap.write_harperdb(frame, harperdb_server.url, database, table, primary_key="sku", **creds)
    assert stored(harperdb_server, database, table, "sku") == [
        {"sku": "k1", "qty": 3},
        {"sku": "k2", "qty": 4},
    ]
    # index=False leaves it out: then the key column is missing, which is refused.
    with pytest.raises(InvalidArgumentError, match="sku"):
        arrowtap.write_harperdb(
            frame, harperdb_server.url, database, table, primary_key="sku", index=False, **creds
        )


def test_a_dask_frame_writes_its_index_and_a_range_index_stays_out(
    harperdb_server: HarperDBServer, database: str, creds: dict[str, Any]
) -> None:
    table = unique("dx")
    frame = pd.DataFrame({"qty": [1, 2, 3, 4]}, index=pd.Index(["a", "b", "c", "d"], name="id"))
    ddf = dd.from_pandas(frame, npartitions=2)
    arrowtap.write_harperdb(ddf, harperdb_server.url, database, table, **creds)
    plain = pd.DataFrame({"id": ["e"], "qty": [5]})  # its RangeIndex: row numbers, not data
    arrowtap.write_harperdb(plain, harperdb_server.url, database, table, **creds)
    assert stored(harperdb_server, database, table, "id") == [
        {"id": key, "qty": qty} for key, qty in zip("abcde", range(1, 6), strict=True)
    ]
